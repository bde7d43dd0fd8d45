"""Moderation: participants flag comments; moderators hide, restore or dismiss the flags."""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.domain import checks
from consultations.domain.comments import NOT_PUBLIC, lock_comment, set_comment_state
from consultations.domain.common import resolve_now
from consultations.models import CommentState, Flag, FlagReason, StageComment
from core import activity
from core.errors import DomainError
from core.permissions import require
from core.text import clean_text

MODERATORS_ONLY = gettext_lazy("Only moderators can do this.")


def flag_threshold():
    """Open flags that hold a comment for review (setting `CONSULTATION_FLAGS_TO_HOLD`).
    Side effects: none."""
    return getattr(settings, "CONSULTATION_FLAGS_TO_HOLD", 3)


@transaction.atomic
def flag_comment(user, comment, *, reason, note="", now=None):
    """A participant asks the moderators to review a shown comment (once per person). At
    `flag_threshold()` open flags the comment is held: hidden until a moderator decides.
    Returns the comment.

    Side effects: locks the comment's row; the flag; the comment's flag count; a log row
    ("comment.flagged", the reason); at the threshold, the comment held (`set_comment_state`:
    threads version, search queue) and a log row by the system ("comment.held")."""
    now = resolve_now(now)
    require(
        user,
        "consultations.participate",
        message=_("Confirm your email address before flagging."),
        code="unverified",
    )
    comment = lock_comment(comment)
    require(user, "consultations.view", comment, message=NOT_PUBLIC, code="not_public")
    checks.check_flag(user, comment)
    if reason not in FlagReason.values:
        raise DomainError(_("Choose why the comment should be reviewed."))
    note = clean_text(note, field=_("The details"), max_length=500)
    if Flag.objects.filter(comment=comment, user=user).exists():
        raise DomainError(_("You already flagged this comment; a moderator will review it."))
    Flag.objects.create(comment=comment, user=user, reason=reason, note=note)
    StageComment.objects.filter(pk=comment.pk).update(flag_count=F("flag_count") + 1)
    comment.flag_count += 1
    activity.record(user, "comment.flagged", comment, scope=comment.stage, new=reason)
    if comment.open_flags >= flag_threshold():
        set_comment_state(comment, None, CommentState.HELD, "", now)
        activity.record(
            None,
            "comment.held",
            comment,
            scope=comment.stage,
            old=CommentState.VISIBLE,
            new=CommentState.HELD,
            data={"flags": comment.flag_count},
        )
    return comment


@transaction.atomic
def hide_comment(moderator, comment, reason, *, now=None):
    """A moderator hides a comment, with a reason shown in its place. Returns the comment.

    Side effects: locks the comment's row; its state becomes hidden (`set_comment_state`:
    threads version, search queue); its flags so far count as reviewed; a log row
    ("comment.hidden", old → hidden, the reason)."""
    now = resolve_now(now)
    require(moderator, "consultations.moderate", message=MODERATORS_ONLY)
    comment = lock_comment(comment)
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=1000)
    checks.check_hide(comment)
    old = comment.state
    set_comment_state(comment, moderator, CommentState.HIDDEN, reason, now)
    StageComment.objects.filter(pk=comment.pk).update(flags_reviewed=F("flag_count"))
    activity.record(
        moderator,
        "comment.hidden",
        comment,
        scope=comment.stage,
        old=old,
        new=CommentState.HIDDEN,
        data={"reason": reason},
    )
    return comment


@transaction.atomic
def restore_comment(moderator, comment, *, now=None):
    """Show a hidden or held comment again; the flags seen so far no longer count. Returns the
    comment.

    Side effects: locks the comment's row; its state becomes visible (`set_comment_state`:
    threads version, search queue); its flags count as reviewed; a log row ("comment.restored",
    old → visible)."""
    now = resolve_now(now)
    require(moderator, "consultations.moderate", message=MODERATORS_ONLY)
    comment = lock_comment(comment)
    checks.check_restore(comment)
    old = comment.state
    set_comment_state(comment, moderator, CommentState.VISIBLE, "", now)
    StageComment.objects.filter(pk=comment.pk).update(flags_reviewed=F("flag_count"))
    activity.record(
        moderator, "comment.restored", comment, scope=comment.stage, old=old, new="visible"
    )
    return comment


@transaction.atomic
def dismiss_flags(moderator, comment):
    """A moderator finds nothing wrong with a flagged comment; a held one is restored
    (`restore_comment`). Returns the comment.

    Side effects: locks the comment's row; its flags count as reviewed; a log row
    ("comment.flags_dismissed", the flag count) — or, when held, those of `restore_comment`."""
    require(moderator, "consultations.moderate", message=MODERATORS_ONLY)
    comment = lock_comment(comment)
    checks.check_dismiss_flags(comment)
    if comment.state == CommentState.HELD:
        return restore_comment(moderator, comment)
    StageComment.objects.filter(pk=comment.pk).update(flags_reviewed=F("flag_count"))
    activity.record(
        moderator, "comment.flags_dismissed", comment, scope=comment.stage, new=comment.flag_count
    )
    return comment
