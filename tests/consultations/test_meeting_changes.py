"""A meeting's number of places on the stage form, and what happens when its date or place
changes: one email to each person registered or waiting, in their language, the change logged,
the calendar event's SEQUENCE moved on."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from icalendar import Calendar

from consultations import domain, ical
from consultations.models import MeetingRegistration, RegistrationStatus, Stage
from core.errors import DomainError
from core.models import ActivityLog
from tests.consultations.conftest import BUCHAREST, T0
from tests.factories import UserFactory

BASE = "/proposals/legea-350/consultation"
MEETING_AT = T0 + timedelta(days=20)  # Sunday 22 March 2026, 09:00 in Bucharest
BEFORE = MEETING_AT - timedelta(days=5)
MOVED_TO = datetime(2026, 3, 24, 17, 30, tzinfo=BUCHAREST)


@pytest.fixture(autouse=True)
def english():
    """Refusals read in English (emails are rendered in each recipient's language)."""
    with translation.override("en"):
        yield


def add_meeting(editor, consultation, *, at, capacity=None, now):
    return domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=at,
        closes_at=at + timedelta(hours=3),
        meeting_at=at,
        meeting_place="Sala de consiliu",
        capacity=capacity,
        now=now,
    )


def register(user, stage, now):
    return domain.register_for_meeting(
        user, stage, name=user.public_name, category="citizen", now=now
    )


def statuses(stage):
    return list(
        MeetingRegistration.objects.filter(stage=stage)
        .order_by("pk")
        .values_list("user__profile__display_name", "status")
    )


def event_of(stage):
    stage = Stage.objects.select_related("consultation__proposal__organization").get(pk=stage.pk)
    [event] = Calendar.from_ical(ical.calendar_file([stage], name="Test")).walk("VEVENT")
    return event


# --- Date and place changes -----------------------------------------------------------------


@pytest.fixture
def full_meeting(editor, consultation):
    """A meeting of one place: a Romanian reader in the seat, a Bulgarian one waiting."""
    stage = add_meeting(editor, consultation, at=MEETING_AT, capacity=1, now=T0)
    seated = UserFactory(display_name="Ion Vasile", language="ro")
    waiting = UserFactory(display_name="Петя Иванова", language="bg")
    register(seated, stage, BEFORE)
    register(waiting, stage, BEFORE)
    mail.outbox.clear()
    return stage, seated, waiting


def test_moving_a_meeting_emails_everyone_registered_once_in_their_language(
    editor, full_meeting, django_capture_on_commit_callbacks
):
    stage, seated, waiting = full_meeting
    before = event_of(stage)
    with django_capture_on_commit_callbacks(execute=True):
        domain.change_stage(
            editor, stage, meeting_at=MOVED_TO, meeting_place="Sala mare a Primăriei", now=BEFORE
        )
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 2
    assert set(by_recipient) == {seated.email, waiting.email}
    romanian = by_recipient[seated.email]
    assert romanian.subject == "Întâlnire modificată: „Dezbatere publică”"
    assert "Data și ora anterioare: 22 martie 2026, ora 09:00\n" in romanian.body
    assert "Data și ora noi: 24 martie 2026, ora 17:30 (Europe/Bucharest)\n" in romanian.body
    assert "Locul anterior: Sala de consiliu\n" in romanian.body
    assert "Locul nou: Sala mare a Primăriei\n" in romanian.body
    bulgarian = by_recipient[waiting.email]
    assert bulgarian.subject == "Променена среща: „Dezbatere publică“"
    assert "Дата и час преди: 22 март 2026 г., 09:00 ч.\n" in bulgarian.body
    assert "Дата и час сега: 24 март 2026 г., 17:30 ч. (Europe/Bucharest)\n" in bulgarian.body
    assert "Място сега: Sala mare a Primăriei\n" in bulgarian.body
    entry = ActivityLog.objects.get(verb="meeting.changed")
    assert (entry.actor, entry.scope, entry.data) == (
        editor,
        stage.consultation.proposal,
        {
            "old": {
                "meeting_at": "2026-03-22T07:00:00+00:00",
                "meeting_place": "Sala de consiliu",
                "meeting_link": "",
            },
            "new": {
                "meeting_at": "2026-03-24T15:30:00+00:00",
                "meeting_place": "Sala mare a Primăriei",
                "meeting_link": "",
            },
        },
    )
    after = event_of(stage)
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after["UID"] == before["UID"]
    assert after.decoded("DTSTART") == MOVED_TO
    assert str(after["LOCATION"]) == "Sala mare a Primăriei"


