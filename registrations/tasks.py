"""Background tasks of the registrations app. Thin: they delegate to the domain and are
idempotent."""

from celery import shared_task


@shared_task
def send_answer_reminders():
    """Daily: remind registrars of answers due soon and senders of overdue answers."""
    from registrations.domain import send_answer_reminders as send

    return send()
