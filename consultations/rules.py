"""Who may see and do what in consultations (django-rules predicates).

A consultation is visible exactly when its proposal is. Running it and answering its comments
need the editor or admin role in one of the proposal's authors (its organisation or an accepted
co-author: `proposals.rules`). Commenting, replying, reacting,
flagging and following need a signed-in participant with a confirmed email address. Moderation
is for site staff. Ask them through the gate, `core.permissions.can` / `require`.
"""

import rules

from accounts.models import OrganizationKind, Role
from accounts.rules import has_confirmed_email, is_editor_or_admin, is_verified, role_in
from core.permissions import is_signed_in, is_site_staff
from proposals.rules import is_author_editor, is_author_member, is_editable


def _proposal(obj):
    """The proposal a consultation, stage or comment belongs to."""
    from consultations.models import Consultation, Stage, StageComment

    if isinstance(obj, StageComment):
        obj = obj.stage
    if isinstance(obj, Stage):
        obj = obj.consultation
    if isinstance(obj, Consultation):
        obj = obj.proposal
    return obj


@rules.predicate
def can_view(user, obj):
    proposal = _proposal(obj)
    return proposal is not None and (proposal.is_public or is_author_member(user, proposal))


@rules.predicate
def is_owner_editor(user, obj):
    """An editor or admin of one of the proposal's authors (owner or co-author)."""
    return is_author_editor(user, _proposal(obj))


is_participant = is_signed_in & has_confirmed_email


@rules.predicate
def is_editable_text(user, obj):
    """The proposal's text can still change (`proposals.rules.is_editable`)."""
    return is_editable(user, _proposal(obj))


@rules.predicate
def is_author(user, comment):
    return comment is not None and user.is_authenticated and comment.user_id == user.pk


@rules.predicate
def is_registrant(user, registration):
    return registration is not None and user.is_authenticated and registration.user_id == user.pk


# --- An authority's own drafts (issue 17) -----------------------------------------------------


@rules.predicate
def is_ngo(user, organization):
    return organization is not None and organization.kind == OrganizationKind.NGO


@rules.predicate
def is_owner_authority_staff(user, obj):
    """An admin or registrar of the authority whose draft this is: they log the recommendations
    received by email or on paper."""
    proposal = _proposal(obj)
    return (
        proposal is not None
        and proposal.organization.is_authority
        and proposal.organization.verified_at is not None
        and role_in(user, proposal.organization) in (Role.ADMIN, Role.REGISTRAR)
    )


@rules.predicate
def is_requester_editor(user, request):
    """An editor or admin of the organisation that asked for a public debate."""
    return request is not None and is_editor_or_admin(user, request.organization)


@rules.predicate
def is_owner_authority_admin(user, obj):
    proposal = _proposal(obj)
    return (
        proposal is not None
        and proposal.organization.is_authority
        and proposal.organization.verified_at is not None
        and role_in(user, proposal.organization) == Role.ADMIN
    )


# A verified NGO asks for a public debate (Law 52/2003 art. 7), through its editors and admins
# (the object is the requesting organisation); the authority's admins answer it.
rules.add_perm("consultations.request_debate", is_ngo & is_verified & is_editor_or_admin)
rules.add_perm("consultations.answer_debate", is_owner_authority_admin)
rules.add_perm("consultations.withdraw_debate", is_requester_editor)
rules.add_perm("consultations.log_recommendation", is_owner_authority_staff)
# The publication pack for e-consultare.gov.ro: who publishes for the authority.
rules.add_perm("consultations.publication_pack", is_owner_authority_staff)

rules.add_perm("consultations.view", can_view)
rules.add_perm("consultations.manage", is_owner_editor)
rules.add_perm("consultations.answer", is_owner_editor)
# Applying a suggestion of wording in a new revision: whoever may edit the proposal's text.
rules.add_perm("consultations.apply_suggestion", is_owner_editor & is_editable_text)
rules.add_perm("consultations.participate", is_participant)
rules.add_perm("consultations.moderate", is_site_staff)
rules.add_perm("consultations.withdraw_comment", is_author)
rules.add_perm("consultations.register_meeting", is_participant & can_view)
rules.add_perm("consultations.cancel_registration", is_registrant)
rules.add_perm("consultations.respond", is_participant & can_view)
