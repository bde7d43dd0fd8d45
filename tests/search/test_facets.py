"""Facet counts over public proposals, narrowing by facet values, and unknown values."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from proposals import domain
from search import indexing
from tests.factories import AuthorityFactory, MembershipFactory, OrganizationFactory
from tests.search.conftest import facet_counts, make_proposal, page_slugs, slugs_for

NGO = "Asociația Vrancea Civică"
GREEN = "Fundația Verde"
CITY = "Primăria Municipiului Focșani"
COUNTY = "Consiliul Județean Vrancea"


@pytest.fixture
def parks(editor):
    """Four public proposals about parks and one draft, over two organisations, two
    authorities, two topics and two years."""
    green_editor = MembershipFactory(
        organization=OrganizationFactory(name=GREEN, slug="fundatia-verde"), role="editor"
    ).user
    county = AuthorityFactory(name=COUNTY, slug="cj-vrancea")

    make_proposal(editor, "parc-1", "Parcuri noi.", topics=["environment", "urban"])
    old = make_proposal(
        editor, "parc-2", "Parcuri vechi.", target_authority=county, topics=["environment"]
    )
    old.published_at = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    old.save(update_fields=["published_at"])
    withdrawn = make_proposal(editor, "parc-3", "Parcuri retrase.")
    domain.withdraw_proposal(editor, withdrawn, "Nu mai este necesară.")
    make_proposal(
        green_editor, "parc-4", "Parcuri verzi.", target_authority=county, topics=["urban"]
    )
    make_proposal(green_editor, "parc-5", "Parcuri ciornă.", topics=["urban"], publish=False)
    indexing.drain()


def test_facet_counts_for_public_proposals(parks, en_client):
    response = en_client.get("/search/", {"q": "parcuri"})

    assert response.status_code == 200
    assert page_slugs(response) == ["parc-1", "parc-2", "parc-3", "parc-4"]
    this_year = str(timezone.localdate().year)
    assert facet_counts(response) == {
        "type": {"proposal": 4},
        "status": {"published": 3, "withdrawn": 1},
        "organization": {NGO: 3, GREEN: 1},
        "authority": {CITY: 2, COUNTY: 2},
        "topic": {"environment": 2, "urban": 2},
        "year": {this_year: 3, "2024": 1},
    }


def test_facet_labels_in_english(parks, en_client):
    response = en_client.get("/search/", {"q": "parcuri"})

    labels = {
        name: [label for _value, label, _count in values]
        for name, values in response.context["facets"].items()
    }
    assert labels["status"] == ["Published", "Withdrawn"]
    assert labels["topic"] == ["Environment", "Urban planning and mobility"]
    content = response.content.decode()
    assert '<a href="?q=parcuri&amp;page=1&amp;status=withdrawn">Withdrawn</a>' in content
    assert "None" not in content


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "published"}, ["parc-1", "parc-2", "parc-4"]),
        ({"status": "withdrawn"}, ["parc-3"]),
        ({"status": "published", "organization": NGO}, ["parc-1", "parc-2"]),
        ({"organization": GREEN}, ["parc-4"]),
        ({"authority": COUNTY}, ["parc-2", "parc-4"]),
        ({"topic": "urban"}, ["parc-1", "parc-4"]),
        ({"topic": "environment", "authority": CITY}, ["parc-1"]),
        ({"year": "2024"}, ["parc-2"]),
        ({"type": "proposal"}, ["parc-1", "parc-2", "parc-3", "parc-4"]),
    ],
)
def test_facet_narrowing_changes_results(parks, en_client, filters, expected):
    response = en_client.get("/search/", {"q": "parcuri", **filters})

    assert response.status_code == 200
    assert page_slugs(response) == expected
    assert response.context["filters"] == filters
    assert slugs_for("parcuri", **filters) == expected


def test_facet_counts_follow_narrowing(parks, en_client):
    response = en_client.get(
        "/search/", {"q": "parcuri", "status": "published", "organization": NGO}
    )

    counts = facet_counts(response)
    assert counts["status"] == {"published": 2}
    assert counts["authority"] == {CITY: 1, COUNTY: 1}
    assert counts["topic"] == {"environment": 2, "urban": 1}
    content = response.content.decode()
    # The chosen filters are kept in the form and can be cleared.
    assert '<input type="hidden" name="status" value="published">' in content
    assert '<a href="?q=parcuri">Clear all filters</a>' in content


@pytest.mark.parametrize(
    "filters",
    [
        {"status": "nonexistent"},
        {"organization": "Asociația Necunoscută"},
        {"organization": 'Fundația "Verde'},
        {"organization": "Fundația' Verde\""},
        {"organization": "Fundația Verde\\"},
        {"authority": "Primăria"},
        {"topic": "space"},
        {"year": "1999"},
        {"status": "published", "topic": "health"},
    ],
)
def test_facet_unknown_value_gives_no_results(parks, en_client, filters):
    response = en_client.get("/search/", {"q": "parcuri", **filters})

    assert response.status_code == 200
    assert page_slugs(response) == []
    assert response.context["page"].paginator.count == 0
    assert response.context["error"] is None
    assert "0 results" in response.content.decode()


@pytest.mark.parametrize("year", ["99999999999999999999", "0000", "²⁰²⁴", "２０２４", " 2024"])
def test_facet_year_that_is_no_year_is_ignored(parks, en_client, year):
    # Read as every year filter of the site reads it (core.params.year_param).
    response = en_client.get("/search/", {"q": "parcuri", "year": year})

    assert response.status_code == 200
    assert response.context["filters"] == {}
    assert response.context["page"].paginator.count == 4


def test_year_facet_uses_local_calendar(editor):
    proposal = make_proposal(editor, "revelion", "Artificii de revelion.")
    # 31 December 22:30 UTC is 1 January 00:30 in Bucharest.
    proposal.published_at = datetime(2024, 12, 31, 22, 30, tzinfo=UTC)
    proposal.save(update_fields=["published_at"])
    indexing.drain()

    assert slugs_for("artificii", year="2025") == ["revelion"]
    assert slugs_for("artificii", year="2024") == []


def test_facet_value_with_quotes_narrows(en_client):
    quoted = MembershipFactory(
        organization=OrganizationFactory(name='Asociația "Pro Vrancea"', slug="pro-vrancea"),
        role="editor",
    ).user
    apostrophe = MembershipFactory(
        organization=OrganizationFactory(name="Asociația O'Neill", slug="oneill"), role="editor"
    ).user
    make_proposal(quoted, "ghilimele", "Trotuare accesibile.")
    make_proposal(apostrophe, "apostrof", "Trotuare accesibile.")
    indexing.drain()

    response = en_client.get("/search/", {"q": "trotuare"})
    assert facet_counts(response)["organization"] == {
        'Asociația "Pro Vrancea"': 1,
        "Asociația O'Neill": 1,
    }
    content = response.content.decode()
    link = "?q=trotuare&amp;page=1&amp;organization=Asocia%C8%9Bia%20%22Pro%20Vrancea%22"
    assert f'<a href="{link}">Asociația &quot;Pro Vrancea&quot;</a>' in content

    response = en_client.get(
        "/search/", {"q": "trotuare", "organization": 'Asociația "Pro Vrancea"'}
    )
    assert page_slugs(response) == ["ghilimele"]
    response = en_client.get("/search/", {"q": "trotuare", "organization": "Asociația O'Neill"})
    assert page_slugs(response) == ["apostrof"]
