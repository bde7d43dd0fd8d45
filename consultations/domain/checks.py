"""What each command requires of the state of things, one function per action.

Read-only: each raises the error the command would raise (`InvalidTransition` for a state that
does not allow the move, `DomainError` otherwise) and returns nothing when the action is
possible. The commands call them first; pages call them through `core.permissions.passes` to
decide whether to offer an action, so a page never offers what the command would refuse and
never words a refusal differently. Who may act is the rules' business (`consultations.rules`,
through `core.permissions`), not theirs.
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consultations.domain.common import resolve_now
from consultations.domain.queries import answer_progress, has_synthesis
from consultations.models import COMMENT_TRANSITIONS, CommentState, StageKind, StageStatus
from core.errors import DomainError, InvalidTransition
from proposals.models import ProposalStatus

# Replies go at most this many levels below a top-level comment (levels 0..MAX_LEVEL).
MAX_LEVEL = 3


class StageClosed(InvalidTransition):
    """A comment or reaction arrived when the stage was not open."""


def _format(moment, zone):
    return date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")


# --- Stages -----------------------------------------------------------------------------------


def check_takes_comments(stage, now=None):
    """The stage takes comments, replies and reactions at `now`: a public, not withdrawn
    proposal; a commenting stage; open. The error's code says why not ("not_public",
    "withdrawn", "no_comments", or the stage's status), for pages that explain it.
    Side effects: none."""
    now = resolve_now(now)
    proposal = stage.consultation.proposal
    if not proposal.is_public:
        raise DomainError(_("This consultation is not public."), code="not_public")
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise StageClosed(
            _("The proposal was withdrawn; the consultation no longer takes comments."),
            code="withdrawn",
        )
    if not stage.accepts_comments:
        raise DomainError(_("This stage does not take written comments."), code="no_comments")
    status = stage.status_at(now)
    zone = proposal.organization.zone
    if status == StageStatus.CANCELLED:
        raise StageClosed(_("This stage was cancelled; it no longer takes comments."), code=status)
    if status == StageStatus.SCHEDULED:
        raise StageClosed(
            _("This stage opens on %(date)s; comments cannot be posted before then.")
            % {"date": _format(stage.opens_at, zone)},
            code=status,
        )
    if status == StageStatus.CLOSED:
        raise StageClosed(
            _(
                "This stage closed on %(date)s; your comment was not saved. Your text is kept "
                "below so that you can copy it."
            )
            % {"date": _format(stage.closes_at, zone)},
            code=status,
        )


def check_stage_change(stage, now=None):
    """A stage can change until it closes or is cancelled (what may change while it is open is
    `stages.change_stage`'s business). Side effects: none."""
    now = resolve_now(now)
    status = stage.status_at(now)
    if status in (StageStatus.CLOSED, StageStatus.CANCELLED):
        raise InvalidTransition(
            _("The stage is %(status)s; it can no longer be changed.")
            % {"status": StageStatus(status).label.lower()},
            code=status,
        )


def check_stage_remove(stage, now=None):
    """Only a stage that has not opened yet is removed; an opened one is cancelled instead.
    Side effects: none."""
    now = resolve_now(now)
    if stage.status_at(now) != StageStatus.SCHEDULED:
        raise InvalidTransition(
            _("A stage that has opened is never removed; cancel it instead."), code="opened"
        )


def check_stage_cancel(stage, now=None):
    """A scheduled or open stage can be cancelled; a closed one took place. Side effects: none."""
    now = resolve_now(now)
    status = stage.status_at(now)
    if status == StageStatus.CANCELLED:
        raise InvalidTransition(_("The stage was already cancelled."), code=status)
    if status == StageStatus.CLOSED:
        raise InvalidTransition(
            _("The stage has closed; a stage that took place cannot be cancelled."), code=status
        )


def check_close_early(stage, now=None):
    """An open stage that takes comments can be closed before its planned date.
    Side effects: none."""
    now = resolve_now(now)
    if not stage.accepts_comments:
        raise DomainError(_("Only a stage that takes comments can be closed early."))
    status = stage.status_at(now)
    if status != StageStatus.OPEN:
        raise InvalidTransition(_("Only an open stage can be closed early."), code=status)


def check_minutes(stage, now=None):
    """Minutes belong to a public meeting that took place and was not cancelled.
    Side effects: none."""
    now = resolve_now(now)
    if stage.kind != StageKind.MEETING:
        raise DomainError(_("Only a public meeting has minutes."))
    if stage.cancelled_at is not None:
        raise InvalidTransition(_("The meeting was cancelled."), code=StageStatus.CANCELLED)
    held_at = stage.meeting_at or stage.opens_at
    if held_at > now:
        raise InvalidTransition(
            _("The minutes can be published once the meeting has taken place."),
            code=StageStatus.SCHEDULED,
        )


def check_synthesis_ready(stage, now=None):
    """The stage's synthesis can be published now: a commenting stage, closed, not published
    yet, every shown top-level comment answered. Side effects: none."""
    now = resolve_now(now)
    if not stage.accepts_comments:
        raise DomainError(_("Only a stage that took comments has a synthesis."))
    status = stage.status_at(now)
    if status in (StageStatus.SCHEDULED, StageStatus.OPEN):
        raise InvalidTransition(
            _("The stage is still %(status)s; publish the synthesis after it closes.")
            % {"status": StageStatus(status).label.lower()},
            code=status,
        )
    if has_synthesis(stage):
        raise InvalidTransition(
            _("The synthesis of this stage is already published."), code="published"
        )
    answered, total = answer_progress(stage)
    if answered < total:
        raise InvalidTransition(
            _(
                "%(missing)s of %(total)s comments have no answer yet; every comment must be "
                "answered before the synthesis is published."
            )
            % {"missing": total - answered, "total": total},
            code="unanswered",
        )


# --- Comments ---------------------------------------------------------------------------------


def check_comment_move(comment, target, message):
    """`comment` may go from its state to `target` (`COMMENT_TRANSITIONS`); else `message`.
    Side effects: none."""
    if target not in COMMENT_TRANSITIONS[CommentState(comment.state)]:
        raise InvalidTransition(message, code=comment.state)


def check_reply_to(parent):
    """A reply goes under a shown comment, at most MAX_LEVEL levels deep. Side effects: none."""
    if parent.state != CommentState.VISIBLE:
        raise InvalidTransition(
            _("The comment you are replying to is no longer shown."), code=parent.state
        )
    if parent.level >= MAX_LEVEL:
        raise DomainError(
            _("Replies go at most %(levels)s levels deep; reply higher up in the thread.")
            % {"levels": MAX_LEVEL},
            code="too_deep",
        )


def check_react(user, comment):
    """Reactions go to shown comments of others (the stage open: `check_takes_comments`).
    Side effects: none."""
    if comment.state != CommentState.VISIBLE:
        raise InvalidTransition(_("This comment is not shown."), code=comment.state)
    if comment.user_id == user.pk:
        raise DomainError(_("You cannot react to your own comment."), code="own")


def check_flag(user, comment):
    """Flags go to shown comments of others. Side effects: none."""
    if comment.user_id == user.pk:
        raise DomainError(_("You cannot flag your own comment; withdraw it instead."), code="own")
    if comment.state != CommentState.VISIBLE:
        raise InvalidTransition(
            _("This comment is not shown; it cannot be flagged."), code=comment.state
        )


def check_withdraw(comment):
    """A comment is withdrawn once, unless hidden, and not once its stage's synthesis is
    published (it is part of the record then). Side effects: none."""
    check_comment_move(
        comment,
        CommentState.WITHDRAWN,
        _("You already withdrew this comment.")
        if comment.state == CommentState.WITHDRAWN
        else _("This comment was hidden by moderation."),
    )
    if has_synthesis(comment.stage):
        raise InvalidTransition(
            _("The synthesis of this stage is published; its comments are part of the record."),
            code="published",
        )


def check_hide(comment):
    """A shown or held comment can be hidden. Side effects: none."""
    check_comment_move(comment, CommentState.HIDDEN, _("This comment is already not shown."))


def check_restore(comment):
    """A hidden or held comment can be shown again. Side effects: none."""
    check_comment_move(
        comment, CommentState.VISIBLE, _("Only a hidden or held comment can be restored.")
    )


def check_dismiss_flags(comment):
    """There are flags waiting for review. Side effects: none."""
    if comment.open_flags <= 0:
        raise InvalidTransition(_("This comment has no flags waiting for review."), code="no_flags")


def check_answer(comment):
    """A shown comment is answered until its stage's synthesis is published. Side effects: none."""
    if has_synthesis(comment.stage):
        raise InvalidTransition(
            _("The synthesis of this stage is published; its answers can no longer change."),
            code="published",
        )
    if comment.state != CommentState.VISIBLE:
        raise InvalidTransition(
            _("Only comments that are shown can be answered."), code=comment.state
        )
