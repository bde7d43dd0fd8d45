"""Kept copies of anonymous stage pages after a comment or a reaction (`core.earlycache`'s
refills): the counts are written in again before the middleware, in three queries, while the
page lists the same threads; a thread of the page that changed (a reply, a comment hidden) is
rendered alone and replaced in the copy, which is then the page the whole stack renders, byte
for byte, so a hidden comment is never answered from a copy; other threads listed, or other
pages around it, go through the whole stack."""

import logging
import re
import threading
import time

import pytest
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Q
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation

from consultations import domain, threads
from consultations.domain import grouping
from consultations.domain.common import (
    bump_thread_version,
    count_comment,
    counts_sql,
    waiting_stages,
)
from consultations.models import CommentCount, StageComment
from core import earlycache
from tests.consultations.conftest import first_block_key
from tests.consultations.page_helpers import comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def early(settings, monkeypatch):
    settings.PAGE_EARLY_CACHE = True
    # One thread a page: two threads make two pages.
    monkeypatch.setattr(threads, "PER_PAGE", 1)
    cache.clear()


@pytest.fixture
def first(open_stage, citizen):
    made = comment(citizen, open_stage, text="Primul fir, pe pagina întâi.")
    domain.fold_counts()  # counted: its stored row exists (`count_comment` updates it)
    return made


@pytest.fixture
def second(open_stage, citizen2, first):
    return comment(citizen2, open_stage, text="Al doilea fir, pe pagina a doua.")


def _anonymous(language="en"):
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def _get(url, language="en", **extra):
    """(response, the SQL of the queries answering it)."""
    with CaptureQueriesContext(connection) as captured:
        response = _anonymous(language).get(url, **extra)
    return response, [query["sql"] for query in captured.captured_queries]


def _forget_early_copies():
    for key in list(cache._cache):  # noqa: SLF001 (the test cache is locmem)
        name = key.removeprefix(":1:")
        if name.startswith("consult:early:") and "generation" not in name:
            cache.delete(name)


def _through_the_stack(url, language="en"):
    """The page as the whole stack answers it now (no early copy), its threads rendered anew
    (none read from the cache, where a refill or the worker may have put them)."""
    _forget_early_copies()
    for key in list(cache._cache):  # noqa: SLF001 (the test cache is locmem)
        name = key.removeprefix(":1:")
        if name.startswith(("consult:thread:", "consult:threads:")):
            cache.delete(name)
    page, queries = _get(url, language)
    assert len(queries) > 3
    return page


def _tokens():
    return cache.get(earlycache.GENERATION_KEY), cache.get(earlycache.COMMENTS_KEY)


def test_a_reply_on_another_page_is_answered_from_the_copy_with_the_new_counts(
    open_stage, first, second, citizen
):
    url = open_stage.get_absolute_url()
    before, _queries = _get(url)
    assert _get(url)[1] == []
    text = before.content.decode()
    assert "Primul fir" in text and "Al doilea fir" not in text
    assert "2 comments" in text and "Page 1 of 2" in text
    site, comments = _tokens()
    comment(citizen, open_stage, text="Un răspuns pe pagina a doua.", parent_id=second.pk)
    # Only the comments generation moved: posting writes nothing a stage page shows but the
    # comment tables.
    assert _tokens()[0] == site
    assert _tokens()[1] != comments
    after, queries = _get(url)
    assert after.status_code == 200
    # The stored counts, the page's threads and versions, the reaction counts: no session, no
    # stage, no rendering.
    assert len(queries) == 3
    assert not any("django_session" in sql or 'consultations_stage"' in sql for sql in queries)
    assert "3 comments" in after.content.decode()
    assert "2 comments" not in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert not after.cookies
    # Kept under the new token: the next reader reads nothing.
    again, queries = _get(url)
    assert queries == []
    assert again.content == after.content
    # The whole stack answers the same page with the same ETag, so a browser holding either
    # gets a 304 from the other.
    whole = _through_the_stack(url)
    assert whole.content == after.content
    assert whole["ETag"] == after["ETag"]
    _get(url)
    assert _get(url, HTTP_IF_NONE_MATCH=after["ETag"])[0].status_code == 304


def test_a_reaction_is_written_into_the_copy(open_stage, first, second, citizen2):
    url = open_stage.get_absolute_url()
    _get(url)
    assert "Agree: 1" not in _get(url)[0].content.decode()
    domain.react(citizen2, first, "agree")
    after, queries = _get(url)
    assert len(queries) == 3
    assert "Agree: 1 · Disagree: 0" in after.content.decode()
    assert after.content == _through_the_stack(url).content


@pytest.mark.parametrize("language", ["ro", "bg"])
def test_a_copy_is_refilled_in_its_own_language(open_stage, first, second, citizen2, language):
    url = open_stage.get_absolute_url()
    english = _get(url)[0]
    _get(url, language)
    domain.react(citizen2, first, "disagree")
    after, queries = _get(url, language)
    assert len(queries) == 3
    assert f'<html lang="{language}"' in after.content.decode()
    whole = _through_the_stack(url, language)
    assert after.content == whole.content
    assert after["ETag"] == whole["ETag"]
    assert after["Content-Language"] == language
    assert after.content != english.content
    if language == "ro":
        assert "De acord: 0 · Nu sunt de acord: 1" in after.content.decode()


