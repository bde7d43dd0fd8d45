"""Grouping a stage's identical and near-identical top-level comments (form-letter campaigns).

How two texts are compared is `consultations.similarity`. Grouping never slows posting down: a
new top-level comment is stored waiting (`StageComment.grouping_pending`, written by its insert)
and `post_comment` only makes sure, once per transaction and after commit, that a grouper runs
(`schedule_grouping`: a Celery task when none is waiting, a thread in the embedded default, or
`manage.py group_comments`). The grouper (`group_pending`) takes the waiting comments oldest
first, in batches of one transaction each, fingerprints each and puts it in the group of the
earlier comments it repeats, exactly as `group_comment` does one comment at a time. Replies are
not grouped: they are answered in their thread. The same runs add the comments waiting to be
counted to their stage's stored counts first (`catch_up`, `common.fold_counts`), and end with
what other modules registered to run last, with the stages that changed (`run_last`: the kept
copies of their pages refilled ahead of their readers, the replied-to threads rendered in them,
`consultations.threads.refill_ahead`), which the commit of a reaction, a moderation or an
answer to a comment starts too (`queue_stage_run`). A group is a selection aid for answering
(`synthesis.answer_comments`); every member keeps its own answer, and a comment that joins a
group later is unanswered in it.

Groups are made, never merged: a comment resembling members of two groups joins the one of the
comment it resembles most. Nothing here logs: grouping is the platform's reading of the texts,
not anyone's decision, and it changes nothing that was public.
"""

import logging
import threading
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Value
from django.db.models.functions import Coalesce

from consultations import similarity
from consultations.domain.common import fold_counts, mark_pages, newest_waiting, waiting_stages
from consultations.models import CommentBand, CommentGroup, StageComment
from core import background, sql

log = logging.getLogger(__name__)

# How many earlier comments sharing a band with the new one are compared exactly (those sharing
# the most bands first). A member of a campaign shares nearly every band with the others, so the
# group is found among the first few; the bound keeps a 10,000-letter campaign cheap.
CANDIDATES = 20
# Waiting comments grouped per transaction (`group_pending`).
BATCH = 200
# Any number, the same in every process: PostgreSQL's lock that lets one grouper batch at a time.
_BATCH_LOCK = 7_310_442_118


# --- Who runs the grouper ----------------------------------------------------------------------


def queue_grouping(comment):
    """Make sure the new top-level `comment` (stored waiting, `grouping_pending`) is grouped
    once its transaction commits: one `schedule_grouping` per transaction, however many comments
    it stores. Side effects: an on-commit callback, unless the transaction already has one."""
    _AfterCommit.register()


def queue_counting():
    """Make sure the comments of this transaction stored waiting to be counted
    (`count_pending`) are added to the stored counts once it commits: the grouper's run folds
    them first (`catch_up`). Side effects: as `queue_grouping`."""
    _AfterCommit.register()


# What every run does last, with the stages it saw change (`run_last`).
_LAST = []


def run_last(function):
    """Have every grouper run (`catch_up`) call `function(stages)` last, once the comments are
    counted and grouped, when some stages changed: `stages`, the ids of those of the comments
    it counted and of those a reaction, a moderation or an answer handed over
    (`queue_stage_run`; a task of its own per stage with Celery, `stage_run_task`). Only with
    the early page cache: what is registered refills its copies
    (`consultations.threads.refill_ahead`, registered from the app's `ready`). Once per
    function. Side effects: none until a run."""
    if function not in _LAST:
        _LAST.append(function)


def _step(function, *args):
    """`function(*args)`, a failure logged (its traceback once per process and step) and
    swallowed: what follows in the run still runs."""
    try:
        function(*args)
    except Exception as error:  # what follows still runs
        if function in _FAILED:
            log.warning("A grouper run's step failed again: %r: %s", function, error)
        else:
            _FAILED.add(function)
            log.exception("A grouper run's step failed: %r.", function)


