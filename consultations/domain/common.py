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
Posting does not touch them: a new comment is stored waiting to be counted
(`StageComment.count_pending`) and a worker adds the waiting comments to the rows in batches
(`fold_counts`, run by the grouper after the commit: `grouping.queue_counting`). Every reader
of the counts (`counts_sql`) adds the stage's waiting comments to the stored rows in the same
statement, so a comment is counted once from its commit on, folded or not, and a page never
shows a comment it does not count. Moderation changes the rows of a counted comment only; a
waiting one is counted as it is when it is folded.
"""

import logging
import time

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from consultations.models import (
    THREADS_PER_PAGE,
    CommentCount,
    CommentState,
    Stage,
    StageComment,
    ThreadPage,
    posting_threads,
)
from core import sql

log = logging.getLogger(__name__)


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
    # Written once per process (`core.sql`): every change of a counted comment's state.
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
    """What a new comment (stored waiting to be counted: `count_pending`, set before its
    insert) changes beside its own rows: for a reply, its thread's version. The caller wakes
    the worker that counts it after the commit (`grouping.queue_counting`).

    Side effects: for a reply, `bump_thread_version`."""
    if not comment.count_pending:
        raise ValueError("A new comment is stored waiting to be counted (count_pending).")
    if not comment.starts_thread:
        bump_thread_version(comment)


# --- Stored counts: reading them, and folding the waiting comments in ----------------------


def counts_sql(by):
    """The statement of the counts of one stage (`by` "stage") or of every stage of one
    consultation (`by` "consultation"); parameters: its id, the visible state, its id again.
    Rows (stage id, block key, stance, threads, shown comments): the stored rows and then, per
    stage, block key and stance, the comments waiting to be counted (`count_pending`); a key
    may thus have two rows, to be added. One statement: both parts are read in the same
    snapshot, so a fold committed while it runs is seen whole or not at all. Side effects:
    none."""
    count, (c_stage, block, stance, threads, shown) = sql.quoted(
        CommentCount, ["stage_id", "block_key", "stance", "threads", "shown"]
    )
    comment, (stage, key, position, starts, state, pending) = sql.quoted(
        StageComment,
        ["stage_id", "block_key", "stance", "starts_thread", "state", "count_pending"],
    )
    if by == "stage":
        stored_where, pending_where = f"{c_stage} = %s", f"{stage} = %s"
    else:
        stage_table, (stage_pk, consultation) = sql.quoted(Stage, ["id", "consultation_id"])
        stages = f"(SELECT {stage_pk} FROM {stage_table} WHERE {consultation} = %s)"
        stored_where, pending_where = f"{c_stage} IN {stages}", f"{stage} IN {stages}"
    return (
        f"SELECT {c_stage}, {block}, {stance}, {threads}, {shown} FROM {count} "
        f"WHERE {stored_where} "
        f"UNION ALL "
        f"SELECT {stage}, {key}, {position}, "
        f"SUM(CASE WHEN {starts} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {state} = %s THEN 1 ELSE 0 END) FROM {comment} "
        f"WHERE {pending_where} AND {pending} GROUP BY {stage}, {key}, {position}"
    )


def read_counts(by, pk, cursor=None):
    """The counts `counts_sql(by)` reads for the stage or consultation `pk`, each key's rows
    added: [(stage id, block key, stance, threads, shown)] sorted, the same list for the same
    counts however many are folded yet. One query. Side effects: none."""
    statement = sql.kept(("counts", by), lambda: counts_sql(by))
    params = [pk, CommentState.VISIBLE.value, pk]
    if cursor is None:
        with connection.cursor() as own:
            own.execute(statement, params)
            found = own.fetchall()
    else:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    added = {}
    for stage_id, block_key, stance, threads, shown in found:
        key = (stage_id, block_key, stance)
        before = added.get(key, (0, 0))
        added[key] = (before[0] + int(threads), before[1] + int(shown))
    return [(*key, threads, shown) for key, (threads, shown) in sorted(added.items())]


# Waiting comments counted per transaction (`fold_counts`).
FOLD_BATCH = 1000
# Rounds `fold_counts` makes again, after a pause, while comments it could not take still wait
# (held by another transaction: the grouper's batch, a moderator, a reaction, a reply's thread
# lock). PostgreSQL only: SQLite has no row locks to skip.
FOLD_RETRIES = 3
FOLD_PAUSE = 0.2
# Any number, the same in every process: PostgreSQL's lock that lets one fold batch or one
# recount (`recount_comments`) run at a time. Folds would wait for each other on the count rows
# anyway; waiting here, before any row is locked, they hold no comment meanwhile.
_COUNTS_LOCK = 7_310_442_119


def _fold_sql(rows):
    table, (stage, block, stance, threads, shown) = sql.quoted(
        CommentCount, ["stage_id", "block_key", "stance", "threads", "shown"]
    )
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * rows)
    return (
        f"INSERT INTO {table} ({stage}, {block}, {stance}, {threads}, {shown}) VALUES {values} "
        f"ON CONFLICT ({stage}, {block}, {stance}) DO UPDATE SET "
        f"{threads} = {table}.{threads} + EXCLUDED.{threads}, "
        f"{shown} = {table}.{shown} + EXCLUDED.{shown}"
    )


def _share_stages(stage_ids):
    """On PostgreSQL, the stages' rows locked FOR KEY SHARE, before any comment is: what a
    count row made for a stage takes when its transaction commits (its foreign key's check).
    Taken first, it never waits there while holding comments that a command holding the
    stage's row lock (withdrawing, answering) waits for."""
    if connection.vendor != "postgresql":
        return
    table, (pk,) = sql.quoted(Stage, ["id"])
    marks = ", ".join(["%s"] * len(stage_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk} FROM {table} WHERE {pk} IN ({marks}) ORDER BY {pk} FOR KEY SHARE",
            stage_ids,
        )


def _fold_batch(batch_size, upto):
    """One batch of `fold_counts`, in its own transaction. Returns how many it counted."""
    with transaction.atomic():
        sql.transaction_lock(_COUNTS_LOCK)
        waiting = StageComment.objects.filter(count_pending=True, pk__lte=upto)
        # Every stage with comments waiting (few; the partial index gives them).
        stages = sorted(set(waiting.order_by().values_list("stage_id", flat=True).distinct()))
        if not stages:
            return 0
        _share_stages(stages)
        taken = list(
            waiting.filter(stage_id__in=stages)
            .order_by("stage_id", "pk")  # the partial index's order: nothing sorted
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "stage_id", "block_key", "stance", "starts_thread", "state")[
                :batch_size
            ]
        )
        if not taken:
            return 0
        added = {}
        for _pk, stage_id, block_key, stance, starts, state in taken:
            key = (stage_id, block_key, stance)
            threads, shown = added.get(key, (0, 0))
            added[key] = (threads + int(starts), shown + int(state == CommentState.VISIBLE))
        params = [value for key in sorted(added) for value in (*key, *added[key])]
        with connection.cursor() as cursor:
            cursor.execute(_fold_sql(len(added)), params)
        StageComment.objects.filter(pk__in=[row[0] for row in taken]).update(count_pending=False)
    return len(taken)


