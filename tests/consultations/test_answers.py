"""Answering comments: the answers list with its progress and filters, and one answer's form
(only the owning organisation's editors; frozen once the synthesis is published)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations import domain
from consultations.models import Disposition
from core.models import ActivityLog
from proposals import domain as proposals_domain
from tests.consultations.conftest import during
from tests.helpers import messages_of

ANSWERS = "/proposals/legea-350/consultation/stages/1/answers/"


def post(stage, user, text, *, hours=1.0, **kwargs):
    kwargs.setdefault("stance", "neutral")
    return domain.post_comment(user, stage, text=text, now=during(stage, hours), **kwargs)


def keys(stage):
    return [block["key"] for block in stage.revision.blocks]


@pytest.fixture
def editor_client(en_client, editor):
    en_client.force_login(editor)
    return en_client


@pytest.fixture
def thread(stage, citizen, citizen2, moderator):
    """Three shown top-level comments (one answered), a reply and a hidden comment."""
    k1, k2, _k3 = keys(stage)
    support = post(stage, citizen, "Susțin primul alineat.", block_key=k1, stance="support")
    oppose = post(stage, citizen2, "Mă opun termenului.", block_key=k2, stance="oppose", hours=2)
    whole = post(stage, citizen, "Observație generală.", stance="neutral", hours=3)
    reply = post(stage, citizen2, "Răspuns la prima.", parent_id=support.pk, hours=4)
    hidden = post(stage, citizen2, "Text ascuns", stance="oppose", hours=5)
    domain.hide_comment(moderator, hidden, "Limbaj jignitor.")
    return {"support": support, "oppose": oppose, "whole": whole, "reply": reply, "hidden": hidden}


def test_answers_lists_top_level_shown_comments_with_progress(editor_client, editor, stage, thread):
    domain.set_disposition(editor, thread["support"], outcome="accepted", reason="Preluat.")
    response = editor_client.get(ANSWERS)
    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    assert listed == [thread["support"], thread["oppose"], thread["whole"]]
    page = response.content.decode()
    assert '<progress id="answer-progress" value="1" max="3">' in page
    assert "1 of 3 answered" in page
    assert "Răspuns la prima." not in page
    assert "Text ascuns" not in page
    assert "Preluat." in page
    assert f'href="/comments/{thread["oppose"].pk}/answer/?next=' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?answered=unanswered", ["oppose", "whole"]),
        ("?answered=answered", ["support"]),
        ("?stance=oppose", ["oppose"]),
        ("?block=whole", ["whole"]),
        ("?block=BLOCK1", ["support"]),
        ("?block=unknown&stance=nonsense&answered=x", ["support", "oppose", "whole"]),
        ("?answered=unanswered&stance=support", []),
    ],
)
def test_answers_filters(editor_client, editor, stage, thread, query, expected):
    domain.set_disposition(editor, thread["support"], outcome="accepted", reason="Preluat.")
    query = query.replace("BLOCK1", keys(stage)[0])
    response = editor_client.get(ANSWERS + query)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [thread[name] for name in expected]


def test_answers_paginate_by_50_with_a_constant_number_of_queries(
    editor_client, editor, stage, citizen
):
    def queries(url=ANSWERS):
        with CaptureQueriesContext(connection) as captured:
            response = editor_client.get(url)
        assert response.status_code == 200
        return len(captured), response

    first = post(stage, citizen, "Comentariul 0", stance="support")
    domain.set_disposition(editor, first, outcome="rejected", reason="Nu.")
    few, _ = queries()
    for number in range(1, 55):
        comment = post(stage, citizen, f"Comentariul {number}", hours=1 + number / 100)
        if number % 2:
            domain.set_disposition(editor, comment, outcome="accepted", reason="Da.")
    many, response = queries()
    assert few == many
    assert len(response.context["page"].object_list) == 50
    assert "28 of 55 answered" in response.content.decode()
    _count, second = queries(ANSWERS + "?page=2")
    assert [c.comment for c in second.context["page"].object_list] == [
        f"Comentariul {n}" for n in range(50, 55)
    ]


def test_answers_of_a_meeting_stage_do_not_exist(editor_client, editor, consultation, stage):
    domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere",
        opens_at=stage.closes_at,
        closes_at=stage.closes_at + (stage.closes_at - stage.opens_at),
        now=stage.opens_at,
    )
    url = "/proposals/legea-350/consultation/stages/2/answers/"
    assert editor_client.get(url).status_code == 404


# --- One answer --------------------------------------------------------------------------------


@pytest.fixture
def revision3(editor, debated_proposal):
    debated_proposal.refresh_from_db()
    current = debated_proposal.current_revision
    blocks = [dict(block) for block in current.blocks]
    blocks[0]["text"] = "Finanțările se acordă numai prin selecție publică de proiecte."
    return proposals_domain.save_revision(
        editor,
        debated_proposal,
        base_number=current.number,
        title=current.title,
        summary=current.summary,
        blocks=blocks,
        message="Preluăm propunerea",
    )


def test_disposition_form_offers_only_later_revisions(editor_client, thread, revision3):
    response = editor_client.get(f"/comments/{thread['support'].pk}/answer/")
    assert response.status_code == 200
    choices = [value for value, _label in response.context["form"].fields["applied_in"].choices]
    assert [str(value) for value in choices] == ["", str(revision3.pk)]
    page = response.content.decode()
    assert "Susțin primul alineat." in page
    assert 'type="radio" name="outcome" value="partially"' in page


def test_disposition_saves_logs_and_returns_to_the_filtered_list(
    editor_client, editor, thread, revision3
):
    comment = thread["support"]
    back = ANSWERS + "?answered=unanswered&page=1"
    response = editor_client.post(
        f"/comments/{comment.pk}/answer/",
        {
            "outcome": "accepted",
            "reason": "Am preluat formularea.",
            "applied_in": revision3.pk,
            "next": back,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == back
    assert messages_of(response) == [f"The answer to comment #{comment.pk} was saved."]
    disposition = Disposition.objects.get(comment=comment)
    assert (
        disposition.outcome,
        disposition.reason,
        disposition.applied_in,
        disposition.decided_by,
    ) == (
        "accepted",
        "Am preluat formularea.",
        revision3,
        editor,
    )
    row = ActivityLog.objects.filter(verb="disposition.set").get()
    assert (row.old_value, row.new_value, row.data) == ("", "accepted", {"applied_in": 3})

    response = editor_client.post(
        f"/comments/{comment.pk}/answer/",
        {"outcome": "partially", "reason": "Doar în parte.", "applied_in": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == ANSWERS
    assert Disposition.objects.filter(comment=comment).count() == 1
    assert Disposition.objects.get(comment=comment).outcome == "partially"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/proposals/alta/", ANSWERS + "\n"]
)
def test_disposition_never_redirects_elsewhere(editor_client, thread, next_url):
    response = editor_client.post(
        f"/comments/{thread['whole'].pk}/answer/",
        {"outcome": "not_applicable", "reason": "Nu privește textul.", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == ANSWERS


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "accepted", "reason": ""}, "This field is required."),
        ({"outcome": "accepted", "reason": "Motiv\x00"}, "control characters"),
        ({"outcome": "accepted", "reason": "x" * 10001}, "at most 10000 characters"),
        ({"outcome": "maybe", "reason": "Motiv"}, "Select a valid choice."),
        ({"outcome": "rejected", "reason": "Nu.", "applied_in": "APPLIED"}, "Only an accepted"),
        ({"outcome": "accepted", "reason": "Da.", "applied_in": "999999"}, "valid choice"),
    ],
)
def test_disposition_bad_input_is_refused_without_a_row(
    editor_client, thread, revision3, data, message
):
    if data.get("applied_in") == "APPLIED":
        data["applied_in"] = revision3.pk
    before = ActivityLog.objects.count()
    response = editor_client.post(f"/comments/{thread['support'].pk}/answer/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Disposition.objects.count() == 0
    assert ActivityLog.objects.count() == before


def test_disposition_applied_in_the_commented_revision_is_not_offered(editor_client, stage, thread):
    response = editor_client.post(
        f"/comments/{thread['support'].pk}/answer/",
        {"outcome": "accepted", "reason": "Da.", "applied_in": stage.revision.pk},
    )
    assert response.status_code == 400
    assert Disposition.objects.count() == 0


def test_disposition_of_a_hidden_comment_is_refused(editor_client, thread):
    url = f"/comments/{thread['hidden'].pk}/answer/"
    page = editor_client.get(url).content.decode()
    assert "Only comments that are shown can be answered." in page
    assert "Text ascuns" not in page
    response = editor_client.post(url, {"outcome": "rejected", "reason": "Nu."})
    assert response.status_code == 400
    assert Disposition.objects.count() == 0


def test_disposition_after_the_synthesis_is_published_is_refused_clearly(
    editor_client, editor, stage, thread
):
    for name in ("support", "oppose", "whole"):
        domain.set_disposition(editor, thread[name], outcome="rejected", reason="Nu se reține.")
    domain.publish_synthesis(editor, stage)
    url = f"/comments/{thread['oppose'].pk}/answer/"
    response = editor_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The synthesis of this stage is published; its answers can no longer change." in page
    assert 'name="outcome"' not in page
    response = editor_client.post(url, {"outcome": "accepted", "reason": "Ne-am răzgândit."})
    assert response.status_code == 400
    assert (
        "The synthesis of this stage is published; its answers can no longer change."
        in response.content.decode()
    )
    assert Disposition.objects.get(comment=thread["oppose"]).outcome == "rejected"


def test_disposition_by_another_ngo_editor_is_403_and_writes_nothing(
    en_client, other_ngo_editor, thread
):
    en_client.force_login(other_ngo_editor)
    url = f"/comments/{thread['support'].pk}/answer/"
    assert en_client.get(url).status_code == 403
    response = en_client.post(url, {"outcome": "accepted", "reason": "Acceptat de alții."})
    assert response.status_code == 403
    assert Disposition.objects.count() == 0
    assert not ActivityLog.objects.filter(verb="disposition.set").exists()


@pytest.mark.parametrize("comment_id", ["424242", "99999999999999999999"])
def test_disposition_of_an_unknown_comment_is_404(editor_client, comment_id):
    assert editor_client.get(f"/comments/{comment_id}/answer/").status_code == 404


def test_answers_show_the_current_answer_with_its_revision_link(
    editor_client, editor, thread, revision3
):
    domain.set_disposition(
        editor, thread["support"], outcome="accepted", reason="Preluat.", applied_in=revision3
    )
    page = editor_client.get(ANSWERS + "?answered=answered").content.decode()
    assert 'href="/proposals/legea-350/v/3/"' in page
    assert "applied in revision 3" in page