def catch_up():
    """What the grouper's thread and task run: the comments waiting to be counted counted
    (`common.fold_counts`), then grouped (`group_pending`), then those counted that a grouper
    held meanwhile (its batches lock their comments), then the first thread of each new page
    of their stages recorded (`common.mark_pages`), then what is registered to run last
    (`run_last`) with their stages and those handed over by reactions and moderation
    (`queue_stage_run`). A run counts the comments waiting when it starts, up to the newest id
    then, no newer: each of those has its commit start a run after this one (one more round of
    the thread; a task queued once this one cleared its mark), whose last steps see its stage.
    (On PostgreSQL an id is taken before its commit: a comment with an older id that commits
    during the run is counted by it without its stage's copies refilled; their readers refill
    them.) Returns how many were grouped. A failure of a last step or of the counting is logged
    (a step's traceback once per process), and the rest still runs. Side effects: those of
    each."""

    def count(**options):
        try:
            fold_counts(upto=upto, **options)
        except Exception:  # the grouping still runs; the comments wait for the next run
            log.exception("Counting the waiting comments failed; they stay waiting.")

    try:
        upto = newest_waiting()
    except Exception:  # the grouping still runs; the comments wait for the next run
        log.exception("Reading the comments waiting to be counted failed; they stay waiting.")
        upto = None
    last = _LAST if settings.PAGE_EARLY_CACHE else []
    stages, waiting = set(), []
    if upto is not None:
        try:
            waiting = waiting_stages(upto)
        except Exception:  # the counting still runs; no copy is refilled ahead, no page marked
            log.exception("Reading the stages of the waiting comments failed.")
        if last:
            stages.update(waiting)
        count()
    grouped = group_pending()
    if upto is not None:
        count(retries=0)
    if waiting:
        try:
            mark_pages(waiting)
        except Exception:  # the pages are still found, counted from the last one written
            log.exception("Writing where the pages of threads start failed.")
    # Those handed over until now (a reaction committed during the run too).
    stages |= _taken_changes()
    if stages:
        for function in last:
            _step(function, sorted(stages))
    return grouped


# The steps whose failure this process has logged with its traceback.
_FAILED = set()


class _AfterCommit(background.AfterCommitOnce):
    """The on-commit callback of `queue_grouping` and `queue_counting`."""

    def run(self):
        schedule_grouping()


# One grouping thread per process (another would only wait for the batch lock).
_thread = background.ProcessThread(
    "comment-grouping",
    lambda: catch_up(),
    daemon=True,
    failure="Grouping comments failed; they stay waiting for the next run.",
)


# --- Stages changed without a comment waiting (reactions, moderation) ------------------------
#
# A reaction writes its comment's counts at once, and hiding, restoring or withdrawing a comment
# its thread's version: no comment waits for a run. The last steps (`run_last`: the stage's
# kept copies refilled ahead of their readers) still follow the commit: in the grouper's thread
# in the embedded default (the stages handed over in this process; the round also looks for
# comments to count and group, a few indexed reads), or a task per stage (one waiting at most,
# as the grouper's).

_CHANGED = set()
_CHANGED_LOCK = threading.Lock()
STAGE_QUEUED = "consultations:stage-run-queued:"


def queue_stage_run(stage_id):
    """Make sure what runs last (`run_last`) runs for the stage `stage_id` once the transaction
    commits: its pages show a change no comment waits for (a reaction, a comment hidden or
    answered). Only with the early page cache (the last steps refill its copies), and where the
    run sees the copies (a worker with a cache each process keeps to itself would see none of
    the servers'). Side effects: an on-commit callback, unless the transaction has one for this
    stage already (many comments of a stage moderated at once: one run); then a round of the
    grouper's thread, a Celery task (unless one is waiting for this stage), or nothing
    ("manual")."""
    mode = settings.SEARCH_INDEX_UPDATES
    seen = (
        mode == "thread"
        or stage_run_task.app.conf.task_always_eager  # run in this process
        or "locmem" not in settings.CACHES["default"]["BACKEND"].lower()
    )
    if settings.PAGE_EARLY_CACHE and _LAST and mode != "manual" and seen:
        _StageChanged.register(stage_id)


class _StageChanged(background.AfterCommitOnce):
    """The on-commit callback of `queue_stage_run`, one per transaction and stage."""

    def run(self):
        (stage_id,) = self.args
        if settings.SEARCH_INDEX_UPDATES == "celery":
            background.queue_unless_waiting(
                stage_run_task, f"{STAGE_QUEUED}{stage_id}", GROUPING_QUEUED_SECONDS, (stage_id,)
            )
        else:
            with _CHANGED_LOCK:
                _CHANGED.add(stage_id)
            _thread.wake()


def _taken_changes():
    """The stages handed to this process's grouper since its last run (a set, emptied)."""
    with _CHANGED_LOCK:
        taken = set(_CHANGED)
        _CHANGED.clear()
    return taken