def newest_waiting():
    """The id of the newest comment waiting to be counted, or None. One query on the waiting
    comments' partial index. Side effects: none."""
    # `pk + 0`, not the key itself: read as MAX(key), SQLite walks the whole table's key down
    # to the first waiting comment (every comment of every stage when none waits).
    return (
        StageComment.objects.filter(count_pending=True)
        .order_by()
        .aggregate(newest=Max(F("pk") + 0))["newest"]
    )


def waiting_stages(upto):
    """The ids of the stages with comments waiting to be counted up to the id `upto`, sorted.
    One query on the waiting comments' partial index. Side effects: none."""
    return sorted(
        StageComment.objects.filter(count_pending=True, pk__lte=upto)
        .order_by()
        .values_list("stage_id", flat=True)
        .distinct()
    )


def fold_counts(batch_size=FOLD_BATCH, *, retries=FOLD_RETRIES, upto=None):
    """Add the comments waiting to be counted (`count_pending`) to their stages' stored counts,
    those up to the id `upto` if given (`newest_waiting` when it starts otherwise), in batches
    of `batch_size` (one transaction each): per stage, block key and stance, one
    more thread for each first comment, one more shown comment for each visible one (in the
    state it has now). Returns how many comments were counted. Idempotent; readers see the
    same counts before and after (`counts_sql`).

    Concurrency: one batch at a time on PostgreSQL (a transaction-level advisory lock, which a
    recount takes too), waiting for it before locking any row. A batch locks the stages it
    adds to FOR KEY SHARE (what a new count row's foreign key takes at commit) and then its
    comments, skipping those another transaction holds (the grouper's batch, a moderator, a
    reaction, a reply's thread lock): while some that were waiting when it started are still
    waiting once the batches run out, it tries again after a pause, `retries` times, and a
    comment held longer is counted by the next run (the next comment's, or `manage.py
    group_comments`), in the state that transaction leaves. SQLite serialises writing
    transactions itself.

    Side effects: `CommentCount` rows made or added to; the comments' `count_pending` cleared."""
    counted = 0
    if connection.vendor != "postgresql":
        retries = 0
    newest = newest_waiting() if upto is None else upto
    if newest is None:
        return 0
    for attempt in range(retries + 1):
        # Again only for what waited before this run (held when its batch came): comments
        # posted since wake a run of their own.
        if attempt:
            if not StageComment.objects.filter(count_pending=True, pk__lte=newest).exists():
                break
            time.sleep(FOLD_PAUSE)
        while True:
            done = _fold_batch(batch_size, newest)
            counted += done
            if done < batch_size:
                break
    return counted


