"""Co-authoring organisations: inviting, answering, removing.

The owning organisation's editors and admins invite another organisation (an NGO, an
association, not a public authority) to co-author a proposal; the invited organisation's admins
accept or decline; the owner can remove a co-author (or take back an invitation). Accepted
co-authors' editors then write and run the consultation as the owner's do
(`proposals.rules.author_roles`); withdrawing the proposal and choosing co-authors stay with the
owner.

A `Coauthorship` row is never deleted: each move sets its status (along
`COAUTHOR_TRANSITIONS`) and who/when; inviting again after a refusal or a removal makes a new
row. Every move is an activity-log row on the proposal, and an email after commit
(`proposals.notifications`).
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, OrganizationKind, Role
from core import activity, mail
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from proposals.models import (
    COAUTHOR_TRANSITIONS,
    Coauthorship,
    CoauthorStatus,
    Proposal,
    ProposalStatus,
    authors_changed,
)
from proposals.rules import EDITING_ROLES


def check_coauthor_move(coauthorship, target):
    """`COAUTHOR_TRANSITIONS` allows the move; else InvalidTransition. Side effects: none."""
    if target not in COAUTHOR_TRANSITIONS[CoauthorStatus(coauthorship.status)]:
        raise InvalidTransition(
            _("This invitation was already answered or withdrawn (%(status)s).")
            % {"status": coauthorship.get_status_display().lower()},
            code=coauthorship.status,
        )


def invitable_organizations(proposal):
    """The organisations that can be invited to co-author `proposal`: not authorities, not the
    owner, not one already invited or co-authoring. Side effects: none."""
    open_ones = proposal.coauthorships.filter(status__in=CoauthorStatus.open()).values(
        "organization_id"
    )
    return (
        Organization.objects.exclude(kind=OrganizationKind.AUTHORITY)
        .exclude(pk=proposal.organization_id)
        .exclude(pk__in=open_ones)
        .order_by("name")
    )


def _set(user, coauthorship, target, verb, **fields):
    coauthorship.status = target
    for name, value in fields.items():
        setattr(coauthorship, name, value)
    coauthorship.save(update_fields=["status", *fields])
    activity.record(
        user,
        verb,
        coauthorship,
        scope=coauthorship.proposal,
        new=coauthorship.organization.name,
        data={"organization": coauthorship.organization_id},
    )
    mail.notify("proposals.coauthorship", coauthorship_id=coauthorship.pk, event=target)
    authors_changed.send(sender=Coauthorship, proposal=coauthorship.proposal)
    return coauthorship


def _locked(coauthorship):
    return (
        Coauthorship.objects.select_for_update()
        .select_related("proposal__organization", "organization")
        .get(pk=coauthorship.pk)
    )


@transaction.atomic
def invite_coauthor(user, proposal, organization, *, now=None):
    """Invite `organization` to co-author `proposal`. Returns the Coauthorship (invited).

    Refused for a public authority, the owner itself, an organisation already invited or
    co-authoring (also when a concurrent request invited it a moment earlier: the database's
    constraint), and a proposal that is withdrawn or already answered.
    Side effects: a co-authorship row; a log row ("coauthor.invited"); an email to the invited
    organisation's admins after commit.
    """
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    require(
        user,
        "proposals.manage_coauthors",
        proposal,
        message=_("Only the owning organisation's editors and admins can choose co-authors."),
    )
    if proposal.status in (ProposalStatus.WITHDRAWN, ProposalStatus.ANSWERED):
        raise InvalidTransition(
            _("This proposal is %(status)s; it takes no new co-authors.")
            % {"status": proposal.get_status_display().lower()},
            code=proposal.status,
        )
    if organization.kind == OrganizationKind.AUTHORITY:
        raise DomainError(_("A public authority cannot co-author a proposal."))
    if organization.pk == proposal.organization_id:
        raise DomainError(_("The owning organisation is already the proposal's author."))
    taken = DomainError(
        _("%(organization)s is already invited or co-authoring this proposal.")
        % {"organization": organization.name},
        code="taken",
    )
    if proposal.coauthorships.filter(
        organization=organization, status__in=CoauthorStatus.open()
    ).exists():
        raise taken
    try:
        with transaction.atomic():
            coauthorship = Coauthorship.objects.create(
                proposal=proposal,
                organization=organization,
                invited_by=user,
                invited_at=now or timezone.now(),
            )
    except IntegrityError:
        raise taken from None
    activity.record(
        user,
        "coauthor.invited",
        coauthorship,
        scope=proposal,
        new=organization.name,
        data={"organization": organization.pk},
    )
    mail.notify(
        "proposals.coauthorship", coauthorship_id=coauthorship.pk, event=CoauthorStatus.INVITED
    )
    return coauthorship


@transaction.atomic
def accept_coauthorship(user, coauthorship, *, now=None):
    """The invited organisation's admin accepts: its editors become the proposal's authors too.
    Side effects: the status, who and when; a log row ("coauthor.accepted"); an email to the
    owner's editors and admins after commit."""
    return _answer(user, coauthorship, CoauthorStatus.ACCEPTED, "coauthor.accepted", now)