def test_a_hidden_comment_is_never_answered_from_a_copy(open_stage, first, second, moderator):
    url = open_stage.get_absolute_url()
    for _ in range(2):
        assert "Primul fir" in _get(url)[0].content.decode()
    site, _comments = _tokens()
    domain.hide_comment(moderator, first, "Date personale", now=timezone.now())
    # Hiding writes only what a comment's refill covers: the copy is checked, not dropped.
    assert _tokens()[0] == site
    page, queries = _get(url)
    assert "Primul fir" not in page.content.decode()
    assert len(queries) == 5  # its thread's version moved: that thread rendered again
    again, queries = _get(url)
    assert "Primul fir" not in again.content.decode()
    assert queries == []
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def _non_reads(queries):
    return [sql for sql in queries if not sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("language", ["en", "ro"])
def test_a_reply_in_one_of_its_threads_is_spliced_into_the_copy(
    open_stage, first, second, citizen2, language
):
    url = open_stage.get_absolute_url()
    _get(url, language)
    before = _get(url, language)[0]
    site, _comments = _tokens()
    reply = comment(citizen2, open_stage, text="Un răspuns în primul fir.", parent_id=first.pk)
    assert _tokens()[0] == site
    after, queries = _get(url, language)
    assert after.status_code == 200
    text = after.content.decode()
    assert "Un răspuns în primul fir." in text and f'id="comment-{reply.pk}"' in text
    # The page's threads, the counts, the reactions; the stage and the changed thread: no
    # session, nothing written, not the page's other parts.
    assert len(queries) == 5, queries
    assert _non_reads(queries) == []
    assert not any("django_session" in sql for sql in queries)
    assert after["ETag"] != before["ETag"]
    # Byte for byte the page the whole stack renders, under the same ETag (a browser holding
    # either gets a 304 from the other).
    again, queries = _get(url, language)
    assert queries == []
    assert (again.content, again["ETag"]) == (after.content, after["ETag"])
    whole = _through_the_stack(url, language)
    assert (whole.content, whole["ETag"]) == (after.content, after["ETag"])
    _get(url, language)
    assert _get(url, language, HTTP_IF_NONE_MATCH=after["ETag"])[0].status_code == 304


def test_a_copy_is_spliced_again_after_each_change_of_its_thread(
    open_stage, first, second, citizen, citizen2, moderator
):
    url = open_stage.get_absolute_url()
    _get(url)
    reply = comment(citizen2, open_stage, text="Primul răspuns.", parent_id=first.pk)
    assert "Primul răspuns." in _get(url)[0].content.decode()
    comment(citizen, open_stage, text="Al doilea răspuns.", parent_id=reply.pk)
    page, queries = _get(url)
    assert len(queries) == 5
    assert "Primul răspuns." in page.content.decode()
    assert "Al doilea răspuns." in page.content.decode()
    # Hidden: the spliced copy shows the moderation's reason, never the text.
    domain.hide_comment(moderator, reply, "Date personale", now=timezone.now())
    page, queries = _get(url)
    assert len(queries) == 5
    assert "Primul răspuns." not in page.content.decode()
    assert "Hidden by moderation: Date personale" in page.content.decode()
    assert _get(url)[1] == []
    assert page.content == _through_the_stack(url).content


def test_a_thread_rendered_for_another_copy_at_its_version_is_not_rendered_again(
    open_stage, first, second, citizen2
):
    # Two copies showing the first thread: page 1, and page 1 of the neutral comments.
    url = open_stage.get_absolute_url()
    neutral = f"{url}?stance=neutral"
    for address in (url, neutral):
        _get(address)
    comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    first_copy, queries = _get(url)
    assert len(queries) == 5
    # Neither the stage nor the thread: rendered at its new version for the first copy, found
    # under the key the copy's state names.
    second_copy, queries = _get(neutral)
    assert len(queries) == 3
    assert not any('"comment"' in sql or 'consultations_stage"' in sql for sql in queries)
    assert "Un răspuns." in second_copy.content.decode()
    assert second_copy.content == _through_the_stack(neutral).content
    # The Romanian copy renders the thread in Romanian: not the English one.
    _get(url, "ro")
    comment(citizen2, open_stage, text="Încă un răspuns.", parent_id=first.pk)
    assert len(_get(url, "ro")[1]) == 5


def _thread_keys():
    return sorted(
        key.removeprefix(":1:")
        for key in cache._cache  # noqa: SLF001 (the test cache is locmem)
        if key.removeprefix(":1:").startswith("consult:thread:")
    )


def test_a_replys_thread_is_rendered_by_the_run_for_the_copies_showing_it_in_their_languages(
    open_stage, first, second, citizen2
):
    url = open_stage.get_absolute_url()
    for language in ("en", "ro"):
        _get(url, language)
    _get(url + "?page=2", "bg")  # a copy that does not show the replied-to thread
    reply = comment(citizen2, open_stage, text="Un răspuns citit mai târziu.", parent_id=first.pk)
    before = _thread_keys()
    # The grouper's run after the commit (the worker, or a thread of the server): the reply
    # counted, then the copies showing its thread refilled, the thread rendered for them in
    # English and Romanian (not in Bulgarian: no copy of page 1 in it).
    grouping.catch_up()
    assert StageComment.objects.filter(count_pending=True).count() == 0
    added = sorted(set(_thread_keys()) - set(before))
    version = StageComment.objects.get(pk=first.pk).thread_version
    assert [key.split(":")[-2:] for key in added] == [[str(first.pk), str(version)]] * 2
    assert sorted(key.split(":")[-5] for key in added) == ["en", "ro"]
    pages = {}
    for language in ("en", "ro"):
        pages[language], queries = _get(url, language)
        assert queries == []
        assert f'id="comment-{reply.pk}"' in pages[language].content.decode()
    # Page 2's copy (its counts) too: the run refilled every copy noted for the stage.
    assert _get(url + "?page=2", "bg")[1] == []
    # All fresh now: another run finds nothing to refill or render.
    with CaptureQueriesContext(connection) as captured:
        assert threads.refill_ahead([open_stage.pk]) == 0
    assert captured.captured_queries == []
    for language, page in pages.items():
        whole = _through_the_stack(url, language)
        assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_a_reply_committed_during_a_run_waits_for_the_next_run(
    open_stage, first, second, citizen2, monkeypatch
):
    url = open_stage.get_absolute_url()
    _get(url)
    late = []
    read = grouping.waiting_stages

    def reply_meanwhile(upto):
        # Committed once the run has read which stages its comments belong to.
        stages = read(upto)
        late.append(comment(citizen2, open_stage, text="Între timp.", parent_id=first.pk))
        return stages

    monkeypatch.setattr(grouping, "waiting_stages", reply_meanwhile)
    comment(citizen2, open_stage, text="Înainte.", parent_id=first.pk)
    grouping.catch_up()
    # Not counted by this run (which counts no comment newer than those it read)...
    assert list(StageComment.objects.filter(count_pending=True)) == late
    # ...but by the next, which its commit starts, and its stage's copies refilled.
    monkeypatch.setattr(grouping, "waiting_stages", read)
    grouping.catch_up()
    assert StageComment.objects.filter(count_pending=True).count() == 0
    page, queries = _get(url)
    assert queries == []
    assert "Între timp." in page.content.decode()


def test_copies_kept_by_servers_of_another_release_are_not_refilled_ahead(
    open_stage, first, second, citizen2, caplog, monkeypatch
):
    url = open_stage.get_absolute_url()
    _get(url)
    _as_another_release(open_stage)
    comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    domain.fold_counts()
    # Just started (the servers before a deploy noted it): nothing said.
    monkeypatch.setitem(threads._OTHER_RELEASE, "told", False)  # noqa: SLF001
    monkeypatch.setitem(threads._OTHER_RELEASE, "since", time.monotonic())  # noqa: SLF001
    with caplog.at_level(logging.WARNING):
        assert threads.refill_ahead([open_stage.pk]) == 0
    assert "another release" not in caplog.text
    # Lasting beyond the copies' lifetime: said once.
    monkeypatch.setitem(threads._OTHER_RELEASE, "since", time.monotonic() - 3600)  # noqa: SLF001
    with caplog.at_level(logging.WARNING):
        assert threads.refill_ahead([open_stage.pk]) == 0
        assert threads.refill_ahead([open_stage.pk]) == 0
    assert caplog.text.count("another release") == 1
    assert len(_get(url)[1]) == 5  # left to its reader


def test_without_kept_copies_the_run_renders_nothing(open_stage, first, second, citizen2):
    comment(citizen2, open_stage, text="Un răspuns necitit.", parent_id=first.pk)
    grouping.catch_up()
    assert _thread_keys() == []


def test_a_run_refills_the_newest_copies_up_to_a_bound(
    open_stage, first, second, citizen2, monkeypatch
):
    monkeypatch.setattr(earlycache, "AHEAD_RUN", 1)
    url = open_stage.get_absolute_url()
    _get(url, "en")
    time.sleep(0.01)
    _get(url, "ro")
    comment(citizen2, open_stage, text="Un răspuns.", parent_id=second.pk)
    domain.fold_counts()
    assert threads.refill_ahead([open_stage.pk]) == 1
    assert _get(url, "ro")[1] == []  # the newest
    assert len(_get(url, "en")[1]) == 3  # refilled by its reader


def _noted(stage):
    return cache.get(earlycache.copies_key(threads.REFILL, stage.pk)) or {}


def _as_another_release(stage):
    """The stage's copies, noted as by servers of another release."""
    noted = {
        key: (until, language, "another release")
        for key, (until, language, _release) in _noted(stage).items()
    }
    assert noted
    cache.set(earlycache.copies_key(threads.REFILL, stage.pk), noted)


def test_the_grouper_run_refills_its_stages_copies_ahead_of_their_readers(
    open_stage, first, second, citizen, citizen2
):
    url = open_stage.get_absolute_url()
    for language in ("en", "ro"):
        _get(url, language)
    # Each language's copy, noted with its language when kept whole.
    assert sorted(language for _until, language, _release in _noted(open_stage).values()) == [
        "en",
        "ro",
    ]
    # A reply on the other page (new counts) and one in page 1's own thread (spliced).
    comment(citizen, open_stage, text="Un răspuns pe pagina a doua.", parent_id=second.pk)
    reply = comment(citizen2, open_stage, text="Un răspuns în primul fir.", parent_id=first.pk)
    grouping.catch_up()
    assert StageComment.objects.filter(count_pending=True).count() == 0
    pages = {}
    for language in ("en", "ro"):
        pages[language], queries = _get(url, language)
        assert queries == []  # warm: the run refilled it
        assert f'id="comment-{reply.pk}"' in pages[language].content.decode()
    assert "4 comments" in pages["en"].content.decode()
    for language, page in pages.items():
        whole = _through_the_stack(url, language)
        assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_a_reaction_has_its_stages_copies_refilled_after_its_commit(
    open_stage, first, second, citizen2, settings, django_capture_on_commit_callbacks
):
    settings.SEARCH_INDEX_UPDATES = "celery"  # a task for the stage (run in process here)
    url = open_stage.get_absolute_url()
    _get(url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        domain.react(citizen2, first, "agree")
    # The token moved at commit first, then the stage's run (which reads the token after it).
    assert [type(callback) for callback in callbacks] == [
        earlycache._AtCommit,  # noqa: SLF001
        grouping._StageChanged,  # noqa: SLF001
    ]
    page, queries = _get(url)
    assert queries == []
    assert "Agree: 1 · Disagree: 0" in page.content.decode()
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])
    # Two reactions on the stage in one transaction: one run.
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        domain.react(citizen2, first, "disagree")
        domain.react(citizen2, first, "agree")
    runs = [callback for callback in callbacks if type(callback).__name__ == "_StageChanged"]
    assert [run.args for run in runs] == [(open_stage.pk,)]
    # Without the early cache, nothing follows the commit.
    settings.PAGE_EARLY_CACHE = False
    with django_capture_on_commit_callbacks() as callbacks:
        domain.react(citizen2, first, "agree")
    assert callbacks == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_the_embedded_default_the_grouper_thread_refills_after_a_reaction(
    open_stage, first, second, citizen2, settings
):
    settings.SEARCH_INDEX_UPDATES = "thread"
    url = open_stage.get_absolute_url()
    _get(url)
    domain.react(citizen2, first, "agree")  # committed: the thread takes the stage
    for thread in threading.enumerate():
        if thread.name == "comment-grouping":
            thread.join(timeout=30)
    page, queries = _get(url)
    assert queries == []
    assert "Agree: 1 · Disagree: 0" in page.content.decode()