def test_a_change_of_place_only_says_nothing_of_the_date(
    editor, full_meeting, django_capture_on_commit_callbacks
):
    stage, seated, _ = full_meeting
    with django_capture_on_commit_callbacks(execute=True):
        domain.change_stage(editor, stage, meeting_place="Sala mică", now=BEFORE)
    message = next(message for message in mail.outbox if message.to == [seated.email])
    assert "Data și ora" not in message.body
    assert "Locul anterior: Sala de consiliu\nLocul nou: Sala mică\n" in message.body


def test_a_change_that_keeps_date_and_place_emails_nobody(
    editor, full_meeting, django_capture_on_commit_callbacks
):
    stage, _, _ = full_meeting
    version = event_of(stage)["SEQUENCE"]
    with django_capture_on_commit_callbacks(execute=True):
        domain.change_stage(
            editor, stage, description="Ordinea de zi a fost completată.", now=BEFORE
        )
    assert mail.outbox == []
    assert not ActivityLog.objects.filter(verb="meeting.changed").exists()
    assert event_of(stage)["SEQUENCE"] == version + 1


def test_cancelled_registrations_are_not_told(
    editor, full_meeting, django_capture_on_commit_callbacks
):
    stage, seated, waiting = full_meeting
    domain.cancel_registration(seated, MeetingRegistration.objects.get(user=seated), now=BEFORE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        domain.change_stage(editor, stage, meeting_at=MOVED_TO, now=BEFORE)
    assert [message.to for message in mail.outbox] == [[waiting.email]]


def test_an_open_meeting_stage_moves_until_the_meeting_starts(editor, consultation):
    """The stage opens before its meeting (registrations run in the stage): the meeting can be
    moved while the stage is open, not once it has started."""
    stage = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=MEETING_AT - timedelta(days=2),
        closes_at=MEETING_AT + timedelta(hours=3),
        meeting_at=MEETING_AT,
        meeting_place="Sala de consiliu",
        now=T0,
    )
    later = MEETING_AT + timedelta(hours=1)
    stage = domain.change_stage(editor, stage, meeting_at=later, now=MEETING_AT - timedelta(days=1))
    assert stage.meeting_at == later
    with pytest.raises(DomainError, match="The stage is open"):
        domain.change_stage(editor, stage, meeting_at=MOVED_TO, now=later + timedelta(minutes=1))
    stage.refresh_from_db()
    assert stage.meeting_at == later


# --- The number of places on the stage form -------------------------------------------------


def meeting_data(at, **extra):
    local = timezone.localtime(at, BUCHAREST)
    end = local + timedelta(hours=3)
    data = {
        "kind": "meeting",
        "title": "Dezbatere publică",
        "description": "",
        "opens_date": local.strftime("%Y-%m-%d"),
        "opens_time": local.strftime("%H:%M"),
        "closes_date": end.strftime("%Y-%m-%d"),
        "closes_time": end.strftime("%H:%M"),
        "revision": "",
        "short_period_reason": "",
        "meeting_date": local.strftime("%Y-%m-%d"),
        "meeting_time": local.strftime("%H:%M"),
        "meeting_place": "Sala de consiliu",
        "meeting_link": "",
        "agenda": "",
        "capacity": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def editor_client(en_client, editor):
    en_client.force_login(editor)
    return en_client


@pytest.fixture
def soon():
    """Ten days from now at 18:00 in Bucharest (pages use the real clock)."""
    day = timezone.localtime(timezone.now(), BUCHAREST).date() + timedelta(days=10)
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=BUCHAREST)


def test_the_stage_form_sets_the_number_of_places(editor_client, consultation, soon):
    response = editor_client.post(f"{BASE}/stages/new/", meeting_data(soon, capacity="25"))
    assert response.status_code == 302, response.content.decode()
    stage = Stage.objects.get(consultation=consultation)
    assert (stage.kind, stage.capacity) == ("meeting", 25)
    page = editor_client.get(f"{BASE}/stages/1/edit/").content.decode()
    assert 'name="capacity" value="25"' in page


