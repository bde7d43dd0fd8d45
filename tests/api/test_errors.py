"""Bad input gets the right 4xx status with a JSON body, never a 500 or an HTML page."""

import pytest
from django.test import Client

from tests.api.conftest import API

INVALID = "Some query parameters are not valid."


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"year": "abc"}, {"year": ["Give a year from 1900 to 9998."]}),
        ({"year": "1800"}, {"year": ["Give a year from 1900 to 9998."]}),
        ({"year": "²⁰²⁵"}, {"year": ["Give a year from 1900 to 9998."]}),
        ({"year": "0000"}, {"year": ["Give a year from 1900 to 9998."]}),
        ({"status": "open"}, {"status": ['"open" is not a valid choice.']}),
        ({"kind": "law"}, {"kind": ['"law" is not a valid choice.']}),
        ({"language": "fr"}, {"language": ['"fr" is not a valid choice.']}),
        (
            {"organization": "no such/slug"},
            {
                "organization": [
                    'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
                ]
            },
        ),
        ({"q": "x" * 201}, {"q": ["Ensure this field has no more than 200 characters."]}),
        (
            {"q": "nul\x00byte"},
            {
                "q": [
                    "The address contains control characters (such as NUL bytes), which no "
                    "page accepts; remove them."
                ]
            },
        ),
        ({"page": "0"}, {"page": ["Give a whole number, 1 or more."]}),
        ({"page": "abc"}, {"page": ["Give a whole number, 1 or more."]}),
        ({"page": "١"}, {"page": ["Give a whole number, 1 or more."]}),
        ({"page": "999999"}, {"page": ["Page 999999 is past the last page (1)."]}),
        ({"page": "99999999999999999999"}, {"page": ["Give a whole number, 1 or more."]}),
        ({"page_size": "-1"}, {"page_size": ["Give a whole number, 1 or more."]}),
        ({"page_size": "0"}, {"page_size": ["Give a whole number, 1 or more."]}),
        ({"page_size": "101"}, {"page_size": ["Give a page size from 1 to 100."]}),
    ],
)
def test_malformed_proposal_filters_are_400(db, api, query, errors):
    response = api.get(f"{API}proposals/", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": INVALID, "errors": errors}


def test_malformed_comment_and_organization_filters_are_400(world, api):
    response = api.get(
        f"{API}proposals/legea-350/consultation/stages/1/comments/", {"block_key": "zzz"}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["block_key"]
    response = api.get(f"{API}organizations/", {"country": "FR"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"country": ['"FR" is not a valid choice.']}


def test_unknown_parameters_are_ignored(world, api):
    assert api.get(f"{API}proposals/", {"colour": "blue"}).json()["count"] == 2


def test_a_well_formed_value_that_matches_nothing_gives_an_empty_list(world, api):
    body = api.get(f"{API}proposals/", {"organization": "no-such-ngo"}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("proposals/no-such-proposal/", "No public proposal has this address."),
        ("proposals/legea-350/revisions/99/", "This proposal has no revision with this number."),
        ("proposals/legea-350/revisions/0/", "This proposal has no revision with this number."),
        ("proposals/legea-350/revisions/99999999999999999999/", "Not found."),
        ("proposals/legea-350/compare/1/99/", "This proposal has no revision with this number."),
        (
            "proposals/legea-350/consultation/stages/9/",
            "This consultation has no stage at this position.",
        ),
        (
            "proposals/legea-350/consultation/stages/9/comments/",
            "This consultation has no stage at this position.",
        ),
        ("proposals/politica-locala/consultation/", "This proposal has no consultation."),
        ("organizations/no-such-organisation/", "No organisation has this address."),
        ("no-such-thing/", "There is nothing at this address of the API."),
        ("proposals/legea-350/compare/1/", "There is nothing at this address of the API."),
        ("exports/all/proposals.jsonl", "No export has been generated yet."),
    ],
)
def test_unknown_objects_are_404_with_json(world, api, path, detail):
    response = api.get(API + path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


def test_any_address_under_api_answers_json(api):
    for method in ("get", "post", "delete"):
        response = getattr(api, method)("/api/v2/proposals/")
        assert response.status_code == 404
        assert response.json() == {"detail": "There is nothing at this address of the API."}


def test_missing_final_slash_is_redirected(world, api):
    response = api.get(f"{API}proposals", {"kind": "policy"})
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/proposals/?kind=policy"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_405_with_json(db, api, method):
    response = getattr(api, method)(
        f"{API}proposals/no-matter/", data="{}", content_type="application/json"
    )
    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    assert "GET" in response["Allow"]


def test_writes_from_a_signed_in_session_are_405_too(world):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    browser.force_login(world.editor)
    response = browser.post(f"{API}proposals/", data="{}", content_type="application/json")
    assert response.status_code == 405


def test_oversized_body_is_413_with_json(api, settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = api.post(f"{API}proposals/", data="x" * 2048, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is larger than 0 MB."}


def test_oversized_body_elsewhere_still_gets_the_page(client, settings):
    settings.MAX_REQUEST_BYTES = 1024
    response = client.post("/proposals/new/", data="x" * 2048, content_type="text/plain")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")


def test_rate_limit_is_429_with_retry_after(world, api, settings):
    settings.API_ANON_RATE = "3/min"
    for _ in range(3):
        assert api.get(f"{API}proposals/").status_code == 200
    response = api.get(f"{API}proposals/legea-350/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json() == {
        "detail": f"Request was throttled. Expected available in {wait} seconds."
    }
    # Another address has its own allowance; a forged X-Forwarded-For is not another address.
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.2")
    assert other.get(f"{API}proposals/").status_code == 200
    forged = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert forged.get(f"{API}proposals/").status_code == 429


def test_rate_limit_counts_in_djangos_cache(world, api, settings):
    from django.core.cache import cache

    settings.API_ANON_RATE = "1/hour"
    assert api.get(f"{API}").status_code == 200
    assert api.get(f"{API}").status_code == 429
    cache.clear()  # a shared cache (Redis in production) forgets for every server at once
    assert api.get(f"{API}").status_code == 200


def test_signed_in_session_is_rate_limited_like_a_visitor(world, settings):
    settings.API_ANON_RATE = "1/min"
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(world.editor)
    assert browser.get(f"{API}").status_code == 200
    assert browser.get(f"{API}").status_code == 429


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # Deeper than Python's decoder can follow: a RecursionError, which was an HTML 500.
        ("[" * 100_000 + "]" * 100_000, "The JSON document is nested too deeply."),
        # Deeper than API_MAX_JSON_DEPTH (20), though Python reads it.
        ('{"a":' * 21 + "1" + "}" * 21, "The JSON document is nested too deeply."),
        (
            '{"number": "1", "date": NaN}',
            "The request body is not valid JSON: NaN is not a JSON value",
        ),
        ('{"number": "1"', "The request body is not valid JSON: "),
        (b"\xff\xfe{}", "The request body is not valid JSON: "),
        # Valid JSON syntax, but the string cannot be encoded to answer it: was an HTML 500.
        (
            '{"number": "1\\ud800"}',
            "The JSON document contains an escaped lone surrogate, which is not a character.",
        ),
    ],
    ids=["recursion", "depth", "nan", "truncated", "not-utf8", "lone-surrogate"],
)
def test_hostile_json_bodies_are_400_with_json(token_pair, sent, body, detail):
    _token, secret = token_pair
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {secret}")
    response = client.post(
        f"{API}authority/submissions/{sent.tracking_code}/register/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith(detail)
    sent.refresh_from_db()
    assert sent.status == "submitted"


def test_nesting_within_the_limit_is_read():
    from api.parsers import depth

    assert depth({"a": [1, {"b": []}]}, limit=20) == 4
    assert depth([[[[[]]]]], limit=2) == 3  # counting stops past the limit