# Any number, the same in every process: PostgreSQL's lock that lets one `mark_pages` write at
# a time (another would write the same pages).
_PAGES_LOCK = 7_310_442_121


def _newest_comment():
    # MAX of the primary key: read from the key's index (SQLite: its rowid) at once.
    return StageComment.objects.order_by().aggregate(newest=Max("pk"))["newest"]


def mark_pages(stage_ids):
    """Write where the pages of the stages' threads start (`ThreadPage`), after the last page
    written, up to the newest comment whose id can no longer be preceded: on PostgreSQL an id is
    drawn before its transaction commits, so a thread posted meanwhile may commit after one
    with a greater id. Each new thread's transaction holds its stage's `posting_threads` lock
    shared from before its id is drawn (`StageComment.insert`, `.save`); per stage,
    `core.sql.barrier` reads the newest id once none of those begun before is left, so every
    thread of the stage up to it is in the table when it is read. A thread posted after has a
    greater id, and comes after on the next run. Returns how many pages were written.
    Idempotent; the threads' order and pages are the same whether or not a page is written
    (`consultations.threads` counts the others from the last written).

    Concurrency: one writer at a time (a transaction-level advisory lock on PostgreSQL; SQLite
    serialises writers). New threads in a stage wait for its barrier while it waits for those
    already being posted there, at most `core.sql.barrier`'s timeout (half a second): a thread
    held up longer (its stage's row locked by a command) leaves the stage's pages to the next
    run, logged. Other stages' posting never waits for it (a lock per stage).

    Side effects: `ThreadPage` rows."""
    stage_ids = sorted(set(stage_ids))
    if not stage_ids:
        return 0
    newest = {}
    for stage_id in stage_ids:
        try:
            newest[stage_id] = sql.barrier(posting_threads(stage_id), _newest_comment)
        except sql.BarrierTimeout:
            # A thread of the stage held up by another lock: its pages wait for the next run.
            log.info("Threads still being posted in stage %s; its pages wait.", stage_id)
    written = 0
    with transaction.atomic():
        sql.transaction_lock(_PAGES_LOCK)
        for stage_id, upto in newest.items():
            if upto is not None:
                written += _mark_stage_pages(stage_id, upto)
    return written


def _mark_stage_pages(stage_id, newest):
    last = (
        ThreadPage.objects.filter(stage_id=stage_id)
        .order_by("-number")
        .values_list("number", "first_thread_id")
        .first()
    )
    number, first = last or (0, 0)
    # From the last page's first thread (itself written already), in the `stage_threads`
    # index's order: that page's threads and those posted since.
    ids = list(
        StageComment.objects.filter(
            stage_id=stage_id, starts_thread=True, pk__gte=first, pk__lte=newest
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    starts = ids[THREADS_PER_PAGE if last else 0 :: THREADS_PER_PAGE]
    ThreadPage.objects.bulk_create(
        ThreadPage(stage_id=stage_id, number=number + index, first_thread_id=pk)
        for index, pk in enumerate(starts, start=1)
    )
    return len(starts)


@transaction.atomic
def recount_comments(stage):
    """Count the stage's comments again from their rows (after comments were made in bulk,
    without the domain functions). Returns the number of `CommentCount` rows. The comments
    waiting to be counted stay waiting (they are added when read, and folded later), so the
    stored rows count the others; on PostgreSQL no fold runs meanwhile (the counts' lock).

    Side effects: replaces the stage's `CommentCount` rows; bumps the stage's comments version."""
    sql.transaction_lock(_COUNTS_LOCK)
    rows = (
        StageComment.objects.filter(stage=stage, count_pending=False)
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
