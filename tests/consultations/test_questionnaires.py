"""Questionnaires, through the domain: questions written before the stage opens and frozen
after, one response per participant changed until the stage closes, the results counted from
the answer rows, and the responses in the data export and erasure."""

from datetime import UTC, timedelta

import pytest
from django.utils import translation

from consultations.domain import questionnaires as q
from consultations.models import Answer, Question, QuestionnaireResponse
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.models import ActivityLog
from core.privacy import erase_user_data, export_user_data
from tests.consultations.conftest import T0, add_written_stage
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

BEFORE = T0 - timedelta(hours=1)
DURING = T0 + timedelta(days=2)
AFTER = T0 + timedelta(days=11)


@pytest.fixture
def asked(editor, stage):
    """The stage (open from T0 for 10 days) with four questions, one of each kind."""
    q.add_question(
        editor, stage, kind="single", text="Sunteți de acord cu proiectul?",
        choices=["Da", "Nu", "Nu știu"], required=True, now=BEFORE,
    )  # fmt: skip
    q.add_question(
        editor, stage, kind="multiple", text="Ce servicii folosiți?",
        choices=["Transport", "Parcuri", "Biblioteci"], now=BEFORE,
    )  # fmt: skip
    q.add_question(
        editor, stage, kind="scale", text="Cât de util vi se pare?", scale_min=1, scale_max=5,
        min_label="deloc", max_label="foarte", now=BEFORE,
    )  # fmt: skip
    q.add_question(editor, stage, kind="text", text="Alte observații", now=BEFORE)
    return stage


def ids(stage):
    return [question.pk for question in q.questions_of(stage)]


def answer(user, stage, single=0, multiple=(), scale=None, text="", now=DURING):
    one, many, scaled, free = ids(stage)
    return q.submit_response(
        user, stage, {one: single, many: list(multiple), scaled: scale, free: text}, now=now
    )


# --- Questions ---------------------------------------------------------------------------------


def test_add_question_numbers_them_and_keeps_tidy_options(asked):
    questions = q.questions_of(asked)
    assert [(x.position, x.kind) for x in questions] == [
        (1, "single"), (2, "multiple"), (3, "scale"), (4, "text"),
    ]  # fmt: skip
    assert questions[0].choices == ["Da", "Nu", "Nu știu"]
    assert questions[0].required is True
    assert questions[2].options() == [
        (1, "1 — deloc"), (2, "2"), (3, "3"), (4, "4"), (5, "5 — foarte"),
    ]  # fmt: skip
    assert questions[3].choices == []
    assert ActivityLog.objects.filter(verb="question.added").count() == 4


def test_add_question_drops_empty_lines_of_options(editor, stage):
    question = q.add_question(
        editor, stage, kind="multiple", text="Ce?", choices=["  A ", "", "B"], now=BEFORE
    )
    assert question.choices == ["A", "B"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "single", "choices": ["Doar una"]}, "choices"),
        ({"kind": "single", "choices": ["Da", "da"]}, "choices"),
        ({"kind": "multiple", "choices": [str(n) for n in range(21)]}, "choices"),
        ({"kind": "scale", "scale_min": 2, "scale_max": 5}, "scale"),
        ({"kind": "scale", "scale_min": 1, "scale_max": 1}, "scale"),
        ({"kind": "scale", "scale_min": 1, "scale_max": 11}, "scale"),
        ({"kind": "ranking"}, "kind"),
    ],
)
def test_add_question_refuses_a_malformed_question(editor, stage, fields, code):
    with pytest.raises(DomainError) as refusal:
        q.add_question(editor, stage, text="Întrebare", now=BEFORE, **fields)
    assert refusal.value.code == code
    assert not Question.objects.exists()


def test_questions_are_frozen_once_the_stage_opens(editor, asked):
    with pytest.raises(InvalidTransition) as refusal:
        q.add_question(editor, asked, kind="text", text="Încă una", now=T0)
    assert refusal.value.code == "opened"
    question = q.questions_of(asked)[0]
    with pytest.raises(InvalidTransition):
        q.remove_question(editor, question, now=DURING)
    assert Question.objects.filter(stage=asked).count() == 4


def test_remove_question_moves_the_later_ones_up(editor, asked):
    q.remove_question(editor, q.questions_of(asked)[1], now=BEFORE)
    assert [(x.position, x.text) for x in q.questions_of(asked)] == [
        (1, "Sunteți de acord cu proiectul?"), (2, "Cât de util vi se pare?"),
        (3, "Alte observații"),
    ]  # fmt: skip


