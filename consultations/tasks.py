"""The consultations' Celery tasks. Thin: they delegate to the domain and to `core.mail`."""

from celery import shared_task

from consultations.domain import events
from core.mail import send_notifications


@shared_task
def process_stage_events():
    """Stages that opened or closed since the last run (Celery beat, every few minutes)."""
    return events.process_stage_events()


@shared_task
def notify(kind, pk):
    """Emails queued before `core.mail` sent every email (kept for messages still in a queue)."""
    send_notifications.delay(f"consultations.{kind}", {"pk": pk})
