"""A broker that cannot be reached (production: Celery on Redis) never fails a request after its
commit: a reply is saved and its email event stored for `manage.py send_notifications`, the
comments and the search queue wait for the next task, an invitation (its link a secret never
stored) and allauth's emails are sent in process, once."""

import logging

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from accounts import domain as accounts_domain
from consultations.domain import grouping
from consultations.models import StageComment
from core.models import PendingNotification
from search import indexing
from tests.consultations.page_helpers import comment

pytestmark = pytest.mark.django_db

QUEUE_FAILED = "The task {} could not be queued: the broker cannot be reached"
PAUSED = "The task {} was not queued: the broker could not be reached just now."


@pytest.fixture
def celery_mode(settings):
    settings.NOTIFICATION_EMAILS = "celery"
    settings.SEARCH_INDEX_UPDATES = "celery"


def _errors(caplog):
    """The warnings and errors logged, the broker's own words (the system's) cut off."""
    return [
        record.getMessage().split(" (Error ")[0]
        for record in caplog.records
        if record.levelno >= logging.WARNING
    ]


def test_a_reply_with_the_broker_down_is_saved_and_its_email_waits_for_the_command(
    en_client,
    open_stage,
    citizen,
    citizen2,
    celery_mode,
    broker_down,
    caplog,
    django_capture_on_commit_callbacks,
):
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        parent = comment(citizen, open_stage, text="Părinte")
    # Tried once; then this process does not wait for the broker again for a while.
    assert _errors(caplog) == [
        QUEUE_FAILED.format("search.tasks.drain_index_queue"),
        PAUSED.format("consultations.group_pending"),
    ]
    en_client.force_login(citizen2)
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = en_client.post(f"/comments/{parent.pk}/reply/", {"text": "Copil"})
    reply = StageComment.objects.get(comment="Copil")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{reply.pk}")
    assert len(callbacks) == 3
    # The event is stored as without a broker, its params as the task would have had them.
    event = PendingNotification.objects.get()
    assert (event.kind, event.params, event.attempts) == (
        "consultations.reply",
        {"pk": reply.pk},
        0,
    )
    # (What was not queued already is not logged again while the broker is not tried.)
    assert _errors(caplog) == [
        PAUSED.format("core.tasks.send_notifications"),
        "An event (consultations.reply) was stored for `manage.py send_notifications`: its "
        "task could not be queued.",
    ]
    assert mail.outbox == []
    # The comment waits to be counted and its index row to be applied: nothing is lost.
    assert StageComment.objects.filter(pk=reply.pk, count_pending=True).exists()


def test_the_command_sends_a_stored_event_in_process_while_the_broker_is_down(
    open_stage, citizen, citizen2, celery_mode, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        parent = comment(citizen, open_stage, text="Părinte")
    with django_capture_on_commit_callbacks(execute=True):
        comment(citizen2, open_stage, text="Copil", parent_id=parent.pk)
    assert PendingNotification.objects.count() == 1
    # Celery beat runs the same every minute (`send_stored_notifications`).
    call_command("send_notifications", verbosity=0)
    # Sent here, without using up one of the event's attempts on the broker.
    assert PendingNotification.objects.count() == 0
    assert [message.to for message in mail.outbox] == [[citizen.email]]
    assert "Copil" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("schedule", "mark", "task"),
    [
        (grouping.schedule_grouping, grouping.GROUPING_QUEUED, "consultations.group_pending"),
        (indexing.schedule_drain, indexing.DRAIN_QUEUED, "search.tasks.drain_index_queue"),
    ],
)
def test_a_task_not_queued_leaves_no_mark_so_the_next_commit_tries_again(
    settings, tmp_path, celery_mode, broker_down, caplog, schedule, mark, task
):
    # A cache the processes share (not locmem): the mark says a task is waiting.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        },
    }
    with caplog.at_level(logging.WARNING):
        schedule()
        assert cache.get(mark) is None
        schedule()
        assert cache.get(mark) is None
    # Tried once, then not again for a while (and not logged again).
    assert _errors(caplog) == [QUEUE_FAILED.format(task)]


def test_an_invitation_with_the_broker_down_is_sent_in_process_and_never_stored(
    ngo, ngo_admin, broker_down, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        invitation = accounts_domain.invite_member(
            ngo_admin, ngo, "noua@example.org", "editor", base_url="https://consult.test/"
        )
    assert invitation.pk is not None
    assert PendingNotification.objects.count() == 0
    assert [message.to for message in mail.outbox] == [["noua@example.org"]]
    assert "https://consult.test/" in mail.outbox[0].body
    assert _errors(caplog) == [
        QUEUE_FAILED.format("core.tasks.send_notifications"),
        PAUSED.format("core.tasks.send_email"),
    ]


def test_a_password_reset_with_the_broker_down_sends_its_email_in_process(
    en_client, citizen, broker_down, caplog
):
    with caplog.at_level(logging.WARNING):
        response = en_client.post("/accounts/password/reset/", {"email": citizen.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert [message.to for message in mail.outbox] == [[citizen.email]]
    assert _errors(caplog) == [QUEUE_FAILED.format("core.tasks.send_email")]
