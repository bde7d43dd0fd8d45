"""Comments, replies and reactions: what participants do on an open stage.

Flagging and moderation are in `moderation`; answers in `synthesis`.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations import outbox
from consultations.domain import checks, grouping
from consultations.domain.common import (
    bump_comments_version,
    bump_thread_version,
    comment_posted,
    count_comment,
    resolve_now,
)
from consultations.domain.queries import (
    block_keys,
    block_text,
    has_synthesis,
    stage_to_post_to,
)
from consultations.models import (
    SUGGESTED_FIELDS,
    CommentState,
    Follow,
    Reaction,
    Stage,
    StageComment,
    Stance,
    Suggestion,
)
from core import activity, sql
from core.errors import DomainError
from core.permissions import require
from core.sql import Insert
from core.text import clean_text, normalize_text
from search import indexing as search_indexing

MAX_COMMENT_LENGTH = settings.CONSULTATION_COMMENT_MAX_LENGTH
NOT_PUBLIC = gettext_lazy("This consultation is not public.")
MAX_QUOTE_LENGTH = 1000
# A suggestion rewrites one block: as long as a block may be.
MAX_SUGGESTION_LENGTH = settings.MAX_BLOCK_CHARACTERS


def check_suggestion(revision, block_key, suggestion, suggested_text):
    """Check a suggestion of wording for the block `block_key` of `revision` (the stage's
    pinned text). Returns (field, the text it replaces, the suggested text cleaned); raises
    DomainError for a block not in the revision, a wording identical to the text, an empty or
    too long one. Side effects: none."""
    if suggestion not in Suggestion.values:
        raise DomainError(_("Choose whether you suggest new wording or removing the paragraph."))
    block = revision.block(block_key) if revision is not None and block_key else None
    if block is None:
        raise DomainError(
            _("Choose the paragraph of the text under debate your suggestion rewrites."),
            code="suggestion_block",
        )
    field = SUGGESTED_FIELDS[block["type"]]
    current = block.get(field, "")
    if suggestion == Suggestion.REMOVE:
        return field, current, ""
    text = clean_text(
        suggested_text,
        field=_("The suggested wording"),
        required=True,
        max_length=MAX_SUGGESTION_LENGTH,
    )
    if normalize_text(text) == normalize_text(current):
        raise DomainError(
            _("The suggested wording is the same as the text: change some words first."),
            code="suggestion_same",
        )
    return field, current, text


@transaction.atomic
def post_comment(
    user,
    stage,
    *,
    text,
    block_key="",
    quote="",
    stance="",
    parent_id=None,
    suggestion="",
    suggested_text="",
    now=None,
    fresh=False,
    then=None,
):
    """Add a comment (or a reply, with `parent_id`) to an open stage. `stage` is read again
    (`queries.stage_to_post_to`) unless `fresh`: the caller read it so for this command.
    `then(comment)`, when given, is called last, inside the transaction (the form's token
    claimed by `core.idempotency.run_once`).

    With `suggestion` ("replace" with `suggested_text`, or "remove"), the comment is a
    suggestion of wording for the block `block_key` of the pinned revision, `text` its
    justification (`check_suggestion`); it cannot be a reply.

    One transaction: either the whole comment is stored (with its thread position and log row)
    or nothing is; no orphan row survives a refused reply. Comments in different threads do not
    wait for each other: a reply locks only its thread's first comment (the thread's positions
    are renumbered under that lock); the stage's stored counts are not touched (the comment waits
    to be counted: `common.comment_posted`).

    Side effects: the comment (with its thread position: `StageComment.place_reply` moves the
    thread's later comments down and counts the reply in its ancestors); a search-queue row;
    a log row ("comment.posted", scoped to the stage); the author follows the consultation;
    the author of the comment replied to is emailed after commit; a top-level comment is queued
    for grouping with the comments it repeats, after commit (`grouping.queue_grouping`); it
    waits to be counted (a worker is woken after commit) and, for a reply, its thread's version
    moves on (`common.comment_posted`).
    Returns the comment.
    """
    now = resolve_now(now)
    require(user, "consultations.view", stage, message=NOT_PUBLIC, code="not_public")
    require(
        user,
        "consultations.participate",
        message=_("Confirm your email address before commenting."),
        code="unverified",
    )
    if not fresh:
        stage = stage_to_post_to(pk=stage.pk)
    checks.check_takes_comments(stage, now)
    text = clean_text(text, field=_("Your comment"), required=True, max_length=MAX_COMMENT_LENGTH)
    quote = " ".join(
        clean_text(quote, field=_("The quoted text"), max_length=MAX_QUOTE_LENGTH).split()
    )
    parent = None
    if parent_id:
        # Its thread locked (replies in one thread queue there), then it is read under the lock.
        parent = StageComment.locked_parent(parent_id, stage.pk)
        if parent is None:
            raise DomainError(_("The comment you are replying to is not in this stage."))
        checks.check_reply_to(parent)
        block_key = parent.block_key
        stance = ""
        quote = ""
    else:
        if stance not in Stance.values:
            raise DomainError(_("Choose whether you support, oppose or are neutral."))
        if suggestion:
            suggested = check_suggestion(stage.revision, block_key, suggestion, suggested_text)
        if block_key and block_key not in block_keys(stage.revision):
            raise DomainError(_("That paragraph is not part of the text under debate."))
        if quote:
            if not block_key:
                raise DomainError(_("Quote words from the paragraph you comment on."))
            if quote not in block_text(stage.revision.block(block_key)):
                raise DomainError(
                    _("The quoted words are not in that paragraph; copy them exactly.")
                )
    comment = StageComment(
        stage=stage,
        revision=stage.revision,
        content_object=stage,
        site_id=settings.SITE_ID,
        user=user,
        user_name="",
        user_email="",
        comment=text,
        submit_date=now,
        block_key=block_key,
        quote=quote,
        stance=stance,
        parent_id=parent.pk if parent else 0,
        is_public=True,
        is_removed=False,
    )
    if parent is None and suggestion:
        comment.suggestion = suggestion
        comment.suggested_field, comment.suggested_from, comment.suggested_text = suggested
    if parent is not None:
        comment.place_reply(parent)
    comment.count_pending = True  # counted by a worker (`common.comment_posted`)
    # The comment's rows and what goes with them, sent without waiting for each answer: only
    # the comment's id is read back (`core.sql.pipeline`).
    with sql.pipeline():
        comment.insert()
        activity.record(
            user,
            "comment.posted",
            comment,
            scope=stage,
            data={"parent": parent.pk if parent else None, "block": block_key}
            if not comment.suggestion
            else {"parent": None, "block": block_key, "suggestion": comment.suggestion},
            read_back=False,
        )
        # One statement whether or not the author follows already (`core.sql`).
        Insert.of(Follow, ignore_conflicts=True).execute(
            Follow(consultation=stage.consultation, user=user)
        )
        if parent is None:
            grouping.queue_grouping(comment)
        if parent is not None and parent.user_id and parent.user_id != user.pk:
            outbox.reply_posted(comment)
        comment_posted(comment)
        grouping.queue_counting()
        if then is not None:
            then(comment)
    return comment


def lock_stage(comment):
    """The stage of a locked comment (`lock_comment`), read again under its row lock, so that a
    check of its synthesis sees one published meanwhile. Locks are taken comment first, then
    stage, as posting does. Side effects: the row lock, until the transaction ends."""
    comment.stage = (
        Stage.objects.select_for_update(of=("self",))
        .select_related("consultation__proposal")
        .get(pk=comment.stage_id)
    )
    return comment.stage


def lock_comment(comment):
    """The comment read again under its row lock, with its stage, consultation and proposal.
    Side effects: the row lock, until the transaction ends."""
    return (
        StageComment.objects.select_for_update(of=("self",))
        .select_related("stage__consultation__proposal")
        .get(pk=comment.pk)
    )


def set_comment_state(comment, actor, state, reason, now):
    """Move a locked comment (`lock_comment`) to `state`, refusing a move `COMMENT_TRANSITIONS`
    does not allow (callers check first with their own message: `checks.check_hide`…); the
    caller logs it.

    Side effects: saves the state, its reason, moment and author (and the comments package's
    `is_public`/`is_removed` flags); updates `comment` in memory; bumps its thread's version
    and, when it is shown or no longer shown, the stage's stored counts if it was counted
    already (a comment still waiting is counted by the worker in its new state); queues the
    comment for the search index; when the stage's synthesis is published, bumps the stage's
    version too (what the published table shows of the comment changes, and the synthesis PDF
    made for the stage's version is made again); with the early page cache, a run after the
    commit that refills the kept copies of the stage's pages (`grouping.queue_stage_run`)."""
    checks.check_comment_move(
        comment,
        state,
        _("This comment cannot go from “%(old)s” to “%(new)s”.")
        % {"old": CommentState(comment.state).label, "new": CommentState(state).label},
    )
    StageComment.objects.filter(pk=comment.pk).update(
        state=state,
        state_reason=reason,
        state_changed_at=now,
        state_changed_by=actor,
        is_public=state != CommentState.HELD,
        is_removed=state in (CommentState.HIDDEN, CommentState.WITHDRAWN),
    )
    was_shown = comment.state == CommentState.VISIBLE
    comment.state, comment.state_reason = state, reason
    comment.state_changed_at, comment.state_changed_by = now, actor
    bump_thread_version(comment)
    # The kept copies of the stage's pages refilled, the thread rendered, ahead of their readers.
    grouping.queue_stage_run(comment.stage_id)
    if has_synthesis(comment.stage):
        bump_comments_version(comment.stage)
    if comment.count_pending:
        # Not counted yet: the worker counts it in the state it has then (the row lock keeps it
        # off meanwhile, and wakes it again: a run may have skipped it while locked here).
        grouping.queue_counting()
    else:
        count_comment(comment, shown=int(state == CommentState.VISIBLE) - int(was_shown))
    # A queryset update sends no signal: tell the search queue (the comment leaves or rejoins).
    search_indexing.enqueue(comment)


@transaction.atomic
def withdraw_comment(user, comment, *, now=None):
    """The author takes back their comment (not once the stage's synthesis is published); it
    stays in the thread as "withdrawn". Returns the comment.

    Side effects: locks the comment's and its stage's rows; its state becomes withdrawn
    (`set_comment_state`: threads version, search queue); a log row ("comment.withdrawn", old
    state)."""
    now = resolve_now(now)
    comment = lock_comment(comment)
    lock_stage(comment)
    require(
        user,
        "consultations.withdraw_comment",
        comment,
        message=_("Only its author can withdraw a comment."),
    )
    checks.check_withdraw(comment)
    old = comment.state
    set_comment_state(comment, user, CommentState.WITHDRAWN, "", now)
    activity.record(user, "comment.withdrawn", comment, scope=comment.stage, old=old)
    return comment


@transaction.atomic
def react(user, comment, value, *, now=None):
    """Agree or disagree; the same choice again takes it back. Returns the stored value or None.

    Side effects: locks the comment's row; creates, changes or deletes the user's reaction;
    saves the comment's agree/disagree counts (pages read them when they are served: no cached
    page or thread is invalidated); with the early page cache, a run after the commit that
    refills the kept copies of the stage's pages (`grouping.queue_stage_run`). No log row."""
    now = resolve_now(now)
    require(
        user,
        "consultations.participate",
        message=_("Confirm your email address before reacting."),
        code="unverified",
    )
    if value not in (Reaction.AGREE, Reaction.DISAGREE):
        raise DomainError(_("Choose agree or disagree."))
    comment = lock_comment(comment)
    require(user, "consultations.view", comment, message=NOT_PUBLIC, code="not_public")
    checks.check_takes_comments(comment.stage, now)
    checks.check_react(user, comment)
    existing = Reaction.objects.filter(comment=comment, user=user).first()
    if existing is not None and existing.value == value:
        existing.delete()
        result = None
    elif existing is not None:
        existing.value = value
        existing.save(update_fields=["value", "created_at"])
        result = value
    else:
        Reaction.objects.create(comment=comment, user=user, value=value)
        result = value
    counts = dict(
        Reaction.objects.filter(comment=comment)
        .values_list("value")
        .annotate(n=Count("pk"))
        .values_list("value", "n")
    )
    StageComment.objects.filter(pk=comment.pk).update(
        agree_count=counts.get(Reaction.AGREE, 0), disagree_count=counts.get(Reaction.DISAGREE, 0)
    )
    # The kept copies of the stage's pages refilled with it ahead of their readers.
    grouping.queue_stage_run(comment.stage_id)
    return result
