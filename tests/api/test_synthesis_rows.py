"""The rows of a published synthesis are read in pages from `rows_url`, in their order, as the
synthesis page shows them, with a number of queries that does not grow with the table."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import domain as consultations
from consultations.models import SynthesisRow
from tests.api.conftest import API
from tests.factories import (
    DispositionFactory,
    StageCommentFactory,
    StageFactory,
    SynthesisFactory,
    UserFactory,
)

BASE = "http://testserver"
ROWS = f"{API}proposals/legea-350/consultation/stages/1/synthesis/rows/"


def test_rows_come_a_page_at_a_time_in_their_order(world, api):
    c = world.comments
    first = api.get(f"{ROWS}?page_size=1").json()
    assert (first["count"], first["previous"]) == (2, None)
    assert first["next"] == f"{BASE}{ROWS}?page=2&page_size=1"
    assert [
        (row["number"], row["comment_id"], row["state"], row["author"], row["text"])
        for row in first["results"]
    ] == [(1, c.thread.pk, "visible", "Ion Vasile", "Susțin termenul propus.")]

    second = api.get(first["next"]).json()
    assert (second["count"], second["next"]) == (2, None)
    assert second["previous"] == f"{BASE}{ROWS}?page_size=1"
    # Hidden after publication: as on the synthesis page, its words and author are gone, its
    # answer stays.
    (row,) = second["results"]
    assert row == {
        "number": 2,
        "comment_id": c.later_hidden.pk,
        "state": "hidden",
        "author": None,
        "block_key": row["block_key"],
        "block": row["block"],
        "quote": None,
        "text": None,
        "suggestion": None,
        "suggested_from": None,
        "suggested_text": None,
        "stance": world.synthesis.rows[1]["stance"],
        "submitted_at": world.synthesis.rows[1]["submitted_at"],
        "outcome": "rejected",
        "reason": "Depășește scopul propunerii.",
        "applied_in": None,
        "replies": 0,
    }


def test_rows_of_an_unpublished_synthesis_are_404_as_the_synthesis(world, api):
    synthesis = api.get(f"{API}proposals/legea-350/consultation/stages/3/synthesis/")
    rows = api.get(f"{API}proposals/legea-350/consultation/stages/3/synthesis/rows/")
    assert (rows.status_code, synthesis.status_code) == (404, 404)
    assert (
        rows.json()
        == synthesis.json()
        == {"detail": "The synthesis of this stage is not published."}
    )
    assert api.get(f"{API}proposals/legea-350/consultation/stages/9/synthesis/rows/").json() == {
        "detail": "This consultation has no stage at this position."
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", {"page": ["Give a whole number, 1 or more."]}),
        ("page=-1", {"page": ["Give a whole number, 1 or more."]}),
        ("page=abc", {"page": ["Give a whole number, 1 or more."]}),
        ("page=1.5", {"page": ["Give a whole number, 1 or more."]}),
        ("page=" + "9" * 40, {"page": ["Give a whole number, 1 or more."]}),
        ("page=3", {"page": ["Page 3 is past the last page (1)."]}),
        ("page_size=0", {"page_size": ["Give a whole number, 1 or more."]}),
        ("page_size=101", {"page_size": ["Give a page size from 1 to 100."]}),
    ],
)
def test_hostile_page_parameters_are_400_with_json(world, api, query, message):
    response = api.get(f"{ROWS}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Some query parameters are not valid.", "errors": message}


def _published_synthesis(count):
    """A closed stage of a new published proposal with `count` answered comments, its synthesis
    published."""
    opens = timezone.now() - timedelta(days=11)
    stage = StageFactory(opens_at=opens, now=opens - timedelta(days=1))
    for n in range(count):
        comment = StageCommentFactory(
            stage=stage, user=UserFactory(), now=opens + timedelta(hours=n + 1)
        )
        DispositionFactory(comment=comment)
    synthesis = SynthesisFactory(stage=stage)
    return synthesis, comment


@pytest.mark.parametrize("count", [3, 12])
def test_rows_page_queries_do_not_grow_with_the_table(db, api, count, django_assert_num_queries):
    synthesis, last = _published_synthesis(count)
    consultations.hide_comment(
        UserFactory(is_staff=True), last, "Date personale.", now=timezone.now()
    )
    stage = synthesis.stage
    path = (
        f"{API}proposals/{stage.consultation.proposal.slug}/consultation/stages/"
        f"{stage.position}/synthesis/rows/?page_size=100"
    )
    assert SynthesisRow.objects.filter(synthesis=synthesis).count() == count
    # The proposal is public, the stage, the synthesis, the count, the page's rows and the states
    # of their comments now.
    with django_assert_num_queries(6):
        body = api.get(path).json()
    assert body["count"] == count
    assert [row["number"] for row in body["results"]] == list(range(1, count + 1))
    assert [row["state"] for row in body["results"]] == ["visible"] * (count - 1) + ["hidden"]
    assert body["results"][-1]["text"] is None