def test_refilling_ahead_leaves_fresh_stale_and_unnoted_copies_to_their_readers(
    open_stage, first, second, citizen, settings
):
    url = open_stage.get_absolute_url()
    _get(url)
    # Fresh: nothing to refill.
    assert threads.refill_ahead([open_stage.pk]) == 0
    comment(citizen, open_stage, text="Un răspuns.", parent_id=second.pk)
    domain.fold_counts()
    # Another stage's copies only.
    assert threads.refill_ahead([open_stage.pk + 1000]) == 0
    # Without the early cache, nothing.
    settings.PAGE_EARLY_CACHE = False
    assert threads.refill_ahead([open_stage.pk]) == 0
    settings.PAGE_EARLY_CACHE = True
    # Noted by servers of another release: not this code's to refill.
    noted = _noted(open_stage)
    _as_another_release(open_stage)
    assert threads.refill_ahead([open_stage.pk]) == 0
    cache.set(earlycache.copies_key(threads.REFILL, open_stage.pk), noted)
    # Stale by a write outside the comment tables: rendered whole by its reader.
    site = cache.get(earlycache.GENERATION_KEY)
    earlycache.move_generation()
    assert threads.refill_ahead([open_stage.pk]) == 0
    cache.set(earlycache.GENERATION_KEY, site)
    assert threads.refill_ahead([open_stage.pk]) == 1
    assert _get(url)[1] == []
    assert threads.refill_ahead([open_stage.pk]) == 0  # fresh again


