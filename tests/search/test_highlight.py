"""Snippets: matches in <mark> whatever the diacritics, everything else escaped."""

from search import indexing
from search.query import highlight
from tests.search.conftest import make_proposal, page_slugs


def test_snippet_escapes_html_and_marks_match(editor, en_client):
    make_proposal(
        editor,
        "script",
        "<script>alert(1)</script> legislația <b>locală</b>",
        title="Legislația & <i>transparența</i>",
    )
    indexing.drain()

    response = en_client.get("/search/", {"q": "legislatia"})

    content = response.content.decode()
    assert page_slugs(response) == ["script"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>legislația</mark>" in content
    assert "&lt;b&gt;locală&lt;/b&gt;" in content
    assert '<a href="/proposals/script/"><mark>Legislația</mark> &amp; &lt;i&gt;transparența' in (
        content
    )
    assert "<script>alert" not in content
    assert "<b>locală" not in content
    assert "<i>transparența" not in content


def test_snippet_marks_every_spelling(editor, en_client):
    make_proposal(editor, "forme", "Legislaţia (cedilă), legislația și legislatia; administrația.")
    indexing.drain()

    response = en_client.get("/search/", {"q": "legislația"})

    assert response.context["results"][0]["snippet"] == (
        "Propunere forme\n<mark>Legislaţia</mark> (cedilă), <mark>legislația</mark> și "
        "<mark>legislatia</mark>; administrația.\nAsociația Vrancea Civică"
    )


def test_snippet_phrase_words_marked(editor, en_client):
    make_proposal(editor, "fraza", "Bugetul participativ al municipiului.")
    indexing.drain()

    response = en_client.get("/search/", {"q": '"bugetul participativ"'})

    assert page_slugs(response) == ["fraza"]
    assert response.context["results"][0]["snippet"] == (
        "Propunere fraza\n<mark>Bugetul</mark> <mark>participativ</mark> al municipiului.\n"
        "Asociația Vrancea Civică"  # the authors' names close the document
    )


def test_highlight_excerpt_around_first_match():
    text = "început " + "cuvânt " * 100 + "<legislația> " + "final " * 100

    snippet = highlight(text, "legislatia", length=60)

    assert snippet == "… cuvânt cuvânt &lt;<mark>legislația</mark>&gt; final final final final …"


def test_highlight_without_match_starts_at_beginning():
    assert highlight("<p>Fără potrivire</p>", "absent") == "&lt;p&gt;Fără potrivire&lt;/p&gt;"
    assert highlight("", "absent") == ""
