"""The stance strip under each paragraph of the text under debate: from the stored counts, the
same on every page, written into the cached copies when they are served."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from consultations import domain
from consultations.threads import strip_widths
from tests.consultations.page_helpers import Rendered, comment, queries_of

pytestmark = pytest.mark.django_db


def _visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _paragraph_line(text, key):
    """The `block-comments` line under the paragraph `key`."""
    end = text.index(f'?block={key}#threads"')
    start = text.rindex('<p class="block-comments">', 0, end)
    return text[start:end]


def _strip(text, key):
    """[(stance, width)] of the strip under paragraph `key`, and its text."""
    line = _paragraph_line(text, key)
    parts = re.findall(r'class="stance-part stance-part-(\w+) stance-w-(\d+)"', line)
    words = re.search(r'<span class="stance-text">(.*?)</span></span>', line)
    return [(stance, int(width)) for stance, width in parts], (
        re.sub(r"<[^>]+>", "", words.group(1)) if words else ""
    )


def test_strip_widths_add_up_to_100_in_steps_and_keep_every_stance_visible():
    assert strip_widths([3, 1, 2]) == [50, 15, 35]
    assert strip_widths([1, 0, 0]) == [100, 0, 0]
    assert strip_widths([1, 1, 1]) == [35, 35, 30]
    assert strip_widths([98, 1, 1]) == [90, 5, 5]
    assert strip_widths([200, 1, 0]) == [95, 5, 0]
    for numbers in ([7, 3, 0], [1, 2, 3], [13, 0, 29], [1, 1, 98]):
        widths = strip_widths(numbers)
        assert sum(widths) == 100
        assert all(width % 5 == 0 for width in widths)
        assert all(
            (width > 0) == (number > 0) for width, number in zip(widths, numbers, strict=True)
        )


@pytest.fixture
def many_threads(open_stage, citizen):
    """21 threads on the whole text: page 1 holds 20, so a new thread goes to page 2."""
    for n in range(21):
        comment(citizen, open_stage, text=f"Firul {n}.")
    cache.clear()


def test_the_strip_shows_the_stances_and_follows_a_new_comment_on_the_cached_copy(
    open_stage, many_threads, citizen, citizen2
):
    first, second, third = (block["key"] for block in open_stage.revision.blocks[:3])
    comment(citizen, open_stage, text="Da.", block_key=first, stance="support")
    comment(citizen2, open_stage, text="Da, și eu.", block_key=first, stance="support")
    comment(citizen2, open_stage, text="Nu.", block_key=first, stance="oppose")
    url = open_stage.get_absolute_url()
    text = _visitor().get(url).content.decode()
    assert "<!--fill:" not in text
    assert _strip(text, first) == (
        [("support", 65), ("oppose", 35)],
        "Stances of the comments: for: 2 · against: 1 · neutral: 0",
    )
    # No comment with a stance: no strip.
    assert _strip(text, second) == ([], "")
    assert '<span class="stance-summary"></span>' in _paragraph_line(text, second)

    # A new thread goes to page 2: page 1 is the same copy, with the new strip written in.
    comment(citizen, open_stage, text="Neutru.", block_key=first, stance="neutral")
    comment(citizen, open_stage, text="Împotrivă.", block_key=third, stance="oppose")
    with Rendered() as rendered:
        again = _visitor().get(url)
    assert rendered.names == []
    text = again.content.decode()
    assert _strip(text, first) == (
        [("support", 50), ("oppose", 25), ("neutral", 25)],
        "Stances of the comments: for: 2 · against: 1 · neutral: 1",
    )
    assert _strip(text, third) == (
        [("oppose", 100)],
        "Stances of the comments: for: 0 · against: 1 · neutral: 0",
    )


def test_a_hidden_comment_leaves_the_strip(open_stage, citizen, citizen2, moderator):
    key = open_stage.revision.blocks[0]["key"]
    kept = comment(citizen, open_stage, text="Da.", block_key=key, stance="support")
    hidden = comment(citizen2, open_stage, text="Nu.", block_key=key, stance="oppose")
    domain.hide_comment(moderator, hidden, "Spam", now=timezone.now())
    text = _visitor().get(open_stage.get_absolute_url()).content.decode()
    assert _strip(text, key) == (
        [("support", 100)],
        "Stances of the comments: for: 1 · against: 0 · neutral: 0",
    )
    assert kept.pk


def test_the_strip_is_in_romanian_for_a_romanian_reader(open_stage, citizen):
    key = open_stage.revision.blocks[0]["key"]
    comment(citizen, open_stage, text="Da.", block_key=key, stance="support")
    text = Client(HTTP_ACCEPT_LANGUAGE="ro").get(open_stage.get_absolute_url()).content.decode()
    assert _strip(text, key)[1] == "Pozițiile comentariilor: pentru: 1 · împotrivă: 0 · neutru: 0"


def test_the_strips_cost_no_query(open_stage, citizen, citizen2):
    """The strips come from the counts the page reads anyway: a signed-in reader's page (never
    a shared copy) costs the same queries with no strip and with one under every paragraph."""
    reader = Client(HTTP_ACCEPT_LANGUAGE="en")
    reader.force_login(citizen2)
    url = open_stage.get_absolute_url()
    comment(citizen, open_stage, text="Pe tot textul.", stance="support")
    reader.get(url)
    before, _ = queries_of(reader, url)
    keys = [block["key"] for block in open_stage.revision.blocks]
    for key, stance in zip(keys, ["support", "oppose", "neutral"], strict=False):
        comment(citizen, open_stage, text="Pe paragraf.", block_key=key, stance=stance)
    reader.get(url)
    after, captured = queries_of(reader, url)
    assert after == before
    text = reader.get(url).content.decode()
    assert text.count('<span class="stance-strip" aria-hidden="true">') == len(keys)
