"""Actions on consultations, stages, comments, answers and syntheses, one module per concern.

Each command checks its rule first (`core.permissions.require`: `NotAllowed`), then the move
(`checks`: `InvalidTransition` for a state that does not allow it, `DomainError` for bad input),
writes it in one transaction, records an activity-log row and queues the emails
(`consultations.outbox`); its docstring lists its side effects. Every refusal carries a message
the view shows as it is. Commands take `now` so that tests and demo data can act at a given
moment; web requests leave it to the clock. Pages only ask `checks`, `queries` and `periods`,
which never write.

- `stages`: consultations and their stages (create, change, remove, cancel, close early,
  minutes);
- `periods`: the legal length of a written-comments stage, and of an authority's announcement
  of its own draft;
- `debates`: public debates requested by NGOs on an authority's draft, and their answers;
- `recommendations`: recommendations received by email or on paper, logged as comments;
- `events`: recording stage openings and closings, and the proposal's status that follows;
- `comments`: comments, replies, reactions, withdrawal;
- `moderation`: flags, hiding, restoring;
- `suggestions`: suggestions of wording applied in a new revision of the text;
- `synthesis`: answers (one by one, or a selection at once) and the published synthesis;
- `grouping`: grouping identical and near-identical comments (form-letter campaigns);
- `following`: following a consultation by email;
- `meetings`: registrations for public meetings (seats, waiting list, cancellations, the
  reminder of the day before) and their attendance;
- `questionnaires`: questions asked beside a stage's comments, one response per participant,
  the results (imported as `consultations.domain.questionnaires`);
- `common`: the clock, the versions that key cached pages and threads (a thread's, the stage's)
  and the stored comment counts;
- `checks`: what each command requires of the state of things (read-only; the commands call
  them first, pages call them to decide which actions to offer);
- `queries`: read-only questions (labels, answer progress, synthesis table, due events, the
  proposal's status as the dates make it);
- `verbs`: the activity-log verbs, registered by the app's `ready()`.

The names below are the package's interface (`from consultations import domain`, then
`domain.post_comment(...)`).
"""

from consultations.domain.checks import (
    MAX_LEVEL,
    StageClosed,
    check_answer,
    check_close_early,
    check_dismiss_flags,
    check_flag,
    check_hide,
    check_minutes,
    check_react,
    check_reply_to,
    check_restore,
    check_stage_cancel,
    check_stage_change,
    check_stage_remove,
    check_synthesis_ready,
    check_takes_comments,
    check_withdraw,
)
from consultations.domain.comments import (
    MAX_COMMENT_LENGTH,
    MAX_QUOTE_LENGTH,
    post_comment,
    react,
    withdraw_comment,
)
from consultations.domain.common import fold_counts, mark_pages, recount_comments
from consultations.domain.debates import (
    answered_late,
    check_debate_answerable,
    check_debate_requestable,
    check_debate_withdrawable,
    due_on,
    is_overdue,
    meetings_for,
    refuse_debate,
    request_debate,
    schedule_debate,
    withdraw_debate,
)
from consultations.domain.events import (
    process_due_events,
    process_stage_events,
    sync_proposal_status,
)
from consultations.domain.following import follow, unfollow
from consultations.domain.grouping import group_comment, group_pending, group_stage
from consultations.domain.meetings import (
    active_registration,
    attendance_count,
    cancel_registration,
    check_attendance,
    check_cancel_registration,
    check_capacity_change,
    check_takes_registrations,
    held_at,
    mark_attendance,
    public_attendance,
    register_for_meeting,
    seat_counts,
    send_meeting_reminders,
    set_capacity,
    waiting_position,
)
from consultations.domain.moderation import (
    dismiss_flags,
    flag_comment,
    flag_threshold,
    hide_comment,
    restore_comment,
)
from consultations.domain.periods import (
    ShortPeriod,
    announcement_working_days,
    check_announcement,
    check_period,
    earliest_adoption,
    is_short,
    legal_minimum,
    period_length,
)
from consultations.domain.queries import (
    WHOLE_TEXT,
    answer_counts,
    answer_groups,
    answer_progress,
    answer_selection,
    block_keys,
    block_labels,
    block_text,
    consultation_status_moves,
    current_synthesis_counts,
    current_synthesis_paragraphs,
    due_stage_events,
    has_synthesis,
    open_stages,
    proposal_status_at,
    selection_size,
    stage_to_post_to,
    status_from_dates,
    synthesis_comments,
    synthesis_counts,
    synthesis_row_chunks,
    synthesis_rows,
)
from consultations.domain.recommendations import (
    check_logs_recommendations,
    log_recommendation,
)
from consultations.domain.stages import (
    STAGE_TEXT_FIELDS,
    add_stage,
    cancel_stage,
    change_consultation,
    change_stage,
    close_stage_early,
    create_consultation,
    publish_minutes,
    remove_stage,
)
from consultations.domain.suggestions import (
    check_applicable,
    save_suggestion,
    suggestion_draft,
)
from consultations.domain.synthesis import (
    answer_comments,
    clean_answer,
    publish_synthesis,
    set_disposition,
)
from core.errors import DomainError

