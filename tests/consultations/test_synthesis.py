"""Publishing the synthesis (refused while answers are missing or the stage is open) and the
synthesis page: public once published, a preview for the organisation's editors before, built
from the frozen snapshot, without the text of hidden comments."""

from datetime import UTC

import pytest

from accounts import domain as accounts_domain
from consultations import domain
from consultations.models import Synthesis
from core.models import ActivityLog
from proposals import domain as proposals_domain
from tests.consultations.conftest import during
from tests.helpers import messages_of

STAGE = "/proposals/legea-350/consultation/stages/1"


def post(stage, user, text, *, hours=1.0, **kwargs):
    kwargs.setdefault("stance", "neutral")
    return domain.post_comment(user, stage, text=text, now=during(stage, hours), **kwargs)


@pytest.fixture
def editor_client(en_client, editor):
    en_client.force_login(editor)
    return en_client


@pytest.fixture
def revision3(editor, debated_proposal):
    debated_proposal.refresh_from_db()
    current = debated_proposal.current_revision
    blocks = [dict(block) for block in current.blocks]
    blocks[1]["text"] = "Autoritatea publică informează solicitanții în termen de 15 zile."
    return proposals_domain.save_revision(
        editor,
        debated_proposal,
        base_number=current.number,
        title=current.title,
        summary=current.summary,
        blocks=blocks,
        message="Termen redus",
    )


@pytest.fixture
def comments(stage, citizen, citizen2, moderator):
    """Comments on blocks 2 and 1 and on the whole text, a reply, and a hidden comment."""
    k1, k2, _k3 = (block["key"] for block in stage.revision.blocks)
    on_block2 = post(
        stage,
        citizen,
        "Termenul de 30 de zile e prea lung.",
        block_key=k2,
        quote="în termen de 30 de zile",
        stance="oppose",
        hours=1,
    )
    on_block1 = post(
        stage, citizen2, "De acord cu selecția publică.", block_key=k1, stance="support", hours=2
    )
    general = post(stage, citizen2, "Legea are nevoie de norme de aplicare.", hours=3)
    reply = post(stage, citizen, "Și eu cred la fel.", parent_id=on_block1.pk, hours=4)
    hidden = post(stage, citizen, "Mesaj jignitor ascuns", stance="oppose", hours=5)
    domain.hide_comment(moderator, hidden, "Limbaj jignitor.")
    return {
        "block2": on_block2,
        "block1": on_block1,
        "general": general,
        "reply": reply,
        "hidden": hidden,
        "keys": (k1, k2),
    }


@pytest.fixture
def answered(editor, comments, revision3):
    domain.set_disposition(
        editor,
        comments["block2"],
        outcome="accepted",
        reason="Termenul devine 15 zile.",
        applied_in=revision3,
    )
    domain.set_disposition(
        editor, comments["block1"], outcome="not_applicable", reason="Textul rămâne."
    )
    domain.set_disposition(
        editor, comments["general"], outcome="rejected", reason="Nu ține de lege."
    )
    return comments


# --- Publishing --------------------------------------------------------------------------------


