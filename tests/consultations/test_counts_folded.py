"""A posted comment waits to be counted (`count_pending`) and a worker adds it to the stored
counts (`domain.fold_counts`): the request does not touch `CommentCount`, and every reader
adds the waiting comments to the stored rows in the same statement, so the counts read are the
same before and after the fold."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from consultations import domain
from consultations.apps import proposal_page_part
from consultations.domain.common import read_counts
from consultations.models import CommentCount, StageComment
from consultations.threads import Counts
from tests.consultations.conftest import add_written_stage, during, first_block_key
from tests.factories import StageCommentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def stored(stage):
    return sorted(
        CommentCount.objects.filter(stage=stage).values_list(
            "block_key", "stance", "threads", "shown"
        )
    )


def waiting():
    return sorted(StageComment.objects.filter(count_pending=True).values_list("pk", flat=True))


def post_three(stage, citizen, citizen2):
    """Two first comments on the first paragraph (support, oppose) and a reply to the first."""
    key = first_block_key(stage)
    first = domain.post_comment(
        citizen, stage, text="Da.", block_key=key, stance="support", now=during(stage)
    )
    second = domain.post_comment(
        citizen2, stage, text="Nu.", block_key=key, stance="oppose", now=during(stage)
    )
    reply = domain.post_comment(
        citizen2, stage, text="De ce?", parent_id=first.pk, now=during(stage, 2)
    )
    return key, first, second, reply


def test_posting_leaves_the_stored_counts_alone_and_readers_count_the_waiting(
    stage, citizen, citizen2
):
    key, first, second, reply = post_three(stage, citizen, citizen2)
    assert stored(stage) == []
    assert waiting() == [first.pk, second.pk, reply.pk]
    expected = [(key, "", 0, 1), (key, "oppose", 1, 1), (key, "support", 1, 1)]
    assert Counts(stage).rows == expected
    assert Counts(stage).shown_by_block() == {key: 3}

    assert domain.fold_counts() == 3

    assert waiting() == []
    assert stored(stage) == expected
    assert Counts(stage).rows == expected
    assert domain.fold_counts() == 0
    assert stored(stage) == expected


def test_a_fold_adds_to_rows_already_stored_in_batches(stage, citizen, citizen2):
    key, first, _second, _reply = post_three(stage, citizen, citizen2)
    assert domain.fold_counts(batch_size=2) == 3
    domain.post_comment(citizen, stage, text="Și eu.", parent_id=first.pk, now=during(stage, 3))
    domain.post_comment(
        citizen, stage, text="Încă una.", block_key=key, stance="support", now=during(stage, 3)
    )
    assert Counts(stage).rows == [(key, "", 0, 2), (key, "oppose", 1, 1), (key, "support", 2, 2)]
    assert domain.fold_counts(batch_size=1) == 2
    assert stored(stage) == [(key, "", 0, 2), (key, "oppose", 1, 1), (key, "support", 2, 2)]


def test_a_waiting_comment_hidden_is_counted_as_it_is_when_folded(
    stage, citizen, citizen2, moderator
):
    key, first, second, _reply = post_three(stage, citizen, citizen2)
    domain.hide_comment(moderator, second, "Limbaj jignitor.", now=during(stage, 3))
    # Nothing stored yet: the hidden comment still counts its thread, not as shown.
    assert stored(stage) == []
    expected = [(key, "", 0, 1), (key, "oppose", 1, 0), (key, "support", 1, 1)]
    assert Counts(stage).rows == expected
    domain.fold_counts()
    assert stored(stage) == expected


def test_a_counted_comment_hidden_and_shown_again_moves_the_stored_rows(
    stage, citizen, citizen2, moderator
):
    key, first, second, _reply = post_three(stage, citizen, citizen2)
    domain.fold_counts()
    domain.hide_comment(moderator, first, "Limbaj jignitor.", now=during(stage, 3))
    assert stored(stage) == [(key, "", 0, 1), (key, "oppose", 1, 1), (key, "support", 1, 0)]
    domain.restore_comment(moderator, StageComment.objects.get(pk=first.pk), now=during(stage, 4))
    assert stored(stage) == [(key, "", 0, 1), (key, "oppose", 1, 1), (key, "support", 1, 1)]
    assert domain.fold_counts() == 0


def test_a_consultations_counts_add_every_stage_waiting_or_not(
    editor, consultation, stage, citizen, citizen2
):
    later = add_written_stage(
        editor, consultation, opens_at=stage.closes_at + (stage.closes_at - stage.opens_at)
    )
    # Another consultation's comments, counted and waiting: never in this one's counts.
    other = StageCommentFactory()
    StageCommentFactory(stage=other.stage)
    domain.fold_counts()
    StageCommentFactory(stage=other.stage)
    key, *_ = post_three(stage, citizen, citizen2)
    domain.fold_counts()
    domain.post_comment(
        citizen, later, text="A doua etapă.", block_key=key, stance="neutral", now=during(later)
    )
    assert read_counts("consultation", consultation.pk) == [
        (stage.pk, key, "", 0, 1),
        (stage.pk, key, "oppose", 1, 1),
        (stage.pk, key, "support", 1, 1),
        (later.pk, key, "neutral", 1, 1),
    ]
    # The proposal's page: shown comments per paragraph of each stage, the waiting one too.
    _stages, counts = proposal_page_part(consultation.proposal)
    assert counts == (
        (stage.pk, key, "", 1),
        (stage.pk, key, "oppose", 1),
        (stage.pk, key, "support", 1),
        (later.pk, key, "neutral", 1),
    )


def test_recounting_a_stage_stores_the_counted_and_leaves_the_waiting_waiting(
    stage, citizen, citizen2
):
    key, first, *_ = post_three(stage, citizen, citizen2)
    domain.fold_counts()
    domain.post_comment(citizen, stage, text="Și eu.", parent_id=first.pk, now=during(stage, 3))
    # A stored row gone wrong (made in bulk, by hand): the recount stores what the rows say.
    CommentCount.objects.filter(stage=stage, stance="oppose").update(shown=7, threads=9)
    assert domain.recount_comments(stage) == 3
    assert stored(stage) == [(key, "", 0, 1), (key, "oppose", 1, 1), (key, "support", 1, 1)]
    assert len(waiting()) == 1
    assert Counts(stage).rows == [(key, "", 0, 2), (key, "oppose", 1, 1), (key, "support", 1, 1)]
    assert domain.fold_counts() == 1
    assert stored(stage) == [(key, "", 0, 2), (key, "oppose", 1, 1), (key, "support", 1, 1)]


def test_the_catch_up_command_counts_then_groups(stage, citizen, citizen2, capsys):
    key, *_ = post_three(stage, citizen, citizen2)
    call_command("group_comments")
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "3 comment(s) counted."
    assert waiting() == []
    assert stored(stage) == [(key, "", 0, 1), (key, "oppose", 1, 1), (key, "support", 1, 1)]
    assert not StageComment.objects.filter(grouping_pending=True).exists()


def test_a_reply_alone_wakes_the_worker_that_counts_it(
    stage, citizen, citizen2, django_capture_on_commit_callbacks, settings
):
    settings.SEARCH_INDEX_UPDATES = "celery"  # eager in tests: the task runs at commit
    with django_capture_on_commit_callbacks(execute=True):
        first = domain.post_comment(citizen, stage, text="Da.", stance="support", now=during(stage))
    assert waiting() == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        domain.post_comment(citizen2, stage, text="De ce?", parent_id=first.pk, now=during(stage))
    # The grouper's run (beside the search queue's and the reply's email), for a reply too.
    assert [type(c).__name__ for c in callbacks].count("_AfterCommit") == 1
    assert waiting() == []
    assert stored(stage) == [("", "", 0, 1), ("", "support", 1, 1)]


def test_the_grouper_run_after_commit_folds_the_counts(
    stage, citizen, django_capture_on_commit_callbacks, settings
):
    settings.SEARCH_INDEX_UPDATES = "celery"  # eager in tests: the task runs at commit
    with django_capture_on_commit_callbacks(execute=True):
        domain.post_comment(
            citizen,
            stage,
            text="Da.",
            block_key=first_block_key(stage),
            stance="support",
            now=during(stage),
        )
    assert waiting() == []
    assert stored(stage) == [(first_block_key(stage), "support", 1, 1)]


def posted_by_many(stage, key, stances):
    """A first comment on paragraph `key` by a new person for each stance of `stances`."""
    return [
        domain.post_comment(
            UserFactory(),
            stage,
            text=f"Text {n}.",
            block_key=key,
            stance=stance,
            now=during(stage),
        )
        for n, stance in enumerate(stances)
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: SQLite serialises writers"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_fold_skips_a_comment_locked_by_a_moderator_and_counts_it_later(stage, citizen):
    key = first_block_key(stage)
    comments = posted_by_many(stage, key, ["support"] * 3)
    held, released = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                StageComment.objects.select_for_update().get(pk=comments[1].pk)
                held.set()
                released.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        assert domain.fold_counts(retries=0) == 2
        assert waiting() == [comments[1].pk]
        assert stored(stage) == [(key, "support", 2, 2)]
        assert Counts(stage).rows == [(key, "support", 3, 3)]
    finally:
        released.set()
        holder.join(10)
    assert domain.fold_counts(retries=0) == 1
    assert stored(stage) == [(key, "support", 3, 3)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite has none")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_fold_tries_again_for_a_comment_held_a_moment(stage):
    key = first_block_key(stage)
    comments = posted_by_many(stage, key, ["support"] * 3)
    held, errors = threading.Event(), []

    def hold():
        with transaction.atomic():
            StageComment.objects.select_for_update().get(pk=comments[1].pk)
            held.set()
            time.sleep(domain.common.FOLD_PAUSE * 1.2)  # released before the second retry

    holder = _in_thread(hold, errors)
    assert held.wait(10)
    assert domain.fold_counts(retries=3) == 3
    holder.join(10)
    assert errors == [] and waiting() == []
    assert stored(stage) == [(key, "support", 3, 3)]


def _in_thread(work, errors):
    def run():
        try:
            work()
        except Exception as error:  # noqa: BLE001  (reported by the test)
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers: SQLite serialises them"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_moderator_waiting_for_a_fold_takes_the_comment_off_the_stored_counts_once(
    stage, moderator
):
    key = first_block_key(stage)
    comments = posted_by_many(stage, key, ["oppose"] * 2)
    folded, release, errors = threading.Event(), threading.Event(), []

    def fold_and_hold():
        with transaction.atomic():  # the fold's batches commit with this block
            assert domain.fold_counts(retries=0) == 2
            folded.set()
            release.wait(10)

    folder = _in_thread(fold_and_hold, errors)
    assert folded.wait(10)
    # The moderator's command waits for the fold's row lock, then reads the comment counted.
    hider = _in_thread(
        lambda: domain.hide_comment(
            moderator, comments[0], "Limbaj jignitor.", now=during(stage, 2)
        ),
        errors,
    )
    hider.join(1)
    assert hider.is_alive()  # waiting for the fold
    release.set()
    folder.join(10)
    hider.join(10)
    assert errors == []
    assert waiting() == []
    assert stored(stage) == [(key, "oppose", 2, 1)]
    assert Counts(stage).rows == [(key, "oppose", 2, 1)]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers: SQLite serialises them"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_worker_waits_for_the_first_and_counts_each_comment_once(stage):
    key = first_block_key(stage)

    def post(count):
        posted_by_many(stage, key, [("support", "oppose", "neutral")[n % 3] for n in range(count)])

    post(30)
    taken, release, errors, results = threading.Event(), threading.Event(), [], []

    def fold_and_hold():
        with transaction.atomic():  # its batches' locks held until this block ends
            results.append(domain.fold_counts(batch_size=7, retries=0))
            taken.set()
            release.wait(10)

    first = _in_thread(fold_and_hold, errors)
    assert taken.wait(10)
    post(6)
    second = _in_thread(lambda: results.append(domain.fold_counts(retries=0)), errors)
    second.join(1)
    assert second.is_alive()  # one fold at a time: it waits before locking any comment
    # Meanwhile readers count all 36, and a reply can lock its thread's first comment.
    assert Counts(stage).rows == [
        (key, "neutral", 12, 12),
        (key, "oppose", 12, 12),
        (key, "support", 12, 12),
    ]
    release.set()
    first.join(10)
    second.join(10)
    assert errors == [] and results == [30, 6]
    assert waiting() == []
    assert stored(stage) == [
        (key, "neutral", 12, 12),
        (key, "oppose", 12, 12),
        (key, "support", 12, 12),
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_a_run_with_nothing_waiting_reads_only_the_waiting_comments_index():
    # Every grouper run ends with a fold that finds nothing waiting: read as MAX(key), SQLite
    # walked every comment of every stage for it (40 ms a run at 200,000 comments).
    with CaptureQueriesContext(connection) as captured:
        assert domain.fold_counts() == 0
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert plan == "SEARCH consultations_stagecomment USING INDEX comments_count_pending", plan