def test_only_the_authors_editors_write_questions(stage, other_ngo_editor, citizen):
    for person in (other_ngo_editor, citizen):
        with pytest.raises(NotAllowed):
            q.add_question(person, stage, kind="text", text="Întrebare", now=BEFORE)
    assert not Question.objects.exists()


def test_a_meeting_has_no_questionnaire(editor, consultation):
    from consultations import domain

    meeting = domain.add_stage(
        editor, consultation, kind="meeting", title="Dezbatere", opens_at=T0,
        closes_at=T0 + timedelta(hours=2), meeting_at=T0, now=BEFORE,
    )  # fmt: skip
    with pytest.raises(DomainError) as refusal:
        q.add_question(editor, meeting, kind="text", text="Întrebare", now=BEFORE)
    assert refusal.value.code == "kind"


# --- Responses ---------------------------------------------------------------------------------


def test_submit_response_stores_one_row_per_answer(asked, citizen):
    response, created = answer(citizen, asked, single=1, multiple=[2, 0], scale=4, text=" Bine ")
    assert created is True
    one, many, scaled, free = ids(asked)
    rows = set(
        Answer.objects.filter(response=response).values_list("question_id", "choice", "value",
                                                              "text")
    )  # fmt: skip
    assert rows == {
        (one, 1, None, ""), (many, 0, None, ""), (many, 2, None, ""), (scaled, None, 4, ""),
        (free, None, None, "Bine"),
    }  # fmt: skip
    assert (response.submitted_at, response.updated_at) == (DURING, DURING)
    assert response.category == "citizen"
    assert ActivityLog.objects.filter(verb="questionnaire.answered").count() == 1


def test_a_second_sending_changes_the_same_response(asked, citizen):
    first, _created = answer(citizen, asked, single=0, multiple=[0, 1], scale=2, text="Prima")
    later = DURING + timedelta(days=1)
    second, created = answer(citizen, asked, single=2, scale=5, now=later)
    assert created is False
    assert second.pk == first.pk
    assert QuestionnaireResponse.objects.filter(stage=asked).count() == 1
    second.refresh_from_db()
    assert (second.submitted_at, second.updated_at) == (DURING, later)
    assert set(second.answers.values_list("choice", "value", "text")) == {
        (2, None, ""),
        (None, 5, ""),
    }
    assert ActivityLog.objects.filter(verb="questionnaire.changed").count() == 1


def test_a_closed_stage_keeps_the_response_as_sent(asked, citizen):
    response, _created = answer(citizen, asked, single=0, text="Păstrat")
    with pytest.raises(InvalidTransition) as refusal:
        answer(citizen, asked, single=1, now=AFTER)
    assert refusal.value.code == "closed"
    assert set(response.answers.values_list("choice", "text")) == {(None, "Păstrat"), (0, "")}
    data = q.answers_as_data(q.response_of(citizen, asked), q.questions_of(asked))
    assert data == {ids(asked)[0]: 0, ids(asked)[3]: "Păstrat"}


def test_a_scheduled_stage_takes_no_response(asked, citizen):
    with pytest.raises(InvalidTransition) as refusal:
        answer(citizen, asked, now=BEFORE)
    assert refusal.value.code == "scheduled"
    assert not QuestionnaireResponse.objects.exists()


def test_a_required_question_left_empty_is_refused_and_nothing_written(asked, citizen):
    with pytest.raises(DomainError) as refusal:
        answer(citizen, asked, single=None, scale=3)
    assert refusal.value.code == "required"
    assert "Sunteți de acord cu proiectul?" in refusal.value.message
    assert not QuestionnaireResponse.objects.exists()
    assert not Answer.objects.exists()


@pytest.mark.parametrize(("single", "multiple", "scale"), [(3, (), None), (0, (7,), None),
                                                           (0, (), 6), (0, (), 0)])  # fmt: skip
def test_an_option_or_value_that_does_not_exist_is_refused(asked, citizen, single, multiple, scale):
    with pytest.raises(DomainError):
        answer(citizen, asked, single=single, multiple=multiple, scale=scale)
    assert not QuestionnaireResponse.objects.exists()


def test_someone_without_a_confirmed_email_cannot_answer(asked):
    person = UserFactory(verified_email=False)
    with pytest.raises(NotAllowed):
        answer(person, asked)
    assert not QuestionnaireResponse.objects.exists()


def test_a_stage_without_questions_takes_no_response(editor, consultation, citizen):
    bare = add_written_stage(editor, consultation, opens_at=T0, title="Fără întrebări")
    with pytest.raises(DomainError) as refusal:
        q.submit_response(citizen, bare, {}, now=DURING)
    assert refusal.value.code == "no_questions"