def test_publish_with_missing_answers_is_refused_with_the_count(
    editor_client, editor, stage, comments
):
    domain.set_disposition(editor, comments["general"], outcome="rejected", reason="Nu.")
    message = (
        "2 of 3 comments have no answer yet; every comment must be answered before the "
        "synthesis is published."
    )
    response = editor_client.get(f"{STAGE}/publish-synthesis/")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert '<progress id="answer-progress" value="1" max="3">' in page
    assert 'name="intro"' not in page
    response = editor_client.post(f"{STAGE}/publish-synthesis/", {"intro": "Sinteza"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Synthesis.objects.count() == 0
    assert not ActivityLog.objects.filter(verb="synthesis.published").exists()


def test_publish_while_the_stage_is_open_is_refused(editor_client, open_stage):
    message = "The stage is still open; publish the synthesis after it closes."
    assert message in editor_client.get(f"{STAGE}/publish-synthesis/").content.decode()
    response = editor_client.post(f"{STAGE}/publish-synthesis/", {"intro": ""})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Synthesis.objects.count() == 0


def test_publish_shows_the_counts_and_publishes_the_exact_snapshot(
    editor_client, editor, stage, answered, citizen, citizen2
):
    page = editor_client.get(f"{STAGE}/publish-synthesis/").content.decode()
    assert "3 of 3 answered" in page
    assert "This cannot be undone." in page
    response = editor_client.post(
        f"{STAGE}/publish-synthesis/", {"intro": "Am primit **trei** comentarii."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{STAGE}/synthesis/"
    assert messages_of(response) == ["The synthesis was published."]
    synthesis = Synthesis.objects.get()
    assert (synthesis.intro, synthesis.published_by) == ("Am primit **trei** comentarii.", editor)
    k1, k2 = answered["keys"]
    common = {
        "quote": "",
        "suggestion": "",
        "suggested_from": "",
        "suggested_text": "",
        "replies": 0,
        "applied_in": None,
        "group": None,
        "group_size": 0,
        # Posted on the site (a recommendation logged from email or paper says so).
        "channel": "web",
        "received_on": None,
    }
    expected = [
        {
            **common,
            "number": 1,
            "comment_id": answered["general"].pk,
            "author": "Maria Enache",
            "block_key": "",
            "block": "",
            "text": "Legea are nevoie de norme de aplicare.",
            "stance": "neutral",
            "submitted_at": answered["general"].submit_date.astimezone(UTC).isoformat(),
            "outcome": "rejected",
            "reason": "Nu ține de lege.",
        },
        {
            **common,
            "number": 2,
            "comment_id": answered["block1"].pk,
            "author": "Maria Enache",
            "block_key": k1,
            "block": "§1",
            "text": "De acord cu selecția publică.",
            "stance": "support",
            "submitted_at": answered["block1"].submit_date.astimezone(UTC).isoformat(),
            "outcome": "not_applicable",
            "reason": "Textul rămâne.",
            "replies": 1,
        },
        {
            **common,
            "number": 3,
            "comment_id": answered["block2"].pk,
            "author": "Ion Vasile",
            "block_key": k2,
            "block": "§2",
            "quote": "în termen de 30 de zile",
            "text": "Termenul de 30 de zile e prea lung.",
            "stance": "oppose",
            "submitted_at": answered["block2"].submit_date.astimezone(UTC).isoformat(),
            "outcome": "accepted",
            "reason": "Termenul devine 15 zile.",
            "applied_in": 3,
        },
    ]
    assert synthesis.rows == expected
    assert synthesis.counts == {
        "total": 3,
        "stance": {"neutral": 1, "support": 1, "oppose": 1},
        "outcome": {"rejected": 1, "not_applicable": 1, "accepted": 1},
    }
    assert "Mesaj jignitor ascuns" not in str(synthesis.rows)
    row = ActivityLog.objects.get(verb="synthesis.published")
    assert row.new_value == "3"


def test_publish_twice_goes_to_the_published_synthesis(editor_client, editor, stage, answered):
    domain.publish_synthesis(editor, stage)
    response = editor_client.get(f"{STAGE}/publish-synthesis/")
    assert response.status_code == 302
    assert response["Location"] == f"{STAGE}/synthesis/"
    assert messages_of(response) == ["The synthesis of this stage is already published."]
    assert editor_client.post(f"{STAGE}/publish-synthesis/").status_code == 302
    assert Synthesis.objects.count() == 1


def test_publish_bad_intro_is_refused(editor_client, stage, answered):
    for intro in ("Intro\x00", "x" * 20001):
        response = editor_client.post(f"{STAGE}/publish-synthesis/", {"intro": intro})
        assert response.status_code == 400
    assert Synthesis.objects.count() == 0


def test_publish_with_no_comments_publishes_an_empty_table(editor_client, stage):
    response = editor_client.post(f"{STAGE}/publish-synthesis/", {"intro": ""})
    assert response.status_code == 302
    synthesis = Synthesis.objects.get()
    assert (synthesis.rows, synthesis.counts) == ([], {"total": 0, "stance": {}, "outcome": {}})
    page = editor_client.get(f"{STAGE}/synthesis/").content.decode()
    assert "This stage received no comments." in page


# --- The synthesis page ------------------------------------------------------------------------


def test_synthesis_page_before_publication_is_404_for_visitors(client, en_client, stage, answered):
    response = client.get(f"{STAGE}/synthesis/")
    assert response.status_code == 404
    response = en_client.get(f"{STAGE}/synthesis/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "The synthesis of this stage is not published yet." in page
    assert "Termenul de 30 de zile" not in page


def test_synthesis_page_before_publication_is_a_preview_for_editors(editor_client, stage, answered):
    response = editor_client.get(f"{STAGE}/synthesis/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview: the synthesis is not published yet." in page
    assert "Termenul de 30 de zile e prea lung." in page
    assert "Mesaj jignitor ascuns" not in page


def test_synthesis_page_shows_counts_and_rows_grouped_by_block(en_client, editor, stage, answered):
    domain.publish_synthesis(editor, stage, intro="Am primit **trei** comentarii.")
    response = en_client.get(f"{STAGE}/synthesis/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Am primit <strong>trei</strong> comentarii." in page
    groups = response.context["groups"]
    assert [(group["block_key"], [row["number"] for row in group["rows"]]) for group in groups] == [
        ("", [1]),
        (answered["keys"][0], [2]),
        (answered["keys"][1], [3]),
    ]
    assert response.context["stance_counts"] == [("Support", 1), ("Oppose", 1), ("Neutral", 1)]
    assert response.context["outcome_counts"] == [
        ("Accepted", 1),
        ("Partially accepted", 0),
        ("Rejected", 1),
        ("Not applicable", 1),
    ]
    assert "Ion Vasile" in page and "Maria Enache" in page
    assert "<blockquote>în termen de 30 de zile</blockquote>" in page
    assert 'href="/proposals/legea-350/v/3/"' in page
    assert "Termenul devine 15 zile." in page
    assert "Mesaj jignitor ascuns" not in page
    assert "Și eu cred la fel." not in page  # replies are counted, not listed
    assert "1 reply" in page
    assert f'href="{STAGE}/synthesis.pdf"' in page
    assert f'href="{STAGE}/synthesis.csv"' in page


def test_synthesis_page_hides_the_text_of_a_comment_hidden_after_publication(
    en_client, editor, moderator, stage, answered
):
    synthesis = domain.publish_synthesis(editor, stage)
    domain.hide_comment(moderator, answered["block2"], "Date personale.")
    page = en_client.get(f"{STAGE}/synthesis/").content.decode()
    assert "Termenul de 30 de zile e prea lung." not in page
    assert "în termen de 30 de zile" not in page
    assert "This comment was hidden by moderation." in page
    synthesis.refresh_from_db()
    assert synthesis.counts["total"] == 3  # the record's counts do not change


def test_synthesis_page_names_a_deleted_account_as_deleted(
    en_client, editor, stage, answered, citizen
):
    domain.publish_synthesis(editor, stage)
    accounts_domain.delete_account(citizen)
    page = en_client.get(f"{STAGE}/synthesis/").content.decode()
    assert "Ion Vasile" not in page
    assert "Deleted account" in page
    assert "Termenul de 30 de zile e prea lung." in page


def test_synthesis_of_a_draft_or_unknown_stage_is_404(en_client, editor, ngo, stage):
    assert en_client.get("/proposals/legea-350/consultation/stages/7/synthesis/").status_code == 404
    assert en_client.get("/proposals/nu-exista/consultation/stages/1/synthesis/").status_code == 404
