"""The pages of a questionnaire: the organisers' questions, answering and changing a response,
the results with their charts and tables, and the exports without names."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from consultations.domain import questionnaires as q
from consultations.models import Answer, HiddenAnswer, Question, QuestionnaireResponse
from core.models import ActivityLog
from tests.consultations.conftest import add_written_stage
from tests.factories import UserFactory
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db


def base(stage):
    return (
        f"/proposals/{stage.consultation.proposal.slug}/consultation/stages/{stage.position}/"
        "questionnaire/"
    )


def ask(editor, stage):
    """A choice question and a text question, added before the stage opened."""
    before = min(stage.opens_at, timezone.now()) - timedelta(minutes=1)
    one = q.add_question(
        editor, stage, kind="single", text="Sunteți de acord?", choices=["Da", "Nu"],
        required=True, now=before,
    )  # fmt: skip
    free = q.add_question(editor, stage, kind="text", text="De ce?", now=before)
    return one, free


@pytest.fixture
def scheduled(editor, consultation):
    now = timezone.now()
    return add_written_stage(editor, consultation, opens_at=now + timedelta(days=2), now=now)


@pytest.fixture
def asked_open(editor, open_stage):
    ask(editor, open_stage)
    return open_stage


@pytest.fixture
def asked_closed(editor, consultation):
    """A stage that ran from 12 days ago to 2 days ago, with its questions."""
    start = timezone.now() - timedelta(days=12)
    stage = add_written_stage(
        editor, consultation, opens_at=start, now=start - timedelta(days=1), title="Încheiată"
    )
    ask(editor, stage)
    return stage


def respond(user, stage, choice, text=""):
    one, free = q.questions_of(stage)
    return q.submit_response(
        user, stage, {one.pk: choice, free.pk: text}, now=stage.opens_at + timedelta(hours=1)
    )


# --- The organisers ----------------------------------------------------------------------------


def test_editor_adds_a_question_before_the_stage_opens(en_client, editor, scheduled):
    en_client.force_login(editor)
    url = base(scheduled) + "questions/"
    assert en_client.get(url).status_code == 200
    response = en_client.post(
        url,
        {"action": "add", "kind": "multiple", "text": "Ce folosiți?",
         "choices": "Autobuzul\r\n\r\nBicicleta\r\n", "required": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    question = Question.objects.get(stage=scheduled)
    assert (question.kind, question.text, question.choices, question.required) == (
        "multiple", "Ce folosiți?", ["Autobuzul", "Bicicleta"], True,
    )  # fmt: skip
    page = en_client.get(url).content.decode()
    assert "Remove question 1" in page
    response = en_client.post(url, {"action": "remove", "question": str(question.pk)})
    assert response.status_code == 302
    assert not Question.objects.exists()


def test_a_refused_question_keeps_what_was_typed(en_client, editor, scheduled):
    en_client.force_login(editor)
    response = en_client.post(
        base(scheduled) + "questions/",
        {"action": "add", "kind": "single", "text": "Întrebarea mea", "choices": "Singura"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A choice question needs at least 2 options, one per line." in page
    assert 'value="Întrebarea mea"' in page
    assert "Singura</textarea>" in page
    assert not Question.objects.exists()


def test_questions_are_frozen_on_the_page_once_the_stage_opens(en_client, editor, asked_open):
    en_client.force_login(editor)
    url = base(asked_open) + "questions/"
    page = en_client.get(url).content.decode()
    assert "The stage has opened: its questions are frozen." in page
    assert "Add the question" not in page
    response = en_client.post(url, {"action": "add", "kind": "text", "text": "Încă una"})
    assert response.status_code == 400
    assert Question.objects.filter(stage=asked_open).count() == 2


def test_only_the_organisers_see_the_questions_page(client, other_ngo_editor, asked_open):
    url = base(asked_open) + "questions/"
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(other_ngo_editor)
    assert client.get(url).status_code == 403


# --- Participants ------------------------------------------------------------------------------


def test_the_stage_page_links_to_the_questionnaire(en_client, asked_open, scheduled):
    page = en_client.get(asked_open.get_absolute_url()).content.decode()
    assert f'href="{base(asked_open)}">Answer the questionnaire</a>' in page
    page = en_client.get(scheduled.get_absolute_url()).content.decode()
    assert "Answer the questionnaire" not in page


def test_anonymous_visitor_is_asked_to_sign_in(en_client, asked_open):
    page = en_client.get(base(asked_open)).content.decode()
    assert "Sign in to answer the questionnaire" in page
    assert "Sunteți de acord?" in page
    response = en_client.post(base(asked_open), {})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_participant_answers_then_changes_the_response(en_client, asked_open, citizen):
    one, free = q.questions_of(asked_open)
    en_client.force_login(citizen)
    response = en_client.post(base(asked_open), {f"q{one.pk}": "0", f"q{free.pk}": "Pentru că"})
    assert response.status_code == 302
    page = en_client.get(base(asked_open)).content.decode()
    assert "Change my response" in page
    assert f'value="0" id="id_q{one.pk}_0" checked' in page.replace("required ", "")
    assert "Pentru că</textarea>" in page
    response = en_client.post(base(asked_open), {f"q{one.pk}": "1", f"q{free.pk}": ""})
    assert response.status_code == 302
    stored = QuestionnaireResponse.objects.get(stage=asked_open)
    assert stored.user == citizen
    assert list(stored.answers.values_list("choice", "text")) == [(1, "")]


def test_a_missing_required_answer_keeps_the_typed_text(en_client, asked_open, citizen):
    one, free = q.questions_of(asked_open)
    en_client.force_login(citizen)
    response = en_client.post(base(asked_open), {f"q{free.pk}": "Textul meu"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Textul meu</textarea>" in page
    response = en_client.post(base(asked_open), {f"q{one.pk}": "5"})
    assert response.status_code == 400
    assert not QuestionnaireResponse.objects.exists()


def test_after_the_stage_closes_the_response_is_shown_not_changed(en_client, asked_closed, citizen):
    respond(citizen, asked_closed, 1, "Așa cred")
    one, _free = q.questions_of(asked_closed)
    en_client.force_login(citizen)
    page = en_client.get(base(asked_closed)).content.decode()
    assert "The stage has closed: responses can no longer be sent or changed." in page
    assert "<dd>Nu</dd>" in page
    assert "<dd>Așa cred</dd>" in page
    response = en_client.post(base(asked_closed), {f"q{one.pk}": "0"})
    assert response.status_code == 400
    assert "The stage has closed" in response.content.decode()
    assert list(QuestionnaireResponse.objects.get().answers.values_list("choice", flat=True)) == [
        1,
        None,
    ]


def test_a_stage_without_questions_has_no_questionnaire_page(client, open_stage):
    assert client.get(base(open_stage)).status_code == 404
    assert client.get(base(open_stage) + "results/").status_code == 404


# --- Results and exports -----------------------------------------------------------------------


def test_results_wait_for_the_stage_to_close(en_client, asked_open, citizen, editor):
    respond(citizen, asked_open, 0, "Secret până la final")
    page = en_client.get(base(asked_open) + "results/").content.decode()
    assert "The results are published when the stage closes" in page
    assert "Secret până la final" not in page
    assert en_client.get(base(asked_open) + "responses.csv").status_code == 404
    en_client.force_login(editor)
    page = en_client.get(base(asked_open) + "results/").content.decode()
    assert "seen by the organisers only" in page
    assert "Secret până la final" in page


def test_results_page_shows_the_counts_and_the_texts(en_client, asked_closed):
    for n, choice in enumerate([0, 0, 1]):
        respond(UserFactory(), asked_closed, choice, f"Motivul {n}" if n != 1 else "")
    one, _free = q.questions_of(asked_closed)
    page = en_client.get(base(asked_closed) + "results/").content.decode()
    assert "<dt>Responses</dt><dd>3</dd>" in page
    assert '<tr><th scope="row">Da</th><td class="number">2</td></tr>' in page
    assert '<tr><th scope="row">Nu</th><td class="number">1</td></tr>' in page
    assert f'src="{base(asked_closed)}results/{one.pk}.svg"' in page
    assert "<li>Motivul 0</li>" in page
    assert "<li>Motivul 2</li>" in page
    chart = en_client.get(base(asked_closed) + f"results/{one.pk}.svg")
    assert chart["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "<desc>Responses: Da: 2; Nu: 1</desc>" in chart.content.decode()
    assert "default-src 'none'" in chart["Content-Security-Policy"]
    assert en_client.get(base(asked_closed) + "results/999999.svg").status_code == 404


def test_results_page_queries_do_not_grow_with_responses(client, asked_closed,
                                                         django_assert_num_queries):  # fmt: skip
    respond(UserFactory(), asked_closed, 0, "Unu")
    url = base(asked_closed) + "results/"
    client.get(url)  # warm the session and site caches
    with django_assert_num_queries(8) as one:
        client.get(url)
    for n in range(6):
        respond(UserFactory(), asked_closed, n % 2, f"Text {n}")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


def test_exports_list_every_response_without_names(en_client, asked_closed):
    citizen = UserFactory(display_name="Ion Vasile")
    respond(citizen, asked_closed, 1, "=SUM(A1)")
    respond(UserFactory(), asked_closed, 0)
    response = en_client.get(base(asked_closed) + "responses.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    assert "Ion Vasile" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "response",
        "respondent category",
        "first sent",
        "last changed",
        "1. Sunteți de acord?",
        "2. De ce?",
    ]
    # The category, and the days without the time of day: exact times would help tell who
    # answered what.
    day = timezone.localdate(asked_closed.opens_at + timedelta(hours=1)).isoformat()
    assert [row[:4] for row in rows[1:]] == [["1", "citizen", day, day], ["2", "citizen", day, day]]
    assert [row[4:] for row in rows[1:]] == [["Nu", "'=SUM(A1)"], ["Da", ""]]
    data = json.loads(en_client.get(base(asked_closed) + "responses.json").content)
    assert [x["text"] for x in data["questions"]] == ["Sunteți de acord?", "De ce?"]
    assert data["questions"][0]["options"] == ["Da", "Nu"]
    assert [r["answers"] for r in data["responses"]] == [
        {"1": "Nu", "2": "=SUM(A1)"}, {"1": "Da", "2": ""},
    ]  # fmt: skip
    assert [
        (r["response"], r["category"], r["submitted"], r["updated"]) for r in data["responses"]
    ] == [(1, "citizen", day, day), (2, "citizen", day, day)]
    assert "Ion Vasile" not in json.dumps(data, ensure_ascii=False)


def test_moderator_hides_a_free_text_answer_from_the_results_and_exports(
    en_client, asked_closed, moderator, editor
):
    respond(UserFactory(), asked_closed, 0, "Primarul e un incompetent.")
    respond(UserFactory(), asked_closed, 1, "Termenul e prea scurt.")
    offending = Answer.objects.get(text="Primarul e un incompetent.")
    results = base(asked_closed) + "results/"
    hide = f"{results}answers/{offending.pk}/hide/"
    # Only moderators: the organisation's editor may not, nor may anyone anonymous.
    assert en_client.get(hide).status_code == 302
    en_client.force_login(editor)
    assert en_client.get(hide).status_code == 403
    assert hide not in en_client.get(results).content.decode()
    en_client.force_login(moderator)
    assert f'href="{hide}"' in en_client.get(results).content.decode()
    # A reason is required; the form says so.
    refused = en_client.post(hide, {"reason": "  "})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    assert not HiddenAnswer.objects.exists()
    response = en_client.post(hide, {"reason": "Atac la persoană."})
    assert response.status_code == 302
    assert response["Location"] == results
    hidden = HiddenAnswer.objects.get()
    assert (hidden.response_id, hidden.question_id, hidden.reason, hidden.hidden_by) == (
        offending.response_id, offending.question_id, "Atac la persoană.", moderator,
    )  # fmt: skip
    log = ActivityLog.objects.get(verb="answer.hidden")
    assert (log.actor, log.data) == (moderator, {"reason": "Atac la persoană."})
    assert messages_of(en_client.get(results)) == ["The answer was hidden."]
    # Again: refused, with a message.
    again = en_client.post(hide, {"reason": "Atac la persoană."})
    assert again.status_code == 400
    assert "This answer is already hidden." in again.content.decode()
    assert HiddenAnswer.objects.count() == 1
    # Left out of the results page (for everyone) and of the exports.
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(results).content.decode()
    assert "Primarul" not in page
    assert "<li>Termenul e prea scurt.</li>" in page
    assert "1 text answer, listed below." in page
    csv_text = en_client.get(base(asked_closed) + "responses.csv").content.decode("utf-8-sig")
    assert "Primarul" not in csv_text
    assert [row[4:] for row in list(csv.reader(io.StringIO(csv_text)))[1:]] == [
        ["Da", ""], ["Nu", "Termenul e prea scurt."],
    ]  # fmt: skip
    data = json.loads(en_client.get(base(asked_closed) + "responses.json").content)
    assert [r["answers"] for r in data["responses"]] == [
        {"1": "Da", "2": ""}, {"1": "Nu", "2": "Termenul e prea scurt."},
    ]  # fmt: skip
