"""Acting for an authority needs a verified authority and the registrar or admin role."""

import pytest

from core.permissions import can
from tests.factories import AuthorityFactory, MembershipFactory, OrganizationFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "verified", "role", "allowed"),
    [
        ("authority", True, "registrar", True),
        ("authority", True, "admin", True),
        ("authority", False, "registrar", False),
        ("authority", False, "admin", False),
        ("ngo", True, "admin", False),
        ("ngo", True, "editor", False),
        ("other", True, "admin", False),
    ],
)
def test_act_for_authority_matrix(kind, verified, role, allowed):
    if kind == "authority":
        organization = AuthorityFactory(verified_at=None) if not verified else AuthorityFactory()
    else:
        organization = OrganizationFactory(kind=kind)
    member = MembershipFactory(organization=organization, role=role).user
    assert can(member, "accounts.act_for_authority", organization) is allowed


@pytest.mark.django_db
def test_act_for_authority_refused_to_outsiders_and_visitors():
    from django.contrib.auth.models import AnonymousUser

    authority = AuthorityFactory()
    other_authority = AuthorityFactory()
    registrar_elsewhere = MembershipFactory(organization=other_authority, role="registrar").user
    assert can(registrar_elsewhere, "accounts.act_for_authority", other_authority) is True
    assert can(registrar_elsewhere, "accounts.act_for_authority", authority) is False
    assert can(UserFactory(), "accounts.act_for_authority", authority) is False
    assert can(AnonymousUser(), "accounts.act_for_authority", authority) is False


@pytest.mark.django_db
def test_unverified_authority_page_says_nobody_can_act_for_it(client):
    authority = AuthorityFactory(verified_at=None, name="Primăria Test")
    MembershipFactory(organization=authority, role="registrar")
    client.cookies["consult_language"] = "en"
    html = client.get(authority.get_absolute_url()).content.decode()
    assert "Not verified: cannot act as an authority yet" in html
    assert "nobody can register or answer proposals in its name" in html


@pytest.mark.django_db
def test_directory_authority_is_listed_without_members(client):
    from accounts.models import Organization

    focsani = Organization.objects.get(slug="primaria-municipiului-focsani")
    assert focsani.from_directory is True
    assert focsani.kind == "authority"
    assert focsani.is_verified is False
    client.cookies["consult_language"] = "en"
    html = client.get(focsani.get_absolute_url()).content.decode()
    assert "Primăria Municipiului Focșani" in html
    assert "Nobody acts for it on the platform yet." in html


@pytest.mark.django_db
def test_directory_loader_is_idempotent_and_keeps_user_organisations():
    from accounts.directory import load_directory, read_directory
    from accounts.models import Organization

    entries = read_directory()
    count = Organization.objects.count()
    assert load_directory(Organization) == (0, 0)
    assert Organization.objects.count() == count
    assert Organization.objects.filter(from_directory=True).count() == len(entries)
    ro = {e["slug"] for e in entries if e["country"] == "RO"}
    bg = {e["slug"] for e in entries if e["country"] == "BG"}
    assert {
        "guvernul-romaniei",
        "senatul-romaniei",
        "camera-deputatilor",
        "consiliul-judetean-vrancea",
        "primaria-municipiului-focsani",
    } <= ro
    assert {"ministerski-savet", "narodno-sabranie", "stolichna-obshtina"} <= bg

    # A people-made organisation with a directory slug is never overwritten.
    mine = Organization.objects.get(slug="consiliul-judetean-vrancea")
    Organization.objects.filter(pk=mine.pk).update(from_directory=False, name="Renamed")
    load_directory(Organization)
    assert Organization.objects.get(pk=mine.pk).name == "Renamed"
