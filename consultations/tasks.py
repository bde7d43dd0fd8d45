"""The consultations' Celery tasks. Thin: they delegate to the domain and to the outbox.

Dependencies go one way: this module imports the domain and `consultations.outbox`; neither
imports it. `notify` is defined in the outbox (the domain queues it from there) and named
`consultations.tasks.notify`.
"""

from celery import shared_task

from consultations.domain import events
from consultations.outbox import notify

__all__ = ["notify", "process_stage_events"]


@shared_task
def process_stage_events():
    """Stages that opened or closed since the last run (Celery beat, every few minutes)."""
    return events.process_stage_events()
