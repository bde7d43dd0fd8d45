"""Who may submit proposals, see submissions and work in an authority's register (django-rules
predicates).

A submission's object is the Submission; the register's object is the authority (Organization);
submitting's object is the proposal. Only registrars (or admins) of a verified authority act
for it.
"""

import rules

from accounts.rules import can_act_for_authority, can_draft_for_authority
from proposals.rules import EDITING_ROLES, author_roles, is_org_editor


@rules.predicate
def is_platform_submission(user, submission):
    return submission is not None and submission.proposal_id is not None


@rules.predicate
def acts_for_submission_authority(user, submission):
    return submission is not None and can_act_for_authority(user, submission.authority)


def _sender_roles(user, submission):
    """The user's roles in the sending proposal's authors (owner and co-authors)."""
    if submission is None or submission.proposal_id is None:
        return {}
    return author_roles(user, submission.proposal)


@rules.predicate
def is_sender_member(user, submission):
    return bool(_sender_roles(user, submission))


@rules.predicate
def is_sender_editor(user, submission):
    return any(role in EDITING_ROLES for role in _sender_roles(user, submission).values())


@rules.predicate
def authority_not_on_platform(user, submission):
    from registrations.domain import authority_on_platform

    return submission is not None and not authority_on_platform(submission.authority)


rules.add_perm("registrations.submit_proposal", is_org_editor)
# Submissions made through the platform are public (the public register); proposals logged from
# paper are seen by the authority and, if any, the sending organisation.
rules.add_perm(
    "registrations.view_submission",
    is_platform_submission | is_sender_member | acts_for_submission_authority,
)
rules.add_perm("registrations.register_submission", acts_for_submission_authority)
rules.add_perm("registrations.answer_submission", acts_for_submission_authority)
rules.add_perm(
    "registrations.declare_registration",
    is_platform_submission & is_sender_editor & authority_not_on_platform,
)
rules.add_perm("registrations.view_authority_register", can_act_for_authority)
rules.add_perm("registrations.log_submission", can_act_for_authority)
# The annual report (Law 52/2003 art. 13): its registrars and admins read the draft; its admins
# write and publish it; once published anyone reads it (the view decides by the report's state).
rules.add_perm("registrations.view_annual_report_draft", can_act_for_authority)
rules.add_perm("registrations.edit_annual_report", can_draft_for_authority)