def test_a_copy_refilled_by_a_reader_meanwhile_is_left_as_it_is(open_stage, first, second, citizen):
    url = open_stage.get_absolute_url()
    _get(url)
    comment(citizen, open_stage, text="Un răspuns.", parent_id=second.pk)
    domain.fold_counts()
    refilled = _get(url)  # a reader refills it first
    assert len(refilled[1]) == 3
    kept = _early_entry()
    with CaptureQueriesContext(connection) as captured:
        assert threads.refill_ahead([open_stage.pk]) == 0
    assert captured.captured_queries == []
    assert _early_entry() == kept


def test_a_hidden_comment_is_taken_out_of_the_copies_after_the_commit(
    open_stage, first, second, citizen2, moderator, settings, django_capture_on_commit_callbacks
):
    settings.SEARCH_INDEX_UPDATES = "celery"  # a task for the stage (run in process here)
    reply = comment(citizen2, open_stage, text="Un răspuns de ascuns.", parent_id=first.pk)
    domain.fold_counts()
    url = open_stage.get_absolute_url()
    for language in ("en", "ro"):
        assert "Un răspuns de ascuns." in _get(url, language)[0].content.decode()
    site = _tokens()[0]
    with django_capture_on_commit_callbacks(execute=True):
        domain.hide_comment(moderator, reply, reason="Atac la persoană.")
    assert _tokens()[0] == site  # only the comments generation moved
    pages = {}
    for language in ("en", "ro"):
        pages[language], queries = _get(language=language, url=url)
        assert queries == []  # refilled by the run: the thread rendered and spliced
        assert "Un răspuns de ascuns." not in pages[language].content.decode()
    for language, page in pages.items():
        whole = _through_the_stack(url, language)
        assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_an_answer_is_spliced_into_the_copies_after_the_commit(
    open_stage, first, second, editor, settings, django_capture_on_commit_callbacks
):
    settings.SEARCH_INDEX_UPDATES = "celery"  # a task for the stage (run in process here)
    url = open_stage.get_absolute_url()
    for language in ("en", "ro"):
        _get(url, language)
    site = _tokens()[0]
    with django_capture_on_commit_callbacks(execute=True):
        domain.set_disposition(editor, first, outcome="partially", reason="Preluăm termenul.")
    # An answer writes only what the stage page's refill covers: the site's token stays, so
    # the site's other kept pages (not showing comments) stay too.
    assert _tokens()[0] == site
    pages = {}
    for language in ("en", "ro"):
        pages[language], queries = _get(url, language)
        assert queries == []  # refilled by the run: the thread rendered with its answer
        assert "Preluăm termenul." in pages[language].content.decode()
    for language, page in pages.items():
        whole = _through_the_stack(url, language)
        assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_an_answer_changed_is_spliced_into_a_copy_by_its_reader(open_stage, first, second, editor):
    url = open_stage.get_absolute_url()
    domain.set_disposition(editor, first, outcome="rejected", reason="Nu se reține.")
    _get(url)
    assert "Nu se reține." in _get(url)[0].content.decode()
    site = _tokens()[0]
    domain.set_disposition(editor, first, outcome="accepted", reason="Se preia întocmai.")
    assert _tokens()[0] == site
    page, queries = _get(url)
    text = page.content.decode()
    assert "Se preia întocmai." in text and "Nu se reține." not in text
    assert len(queries) == 5  # its thread's version moved: that thread rendered again
    assert _non_reads(queries) == []
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_answers_in_bulk_move_the_sites_token(open_stage, first, second, editor):
    from consultations.domain.queries import answer_selection, selection_size

    url = open_stage.get_absolute_url()
    _get(url)
    site = _tokens()[0]
    expected = selection_size(answer_selection(open_stage))
    assert (
        domain.answer_comments(
            editor, open_stage, {}, outcome="rejected", reason="Nu.", expected=expected
        )
        == 2
    )
    # The stage's comments version moved (outside the comment tables): the whole stack.
    assert _tokens()[0] != site
    page, queries = _get(url)
    assert len(queries) == 13  # the whole stack (a refill answers in 5 at most)
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_a_stage_run_in_the_request_keeps_its_script_prefix_and_survives_the_cache(
    open_stage, first, second, citizen2, settings, monkeypatch
):
    _get(open_stage.get_absolute_url())
    settings.FORCE_SCRIPT_NAME = "/consultare/"
    set_script_prefix("/sub/")  # the request's own, which its redirect reads
    try:
        assert threads.refill_ahead([open_stage.pk]) == 0
        assert get_script_prefix() == "/sub/"

        def unreachable(*args, **kwargs):
            raise ConnectionError("the cache cannot be reached")

        monkeypatch.setattr(cache, "delete", unreachable)
        grouping.stage_run_task(open_stage.pk)  # logged, not raised
    finally:
        settings.FORCE_SCRIPT_NAME = None
        set_script_prefix("/")


def test_the_newest_copies_are_noted_up_to_a_bound(open_stage, first, second, monkeypatch):
    monkeypatch.setattr(earlycache, "AHEAD_COPIES", 2)
    url = open_stage.get_absolute_url()
    for language in ("en", "ro", "bg"):
        _get(url, language)
        time.sleep(0.01)
    noted = _noted(open_stage)
    assert len(noted) == 2
    ro, bg = (earlycache.early_key(_request(url, language)) for language in ("ro", "bg"))
    assert set(noted) == {ro, bg}


