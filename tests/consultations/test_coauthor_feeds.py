"""The Atom feeds, the calendar files and the home page name every author of a proposal (the
owning organisation and its co-authors), and a co-author's feed lists the consultations it
runs."""

from datetime import timedelta
from xml.etree import ElementTree

import lxml.html
import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar

from proposals import coauthors
from tests.consultations.conftest import add_written_stage
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProposalFactory,
    PublishedProposalFactory,
)
from tests.helpers import add_coauthor

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = settings.SITE_URL.rstrip("/")
AUTHORS = "Asociația Vrancea Civică, Asociația „Pietonii” Focșani"


@pytest.fixture
def partner(editor, consultation):
    """A co-author of the consultation's proposal (its name has quotes), and an open stage."""
    organization = OrganizationFactory(name="Asociația „Pietonii” Focșani", slug="pietonii")
    admin = MembershipFactory(organization=organization, role="admin").user
    coauthorship = add_coauthor(editor, consultation.proposal, organization, admin)
    now = timezone.now()
    add_written_stage(
        editor,
        consultation,
        opens_at=now - timedelta(days=1),
        now=now - timedelta(days=2),
        title="Recomandări scrise",
    )
    return coauthorship


def atom(response):
    assert response.status_code == 200
    return ElementTree.fromstring(response.content)


def entries(root):
    return [
        (
            entry.find(f"{ATOM}title").text,
            [name.text for name in entry.findall(f"{ATOM}author/{ATOM}name")],
        )
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_calendar_organizer_names_every_author(client, partner):
    response = client.get("/proposals/legea-350/consultation/calendar.ics")
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["ORGANIZER"]) == f"{SITE}/proposals/legea-350/authors/"
    assert event["ORGANIZER"].params["CN"] == AUTHORS


def test_calendar_organizer_without_coauthors_is_the_owner(client, editor, consultation):
    now = timezone.now()
    add_written_stage(
        editor, consultation, opens_at=now - timedelta(days=1), now=now - timedelta(days=2)
    )
    response = client.get("/proposals/legea-350/consultation/stages/1/calendar.ics")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event["ORGANIZER"].params["CN"] == "Asociația Vrancea Civică"


def test_feeds_name_every_author_and_list_the_coauthors_consultations(en_client, editor, partner):
    item = ("Consultare publică Legea 350: Recomandări scrise", [AUTHORS])
    assert entries(atom(en_client.get("/feeds/consultations/"))) == [item]
    assert entries(atom(en_client.get("/feeds/organisations/vrancea-civica/consultations/"))) == [
        item
    ]
    # The co-author's own feed lists the consultation it runs, once.
    assert entries(atom(en_client.get("/feeds/organisations/pietonii/consultations/"))) == [item]
    revisions = atom(en_client.get("/proposals/legea-350/history/feed/"))
    assert revisions.find(f"{ATOM}subtitle").text == AUTHORS

    coauthors.remove_coauthor(editor, partner)
    assert entries(atom(en_client.get("/feeds/organisations/pietonii/consultations/"))) == []
    assert entries(atom(en_client.get("/feeds/consultations/"))) == [
        ("Consultare publică Legea 350: Recomandări scrise", ["Asociația Vrancea Civică"])
    ]


def home_lines(response):
    tree = lxml.html.fromstring(response.content)
    return {
        heading: [
            " ".join(element.text_content().split())
            for element in tree.xpath(f"//section[@aria-labelledby='{heading}']{path}")
        ]
        for heading, path in (
            ("open-heading", "//span[@class='muted']"),
            ("proposals-heading", "//p[@class='muted']"),
        )
    }


def test_home_names_every_author(en_client, editor, ngo, partner, django_assert_num_queries):
    response = en_client.get("/")
    lines = home_lines(response)
    assert lines["open-heading"][0].startswith(f"{AUTHORS} · closes on ")
    assert lines["proposals-heading"] == [f"{AUTHORS} → Primăria Municipiului Focșani · Published"]
    # More co-authored proposals, on the page without a query each.
    with django_assert_num_queries(QUERIES):
        en_client.get("/")
    for number in range(2):
        proposal = PublishedProposalFactory(editor=editor, organization=ngo, slug=f"alta-{number}")
        add_coauthor(
            editor, proposal, partner.organization, partner.organization.memberships.get().user
        )
    with django_assert_num_queries(QUERIES):
        response = en_client.get("/")
    assert (
        home_lines(response)["proposals-heading"]
        == [f"{AUTHORS} → Primăria Municipiului Focșani · Published"] * 3
    )


QUERIES = 8


def organisation_lines(response, heading):
    tree = lxml.html.fromstring(response.content)
    return [
        " ".join(item.text_content().split())
        for item in tree.xpath(f"//section[@aria-labelledby='{heading}']//li")
    ]


def test_organisation_pages_list_what_it_coauthors_and_name_every_author(
    en_client, editor, ngo, partner
):
    ProposalFactory(editor=editor, organization=ngo, slug="ciorna", title="Ciorna")  # private
    title = partner.proposal.title
    status = partner.proposal.get_status_display()
    # The co-author's page lists the proposal it co-authors, with its authors.
    response = en_client.get("/organisations/pietonii/")
    assert organisation_lines(response, "proposals-heading") == [f"{title} — {AUTHORS}, {status}"]
    # The owner's page names its co-authors too; its private draft stays hidden.
    response = en_client.get(f"/organisations/{ngo.slug}/")
    assert organisation_lines(response, "proposals-heading") == [f"{title} — {AUTHORS}, {status}"]
    # The authority it is addressed to names every author.
    response = en_client.get("/organisations/primaria-municipiului-focsani/")
    assert organisation_lines(response, "targeted-heading") == [f"{title} — {AUTHORS}, {status}"]

    coauthors.remove_coauthor(editor, partner)
    assert organisation_lines(en_client.get("/organisations/pietonii/"), "proposals-heading") == []