__all__ = [
    "active_registration",
    "attendance_count",
    "cancel_registration",
    "check_attendance",
    "check_cancel_registration",
    "check_capacity_change",
    "check_takes_registrations",
    "held_at",
    "mark_attendance",
    "public_attendance",
    "register_for_meeting",
    "seat_counts",
    "send_meeting_reminders",
    "set_capacity",
    "waiting_position",
    "DomainError",
    "check_applicable",
    "save_suggestion",
    "suggestion_draft",
    "MAX_COMMENT_LENGTH",
    "MAX_LEVEL",
    "MAX_QUOTE_LENGTH",
    "STAGE_TEXT_FIELDS",
    "WHOLE_TEXT",
    "ShortPeriod",
    "StageClosed",
    "add_stage",
    "announcement_working_days",
    "answered_late",
    "check_announcement",
    "check_debate_answerable",
    "check_debate_withdrawable",
    "check_debate_requestable",
    "check_logs_recommendations",
    "due_on",
    "earliest_adoption",
    "is_overdue",
    "log_recommendation",
    "meetings_for",
    "refuse_debate",
    "withdraw_debate",
    "request_debate",
    "schedule_debate",
    "answer_comments",
    "answer_counts",
    "answer_groups",
    "answer_progress",
    "answer_selection",
    "block_keys",
    "block_labels",
    "block_text",
    "cancel_stage",
    "change_consultation",
    "change_stage",
    "close_stage_early",
    "check_answer",
    "check_close_early",
    "check_dismiss_flags",
    "check_flag",
    "check_hide",
    "check_minutes",
    "check_period",
    "check_react",
    "check_reply_to",
    "check_restore",
    "check_stage_cancel",
    "check_stage_change",
    "check_stage_remove",
    "check_synthesis_ready",
    "check_takes_comments",
    "check_withdraw",
    "clean_answer",
    "consultation_status_moves",
    "create_consultation",
    "current_synthesis_counts",
    "current_synthesis_paragraphs",
    "dismiss_flags",
    "due_stage_events",
    "flag_comment",
    "flag_threshold",
    "fold_counts",
    "follow",
    "group_comment",
    "group_pending",
    "group_stage",
    "has_synthesis",
    "hide_comment",
    "is_short",
    "legal_minimum",
    "mark_pages",
    "period_length",
    "open_stages",
    "post_comment",
    "process_due_events",
    "process_stage_events",
    "proposal_status_at",
    "publish_minutes",
    "publish_synthesis",
    "react",
    "recount_comments",
    "remove_stage",
    "restore_comment",
    "selection_size",
    "set_disposition",
    "status_from_dates",
    "sync_proposal_status",
    "synthesis_comments",
    "synthesis_counts",
    "synthesis_row_chunks",
    "stage_to_post_to",
    "synthesis_rows",
    "unfollow",
    "withdraw_comment",
]
