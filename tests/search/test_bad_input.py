"""Whatever is typed into /search/, the page answers 200 and echoes the query escaped."""

import pytest
from django.utils.html import escape
from haystack import connections

from search import indexing
from tests.search.conftest import make_proposal, page_slugs

SYMBOLS_ONLY = "Type words or a phrase in quotes; symbols alone cannot be searched."


@pytest.fixture
def indexed(editor):
    make_proposal(editor, "lege", "Legislația privind accesul la informații.")
    make_proposal(editor, "alta", "Colectarea deșeurilor.")
    indexing.drain()


def echoed(response, text):
    return f'<input type="search" name="q" id="search-q" value="{escape(text)}"' in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "expected", "error"),
    [
        ('"legislatia', ["lege"], None),  # unbalanced quote
        ('legislatia"', ["lege"], None),
        ('"accesul la', ["lege"], None),
        ("AND(", [], None),
        ("legislatia AND(", [], None),
        ("*", None, SYMBOLS_ONLY),
        ("legislati*", ["lege"], None),
        ("title:foo OR", [], None),
        ("text:legislatia", [], None),
        ("<b>x</b>", [], None),
        ("<b>legislatia</b>", [], None),
        ("legislatia~ (accesul", ["lege"], None),
        ("legislatia~2", [], None),
        ("[a TO z]", [], None),
        ("{}^!\\:", None, SYMBOLS_ONLY),
        ("'", None, SYMBOLS_ONLY),
        ('""', None, SYMBOLS_ONLY),
        ("NOT OR AND", [], None),
        ("\u202e\ufeffdeseurilor", ["alta"], None),
    ],
)
def test_search_odd_query_answers_200(indexed, en_client, query, expected, error):
    response = en_client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert echoed(response, query)
    assert response.context["error"] == error
    if expected is None:
        assert response.context["page"] is None
    else:
        assert page_slugs(response) == expected
    assert "<b>x</b>" not in response.content.decode()


def test_search_empty_query_shows_introduction(indexed, en_client):
    response = en_client.get("/search/", {"q": ""})

    assert response.status_code == 200
    assert echoed(response, "")
    assert response.context["page"] is None
    assert response.context["error"] is None
    assert "Search published proposals, in Romanian" in response.content.decode()

    assert en_client.get("/search/").status_code == 200


def test_search_blank_query_shows_nothing(indexed, en_client):
    response = en_client.get("/search/", {"q": "   "})

    assert response.status_code == 200
    assert response.context["page"] is None
    assert response.context["error"] is None


def test_search_long_query_shortened(indexed, en_client):
    query = "legislatia " + "x" * 1989

    response = en_client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert response.context["q"] == query[:200]
    assert echoed(response, query[:200])
    assert "Your search was shortened to its first 200 characters." in response.content.decode()
    assert page_slugs(response) == []  # the 189 x's are one word nobody wrote


def test_search_query_of_200_characters_not_shortened(indexed, en_client):
    query = "legislatia " * 18 + "accesul  "

    response = en_client.get("/search/", {"q": query[:200]})

    assert response.context["truncated"] is False
    assert "was shortened" not in response.content.decode()
    assert page_slugs(response) == ["lege"]


def test_search_nul_byte_refused(indexed, en_client):
    # As in every address (core.middleware.ControlCharactersMiddleware): PostgreSQL refuses NUL.
    response = en_client.get("/search/", {"q": "legis\x00latia"})

    assert response.status_code == 400
    assert "contains control characters (such as NUL bytes)" in response.content.decode()
    assert "\x00" not in response.content.decode()


def test_search_markup_echoed_escaped(indexed, en_client):
    response = en_client.get("/search/", {"q": '"><script>alert(1)</script>'})

    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in content
    assert "<script>alert" not in content
    assert "<title>Search: &quot;&gt;&lt;script&gt;" in content


@pytest.mark.parametrize("page", ["999", "abc", "-1", "0", "1.5", ""])
def test_search_odd_page_answers_200(indexed, en_client, page):
    response = en_client.get("/search/", {"q": "legislatia", "page": page})

    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert page_slugs(response) == ["lege"]


def test_search_page_past_the_end_shows_last_page(editor, en_client):
    for number in range(25):
        make_proposal(editor, f"p-{number:02d}", "Iluminat stradal.")
    indexing.drain()

    first = en_client.get("/search/", {"q": "iluminat"})
    last = en_client.get("/search/", {"q": "iluminat", "page": "999"})

    assert last.status_code == 200
    assert last.context["page"].number == 2
    assert len(page_slugs(first)) == 20
    assert len(page_slugs(last)) == 5
    assert sorted(page_slugs(first) + page_slugs(last)) == [f"p-{n:02d}" for n in range(25)]
    assert "Page 2 of 2" in last.content.decode()


@pytest.mark.parametrize("year", ["abc", "²", "-1", "2024.5", "20 24", "٢٠٢٤"])
def test_search_odd_year_answers_200(indexed, en_client, year):
    response = en_client.get("/search/", {"q": "legislatia", "year": year})

    assert response.status_code == 200
    assert response.context["error"] is None
    assert "year" not in response.context["filters"]
    assert page_slugs(response) == ["lege"]


def test_search_missing_index_answers_200(indexed, en_client, whoosh_path):
    for path in whoosh_path.iterdir():
        path.unlink()
    connections.reload("default")

    response = en_client.get("/search/", {"q": "legislatia"})

    assert response.status_code == 200
    assert page_slugs(response) == []
