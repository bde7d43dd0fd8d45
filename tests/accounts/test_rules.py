"""The organisation permissions as a matrix: who × permission × kind of organisation."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import rules as account_rules
from core.permissions import can
from tests.factories import AuthorityFactory, MembershipFactory, OrganizationFactory, UserFactory

PERMISSIONS = [
    "accounts.change_organization",
    "accounts.manage_members",
    "accounts.view_organization_history",
    "accounts.leave_organization",
    "accounts.edit_for_organization",
    "accounts.act_for_authority",
]

# (who, kind) -> the permissions above, in order.
MATRIX = {
    ("anonymous", "ngo"): (False, False, False, False, False, False),
    ("outsider", "ngo"): (False, False, False, False, False, False),
    ("staff", "ngo"): (False, False, True, False, False, False),
    ("editor", "ngo"): (False, False, True, True, True, False),
    ("admin", "ngo"): (True, True, True, True, True, False),
    ("editor", "other"): (False, False, True, True, True, False),
    ("admin", "other"): (True, True, True, True, True, False),
    ("anonymous", "authority"): (False, False, False, False, False, False),
    ("outsider", "authority"): (False, False, False, False, False, False),
    ("staff", "authority"): (False, False, True, False, False, False),
    ("registrar", "authority"): (False, False, True, True, False, True),
    # A verified authority's admins draft its own normative acts (issue 17); registrars do not.
    ("admin", "authority"): (True, True, True, True, True, True),
    ("registrar", "unverified authority"): (False, False, True, True, False, False),
    ("admin", "unverified authority"): (True, True, True, True, False, False),
}


def _organization(kind):
    if kind == "authority":
        return AuthorityFactory()
    if kind == "unverified authority":
        return AuthorityFactory(verified_at=None)
    return OrganizationFactory(kind=kind)


def _person(who, organization):
    if who == "anonymous":
        return AnonymousUser()
    if who == "outsider":
        return UserFactory()
    if who == "staff":
        return UserFactory(is_staff=True)
    return MembershipFactory(organization=organization, role=who).user


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "kind"), list(MATRIX))
def test_organization_permission_matrix(who, kind):
    organization = _organization(kind)
    person = _person(who, organization)
    granted = tuple(can(person, permission, organization) for permission in PERMISSIONS)
    assert dict(zip(PERMISSIONS, granted, strict=True)) == dict(
        zip(PERMISSIONS, MATRIX[(who, kind)], strict=True)
    )


@pytest.mark.django_db
def test_membership_elsewhere_gives_nothing_here(ngo):
    member_elsewhere = MembershipFactory(role="admin").user
    assert [can(member_elsewhere, p, ngo) for p in PERMISSIONS] == [False] * len(PERMISSIONS)


@pytest.mark.django_db
def test_site_administrators_pass_only_the_rules_that_name_them(ngo, authority):
    # Not Django's superuser shortcut: a site administrator manages any organisation (details,
    # members, history, verification) but drafts for no NGO and acts for no authority unless
    # they are its member.
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert dict(zip(PERMISSIONS, [can(superuser, p, ngo) for p in PERMISSIONS], strict=True)) == {
        "accounts.change_organization": True,
        "accounts.manage_members": True,
        "accounts.view_organization_history": True,
        "accounts.leave_organization": False,
        "accounts.edit_for_organization": False,
        "accounts.act_for_authority": False,
    }
    assert can(superuser, "accounts.verify_organization", ngo) is True
    assert can(superuser, "accounts.act_for_authority", authority) is False
    assert can(UserFactory(is_staff=True), "accounts.verify_organization", ngo) is False


def test_an_unknown_permission_is_an_error_not_a_refusal(ngo):
    with pytest.raises(LookupError, match="accounts.manage_member"):
        can(UserFactory(), "accounts.manage_member", ngo)


@pytest.mark.django_db
def test_add_organization_needs_an_active_account():
    assert can(UserFactory(), "accounts.add_organization") is True
    assert can(UserFactory(is_active=False), "accounts.add_organization") is False
    assert can(AnonymousUser(), "accounts.add_organization") is False


@pytest.mark.django_db
def test_predicates_accept_no_organisation(user):
    for predicate in [
        account_rules.is_member,
        account_rules.is_org_admin,
        account_rules.is_authority,
        account_rules.is_verified,
        account_rules.is_registrar_or_admin,
        account_rules.is_editor_or_admin,
    ]:
        assert predicate(user, None) is False, predicate


@pytest.mark.django_db
def test_permissions_follow_role_changes(ngo, ngo_editor):
    assert can(ngo_editor, "accounts.manage_members", ngo) is False
    ngo.memberships.filter(user=ngo_editor).update(role="admin")
    assert can(ngo_editor, "accounts.manage_members", ngo) is True
    ngo.memberships.filter(user=ngo_editor).delete()
    assert can(ngo_editor, "accounts.view_organization_history", ngo) is False