@shared_task(name="consultations.stage_run", ignore_result=True)
def stage_run_task(stage_id):
    """Thin: what runs last (`run_last`) for the stage `stage_id`, after clearing its mark
    (`queue_stage_run`). Registered under `consultations.tasks` too. Side effects: those of
    the last steps."""
    try:
        cache.delete(f"{STAGE_QUEUED}{stage_id}")
    except Exception:  # noqa: BLE001 (the mark expires on its own)
        log.warning("The shared cache cannot be written: a stage run's mark is left to expire.")
    for function in _LAST:
        _step(function, [stage_id])


# While one grouping task waits in the broker, another would find nothing left to do: that task
# groups every comment committed before it starts. So a commit queues a task only when none is
# waiting, marked in the shared cache; the task clears the mark before it reads the waiting
# comments (one committed after that queues the next task). A task lost by the broker delays the
# grouping until the mark expires (or `manage.py group_comments`), never loses a comment. A cache
# each process keeps to itself (locmem) cannot tell the worker's clearing to the servers: then
# every commit queues a task (`search.indexing.DRAIN_QUEUED` works the same way).
GROUPING_QUEUED = "consultations:grouping-queued"
GROUPING_QUEUED_SECONDS = 60


def schedule_grouping():
    """After a commit that stored comments (each waits to be counted, a top-level one to be
    grouped too): make sure a grouper runs (`catch_up`), as the search
    queue's worker does (`SEARCH_INDEX_UPDATES`). Side effects: a Celery task (unless one is
    waiting: the cache mark), a thread, or nothing ("manual": `manage.py group_comments`)."""
    mode = settings.SEARCH_INDEX_UPDATES
    if mode == "celery":
        background.queue_unless_waiting(
            group_pending_task, GROUPING_QUEUED, GROUPING_QUEUED_SECONDS
        )
    elif mode == "thread":
        _thread.wake()


@shared_task(name="consultations.group_pending", ignore_result=True)
def group_pending_task():
    """Thin: `catch_up` (counts, then grouping), after clearing the mark of a waiting task
    (`schedule_grouping`). Registered under `consultations.tasks` too. Side effects: those of
    `catch_up`."""
    cache.delete(GROUPING_QUEUED)
    return catch_up()


@shared_task(name="consultations.group_comment", ignore_result=True)
def group_comment_task(comment_id):
    """Thin: `group_comment` (tasks queued one per comment before `group_pending`, still in a
    broker). Side effects: those of `group_comment`."""
    group_comment(comment_id)


# --- Grouping ----------------------------------------------------------------------------------


