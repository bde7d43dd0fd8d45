"""Meetings with registration: seats, the waiting list, cancellation and promotion, the reminder
of the day before, attendance and the participant count of the minutes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from consultations import domain
from consultations.models import MeetingRegistration, MinutesVersion, RegistrationStatus
from core.errors import DomainError, InvalidTransition, NotAllowed
from core.models import ActivityLog
from core.privacy import erase_user_data, export_user_data
from tests.consultations.conftest import T0
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusals read in English (emails are rendered in each recipient's language)."""
    with translation.override("en"):
        yield


MEETING_AT = T0 + timedelta(days=20)
BEFORE = MEETING_AT - timedelta(days=5)


def add_meeting(editor, consultation, *, capacity=None, meeting_at=MEETING_AT):
    stage = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=meeting_at,
        closes_at=meeting_at + timedelta(hours=3),
        meeting_at=meeting_at,
        meeting_place="Sala de consiliu",
        now=meeting_at - timedelta(days=10),
    )
    if capacity is not None:
        stage = domain.set_capacity(editor, stage, capacity, now=meeting_at - timedelta(days=10))
    return stage


@pytest.fixture
def meeting(editor, consultation):
    return add_meeting(editor, consultation, capacity=2)


def register(user, stage, now=BEFORE, **fields):
    fields.setdefault("name", user.public_name)
    fields.setdefault("category", "citizen")
    return domain.register_for_meeting(user, stage, now=now, **fields)


def statuses(stage):
    return list(
        MeetingRegistration.objects.filter(stage=stage)
        .order_by("pk")
        .values_list("user__profile__display_name", "status")
    )


def test_registration_takes_a_seat_with_what_was_given(meeting, citizen):
    registration = register(
        citizen, meeting, organization="Asociația Vecinilor", category="ngo", show_name=True
    )
    registration.refresh_from_db()
    assert (registration.status, registration.name, registration.organization) == (
        RegistrationStatus.REGISTERED,
        "Ion Vasile",
        "Asociația Vecinilor",
    )
    assert (registration.category, registration.show_name, registration.created_at) == (
        "ngo",
        True,
        BEFORE,
    )
    log = ActivityLog.objects.get(verb="meeting.registered")
    assert (log.actor, log.scope, log.new_value) == (citizen, meeting, "registered")


def test_registration_twice_is_refused(meeting, citizen):
    register(citizen, meeting)
    with pytest.raises(DomainError, match="already registered"):
        register(citizen, meeting)
    assert MeetingRegistration.objects.filter(stage=meeting).count() == 1


def test_registration_needs_a_confirmed_participant(meeting):
    unconfirmed = UserFactory(verified_email=False, display_name="Fără confirmare")
    with pytest.raises(NotAllowed):
        register(unconfirmed, meeting)


def test_registration_refused_with_blank_name_or_unknown_category(meeting, citizen):
    with pytest.raises(DomainError, match="The name cannot be empty"):
        register(citizen, meeting, name="   ")
    with pytest.raises(DomainError, match="respondent category"):
        register(citizen, meeting, category="alien")
    assert not MeetingRegistration.objects.exists()


def test_registration_closes_when_the_meeting_starts(meeting, citizen):
    with pytest.raises(InvalidTransition, match="registrations are closed"):
        register(citizen, meeting, now=MEETING_AT)


def test_registration_refused_for_a_written_stage(stage, citizen):
    with pytest.raises(DomainError, match="Only a public meeting"):
        register(citizen, stage, now=T0 - timedelta(days=1))


def test_full_meeting_puts_people_on_the_waiting_list_in_order(meeting, citizen, citizen2):
    third = UserFactory(display_name="Andrei Pop")
    fourth = UserFactory(display_name="Elena Dinu")
    for user in (citizen, citizen2, third, fourth):
        register(user, meeting)
    assert statuses(meeting) == [
        ("Ion Vasile", "registered"),
        ("Maria Enache", "registered"),
        ("Andrei Pop", "waiting"),
        ("Elena Dinu", "waiting"),
    ]
    waiting = MeetingRegistration.objects.filter(status="waiting").order_by("pk")
    assert [domain.waiting_position(r) for r in waiting] == [1, 2]
    assert domain.seat_counts(meeting) == {"registered": 2, "waiting": 2, "present": 0, "marked": 0}


