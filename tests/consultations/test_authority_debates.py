# ruff: noqa: F811  (the fixtures of tests/consultations/authority_drafts.py are imported by name)
"""Public debates on request (Law 52/2003 art. 7) and recommendations received by email or on
paper on an authority's draft: the lifecycle, its deadline, and the synthesis they reach."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail

from consultations import domain
from consultations.models import Channel, DebateRequest, DebateStatus, StageComment
from core.errors import DomainError, NotAllowed
from core.models import ActivityLog
from tests.consultations.authority_drafts import (  # noqa: F401  (fixtures)
    ADOPTION,
    ANNOUNCED,
    BUCHAREST,
    announce,
    authority_admin,
    citizen,
    draft_consultation,
    draft_decision,
    ngo_member_admin,
    ngo_member_editor,
    verified_ngo,
)
from tests.factories import OrganizationFactory

REQUESTED = ANNOUNCED + timedelta(days=2, hours=3)  # Wednesday 4 March 2026, 12:00


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def announcement(authority_admin, draft_consultation, draft_decision):
    _, note = draft_decision
    return announce(
        authority_admin, draft_consultation, note, opens_at=ANNOUNCED, days=20, adoption=ADOPTION
    )


@pytest.fixture
def meeting(authority_admin, draft_consultation, announcement):
    return domain.add_stage(
        authority_admin,
        draft_consultation,
        kind="meeting",
        title="Dezbaterea publică",
        opens_at=ANNOUNCED + timedelta(days=9),
        closes_at=ANNOUNCED + timedelta(days=9, hours=3),
        meeting_at=ANNOUNCED + timedelta(days=9, hours=8),
        meeting_place="Sala de ședințe a Consiliului Local",
        now=REQUESTED,
    )


def request(user, consultation, organization, now=REQUESTED, message="Cerem dezbatere publică."):
    return domain.request_debate(user, consultation, organization, message=message, now=now)


# --- Requesting -------------------------------------------------------------------------------


def test_a_verified_ngo_requests_a_debate_and_the_authority_admins_are_emailed(
    ngo_member_editor,
    verified_ngo,
    draft_consultation,
    announcement,
    authority_admin,
    registrar,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        item = request(ngo_member_editor, draft_consultation, verified_ngo)
    item = DebateRequest.objects.get(pk=item.pk)
    assert (item.status, item.organization, item.requested_by, item.requested_at) == (
        DebateStatus.PENDING,
        verified_ngo,
        ngo_member_editor,
        REQUESTED,
    )
    assert item.message == "Cerem dezbatere publică."
    # Due on the tenth calendar day after Wednesday 4 March.
    assert domain.due_on(item) == date(2026, 3, 14)
    # Only the admin (not the registrar) is told.
    assert [message.to for message in mail.outbox] == [[authority_admin.email]]
    assert "Asociația Focșani Civic" in mail.outbox[0].subject
    assert "14.03.2026" in mail.outbox[0].body or "14 martie 2026" in mail.outbox[0].body
    log = ActivityLog.objects.get(verb="debate.requested")
    assert (log.actor, log.new_value, log.data["due_on"]) == (
        ngo_member_editor,
        "pending",
        "2026-03-14",
    )


def test_one_active_request_per_organisation(
    ngo_member_editor, ngo_member_admin, verified_ngo, draft_consultation, announcement
):
    request(ngo_member_editor, draft_consultation, verified_ngo)
    with pytest.raises(DomainError) as refused:
        request(
            ngo_member_admin, draft_consultation, verified_ngo, now=REQUESTED + timedelta(hours=1)
        )
    assert refused.value.code == "already_requested"
    assert DebateRequest.objects.count() == 1


def test_a_request_needs_the_recommendations_period_open(
    ngo_member_editor, verified_ngo, draft_consultation, announcement
):
    for moment in (ANNOUNCED - timedelta(minutes=1), ANNOUNCED + timedelta(days=20)):
        with pytest.raises(DomainError) as refused:
            request(ngo_member_editor, draft_consultation, verified_ngo, now=moment)
        assert refused.value.code == "no_open_announcement"
    assert not DebateRequest.objects.exists()


@pytest.mark.parametrize("who", ["citizen", "registrar", "authority_admin", "unverified"])
def test_only_a_verified_ngos_editors_and_admins_request(
    who, request_fixture, verified_ngo, draft_consultation, announcement
):
    organization = verified_ngo
    if who == "unverified":
        organization = OrganizationFactory(name="ONG neverificat", slug="ong-neverificat")
        from tests.factories import MembershipFactory

        user = MembershipFactory(organization=organization, role="admin").user
    else:
        user = request_fixture.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        request(user, draft_consultation, organization)
    assert not DebateRequest.objects.exists()


@pytest.fixture
def request_fixture(request):
    return request


def test_no_debate_request_on_an_ngo_proposal(ngo_member_editor, verified_ngo, consultation):
    with pytest.raises(DomainError) as refused:
        request(ngo_member_editor, consultation, verified_ngo)
    assert refused.value.code == "not_authority"


# --- The deadline -----------------------------------------------------------------------------


def test_overdue_from_the_day_after_the_due_day(
    ngo_member_editor, verified_ngo, draft_consultation, announcement
):
    item = request(ngo_member_editor, draft_consultation, verified_ngo)
    last_minute = datetime(2026, 3, 14, 23, 59, tzinfo=BUCHAREST)
    assert not domain.is_overdue(item, last_minute)
    assert domain.is_overdue(item, last_minute + timedelta(minutes=1))


# --- Answering --------------------------------------------------------------------------------


def test_the_authority_schedules_the_debate_as_a_meeting(
    ngo_member_editor,
    verified_ngo,
    draft_consultation,
    announcement,
    meeting,
    authority_admin,
    django_capture_on_commit_callbacks,
):
    item = request(ngo_member_editor, draft_consultation, verified_ngo)
    answered_at = REQUESTED + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        domain.schedule_debate(authority_admin, item, meeting, now=answered_at)
    item.refresh_from_db()
    assert (item.status, item.meeting, item.answered_at, item.answered_by) == (
        DebateStatus.SCHEDULED,
        meeting,
        answered_at,
        authority_admin,
    )
    assert not domain.is_overdue(item, answered_at + timedelta(days=30))
    assert not domain.answered_late(item)
    assert [message.to for message in mail.outbox] == [[ngo_member_editor.email]]
    assert "Sala de ședințe a Consiliului Local" in mail.outbox[0].body
    # Answered once: a second answer is refused.
    with pytest.raises(DomainError):
        domain.refuse_debate(authority_admin, item, "Nu.", now=answered_at)


def test_refusing_needs_a_public_reason_and_frees_the_organisation_to_ask_again(
    ngo_member_editor, verified_ngo, draft_consultation, announcement, authority_admin
):
    item = request(ngo_member_editor, draft_consultation, verified_ngo)
    with pytest.raises(DomainError):
        domain.refuse_debate(authority_admin, item, "   ", now=REQUESTED)
    late = datetime(2026, 3, 15, 10, 0, tzinfo=BUCHAREST)
    domain.refuse_debate(authority_admin, item, "Proiectul a fost dezbătut în martie.", now=late)
    item.refresh_from_db()
    assert (item.status, item.refusal_reason) == (
        DebateStatus.REFUSED,
        "Proiectul a fost dezbătut în martie.",
    )
    assert domain.answered_late(item)
    again = request(ngo_member_editor, draft_consultation, verified_ngo, now=late)
    assert again.status == DebateStatus.PENDING


def test_only_a_future_meeting_of_the_consultation_schedules_it(
    ngo_member_editor, verified_ngo, draft_consultation, announcement, meeting, authority_admin
):
    item = request(ngo_member_editor, draft_consultation, verified_ngo)
    with pytest.raises(DomainError) as refused:
        domain.schedule_debate(authority_admin, item, announcement, now=REQUESTED)
    assert refused.value.code == "meeting"
    with pytest.raises(DomainError):
        domain.schedule_debate(
            authority_admin, item, meeting, now=meeting.meeting_at + timedelta(minutes=1)
        )
    item.refresh_from_db()
    assert item.status == DebateStatus.PENDING


@pytest.mark.parametrize("who", ["registrar", "ngo_member_editor", "ngo_member_admin", "citizen"])
def test_only_the_authority_admins_answer(
    who, request_fixture, ngo_member_editor, verified_ngo, draft_consultation, announcement, meeting
):
    item = request(ngo_member_editor, draft_consultation, verified_ngo)
    user = request_fixture.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        domain.schedule_debate(user, item, meeting, now=REQUESTED)
    with pytest.raises(NotAllowed):
        domain.refuse_debate(user, item, "Nu.", now=REQUESTED)
    item.refresh_from_db()
    assert item.status == DebateStatus.PENDING


# --- Recommendations received by email or on paper --------------------------------------------


@pytest.mark.parametrize("who", ["authority_admin", "registrar"])
def test_recommendations_logged_are_answered_in_the_synthesis(
    who, request_fixture, authority_admin, draft_consultation, announcement, citizen
):
    logger = request_fixture.getfixturevalue(who)
    comment = domain.log_recommendation(
        logger,
        announcement,
        author="Asociația Proprietarilor Bloc 7",
        received_on=date(2026, 3, 5),
        text="Propunem 50 de locuri de parcare pentru rezidenți.",
        channel=Channel.PAPER,
        now=REQUESTED + timedelta(days=2),
    )
    comment = StageComment.objects.get(pk=comment.pk)
    # Counted by the worker, as a posted comment is (`domain.fold_counts`).
    assert comment.count_pending is True
    assert domain.fold_counts() == 1
    assert list(announcement.comment_counts.values_list("block_key", "threads", "shown")) == [
        ("", 1, 1)
    ]
    assert (comment.user, comment.author_name, comment.channel, comment.received_on) == (
        None,
        "Asociația Proprietarilor Bloc 7",
        "paper",
        date(2026, 3, 5),
    )
    assert comment.logged_by == logger
    domain.set_disposition(
        authority_admin,
        comment,
        outcome="partially",
        reason="Se vor amenaja 30 de locuri, cât permite spațiul.",
    )
    synthesis = domain.publish_synthesis(
        authority_admin, announcement, now=ANNOUNCED + timedelta(days=21)
    )
    [row] = synthesis.rows
    assert {key: row[key] for key in ("number", "author", "text", "outcome", "reason")} == {
        "number": 1,
        "author": "Asociația Proprietarilor Bloc 7",
        "text": "Propunem 50 de locuri de parcare pentru rezidenți.",
        "outcome": "partially",
        "reason": "Se vor amenaja 30 de locuri, cât permite spațiul.",
    }
    assert (row["channel"], row["received_on"]) == ("paper", "2026-03-05")
    assert synthesis.counts["total"] == 1


def test_a_recommendation_received_outside_the_period_is_refused(
    authority_admin, draft_consultation, announcement
):
    for day in (date(2026, 3, 1), date(2026, 3, 7)):
        with pytest.raises(DomainError) as refused:
            domain.log_recommendation(
                authority_admin,
                announcement,
                author="Ion Ionescu",
                received_on=day,
                text="Text.",
                channel=Channel.EMAIL,
                now=datetime(2026, 3, 6, 10, 0, tzinfo=BUCHAREST),
            )
        assert refused.value.code == "date"
    assert not StageComment.objects.exists()


@pytest.mark.parametrize("who", ["ngo_member_editor", "ngo_member_admin", "citizen"])
def test_only_the_authority_logs_recommendations(
    who, request_fixture, draft_consultation, announcement
):
    with pytest.raises(NotAllowed):
        domain.log_recommendation(
            request_fixture.getfixturevalue(who),
            announcement,
            author="Ion Ionescu",
            received_on=date(2026, 3, 3),
            text="Text.",
            channel=Channel.EMAIL,
            now=REQUESTED,
        )
    assert not StageComment.objects.exists()
