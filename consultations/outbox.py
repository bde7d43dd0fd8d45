"""How the consultations domain asks for emails: one call per event, inside its transaction.

Each function below asks `core.mail.notify` for the emails of one event once the transaction
commits (nothing is sent about a change that rolls back); in the worker,
`consultations.notifications.emails` decides the recipients and `core.mail` renders each email
in its recipient's language. This module imports neither the domain nor the tasks.
"""

from core import mail


def queue(kind, pk):
    """Send the emails of one event (`consultations.notifications.KINDS`) after commit."""
    mail.notify(f"consultations.{kind}", pk=pk)


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


def meeting_registered(registration):
    """The participant is told they have a seat, or their place on the waiting list."""
    queue("meeting_registered", registration.pk)


def meeting_promoted(registration):
    """The participant who waited is told a seat became free and is now theirs."""
    queue("meeting_promoted", registration.pk)


def meeting_reminder(registration_id):
    """The participant is reminded of the meeting the day before."""
    queue("meeting_reminder", registration_id)


def meeting_changed(entry):
    """Everyone registered for the meeting (seats and waiting list) is told its date or place
    changed: one email each per change, `entry` being the change's log row."""
    mail.notify("consultations.meeting_changed", pk=entry.pk)
