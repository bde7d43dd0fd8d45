"""Writing values into a page's placeholders (`core.pagecache.Filled`): the marked content
split once per process and copy, then joined with the values."""

import sys
import threading

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core import pagecache
from core.pagecache import Filled, Marked, placeholder

CONTENT = (
    f"<p>{placeholder('total')}</p><ul><li>{placeholder('reactions.5')}</li>"
    f"<li>{placeholder('reactions.6')}</li></ul>{placeholder('stance.a1')}<p>end</p>"
).encode()


def _filled():
    return Filled(
        (),
        {"total": "3 comentarii", "reactions.5": "De acord: 1 · Nu sunt de acord: 0"},
        {"reactions": "De acord: 0 · Nu sunt de acord: 0", "stance": ""},
    )


def test_a_marked_content_is_split_into_static_pieces_and_named_slots():
    marked = Marked(CONTENT)
    assert marked.pieces[0::2] == [
        b"<p>",
        b"</p><ul><li>",
        b"</li><li>",
        b"</li></ul>",
        b"<p>end</p>",
    ]
    assert marked.slots == [
        ("total", "total"),
        ("reactions.5", "reactions"),
        ("reactions.6", "reactions"),
        ("stance.a1", "stance"),
    ]


def test_values_and_defaults_are_written_into_the_slots():
    expected = (
        "<p>3 comentarii</p><ul><li>De acord: 1 · Nu sunt de acord: 0</li>"
        "<li>De acord: 0 · Nu sunt de acord: 0</li></ul><p>end</p>"
    ).encode()
    assert _filled().fill(Marked(CONTENT)) == expected
    assert _filled().apply(CONTENT) == expected
    # A content without placeholders is given back as it is.
    assert _filled().apply(b"<p>nothing</p>") == b"<p>nothing</p>"


def test_a_copys_content_is_split_once_per_process_by_its_etag():
    pagecache._MARKED.clear()  # noqa: SLF001
    first = pagecache.marked(CONTENT, '"copy-1"')
    assert pagecache.marked(CONTENT, '"copy-1"') is first
    assert _filled().apply(CONTENT, '"copy-1"') == _filled().apply(CONTENT)
    # Only the last few are kept.
    for number in range(pagecache.MARKED_KEPT):
        pagecache.marked(CONTENT, f'"other-{number}"')
    assert '"copy-1"' not in pagecache._MARKED.values  # noqa: SLF001
    assert len(pagecache._MARKED.values) == pagecache.MARKED_KEPT  # noqa: SLF001


def test_the_etag_follows_the_values_and_the_copy():
    stored = '"abc"'
    same = _filled().etag(stored)
    assert same == _filled().etag(stored)
    assert same.startswith('"') and len(same) == 34
    other_value = Filled((), {**_filled().values, "total": "4 comentarii"}, _filled().defaults)
    assert other_value.etag(stored) != same
    other_default = Filled((), _filled().values, {**_filled().defaults, "stance": "x"})
    assert other_default.etag(stored) != same
    assert _filled().etag('"abd"') != same


def test_with_its_numbers_the_etag_digests_them_not_the_texts():
    stored = '"abc"'
    numbers = b"\x01\x02\x03"
    by_numbers = Filled((), _filled().values, _filled().defaults, numbers)
    etag = by_numbers.etag(stored)
    assert etag.startswith('"') and len(etag) == 34
    assert etag == Filled((), {"total": "4 comentarii"}, {}, numbers).etag(stored)
    assert etag != Filled((), _filled().values, _filled().defaults, b"\x01\x02\x04").etag(stored)
    assert etag != by_numbers.etag('"abd"')
    assert etag != _filled().etag(stored)


def test_the_kept_split_contents_are_safe_for_a_workers_threads():
    # Threads of one worker filling pages of many ETags at once: the oldest entry is dropped by
    # one thread only (two dropping the same one raised KeyError: a 500 for a reader).
    kept = pagecache.Recent(4)
    errors = []

    def fill(offset):
        try:
            for number in range(3000):
                key = f"{offset}-{number}"
                kept.keep(key, number)
                kept.get(key)
        except Exception as error:  # noqa: BLE001  (collected for the assertion)
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=fill, args=(offset,)) for offset in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(kept.values) == 4


