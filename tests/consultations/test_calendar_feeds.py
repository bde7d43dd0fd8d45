"""Calendar files (iCalendar) of meetings and deadlines, and the Atom feeds of open consultations
and of a proposal's revisions, read back as a calendar app and a feed reader would."""

from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar

from consultations import domain
from tests.consultations.conftest import add_written_stage
from tests.factories import AuthorityFactory, ProposalFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# Absolute addresses name the site's own (`SITE_URL`, and the site's domain for the feeds).
SITE = settings.SITE_URL.rstrip("/")
HOST = SITE.split("://", 1)[1]
SOFIA = ZoneInfo("Europe/Sofia")
BUCHAREST = ZoneInfo("Europe/Bucharest")


def next_year(month, day, hour, zone):
    return datetime(timezone.now().year + 1, month, day, hour, 0, tzinfo=zone)


def add_meeting(editor, consultation, start, **fields):
    return domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title=fields.pop("title", "Dezbatere publică"),
        opens_at=start,
        closes_at=start + timedelta(hours=3),
        meeting_at=start,
        meeting_place="Sala de consiliu, Focșani",
        meeting_link="https://meet.example.org/dezbatere",
        agenda="1. Prezentarea proiectului",
        **fields,
    )


def events(response):
    calendar = Calendar.from_ical(response.content)
    return calendar, list(calendar.walk("VEVENT"))


def test_meeting_calendar_in_the_organisations_zone(client, editor, consultation):
    organization = consultation.proposal.organization
    organization.country = "BG"
    organization.save()
    start = next_year(7, 14, 17, SOFIA)  # summer time: UTC+3
    stage = add_meeting(editor, consultation, start)
    response = client.get(f"/proposals/legea-350/consultation/stages/{stage.position}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar, (event,) = events(response)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Sofia"]
    assert b"DTSTART;TZID=Europe/Sofia:" + f"{start.year}0714T170000".encode() in response.content
    dtstart = event.decoded("DTSTART")
    assert dtstart == start and dtstart.utcoffset() == timedelta(hours=3)
    assert dtstart.tzinfo.key == "Europe/Sofia"
    assert event.decoded("DTEND") == start + timedelta(hours=3)
    assert str(event["SUMMARY"]) == "Dezbatere publică — Modificarea Legii nr. 350/2005"
    assert str(event["LOCATION"]) == "Sala de consiliu, Focșani, https://meet.example.org/dezbatere"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]) == f"stage-{stage.pk}-meeting@{HOST}"
    assert str(event["URL"]).endswith(f"/proposals/legea-350/consultation/stages/{stage.position}/")


def test_cancelled_meeting_stays_as_a_cancelled_event(client, editor, consultation):
    start = next_year(1, 20, 10, BUCHAREST)
    stage = add_meeting(editor, consultation, start)
    domain.cancel_stage(editor, stage, "Sala nu este disponibilă.")
    _calendar, (event,) = events(
        client.get(f"/proposals/legea-350/consultation/stages/{stage.position}/calendar.ics")
    )
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 1


def test_consultation_calendar_has_every_stage(en_client, editor, consultation):
    opens = next_year(3, 2, 0, BUCHAREST)
    written = add_written_stage(editor, consultation, opens_at=opens, now=timezone.now())
    meeting = add_meeting(editor, consultation, opens + timedelta(days=12, hours=17))
    response = en_client.get("/proposals/legea-350/consultation/calendar.ics")
    calendar, (deadline, meeting_event) = events(response)
    assert str(calendar["X-WR-CALNAME"]) == "Consultare publică Legea 350"
    assert str(deadline["UID"]) == f"stage-{written.pk}-deadline@{HOST}"
    closes = opens + timedelta(days=10)
    assert deadline.decoded("DTSTART") == closes
    assert deadline.decoded("DTSTART").tzinfo.key == "Europe/Bucharest"
    assert str(deadline["SUMMARY"]) == (
        "Deadline: Recomandări scrise — Modificarea Legii nr. 350/2005"
    )
    assert str(deadline["DESCRIPTION"]).startswith(
        f"Comments are accepted until {closes.day - 1} March {closes.year}"
    )
    assert meeting_event.decoded("DTSTART") == meeting.meeting_at


