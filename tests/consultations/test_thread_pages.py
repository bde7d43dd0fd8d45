"""Where each page of a stage's threads starts (`ThreadPage`, written by `domain.mark_pages`):
a page and a comment's page are read from the nearest page written, and are the same whether
or not any page is written yet."""

import logging

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.transaction import TransactionManagementError

from consultations import domain
from consultations.domain import grouping
from consultations.models import StageComment, ThreadPage
from consultations.threads import PER_PAGE, Filters, listed_threads, location, page_of
from tests.concurrency import first_kept_open, second_while_first_is_open
from tests.consultations.conftest import add_written_stage, during

pytestmark = pytest.mark.django_db


def post_threads(stage, user, number, *, reply_every=0):
    """`number` new threads in `stage`, each `reply_every`-th one replied to; their ids."""
    threads = []
    for index in range(number):
        comment = domain.post_comment(
            user, stage, text=f"Firul {index}.", stance="neutral", now=during(stage)
        )
        threads.append(comment.pk)
        if reply_every and index % reply_every == 0:
            domain.post_comment(
                user, stage, text=f"Răspuns {index}.", parent_id=comment.pk, now=during(stage)
            )
    return threads


def new_thread(stage, user, text):
    """A new first comment, not stored yet."""
    return StageComment(
        stage=stage,
        revision=stage.revision,
        content_object=stage,
        site_id=settings.SITE_ID,
        user=user,
        comment=text,
        submit_date=during(stage),
        parent_id=0,
    )


def pages_written(stage):
    return list(
        ThreadPage.objects.filter(stage=stage)
        .order_by("number")
        .values_list("number", "first_thread_id")
    )


def listed(stage, number):
    return [pk for pk, _version in listed_threads(stage.pk, Filters(), number)]


def test_every_twentieth_thread_starts_a_page_and_only_new_pages_are_written(
    stage, citizen, editor, consultation
):
    other = add_written_stage(editor, consultation, opens_at=stage.closes_at)
    threads = post_threads(stage, citizen, 45, reply_every=7)
    post_threads(other, citizen, 3)
    assert domain.mark_pages([stage.pk]) == 3
    assert pages_written(stage) == [(1, threads[0]), (2, threads[20]), (3, threads[40])]
    assert pages_written(other) == []
    # Nothing new: nothing written. Then the third page fills and a fourth starts.
    assert domain.mark_pages([stage.pk]) == 0
    threads += post_threads(stage, citizen, 15, reply_every=4)
    assert domain.mark_pages([stage.pk]) == 0
    threads += post_threads(stage, citizen, 1)
    assert domain.mark_pages([stage.pk, other.pk]) == 2
    assert pages_written(stage) == [
        (1, threads[0]),
        (2, threads[20]),
        (3, threads[40]),
        (4, threads[60]),
    ]
    assert pages_written(other) == [(1, StageComment.objects.filter(stage=other).first().pk)]


@pytest.mark.parametrize("written", [0, 1, 2, 4])
def test_pages_and_a_threads_page_are_the_same_however_many_pages_are_written(
    stage, citizen, written
):
    threads = post_threads(stage, citizen, 4 * PER_PAGE - 3, reply_every=6)
    domain.mark_pages([stage.pk])
    # The worker lagging behind: only the first `written` pages written.
    ThreadPage.objects.filter(stage=stage, number__gt=written).delete()
    assert len(pages_written(stage)) == written
    for number in range(1, 6):
        assert listed(stage, number) == threads[(number - 1) * PER_PAGE : number * PER_PAGE]
    for index, pk in enumerate(threads):
        comment = StageComment.objects.get(pk=pk)
        assert page_of(comment) == index // PER_PAGE + 1
    # A reply is on its thread's page.
    reply = StageComment.objects.filter(stage=stage, starts_thread=False).last()
    assert page_of(reply) == threads.index(reply.thread_id) // PER_PAGE + 1
    assert location(reply).endswith(f"?page={page_of(reply)}#comment-{reply.pk}")