@transaction.atomic
def decline_coauthorship(user, coauthorship, *, now=None):
    """The invited organisation's admin declines. Side effects: as `accept_coauthorship`
    ("coauthor.declined")."""
    return _answer(user, coauthorship, CoauthorStatus.DECLINED, "coauthor.declined", now)


def _answer(user, coauthorship, target, verb, now):
    coauthorship = _locked(coauthorship)
    require(
        user,
        "proposals.answer_coauthorship",
        coauthorship,
        message=_("Only the invited organisation's administrators can answer this invitation."),
    )
    check_coauthor_move(coauthorship, target)
    return _set(
        user, coauthorship, target, verb, answered_at=now or timezone.now(), answered_by=user
    )


@transaction.atomic
def remove_coauthor(user, coauthorship, *, now=None):
    """The owner removes a co-author (or takes back a pending invitation): its members lose the
    authors' rights at once. Revisions they saved keep naming them.
    Side effects: the status, who and when; a log row ("coauthor.removed"); an email to the
    removed organisation's admins after commit."""
    coauthorship = _locked(coauthorship)
    require(
        user,
        "proposals.manage_coauthors",
        coauthorship.proposal,
        message=_("Only the owning organisation's editors and admins can remove co-authors."),
    )
    check_coauthor_move(coauthorship, CoauthorStatus.REMOVED)
    return _set(
        user,
        coauthorship,
        CoauthorStatus.REMOVED,
        "coauthor.removed",
        removed_at=now or timezone.now(),
        removed_by=user,
    )


def coauthors_at(proposal, moment):
    """The organisations that co-authored `proposal` at `moment` (accepted by then, not removed
    by then), in the order they joined: who co-signed a submission made then. Side effects:
    none."""
    rows = (
        proposal.coauthorships.filter(answered_at__lte=moment)
        .filter(
            Q(status=CoauthorStatus.ACCEPTED)
            | Q(status=CoauthorStatus.REMOVED, removed_at__gt=moment)
        )
        .select_related("organization")
        .order_by("answered_at", "pk")
    )
    return [row.organization for row in rows]


def _pending():
    return (
        Coauthorship.objects.filter(status=CoauthorStatus.INVITED)
        .select_related("proposal__organization", "organization")
        .order_by("invited_at", "pk")
    )


def invitations_to_answer(user):
    """The pending invitations addressed to the organisations `user` administers (they answer
    them), oldest first. Side effects: none."""
    if not user.is_authenticated:
        return Coauthorship.objects.none()
    administered = Membership.objects.filter(user=user, role=Role.ADMIN).values("organization_id")
    return _pending().filter(organization_id__in=administered)


def invitations_sent(user):
    """The pending invitations sent for proposals of the organisations `user` edits for or
    administers (they may take them back), oldest first. Side effects: none."""
    if not user.is_authenticated:
        return Coauthorship.objects.none()
    owned = Membership.objects.filter(user=user, role__in=EDITING_ROLES).values("organization_id")
    return _pending().filter(proposal__organization_id__in=owned)