def _request(url, language):
    return RequestFactory(HTTP_ACCEPT_LANGUAGE=language).get(url)


def test_a_thread_is_not_refilled_ahead_under_another_script_prefix(
    open_stage, first, second, citizen2, settings
):
    url = open_stage.get_absolute_url()
    _get(url)
    reply = comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    settings.FORCE_SCRIPT_NAME = "/consultare/"
    try:
        grouping.catch_up()
        # The run would render the thread under its own prefix: the copy left to its reader.
        assert threads.refill_ahead([open_stage.pk]) == 0
    finally:
        settings.FORCE_SCRIPT_NAME = None
        set_script_prefix("/")
    page, queries = _get(url)
    assert len(queries) == 5  # the reader renders the thread
    assert f'id="comment-{reply.pk}"' in page.content.decode()
    assert "/consultare/" not in page.content.decode()
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_a_failing_last_step_is_logged_and_the_run_is_whole(
    open_stage, first, second, citizen2, monkeypatch, caplog
):
    def fails(stages):
        raise RuntimeError("a cache that cannot be reached")

    monkeypatch.setattr(grouping, "_LAST", [fails])
    monkeypatch.setattr(grouping, "_FAILED", set())
    comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    with caplog.at_level(logging.WARNING):
        grouping.catch_up()
        comment(citizen2, open_stage, text="Încă un răspuns.", parent_id=first.pk)
        grouping.catch_up()
    assert StageComment.objects.filter(count_pending=True).count() == 0
    # Its traceback once, then a line per run.
    failures = [record for record in caplog.records if "step failed" in record.message]
    assert [(record.levelname, bool(record.exc_info)) for record in failures] == [
        ("ERROR", True),
        ("WARNING", False),
    ]


def test_the_stages_of_the_waiting_comments_are_those_counted_next(open_stage, first, citizen2):
    assert waiting_stages(10**9) == []
    reply = comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    assert waiting_stages(reply.pk) == [open_stage.pk]
    assert waiting_stages(reply.pk - 1) == []  # newer than the bound: the next run's


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_the_stages_of_the_waiting_comments_are_read_from_their_partial_index():
    with CaptureQueriesContext(connection) as captured:
        waiting_stages(10)
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX comments_count_pending" in plan, plan
    assert "SCAN consultations_stagecomment " not in plan.replace(
        "SCAN consultations_stagecomment USING INDEX comments_count_pending", ""
    ), plan


def test_one_thread_among_several_is_replaced_and_the_others_kept(
    open_stage, first, second, citizen, citizen2, monkeypatch
):
    monkeypatch.setattr(threads, "PER_PAGE", 20)
    third = comment(citizen, open_stage, text="Al treilea fir.")
    url = open_stage.get_absolute_url()
    _get(url)
    before = _get(url)[0].content.decode()
    assert all(text in before for text in ("Primul fir", "Al doilea fir", "Al treilea fir"))
    comment(citizen2, open_stage, text="Răspuns în firul din mijloc.", parent_id=second.pk)
    comment(citizen, open_stage, text="Răspuns în ultimul fir.", parent_id=third.pk)
    page, queries = _get(url)
    assert len(queries) == 5  # both threads in one read
    text = page.content.decode()
    assert text.index("Al doilea fir") < text.index("Răspuns în firul din mijloc.")
    assert text.index("Răspuns în firul din mijloc.") < text.index("Al treilea fir")
    assert text.index("Al treilea fir") < text.index("Răspuns în ultimul fir.")
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_a_spliced_copy_is_refilled_by_another_process(open_stage, first, second, citizen2):
    url = open_stage.get_absolute_url()
    _get(url)
    comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    spliced = _get(url)[0]
    kept = _early_entry()
    assert kept[4] == spliced["ETag"]
    name, state, etag, language, _named = kept[6]
    assert (name, language) == (threads.REFILL, "en")
    assert state[5] == tuple(threads.listed_threads(open_stage.pk, threads.Filters(), 1))
    # Another process has none of this one's marked contents: it reads the spliced copy's.
    earlycache._UNFILLED.clear()  # noqa: SLF001
    domain.react(citizen2, first, "agree")
    page, queries = _get(url)
    assert len(queries) == 3
    assert "Un răspuns." in page.content.decode()
    assert "Agree: 1 · Disagree: 0" in page.content.decode()
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_a_copy_without_the_marks_of_a_changed_thread_goes_through_the_stack(
    open_stage, first, second, citizen2
):
    url = open_stage.get_absolute_url()
    _get(url)
    entry = _early_entry()
    etag = entry[6][2]
    marked = cache.get(earlycache.unfilled_key(etag))
    unmarked = marked.replace(f"<!--part:thread.{first.pk}-->".encode(), b"")
    cache.set(earlycache.unfilled_key(etag), unmarked)
    earlycache._UNFILLED.values.pop(etag, None)  # noqa: SLF001
    comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    page, queries = _get(url)
    assert len(queries) > 5
    assert "Un răspuns." in page.content.decode()


def test_a_new_thread_on_the_page_goes_through_the_stack(open_stage, first, citizen2, settings):
    url = open_stage.get_absolute_url()
    _get(url)
    assert "Page 1 of" not in _get(url)[0].content.decode()  # one page: no page links
    comment(citizen2, open_stage, text="Un fir nou, pe pagina a doua.")
    # Page 1 now has a next page: not the copy's links.
    page, queries = _get(url)
    assert len(queries) > 3
    assert "Page 1 of 2" in page.content.decode()
    assert "page=2" in page.content.decode()


def test_pages_without_a_refill_follow_every_comment_write(open_stage, first, second, citizen2):
    # The comment's own page and the proposal's page are kept until anything is written.
    for url in (f"/comments/{first.pk}/", open_stage.consultation.proposal.get_absolute_url()):
        _get(url)
        assert _get(url)[1] == []
    domain.react(citizen2, first, "agree")
    page, queries = _get(f"/comments/{first.pk}/")
    assert len(queries) > 3
    assert "Agree: 1 · Disagree: 0" in page.content.decode()
    assert len(_get(open_stage.consultation.proposal.get_absolute_url())[1]) > 3