def test_a_page_and_a_threads_page_are_read_in_one_query_each(
    stage, citizen, django_assert_num_queries
):
    threads = post_threads(stage, citizen, 2 * PER_PAGE + 1)
    domain.mark_pages([stage.pk])
    last = StageComment.objects.get(pk=threads[-1])
    with django_assert_num_queries(1):
        assert listed(stage, 3) == threads[-1:]
    with django_assert_num_queries(1):
        assert page_of(last) == 3


def test_the_workers_run_after_posting_writes_the_new_pages(stage, citizen):
    threads = post_threads(stage, citizen, PER_PAGE + 1)
    grouping.catch_up()
    assert pages_written(stage) == [(1, threads[0]), (2, threads[PER_PAGE])]
    # A thread stored by the model's save (as a logged recommendation is) counts the same.
    threads += post_threads(stage, citizen, PER_PAGE - 1)
    saved = new_thread(stage, citizen, "Salvat direct.")
    saved.count_pending = True
    saved.save()
    grouping.catch_up()
    assert saved.starts_thread
    assert pages_written(stage) == [(1, threads[0]), (2, threads[PER_PAGE]), (3, saved.pk)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes no advisory lock")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_thread_is_inserted_in_a_transaction_only(stage, citizen):
    comment = new_thread(stage, citizen, "Fără tranzacție.")
    with pytest.raises(TransactionManagementError, match="must be taken in a transaction"):
        comment.insert()
    assert not StageComment.objects.exists()


def test_the_group_comments_command_writes_the_pages_of_threads_posted_before(stage, citizen):
    threads = post_threads(stage, citizen, PER_PAGE + 1)
    call_command("group_comments", stdout=None)
    assert pages_written(stage) == [(1, threads[0]), (2, threads[PER_PAGE])]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_thread_still_being_posted_with_a_smaller_id_is_waited_for(stage, citizen, citizen2):
    """A's id is drawn first, B's after, B commits first: a page written while A is still open
    would start at B, and A (shown before B: the threads' order is their ids') would be on no
    page. The writer waits for A's transaction."""
    threads = post_threads(stage, citizen, PER_PAGE)
    posted = {}

    def post_a():
        posted["a"] = domain.post_comment(
            citizen, stage, text="A.", stance="neutral", now=during(stage)
        ).pk

    def post_b_then_mark():
        posted["b"] = domain.post_comment(
            citizen2, stage, text="B.", stance="neutral", now=during(stage)
        ).pk
        return domain.mark_pages([stage.pk])

    assert second_while_first_is_open(post_a, post_b_then_mark) == 2
    assert posted["a"] < posted["b"]
    assert pages_written(stage) == [(1, threads[0]), (2, posted["a"])]
    assert listed(stage, 2) == [posted["a"], posted["b"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_thread_being_posted_holds_up_no_other_stages_pages(
    stage, citizen, citizen2, editor, consultation, caplog
):
    other = add_written_stage(editor, consultation, opens_at=stage.closes_at)

    def post_in_stage():
        domain.post_comment(
            citizen, stage, text="Încă deschis.", stance="neutral", now=during(stage)
        )

    with first_kept_open(post_in_stage):
        posted = domain.post_comment(
            citizen2, other, text="Altă etapă.", stance="neutral", now=during(other)
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # fails instead of waiting for the holder
        try:
            assert domain.mark_pages([other.pk]) == 1
            # The open thread's own stage: its barrier gives up after half a second, and its
            # pages wait for the next run.
            with caplog.at_level(logging.INFO, logger="consultations.domain.common"):
                assert domain.mark_pages([stage.pk]) == 0
            assert caplog.messages == [
                f"Threads still being posted in stage {stage.pk}; its pages wait."
            ]
            assert pages_written(stage) == []
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert pages_written(other) == [(1, posted.pk)]
    assert domain.mark_pages([stage.pk]) == 1
