"""The search page reads everything it shows from the index: its queries do not grow with hits."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import indexing
from tests.search.conftest import make_proposal, page_slugs


def queries_for_search(client, count, editor, prefix):
    for number in range(count):
        make_proposal(editor, f"{prefix}-{number:02d}", f"Cuvânt{prefix} comun.", topics=["health"])
    indexing.drain()
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/search/", {"q": f"cuvant{prefix}"})
    assert response.status_code == 200
    assert len(page_slugs(response)) == count
    return [query["sql"] for query in captured.captured_queries]


def test_search_page_queries_constant_for_3_and_15_hits(editor, en_client):
    few = queries_for_search(en_client, 3, editor, "trei")
    many = queries_for_search(en_client, 15, editor, "cincisprezece")

    assert len(few) == len(many)
    assert len(many) == 1  # the topic names for the facet labels
    assert "proposals_topic" in many[0]