# --- Results ---------------------------------------------------------------------------------


def test_results_equal_the_answer_rows(asked):
    people = [UserFactory() for _ in range(5)]
    ProfileFactory(user=people[0], respondent_category="ngo")
    sent = [
        (0, [0, 1], 5, "Text unu"),
        (0, [1], 4, ""),
        (1, [], 4, "Text doi"),
        (2, [0, 1, 2], None, ""),
        (0, [2], 1, "Text trei"),
    ]
    for person, (single, multiple, scale, text) in zip(people, sent, strict=True):
        answer(person, asked, single=single, multiple=multiple, scale=scale, text=text)
    with translation.override("en"):
        result = q.results(asked)
        rows = result.rows()
    assert result.responses == 5 == QuestionnaireResponse.objects.filter(stage=asked).count()
    assert result.categories == [("citizen", "Citizen", 4),
                                 ("ngo", "Non-governmental organisation", 1)]  # fmt: skip
    single, multiple, scale, text = result.questions
    assert single.counts == [(0, "Da", 3), (1, "Nu", 1), (2, "Nu știu", 1)]
    assert multiple.counts == [(0, "Transport", 2), (1, "Parcuri", 3), (2, "Biblioteci", 2)]
    assert scale.counts == [(1, "1 — deloc", 1), (2, "2", 0), (3, "3", 0), (4, "4", 2),
                            (5, "5 — foarte", 1)]  # fmt: skip
    assert [(x.answered, text.texts) for x in result.questions] == [(5, 3), (4, 3), (4, 3),
                                                                     (3, 3)]  # fmt: skip
    # Every count is the number of its rows.
    for item in (single, multiple):
        for value, _label, count in item.counts:
            assert count == Answer.objects.filter(question=item.question, choice=value).count()
    for value, _label, count in scale.counts:
        assert count == Answer.objects.filter(question=scale.question, value=value).count()
    assert [a.text for a in q.text_answers(asked)] == ["Text unu", "Text doi", "Text trei"]
    assert rows[:3] == [
        (0, "Responses", "", "", 5),
        (1, "Sunteți de acord cu proiectul?", "", "Answered the question", 5),
        (1, "Sunteți de acord cu proiectul?", 0, "Da", 3),
    ]


def test_results_are_public_once_the_stage_closes(asked, editor, citizen):
    def visible(user, now):
        try:
            q.check_results_visible(user, asked, now)
        except InvalidTransition:
            return False
        return True

    assert not visible(citizen, DURING)
    assert visible(editor, DURING)
    assert not visible(editor, BEFORE)
    assert visible(citizen, AFTER)


# --- Personal data -----------------------------------------------------------------------------


def test_the_responses_are_in_the_data_export(asked, citizen):
    answer(citizen, asked, single=1, multiple=[0], scale=3, text="Părerea mea")
    exported = export_user_data(citizen)["questionnaires"]
    assert exported == [
        {
            "proposal": "legea-350",
            "stage": asked.position,
            "stage_title": "Recomandări scrise",
            "category": "citizen",
            "sent": DURING.astimezone(UTC).isoformat(),
            "changed": DURING.astimezone(UTC).isoformat(),
            "answers": [
                {"question": 1, "question_text": "Sunteți de acord cu proiectul?", "answer": "Nu"},
                {"question": 2, "question_text": "Ce servicii folosiți?", "answer": "Transport"},
                {"question": 3, "question_text": "Cât de util vi se pare?", "answer": "3"},
                {"question": 4, "question_text": "Alte observații", "answer": "Părerea mea"},
            ],
        }
    ]


def test_erasure_keeps_the_counts_and_drops_the_person_and_their_texts(asked, citizen, citizen2):
    answer(citizen, asked, single=1, multiple=[0], scale=3, text="Mă numesc Ion")
    answer(citizen2, asked, single=0, text="Rămâne")
    before = q.results(asked)
    erase_user_data(citizen)
    response = QuestionnaireResponse.objects.get(stage=asked, category="citizen",
                                                 submitted_at=DURING, user=None)  # fmt: skip
    assert not response.answers.filter(text="Mă numesc Ion").exists()
    after = q.results(asked)
    assert [x.counts for x in after.questions] == [x.counts for x in before.questions]
    assert [x.answered for x in after.questions] == [x.answered for x in before.questions]
    assert after.responses == 2
    assert [a.text for a in q.text_answers(asked)] == ["Rămâne"]
    assert export_user_data(citizen2)["questionnaires"][0]["answers"][-1]["answer"] == "Rămâne"
