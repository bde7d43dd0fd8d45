"""Who may see and change proposals (django-rules predicates).

A draft is visible only to members of its organisation, at every URL (pages, revisions,
comparisons, exports). Editing, publishing and withdrawing need the editor or admin role in the
owning organisation.
"""

import rules

from accounts.models import OrganizationKind, Role
from accounts.rules import can_act_for_authority, role_in


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


rules.add_perm("proposals.add_proposal", can_draft_somewhere)
rules.add_perm("proposals.view_proposal", is_public | is_org_member)
rules.add_perm("proposals.change_proposal", is_org_editor & is_editable)
rules.add_perm("proposals.publish_proposal", is_org_editor)
rules.add_perm("proposals.withdraw_proposal", is_org_editor)


# --- Submissions and the authorities' registers ------------------------------------------------
# A submission's object is the Submission; the register's object is the authority (Organization).


@rules.predicate
def is_platform_submission(user, submission):
    return submission is not None and submission.proposal_id is not None


@rules.predicate
def acts_for_submission_authority(user, submission):
    return submission is not None and can_act_for_authority(user, submission.authority)


def _sender_role(user, submission):
    if submission is None or submission.proposal_id is None:
        return None
    return role_in(user, submission.proposal.organization)


@rules.predicate
def is_sender_member(user, submission):
    return _sender_role(user, submission) is not None


@rules.predicate
def is_sender_editor(user, submission):
    return _sender_role(user, submission) in (Role.ADMIN, Role.EDITOR)


@rules.predicate
def authority_not_on_platform(user, submission):
    from proposals.registration import authority_on_platform

    return submission is not None and not authority_on_platform(submission.authority)


rules.add_perm("proposals.submit_proposal", is_org_editor)
# Submissions made through the platform are public (the public register); proposals logged from
# paper are seen by the authority and, if any, the sending organisation.
rules.add_perm(
    "proposals.view_submission",
    is_platform_submission | is_sender_member | acts_for_submission_authority,
)
rules.add_perm("proposals.register_submission", acts_for_submission_authority)
rules.add_perm("proposals.answer_submission", acts_for_submission_authority)
rules.add_perm(
    "proposals.declare_registration",
    is_platform_submission & is_sender_editor & authority_not_on_platform,
)
rules.add_perm("proposals.view_authority_register", can_act_for_authority)
rules.add_perm("proposals.log_submission", can_act_for_authority)