def test_cancelling_a_seat_promotes_the_first_waiting_and_emails_them(
    meeting, citizen, citizen2, django_capture_on_commit_callbacks
):
    third = UserFactory(display_name="Andrei Pop", email="andrei@example.org")
    fourth = UserFactory(display_name="Elena Dinu")
    first = register(citizen, meeting)
    for user in (citizen2, third, fourth):
        register(user, meeting)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = domain.cancel_registration(citizen, first, now=BEFORE + timedelta(hours=1))
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", BEFORE + timedelta(hours=1))
    assert statuses(meeting) == [
        ("Ion Vasile", "cancelled"),
        ("Maria Enache", "registered"),
        ("Andrei Pop", "registered"),
        ("Elena Dinu", "waiting"),
    ]
    promoted = MeetingRegistration.objects.get(user=third)
    assert promoted.promoted_at == BEFORE + timedelta(hours=1)
    assert [m.to for m in mail.outbox] == [["andrei@example.org"]]
    assert mail.outbox[0].subject == "Un loc este al dumneavoastră: „Dezbatere publică”"
    assert "erați primul pe lista de așteptare" in mail.outbox[0].body
    verbs = list(
        ActivityLog.objects.filter(scope_id=str(meeting.pk), verb__startswith="meeting.")
        .order_by("pk")
        .values_list("verb", "old_value", "new_value")
    )
    assert verbs[-2:] == [
        ("meeting.registration_cancelled", "registered", "cancelled"),
        ("meeting.promoted", "waiting", "registered"),
    ]


def test_cancelling_a_waiting_place_promotes_nobody(meeting, citizen, citizen2):
    third = UserFactory(display_name="Andrei Pop")
    register(citizen, meeting)
    register(citizen2, meeting)
    waiting = register(third, meeting)
    domain.cancel_registration(third, waiting, now=BEFORE)
    assert statuses(meeting) == [
        ("Ion Vasile", "registered"),
        ("Maria Enache", "registered"),
        ("Andrei Pop", "cancelled"),
    ]


def test_cancelling_is_for_the_registrant_only_and_once(meeting, citizen, citizen2):
    registration = register(citizen, meeting)
    with pytest.raises(NotAllowed):
        domain.cancel_registration(citizen2, registration, now=BEFORE)
    domain.cancel_registration(citizen, registration, now=BEFORE)
    with pytest.raises(InvalidTransition, match="already cancelled"):
        domain.cancel_registration(citizen, registration, now=BEFORE)


def test_registering_again_after_cancelling_makes_a_new_registration(meeting, citizen):
    first = register(citizen, meeting)
    domain.cancel_registration(citizen, first, now=BEFORE)
    second = register(citizen, meeting, now=BEFORE + timedelta(hours=1))
    assert second.pk != first.pk
    assert statuses(meeting) == [("Ion Vasile", "cancelled"), ("Ion Vasile", "registered")]


def test_more_places_go_to_the_waiting_list(editor, meeting, citizen, citizen2):
    third = UserFactory(display_name="Andrei Pop")
    for user in (citizen, citizen2, third):
        register(user, meeting)
    domain.set_capacity(editor, meeting, None, now=BEFORE)
    assert [s for _name, s in statuses(meeting)] == ["registered"] * 3
    log = ActivityLog.objects.filter(verb="meeting.capacity_changed").latest("pk")
    assert (log.old_value, log.new_value) == ("2", "")


def test_capacity_below_the_seats_given_is_refused(editor, meeting, citizen, citizen2):
    register(citizen, meeting)
    register(citizen2, meeting)
    with pytest.raises(DomainError, match="2 people already have a seat"):
        domain.set_capacity(editor, meeting, 1, now=BEFORE)
    with pytest.raises(NotAllowed):
        domain.set_capacity(citizen, meeting, 5, now=BEFORE)
    meeting.refresh_from_db()
    assert meeting.capacity == 2