def test_fewer_places_than_seats_taken_is_refused_with_the_text_kept(
    editor, editor_client, consultation, soon
):
    stage = add_meeting(editor, consultation, at=soon, capacity=3, now=timezone.now())
    for name in ("Ana", "Bogdan", "Carmen"):
        register(UserFactory(display_name=name), stage, timezone.now())
    response = editor_client.post(
        f"{BASE}/stages/1/edit/",
        meeting_data(soon, capacity="2", meeting_place="Sala nouă"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "3 people already have a seat; the meeting cannot have fewer places than that." in page
    assert 'value="Sala nouă"' in page
    stage.refresh_from_db()
    assert (stage.capacity, stage.meeting_place) == (3, "Sala de consiliu")
    assert not ActivityLog.objects.filter(verb="meeting.changed").exists()


def test_more_places_promote_the_waiting_list_in_order(
    editor, editor_client, consultation, soon, django_capture_on_commit_callbacks
):
    stage = add_meeting(editor, consultation, at=soon, capacity=1, now=timezone.now())
    for name in ("Ana", "Bogdan", "Carmen", "Dan"):
        register(UserFactory(display_name=name), stage, timezone.now())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"{BASE}/stages/1/edit/", meeting_data(soon, capacity="3"))
    assert response.status_code == 302, response.content.decode()
    stage.refresh_from_db()
    assert stage.capacity == 3
    assert statuses(stage) == [
        ("Ana", RegistrationStatus.REGISTERED),
        ("Bogdan", RegistrationStatus.REGISTERED),
        ("Carmen", RegistrationStatus.REGISTERED),
        ("Dan", RegistrationStatus.WAITING),
    ]
    assert len(mail.outbox) == 2  # Bogdan and Carmen are told their seat; nobody else
    entry = ActivityLog.objects.get(verb="meeting.capacity_changed")
    assert (entry.old_value, entry.new_value) == ("1", "3")
    # Emptied: no limit, and the last one waiting gets a seat too.
    response = editor_client.post(f"{BASE}/stages/1/edit/", meeting_data(soon))
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.capacity is None
    assert statuses(stage)[-1] == ("Dan", RegistrationStatus.REGISTERED)


# --- An open meeting stage: its new time and link are checked ------------------------------


def open_meeting(editor, consultation, *, at, now):
    """A meeting stage open from a day before `now`, its meeting at `at`."""
    return domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=now - timedelta(days=1),
        closes_at=at + timedelta(hours=3),
        meeting_at=at,
        meeting_place="Sala de consiliu",
        now=now - timedelta(days=2),
    )


def test_an_open_meeting_is_not_moved_into_the_past_nor_loses_its_date(editor, consultation):
    stage = open_meeting(editor, consultation, at=MEETING_AT, now=BEFORE)
    refusals = [
        ({"meeting_at": BEFORE - timedelta(hours=1)}, "a time still to come"),
        ({"meeting_at": BEFORE}, "a time still to come"),
        ({"meeting_at": None}, "can be moved but not removed"),
        ({"meeting_link": "http://meet.example.ro/dezbatere"}, "must start with https://"),
    ]
    for fields, words in refusals:
        with pytest.raises(DomainError, match=words):
            domain.change_stage(editor, stage, now=BEFORE, **fields)
    stage.refresh_from_db()
    assert (stage.meeting_at, stage.meeting_link) == (MEETING_AT, "")
    assert not ActivityLog.objects.filter(verb__in=["meeting.changed", "stage.changed"]).exists()
    later = BEFORE + timedelta(minutes=1)
    stage = domain.change_stage(
        editor, stage, meeting_at=later, meeting_link="https://meet.example.ro/d", now=BEFORE
    )
    assert (stage.meeting_at, stage.meeting_link) == (later, "https://meet.example.ro/d")


def test_a_scheduled_meeting_checks_its_link_too(editor, consultation):
    stage = add_meeting(editor, consultation, at=MEETING_AT, now=T0)
    with pytest.raises(DomainError, match="The online link must start with https://."):
        domain.change_stage(editor, stage, meeting_link="ftp://sala.example.ro", now=BEFORE)
    stage.refresh_from_db()
    assert stage.meeting_link == ""


def test_the_form_refuses_moving_an_open_meeting_into_the_past_with_the_text_kept(
    editor, editor_client, consultation, soon
):
    now = timezone.now()
    stage = open_meeting(editor, consultation, at=soon, now=now)
    past = timezone.localtime(now - timedelta(days=1), BUCHAREST)
    for meeting_date, meeting_time, words in (
        (
            past.strftime("%Y-%m-%d"),
            "10:00",
            "the meeting can only be moved to a time still to come",
        ),
        ("", "", "the meeting&#x27;s date can be moved but not removed"),
    ):
        data = meeting_data(
            soon,
            meeting_date=meeting_date,
            meeting_time=meeting_time,
            meeting_place="Sala nouă",
            description="Ordinea de zi revizuită",
        )
        data["opens_date"] = timezone.localtime(stage.opens_at, BUCHAREST).strftime("%Y-%m-%d")
        data["opens_time"] = timezone.localtime(stage.opens_at, BUCHAREST).strftime("%H:%M")
        response = editor_client.post(f"{BASE}/stages/1/edit/", data)
        assert response.status_code == 400, words
        page = response.content.decode()
        assert words in page
        assert 'value="Sala nouă"' in page
        assert "Ordinea de zi revizuită" in page
    stage.refresh_from_db()
    assert (stage.meeting_at, stage.meeting_place, stage.description) == (
        soon,
        "Sala de consiliu",
        "",
    )
    assert not ActivityLog.objects.filter(verb="meeting.changed").exists()
