"""The accounts domain functions: each validates the move, writes it and logs it."""

import pytest
from django.utils import translation

from accounts import domain
from accounts.models import Invitation, Membership, Organization
from core.errors import DomainError, NotAllowed
from core.models import ActivityLog
from tests.accounts.helpers import log_rows
from tests.factories import (
    AuthorityFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

ORGANIZATION_FIELDS = {
    "kind": "ngo",
    "name": "Funky Citizens",
    "slug": "funky-citizens",
    "country": "RO",
    "county": "București",
    "locality": "București",
    "fiscal_code": "",
    "website": "",
    "description": "",
}


def refused(call, *args, **kwargs):
    """The English message of the DomainError `call` raises."""
    with translation.override("en"), pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    with translation.override("en"):
        return str(error.value.message)


# --- Organisations -----------------------------------------------------------------------------


def test_create_organization_makes_the_creator_its_first_admin(user):
    organization = domain.create_organization(user, **ORGANIZATION_FIELDS)

    organization.refresh_from_db()
    assert (organization.name, organization.slug, organization.kind) == (
        "Funky Citizens",
        "funky-citizens",
        "ngo",
    )
    assert organization.created_by == user
    assert organization.verified_at is None
    assert list(organization.memberships.values_list("user_id", "role")) == [(user.pk, "admin")]
    membership = organization.memberships.get()
    assert log_rows(scope_id=str(organization.pk)) == [
        ("organization.created", user.pk, "", "Funky Citizens"),
        ("membership.added", user.pk, "", "admin"),
    ]
    added = ActivityLog.objects.get(verb="membership.added", scope_id=str(organization.pk))
    assert added.target == membership
    assert added.data == {"member": user.pk}


def test_create_organization_refuses_a_taken_slug(user, ngo):
    count = Organization.objects.count()
    message = refused(
        domain.create_organization, user, **{**ORGANIZATION_FIELDS, "slug": "vrancea-civica"}
    )
    assert message == "An organisation with this address name already exists."
    assert Organization.objects.count() == count
    assert not ActivityLog.objects.exists()


def test_update_organization_logs_one_row_per_changed_field(ngo, ngo_admin):
    organization, changed = domain.update_organization(
        ngo_admin, ngo, name="Vrancea Civică", locality="Adjud", county="Vrancea"
    )

    assert changed == ["name", "locality"]  # the county was already Vrancea
    organization.refresh_from_db()
    assert (organization.name, organization.locality) == ("Vrancea Civică", "Adjud")
    rows = ActivityLog.objects.filter(verb="organization.changed").order_by("id")
    assert [(r.data, r.old_value, r.new_value, r.actor_id) for r in rows] == [
        ({"field": "name"}, "Asociația Vrancea Civică", "Vrancea Civică", ngo_admin.pk),
        ({"field": "locality"}, "Focșani", "Adjud", ngo_admin.pk),
    ]


def test_update_organization_without_changes_logs_nothing(ngo, ngo_admin):
    _organization, changed = domain.update_organization(ngo_admin, ngo, name=ngo.name)
    assert changed == []
    assert not ActivityLog.objects.filter(verb="organization.changed").exists()


@pytest.mark.parametrize(("field", "value"), [("kind", "authority"), ("verified_at", None)])
def test_update_organization_refuses_fields_that_cannot_change(ngo, ngo_admin, field, value):
    message = refused(domain.update_organization, ngo_admin, ngo, **{field: value})
    assert message == "This field cannot be changed."
    ngo.refresh_from_db()
    assert ngo.kind == "ngo"
    assert not ActivityLog.objects.exists()


def test_update_organization_refuses_a_taken_slug(ngo, ngo_admin):
    OrganizationFactory(slug="taken")
    message = refused(domain.update_organization, ngo_admin, ngo, slug="taken", name="Renamed")
    assert message == "An organisation with this address name already exists."
    ngo.refresh_from_db()
    assert (ngo.slug, ngo.name) == ("vrancea-civica", "Asociația Vrancea Civică")
    assert not ActivityLog.objects.exists()


def test_set_verified_logs_the_change_once(ngo):
    # Verification is for site administrators (`accounts.verify_organization`), not moderators.
    admin = UserFactory(is_staff=True, is_superuser=True)
    domain.set_verified(admin, ngo, True)
    domain.set_verified(admin, ngo, True)  # already verified: nothing more happens
    ngo.refresh_from_db()
    assert ngo.is_verified
    assert ngo.verified_by == admin
    domain.set_verified(admin, ngo, False)
    ngo.refresh_from_db()
    assert (ngo.verified_at, ngo.verified_by) == (None, None)
    assert log_rows(scope_id=str(ngo.pk)) == [
        ("organization.verified", admin.pk, "False", "True"),
        ("organization.unverified", admin.pk, "True", "False"),
    ]


def test_only_site_administrators_verify(ngo, staff):
    with (
        translation.override("en"),
        pytest.raises(NotAllowed, match="Only site administrators verify organisations."),
    ):
        domain.set_verified(staff, ngo, True)
    ngo.refresh_from_db()
    assert (ngo.verified_at, log_rows(scope_id=str(ngo.pk), verb="organization.verified")) == (
        None,
        [],
    )


# --- Memberships -------------------------------------------------------------------------------


def test_add_member_creates_the_membership_and_logs_it(ngo, ngo_admin, user):
    membership = domain.add_member(ngo_admin, ngo, user, "editor")
    assert Membership.objects.get(organization=ngo, user=user) == membership
    assert membership.role == "editor"
    assert log_rows(verb="membership.added") == [("membership.added", ngo_admin.pk, "", "editor")]


def test_add_member_refuses_an_existing_member(ngo, ngo_admin, ngo_editor):
    message = refused(domain.add_member, ngo_admin, ngo, ngo_editor, "admin")
    assert message == "Editor ONG is already a member."
    assert Membership.objects.get(organization=ngo, user=ngo_editor).role == "editor"


@pytest.mark.parametrize(
    ("factory", "role", "label"),
    [
        (OrganizationFactory, "registrar", "Registrar"),
        (AuthorityFactory, "editor", "Editor"),
        (OrganizationFactory, "owner", "owner"),
    ],
)
def test_roles_not_offered_for_the_kind_are_refused(factory, role, label, user):
    organization = factory()
    admin = MembershipFactory(organization=organization, role="admin").user
    member = MembershipFactory(
        organization=organization, role=organization.allowed_roles()[-1]
    ).user
    expected = f"The role “{label}” does not exist for this kind of organisation."

    assert refused(domain.add_member, admin, organization, user, role) == expected
    membership = Membership.objects.get(organization=organization, user=member)
    assert refused(domain.change_role, admin, membership, role) == expected
    assert refused(domain.invite_member, admin, organization, "x@example.org", role) == expected

    assert not Membership.objects.filter(user=user).exists()
    membership.refresh_from_db()
    assert membership.role == organization.allowed_roles()[-1]
    assert not Invitation.objects.exists()
    assert not ActivityLog.objects.exists()


def test_change_role_logs_old_and_new_role(ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_editor)
    domain.change_role(ngo_admin, membership, "admin")
    membership.refresh_from_db()
    assert membership.role == "admin"
    assert log_rows(verb="membership.role_changed") == [
        ("membership.role_changed", ngo_admin.pk, "editor", "admin")
    ]
    assert ActivityLog.objects.get(verb="membership.role_changed").data == {"member": ngo_editor.pk}


def test_change_role_to_the_same_role_logs_nothing(ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_editor)
    domain.change_role(ngo_admin, membership, "editor")
    assert not ActivityLog.objects.exists()


def test_change_role_refuses_to_demote_the_last_admin(ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_admin)
    message = refused(domain.change_role, ngo_admin, membership, "editor")
    assert message == "Admin ONG is the last administrator; make someone else administrator first."
    membership.refresh_from_db()
    assert membership.role == "admin"
    assert not ActivityLog.objects.exists()


def test_change_role_demotes_one_of_two_admins_then_protects_the_other(
    ngo, ngo_admin, second_admin
):
    first = Membership.objects.get(user=ngo_admin)
    second = Membership.objects.get(user=second_admin)
    domain.change_role(ngo_admin, second, "editor")
    second.refresh_from_db()
    assert second.role == "editor"
    message = refused(domain.change_role, ngo_admin, first, "editor")
    assert message == "Admin ONG is the last administrator; make someone else administrator first."
    first.refresh_from_db()
    assert first.role == "admin"
    assert log_rows(verb="membership.role_changed") == [
        ("membership.role_changed", ngo_admin.pk, "admin", "editor")
    ]


def test_remove_member_deletes_the_membership_and_logs_the_role(ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_editor)
    domain.remove_member(ngo_admin, membership)
    assert not Membership.objects.filter(user=ngo_editor).exists()
    assert log_rows(verb="membership.removed") == [
        ("membership.removed", ngo_admin.pk, "editor", "")
    ]
    assert ActivityLog.objects.get(verb="membership.removed").data == {"member": ngo_editor.pk}


def test_remove_member_refuses_the_last_admin(ngo, ngo_admin):
    membership = Membership.objects.get(user=ngo_admin)
    message = refused(domain.remove_member, ngo_admin, membership)
    assert message == (
        "Admin ONG is the last administrator and cannot leave; make someone else "
        "administrator first."
    )
    assert Membership.objects.filter(pk=membership.pk, role="admin").exists()
    assert not ActivityLog.objects.exists()


def test_remove_member_twice_says_the_person_is_gone(ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_editor)
    domain.remove_member(ngo_admin, membership)
    assert refused(domain.remove_member, ngo_admin, membership) == (
        "This person is no longer a member."
    )
    assert ActivityLog.objects.filter(verb="membership.removed").count() == 1


def test_leave_organization_logs_membership_left(ngo, ngo_admin, ngo_editor):
    domain.leave_organization(ngo_editor, ngo)
    assert list(ngo.memberships.values_list("user_id", flat=True)) == [ngo_admin.pk]
    assert log_rows(verb="membership.left") == [("membership.left", ngo_editor.pk, "editor", "")]


def test_leave_organization_refuses_the_last_admin_and_outsiders(ngo, ngo_admin, outsider):
    assert refused(domain.leave_organization, ngo_admin, ngo) == (
        "Admin ONG is the last administrator and cannot leave; make someone else "
        "administrator first."
    )
    assert refused(domain.leave_organization, outsider, ngo) == (
        "You are not a member of this organisation."
    )
    assert list(ngo.memberships.values_list("user_id", "role")) == [(ngo_admin.pk, "admin")]
    assert not ActivityLog.objects.exists()


# --- Invitations -------------------------------------------------------------------------------


def test_invite_member_refuses_members_and_duplicate_pending_invitations(
    ngo, ngo_admin, ngo_editor
):
    assert refused(domain.invite_member, ngo_admin, ngo, ngo_editor.email.upper(), "editor") == (
        f"{ngo_editor.email} is already a member."
    )
    domain.invite_member(ngo_admin, ngo, "  Colleague@Example.org ", "editor")
    assert refused(domain.invite_member, ngo_admin, ngo, "colleague@example.org", "admin") == (
        "colleague@example.org already has a pending invitation; revoke it to send a new one."
    )
    assert list(Invitation.objects.values_list("email", "role")) == [
        ("colleague@example.org", "editor")
    ]


def test_invite_member_again_after_revoking(ngo, ngo_admin):
    first = domain.invite_member(ngo_admin, ngo, "colleague@example.org", "editor")
    domain.revoke_invitation(ngo_admin, first)
    second = domain.invite_member(ngo_admin, ngo, "colleague@example.org", "admin")
    assert second.pk != first.pk
    assert list(Invitation.objects.pending().values_list("pk", "role")) == [(second.pk, "admin")]
    assert log_rows(scope_id=str(ngo.pk)) == [
        ("invitation.sent", ngo_admin.pk, "", "editor"),
        ("invitation.revoked", ngo_admin.pk, "", ""),
        ("invitation.sent", ngo_admin.pk, "", "admin"),
    ]


@pytest.mark.parametrize("state", ["accepted", "revoked", "expired"])
def test_revoke_invitation_refuses_one_no_longer_pending(ngo, ngo_admin, state):
    from django.utils import timezone

    now = timezone.now()
    values = {
        "accepted": {"accepted_at": now},
        "revoked": {"revoked_at": now},
        "expired": {"expires_at": now},
    }[state]
    invitation = InvitationFactory(organization=ngo, **values)
    assert refused(domain.revoke_invitation, ngo_admin, invitation) == (
        "This invitation is no longer pending."
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at == values.get("revoked_at")
    assert not ActivityLog.objects.exists()


def test_find_invitation_compares_hashes_and_ignores_overlong_tokens(ngo):
    invitation = InvitationFactory(organization=ngo, token="the-token")
    assert domain.find_invitation("the-token") == invitation
    assert domain.find_invitation("the-token ") is None
    assert domain.find_invitation(invitation.token_hash) is None  # the hash is not the token
    assert domain.find_invitation("") is None
    assert domain.find_invitation("x" * 101) is None


# --- Accounts ----------------------------------------------------------------------------------


def test_blocking_memberships_lists_organisations_with_a_single_admin(ngo, ngo_admin):
    shared = OrganizationFactory(name="Shared")
    MembershipFactory(organization=shared, user=ngo_admin, role="admin")
    MembershipFactory(organization=shared, role="admin")
    edited = OrganizationFactory(name="Edited")
    MembershipFactory(organization=edited, user=ngo_admin, role="editor")
    assert domain.blocking_memberships(ngo_admin) == [ngo]


def test_delete_account_refuses_the_only_admin(ngo, ngo_admin):
    assert refused(domain.delete_account, ngo_admin) == (
        "You are the only administrator of Asociația Vrancea Civică. Make another member "
        "administrator before deleting your account."
    )
    ngo_admin.refresh_from_db()
    assert ngo_admin.email is not None
    assert ngo_admin.deleted_at is None
    assert ngo_admin.is_active
    assert not ActivityLog.objects.exists()


def test_delete_account_twice_is_refused(user):
    domain.delete_account(user)
    assert refused(domain.delete_account, user) == "This account was already deleted."
    assert ActivityLog.objects.filter(verb="account.deleted").count() == 1


def test_deleted_accounts_do_not_clash_on_their_empty_email(db):
    first, second = UserFactory(), UserFactory()
    domain.delete_account(first)
    domain.delete_account(second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.email, second.email) == (None, None)
