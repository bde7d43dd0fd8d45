"""Who may do what with organisations and memberships (django-rules predicates).

Ask them through the gate, `core.permissions.can` / `require`. Site administrators pass only
where a rule names `is_site_admin`: they manage any organisation (its details and members, as in
the Django admin, where they also verify organisations), but they do not draft for an NGO or act
for an authority unless they are its member.
"""

import rules
from allauth.account.models import EmailAddress

from accounts.backends import CONFIRMED_EMAIL
from accounts.models import OrganizationKind, Role
from core import sql
from core.permissions import is_signed_in, is_site_admin, is_site_staff


def role_in(user, organization):
    """The user's role in the organisation, or None (also for visitors)."""
    if not user.is_authenticated or organization is None:
        return None
    return organization.memberships.filter(user=user).values_list("role", flat=True).first()


def _confirmed_sql():
    table, (user, verified) = sql.quoted(EmailAddress, ["user_id", "verified"])
    return f"SELECT 1 FROM {table} WHERE {user} = %s AND {verified} LIMIT 1"


@rules.predicate
def has_confirmed_email(user):
    """A verified participant: someone who confirmed an email address (allauth). Asked for
    every comment posted: for the request's signed-in person it was read with them
    (`accounts.backends.signed_in_user`); for another user the query is written once per
    process (`core.sql`)."""
    if user is None or not user.is_authenticated:
        return False
    known = getattr(user, CONFIRMED_EMAIL, None)
    if known is not None:
        return known
    return sql.one("confirmed_email", _confirmed_sql, [user.pk]) is not None


@rules.predicate
def is_member(user, organization):
    return role_in(user, organization) is not None


@rules.predicate
def is_org_admin(user, organization):
    return role_in(user, organization) == Role.ADMIN


@rules.predicate
def is_authority(user, organization):
    return organization is not None and organization.kind == OrganizationKind.AUTHORITY


@rules.predicate
def is_verified(user, organization):
    return organization is not None and organization.is_verified


@rules.predicate
def is_registrar_or_admin(user, organization):
    return role_in(user, organization) in (Role.ADMIN, Role.REGISTRAR)


@rules.predicate
def is_editor_or_admin(user, organization):
    return role_in(user, organization) in (Role.ADMIN, Role.EDITOR)


# Acting for an authority (registering, answering) needs a verified authority.
can_act_for_authority = is_authority & is_verified & is_registrar_or_admin
# Drafting for an organisation: NGO and other organisations' editors and admins.
can_edit_for_organization = ~is_authority & is_editor_or_admin
# An authority drafts its own normative acts: the admins of a verified authority (issue 17).
can_draft_for_authority = is_authority & is_verified & is_org_admin

rules.add_perm("accounts.add_organization", is_signed_in)
rules.add_perm("accounts.change_organization", is_org_admin | is_site_admin)
rules.add_perm("accounts.manage_members", is_org_admin | is_site_admin)
rules.add_perm("accounts.verify_organization", is_site_admin)
rules.add_perm("accounts.view_organization_history", is_member | is_site_staff)
rules.add_perm("accounts.leave_organization", is_member)
rules.add_perm("accounts.act_for_authority", can_act_for_authority)
rules.add_perm(
    "accounts.edit_for_organization", can_edit_for_organization | can_draft_for_authority
)
# The terms of use and the privacy notice: everyone reads every version; administrators publish.
rules.add_perm("accounts.view_legal_text", rules.always_allow)
rules.add_perm("accounts.publish_legal_text", is_site_admin)