def test_confirmation_email_in_the_recipients_language(
    meeting, citizen2, django_capture_on_commit_callbacks
):
    bulgarian = UserFactory(display_name="Иван Петров", language="bg", email="ivan@example.org")
    english = UserFactory(display_name="John Smith", language="en", email="john@example.org")
    register(citizen2, meeting)
    with django_capture_on_commit_callbacks(execute=True):
        register(bulgarian, meeting)
        register(english, meeting)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["ivan@example.org"].subject == "Регистрирани сте: „Dezbatere publică“"
    assert "Ще ви напомним ден преди това." in by_address["ivan@example.org"].body
    assert by_address["john@example.org"].subject == "Waiting list: “Dezbatere publică”"
    assert "you are on its waiting list, in place 1." in by_address["john@example.org"].body
    assert "/consultation/stages/1/calendar.ics" in by_address["john@example.org"].body


def test_reminder_sent_once_the_day_before(
    meeting, citizen, citizen2, django_capture_on_commit_callbacks
):
    third = UserFactory(display_name="Andrei Pop")
    register(citizen, meeting)
    register(citizen2, meeting)
    register(third, meeting)  # waiting: no reminder
    mail.outbox.clear()
    assert domain.send_meeting_reminders(now=MEETING_AT - timedelta(hours=25)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert domain.send_meeting_reminders(now=MEETING_AT - timedelta(hours=23)) == 2
        assert domain.send_meeting_reminders(now=MEETING_AT - timedelta(hours=22)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([citizen.email, citizen2.email])
    assert all(m.subject.startswith("Memento: „Dezbatere publică”") for m in mail.outbox)
    reminded = MeetingRegistration.objects.filter(reminded_at__isnull=False)
    assert set(reminded.values_list("user", flat=True)) == {citizen.pk, citizen2.pk}
    assert domain.send_meeting_reminders(now=MEETING_AT + timedelta(minutes=1)) == 0


def test_no_reminder_for_a_cancelled_meeting(editor, meeting, citizen):
    register(citizen, meeting)
    domain.cancel_stage(editor, meeting, "Sala nu mai este disponibilă.", now=BEFORE)
    assert domain.send_meeting_reminders(now=MEETING_AT - timedelta(hours=2)) == 0


def held(editor, meeting, *present, now=None):
    ids = [r.pk for r in present]
    return domain.mark_attendance(editor, meeting, ids, now=now or MEETING_AT + timedelta(hours=1))


def test_attendance_marked_after_the_meeting_starts(editor, meeting, citizen, citizen2):
    first = register(citizen, meeting)
    second = register(citizen2, meeting)
    with pytest.raises(InvalidTransition, match="once the meeting has started"):
        held(editor, meeting, first, now=BEFORE)
    with pytest.raises(NotAllowed):
        domain.mark_attendance(citizen, meeting, [first.pk], now=MEETING_AT)
    assert held(editor, meeting, first) == 2
    assert held(editor, meeting, first) == 0  # nothing changed, nothing written
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attended, second.attended) == (True, False)
    assert domain.attendance_count(meeting) == (1, True)
    logs = ActivityLog.objects.filter(verb="meeting.attendance_marked").order_by("pk")
    assert [(log.old_value, log.new_value) for log in logs] == [("", "true"), ("", "false")]


def test_minutes_count_comes_from_the_attendance(editor, meeting, citizen, citizen2):
    first = register(citizen, meeting)
    register(citizen2, meeting)
    held(editor, meeting, first)
    after = MEETING_AT + timedelta(days=1)
    domain.publish_minutes(editor, meeting, minutes="S-a discutat art. 5.", now=after)
    meeting.refresh_from_db()
    assert meeting.participants == 1
    version = MinutesVersion.objects.get(stage=meeting)
    assert (version.participants, version.attendance, version.participants_reason) == (1, 1, "")


def test_minutes_count_overridden_only_with_a_reason(editor, meeting, citizen, citizen2):
    first = register(citizen, meeting)
    register(citizen2, meeting)
    held(editor, meeting, first)
    after = MEETING_AT + timedelta(days=1)
    with pytest.raises(DomainError, match="1 people were marked present; say why"):
        domain.publish_minutes(editor, meeting, minutes="Procesul-verbal.", participants=14)
    assert not MinutesVersion.objects.exists()
    reason = "Au venit 13 persoane fără înregistrare; lista de prezență semnată pe hârtie."
    domain.publish_minutes(
        editor, meeting, minutes="Procesul-verbal.", participants=14, reason=reason, now=after
    )
    # Attendance corrected afterwards: a new version, the override kept in the first one.
    domain.publish_minutes(editor, meeting, minutes="Procesul-verbal.", now=after)
    versions = list(
        MinutesVersion.objects.filter(stage=meeting)
        .order_by("number")
        .values_list("number", "participants", "attendance", "participants_reason")
    )
    assert versions == [(1, 14, 1, reason), (2, 1, 1, "")]
    logs = ActivityLog.objects.filter(verb="stage.minutes_published").order_by("pk")
    assert [(log.new_value, log.data["reason"], log.data["attendance"]) for log in logs] == [
        ("14", reason, 1),
        ("1", "", 1),
    ]


def test_minutes_without_attendance_take_the_number_given(editor, meeting):
    after = MEETING_AT + timedelta(days=1)
    with pytest.raises(DomainError, match="Give the number of participants"):
        domain.publish_minutes(editor, meeting, minutes="Procesul-verbal.", now=after)
    domain.publish_minutes(editor, meeting, minutes="Procesul-verbal.", participants=9, now=after)
    version = MinutesVersion.objects.get(stage=meeting)
    assert (version.participants, version.attendance, version.participants_reason) == (9, None, "")


def test_public_attendance_shows_only_what_people_agreed_to(editor, meeting, citizen, citizen2):
    first = register(citizen, meeting, organization="Asociația Vecinilor", show_name=True)
    second = register(citizen2, meeting, organization="Firma SRL", category="business")
    held(editor, meeting, first, second)
    assert domain.public_attendance(meeting) == [
        {
            "name": "Ion Vasile",
            "organization": "Asociația Vecinilor",
            "category": "citizen",
            "named": True,
        },
        {"name": "", "organization": "", "category": "business", "named": False},
    ]


def test_registrations_in_the_data_export_and_erased(meeting, citizen):
    register(citizen, meeting, organization="Asociația Vecinilor", show_name=True)
    exported = export_user_data(citizen)["meetings"]
    assert exported == [
        {
            "proposal": "legea-350",
            "stage": 1,
            "stage_title": "Dezbatere publică",
            "name": "Ion Vasile",
            "organization": "Asociația Vecinilor",
            "category": "citizen",
            "show_name": True,
            "status": "registered",
            "registered": "2026-03-17T07:00:00+00:00",
            "promoted": None,
            "cancelled": None,
            "attended": None,
        }
    ]
    erase_user_data(citizen)
    registration = MeetingRegistration.objects.get(user=citizen)
    assert (registration.name, registration.organization, registration.show_name) == (
        "",
        "",
        False,
    )


def test_registrants_are_told_when_the_meeting_is_cancelled(
    editor, meeting, citizen, citizen2, django_capture_on_commit_callbacks
):
    register(citizen, meeting)
    register(citizen2, meeting)
    domain.follow(citizen2, meeting.consultation)  # told as a follower, once
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        domain.cancel_stage(editor, meeting, "Sala nu mai este disponibilă.", now=BEFORE)
    by_address = {}
    for message in mail.outbox:
        by_address.setdefault(message.to[0], []).append(message.subject)
    assert by_address[citizen.email] == ["Întâlnire anulată: „Dezbatere publică”"]
    assert len(by_address[citizen2.email]) == 1
    assert by_address[citizen2.email] != by_address[citizen.email]
