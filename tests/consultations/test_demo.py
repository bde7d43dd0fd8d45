"""The demo consultations loaded by `manage.py load_demo`."""

import io
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from consultations import domain
from consultations.domain import questionnaires
from consultations.models import (
    AppliedSuggestion,
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
from proposals.models import Coauthorship, Endorsement, Proposal
from registrations.dossier import dossier_pdf
from registrations.models import Submission

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
    Coauthorship,
    Endorsement,
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
    # With Primăria Municipiului Focșani's own draft decision (announcement and meeting).
    assert before["Consultation"] == 4
    assert before["Stage"] == 7


def test_focsani_consults_on_its_draft_decision_with_a_debate_requested(demo):
    from consultations.models import DebateRequest

    proposal = Proposal.objects.get(slug="hcl-parcari-resedinta-focsani")
    assert (proposal.kind, proposal.organization.slug, proposal.target_authority.slug) == (
        "draft_decision",
        "primaria-municipiului-focsani",
        "primaria-municipiului-focsani",
    )
    announcement, meeting = proposal.consultation.stages.order_by("position")
    assert (announcement.kind, announcement.status, meeting.kind, meeting.status) == (
        "announcement",
        "open",
        "meeting",
        "scheduled",
    )
    assert announcement.substantiation.name == "Referat de aprobare.pdf"
    assert domain.announcement_working_days(announcement) >= 30
    request = DebateRequest.objects.get(consultation=proposal.consultation)
    assert (request.organization.slug, request.status, request.meeting) == (
        "vrancea-civica",
        "scheduled",
        meeting,
    )
    assert sorted(
        StageComment.objects.filter(stage=announcement).values_list("channel", "user_name")
    ) == [
        ("email", "Gheorghe Stoica"),
        ("paper", "Asociația de Proprietari Bloc 12 Sud"),
        ("web", ""),
    ]
    # A questionnaire beside the recommendations, with a few responses.
    results = questionnaires.results(announcement)
    assert results.responses == 5
    assert [item.question.kind for item in results.questions] == [
        "single", "scale", "multiple", "text",
    ]  # fmt: skip
    assert [count for _value, _label, count in results.questions[0].counts] == [3, 1, 1]
    assert results.questions[3].texts == 3


def test_law_350_amendment_is_coauthored_and_endorsed(demo):
    proposal = Proposal.objects.get(slug="modificarea-legii-350-2005")
    assert [organization.name for organization in proposal.authors] == [
        "Asociația Vrancea Civică",
        "Asociația Municipiilor din România",
        "Centrul pentru Politici Publice Deschise",
    ]
    assert list(
        proposal.coauthorships.order_by("pk").values_list("organization__slug", "status")
    ) == [
        ("asociatia-municipiilor", "accepted"),
        ("politici-publice-deschise", "accepted"),
        ("grazhdani-za-prozrachnost", "declined"),
    ]
    active = proposal.endorsements.active()
    assert sorted(active.values_list("user__email", "organization__slug")) == [
        ("dan.matei@demo.consult.ro", "federatia-ong-vrancea"),
        ("georgi.dimitrov@demo.consult.bg", None),
        ("ion.vasile@demo.consult.ro", None),
    ]
    assert proposal.endorsements.filter(withdrawn_at__isnull=False).count() == 1


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


def test_law_350_has_one_suggestion_applied_and_one_rejected(demo):
    proposal = Proposal.objects.get(slug="modificarea-legii-350-2005")
    stage = proposal.consultation.stages.get(position=3)
    suggestions = list(stage.comments.exclude(suggestion="").order_by("pk"))
    assert [(c.user.public_name, c.block_key, c.disposition.outcome) for c in suggestions] == [
        ("Andrei Munteanu", "k350a00001", "accepted"),
        ("Florin Neagu", "k350a00002", "rejected"),
    ]
    applied = AppliedSuggestion.objects.get()
    revision = proposal.current_revision
    assert (applied.comment, applied.revision, revision.number) == (suggestions[0], revision, 6)
    assert suggestions[0].disposition.applied_in == revision
    assert revision.block("k350a00001")["proposed"] == suggestions[0].suggested_text
    assert "într-un format deschis care poate fi descărcat" in suggestions[0].suggested_text
    assert revision.message == (
        "Format deschis pentru programul anual Include formularea propusă în comentariul "
        f"nr. {suggestions[0].pk}."
    )


def test_the_meeting_has_registrations_attendance_and_a_reasoned_count(demo):
    meeting = Stage.objects.get(
        consultation__proposal__slug="modificarea-legii-350-2005", position=2
    )
    assert meeting.capacity == 8
    assert domain.seat_counts(meeting) == {
        "registered": 8,
        "waiting": 1,
        "present": 7,
        "marked": 9,
    }
    promoted = meeting.registrations.get(promoted_at__isnull=False)
    assert promoted.name == "Paul Dobre"
    version = meeting.minutes_versions.get()
    assert (version.participants, version.attendance) == (34, 7)
    assert version.participants_reason.startswith("Pe lângă cele 7 persoane înscrise")
    named = [row["name"] for row in domain.public_attendance(meeting) if row["named"]]
    assert named == [
        "Andrei Munteanu",
        "Ioana Constantin",
        "Daniela Ene",
        "Alina Stoica",
        "Carmen Iordache",
        "Paul Dobre",
    ]


def test_the_open_stage_has_a_form_letter_campaign_of_four(demo):
    stage = Stage.objects.get(consultation__proposal__slug="modificarea-legii-350-2005", position=3)
    groups = domain.answer_groups(stage)
    assert [(group["total"], group["unanswered"]) for group in groups] == [(4, 4)]
    assert groups[0]["excerpt"].startswith("Mă numesc Andrei Munteanu și locuiesc în Focșani.")


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


def test_reporting_amendment_was_consulted_before_its_submission(demo):
    proposal = Proposal.objects.get(slug="legea-350-2005-raportare-publica")
    submission = Submission.objects.get(proposal=proposal)
    stage = proposal.consultation.stages.get()
    assert (stage.kind, stage.status, stage.revision) == ("written", "closed", submission.revision)
    assert stage.closes_at - stage.opens_at >= timedelta(days=10)
    assert stage.closes_at < stage.synthesis.published_at < submission.submitted_at
    comments = stage.comments.all()
    assert 8 <= comments.count() <= 14
    assert comments.filter(level__gt=0).count() >= 3
    assert set(comments.filter(level=0).values_list("stance", flat=True)) == {
        "support",
        "oppose",
        "neutral",
    }
    assert domain.answer_progress(stage) == (7, 7)
    assert set(stage.synthesis.counts["outcome"]) == {"accepted", "partially", "rejected"}
    # The status log went through the consultation before the submission.
    verbs = list(
        ActivityLog.objects.for_object(proposal)
        .filter(verb__startswith="proposal.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs.index("proposal.consultation_closed") < verbs.index("proposal.submitted")


def test_reporting_submission_dossier_has_its_synthesis_rows(demo):
    from pypdf import PdfReader

    submission = Submission.objects.get(proposal__slug="legea-350-2005-raportare-publica")
    data = dossier_pdf(submission)
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )
    with translation.override("ro"):
        assert gettext("No consultation summary is attached to this proposal.") not in text
    assert "Tabel cu propunerile/recomandările primite și modul de soluționare" in text
    assert "Acceptată: 2 · Acceptată parțial: 3 · Respinsă: 2 · Nu se aplică: 0 · Total: 7" in text
    for row in submission.proposal.consultation.stages.get().synthesis.rows:
        assert " ".join(row["author"].split()) in text
        assert " ".join(row["text"].split()) in text
        assert " ".join(row["reason"].split()) in text
