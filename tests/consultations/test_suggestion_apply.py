"""Suggestions of wording taken into the text (issue 16): answered like any comment, applied in a
new revision through the editor (merged into the current revision, with the conflict view when
the paragraph changed since), recorded and credited; shown in the synthesis and the exports."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from accounts import domain as accounts_domain
from consultations import domain, exports
from consultations.domain import queries
from consultations.models import AppliedSuggestion, Disposition, StageComment
from core.errors import DomainError, NotAllowed
from core.models import ActivityLog, AppendOnlyError
from proposals import domain as proposals_domain
from proposals.models import Revision
from tests.consultations.conftest import T0, add_written_stage
from tests.consultations.test_exports import pdf_text, read_csv
from tests.factories import AppliedSuggestionFactory
from tests.helpers import en_client_for, form_data, messages_of, save, text_block

pytestmark = pytest.mark.django_db

SECOND = "Autoritatea publică informează solicitanții în termen de 30 de zile."
SUGGESTED = "Autoritatea publică informează solicitanții în termen de 15 zile lucrătoare."


@pytest.fixture
def live_stage(editor, consultation):
    now = timezone.now()
    return add_written_stage(editor, consultation, opens_at=now - timedelta(minutes=1), now=now)


@pytest.fixture
def suggestion(live_stage, citizen):
    return domain.post_comment(
        citizen,
        live_stage,
        text="Treizeci de zile e prea mult.",
        stance="oppose",
        block_key=live_stage.revision.blocks[1]["key"],
        suggestion="replace",
        suggested_text=SUGGESTED,
    )


def apply_url(comment):
    return f"/comments/{comment.pk}/apply/"


def test_answer_page_shows_the_redline_and_the_way_to_apply(editor, suggestion):
    browser = en_client_for(editor)
    html = browser.get(f"/comments/{suggestion.pk}/answer/").content.decode()
    assert "Suggested wording:" in html
    assert "<del>30 de</del><ins>15</ins> zile<ins> lucrătoare</ins>." in html
    assert f'href="{apply_url(suggestion)}"' in html
    answers = browser.get(
        f"/proposals/legea-350/consultation/stages/{suggestion.stage.position}/answers/"
    ).content.decode()
    assert "<del>30 de</del><ins>15</ins>" in answers
    assert f'href="{apply_url(suggestion)}"' in answers


def test_suggestion_rejected_like_a_comment(editor, suggestion):
    domain.set_disposition(editor, suggestion, outcome="rejected", reason="Termenul rămâne.")
    answer = Disposition.objects.get(comment=suggestion)
    assert (answer.outcome, answer.reason, answer.applied_in) == (
        "rejected",
        "Termenul rămâne.",
        None,
    )
    with pytest.raises(DomainError) as refusal:
        domain.check_applicable(suggestion)
    assert refusal.value.code == "answered"
    html = en_client_for(editor).get(f"/comments/{suggestion.pk}/answer/").content.decode()
    assert apply_url(suggestion) not in html


def test_accepting_opens_the_editor_with_the_suggestion_and_saving_credits_it(
    editor, suggestion, citizen
):
    proposal = suggestion.stage.consultation.proposal
    browser = en_client_for(editor)
    page = browser.get(apply_url(suggestion))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Applying the wording suggested in comment #{suggestion.pk}" in html
    assert [text.strip() for text in form_data(page)["blocks-1-text"]] == [SUGGESTED]
    assert "both changed" not in html
    response = browser.post(apply_url(suggestion), form_data(page, message="Termen mai scurt"))
    revision = Revision.objects.get(proposal=proposal, number=3)
    assert response["Location"] == revision.get_absolute_url()
    assert [block["text"] for block in revision.blocks] == [
        "Finanțările nerambursabile se acordă prin selecție publică de proiecte.",
        SUGGESTED,
        "Contractul de finanțare se publică pe pagina de internet a autorității.",
    ]
    # In the language of the proposal's text, as stored messages are.
    assert revision.message == (
        f"Termen mai scurt Include formularea propusă în comentariul nr. {suggestion.pk}."
    )
    assert list(AppliedSuggestion.objects.values_list("revision", "comment", "applied_by")) == [
        (revision.pk, suggestion.pk, editor.pk)
    ]
    answer = Disposition.objects.get(comment=suggestion)
    assert (answer.outcome, answer.reason, answer.applied_in) == (
        "accepted",
        "Formularea propusă a fost preluată în versiunea 3.",
        revision,
    )
    assert ActivityLog.objects.filter(verb="suggestion.applied", new_value="3").count() == 1
    assert f"The wording suggested in comment #{suggestion.pk} is applied in revision 3." in (
        messages_of(response)
    )
    shown = browser.get(revision.get_absolute_url()).content.decode()
    assert "Suggestions of wording it applies:" in shown
    assert f"Ion Vasile (comment #{suggestion.pk})" in shown
    # Applied once: a second attempt is refused.
    again = browser.get(apply_url(suggestion))
    assert again.status_code == 302
    assert "This suggestion was already applied in revision 3." in messages_of(again)


def test_accepted_answer_keeps_its_reason_and_gets_the_revision(editor, suggestion):
    domain.set_disposition(editor, suggestion, outcome="partially", reason="În parte.")
    browser = en_client_for(editor)
    page = browser.get(apply_url(suggestion))
    browser.post(apply_url(suggestion), form_data(page))
    answer = Disposition.objects.get(comment=suggestion)
    assert (answer.outcome, answer.reason, answer.applied_in.number) == (
        "partially",
        "În parte.",
        3,
    )


def test_block_changed_since_the_pinned_revision_shows_the_conflict(editor, suggestion):
    proposal = suggestion.stage.consultation.proposal
    pinned = suggestion.revision
    key = pinned.blocks[1]["key"]
    changed = "Autoritatea publică informează solicitanții în termen de 20 de zile."
    save(
        editor,
        proposal,
        [pinned.blocks[0], text_block(key, changed), pinned.blocks[2]],
    )
    browser = en_client_for(editor)
    page = browser.get(apply_url(suggestion))
    html = page.content.decode()
    assert "This paragraph changed after revision 2" in html
    assert f'<input type="hidden" name="conflict" value="{key}">' in html
    assert f'name="resolve-{key}" id="resolve-{key}-theirs" value="theirs"' in html
    # Without a choice nothing is saved.
    refused = browser.post(apply_url(suggestion), form_data(page))
    assert refused.status_code == 400
    assert proposal.revisions.count() == 3
    response = browser.post(apply_url(suggestion), form_data(page, **{f"resolve-{key}": "mine"}))
    assert response.status_code == 302
    revision = Revision.objects.get(proposal=proposal, number=4)
    assert revision.block(key)["text"] == SUGGESTED
    assert AppliedSuggestion.objects.get().revision == revision


def test_unchanged_block_merges_with_other_changes_since(editor, suggestion):
    proposal = suggestion.stage.consultation.proposal
    pinned = suggestion.revision
    first = pinned.blocks[0]["key"]
    save(editor, proposal, [text_block(first, "Primul bloc, schimbat."), *pinned.blocks[1:]])
    current, draft = domain.suggestion_draft(suggestion)
    assert (current.number, draft.conflicts) == (3, [])
    assert [block["text"] for block in draft.blocks] == [
        "Primul bloc, schimbat.",
        SUGGESTED,
        "Contractul de finanțare se publică pe pagina de internet a autorității.",
    ]


def test_outsider_and_citizen_cannot_apply(outsider, citizen, suggestion, other_ngo_editor):
    for person in (outsider, citizen, other_ngo_editor):
        response = en_client_for(person).get(apply_url(suggestion))
        assert response.status_code == 403
        assert en_client_for(person).post(apply_url(suggestion), {}).status_code == 403
    current, draft = domain.suggestion_draft(suggestion)
    with pytest.raises(NotAllowed):
        domain.save_suggestion(
            citizen,
            suggestion,
            base_number=current.number,
            title=draft.title,
            summary=draft.summary,
            blocks=draft.blocks,
            message="",
        )
    assert AppliedSuggestion.objects.count() == 0
    assert suggestion.stage.consultation.proposal.revisions.count() == 2


def test_plain_comment_cannot_be_applied(editor, live_stage, citizen):
    comment = domain.post_comment(citizen, live_stage, text="Doar un comentariu.", stance="neutral")
    response = en_client_for(editor).get(apply_url(comment))
    assert response.status_code == 302
    assert "This comment suggests no wording." in messages_of(response)


# --- Synthesis, exports, API --------------------------------------------------------------------


def test_synthesis_rows_carry_the_suggestion_and_its_answer(editor, suggestion):
    domain.set_disposition(editor, suggestion, outcome="rejected", reason="Termenul rămâne.")
    (row,) = queries.synthesis_rows(suggestion.stage)
    assert (
        row["suggestion"],
        row["suggested_from"],
        row["suggested_text"],
        row["outcome"],
        row["reason"],
    ) == ("replace", SECOND, SUGGESTED, "rejected", "Termenul rămâne.")
    html = (
        en_client_for(editor)
        .get(f"/proposals/legea-350/consultation/stages/{suggestion.stage.position}/synthesis/")
        .content.decode()
    )
    assert "<del>30 de</del><ins>15</ins> zile<ins> lucrătoare</ins>." in html


def test_legal_table_shows_the_suggested_wording():
    layout = exports.layout_for("ro")
    row = {
        "number": 1,
        "author": "Ion Vasile",
        "block": "§2",
        "shown": True,
        "quote": "",
        "text": "Treizeci de zile e prea mult.",
        "suggestion": "replace",
        "suggested_from": SECOND,
        "suggested_text": SUGGESTED,
        "outcome": "accepted",
        "applied_in": 3,
        "reason": "Preluat.",
    }
    assert exports.legal_row(row, layout)[3:5] == [
        f"Formulare propusă: „{SUGGESTED}”\nTreizeci de zile e prea mult.",
        "Acceptată (preluată în versiunea 3)",
    ]
    html = exports.legal_row(row, exports.layout_for("bg"), html=True)[3]
    assert html == (
        "Предложена редакция:\nAutoritatea publică informează solicitanții în termen de "
        "<del>30 de</del><ins>15</ins> zile<ins> lucrătoare</ins>.\n"
        "Treizeci de zile e prea mult."
    )


def test_comments_export_has_the_suggested_text(editor, suggestion):
    records = list(exports.comment_records(suggestion.stage))
    assert [
        (r["id"], r["suggestion"], r["suggested_from"], r["suggested_text"]) for r in records
    ] == [(suggestion.pk, "replace", SECOND, SUGGESTED)]
    document = json.loads(b"".join(exports.comments_json(suggestion.stage)))
    assert document["comments"][0]["suggested_text"] == SUGGESTED
    with translation.override("en"):
        csv_text = b"".join(exports.comments_csv(suggestion.stage)).decode("utf-8-sig")
    header = csv_text.splitlines()[0]
    assert header.endswith(
        ",Suggested change (code),Text the suggestion replaces,Suggested wording"
    )
    assert SUGGESTED in csv_text.splitlines()[1]


def test_hidden_suggestion_keeps_no_words_in_the_export(editor, suggestion, moderator):
    domain.hide_comment(moderator, suggestion, "Limbaj nepotrivit.")
    (record,) = exports.comment_records(suggestion.stage)
    assert (record["suggestion"], record["suggested_from"], record["suggested_text"]) == (
        "replace",
        "",
        "",
    )


def test_erased_author_is_named_nowhere_on_the_revision(client, editor, suggestion, citizen):
    """The stored message credits the comment by number only: once its author erases their
    account, neither the revision page nor the API names them."""
    current, draft = domain.suggestion_draft(suggestion)
    revision = domain.save_suggestion(
        editor,
        suggestion,
        base_number=current.number,
        title=draft.title,
        summary=draft.summary,
        blocks=draft.blocks,
        message="",
    )
    assert revision.message == f"Include formularea propusă în comentariul nr. {suggestion.pk}."
    page = en_client_for(editor).get(revision.get_absolute_url()).content.decode()
    assert f"Ion Vasile (comment #{suggestion.pk})" in page
    accounts_domain.delete_account(citizen)
    page = en_client_for(editor).get(revision.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/proposals/legea-350/revisions/{revision.number}/")
    assert "Ion Vasile" not in page
    assert f"Deleted account (comment #{suggestion.pk})" in page
    assert "Ion Vasile" not in api.content.decode()
    assert api.json()["message"] == revision.message


def test_api_shows_the_suggestion_and_the_revision_applying_it(client, editor, suggestion):
    current, draft = domain.suggestion_draft(suggestion)
    revision = domain.save_suggestion(
        editor,
        suggestion,
        base_number=current.number,
        title=draft.title,
        summary=draft.summary,
        blocks=draft.blocks,
        message="",
    )
    comments = client.get(
        f"/api/v1/proposals/legea-350/consultation/stages/{suggestion.stage.position}/comments/"
    ).json()
    (found,) = [c for c in comments["results"] if c["id"] == suggestion.pk]
    assert (found["suggestion"], found["suggested_from"], found["suggested_text"]) == (
        "replace",
        SECOND,
        SUGGESTED,
    )
    shown = client.get(f"/api/v1/proposals/legea-350/revisions/{revision.number}/").json()
    assert shown["applied_suggestions"] == [
        {
            "comment_id": suggestion.pk,
            "comment_url": f"http://testserver/comments/{suggestion.pk}/",
        }
    ]
    assert StageComment.objects.get(pk=suggestion.pk).applications.get().revision == revision


def test_published_synthesis_shows_the_suggestion_in_the_legal_table_and_pdf(
    client, editor, stage, citizen
):
    comment = domain.post_comment(
        citizen,
        stage,
        text="Treizeci de zile e prea mult.",
        stance="oppose",
        block_key=stage.revision.blocks[1]["key"],
        suggestion="replace",
        suggested_text=SUGGESTED,
        now=T0 + timedelta(hours=1),
    )
    domain.set_disposition(editor, comment, outcome="rejected", reason="Termenul rămâne.")
    domain.publish_synthesis(editor, stage, now=stage.closes_at + timedelta(days=1))
    url = f"/proposals/legea-350/consultation/stages/{stage.position}/synthesis"
    assert read_csv(client.get(f"{url}.csv"))[1][3:6] == [
        f"Formulare propusă: „{SUGGESTED}”\nTreizeci de zile e prea mult.",
        "Respinsă",
        "Termenul rămâne.",
    ]
    text = pdf_text(client.get(f"{url}.pdf"))
    assert "Formulare propusă:" in text
    assert "15 zile lucrătoare" in text
    assert "Respinsă" in text
    page = client.get(f"{url}/").content.decode()
    assert "<del>30 de</del><ins>15</ins> zile<ins> lucrătoare</ins>." in page


def test_suggestion_on_a_withdrawn_proposal_cannot_be_applied(editor, suggestion):
    proposal = suggestion.stage.consultation.proposal
    proposals_domain.withdraw_proposal(editor, proposal, "Retrasă de organizație.")
    assert en_client_for(editor).get(apply_url(suggestion)).status_code == 403
    html = en_client_for(editor).get(f"/comments/{suggestion.pk}/answer/").content.decode()
    assert apply_url(suggestion) not in html


def test_applied_suggestions_are_append_only(db):
    applied = AppliedSuggestionFactory()
    with pytest.raises(AppendOnlyError):
        applied.save()
    with pytest.raises(AppendOnlyError):
        AppliedSuggestion.objects.filter(pk=applied.pk).update(applied_by=applied.comment.user)
    with pytest.raises(AppendOnlyError):
        applied.delete()
    assert AppliedSuggestion.objects.get().applied_by == applied.revision.author
