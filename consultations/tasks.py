"""The consultations' Celery tasks. Thin: they delegate to the domain and to `core.mail`."""

from celery import shared_task

from consultations.domain import events, meetings
from consultations.domain.grouping import group_comment_task, group_pending_task, stage_run_task
from core.mail import send_notifications

# Defined with what they run (`consultations.domain.grouping`), registered where Celery looks.
__all__ = [
    "build_synthesis_pdf",
    "group_comment_task",
    "group_pending_task",
    "notify",
    "process_stage_events",
    "send_meeting_reminders",
    "stage_run_task",
]


@shared_task
def process_stage_events():
    """Stages that opened or closed since the last run (Celery beat, every few minutes)."""
    return events.process_stage_events()


@shared_task
def send_meeting_reminders():
    """The reminders of the day before for meetings starting within 24 hours (Celery beat)."""
    return meetings.send_meeting_reminders()


@shared_task
def notify(kind, pk):
    """Emails queued before `core.mail` sent every email (kept for messages still in a queue)."""
    send_notifications.delay(f"consultations.{kind}", {"pk": pk})


@shared_task(soft_time_limit=3600, time_limit=3700)
def build_synthesis_pdf(file_id):
    """Lay out the PDF of a large synthesis (`consultations.synthesis_files.build_pdf`)."""
    from consultations.models import SynthesisFile
    from consultations.synthesis_files import build_pdf

    synthesis_file = SynthesisFile.objects.select_related("synthesis").filter(pk=file_id).first()
    if synthesis_file is not None:
        build_pdf(synthesis_file)
