"""Each endpoint's content, with exact values."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import domain as consultations
from proposals import content
from tests.api.conftest import AMENDMENT, API, BLOCKS_3

BASE = "http://testserver"


def iso(value):
    return timezone.localtime(value).isoformat()


def test_root_lists_the_entry_points(api):
    response = api.get(API)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "organizations": f"{BASE}/api/v1/organizations/",
        "proposals": f"{BASE}/api/v1/proposals/",
        "consultations": f"{BASE}/api/v1/consultations/",
        "register": f"{BASE}/api/v1/register/",
        "exports": f"{BASE}/api/v1/exports/",
        "schema": f"{BASE}/api/v1/schema/",
        "docs": f"{BASE}/api/v1/docs/",
    }


def test_organization_detail_shows_the_public_page_only(world, api):
    response = api.get(f"{API}organizations/vrancea-civica/")
    assert response.status_code == 200
    assert response.json() == {
        "url": f"{BASE}/api/v1/organizations/vrancea-civica/",
        "web_url": f"{BASE}/organisations/vrancea-civica/",
        "slug": "vrancea-civica",
        "name": "Asociația Vrancea Civică",
        "kind": "ngo",
        "country": "RO",
        "county": "Vrancea",
        "locality": "Focșani",
        "fiscal_code": "",
        "website": "",
        "description": "",
        "verified": False,
        "from_directory": False,
        "proposals_url": f"{BASE}/api/v1/proposals/?organization=vrancea-civica",
        "targeted_proposals_url": f"{BASE}/api/v1/proposals/?authority=vrancea-civica",
        "members": [{"name": "Editor ONG", "role": "editor"}],
    }


def test_organization_list_filters_by_kind_and_country(world, api):
    response = api.get(f"{API}organizations/", {"kind": "ngo", "country": "RO"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [o["slug"] for o in body["results"]] == ["vrancea-civica"]
    assert "members" not in body["results"][0]


def test_proposal_list_shows_published_proposals_newest_first(world, api):
    response = api.get(f"{API}proposals/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    assert [p["slug"] for p in body["results"]] == ["legea-350", "politica-locala"]
    legea = body["results"][0]
    world.proposal.refresh_from_db()
    assert legea == {
        "url": f"{BASE}/api/v1/proposals/legea-350/",
        "web_url": f"{BASE}/proposals/legea-350/",
        "slug": "legea-350",
        "title": "Modificarea Legii nr. 350/2005",
        "summary": "Finanțări nerambursabile mai previzibile.",
        "kind": "amendment",
        "status": "consultation_closed",
        "language": "ro",
        "organization": {
            "slug": "vrancea-civica",
            "name": "Asociația Vrancea Civică",
            "url": f"{BASE}/api/v1/organizations/vrancea-civica/",
        },
        "coauthors": [],
        "target_authority": {
            "slug": "primaria-municipiului-focsani",
            "name": "Primăria Municipiului Focșani",
            "url": f"{BASE}/api/v1/organizations/primaria-municipiului-focsani/",
        },
        "reference_act": "Legea nr. 350/2005",
        "endorsement_counts": {"organizations": 0, "people": 0, "total": 0},
        "topics": ["public-funding"],
        "published_at": iso(world.proposal.published_at),
        "withdrawn_at": None,
        "withdrawal_reason": "",
        "current_revision": 3,
        "revisions_url": f"{BASE}/api/v1/proposals/legea-350/revisions/",
        "consultation_url": f"{BASE}/api/v1/proposals/legea-350/consultation/",
    }
    assert body["results"][1]["consultation_url"] is None
    assert body["results"][1]["published_at"] == "2025-06-01T12:00:00+03:00"


def test_proposal_detail_lists_its_revisions(world, api):
    response = api.get(f"{API}proposals/legea-350/")
    assert response.status_code == 200
    revisions = response.json()["revisions"]
    assert [r["number"] for r in revisions] == [1, 2, 3]
    stored = {r.number: r for r in world.proposal.revisions.all()}
    assert revisions[2] == {
        "number": 3,
        "url": f"{BASE}/api/v1/proposals/legea-350/revisions/3/",
        "web_url": f"{BASE}/proposals/legea-350/v/3/",
        "created_at": iso(stored[3].created_at),
        "author": "Editor ONG",
        "organization": {
            "slug": "vrancea-civica",
            "name": "Asociația Vrancea Civică",
            "url": f"{BASE}/api/v1/organizations/vrancea-civica/",
        },
        "message": "Termen de 15 zile",
        "content_hash": stored[3].content_hash,
        "words": 48,
        "words_added": stored[3].words_added,
        "words_removed": stored[3].words_removed,
        "restored_from": None,
    }
    assert [r["message"] for r in revisions[1:]] == ["Textul propus", "Termen de 15 zile"]


def test_revision_list_is_paginated_oldest_first(world, api):
    response = api.get(f"{API}proposals/legea-350/revisions/", {"page_size": 2})
    body = response.json()
    assert body["count"] == 3
    assert [r["number"] for r in body["results"]] == [1, 2]
    assert body["next"] == f"{BASE}/api/v1/proposals/legea-350/revisions/?page=2&page_size=2"
    second = api.get(body["next"]).json()
    assert [r["number"] for r in second["results"]] == [3]
    assert second["previous"] == f"{BASE}/api/v1/proposals/legea-350/revisions/?page_size=2"


def test_revision_has_its_blocks_hash_and_attachments(world, api):
    response = api.get(f"{API}proposals/legea-350/revisions/3/")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 3
    assert body["parent"] == 2
    assert body["title"] == "Modificarea Legii nr. 350/2005"
    assert body["blocks"] == BLOCKS_3
    assert body["blocks"][3] == AMENDMENT
    # Anyone can recompute the hash from what the API returns.
    assert body["content_hash"] == content.content_hash(
        body["title"], body["summary"], body["blocks"]
    )
    attachment = world.attachment
    assert body["attachments"] == [
        {
            "name": "Anexa 1.pdf",
            "content_type": "application/pdf",
            "size": 48,
            "sha256": hashlib.sha256(attachment.file.open("rb").read()).hexdigest(),
            "download_url": f"{BASE}/proposals/legea-350/attachments/{attachment.pk}/Anexa%201.pdf",
        }
    ]
    download = api.get(body["attachments"][0]["download_url"])
    assert download.status_code == 200


def test_first_revision_has_no_parent(world, api):
    body = api.get(f"{API}proposals/legea-350/revisions/1/").json()
    assert body["parent"] is None
    assert body["attachments"] == []


def test_comparison_gives_per_block_changes_with_word_ops(world, api):
    response = api.get(f"{API}proposals/legea-350/compare/2/3/")
    assert response.status_code == 200
    body = response.json()
    assert (body["old"]["number"], body["new"]["number"]) == (2, 3)
    assert body["web_url"] == f"{BASE}/proposals/legea-350/compare/2/3/"
    assert body["has_changes"] is True
    blocks = {b["key"]: b for b in body["blocks"]}
    assert [b["key"] for b in body["blocks"]] == [
        "k0000000003",
        "k0000000001",
        "k0000000002",
        "k0000000004",
    ]
    moved = blocks["k0000000003"]
    assert (moved["status"], moved["moved"], moved["old_position"], moved["new_position"]) == (
        "unchanged",
        True,
        2,
        0,
    )
    assert blocks["k0000000002"]["status"] == "changed"
    assert blocks["k0000000002"]["fields"] == [
        {
            "name": "text",
            "changed": True,
            "ops": [
                {"op": "equal", "text": "Autoritatea informează ", "spelling": False},
                {"op": "insert", "text": "în scris ", "spelling": False},
                {"op": "equal", "text": "solicitanții în termen de ", "spelling": False},
                {"op": "delete", "text": "30 de", "spelling": False},
                {"op": "insert", "text": "15", "spelling": False},
                {"op": "equal", "text": " zile.", "spelling": False},
            ],
        }
    ]
    added = blocks["k0000000004"]
    assert (added["status"], added["type"], added["old_position"]) == ("added", "amendment", None)
    fields = {f["name"]: f for f in added["fields"]}
    # Data carries the action's code, not the label the page shows in the reader's language.
    assert fields["action"]["ops"] == [{"op": "insert", "text": "modify", "spelling": False}]
    assert fields["proposed"]["ops"] == [
        {"op": "insert", "text": "Procedura durează cel puțin 45 de zile.", "spelling": False}
    ]
    assert body["header"][0] == {
        "name": "title",
        "changed": False,
        "ops": [{"op": "equal", "text": "Modificarea Legii nr. 350/2005", "spelling": False}],
    }


def test_comparison_the_other_way_marks_the_block_removed(world, api):
    body = api.get(f"{API}proposals/legea-350/compare/3/2/").json()
    removed = [b for b in body["blocks"] if b["status"] == "removed"]
    assert [(b["key"], b["new_position"]) for b in removed] == [("k0000000004", None)]


def test_consultation_has_its_stages(world, api):
    response = api.get(f"{API}proposals/legea-350/consultation/")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Consultare publică Legea 350"
    assert body["intro"] == "Spuneți-vă părerea."
    assert body["proposal"]["slug"] == "legea-350"
    written, meeting, scheduled = body["stages"]
    stage = world.written
    assert written == {
        "position": 1,
        "url": f"{BASE}/api/v1/proposals/legea-350/consultation/stages/1/",
        "web_url": f"{BASE}/proposals/legea-350/consultation/stages/1/",
        "kind": "written",
        "title": "Recomandări scrise",
        "description": "",
        "status": "closed",
        "opens_at": iso(stage.opens_at),
        "closes_at": iso(stage.closes_at),
        "revision": 2,
        "revision_url": f"{BASE}/api/v1/proposals/legea-350/revisions/2/",
        "short_period_reason": "",
        "meeting": None,
        "minutes": None,
        "participants": None,
        "minutes_published_at": None,
        "planned_closes_at": None,
        "closed_early_reason": "",
        "cancelled_at": None,
        "cancellation_reason": "",
        "comments_url": f"{BASE}/api/v1/proposals/legea-350/consultation/stages/1/comments/",
        "synthesis_url": f"{BASE}/api/v1/proposals/legea-350/consultation/stages/1/synthesis/",
    }
    world.meeting.refresh_from_db()
    assert meeting["kind"] == "meeting"
    assert meeting["meeting"] == {
        "at": iso(world.meeting.meeting_at),
        "place": "Sala mare a Primăriei",
        "link": "https://meet.example.org/legea-350",
        "agenda": "Prezentarea propunerii; discuții.",
    }
    assert (meeting["minutes"], meeting["participants"]) == ("Au participat 12 persoane.", 12)
    assert meeting["minutes_published_at"] == iso(world.meeting.minutes_published_at)
    assert (meeting["comments_url"], meeting["synthesis_url"]) == (None, None)
    assert (scheduled["status"], scheduled["revision"], scheduled["synthesis_url"]) == (
        "scheduled",
        3,
        None,
    )
    assert api.get(f"{API}proposals/legea-350/consultation/stages/3/").json() == scheduled


def test_consultation_list(world, api):
    body = api.get(f"{API}consultations/").json()
    assert body["count"] == 1
    assert body["results"][0]["url"] == f"{BASE}/api/v1/proposals/legea-350/consultation/"
    assert len(body["results"][0]["stages"]) == 3
    assert api.get(f"{API}consultations/", {"kind": "policy"}).json()["count"] == 0
    assert api.get(f"{API}consultations/", {"organization": "vrancea-civica"}).json()["count"] == 1


def test_comments_are_flattened_threads(world, api):
    response = api.get(f"{API}proposals/legea-350/consultation/stages/1/comments/")
    assert response.status_code == 200
    body = response.json()
    c = world.comments
    assert body["count"] == 6
    assert [(r["id"], r["parent_id"], r["depth"], r["state"]) for r in body["results"]] == [
        (c.thread.pk, None, 0, "visible"),
        (c.reply.pk, c.thread.pk, 1, "visible"),
        (c.hidden.pk, None, 0, "hidden"),
        (c.withdrawn.pk, None, 0, "withdrawn"),
        (c.held.pk, None, 0, "held"),
        (c.later_hidden.pk, None, 0, "hidden"),
    ]
    thread = body["results"][0]
    assert thread == {
        "id": c.thread.pk,
        "web_url": f"{BASE}/comments/{c.thread.pk}/",
        "parent_id": None,
        "depth": 0,
        "block_key": "k0000000001",
        "quote": None,
        "stance": "support",
        "state": "visible",
        "submitted_at": iso(c.thread.submit_date),
        "revision": 2,
        "author": "Ion Vasile",
        "text": "Susțin termenul propus.",
        "suggestion": None,
        "suggested_from": None,
        "suggested_text": None,
        "disposition": {
            "outcome": "accepted",
            "reason": "Preluat în versiunea 3.",
            "applied_in": 3,
        },
    }
    reply = body["results"][1]
    assert (reply["author"], reply["text"], reply["stance"], reply["block_key"]) == (
        "Maria Enache",
        "Și eu, cu o precizare.",
        None,
        "k0000000001",
    )


def test_comments_filter_by_paragraph(world, api):
    body = api.get(
        f"{API}proposals/legea-350/consultation/stages/1/comments/", {"block_key": "k0000000003"}
    ).json()
    assert [r["id"] for r in body["results"]] == [
        world.comments.held.pk,
        world.comments.later_hidden.pk,
    ]


def test_stage_without_comments_has_an_empty_list(world, api):
    body = api.get(f"{API}proposals/legea-350/consultation/stages/2/comments/").json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_synthesis_is_the_frozen_table_minus_what_was_hidden_since(world, api):
    response = api.get(f"{API}proposals/legea-350/consultation/stages/1/synthesis/")
    assert response.status_code == 200
    body = response.json()
    c = world.comments
    assert body == {
        "url": f"{BASE}{API}proposals/legea-350/consultation/stages/1/synthesis/",
        "web_url": f"{BASE}{world.synthesis.get_absolute_url()}",
        "stage_url": f"{BASE}{API}proposals/legea-350/consultation/stages/1/",
        "published_at": iso(world.synthesis.published_at),
        "intro": "Am primit două recomandări.",
        "counts": {
            "total": 2,
            "stance": {"support": 1, "neutral": 1},
            "outcome": {"accepted": 1, "rejected": 1},
        },
        "rows_url": f"{BASE}{API}proposals/legea-350/consultation/stages/1/synthesis/rows/",
    }
    rows = api.get(body["rows_url"]).json()
    assert (rows["count"], rows["next"], rows["previous"]) == (2, None, None)
    first, second = rows["results"]
    assert first == {
        "number": 1,
        "comment_id": c.thread.pk,
        "state": "visible",
        "author": "Ion Vasile",
        "block_key": "k0000000001",
        "block": "§1",
        "quote": None,
        "text": "Susțin termenul propus.",
        "suggestion": None,
        "suggested_from": None,
        "suggested_text": None,
        "stance": "support",
        "submitted_at": world.synthesis.rows[0]["submitted_at"],
        "outcome": "accepted",
        "reason": "Preluat în versiunea 3.",
        "applied_in": 3,
        "replies": 1,
    }
    # Answered and published while shown, hidden afterwards: its words are gone, its answer stays.
    assert (second["comment_id"], second["state"], second["text"], second["author"]) == (
        c.later_hidden.pk,
        "hidden",
        None,
        None,
    )
    assert (second["outcome"], second["reason"]) == ("rejected", "Depășește scopul propunerii.")


def test_synthesis_not_published_is_404(world, api):
    response = api.get(f"{API}proposals/legea-350/consultation/stages/3/synthesis/")
    assert response.status_code == 404
    assert response.json() == {"detail": "The synthesis of this stage is not published."}


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(API + path).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "path",
    [
        "organizations/",
        "proposals/",
        "proposals/legea-350/revisions/",
        "proposals/legea-350/consultation/stages/1/comments/",
        "consultations/",
    ],
)
def test_lists_take_the_same_queries_for_one_row_and_many(world, api, path):
    # A second consultation, so that the consultation list has more than one row too.
    consultations.create_consultation(world.editor, world.policy, title="Politica locală")
    separator = "&" if "?" in path else "?"
    one = count_queries(api, f"{path}{separator}page_size=1")
    many = count_queries(api, f"{path}{separator}page_size=100")
    assert one == many


@pytest.mark.django_db
def test_comparison_flags_spelling_only_differences(api, ngo, ngo_editor):
    from proposals import domain
    from tests.factories import ProposalFactory
    from tests.helpers import save

    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        slug="sedile",
        blocks=[{"key": "k00000000d1", "type": "text", "text": "Finanţarea anuală."}],
    )
    save(
        ngo_editor, proposal, [{"key": "k00000000d1", "type": "text", "text": "Finanțarea anuală."}]
    )
    domain.publish_proposal(ngo_editor, proposal)
    body = api.get(f"{API}proposals/sedile/compare/1/2/").json()
    assert body["has_changes"] is False
    [block] = body["blocks"]
    assert block["status"] == "unchanged"
    assert block["fields"] == [
        {
            "name": "text",
            "changed": False,
            "ops": [
                {"op": "delete", "text": "Finanţarea", "spelling": True},
                {"op": "insert", "text": "Finanțarea", "spelling": True},
                {"op": "equal", "text": " anuală.", "spelling": False},
            ],
        }
    ]
