"""The activity-log verbs the consultations domain records, with their labels.

Registered by `ConsultationsConfig.ready()` (as every app registers its own), not when a module
is imported.
"""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from consultations.models import (
    CommentState,
    DebateStatus,
    FlagReason,
    Outcome,
    QuestionKind,
    RegistrationStatus,
    StageStatus,
)
from core import activity
from proposals.models import ProposalStatus

VERBS = {
    "consultation.created": _("Consultation created"),
    "consultation.changed": _("Consultation changed"),
    "stage.added": _("Stage added"),
    "stage.changed": _("Stage changed"),
    "stage.removed": _("Scheduled stage removed"),
    "stage.cancelled": _("Stage cancelled"),
    "stage.opened": _("Stage opened"),
    "stage.closed": _("Stage closed"),
    "stage.closed_early": _("Stage closed before its planned date"),
    "stage.minutes_published": _("Meeting minutes published"),
    "meeting.registered": _("Registered for the meeting"),
    "meeting.waiting_listed": _("Put on the meeting's waiting list"),
    "meeting.registration_cancelled": _("Meeting registration cancelled"),
    "meeting.promoted": _("Given a seat from the waiting list"),
    "meeting.capacity_changed": _("Number of places changed"),
    "meeting.changed": _("Meeting's date or place changed"),
    "meeting.attendance_marked": _("Attendance marked"),
    "question.added": _("Question added to the questionnaire"),
    "question.removed": _("Question removed from the questionnaire"),
    "questionnaire.answered": _("Questionnaire answered"),
    "questionnaire.changed": _("Questionnaire response changed"),
    "answer.hidden": _("Questionnaire answer hidden by moderation"),
    "comment.posted": _("Comment posted"),
    "comment.withdrawn": _("Comment withdrawn by its author"),
    "comment.flagged": _("Comment flagged"),
    "comment.held": _("Comment held for review"),
    "comment.hidden": _("Comment hidden by moderation"),
    "comment.restored": _("Comment restored"),
    "comment.flags_dismissed": _("Flags dismissed"),
    "disposition.set": _("Comment answered"),
    "suggestion.applied": _("Suggested wording applied in a revision"),
    "synthesis.published": _("Synthesis published"),
    "recommendation.logged": _("Recommendation received by email or on paper logged"),
    "debate.requested": _("Public debate requested"),
    "debate.scheduled": _("Public debate scheduled"),
    "debate.refused": _("Request for a public debate refused"),
    "debate.withdrawn": _("Request for a public debate withdrawn"),
    # The proposal's moves that follow its stages (`events.sync_proposal_status`).
    "proposal.consultation_opened": _("Consultation opened"),
    "proposal.consultation_closed": _("Consultation closed"),
}


def _labels(choices):
    """A formatter showing a stored code of `choices` as its translated label (the history
    tab); any other value as it is. Side effects: none."""

    def label(entry, value):
        try:
            return choices(value).label
        except ValueError:
            return value

    return label


# The verbs whose old and new values are codes, and the labels they show as.
CODED = {
    "disposition.set": Outcome,
    "comment.withdrawn": CommentState,
    "comment.held": CommentState,
    "comment.hidden": CommentState,
    "comment.restored": CommentState,
    "comment.flagged": FlagReason,
    "stage.cancelled": StageStatus,
    "meeting.registered": RegistrationStatus,
    "meeting.waiting_listed": RegistrationStatus,
    "meeting.registration_cancelled": RegistrationStatus,
    "meeting.promoted": RegistrationStatus,
    "question.added": QuestionKind,
    "question.removed": QuestionKind,
    "debate.requested": DebateStatus,
    "debate.scheduled": DebateStatus,
    "debate.refused": DebateStatus,
    "debate.withdrawn": DebateStatus,
    "proposal.consultation_opened": ProposalStatus,
    "proposal.consultation_closed": ProposalStatus,
}


def moment_label(entry, value):
    """A moment stored as ISO text (a stage's planned and actual closing) as people write it,
    in the current time zone. Side effects: none."""
    moment = parse_datetime(value or "")
    if moment is None:
        return value
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def register():
    """Declare the verbs and their value formatters to `core.activity`.
    Side effects: the verbs and their formatters added to `core.verbs`."""
    activity.register_verbs(VERBS)
    for verb, choices in CODED.items():
        activity.register_formatter(verb, _labels(choices))
    activity.register_formatter("stage.closed_early", moment_label)
    activity.register_formatter("meeting.changed", moment_label)
