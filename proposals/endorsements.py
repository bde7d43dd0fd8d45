"""Endorsements: organisations and verified participants publicly supporting a proposal.

An organisation endorses through one of its admins; a person with a confirmed email address
endorses in their own name. Each may have one active endorsement of a proposal at a time, which
the database guarantees (two partial unique constraints), so a double click or twenty
simultaneous requests leave one row. Withdrawing keeps the row, marked withdrawn; endorsing
again afterwards makes a new row. Every move is an activity-log row on the proposal.
"""

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core import activity
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from core.text import clean_text
from proposals.models import Endorsement, Proposal, ProposalStatus, authors_changed


def check_endorsable(proposal):
    """A published proposal, not withdrawn, can be endorsed; else InvalidTransition.
    Side effects: none."""
    if not proposal.is_public or proposal.status == ProposalStatus.WITHDRAWN:
        raise InvalidTransition(
            _("This proposal is %(status)s; it cannot be endorsed.")
            % {"status": proposal.get_status_display().lower()},
            code=proposal.status,
        )


def _duplicate(organization):
    if organization is not None:
        return DomainError(
            _("%(organization)s already endorses this proposal.")
            % {"organization": organization.name},
            code="duplicate",
        )
    return DomainError(_("You already endorse this proposal."), code="duplicate")


@transaction.atomic
def endorse(user, proposal, *, organization=None, statement="", now=None):
    """Endorse `proposal` in one's own name, or in the name of `organization` (one the user
    administers). Returns the Endorsement.

    The statement is optional, public, cleaned as all typed text (`core.text.clean_text`) and at
    most `Endorsement.STATEMENT_MAX_LENGTH` characters. Refused for a draft or withdrawn
    proposal, for the proposal's own authors (owner and co-authors) endorsing it as an
    organisation, and for a second active endorsement by the same person or organisation (also
    when it arrives at the same moment: the database's constraint, turned into the same message).
    Side effects: an endorsement row; a log row ("endorsement.added").
    """
    if organization is None:
        require(
            user,
            "proposals.endorse",
            proposal,
            message=_("Confirm your email address to endorse proposals."),
        )
    else:
        require(
            user,
            "proposals.endorse_for_organization",
            organization,
            message=_("Only the organisation's administrators can endorse in its name."),
        )
    proposal = Proposal.objects.get(pk=proposal.pk)
    check_endorsable(proposal)
    if organization is not None and organization in proposal.authors:
        raise DomainError(_("An author of the proposal cannot endorse it."), code="author")
    statement = clean_text(
        statement,
        field=_("The statement"),
        max_length=Endorsement.STATEMENT_MAX_LENGTH,
    )
    same = Endorsement.objects.active().filter(proposal=proposal)
    same = (
        same.filter(organization=organization)
        if organization
        else same.filter(organization__isnull=True, user=user)
    )
    if same.exists():
        raise _duplicate(organization)
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(
                proposal=proposal,
                organization=organization,
                user=user,
                statement=statement,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        # Another request endorsed between our check and our insert.
        raise _duplicate(organization) from None
    activity.record(
        user,
        "endorsement.added",
        endorsement,
        scope=proposal,
        new=organization.name if organization else "",
        data={
            "endorsement": endorsement.pk,
            "organization": organization.pk if organization else None,
        },
    )
    authors_changed.send(sender=Endorsement, proposal=proposal)
    return endorsement


@transaction.atomic
def withdraw_endorsement(user, endorsement, *, now=None):
    """Withdraw an active endorsement (its person, or an admin of its organisation). The row
    stays, marked withdrawn. Side effects: `withdrawn_at`/`withdrawn_by`; a log row
    ("endorsement.withdrawn")."""
    endorsement = (
        Endorsement.objects.select_for_update(of=("self",))
        .select_related("proposal", "organization")
        .get(pk=endorsement.pk)
    )
    require(
        user,
        "proposals.withdraw_endorsement",
        endorsement,
        message=_("Only whoever endorsed can withdraw this endorsement."),
    )
    if endorsement.withdrawn_at is not None:
        raise InvalidTransition(_("This endorsement was already withdrawn."), code="withdrawn")
    endorsement.withdrawn_at = now or timezone.now()
    endorsement.withdrawn_by = user
    endorsement.save(update_fields=["withdrawn_at", "withdrawn_by"])
    activity.record(
        user,
        "endorsement.withdrawn",
        endorsement,
        scope=endorsement.proposal,
        old=endorsement.organization.name if endorsement.organization_id else "",
        data={"endorsement": endorsement.pk},
    )
    authors_changed.send(sender=Endorsement, proposal=endorsement.proposal)
    return endorsement


def endorsement_counts(proposal):
    """{"organizations": n, "people": n, "total": n} of the active endorsements. One query.
    Side effects: none."""
    counts = (
        Endorsement.objects.active()
        .filter(proposal=proposal)
        .aggregate(
            organizations=Count("pk", filter=Q(organization__isnull=False)),
            people=Count("pk", filter=Q(organization__isnull=True)),
        )
    )
    counts["total"] = counts["organizations"] + counts["people"]
    return counts


def active_endorsements(proposal):
    """The active endorsements, organisations first, newest first within each. Side effects:
    none."""
    return (
        Endorsement.objects.active()
        .filter(proposal=proposal)
        .select_related("organization", "user__profile")
        .annotate(by_person=Case(When(organization__isnull=True, then=1), default=0))
        .order_by("by_person", "-created_at", "-pk")
    )


def own_endorsements(user, proposal):
    """The active endorsements `user` may withdraw: their own and their organisations' (those
    they administer). Side effects: none."""
    from accounts.models import Role

    if not user.is_authenticated:
        return Endorsement.objects.none()
    admin_of = user.memberships.filter(role=Role.ADMIN).values("organization_id")
    return (
        Endorsement.objects.active()
        .filter(proposal=proposal)
        .filter(Q(organization__isnull=True, user=user) | Q(organization_id__in=admin_of))
        .select_related("organization")
    )


def endorsements_at(proposal, moment):
    """The endorsements active at `moment` (given by then, not withdrawn by then), organisations
    first: what a submission's dossier lists for the moment it was sent. Side effects: none."""
    return (
        Endorsement.objects.filter(proposal=proposal, created_at__lte=moment)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=moment))
        .select_related("organization", "user__profile")
        .annotate(by_person=Case(When(organization__isnull=True, then=1), default=0))
        .order_by("by_person", "-created_at", "-pk")
    )


