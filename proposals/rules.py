"""Who may see and change proposals (django-rules predicates).

A draft is visible only to members of its organisation, at every URL (pages, revisions,
comparisons, exports). Editing, publishing and withdrawing need the editor or admin role in the
owning organisation.
"""

import rules

from accounts.models import OrganizationKind, Role
from accounts.rules import role_in


def _role(user, proposal):
    return role_in(user, proposal.organization) if proposal is not None else None


@rules.predicate
def is_public(user, proposal):
    return proposal is not None and proposal.is_public


@rules.predicate
def is_org_member(user, proposal):
    return _role(user, proposal) is not None


@rules.predicate
def is_org_editor(user, proposal):
    return _role(user, proposal) in (Role.ADMIN, Role.EDITOR)


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


rules.add_perm("proposals.add_proposal", can_draft_somewhere | can_draft_for_authority)
rules.add_perm("proposals.view_proposal", is_public | is_org_member)
# Writing the organisation's proposals (the role); changing one also needs it still editable.
rules.add_perm("proposals.draft_proposal", is_org_editor)
rules.add_perm("proposals.change_proposal", is_org_editor & is_editable)
rules.add_perm("proposals.publish_proposal", is_org_editor)
rules.add_perm("proposals.withdraw_proposal", is_org_editor)