@transaction.atomic
def group_comment(comment_id):
    """Fingerprint a stored top-level comment and put it in the group of the earlier comments of
    its stage that it repeats (similarity at least `similarity.THRESHOLD`); with none grouped
    yet, a new group of them all, identified by the earliest. Returns the group or None.
    Idempotent: a comment already grouped is left as it is, its bands are stored once.

    Side effects: the comment's `CommentBand` rows; maybe a `CommentGroup`; the `group` of the
    comment and of the ungrouped comments it repeats; its `grouping_pending` cleared. No log row
    (see the module)."""
    comment = (
        StageComment.objects.filter(pk=comment_id, level=0)
        .only("pk", "stage_id", "comment", "group_id", "grouping_pending")
        .first()
    )
    if comment is None:
        return None
    if comment.grouping_pending:
        StageComment.objects.filter(pk=comment.pk).update(grouping_pending=False)
    if comment.group_id is not None:
        return CommentGroup.objects.get(pk=comment.group_id)
    found = similarity.shingles(comment.comment)
    keys = similarity.band_keys(found)
    if not CommentBand.objects.filter(comment_id=comment.pk).exists():
        CommentBand.objects.bulk_create(
            CommentBand(stage_id=comment.stage_id, comment_id=comment.pk, key=key) for key in keys
        )
    candidates = [
        row["comment_id"]
        for row in CommentBand.objects.filter(stage_id=comment.stage_id, key__in=keys)
        .exclude(comment_id=comment.pk)
        .values("comment_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "comment_id")[:CANDIDATES]
    ]
    matches = []
    for pk, text, group_id in StageComment.objects.filter(pk__in=candidates).values_list(
        "pk", "comment", "group_id"
    ):
        score = similarity.similarity(found, similarity.shingles(text))
        if score >= similarity.THRESHOLD:
            matches.append((score, pk, group_id))
    if not matches:
        return None
    grouped = sorted((-score, group_id) for score, _pk, group_id in matches if group_id)
    if grouped:
        group = CommentGroup.objects.get(pk=grouped[0][1])
        members = [comment.pk]
    else:
        members = [comment.pk, *(pk for _score, pk, _group in matches)]
        group = _group_seeded_by(min(members), comment.stage_id)
    StageComment.objects.filter(pk__in=members, group__isnull=True).update(group=group)
    return group


def _group_seeded_by(seed_id, stage_id):
    # Keyed by its earliest comment: two letters grouped at once with the same earlier one
    # (two workers) meet in the same row instead of making two groups.
    group, _created = CommentGroup.objects.get_or_create(
        seed_id=seed_id, defaults={"stage_id": stage_id}
    )
    return group


class _Known:
    """What a batch knows of a comment: its shingles (computed once) and its group so far."""

    __slots__ = ("shingles", "group_id")

    def __init__(self, text, group_id, shingles=None):
        self.shingles = similarity.shingles(text) if shingles is None else shingles
        self.group_id = group_id


def group_pending(limit=None, *, stage=None, batch_size=BATCH):
    """Group the comments waiting for it (`grouping_pending`; of `stage` only if given), oldest
    first, at most `limit`, in batches of `batch_size` (one transaction each), with exactly the
    result of `group_comment` on each in turn: the same bands, candidates, groups and members. A
    comment sees the earlier comments of its own batch as candidates. Returns how many were
    taken. Idempotent: grouped comments no longer wait.

    Cheaper than one comment at a time: a batch reads its comments in one query, the bands
    already stored near them in one, stores its bands in one insert, ranks every comment's
    candidates in one query (`_candidates`), reads the candidates' texts it has not read in one
    and clears the waiting marks in one update; each text is shingled once per batch. Besides
    those, one update per group the batch fills and a get-or-create per group it makes: the
    number of queries does not grow with the batch's comments.

    Concurrency: on PostgreSQL one batch at a time (a transaction-level advisory lock, so a
    batch sees the bands of the one before, as one comment after another would, and a comment
    is never taken twice); the batch's rows are locked as they are taken, waiting for a reply
    or a reaction that holds one (skipping it would leave it waiting, and group the comments
    after it first). SQLite serialises writing transactions itself.

    Side effects: for each comment taken, those of `group_comment`. No log row (see the
    module)."""
    taken = 0
    while limit is None or taken < limit:
        size = batch_size if limit is None else min(batch_size, limit - taken)
        done = _group_batch(size, stage, _fingerprints(size, stage))
        taken += done
        if done < size:
            break
    return taken


def _waiting(stage):
    waiting = StageComment.objects.filter(grouping_pending=True)
    return waiting if stage is None else waiting.filter(stage=stage)


def _fingerprints(size, stage):
    """{pk: (text, shingles, band keys)} of the comments the next batch will most likely take,
    computed before its transaction: most of a batch's work, which would otherwise hold
    SQLite's only write lock (and the batch lock) while posting waits for it."""
    # "Not in a group" as COALESCE(group, 0) = 0, not `group IS NULL`: SQLite would read that
    # through the index of the comments' groups, where every ungrouped comment of every stage
    # is (most of them), instead of the waiting comments' partial index.
    return {
        pk: (text, found, similarity.band_keys(found))
        for pk, text in _waiting(stage)
        .alias(group_or_zero=Coalesce("group_id", Value(0)))
        .filter(level=0, group_or_zero=0)
        .order_by("pk")
        .values_list("pk", "comment")[:size]
        for found in [similarity.shingles(text)]
    }


@transaction.atomic
def _group_batch(size, stage, fingerprints):
    sql.transaction_lock(_BATCH_LOCK)
    batch = list(
        _waiting(stage)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "stage_id", "level", "comment", "group_id")[:size]
    )
    if not batch:
        return 0
    ids = [row[0] for row in batch]
    # Comments of the batch's range that already have bands (none, unless grouped by
    # `group_comment` meanwhile): candidates even for the batch's comments before them.
    banded = set(
        CommentBand.objects.filter(comment_id__gte=ids[0], comment_id__lte=ids[-1])
        .values_list("comment_id", flat=True)
        .distinct()
    )
    known = {}  # pk: _Known, for the batch's comments and their candidates
    keys = {}  # pk: its band keys, for the comments looking for their group
    new_bands = []
    for pk, stage_id, level, text, group_id in batch:
        # Not waiting for a group: a reply (never marked) or a comment grouped already, which
        # `group_comment` leaves as it is, without bands.
        if level == 0 and group_id is None:
            ready = fingerprints.get(pk)
            if ready is not None and ready[0] == text:
                known[pk], keys[pk] = _Known(text, None, ready[1]), ready[2]
            else:  # taken since by another grouper: this batch goes on with later comments
                known[pk] = _Known(text, None)
                keys[pk] = similarity.band_keys(known[pk].shingles)
            if pk not in banded:
                new_bands.extend((stage_id, pk, key) for key in keys[pk])
    _store_bands(new_bands)
    candidates = _candidates(list(keys), last=ids[-1], banded=banded)
    unread = {pk for found in candidates.values() for pk in found} - known.keys()
    for pk, text, group_id in StageComment.objects.filter(pk__in=unread).values_list(
        "pk", "comment", "group_id"
    ):
        known[pk] = _Known(text, group_id)
    joined = defaultdict(list)  # group id: comments whose group this batch sets
    for pk, stage_id, _level, _text, _group_id in batch:
        comment = known.get(pk)
        if pk not in keys or comment.group_id is not None:
            continue  # grouped meanwhile, with an earlier comment of the batch
        matches = []
        for other in candidates.get(pk, ()):
            score = similarity.similarity(comment.shingles, known[other].shingles)
            if score >= similarity.THRESHOLD:
                matches.append((score, other))
        if not matches:
            continue
        grouped = sorted(
            (-score, known[other].group_id) for score, other in matches if known[other].group_id
        )
        if grouped:
            group_id = grouped[0][1]
            members = [pk]
        else:
            members = [pk, *(other for _score, other in matches)]
            group_id = _group_seeded_by(min(members), stage_id).pk
        for member in members:
            if known[member].group_id is None:
                known[member].group_id = group_id
                joined[group_id].append(member)
    for group_id, members in joined.items():
        StageComment.objects.filter(pk__in=members, group__isnull=True).update(group=group_id)
    StageComment.objects.filter(pk__in=ids).update(grouping_pending=False)
    return len(batch)


