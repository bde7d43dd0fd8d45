"""Moderation: participants flag comments; moderators hide, restore or dismiss the flags."""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from consultations.domain.comments import lock_comment, set_comment_state
from consultations.domain.common import clean_text, resolve_now
from consultations.domain.queries import can_participate
from consultations.models import CommentState, Flag, FlagReason, StageComment
from core import activity
from core.errors import DomainError


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
    if not can_participate(user):
        raise DomainError(_("Confirm your email address before flagging."), code="unverified")
    comment = lock_comment(comment)
    if comment.user_id == user.pk:
        raise DomainError(_("You cannot flag your own comment; withdraw it instead."))
    if comment.state != CommentState.VISIBLE:
        raise DomainError(_("This comment is not shown; it cannot be flagged."))
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
    comment = lock_comment(comment)
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=1000)
    if comment.state in (CommentState.HIDDEN, CommentState.WITHDRAWN):
        raise DomainError(_("This comment is already not shown."))
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
    comment = lock_comment(comment)
    if comment.state not in (CommentState.HIDDEN, CommentState.HELD):
        raise DomainError(_("Only a hidden or held comment can be restored."))
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
    comment = lock_comment(comment)
    if comment.open_flags <= 0:
        raise DomainError(_("This comment has no flags waiting for review."))
    if comment.state == CommentState.HELD:
        return restore_comment(moderator, comment)
    StageComment.objects.filter(pk=comment.pk).update(flags_reviewed=F("flag_count"))
    activity.record(
        moderator, "comment.flags_dismissed", comment, scope=comment.stage, new=comment.flag_count
    )
    return comment
