"""The API shows exactly what an anonymous visitor sees, whoever asks."""

import pytest
from django.test import Client

from proposals import domain as proposals
from tests.api.conftest import API, walk

DRAFT_PATHS = [
    "proposals/ciorna-secreta/",
    "proposals/ciorna-secreta/revisions/",
    "proposals/ciorna-secreta/revisions/1/",
    "proposals/ciorna-secreta/compare/1/1/",
    "proposals/ciorna-secreta/consultation/",
    "proposals/ciorna-secreta/consultation/stages/1/",
    "proposals/ciorna-secreta/consultation/stages/1/comments/",
    "proposals/ciorna-secreta/consultation/stages/1/synthesis/",
    "proposals/ciorna-secreta/consultation/stages/1/synthesis/rows/",
]

# Every readable address of the world (lists with the largest page, so nothing is left out).
PUBLIC_PATHS = [
    "",
    "organizations/?page_size=100",
    "organizations/?page_size=100&page=2",
    "organizations/vrancea-civica/",
    "organizations/primaria-municipiului-focsani/",
    "proposals/?page_size=100",
    "proposals/legea-350/",
    "proposals/legea-350/revisions/",
    "proposals/legea-350/revisions/1/",
    "proposals/legea-350/revisions/2/",
    "proposals/legea-350/revisions/3/",
    "proposals/legea-350/compare/1/3/",
    "proposals/legea-350/compare/3/2/",
    "proposals/politica-locala/",
    "consultations/",
    "proposals/legea-350/consultation/",
    "proposals/legea-350/consultation/stages/1/",
    "proposals/legea-350/consultation/stages/1/comments/",
    "proposals/legea-350/consultation/stages/1/synthesis/",
    "proposals/legea-350/consultation/stages/1/synthesis/rows/",
    "proposals/legea-350/consultation/stages/2/",
    "proposals/legea-350/consultation/stages/3/comments/",
]

SECRET_WORDS = [
    "Ciornă secretă",
    "ciorna-secreta",
    "Nu trebuie să apară",
    "Text jignitor ascuns",
    "M-am răzgândit",
    "Comentariu reținut",
    "Contractul trebuie publicat integral",
    "Limbaj jignitor",
    "Date personale",
]


def _read_everything(client):
    bodies = {}
    for path in PUBLIC_PATHS:
        response = client.get(API + path)
        assert response.status_code == 200, path
        bodies[path] = response.json()
    return bodies


@pytest.mark.parametrize("path", DRAFT_PATHS)
def test_draft_addresses_are_404_with_json(world, api, path):
    response = api.get(API + path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No public proposal has this address."}


def test_draft_is_absent_from_lists_and_counts(world, api):
    body = api.get(f"{API}proposals/").json()
    assert body["count"] == 2
    assert "ciorna-secreta" not in [p["slug"] for p in body["results"]]
    assert api.get(f"{API}proposals/", {"q": "secretă"}).json()["count"] == 0
    assert api.get(f"{API}proposals/", {"kind": "other"}).json()["count"] == 0


def test_draft_status_is_not_a_filter_value(world, api):
    response = api.get(f"{API}proposals/", {"status": "draft"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some query parameters are not valid.",
        "errors": {"status": ['"draft" is not a valid choice.']},
    }


def test_no_response_holds_an_email_address_or_hidden_words(world, api):
    for path, body in _read_everything(api).items():
        for text in walk(body):
            assert "@" not in text, (path, text)
            for secret in SECRET_WORDS:
                assert secret not in text, (path, secret)


def test_hidden_comment_is_a_placeholder(world, api):
    results = api.get(f"{API}proposals/legea-350/consultation/stages/1/comments/").json()
    by_id = {row["id"]: row for row in results["results"]}
    for comment, state in [
        (world.comments.hidden, "hidden"),
        (world.comments.withdrawn, "withdrawn"),
        (world.comments.held, "held"),
        (world.comments.later_hidden, "hidden"),
    ]:
        row = by_id[comment.pk]
        assert row["state"] == state
        assert (row["text"], row["quote"], row["author"], row["disposition"]) == (
            None,
            None,
            None,
            None,
        )


@pytest.mark.parametrize("who", ["editor", "moderator", "superuser"])
def test_a_signed_in_session_sees_no_more_than_a_visitor(world, api, who, django_user_model):
    if who == "superuser":
        user = django_user_model.objects.create_superuser("root@example.org", "x" * 12)
    else:
        user = getattr(world, who)
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    member.force_login(user)
    assert _read_everything(member) == _read_everything(api)
    for path in DRAFT_PATHS:
        assert member.get(API + path).status_code == 404


def test_published_draft_appears(world, api):
    proposals.publish_proposal(world.editor, world.draft)
    assert api.get(f"{API}proposals/ciorna-secreta/").status_code == 200
    assert api.get(f"{API}proposals/").json()["count"] == 3
