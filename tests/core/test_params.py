"""Numbers, years and dates read from requests (core.params, core.validators.DateBounds), control
characters in addresses (core.middleware.ControlCharactersMiddleware) and ids beyond 64 bits
(core.lookups): the classes of input the hostile walk (tests/test_hostile_walk.py) found
giving a 500. On PostgreSQL (DATABASE_URL) these run against the database that refuses NUL."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Organization
from core.params import EARLIEST_DATE, PAGE_MAX, int_param, page_param, year_param
from core.validators import DateBounds
from proposals.models import Proposal, Topic

CONTROL = "The address contains control characters (such as NUL bytes)"


# --- Numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("007", 7),
        ("999999999999999999", 999999999999999999),
        # int() reads these; a request's number is ASCII digits only.
        ("١٢", None),
        ("１２", None),
        ("²", None),
        (" 12", None),
        ("12\n", None),
        ("1_000", None),
        ("+5", None),
        ("1.0", None),
        ("", None),
        (None, None),
        # Beyond 64 bits: no column holds it.
        ("9999999999999999999", None),
        ("99999999999999999999999", None),
    ],
)
def test_int_param_reads_ascii_digits_only(value, expected):
    assert int_param(value) == expected


def test_int_param_bounds_and_default():
    assert int_param("5", min_value=1, max_value=5) == 5
    assert int_param("0", min_value=1, default=1) == 1
    assert int_param("6", max_value=5) is None
    assert int_param("x", default=3) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), ("0", 1), ("-1", 1), ("²", 1), ("१", 1), (str(PAGE_MAX), PAGE_MAX), ("1e9", 1)],
)
def test_page_param_is_a_page_number_or_the_first(value, expected):
    assert page_param(value) == expected
    assert page_param(str(PAGE_MAX + 1)) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026", 2026), ("1900", 1900), ("9998", 9998), ("1899", None), ("9999", None)],
)
def test_year_param_holds_years_every_date_holds(value, expected):
    assert year_param(value) == expected


@pytest.mark.parametrize("value", ["0", "0000", "10000", "²⁰²⁵", "٢٠٢٥", "２０２５", "-2025"])
def test_year_param_refuses_what_is_no_year(value):
    assert year_param(value) is None


def test_year_param_among_choices():
    assert year_param("2025", choices=[2026, 2025]) == 2025
    assert year_param("2024", choices=[2026, 2025], default=2026) == 2026


# --- Dates people type -------------------------------------------------------------------------


def test_date_bounds_from_1990_to_days_ahead():
    tomorrow = timezone.localdate() + timedelta(days=1)
    check = DateBounds(days_ahead=1)
    check(EARLIEST_DATE)
    check(tomorrow)
    for day in (
        date(1, 1, 1),
        date(1989, 12, 31),
        tomorrow + timedelta(days=1),
        date(9999, 12, 31),
    ):
        with pytest.raises(ValidationError) as refused:
            check(day)
        assert refused.value.code == "date_range"


def test_date_bounds_message_names_both_bounds(en_client):
    latest = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        DateBounds(days_ahead=1)(date(1, 1, 1))
    assert refused.value.messages == [
        f"Enter a date from 1 January 1990 to {latest.day} {latest:%B} {latest.year}."
    ]


# --- Control characters in addresses -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/proposals/", {"q": "a\x00b"}),
        ("/register/", {"authority": "\x00"}),
        ("/search/", {"q": "x", "topic": "a\x00"}),
        ("/organisations/", {"q": "\x00"}),
        ("/proposals/", {"\x00": "1"}),
    ],
)
def test_nul_in_a_filter_is_a_400_page(db, en_client, path, query):
    response = en_client.get(path, query)
    assert response.status_code == 400
    assert CONTROL in response.content.decode()
    # The page is the site's, with its headers.
    assert "Content-Security-Policy" in response


def test_control_characters_in_api_parameters_are_a_json_400(db, en_client):
    response = en_client.get("/api/v1/proposals/", {"q": "a\x00b", "status": "published"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some query parameters are not valid.",
        "errors": {
            "q": [
                "The address contains control characters (such as NUL bytes), which no page "
                "accepts; remove them."
            ]
        },
    }


def test_control_characters_in_the_path_are_not_found(db, en_client, ngo_editor):
    en_client.force_login(ngo_editor)
    # A token looked up as typed (an import's) would reach PostgreSQL with its NUL.
    for path in ("/proposals/import/%00/", "/invitations/a%01b/", "/register/s/%00/"):
        assert en_client.get(path).status_code == 404
    response = en_client.get("/api/v1/authority/submissions/%00/")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is nothing at this address of the API."}


@pytest.mark.parametrize("character", ["\x0b", "\x1b", "\x7f", "\x01"])
def test_other_control_characters_in_a_query_are_read_as_spaces(db, en_client, character):
    # Word's manual line break (U+000B) comes with pasted search terms: not a refusal.
    response = en_client.get("/organisations/", {"q": f"Vrancea{character}Civic"})
    assert response.status_code == 200
    assert response.wsgi_request.GET["q"] == "Vrancea Civic"


def test_tabs_and_line_breaks_in_a_query_are_not_refused(db, en_client):
    # Typed text may hold them (a pasted search); the check is core.text's for typed text.
    assert en_client.get("/proposals/", {"q": "a\tb\r\nc"}).status_code == 200


# --- Numbers in the pages' filters -------------------------------------------------------------


@pytest.mark.parametrize("year", ["²⁰²⁵", "0000", "0001", "99999999999999999999", "२०२५"])
def test_public_register_ignores_a_year_that_is_no_year(db, en_client, submission, year):
    response = en_client.get("/register/", {"year": year, "page": "²"})
    assert response.status_code == 200
    assert response.context["filters"]["year"] == ""
    assert list(response.context["page"].object_list) == [submission]


@pytest.mark.parametrize("year", ["²", "0000", "1", "99999999999999999999"])
def test_authority_register_and_figures_ignore_a_year_that_is_no_year(
    en_client, registrar, submission, year
):
    en_client.force_login(registrar)
    base = f"/register/authority/{submission.authority.slug}/"
    for path in (base, base + "register.csv"):
        assert en_client.get(path, {"year": year}).status_code == 200
    figures = en_client.get(base + "figures/", {"year": year})
    assert figures.status_code == 200
    assert figures.context["figures"]["year"] == timezone.localdate().year


def test_compare_choose_refuses_numbers_that_are_no_revision(en_client, published):
    response = en_client.get(f"/proposals/{published.slug}/compare/", {"a": "-1", "b": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{published.slug}/history/"


# --- Ids beyond 64 bits ------------------------------------------------------------------------


def test_ids_beyond_64_bits_match_nothing(proposal):
    huge = 10**22
    assert list(Topic.objects.filter(pk__in=[huge])) == []
    assert list(Topic.objects.filter(pk__in=[str(huge), -huge])) == []
    assert list(Proposal.objects.filter(organization=huge)) == []
    assert list(Proposal.objects.filter(organization__in=[huge, proposal.organization_id])) == [
        proposal
    ]
    assert list(Proposal.objects.filter(topics__in=[huge])) == []
    # Values in range are untouched, subqueries too.
    organizations = Organization.objects.filter(pk=proposal.organization_id).values("pk")
    assert list(Proposal.objects.filter(organization__in=organizations)) == [proposal]


def test_new_proposal_with_a_topic_beyond_64_bits_is_refused_by_the_form(en_client, ngo_editor):
    en_client.force_login(ngo_editor)
    response = en_client.post(
        "/proposals/new/",
        {"title": "T", "slug": "t", "kind": "other", "topics": str(10**22), "language": "ro"},
    )
    assert response.status_code == 200
    assert "topics" in response.context["form"].errors


# --- The admin ---------------------------------------------------------------------------------


def test_admin_change_page_ignores_an_empty_to_field(en_client, proposal, staff):
    # Django's ModelAdmin.get_object takes "" for a field's name (a 500); consult/urls.py drops
    # the empty parameter.
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    en_client.force_login(staff)
    response = en_client.get(f"/admin/proposals/proposal/{proposal.pk}/change/?_to_field=")
    assert response.status_code == 200


# --- Cookies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["\x00" * 32, "abc\x00" * 8, "A" * 32, "x" * 8, "²" * 32])
def test_a_session_cookie_django_never_made_is_no_session(db, client, user, key):
    # Django took any key of 8 characters or more and looked it up: PostgreSQL refuses NUL.
    client.cookies["sessionid"] = key.encode().decode("latin-1")
    assert client.get("/").status_code == 200
    assert client.get("/accounts/dashboard/").status_code == 302
    client.force_login(user)
    assert client.get("/accounts/dashboard/").status_code == 200
