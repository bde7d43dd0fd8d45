"""Who may see and change proposals (django-rules predicates).

A proposal is written by its owning organisation and by the organisations that accepted to
co-author it (`Coauthorship`): every rule about "the authors" asks `author_roles`, the one place
that knows both, and the consultations and registrations rules build on the predicates here.

A draft is visible only to the authors' members, at every URL (pages, revisions, comparisons,
exports). Editing, publishing, running the consultation and submitting need the editor or admin
role in the owner or in a co-author. Withdrawing the proposal and inviting or removing
co-authors stay with the owner's editors and admins; answering an invitation is for the invited
organisation's admins. Endorsing needs a verified participant (in one's own name) or an admin
of the endorsing organisation.
"""

import rules

from accounts.models import Membership, OrganizationKind, Role
from accounts.rules import has_confirmed_email, is_org_admin, role_in
from core.permissions import is_signed_in

EDITING_ROLES = (Role.ADMIN, Role.EDITOR)


def author_roles(user, proposal):
    """{organisation id: role} of `user` in the proposal's owner and accepted co-authors (empty
    for visitors and outsiders). One query. Side effects: none."""
    from proposals.models import CoauthorStatus

    if proposal is None or user is None or not user.is_authenticated:
        return {}
    # An authority acts only while it is verified (its own drafts, like everything it does).
    owner = Membership.objects.filter(user=user, organization_id=proposal.organization_id).exclude(
        organization__kind=OrganizationKind.AUTHORITY, organization__verified_at__isnull=True
    )
    coauthor = Membership.objects.filter(
        user=user,
        organization__coauthorships__proposal=proposal,
        organization__coauthorships__status=CoauthorStatus.ACCEPTED,
    )
    return dict((owner | coauthor).values_list("organization_id", "role"))


def acting_organization_id(user, proposal):
    """The organisation `user` writes for on `proposal`: the owner when they edit for it, else
    the first co-author they edit for, else None. Side effects: none."""
    roles = author_roles(user, proposal)
    if roles.get(proposal.organization_id) in EDITING_ROLES:
        return proposal.organization_id
    return next((pk for pk, role in sorted(roles.items()) if role in EDITING_ROLES), None)


@rules.predicate
def is_public(user, proposal):
    return proposal is not None and proposal.is_public


@rules.predicate
def is_author_member(user, proposal):
    """A member (any role) of the owner or of an accepted co-author."""
    return bool(author_roles(user, proposal))


@rules.predicate
def is_author_editor(user, proposal):
    """An editor or admin of the owner or of an accepted co-author."""
    return any(role in EDITING_ROLES for role in author_roles(user, proposal).values())


@rules.predicate
def is_owner_editor(user, proposal):
    """An editor or admin of the owning organisation itself."""
    if proposal is None:
        return False
    owner = proposal.organization
    if owner.kind == OrganizationKind.AUTHORITY and owner.verified_at is None:
        return False
    return role_in(user, owner) in EDITING_ROLES


# The names the other apps imported before co-authors existed.
is_org_member = is_author_member
is_org_editor = is_author_editor


@rules.predicate
def is_editable(user, proposal):
    return proposal is not None and proposal.is_editable


@rules.predicate
def can_draft_somewhere(user):
    return (
        user.is_authenticated
        and user.memberships.filter(role__in=[Role.ADMIN, Role.EDITOR])
        .exclude(organization__kind=OrganizationKind.AUTHORITY)
        .exists()
    )


@rules.predicate
def can_draft_for_authority(user):
    """An admin of a verified public authority: it drafts its own normative acts (issue 17).
    Its registrars only register and log; they do not draft."""
    return (
        user.is_authenticated
        and user.memberships.filter(
            role=Role.ADMIN,
            organization__kind=OrganizationKind.AUTHORITY,
            organization__verified_at__isnull=False,
        ).exists()
    )


def is_invited_admin(user, coauthorship):
    """An admin of the organisation a co-authorship is for."""
    return coauthorship is not None and is_org_admin(user, coauthorship.organization)


@rules.predicate
def is_invited_member(user, coauthorship):
    return coauthorship is not None and role_in(user, coauthorship.organization) is not None


@rules.predicate
def is_coauthorship_owner_editor(user, coauthorship):
    return coauthorship is not None and is_owner_editor(user, coauthorship.proposal)


@rules.predicate
def is_endorser(user, endorsement):
    """Who may withdraw an endorsement: its person, or an admin of its organisation."""
    if endorsement is None or not user.is_authenticated:
        return False
    if endorsement.organization_id:
        return is_org_admin(user, endorsement.organization)
    return endorsement.user_id == user.pk


rules.add_perm("proposals.add_proposal", can_draft_somewhere | can_draft_for_authority)
rules.add_perm("proposals.view_proposal", is_public | is_author_member)
# Writing the authors' proposals (the role); changing one also needs it still editable.
rules.add_perm("proposals.draft_proposal", is_author_editor)
rules.add_perm("proposals.change_proposal", is_author_editor & is_editable)
rules.add_perm("proposals.publish_proposal", is_author_editor)
# Owner only: withdrawing, and choosing who co-authors.
rules.add_perm("proposals.withdraw_proposal", is_owner_editor)
rules.add_perm("proposals.manage_coauthors", is_owner_editor)
# A co-authorship's page: the owner's editors and the invited organisation's members see it;
# its admins answer.
rules.add_perm("proposals.view_coauthorship", is_coauthorship_owner_editor | is_invited_member)
rules.add_perm("proposals.answer_coauthorship", is_invited_admin)
# Endorsing: a verified participant in their own name; an organisation by its admin.
rules.add_perm("proposals.endorse", is_signed_in & has_confirmed_email)
rules.add_perm("proposals.endorse_for_organization", is_signed_in & is_org_admin)
rules.add_perm("proposals.withdraw_endorsement", is_endorser)