def test_the_stage_page_reads_nothing_a_comment_writes_beside_the_comment_tables(
    open_stage, first, second
):
    # What posting writes beside the comments (following, the log, the form token) moves the
    # comments generation: a stage page's copy must not show any of it.
    cache.clear()
    _page, queries = _get(open_stage.get_absolute_url())
    assert len(queries) > 3
    for table in ("consultations_follow", "core_activitylog", "search_indexqueue"):
        assert not any(table in sql for sql in queries), table
    assert not any("core_postedform" in sql for sql in queries)


def test_no_kept_page_reads_the_search_queue(open_stage, first, second):
    # Its writes move no token (`earlycache.NOT_SHOWN`): the worker applying it deletes rows
    # after every comment.
    assert not earlycache.writes('DELETE FROM "search_indexqueue" WHERE "id" IN (1)')
    cache.clear()
    for url in (
        open_stage.get_absolute_url(),
        f"/comments/{first.pk}/",
        open_stage.consultation.proposal.get_absolute_url(),
    ):
        page, queries = _get(url)
        assert page.status_code == 200
        assert len(queries) > 3
        assert not any("search_indexqueue" in sql for sql in queries), url


def test_which_writes_move_which_token():
    moved_by = earlycache.moved_by
    assert moved_by('UPDATE "consultations_stagecomment" SET "agree_count" = 1') == (
        earlycache.COMMENTS_KEY
    )
    assert moved_by('INSERT INTO "consultations_commentcount" ("shown") VALUES (1)') == (
        earlycache.COMMENTS_KEY
    )
    assert moved_by('DELETE FROM "consultations_reaction" WHERE 1') == earlycache.COMMENTS_KEY
    assert moved_by('INSERT INTO "core_activitylog" ("verb") VALUES (1)') == (
        earlycache.COMMENTS_KEY
    )
    # The grouper's lookup keys: shown nowhere.
    assert moved_by('INSERT INTO "consultations_commentband" ("key") VALUES (1)') == (
        earlycache.COMMENTS_KEY
    )
    # An answer: its thread's version moves with it.
    assert moved_by('UPDATE "consultations_disposition" SET "reason" = 1') == (
        earlycache.COMMENTS_KEY
    )
    # A group of similar comments is shown on the answers page and in a synthesis.
    assert moved_by('INSERT INTO "consultations_commentgroup" ("seed_id") VALUES (1)') == (
        earlycache.GENERATION_KEY
    )
    assert moved_by('UPDATE "consultations_stage" SET "comments_version" = 2') == (
        earlycache.GENERATION_KEY
    )
    assert moved_by('INSERT INTO "accounts_profile" ("user_id") VALUES (1)') == (
        earlycache.GENERATION_KEY
    )
    assert moved_by("CREATE TABLE x (y int)") == earlycache.GENERATION_KEY


