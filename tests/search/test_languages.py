"""Romanian diacritics fold the same way in documents and queries; Bulgarian matches by prefix."""

import pytest

from search import indexing
from tests.search.conftest import make_proposal, page_slugs, slugs_for


@pytest.fixture
def three_spellings(editor):
    make_proposal(editor, "comma-below", "Modificarea legislației privind legislația locală.")
    make_proposal(editor, "cedilla", "Propunem ca legislaţia să fie publicată.")
    make_proposal(editor, "no-diacritics", "Despre legislatia in vigoare.")
    make_proposal(editor, "control", "Administrația publică locală și bugetul.")
    indexing.drain()


@pytest.mark.parametrize(
    "query",
    [
        "legislația",  # ț with comma below (U+021B)
        "legislaţia",  # ţ with cedilla (U+0163), as old keyboards type it
        "legislatia",
        "LEGISLAȚIA",
        "legislat\u0326ia",  # t followed by a combining comma below (decomposed)
        '"legislația"',  # a single quoted word
    ],
)
def test_romanian_spellings_find_all_three(three_spellings, query):
    assert slugs_for(query) == ["cedilla", "comma-below", "no-diacritics"]


def test_romanian_spellings_on_the_search_page(three_spellings, en_client):
    response = en_client.get("/search/", {"q": "legislaţia"})

    assert response.status_code == 200
    assert page_slugs(response) == ["cedilla", "comma-below", "no-diacritics"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("învățământ", ["cedilla", "comma-below", "plain"]),
        ("învăţământ", ["cedilla", "comma-below", "plain"]),
        ("invatamant", ["cedilla", "comma-below", "plain"]),
        ("Învățământul", ["cedilla", "comma-below", "plain"]),
        ("școală", ["schools"]),
        ("şcoala", ["schools"]),
        ("scoala", ["schools"]),
        ("câmpie", ["plain-land"]),
        ("campie", ["plain-land"]),
    ],
)
def test_romanian_letters_fold_to_ascii(editor, query, expected):
    make_proposal(editor, "comma-below", "Finanțarea învățământului preuniversitar.")
    make_proposal(editor, "cedilla", "Finanţarea învăţământului preuniversitar.")
    make_proposal(editor, "plain", "Finantarea invatamantului preuniversitar.")
    make_proposal(editor, "schools", "O școală în fiecare comună.")
    make_proposal(editor, "plain-land", "Irigații în Câmpia Română.")
    indexing.drain()

    assert slugs_for(query) == expected


@pytest.fixture
def bulgarian(editor):
    make_proposal(editor, "naredba", "Столична община приема наредбата.", language="bg")
    make_proposal(
        editor, "konkurs", "Министерството на здравеопазването обявява конкурс.", language="bg"
    )
    indexing.drain()


@pytest.mark.parametrize(
    "query",
    ["НАРЕДБАТА", "наредбата", "наредба", "столична", "Столична община", '"приема наредбата"'],
)
def test_bulgarian_words_and_prefixes_found(bulgarian, query):
    assert slugs_for(query) == ["naredba"]


@pytest.mark.parametrize("query", ["бюджет", "наредбата бюджет", '"наредбата приема"'])
def test_bulgarian_absent_words_find_nothing(bulgarian, query):
    assert slugs_for(query) == []


def test_bulgarian_on_the_search_page(bulgarian, en_client):
    response = en_client.get("/search/", {"q": "НАРЕДБА"})

    assert response.status_code == 200
    assert page_slugs(response) == ["naredba"]
    assert "<mark>наредбата</mark>" in response.content.decode()
