"""How the consultations domain asks for emails: one call per event, inside its transaction.

Each function below queues the `notify` task for after the transaction commits (nothing is sent
for a change that rolls back); the task decides the recipients from the database and renders
each email in its recipient's language (`consultations.notifications`).

The task lives here rather than in `consultations.tasks` so that dependencies go one way: the
domain imports this module, `consultations.tasks` imports the domain and this module, and
neither this module nor `consultations.notifications` imports the domain or the tasks. Its
registered name stays `consultations.tasks.notify`, so messages already queued still run.
"""

from celery import shared_task
from django.db import transaction

from consultations import notifications
from core.tasks import send_email


@shared_task(name="consultations.tasks.notify")
def notify(kind, pk):
    """Email everyone concerned by one event, each in their own language."""
    for recipient, subject, body, headers in notifications.build(kind, pk):
        send_email.delay(subject, body, [recipient], headers=headers)


def queue(kind, pk):
    """Queue the emails about one event (`notifications.build` kinds) once the current
    transaction commits."""
    transaction.on_commit(lambda: notify.delay(kind, pk))


def reply_posted(comment):
    """The author of the comment replied to is told (unless they opted out)."""
    queue("reply", comment.pk)


def stage_opened(stage):
    """The consultation's followers are told the stage is open (or that a new revision is)."""
    queue("stage_opened", stage.pk)


def stage_closed(stage):
    """The consultation's followers are told the stage closed."""
    queue("stage_closed", stage.pk)


def stage_cancelled(stage):
    """The consultation's followers are told the stage was cancelled, and why."""
    queue("stage_cancelled", stage.pk)


def synthesis_published(synthesis):
    """The consultation's followers are told the stage's synthesis is published."""
    queue("synthesis", synthesis.pk)
