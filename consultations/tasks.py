from celery import shared_task

from core.tasks import send_email


@shared_task
def notify(kind, pk):
    """Email everyone concerned by one event, each in their own language."""
    from consultations.notifications import build

    for recipient, subject, body, headers in build(kind, pk):
        send_email.delay(subject, body, [recipient], headers=headers)


@shared_task
def process_stage_events():
    """Stages that opened or closed since the last run (Celery beat, every few minutes)."""
    from consultations.domain import process_stage_events as process

    return process()