def test_a_comment_write_moves_its_token_at_once_and_again_at_commit(
    django_capture_on_commit_callbacks, open_stage, first
):
    site, comments = (
        earlycache.current_generation(),
        earlycache.current_generation(earlycache.COMMENTS_KEY),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        count_comment(first, shown=1)
        moved = cache.get(earlycache.COMMENTS_KEY)
        assert moved != comments
        bump_thread_version(first)
        assert cache.get(earlycache.COMMENTS_KEY) == moved  # once per atomic block
    assert len(callbacks) == 1
    assert cache.get(earlycache.COMMENTS_KEY) not in (comments, moved)
    assert cache.get(earlycache.GENERATION_KEY) == site


def test_blocks_of_one_transaction_move_the_token_once_at_commit(
    django_capture_on_commit_callbacks, open_stage, first
):
    """Posting writes in the command's savepoint, then claims the form's token around it: each
    block moves the token at once, and both register one move at commit, made once. A block
    rolled back takes its registration with it; the other still moves the token."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with transaction.atomic():
            count_comment(first, shown=1)
            inner = cache.get(earlycache.COMMENTS_KEY)
        bump_thread_version(first)
        outer = cache.get(earlycache.COMMENTS_KEY)
        assert outer != inner
    assert len(callbacks) == 2 and callbacks[0] is callbacks[1]
    assert callbacks[0].done and cache.get(earlycache.COMMENTS_KEY) != outer

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                count_comment(first, shown=1)
                raise RuntimeError
        except RuntimeError:
            pass
        bump_thread_version(first)
        outer = cache.get(earlycache.COMMENTS_KEY)
    assert len(callbacks) == 1 and callbacks[0].done
    assert cache.get(earlycache.COMMENTS_KEY) != outer


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_transaction_moves_its_token_at_its_first_write_and_at_commit(
    open_stage, first
):
    """Outside a test's transaction too: the first write's move makes the copies made before
    it stale even if the commit's never comes; the commit's, those made while it ran."""
    comments = earlycache.current_generation(earlycache.COMMENTS_KEY)
    site = earlycache.current_generation()
    with transaction.atomic():
        count_comment(first, shown=1)
        written = cache.get(earlycache.COMMENTS_KEY)
        assert written != comments
        bump_thread_version(first)
        assert cache.get(earlycache.COMMENTS_KEY) == written
    committed = cache.get(earlycache.COMMENTS_KEY)
    assert committed not in (comments, written)
    assert cache.get(earlycache.GENERATION_KEY) == site
    # Rolled back: the first write's move only (what a copy was made from did not change).
    with pytest.raises(RuntimeError), transaction.atomic():
        count_comment(first, shown=1)
        raise RuntimeError
    assert cache.get(earlycache.COMMENTS_KEY) != committed
    assert cache.get(earlycache.GENERATION_KEY) == site


def test_without_its_marked_content_a_copy_goes_through_the_stack(
    open_stage, first, second, citizen2
):
    url = open_stage.get_absolute_url()
    _get(url)
    ((_key, entry),) = [
        (key, cache.get(key.removeprefix(":1:")))
        for key in list(cache._cache)  # noqa: SLF001
        if key.startswith(":1:consult:early:") and "generation" not in key
    ]
    etag = entry[6][2]
    # Evicted from the cache and never read by this process.
    cache.delete(earlycache.unfilled_key(etag))
    earlycache._UNFILLED.values.pop(etag, None)  # noqa: SLF001
    domain.react(citizen2, first, "agree")
    page, queries = _get(url)
    assert len(queries) > 3
    assert "Agree: 1 · Disagree: 0" in page.content.decode()


def _early_entry():
    """The one early copy in the cache (not its marked content, not a token)."""
    ((entry),) = [
        cache.get(key.removeprefix(":1:"))
        for key in list(cache._cache)  # noqa: SLF001 (the test cache is locmem)
        if key.startswith(":1:consult:early:") and "generation" not in key
    ]
    return entry


def _early_answer(url):
    """The early cache's answer to an anonymous request of `url`, not closed (as a server
    holds it while sending its body)."""
    middleware = earlycache.EarlyPageCacheMiddleware(
        lambda request: pytest.fail("answered by the whole stack")
    )
    return middleware(RequestFactory(HTTP_ACCEPT_LANGUAGE="en").get(url))


def _close(response):
    # As the test client closes a response: without closing the test's database connection.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def test_a_refilled_copy_is_kept_once_the_answer_is_closed(open_stage, first, second, citizen2):
    url = open_stage.get_absolute_url()
    _get(url)
    made = _early_entry()
    domain.react(citizen2, first, "agree")
    _site, comments = _tokens()
    with CaptureQueriesContext(connection) as captured:
        response = _early_answer(url)
    assert len(captured.captured_queries) == 3
    assert response.status_code == 200
    assert "Agree: 1 · Disagree: 0" in response.content.decode()
    # Answered, not kept yet: the cache holds the copy made before the reaction.
    assert _early_entry() == made
    _close(response)
    kept = _early_entry()
    assert kept[5] == comments
    assert kept[2] == response.content
    assert kept[4] == response["ETag"]
    assert made[5] != comments
    again, queries = _get(url)
    assert queries == []
    assert again.content == response.content


def test_a_copy_that_cannot_be_kept_after_its_answer_is_logged(
    open_stage, first, second, citizen2, settings, caplog
):
    url = open_stage.get_absolute_url()
    _get(url)
    domain.react(citizen2, first, "agree")
    response = _early_answer(url)
    assert "Agree: 1 · Disagree: 0" in response.content.decode()
    # The cache server goes away while the answer is sent. (Changing CACHES makes Django open
    # the caches anew.)
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    with caplog.at_level(logging.WARNING, logger="core.earlycache"):
        _close(response)
    assert [record.getMessage() for record in caplog.records] == [
        "An early page copy could not be kept."
    ]


def test_the_etag_of_a_refilled_copy_follows_its_counts(
    open_stage, first, second, citizen, citizen2
):
    third = UserFactory(display_name="Ana Popa")
    url = open_stage.get_absolute_url()
    _get(url)
    etags = [_get(url)[0]["ETag"]]
    for user, value, written in (
        (citizen2, "agree", "Agree: 1 · Disagree: 0"),
        (citizen2, "disagree", "Agree: 0 · Disagree: 1"),
        (third, "agree", "Agree: 1 · Disagree: 1"),
        (third, "agree", "Agree: 0 · Disagree: 1"),  # taken back
    ):
        domain.react(user, first, value)
        page, queries = _get(url)
        assert len(queries) == 3
        assert written in page.content.decode()
        etags.append(page["ETag"])
    # Two pages with the same counts ("Agree: 0 · Disagree: 1"), one ETag; every other differs.
    assert etags[2] == etags[4]
    assert len(set(etags)) == 4
    # A reaction in a thread of another page changes nothing here: the same ETag.
    domain.react(citizen, second, "agree")
    page, queries = _get(url)
    assert len(queries) == 3
    assert page["ETag"] == etags[-1]
    # A comment elsewhere changes the totals: another one, which the whole stack gives too.
    comment(citizen2, open_stage, text="Un răspuns pe pagina a doua.", parent_id=second.pk)
    page, queries = _get(url)
    assert len(queries) == 3
    assert page["ETag"] not in etags
    whole = _through_the_stack(url)
    assert (whole.content, whole["ETag"]) == (page.content, page["ETag"])


def test_a_viewers_own_reactions_are_digested_as_texts(open_stage, first, second, citizen2):
    domain.react(citizen2, first, "agree")
    counts = threads.Counts(open_stage)
    page = threads.paginate(counts, threads.Filters(), 1)
    shown = threads.page_threads(open_stage, threads.Filters(), page)
    with translation.override("en"):
        anonymous = threads.fill_values(open_stage, threads.Filters(), page, shown, counts)
        own = threads.fill_values(
            open_stage, threads.Filters(), page, shown, counts, viewer=citizen2
        )
    assert anonymous.numbers is not None
    assert own.numbers is None
    assert own.values[f"reactions.{first.pk}"] == (
        "Agree: 1 · Disagree: 0 · your reaction: you agree"
    )
    assert own.etag('"copy"') != anonymous.etag('"copy"')


# --- The reads as SQL written once, and the texts made once ----------------------------------


def test_the_reads_as_sql_give_what_their_orm_forms_give(
    open_stage, first, second, citizen, citizen2
):
    block = first_block_key(open_stage)
    third = comment(
        citizen2, open_stage, text="Pe primul paragraf.", block_key=block, stance="support"
    )
    reply = comment(citizen2, open_stage, text="Un răspuns.", parent_id=first.pk)
    domain.react(citizen2, first, "agree")
    domain.react(citizen, reply, "disagree")
    versions = dict(
        StageComment.objects.filter(starts_thread=True).values_list("pk", "thread_version")
    )
    read = threads.listed_threads
    # One thread a page (PER_PAGE is 1 here).
    assert read(open_stage.pk, threads.Filters(), 1) == [(first.pk, versions[first.pk])]
    assert read(open_stage.pk, threads.Filters(), 3) == [(third.pk, versions[third.pk])]
    assert read(open_stage.pk, threads.Filters(), 4) == []
    assert read(open_stage.pk, threads.Filters(block=block), 1) == [(third.pk, versions[third.pk])]
    assert read(open_stage.pk, threads.Filters(block=threads.WHOLE_TEXT), 2) == [
        (second.pk, versions[second.pk])
    ]
    assert read(open_stage.pk, threads.Filters(stance="support"), 1) == [
        (third.pk, versions[third.pk])
    ]
    for filters in (
        threads.Filters(),
        threads.Filters(block=block),
        threads.Filters(block=threads.WHOLE_TEXT),
        threads.Filters(stance="neutral"),
        threads.Filters(block=block, stance="oppose"),
    ):
        orm = threads.top_level(open_stage, filters).values_list("pk", "thread_version")
        for number in (1, 2, 3):
            assert read(open_stage.pk, filters, number) == list(orm[number - 1 : number])
    # The counts: the stored rows with the comments waiting to be counted, the same as the
    # stored rows once they are folded in, and as counting the comments' rows.
    rows = threads.Counts(open_stage).rows
    assert rows == [("", "", 0, 1), ("", "neutral", 2, 2), (block, "support", 1, 1)]
    orm = (
        StageComment.objects.filter(stage=open_stage)
        .order_by("block_key", "stance")
        .values_list("block_key", "stance")
        .annotate(
            threads=Count("pk", filter=Q(starts_thread=True)),
            shown=Count("pk", filter=Q(state="visible")),
        )
    )
    assert rows == list(orm)
    assert domain.fold_counts() == 3
    assert threads.Counts(open_stage).rows == rows
    assert rows == sorted(
        CommentCount.objects.filter(stage=open_stage).values_list(
            "block_key", "stance", "threads", "shown"
        )
    )
    assert sorted(threads.reaction_counts([first.pk, second.pk, third.pk])) == [
        (first.pk, 1, 0),
        (reply.pk, 0, 1),
    ]
    assert threads.reaction_counts([second.pk, third.pk]) == []
    assert threads.reaction_counts([]) == []


def test_the_reads_name_the_models_tables_and_columns():
    comments = '"consultations_stagecomment"'
    assert counts_sql("stage") == (
        'SELECT "stage_id", "block_key", "stance", "threads", "shown" '
        'FROM "consultations_commentcount" WHERE "stage_id" = %s UNION ALL '
        'SELECT "stage_id", "block_key", "stance", SUM(CASE WHEN "starts_thread" THEN 1 ELSE 0 '
        'END), SUM(CASE WHEN "state" = %s THEN 1 ELSE 0 END) FROM "consultations_stagecomment" '
        'WHERE "stage_id" = %s AND "count_pending" GROUP BY "stage_id", "block_key", "stance"'
    )
    assert threads.statement("threads", (True, False)) == (
        f'SELECT {comments}."xtdcomment_ptr_id", {comments}."thread_version" FROM {comments} '
        f'WHERE {comments}."stage_id" = %s AND {comments}."starts_thread" '
        f'AND {comments}."block_key" = %s ORDER BY {comments}."xtdcomment_ptr_id" ASC '
        "LIMIT %s OFFSET %s"
    )
    assert threads.statement("reactions", (2,)) == (
        f'SELECT {comments}."xtdcomment_ptr_id", {comments}."agree_count", '
        f'{comments}."disagree_count" FROM {comments} INNER JOIN "django_comments_xtd_xtdcomment" '
        f'ON {comments}."xtdcomment_ptr_id" = "django_comments_xtd_xtdcomment"."comment_ptr_id" '
        'WHERE "django_comments_xtd_xtdcomment"."thread_id" IN (%s, %s) '
        f'AND NOT ({comments}."agree_count" = 0 AND {comments}."disagree_count" = 0)'
    )
    # Written once per process.
    assert threads.statement("threads", (True, False)) is threads.statement(
        "threads", (True, False)
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize(
    ("shape", "params", "index"),
    [
        # Unfiltered: from the nearest page written (`ThreadPage`), page 3.
        ((False, False), [1, 1, 3, 20, 3, 1, 3, 20], "stage_threads"),
        ((True, False), [1, "a1", 20, 0], "stage_threads_by_block"),
        ((False, True), [1, "support", 20, 0], "stage_threads_by_stance"),
    ],
)
def test_the_page_threads_are_read_from_a_partial_index(shape, params, index):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + threads.statement("threads", shape), params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    if shape == (False, False):
        # The page's first thread and number, each from the unique (stage, number) index.
        pages = re.findall(
            r"SEARCH consultations_threadpage USING [A-Z ]*INDEX \S+ \(([^)]*)\)", plan
        )
        assert pages == ["stage_id=? AND number<?"] * 2, plan
    assert f"USING INDEX {index} " in plan or f"USING COVERING INDEX {index} " in plan, plan
    assert "TEMP B-TREE" not in plan  # in the index's order, not sorted


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_the_comments_waiting_to_be_counted_are_read_from_a_partial_index():
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + counts_sql("stage"), [1, "visible", 1])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "SEARCH consultations_commentcount USING INDEX" in plan, plan
    assert "SEARCH consultations_stagecomment USING INDEX comments_count_pending" in plan, plan


def test_count_texts_are_made_once_per_language_and_numbers(monkeypatch):
    with translation.override("ro"):
        assert [threads.comments_text(n) for n in (1, 2, 20)] == [
            "1 comentariu",
            "2 comentarii",
            "20 de comentarii",
        ]
        assert threads.counts_text(1, 2) == "De acord: 1 · Nu sunt de acord: 2"
    with translation.override("en"):
        assert threads.comments_text(20) == "20 comments"
        assert threads.counts_text(1, 2) == "Agree: 1 · Disagree: 2"
    table = threads.comments_text.texts("ro")
    assert table is threads.comments_text.texts("ro")
    assert table[20] == "20 de comentarii"
    assert threads.counts_text.texts("ro")[1, 2] == "De acord: 1 · Nu sunt de acord: 2"
    # A table this full starts again (emptied first: other tests' pages fill it too).
    table.clear()
    monkeypatch.setattr(threads.Texts, "KEPT", 2)
    with translation.override("ro"):
        for n in range(3, 8):
            threads.comments_text(n)
    # 3, then 4; cleared for 5, then 6; cleared for 7.
    assert dict(table) == {7: "7 comentarii"}