def _store_bands(rows):
    """Insert (stage id, comment id, key) rows into `CommentBand`'s table in one statement,
    repeated per row: a model instance per band (`bulk_create`) cost as much as the rest of
    the batch's database work."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("stage_id", "comment_id", "key"))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(CommentBand._meta.db_table)} ({columns}) VALUES (%s, %s, %s)",
            rows,
        )


def _candidates(ids, *, last, banded):
    """Per comment of `ids` (a batch, its bands stored), its `CANDIDATES` candidates as
    `group_comment` finds them when the comment's turn comes: the comments of its stage sharing
    the most bands with it, then the lowest id, among those with bands by then: earlier
    comments, and later ones only beyond the batch (`last`) or banded before it (`banded`)."""
    if not ids:
        return {}
    quote = connection.ops.quote_name
    table = quote(CommentBand._meta.db_table)
    comment, stage, key = (quote(name) for name in ("comment_id", "stage_id", "key"))
    mine = ", ".join(["%s"] * len(ids))
    exceptions = f"OR theirs.{comment} IN ({', '.join(['%s'] * len(banded))})" if banded else ""
    # A comment's own distinct keys, as `key IN (…)` compares them.
    sql = f"""
        SELECT mine_id, theirs_id, shared FROM (
            SELECT mine.{comment} AS mine_id, theirs.{comment} AS theirs_id, COUNT(*) AS shared,
                ROW_NUMBER() OVER (
                    PARTITION BY mine.{comment} ORDER BY COUNT(*) DESC, theirs.{comment}
                ) AS place
            FROM (
                SELECT DISTINCT {comment}, {stage}, {key} FROM {table} WHERE {comment} IN ({mine})
            ) mine
            JOIN {table} theirs ON theirs.{stage} = mine.{stage} AND theirs.{key} = mine.{key}
            WHERE theirs.{comment} <> mine.{comment}
                AND (theirs.{comment} < mine.{comment} OR theirs.{comment} > %s {exceptions})
            GROUP BY mine.{comment}, theirs.{comment}
        ) ranked
        WHERE place <= %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, last, *banded, CANDIDATES])
        rows = cursor.fetchall()
    found = defaultdict(list)
    for mine_id, theirs_id, _shared in sorted(rows, key=lambda row: (row[0], -row[2], row[1])):
        found[mine_id].append(theirs_id)
    return found


def group_stage(stage):
    """Group every top-level comment of `stage` not fingerprinted yet, oldest first, exactly as
    if each had just been posted (comments stored before grouping existed; `manage.py
    group_comments` after the waiting ones, `group_pending`). Returns how many were looked at.

    Side effects: those of `group_comment`, for each."""
    pending = list(
        StageComment.objects.filter(stage=stage, level=0, bands__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pending:
        group_comment(pk)
    return len(pending)
