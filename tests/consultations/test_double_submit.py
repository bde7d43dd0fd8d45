"""A form sent twice does its work once (core.idempotency): a double click, a duplicated tab or
a resend after a timeout lands on the first result. The token is the form's own: a form sent
with another token is another comment."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from consultations.models import Disposition, Flag, Stage, StageComment
from core.idempotency import new_token
from core.models import ActivityLog, PostedForm
from tests.consultations.page_helpers import comment
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db


def stage_url(stage):
    return f"/proposals/{stage.consultation.proposal.slug}/consultation/stages/{stage.position}/"


def test_the_comment_form_carries_a_fresh_token_each_time(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    first = en_client.get(stage_url(open_stage)).content.decode()
    second = en_client.get(stage_url(open_stage)).content.decode()
    assert 'name="form_token"' in first
    token = first.split('name="form_token" value="')[1][:32]
    assert token not in second


def test_a_comment_sent_twice_is_stored_once(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    data = {"text": "Susțin propunerea.", "stance": "support", "form_token": new_token()}
    first = en_client.post(stage_url(open_stage) + "comment/", data)
    second = en_client.post(stage_url(open_stage) + "comment/", data)
    made = StageComment.objects.get()
    assert (first.status_code, second.status_code) == (302, 302)
    assert (
        first["Location"]
        == second["Location"]
        == (f"{stage_url(open_stage)}?page=1#comment-{made.pk}")
        or first["Location"] == second["Location"]
    )
    assert messages_of(second)[-1] == "Your comment was published."
    assert ActivityLog.objects.filter(verb="comment.posted").count() == 1
    assert PostedForm.objects.get().result == made


def test_a_resend_after_the_stage_closed_lands_on_the_published_comment(
    en_client, open_stage, citizen
):
    """Sent just before the deadline and again (a retry, a second click) just after: the
    second sending is the first one's result, not a refusal of a comment already published."""
    en_client.force_login(citizen)
    data = {"text": "La limită.", "stance": "support", "form_token": new_token()}
    first = en_client.post(stage_url(open_stage) + "comment/", data)
    Stage.objects.filter(pk=open_stage.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    second = en_client.post(stage_url(open_stage) + "comment/", data)
    made = StageComment.objects.get()
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"]
    assert second["Location"].endswith(f"#comment-{made.pk}")
    assert ActivityLog.objects.filter(verb="comment.posted").count() == 1


def test_two_forms_are_two_comments(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    for _n in range(2):
        en_client.post(
            stage_url(open_stage) + "comment/",
            {"text": "Același text.", "stance": "neutral", "form_token": new_token()},
        )
    assert StageComment.objects.count() == 2


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_token(
    en_client, open_stage, citizen
):
    en_client.force_login(citizen)
    token = new_token()
    refused = en_client.post(
        stage_url(open_stage) + "comment/",
        {"text": "Text cu\x00NUL", "stance": "neutral", "form_token": token},
    )
    assert refused.status_code == 400
    assert not PostedForm.objects.exists()
    accepted = en_client.post(
        stage_url(open_stage) + "comment/",
        {"text": "Text corectat.", "stance": "neutral", "form_token": token},
    )
    assert accepted.status_code == 302
    assert list(StageComment.objects.values_list("comment", flat=True)) == ["Text corectat."]


def test_another_persons_token_does_not_stand_for_their_comment(
    en_client, open_stage, citizen, citizen2
):
    token = new_token()
    en_client.force_login(citizen)
    en_client.post(
        stage_url(open_stage) + "comment/",
        {"text": "Primul.", "stance": "neutral", "form_token": token},
    )
    other = Client()
    other.force_login(citizen2)
    other.post(
        stage_url(open_stage) + "comment/",
        {"text": "Al doilea.", "stance": "neutral", "form_token": token},
    )
    assert sorted(StageComment.objects.values_list("comment", flat=True)) == [
        "Al doilea.",
        "Primul.",
    ]


def test_a_reply_sent_twice_is_stored_once(en_client, open_stage, citizen, citizen2):
    parent = comment(citizen, open_stage, text="Părinte")
    en_client.force_login(citizen2)
    data = {"text": "Răspuns", "form_token": new_token()}
    first = en_client.post(f"/comments/{parent.pk}/reply/", data)
    second = en_client.post(f"/comments/{parent.pk}/reply/", data)
    assert first["Location"] == second["Location"]
    assert StageComment.objects.filter(parent_id=parent.pk, level=1).count() == 1


def test_a_flag_sent_twice_is_recorded_once_and_thanked_twice(
    en_client, open_stage, citizen, citizen2
):
    flagged = comment(citizen, open_stage, text="De verificat")
    en_client.force_login(citizen2)
    data = {"reason": "abuse", "note": "", "form_token": new_token()}
    first = en_client.post(f"/comments/{flagged.pk}/flag/", data)
    second = en_client.post(f"/comments/{flagged.pk}/flag/", data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert messages_of(second)[-1] == "Thank you. A moderator will look at this comment."
    assert Flag.objects.filter(comment=flagged).count() == 1


def test_an_answer_sent_twice_is_logged_once(en_client, open_stage, editor, citizen):
    answered = comment(citizen, open_stage, text="O observație")
    en_client.force_login(editor)
    data = {"outcome": "rejected", "reason": "Nu se aplică.", "form_token": new_token()}
    url = f"/comments/{answered.pk}/answer/"
    first = en_client.post(url, data)
    second = en_client.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Disposition.objects.get(comment=answered).outcome == "rejected"
    assert ActivityLog.objects.filter(verb="disposition.set").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_sends_of_one_form_store_one_comment(open_stage, citizen):
    """The second insert of the token waits for the first transaction, then finds its row."""
    data = {"text": "Dublu clic.", "stance": "neutral", "form_token": new_token()}
    url = stage_url(open_stage) + "comment/"
    start = threading.Barrier(2)
    results = []

    def send():
        client = Client()
        client.force_login(citizen)
        start.wait()
        try:
            results.append(client.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(response.status_code for response in results) == [302, 302]
    assert results[0]["Location"] == results[1]["Location"]
    assert StageComment.objects.filter(comment="Dublu clic.").count() == 1


def test_the_same_form_edited_and_sent_again_is_a_new_sending(en_client, open_stage, citizen):
    """Back (or a duplicated tab), change the text, send: not a repeat of the first."""
    en_client.force_login(citizen)
    token = new_token()
    for text in ("Primul text.", "Alt text, corectat."):
        en_client.post(
            stage_url(open_stage) + "comment/",
            {"text": text, "stance": "neutral", "form_token": token},
        )
    assert sorted(StageComment.objects.values_list("comment", flat=True)) == [
        "Alt text, corectat.",
        "Primul text.",
    ]


def test_an_answer_changed_and_sent_with_the_same_token_is_saved(
    en_client, open_stage, editor, citizen
):
    answered = comment(citizen, open_stage, text="O observație")
    en_client.force_login(editor)
    token = new_token()
    url = f"/comments/{answered.pk}/answer/"
    en_client.post(url, {"outcome": "rejected", "reason": "Nu.", "form_token": token})
    en_client.post(url, {"outcome": "accepted", "reason": "Da, preluat.", "form_token": token})
    disposition = Disposition.objects.get(comment=answered)
    assert (disposition.outcome, disposition.reason) == ("accepted", "Da, preluat.")


def test_a_token_sent_to_another_comments_form_does_not_stand_for_it(
    en_client, open_stage, editor, citizen
):
    first = comment(citizen, open_stage, text="Primul")
    second = comment(citizen, open_stage, text="Al doilea")
    en_client.force_login(editor)
    token = new_token()
    data = {"outcome": "rejected", "reason": "Nu.", "form_token": token}
    en_client.post(f"/comments/{first.pk}/answer/", data)
    en_client.post(f"/comments/{second.pk}/answer/", data)
    assert Disposition.objects.filter(comment__in=[first, second]).count() == 2
