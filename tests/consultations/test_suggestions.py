"""Suggestions of wording: a participant proposes new text for (or the removal of) one paragraph or
amendment row of the pinned revision; it is a comment (threaded, reactions, flags, moderation)
shown as a word-level redline against the pinned text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import domain
from consultations.models import StageComment
from core.errors import DomainError
from tests.consultations.conftest import T0, add_written_stage, first_block_key
from tests.consultations.page_helpers import comment_counts, open_stage_for, page_text, stage_at
from tests.factories import PublishedProposalFactory

pytestmark = pytest.mark.django_db

SECOND = "Autoritatea publică informează solicitanții în termen de 30 de zile."


def suggest(user, stage, block_key, wording, *, text="Termenul e prea scurt.", now=T0, **kwargs):
    return domain.post_comment(
        user,
        stage,
        text=text,
        stance="oppose",
        block_key=block_key,
        suggestion=kwargs.pop("suggestion", "replace"),
        suggested_text=wording,
        now=now,
        **kwargs,
    )


def post(client, stage, **data):
    data.setdefault("stance", "oppose")
    url = f"/proposals/{stage.consultation.proposal.slug}/consultation/stages/{stage.position}/"
    return client.post(url + "comment/", data)


# --- Posting (domain) --------------------------------------------------------------------------


def test_suggestion_on_a_paragraph_is_stored_with_the_text_it_replaces(stage, citizen):
    key = stage.revision.blocks[1]["key"]
    made = suggest(
        citizen,
        stage,
        key,
        "Autoritatea publică informează solicitanții în termen de 15 zile lucrătoare.",
    )
    stored = StageComment.objects.get(pk=made.pk)
    assert (
        stored.suggestion,
        stored.suggested_field,
        stored.suggested_from,
        stored.suggested_text,
        stored.block_key,
        stored.comment,
        stored.revision_id,
    ) == (
        "replace",
        "text",
        SECOND,
        "Autoritatea publică informează solicitanții în termen de 15 zile lucrătoare.",
        key,
        "Termenul e prea scurt.",
        stage.revision_id,
    )
    assert stored.redline == (
        "Autoritatea publică informează solicitanții în termen de <del>30 de</del><ins>15</ins> "
        "zile<ins> lucrătoare</ins>."
    )


def test_suggested_removal_shows_the_whole_paragraph_struck(stage, citizen):
    key = stage.revision.blocks[1]["key"]
    made = suggest(citizen, stage, key, "", suggestion="remove")
    assert (made.suggestion, made.suggested_text) == ("remove", "")
    assert made.redline == f"<del>{SECOND}</del>"


def test_suggestion_on_an_amendment_row_rewrites_its_proposed_text(editor, ngo, citizen):
    proposal = PublishedProposalFactory(
        editor=editor, organization=ngo, kind="amendment", slug="legea-350-art"
    )
    stage = open_stage_for(editor, proposal)
    key = stage.revision.blocks[0]["key"]
    made = suggest(citizen, stage, key, "Textul propus al articolului, mai clar.", now=None)
    assert (made.suggested_field, made.suggested_from) == (
        "proposed",
        "Textul propus al articolului.",
    )
    assert made.redline == "Textul propus al articolului<ins>, mai clar</ins>."


def test_reply_to_a_suggestion_is_a_plain_reply(stage, citizen, citizen2):
    made = suggest(citizen, stage, first_block_key(stage), "Alt text.")
    reply = domain.post_comment(
        citizen2,
        stage,
        text="De acord.",
        parent_id=made.pk,
        suggestion="replace",
        suggested_text="ignorat",
        now=T0,
    )
    assert (reply.parent_id, reply.level, reply.suggestion, reply.suggested_text) == (
        made.pk,
        1,
        "",
        "",
    )


# --- Refused -----------------------------------------------------------------------------------


def test_suggestion_on_a_block_not_in_the_pinned_revision_refused(stage, citizen):
    with pytest.raises(DomainError) as refusal:
        suggest(citizen, stage, "k0000000fff", "Alt text.")
    assert refusal.value.code == "suggestion_block"
    assert StageComment.objects.count() == 0


def test_suggestion_on_the_whole_text_refused(stage, citizen):
    with pytest.raises(DomainError) as refusal:
        suggest(citizen, stage, "", "Alt text.")
    assert refusal.value.code == "suggestion_block"


def test_suggestion_identical_to_the_text_refused(stage, citizen):
    key = stage.revision.blocks[1]["key"]
    with pytest.raises(DomainError) as refusal:
        suggest(citizen, stage, key, SECOND + "  \r\n")
    assert refusal.value.code == "suggestion_same"
    assert StageComment.objects.count() == 0


def test_suggestion_over_the_length_limit_refused(stage, citizen, settings):
    from consultations.domain import comments

    key = stage.revision.blocks[1]["key"]
    with pytest.raises(DomainError):
        suggest(citizen, stage, key, "x" * (comments.MAX_SUGGESTION_LENGTH + 1))
    assert StageComment.objects.count() == 0


def test_suggestion_after_the_stage_closed_refused(stage, citizen):
    with pytest.raises(domain.StageClosed):
        suggest(citizen, stage, first_block_key(stage), "Alt text.", now=stage.closes_at)
    assert StageComment.objects.count() == 0


# --- Pages -------------------------------------------------------------------------------------


def test_suggestion_posted_on_the_page_is_shown_as_a_redline(
    en_client, editor, consultation, citizen
):
    stage = add_written_stage(
        editor, consultation, opens_at=timezone.now() - timedelta(minutes=1), now=timezone.now()
    )
    en_client.force_login(citizen)
    page = en_client.get(stage.get_absolute_url()).content.decode()
    assert "Do you suggest a change to the paragraph’s wording?" in page
    key = stage.revision.blocks[1]["key"]
    response = post(
        en_client,
        stage,
        block=key,
        text="Treizeci de zile e prea mult.",
        suggestion="replace",
        suggested_text="Autoritatea publică informează solicitanții în termen de 10 zile.",
    )
    assert response.status_code == 302
    html = en_client.get(response["Location"]).content.decode()
    assert "Suggested wording:" in html
    assert (
        "Autoritatea publică informează solicitanții în termen de <del>30 de</del><ins>10</ins> "
        "zile."
    ) in html
    assert "Treizeci de zile e prea mult." in html


def test_suggestion_without_a_paragraph_or_wording_refused_on_the_page(
    en_client, editor, open_stage, citizen
):
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Justificare.", suggestion="replace")
    assert response.status_code == 400
    html = page_text(response)
    assert "Choose the paragraph your suggestion rewrites." in html
    assert "Write the wording you suggest." in html
    assert comment_counts() == (0, 0, 0)


def test_identical_suggestion_refused_on_the_page_and_kept(en_client, editor, open_stage, citizen):
    en_client.force_login(citizen)
    key = open_stage.revision.blocks[1]["key"]
    response = post(
        en_client,
        open_stage,
        block=key,
        text="Justificare.",
        suggestion="replace",
        suggested_text=SECOND,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The suggested wording is the same as the text: change some words first." in html
    assert f"{SECOND}</textarea>" in html
    assert comment_counts() == (0, 0, 0)


def test_late_suggestion_refused_and_the_wording_shown_back(
    en_client, editor, consultation, citizen
):
    now = timezone.now()
    stage = stage_at(
        editor,
        consultation,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(seconds=1),
    )
    en_client.force_login(citizen)
    response = post(
        en_client,
        stage,
        block=first_block_key(stage),
        text="Justificarea mea.",
        suggestion="replace",
        suggested_text="Textul meu nou.",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert '<textarea id="kept-suggestion" rows="6" readonly>Textul meu nou.</textarea>' in html
    assert '<textarea id="kept-text" rows="8" readonly>Justificarea mea.</textarea>' in html
    assert comment_counts() == (0, 0, 0)


def test_suggestion_is_in_its_authors_personal_data(stage, citizen):
    from consultations.privacy import export_consultations

    suggest(citizen, stage, first_block_key(stage), "Textul meu nou.")
    exported = export_consultations(citizen)["comments"][0]
    assert (exported["suggestion"], exported["suggested_text"], exported["text"]) == (
        "replace",
        "Textul meu nou.",
        "Termenul e prea scurt.",
    )