def test_private_draft_has_no_calendar(client, editor, ngo):
    ProposalFactory(editor=editor, organization=ngo, slug="ciorna")
    assert client.get("/proposals/ciorna/consultation/calendar.ics").status_code == 404


def feed(response):
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    entries = [
        (entry.find(f"{ATOM}title").text, entry.find(f"{ATOM}link").get("href"))
        for entry in root.findall(f"{ATOM}entry")
    ]
    return root.find(f"{ATOM}title").text, entries


@pytest.fixture
def addressed(editor, consultation):
    """The consultation's proposal addressed to an authority, with an open stage and a closed
    one."""
    authority = AuthorityFactory(name="Primăria Municipiului Focșani", slug="primaria-focsani")
    proposal = consultation.proposal
    proposal.target_authority = authority
    proposal.save()
    now = timezone.now()
    add_written_stage(
        editor,
        consultation,
        opens_at=now - timedelta(days=1),
        now=now - timedelta(days=2),
        title="Recomandări scrise",
    )
    return authority


def test_site_feed_lists_open_stages_of_public_proposals(en_client, addressed, editor, ngo):
    ProposalFactory(editor=editor, organization=ngo, slug="ciorna")  # private: never listed
    title, entries = feed(en_client.get("/feeds/consultations/"))
    assert title == "Open consultations on Consult"
    assert entries == [
        (
            "Consultare publică Legea 350: Recomandări scrise",
            f"{SITE}/proposals/legea-350/consultation/stages/1/",
        )
    ]


def test_organisation_and_authority_feeds(en_client, addressed, ngo):
    title, entries = feed(en_client.get(f"/feeds/organisations/{ngo.slug}/consultations/"))
    assert title == f"Open consultations of {ngo.name}"
    assert len(entries) == 1
    title, entries = feed(en_client.get("/feeds/authorities/primaria-focsani/consultations/"))
    assert title == "Open consultations addressed to Primăria Municipiului Focșani"
    assert [entry[0] for entry in entries] == ["Consultare publică Legea 350: Recomandări scrise"]
    assert en_client.get(f"/feeds/authorities/{ngo.slug}/consultations/").status_code == 404
    other = AuthorityFactory(slug="alta-primarie")
    assert feed(en_client.get(f"/feeds/authorities/{other.slug}/consultations/"))[1] == []


def test_revisions_feed_and_its_announcement(en_client, consultation):
    title, entries = feed(en_client.get("/proposals/legea-350/history/feed/"))
    assert title == "New versions of “Modificarea Legii nr. 350/2005”"
    assert [link for _title, link in entries] == [
        f"{SITE}/proposals/legea-350/v/2/",
        f"{SITE}/proposals/legea-350/v/1/",
    ]
    assert entries[0][0].startswith("Revision 2: ")
    page = en_client.get("/proposals/legea-350/").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="New versions of '
        '“Modificarea Legii nr. 350/2005”" href="/proposals/legea-350/history/feed/">'
    ) in page


def test_private_draft_has_no_revisions_feed(client, editor, ngo):
    ProposalFactory(editor=editor, organization=ngo, slug="ciorna")
    assert client.get("/proposals/ciorna/history/feed/").status_code == 404


def test_pages_announce_their_feeds(en_client, addressed, ngo):
    home = en_client.get("/").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Open consultations on Consult" '
        'href="/feeds/consultations/">'
    ) in home
    stage_page = en_client.get("/proposals/legea-350/consultation/stages/1/").content.decode()
    assert 'href="/feeds/authorities/primaria-focsani/consultations/"' in stage_page
    assert f'href="/feeds/organisations/{ngo.slug}/consultations/"' in stage_page
    organisation = en_client.get("/organisations/primaria-focsani/").content.decode()
    assert 'href="/feeds/authorities/primaria-focsani/consultations/"' in organisation


def test_meeting_inside_a_longer_stage_lasts_two_hours(client, editor, consultation):
    opens = next_year(5, 4, 9, BUCHAREST)
    meeting_at = opens + timedelta(days=3, hours=8)
    stage = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=opens,
        closes_at=opens + timedelta(days=10),
        meeting_at=meeting_at,
    )
    _calendar, (event,) = events(
        client.get(f"/proposals/legea-350/consultation/stages/{stage.position}/calendar.ics")
    )
    assert event.decoded("DTSTART") == meeting_at
    assert event.decoded("DTEND") == meeting_at + timedelta(hours=2)