# --- Parts of a page replaced in a kept copy --------------------------------------------------

SPLICED = (
    f"<ol><li>{pagecache.part('thread.1', '<p>one</p>')}</li>"
    f"<li>{pagecache.part('thread.12', '<p>twelve</p>')}</li></ol>"
).encode()


def test_a_part_is_replaced_between_its_marks_and_nothing_else():
    assert pagecache.splice(SPLICED, {"thread.1": "<p>one, again</p>"}) == (
        b"<ol><li><!--part:thread.1--><p>one, again</p><!--/part:thread.1--></li>"
        b"<li><!--part:thread.12--><p>twelve</p><!--/part:thread.12--></li></ol>"
    )
    both = pagecache.splice(SPLICED, {"thread.12": "<p>12</p>", "thread.1": ""})
    assert both == (
        b"<ol><li><!--part:thread.1--><!--/part:thread.1--></li>"
        b"<li><!--part:thread.12--><p>12</p><!--/part:thread.12--></li></ol>"
    )
    assert pagecache.splice(SPLICED, {}) == SPLICED


def test_a_part_not_marked_exactly_once_is_not_spliced():
    assert pagecache.splice(SPLICED, {"thread.2": "<p>two</p>"}) is None
    doubled = SPLICED + pagecache.part("thread.1", "<p>one</p>").encode()
    assert pagecache.splice(doubled, {"thread.1": "<p>x</p>"}) is None
    unclosed = SPLICED.replace(b"<!--/part:thread.12-->", b"")
    assert pagecache.splice(unclosed, {"thread.12": "<p>x</p>"}) is None
    closed_twice = SPLICED + b"<!--/part:thread.12-->"
    assert pagecache.splice(closed_twice, {"thread.12": "<p>x</p>"}) is None


def test_a_marked_content_is_joined_again_as_it_was_given():
    assert Marked(CONTENT).joined() == CONTENT
    assert Marked(b"<p>none</p>").joined() == b"<p>none</p>"
    assert Marked(placeholder("total").encode()).joined() == placeholder("total").encode()


# Pieces of a marked content: static text, placeholders, and parts whose HTML has both.
_TEXT = st.text(alphabet="<>/p ab", max_size=6)
_PLACEHOLDER = st.sampled_from(["total", "reactions.1", "reactions.2", "stance.a1"]).map(
    placeholder
)
_INNER = st.lists(st.one_of(_TEXT, _PLACEHOLDER), max_size=4).map("".join)


@st.composite
def _marked_pages(draw):
    """(marked content, parts to splice): a page of parts thread.0… among text and
    placeholders, and new HTML for some of them."""
    count = draw(st.integers(min_value=1, max_value=4))
    html = draw(st.lists(st.one_of(_TEXT, _PLACEHOLDER), max_size=3)).copy()
    for number in range(count):
        html.append(pagecache.part(f"thread.{number}", draw(_INNER)))
        html.extend(draw(st.lists(st.one_of(_TEXT, _PLACEHOLDER), max_size=3)))
    chosen = draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count))
    parts = {f"thread.{number}": draw(_INNER) for number in chosen}
    return "".join(html).encode(), parts


@given(_marked_pages())
@hypothesis_settings(max_examples=300, deadline=None)
def test_a_spliced_marked_content_is_split_as_the_spliced_content_would_be(page):
    content, parts = page
    spliced = Marked(content).spliced(parts)
    whole = Marked(pagecache.splice(content, parts))
    assert (spliced.content, spliced.pieces, spliced.slots) == (
        whole.content,
        whole.pieces,
        whole.slots,
    )


def test_a_part_not_marked_exactly_once_is_not_spliced_in_a_marked_content():
    assert Marked(SPLICED).spliced({"thread.2": "<p>two</p>"}) is None
    doubled = SPLICED + pagecache.part("thread.1", "<p>one</p>").encode()
    assert Marked(doubled).spliced({"thread.1": "<p>x</p>"}) is None
