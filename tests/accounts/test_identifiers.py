"""Organisation names, address names and display names that look identical (core.text,
"Identifiers"): invisible characters are stripped, address names compared in any case."""

import pytest
from django.test import Client
from django.utils import translation

from accounts import domain
from accounts.models import Organization
from core.errors import DomainError
from core.models import ActivityLog
from tests.accounts.helpers import log_rows
from tests.factories import OrganizationFactory

FIELDS = {
    "kind": "ngo",
    "name": "Funky Citizens",
    "slug": "funky-citizens",
    "country": "RO",
    "county": "",
    "locality": "",
    "fiscal_code": "",
    "website": "",
    "description": "",
}

# A zero-width space, a soft hyphen, a right-to-left override and its pop, a byte order mark.
HIDDEN = "\u200b\u00ad\u202e\u202c\ufeff"


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared with their English source (and in Romanian and Bulgarian where said).
    with translation.override("en"):
        yield


def refusal(call, *args, **kwargs):
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    return error.value.code, str(error.value.message)


def test_create_organization_stores_name_and_slug_without_invisible_characters(user):
    organization = domain.create_organization(
        user,
        **{**FIELDS, "name": f" Funky{HIDDEN}  Citizens\u2066 ", "slug": f"Funky-{HIDDEN}Citizens"},
    )
    organization.refresh_from_db()
    assert (organization.name, organization.slug) == ("Funky Citizens", "funky-citizens")
    assert log_rows(verb="organization.created") == [
        ("organization.created", user.pk, "", "Funky Citizens")
    ]


@pytest.mark.parametrize("slug", [f"vrancea-{HIDDEN}civica", "Vrancea-Civica", " vrancea-civica"])
def test_create_organization_refuses_a_slug_that_looks_like_a_taken_one(user, ngo, slug):
    count = Organization.objects.count()
    assert refusal(domain.create_organization, user, **{**FIELDS, "slug": slug}) == (
        "slug_taken",
        "An organisation with this address name already exists.",
    )
    assert Organization.objects.count() == count
    assert not ActivityLog.objects.exists()


def test_create_organization_refuses_a_slug_with_letters_of_another_script(user, ngo):
    # "vrancea-civicа" ends with a Cyrillic а: an address that would pass for the taken one.
    assert refusal(domain.create_organization, user, **{**FIELDS, "slug": "vrancea-civicа"}) == (
        "slug",
        "Use lowercase letters, digits and single hyphens, e.g. asociatia-civica-vrancea.",
    )
    assert not Organization.objects.filter(created_by=user).exists()


def test_create_organization_refuses_a_name_of_invisible_characters_only(user):
    assert refusal(domain.create_organization, user, **{**FIELDS, "name": HIDDEN}) == (
        "required",
        "The organisation's name cannot be empty.",
    )
    assert not Organization.objects.filter(created_by=user).exists()


def test_update_organization_strips_invisible_characters_and_logs_the_stored_name(ngo, ngo_admin):
    # The same name and slug once tidied: nothing changed, nothing logged.
    organization, changed = domain.update_organization(
        ngo_admin, ngo, name=f"Asociația{HIDDEN} Vrancea Civică", slug=f"vrancea-civica{HIDDEN}"
    )
    assert changed == []
    assert log_rows(verb="organization.changed") == []
    organization, changed = domain.update_organization(
        ngo_admin, ngo, name="Vrancea\u200b  Civică\u202e"
    )
    assert changed == ["name"]
    ngo.refresh_from_db()
    assert (ngo.name, ngo.slug) == ("Vrancea Civică", "vrancea-civica")
    assert log_rows(verb="organization.changed") == [
        ("organization.changed", ngo_admin.pk, "Asociația Vrancea Civică", "Vrancea Civică")
    ]


def test_update_organization_refuses_the_slug_of_another_in_another_case(ngo, ngo_admin):
    OrganizationFactory(slug="funky-citizens")
    assert refusal(domain.update_organization, ngo_admin, ngo, slug="FUNKY-\u2060citizens") == (
        "slug_taken",
        "An organisation with this address name already exists.",
    )
    assert Organization.objects.get(pk=ngo.pk).slug == "vrancea-civica"


def test_update_profile_stores_the_display_name_without_invisible_characters(user):
    domain.update_profile(user, display_name=f"\u202eAna{HIDDEN}  Popescu\u2069")
    user.profile.refresh_from_db()
    assert user.profile.display_name == "Ana Popescu"
    assert user.public_name == "Ana Popescu"


def test_update_profile_refuses_control_characters_in_the_display_name(user):
    assert refusal(domain.update_profile, user, display_name="Ana\x00") == (
        "control_characters",
        "The display name contains control characters (such as NUL bytes); remove them.",
    )
    user.profile.refresh_from_db()
    assert user.profile.display_name == "Ana Popescu"


@pytest.mark.parametrize(
    ("language", "empty_name", "control_characters"),
    [
        (
            "ro",
            "Numele organizației nu poate lipsi.",
            "Numele afișat conține caractere de control (de exemplu, octeți NUL); eliminați-le.",
        ),
        (
            "bg",
            "Името на организацията не може да липсва.",
            "Публичното име съдържа управляващи символи (например байтове NUL); премахнете ги.",
        ),
    ],
)
def test_refusals_name_the_field_in_the_users_language(
    user, language, empty_name, control_characters
):
    with translation.override(language):
        assert refusal(domain.create_organization, user, **{**FIELDS, "name": HIDDEN}) == (
            "required",
            empty_name,
        )
        assert refusal(domain.update_profile, user, display_name="Ana\x00") == (
            "control_characters",
            control_characters,
        )


# --- Pages -------------------------------------------------------------------------------------


def browser(language):
    client = Client()
    client.cookies["consult_language"] = language
    return client


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The address name “vrancea-civica” is taken; choose another."),
        ("ro", "Numele în adresă „vrancea-civica” este deja folosit; alegeți altul."),
        ("bg", "Адресното име „vrancea-civica“ е заето; изберете друго."),
    ],
)
def test_organization_form_refuses_a_slug_with_invisible_characters_of_a_taken_one(
    user, ngo, language, message
):
    client = browser(language)
    client.force_login(user)
    data = {**FIELDS, "name": "Alta Vrancea", "slug": "vrancea-\u200bcivica\u00ad"}
    response = client.post("/organisations/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"slug": [message]}
    assert response.context["form"]["slug"].value() == "vrancea-\u200bcivica\u00ad"
    assert not Organization.objects.filter(name="Alta Vrancea").exists()


def test_organization_form_stores_what_was_typed_without_invisible_characters(user):
    client = browser("en")
    client.force_login(user)
    data = {**FIELDS, "name": "Funky\u200b Citizens\u202e", "slug": "Funky\u2060-Citizens"}
    response = client.post("/organisations/new/", data)
    assert response.status_code == 302
    assert response["Location"] == "/organisations/funky-citizens/"
    organization = Organization.objects.get(created_by=user)
    assert (organization.name, organization.slug) == ("Funky Citizens", "funky-citizens")


def test_profile_form_stores_the_display_name_without_invisible_characters(user):
    client = browser("en")
    client.force_login(user)
    data = {
        "display_name": "\u200bAna\u00ad Popescu\ufeff",
        "locality": "Focșani",
        "respondent_category": "citizen",
        "language": "ro",
    }
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 302
    user.profile.refresh_from_db()
    assert (user.profile.display_name, user.profile.locality) == ("Ana Popescu", "Focșani")
