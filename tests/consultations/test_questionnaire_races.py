"""Two first sendings of the same questionnaire by the same person at once, on PostgreSQL:
`submit_response` locks the stage's row first, so the second waits, then finds the first
response and changes it: one response, with the answers sent last."""

from datetime import timedelta

import pytest
from django.db import connection

from consultations.domain import questionnaires as q
from consultations.models import Answer, QuestionnaireResponse
from tests.concurrency import second_while_first_is_open
from tests.consultations.conftest import T0

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DURING = T0 + timedelta(days=1)


@pytest.fixture
def question(editor, stage):
    return q.add_question(
        editor, stage, kind="single", text="Sunteți de acord?", choices=["Da", "Nu"],
        now=T0 - timedelta(hours=1),
    )  # fmt: skip


def test_two_first_sendings_at_once_make_one_response(stage, question, citizen):
    def send(choice):
        return q.submit_response(citizen, stage, {question.pk: choice}, now=DURING)

    response, created = second_while_first_is_open(lambda: send(0), lambda: send(1))
    assert created is False
    assert QuestionnaireResponse.objects.filter(stage=stage, user=citizen).count() == 1
    assert QuestionnaireResponse.objects.get(stage=stage).pk == response.pk
    assert list(Answer.objects.filter(response=response).values_list("choice", flat=True)) == [1]
    assert q.results(stage).questions[0].counts == [(0, "Da", 0), (1, "Nu", 1)]
