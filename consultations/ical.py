"""Calendar files (iCalendar, RFC 5545) of a consultation's stages: a public meeting as an event
from its start to the stage's end, another stage as its deadline (the moment comments close).

Times are written on the organisation's wall clock with its zone (`TZID=Europe/Bucharest` or
`Europe/Sofia`, with the zone's definition in the file), so a calendar in another zone shows the
right moment and one in the same zone shows the time people read on the page. A cancelled stage
stays in the file as a cancelled event, so calendars that imported it learn of the cancellation.
Each event's UID is the stage's and its SEQUENCE the stage's version, which only grows.

The ORGANIZER of each event is the proposal's authors (the owning organisation and its
co-authors, by name), addressed by the page that lists them.

Only what is public goes in: callers pass stages of proposals anyone may see.
"""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from consultations.models import StageKind
from core.dates import last_moment
from core.mail import absolute_url

PRODID = "-//Consult//Public consultations//EN"
LONGEST_MEETING = timedelta(hours=12)
USUAL_MEETING = timedelta(hours=2)


def _uid(stage, what):
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "consult"
    return f"stage-{stage.pk}-{what}@{host}"


def organizer(proposal):
    """The ORGANIZER of a proposal's events: every author's name, and the page naming them.
    Side effects: none."""
    address = vCalAddress(absolute_url(reverse("proposals:coauthors", args=[proposal.slug])))
    address.params["cn"] = proposal.authors_display
    return address


def stage_event(stage, now, *, organized_by=None):
    """The VEVENT of one stage (its consultation and proposal loaded); `organized_by` is its
    proposal's `organizer()` when the caller has it already. Side effects: none."""
    proposal = stage.consultation.proposal
    zone = proposal.organization.zone
    event = Event()
    url = absolute_url(stage.get_absolute_url())
    if stage.kind == StageKind.MEETING:
        start = timezone.localtime(stage.meeting_at or stage.opens_at, zone)
        # The stage of a meeting usually spans the meeting itself; when it spans more (an
        # announcement period around it), the event keeps the usual length of a debate.
        end = stage.closes_at
        if not start < end <= start + LONGEST_MEETING:
            end = start + USUAL_MEETING
        end = timezone.localtime(end, zone)
        event.add("uid", _uid(stage, "meeting"))
        event.add("summary", f"{stage.title} — {proposal.title}")
        event.add("dtstart", start)
        event.add("dtend", end)
        where = [place for place in (stage.meeting_place, stage.meeting_link) if place]
        if where:
            event.add("location", ", ".join(where))
        lines = [stage.agenda or stage.description, url]
    else:
        deadline = timezone.localtime(stage.closes_at, zone)
        event.add("uid", _uid(stage, "deadline"))
        event.add(
            "summary",
            _("Deadline: %(stage)s — %(title)s") % {"stage": stage.title, "title": proposal.title},
        )
        event.add("dtstart", deadline)
        event.add("dtend", deadline)
        lines = [
            _("Comments are accepted until %(moment)s.")
            % {"moment": last_moment(stage.closes_at, zone)},
            stage.description,
            url,
        ]
    event.add("description", "\n\n".join(line for line in lines if line))
    event.add("url", url)
    event.add("organizer", organized_by or organizer(proposal))
    event.add("dtstamp", now)
    event.add("sequence", stage.comments_version)
    event.add("status", "CANCELLED" if stage.cancelled_at is not None else "CONFIRMED")
    return event


def calendar_file(stages, *, name, now=None):
    """The iCalendar file (bytes) of `stages`, named `name` for the calendar apps that show it.
    Side effects: none."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    organizers = {}  # one per proposal: its authors are read once
    for stage in stages:
        proposal = stage.consultation.proposal
        if proposal.pk not in organizers:
            organizers[proposal.pk] = organizer(proposal)
        calendar.add_component(stage_event(stage, now, organized_by=organizers[proposal.pk]))
    # The definitions of the zones the events use (VTIMEZONE), from the tz database.
    calendar.add_missing_timezones()
    return calendar.to_ical()
