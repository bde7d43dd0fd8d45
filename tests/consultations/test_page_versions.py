"""A cached stage page is keyed by the threads it shows and their versions, not by the whole
stage: a change in one thread leaves the other pages' copies in use, a hidden comment leaves
exactly the copies that showed it, and the counts that change with every comment are written
into the copies when they are served."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from consultations import domain, threads
from consultations.models import CommentCount, Stage, StageComment
from tests.consultations.page_helpers import Rendered, comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pages(open_stage, citizen, citizen2):
    """25 threads (page 1: 20, page 2: 5); the first one has a reply."""
    roots = [comment(citizen, open_stage, text=f"Firul {n}.") for n in range(25)]
    comment(citizen2, open_stage, text="Răspuns la primul.", parent_id=roots[0].pk)
    cache.clear()
    return roots


def _visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _page(stage, number=1):
    url = stage.get_absolute_url() + (f"?page={number}" if number > 1 else "")
    with Rendered() as rendered:
        response = _visitor().get(url)
    assert response.status_code == 200
    return response, rendered


def test_a_reply_on_page_1_leaves_page_2s_copy_in_use(open_stage, two_pages, citizen2):
    first, _ = _page(open_stage, 2)
    _page(open_stage, 1)
    comment(citizen2, open_stage, text="Alt răspuns.", parent_id=two_pages[3].pk)
    again, rendered = _page(open_stage, 2)
    assert rendered.names == []
    # The same copy; only the totals written into it changed (one comment more).
    assert "26 comments</h2>" in first.content.decode()
    assert again.content.decode() == first.content.decode().replace(
        "26 comments</h2>", "27 comments</h2>"
    ).replace("26 comments on the whole text.", "27 comments on the whole text.")
    # The page that shows the thread is put together again: only that thread is rendered.
    page_one, rendered = _page(open_stage, 1)
    assert "Alt răspuns." in page_one.content.decode()
    assert sorted(rendered.comments) == sorted(
        StageComment.objects.filter(thread_id=two_pages[3].pk).values_list("pk", flat=True)
    )


def test_a_new_thread_leaves_page_1_and_shows_on_the_last_page(open_stage, two_pages, citizen):
    page_one, _ = _page(open_stage, 1)
    comment(citizen, open_stage, text="Un fir nou.")
    again, rendered = _page(open_stage, 1)
    assert rendered.names == []
    text = again.content.decode()
    # The same copy, with the new totals written in.
    assert "27 comments</h2>" in text and "26 threads" in text and "Page 1 of 2" in text
    assert "27 comments</h2>" not in page_one.content.decode()
    assert again["ETag"] != page_one["ETag"]
    last, rendered = _page(open_stage, 2)
    assert "Un fir nou." in last.content.decode()
    assert rendered.names != []


def test_hiding_a_comment_leaves_exactly_the_copies_that_showed_it(
    open_stage, two_pages, moderator
):
    secret = two_pages[22]  # on page 2
    page_one, _ = _page(open_stage, 1)
    page_two, _ = _page(open_stage, 2)
    own = _visitor().get(f"/comments/{secret.pk}/")
    other = _visitor().get(f"/comments/{two_pages[1].pk}/")
    domain.hide_comment(moderator, secret, "Date personale", now=timezone.now())
    # Page 1 and the other thread's page: the same copies (one comment fewer in the totals).
    again, rendered = _page(open_stage, 1)
    assert rendered.names == []
    assert "25 comments</h2>" in again.content.decode()
    with Rendered() as rendered:
        other_again = _visitor().get(f"/comments/{two_pages[1].pk}/")
    assert rendered.names == []
    assert other_again["ETag"] == other["ETag"]
    # Page 2 and the comment's own page: never the copy that showed it.
    for address, before in (
        (open_stage.get_absolute_url() + "?page=2", page_two),
        (f"/comments/{secret.pk}/", own),
    ):
        assert "Firul 22." in before.content.decode()
        response = _visitor().get(address, HTTP_IF_NONE_MATCH=before["ETag"])
        assert response.status_code == 200
        text = response.content.decode()
        assert "Firul 22." not in text
        assert "Hidden by moderation: Date personale" in text


def test_counts_are_written_into_the_copy(open_stage, two_pages, citizen, citizen2):
    key = open_stage.revision.blocks[1]["key"]
    comment(citizen, open_stage, text="Pe paragraful doi.", block_key=key, stance="oppose")
    _page(open_stage, 1)
    domain.react(citizen2, two_pages[0], "agree", now=timezone.now())
    domain.react(UserFactory(), two_pages[0], "disagree", now=timezone.now())
    domain.react(UserFactory(), two_pages[0], "agree", now=timezone.now())
    response, rendered = _page(open_stage, 1)
    assert rendered.names == []  # reactions key nothing
    text = response.content.decode()
    assert "<!--fill:" not in text
    assert "27 comments</h2>" in text
    assert "26 comments on the whole text." in text
    assert f'?block={key}#threads">1 comment<' in text
    assert text.count('#threads">0 comments<') == len(open_stage.revision.blocks) - 1
    assert "26 threads" in text and "Page 1 of 2" in text
    start = text.index(f'id="comment-{two_pages[0].pk}"')
    assert text.index("Agree: 2 · Disagree: 1", start) < text.index("</footer>", start)
    assert text.count("Agree: 0 · Disagree: 0") == 20  # 19 other threads and the reply
    # A filtered page counts what the filter lets through.
    filtered = _visitor().get(open_stage.get_absolute_url() + "?stance=oppose").content.decode()
    assert "1 thread —" in filtered
    assert "Pe paragraful doi." in filtered and "Firul 1." not in filtered


def test_the_counts_follow_what_is_shown(open_stage, two_pages, citizen, moderator):
    def stored():
        return sorted(
            CommentCount.objects.filter(stage=open_stage).values_list(
                "block_key", "stance", "threads", "shown"
            )
        )

    # The reply counts under its thread's paragraph, with no stance. Posted, the comments wait
    # to be counted (what the pages read adds them); folded, they are stored.
    assert stored() == []
    assert threads.Counts(open_stage).rows == [("", "", 0, 1), ("", "neutral", 25, 25)]
    assert domain.fold_counts() == 26
    assert stored() == [("", "", 0, 1), ("", "neutral", 25, 25)]
    domain.hide_comment(moderator, two_pages[4], "Spam", now=timezone.now())
    domain.withdraw_comment(citizen, two_pages[5], now=timezone.now())
    assert stored() == [("", "", 0, 1), ("", "neutral", 25, 23)]
    domain.restore_comment(moderator, two_pages[4], now=timezone.now())
    assert stored() == [("", "", 0, 1), ("", "neutral", 25, 24)]
    # Counted again from the rows, the same.
    fresh = Stage.objects.get(pk=open_stage.pk)
    assert domain.recount_comments(fresh) == 2
    assert stored() == [("", "", 0, 1), ("", "neutral", 25, 24)]
    assert Stage.objects.get(pk=open_stage.pk).comments_version == fresh.comments_version + 1


def test_a_reaction_changes_its_threads_comment_page_only(open_stage, two_pages, citizen2):
    reacted = _visitor().get(f"/comments/{two_pages[0].pk}/")
    other = _visitor().get(f"/comments/{two_pages[1].pk}/")
    domain.react(citizen2, two_pages[0], "agree", now=timezone.now())
    again = _visitor().get(f"/comments/{two_pages[0].pk}/", HTTP_IF_NONE_MATCH=reacted["ETag"])
    assert again.status_code == 200
    assert "Agree: 1 · Disagree: 0" in again.content.decode()
    unchanged = _visitor().get(f"/comments/{two_pages[1].pk}/", HTTP_IF_NONE_MATCH=other["ETag"])
    assert unchanged.status_code == 304


def test_a_comment_hidden_after_the_threads_versions_are_read_is_never_kept_under_them(
    open_stage, two_pages, moderator
):
    """The page's threads and their versions are read before the page: a comment hidden in
    between leaves the page (showing it hidden) under the older versions, which no one reads
    again."""
    url = open_stage.get_absolute_url()
    secret = two_pages[2]
    visitor = _visitor()
    visitor.get(url)  # every thread of page 1 in the cache, under the versions before
    cache.delete_many([key for key in cache._cache if ":page:" in key])  # noqa: SLF001
    hidden = []

    def hide_after_the_versions_are_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not hidden and '"thread_version"' in sql and "UPDATE" not in sql:
            hidden.append(True)
            domain.hide_comment(moderator, secret, "Date personale", now=timezone.now())
        return result

    with connection.execute_wrapper(hide_after_the_versions_are_read):
        during = visitor.get(url)
    assert hidden
    after = _visitor().get(url)
    assert "Firul 2." not in after.content.decode()
    assert "Hidden by moderation: Date personale" in after.content.decode()
    assert after["ETag"] != during["ETag"]
    assert _visitor().get(url, HTTP_IF_NONE_MATCH=during["ETag"]).status_code == 200


@pytest.mark.parametrize("extra", [0, 40])
def test_a_warm_page_and_one_after_a_change_cost_the_same_queries_at_any_size(
    open_stage, two_pages, citizen, citizen2, extra, django_assert_num_queries
):
    for n in range(extra):
        comment(citizen, open_stage, text=f"În plus {n}.")
    url = open_stage.get_absolute_url()
    _visitor().get(url)
    with django_assert_num_queries(5):
        _visitor().get(url)  # warm
    comment(citizen2, open_stage, text="Un fir pe altă pagină.")
    with django_assert_num_queries(5):
        _visitor().get(url)  # a change elsewhere: the same copy
    comment(citizen2, open_stage, text="Răspuns pe pagina 1.", parent_id=two_pages[9].pk)
    # A change on the page: the version (5), then the page from its kept shell: the stage and
    # the changed thread's comments (the counts, threads and reactions are the version's).
    with django_assert_num_queries(7):
        response = _visitor().get(url)
    assert "Răspuns pe pagina 1." in response.content.decode()
    assert re.search(r"\d+ comments</h2>", response.content.decode())


def test_a_changed_thread_is_put_into_the_kept_shell(open_stage, two_pages, citizen2):
    url = open_stage.get_absolute_url()
    _visitor().get(url)  # the page whole, and its shell
    comment(citizen2, open_stage, text="Răspuns nou.", parent_id=two_pages[4].pk)
    with Rendered() as rendered:
        assembled = _visitor().get(url)
    # Only the threads section and the changed thread; not the page around them.
    assert "consultations/stage.html" not in rendered.names
    assert "consultations/_threads.html" in rendered.names
    assert sorted(rendered.comments) == sorted(
        StageComment.objects.filter(thread_id=two_pages[4].pk).values_list("pk", flat=True)
    )
    # The same page as one rendered whole.
    cache.clear()
    with Rendered() as rendered:
        whole = _visitor().get(url)
    assert "consultations/stage.html" in rendered.names
    assert assembled.content == whole.content
    assert assembled["ETag"] == whole["ETag"]
    assert "Răspuns nou." in assembled.content.decode()
    # Another language has its own shell.
    romanian = Client(HTTP_ACCEPT_LANGUAGE="ro").get(url).content.decode()
    assert '<html lang="ro"' in romanian and "Răspuns nou." in romanian


def test_a_shell_is_not_used_once_the_stage_changes(open_stage, two_pages, editor, citizen2):
    url = open_stage.get_absolute_url()
    _visitor().get(url)
    domain.change_stage(editor, open_stage, description="Descriere nouă.", now=timezone.now())
    comment(citizen2, open_stage, text="Răspuns nou.", parent_id=two_pages[4].pk)
    with Rendered() as rendered:
        page = _visitor().get(url)
    assert "consultations/stage.html" in rendered.names
    assert "Descriere nouă." in page.content.decode()
