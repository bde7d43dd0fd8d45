"""Deadline reminders: registrars before the deadline, the sender once it has passed; each
in the recipient's language, and never twice."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from registrations import domain as registration
from registrations.models import Reminder
from tests.factories import MembershipFactory
from tests.helpers import submit

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 1, 29, 10, 0, tzinfo=ZoneInfo("Europe/Bucharest"))


@pytest.fixture
def registered(published, ngo_editor, registrar, verified_authority):
    submission = submit(ngo_editor, published, now=SENT)
    registration.register_submission(
        registrar,
        submission,
        number="1024",
        registration_date=date(2026, 1, 30),
        today=date(2026, 2, 2),
    )
    submission.refresh_from_db()
    assert submission.deadline == date(2026, 3, 2)
    return submission


@pytest.fixture
def registrars(registrar, verified_authority):
    """Three people who register for the authority: Romanian, Bulgarian and English readers."""
    bulgarian = MembershipFactory(
        organization=verified_authority, role="registrar", user__language="bg"
    ).user
    english = MembershipFactory(
        organization=verified_authority, role="admin", user__language="en"
    ).user
    return {"ro": registrar, "bg": bulgarian, "en": english}


def run(today, capture):
    with capture(execute=True):
        return registration.send_answer_reminders(today=today)


def by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_due_soon_reminds_registrars_in_their_language_once_a_day(
    registered, registrars, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    # Monday 23 February: the deadline (Monday 2 March) is 5 working days away.
    assert run(date(2026, 2, 23), django_capture_on_commit_callbacks) == {
        "due_soon": 3,
        "overdue": 0,
    }
    messages = by_recipient()
    assert set(messages) == {user.email for user in registrars.values()}
    assert "Termen de răspuns: 2 martie 2026 inclusiv" in messages[registrars["ro"].email].subject
    assert "2 март 2026 г. включително" in messages[registrars["bg"].email].subject
    assert "2 March 2026 inclusive" in messages[registrars["en"].email].subject
    assert registered.get_absolute_url() in messages[registrars["en"].email].body
    # The same day again: nothing new.
    assert run(date(2026, 2, 23), django_capture_on_commit_callbacks) == {
        "due_soon": 0,
        "overdue": 0,
    }
    assert len(mail.outbox) == 3
    # The next day, another reminder each.
    assert run(date(2026, 2, 24), django_capture_on_commit_callbacks)["due_soon"] == 3
    assert Reminder.objects.filter(kind="due_soon").count() == 6


def test_no_reminder_six_working_days_before(
    registered, registrars, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    # Friday 20 February: 6 working days before the deadline.
    assert run(date(2026, 2, 20), django_capture_on_commit_callbacks) == {
        "due_soon": 0,
        "overdue": 0,
    }
    assert mail.outbox == []


def test_overdue_tells_the_sender_once(
    registered, ngo_editor, ngo_admin, registrars, django_capture_on_commit_callbacks
):
    profile = ngo_admin.profile
    profile.language = "bg"
    profile.save()
    mail.outbox.clear()
    assert run(date(2026, 3, 3), django_capture_on_commit_callbacks) == {
        "due_soon": 0,
        "overdue": 2,
    }
    messages = by_recipient()
    assert set(messages) == {ngo_editor.email, ngo_admin.email}
    assert "2 martie 2026" in messages[ngo_editor.email].body
    assert "2 март 2026 г." in messages[ngo_admin.email].body
    assert registered.tracking_code in messages[ngo_editor.email].subject
    assert run(date(2026, 3, 3), django_capture_on_commit_callbacks)["overdue"] == 0
    assert run(date(2026, 3, 10), django_capture_on_commit_callbacks)["overdue"] == 0
    assert len(mail.outbox) == 2


def test_answered_submissions_get_no_reminders(
    registered, registrar, django_capture_on_commit_callbacks
):
    registration.answer_submission(
        registrar,
        registered,
        answer_status="rejected",
        text="Nu.",
        answered_on=date(2026, 2, 20),
        today=date(2026, 2, 20),
    )
    mail.outbox.clear()
    assert run(date(2026, 2, 23), django_capture_on_commit_callbacks) == {
        "due_soon": 0,
        "overdue": 0,
    }
    assert run(date(2026, 3, 3), django_capture_on_commit_callbacks) == {
        "due_soon": 0,
        "overdue": 0,
    }
    assert mail.outbox == []


def test_command_and_beat_entry(registered, registrars, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_answer_reminders", "--date", "2026-02-23", stdout=out)
    assert out.getvalue() == "Reminders queued: 3 due soon, 0 overdue.\n"
    out = io.StringIO()
    call_command("send_answer_reminders", "--date", "2026-02-23", stdout=out)
    assert out.getvalue() == "Reminders queued: 0 due soon, 0 overdue.\n"
    entry = settings.CELERY_BEAT_SCHEDULE["answer-reminders"]
    assert entry["task"] == "registrations.tasks.send_answer_reminders"
    from registrations.tasks import send_answer_reminders

    assert send_answer_reminders.name == entry["task"]


def test_command_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command("send_answer_reminders", "--date", "23.02.2026")
