"""The demo consultations loaded by `manage.py load_demo`."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from consultations import domain
from consultations.models import (
    CommentState,
    Consultation,
    Disposition,
    Flag,
    Follow,
    Reaction,
    Stage,
    StageComment,
    Synthesis,
)
from core.models import ActivityLog
from proposals.models import Proposal

MODELS = [
    Consultation,
    Stage,
    StageComment,
    Disposition,
    Synthesis,
    Reaction,
    Flag,
    Follow,
    ActivityLog,
    User,
    Proposal,
]


def load():
    call_command("load_demo", stdout=StringIO())


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    load()


def test_load_demo_twice_changes_nothing(demo):
    before = counts()
    statuses = dict(Proposal.objects.values_list("slug", "status"))
    load()
    assert counts() == before
    assert dict(Proposal.objects.values_list("slug", "status")) == statuses
    assert before["Consultation"] == 2
    assert before["Stage"] == 4


def test_law_350_consultation_has_three_stages(demo):
    proposal = Proposal.objects.get(slug="modificarea-legii-350-2005")
    assert proposal.status == "in_consultation"
    stages = list(proposal.consultation.stages.order_by("position"))
    assert [(s.kind, s.status, s.revision.number) for s in stages] == [
        ("written", "closed", 2),
        ("meeting", "closed", 3),
        ("written", "open", 5),
    ]
    # Every event is processed: nothing is left for the scheduled task.
    assert list(domain.due_stage_events()) == []
    first, meeting, third = stages
    assert first.closes_at - first.opens_at >= timedelta(days=10)
    assert meeting.minutes and meeting.participants == 34 and meeting.minutes_published_at
    # The open stage stays useful for about two weeks after loading.
    left = third.closes_at - timezone.now()
    assert timedelta(days=14) <= left <= timedelta(days=16)
    assert 4 <= third.comments.count() <= 15


def test_first_stage_comments_are_threaded_and_all_answered(demo):
    stage = Stage.objects.get(consultation__proposal__slug="modificarea-legii-350-2005", position=1)
    comments = StageComment.objects.filter(stage=stage)
    assert comments.count() >= 60
    assert set(comments.values_list("level", flat=True)) == {0, 1, 2, 3}
    assert set(comments.filter(level=0).values_list("stance", flat=True)) == {
        "support",
        "oppose",
        "neutral",
    }
    assert comments.exclude(quote="").count() >= 5
    assert len(set(comments.values_list("user_id", flat=True))) >= 12
    assert comments.filter(agree_count__gt=0).exists()
    assert comments.filter(disagree_count__gt=0).exists()
    # Written in Romanian, with comma-below diacritics (never the legacy cedilla forms).
    texts = list(comments.values_list("comment", flat=True))
    assert sum(bool(re.search("[ăâîșț]", text)) for text in texts) >= 0.9 * len(texts)
    assert not any(re.search("[şţŞŢ]", text) for text in texts)
    hidden = comments.get(state=CommentState.HIDDEN)
    assert hidden.state_reason and hidden.state_changed_by.is_staff
    assert comments.filter(state=CommentState.WITHDRAWN).count() == 1
    assert domain.answer_progress(stage) == (24, 24)
    outcomes = set(
        Disposition.objects.filter(comment__stage=stage).values_list("outcome", flat=True)
    )
    assert outcomes == {"accepted", "partially", "rejected", "not_applicable"}
    assert Disposition.objects.filter(comment__stage=stage, applied_in__number=3).count() >= 3


def test_first_stage_synthesis_is_published(demo):
    synthesis = Synthesis.objects.get(
        stage__consultation__proposal__slug="modificarea-legii-350-2005"
    )
    assert synthesis.counts["total"] == len(synthesis.rows) == 24
    assert "" not in synthesis.counts["outcome"]
    assert all(row["reason"] for row in synthesis.rows)


def test_bulgarian_consultation_is_open_in_bulgarian(demo):
    proposal = Proposal.objects.get(slug="prozrachnost-na-naredbite")
    assert proposal.status == "in_consultation"
    assert proposal.target_authority.slug == "stolichna-obshtina"
    stage = proposal.consultation.stages.get()
    assert stage.status == "open"
    assert domain.period_length(proposal.consultation, stage.opens_at, stage.closes_at) >= (
        timedelta(days=30)
    )
    texts = list(stage.comments.values_list("comment", flat=True))
    assert len(texts) >= 5
    assert all(re.search("[а-яА-Я]", text) for text in texts)
    assert re.search("[а-яА-Я]", proposal.consultation.title)
