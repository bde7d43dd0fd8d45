"""What every module of the consultations domain shares: the clock, the versions that key a
stage's cached pages and threads, and the stored counts of its comments. (Typed text is cleaned
by `core.text.clean_text`.)

Two versions key what is cached (`consultations.threads`, the stage and comment pages):

- a thread's `thread_version` (on its first comment) moves on with every change to what the
  thread shows but its reaction counts — a reply, a comment hidden, shown again or withdrawn,
  an answer — so that such a change renders that thread again and leaves every other thread and
  page of the stage in use;
- the stage's `comments_version` moves on with what is not one thread's: the stage edited,
  opened, closed or cancelled, its synthesis published, an author's account erased, and any
  change to many threads at once (`bump_comments_version`). Every cached page and thread of the
  stage is then rendered again.

Counts that change with every comment (totals, per-paragraph counts, threads) are stored in
`CommentCount` rows and written into the cached pages when they are served; they key nothing.
"""

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from consultations.models import CommentCount, CommentState, Stage, StageComment
from core import sql


def resolve_now(now):
    """`now` when a caller (a test, the demo loader) gives one, else the clock. No side effects."""
    return now if now is not None else timezone.now()


def locked_stage(stage):
    """`stage` read again under its row lock, with its consultation and proposal, so that
    commands on one stage (registrations, questionnaire responses) take their turns.
    Side effects: the row lock, until the transaction ends."""
    return (
        Stage.objects.select_for_update(of=("self",))
        .select_related("consultation__proposal")
        .get(pk=stage.pk)
    )


def bump_comments_version(stage):
    """Invalidate every rendered page, thread and text of the stage (their cache keys carry this
    number): for changes that are not one thread's (a bulk answer, a stage edited).

    Side effects: increments `Stage.comments_version` in the database, which locks the stage's
    row until the transaction ends — so call it last."""
    Stage.objects.filter(pk=stage.pk).update(comments_version=F("comments_version") + 1)


def _bump_thread_sql():
    table, (version, key) = sql.quoted(StageComment, ["thread_version", "xtdcomment_ptr_id"])
    return f"UPDATE {table} SET {version} = {version} + 1 WHERE {key} = %s"


def bump_thread_version(comment):
    """Invalidate the rendered thread of `comment` (and the cached pages that show it), not the
    rest of its stage.

    Side effects: increments `thread_version` of the thread's first comment, which locks that
    row until the transaction ends (a reply in the thread already holds it)."""
    # Written once per process (`core.sql`): every reply posted moves its thread's version.
    sql.run("bump_thread", _bump_thread_sql, [comment.thread_id])


def _count_sql():
    table, (shown, threads, stage, block, stance) = sql.quoted(
        CommentCount, ["shown", "threads", "stage_id", "block_key", "stance"]
    )
    return (
        f"UPDATE {table} SET {shown} = {shown} + %s, {threads} = {threads} + %s "
        f"WHERE {stage} = %s AND {block} = %s AND {stance} = %s"
    )


def count_comment(comment, *, shown=0, threads=0):
    """Add `shown` and `threads` (either may be negative) to the stored counts of the
    comment's stage, paragraph and stance.

    Side effects: updates (or creates, the first time) one `CommentCount` row, which locks it
    until the transaction ends."""
    if not shown and not threads:
        return
    # Written once per process (`core.sql`): every comment posted counts itself here.
    params = [shown, threads, comment.stage_id, comment.block_key, comment.stance]
    if sql.run("count_comment", _count_sql, params):
        return
    row = CommentCount.objects.filter(
        stage_id=comment.stage_id, block_key=comment.block_key, stance=comment.stance
    )
    changes = {"shown": F("shown") + shown, "threads": F("threads") + threads}
    try:
        with transaction.atomic():
            CommentCount.objects.create(
                stage_id=comment.stage_id,
                block_key=comment.block_key,
                stance=comment.stance,
                shown=shown,
                threads=threads,
            )
    except IntegrityError:  # made meanwhile by another transaction
        row.update(**changes)


def comment_posted(comment):
    """What a new comment changes beside its own row: the stored counts (one more shown comment;
    one more thread for a first comment) and, for a reply, its thread's version.

    Side effects: those of `count_comment` and, for a reply, `bump_thread_version`."""
    count_comment(
        comment,
        shown=1 if comment.state == CommentState.VISIBLE else 0,
        threads=1 if comment.starts_thread else 0,
    )
    if not comment.starts_thread:
        bump_thread_version(comment)


def recount_comments(stage):
    """Count the stage's comments again from their rows (after comments were made in bulk,
    without the domain functions). Returns the number of `CommentCount` rows.

    Side effects: replaces the stage's `CommentCount` rows; bumps the stage's comments version."""
    rows = (
        StageComment.objects.filter(stage=stage)
        .order_by()
        .values("block_key", "stance")
        .annotate(
            threads=Count("pk", filter=Q(starts_thread=True)),
            shown=Count("pk", filter=Q(state=CommentState.VISIBLE)),
        )
    )
    counts = [CommentCount(stage_id=stage.pk, **row) for row in rows]
    CommentCount.objects.filter(stage=stage).delete()
    CommentCount.objects.bulk_create(counts)
    bump_comments_version(stage)
    return len(counts)