# --- Personal data (core.privacy) ---------------------------------------------------------------


def export_endorsements(user):
    """The endorsements `user` gave: in their own name, and for an organisation as its admin
    (the organisation's stay its own when the account goes). Side effects: none."""
    return [
        {
            "proposal": endorsement.proposal.slug,
            "organization": endorsement.organization.name if endorsement.organization_id else None,
            "statement": endorsement.statement,
            "endorsed": endorsement.created_at.isoformat(),
            "withdrawn": endorsement.withdrawn_at.isoformat() if endorsement.withdrawn_at else None,
        }
        for endorsement in Endorsement.objects.filter(user=user)
        .select_related("proposal", "organization")
        .order_by("created_at", "pk")
    ]


def erase_endorsements(user):
    """A person's support ends with their account: their own endorsements are withdrawn (the
    rows stay, as every withdrawal's) and their statements cleared; an organisation's
    endorsement stays the organisation's. Side effects: updates; a log row per endorsement
    withdrawn; the proposals' cached pages move on (`authors_changed`)."""
    personal = Endorsement.objects.filter(user=user, organization__isnull=True)
    now = timezone.now()
    for endorsement in personal.filter(withdrawn_at__isnull=True).select_related("proposal"):
        activity.record(
            user,
            "endorsement.withdrawn",
            endorsement,
            scope=endorsement.proposal,
            data={"endorsement": endorsement.pk, "account_deleted": True},
        )
    proposal_ids = set(personal.values_list("proposal_id", flat=True))
    personal.filter(withdrawn_at__isnull=True).update(withdrawn_at=now, withdrawn_by=user)
    personal.exclude(statement="").update(statement="")
    for proposal in Proposal.objects.filter(pk__in=proposal_ids):
        authors_changed.send(sender=Endorsement, proposal=proposal)
