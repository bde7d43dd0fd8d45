"""The annual report on decisional transparency of an authority (Law 52/2003 art. 13).

The law lists what the report holds at least: (a) the recommendations received, (b) the
recommendations included in the drafts and the decisions taken, (c) the participants in public
meetings, (d) the public debates held on drafts, (e) the court actions against the authority for
breaching the law, (f) its own assessment of the partnership with citizens and their
associations, (g) the meetings not made public and the reasons. Figures (a)–(d) are counted here
from the authority's own consultations; (e)–(g) are written by the authority's admins.

What a year holds (docs/annual-report.md says it for readers, and the report page repeats it):

- The consultations are those of the authority's own public drafts (proposals it owns, not in
  draft). Proposals that NGOs sent to the authority (its register of submissions) are petitions
  answered under OG 27/2002, not recommendations on its drafts, and are not counted.
- (a) A recommendation is a first comment of a thread (not a reply) shown in a stage that takes
  recommendations (announcement, written comments, call for input), posted on the site or
  logged from email or paper. Held for review, hidden by moderation and withdrawn comments are
  not counted. It counts in the year in which its stage's period ended (the last day covered,
  in the authority's zone), once it has ended: a period still running is not counted yet; a
  stage cancelled counts in the year it was cancelled.
- (b) Included: those of (a) answered "accepted" or "partially accepted".
- (d) A public debate held: a public meeting stage of those consultations, not cancelled, whose
  meeting time (its opening when it has none) falls in the year and has passed.
- (c) Participants: for each debate of (d), the count of its published minutes; without
  minutes, the registrations marked present; otherwise none yet.

Counting never writes; publishing freezes the figures and their rows in a version.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from consultations import public
from consultations.models import CommentState, Outcome, StageKind
from core import activity
from core.dates import last_day
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from core.text import clean_text
from registrations.models import (
    REPORT_TRANSITIONS,
    AnnualReport,
    AnnualReportVersion,
    ReportStatus,
)

# The first year a report can cover: the year of Law 52/2003.
FIRST_YEAR = 2003
# The figures each link to the rows they count.
FIGURES = ("received", "included", "participants", "debates")
MAX_COUNT = 100000


def current_year(authority, now=None):
    """The year it is now in the authority's zone. Side effects: none."""
    return timezone.localtime(now or timezone.now(), authority.zone).year


def year_in_range(authority, year, now=None):
    """Whether a report for `year` can exist: for a Romanian authority (the law is Romania's),
    from 2003 to the current year. Side effects: none."""
    return authority.country == "RO" and FIRST_YEAR <= year <= current_year(authority, now)


def _year_bounds(authority, year):
    zone = authority.zone
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _stages(authority):
    return public.stages().filter(consultation__proposal__organization=authority)


def first_year(authority):
    """The year the authority's first public stage opened (None without any). Side effects:
    none."""
    first = _stages(authority).aggregate(first=Min("opens_at"))["first"]
    return None if first is None else timezone.localtime(first, authority.zone).year


def recommendation_stages(authority, year, now=None):
    """The authority's stages taking recommendations whose period ended in `year` (a period
    ending at midnight on 1 January ended the day before) and by `now`: a period still running
    is not counted; a cancelled stage, in the year it was cancelled. Each with its counts.
    Side effects: none (one query when read)."""
    now = now or timezone.now()
    start, end = _year_bounds(authority, year)
    shown = Q(
        comments__state=CommentState.VISIBLE,
        comments__starts_thread=True,
    )
    return (
        _stages(authority)
        .filter(kind__in=StageKind.commentable())
        .filter(
            Q(cancelled_at__isnull=True, closes_at__gt=start, closes_at__lte=min(end, now))
            | Q(
                cancelled_at__isnull=False,
                cancelled_at__gte=start,
                cancelled_at__lt=end,
                cancelled_at__lte=now,
            )
        )
        .select_related("consultation__proposal")
        .annotate(
            received=Count("comments", filter=shown),
            web=Count("comments", filter=shown & Q(comments__channel="web")),
            email=Count("comments", filter=shown & Q(comments__channel="email")),
            paper=Count("comments", filter=shown & Q(comments__channel="paper")),
            accepted=Count(
                "comments", filter=shown & Q(comments__disposition__outcome=Outcome.ACCEPTED)
            ),
            partially=Count(
                "comments", filter=shown & Q(comments__disposition__outcome=Outcome.PARTIALLY)
            ),
            rejected=Count(
                "comments", filter=shown & Q(comments__disposition__outcome=Outcome.REJECTED)
            ),
            not_applicable=Count(
                "comments",
                filter=shown & Q(comments__disposition__outcome=Outcome.NOT_APPLICABLE),
            ),
            answered=Count("comments", filter=shown & Q(comments__disposition__isnull=False)),
        )
        .order_by("closes_at", "pk")
    )


def debates_held(authority, year, now=None):
    """The authority's public meetings, not cancelled, whose time falls in `year` and has
    passed, with the registrations marked present. Side effects: none (one query when read)."""
    now = now or timezone.now()
    start, end = _year_bounds(authority, year)
    return (
        _stages(authority)
        .filter(kind=StageKind.MEETING, cancelled_at__isnull=True)
        .filter(
            Q(meeting_at__isnull=False, meeting_at__gte=start, meeting_at__lt=end)
            | Q(meeting_at__isnull=True, opens_at__gte=start, opens_at__lt=end)
        )
        .filter(Q(meeting_at__lte=now) | Q(meeting_at__isnull=True, opens_at__lte=now))
        .select_related("consultation__proposal")
        .annotate(present=Count("registrations", filter=Q(registrations__attended=True)))
        .order_by("opens_at", "pk")
    )


def _participants(meeting):
    """(count, source): the minutes' count, else the attendance marked, else none."""
    if meeting.minutes_version and meeting.participants is not None:
        return meeting.participants, "minutes"
    if meeting.present:
        return meeting.present, "attendance"
    return 0, "none"


def count_figures(authority, year, now=None):
    """Figures (a)–(d) of `year` and the rows each counts, as plain data (what a published
    version freezes): {"counted_at", "received", "included", "accepted", "partially",
    "participants", "debates", "stages": [...], "meetings": [...]}. Side effects: none (two
    queries)."""
    now = now or timezone.now()
    zone = authority.zone
    stages = []
    for stage in recommendation_stages(authority, year, now):
        proposal = stage.consultation.proposal
        ended = stage.cancelled_at or stage.closes_at
        stages.append(
            {
                "id": stage.pk,
                "proposal": proposal.title,
                "stage": stage.title,
                "ended_on": last_day(ended, zone).isoformat(),
                "cancelled": stage.cancelled_at is not None,
                "url": stage.get_absolute_url(),
                **{
                    key: getattr(stage, key)
                    for key in (
                        "received",
                        "web",
                        "email",
                        "paper",
                        "accepted",
                        "partially",
                        "rejected",
                        "not_applicable",
                        "answered",
                    )
                },
            }
        )
    meetings = []
    for meeting in debates_held(authority, year, now):
        count, source = _participants(meeting)
        moment = meeting.meeting_at or meeting.opens_at
        meetings.append(
            {
                "id": meeting.pk,
                "proposal": meeting.consultation.proposal.title,
                "stage": meeting.title,
                "held_at": timezone.localtime(moment, zone).isoformat(),
                "participants": count,
                "source": source,
                "url": meeting.get_absolute_url(),
            }
        )
    accepted = sum(row["accepted"] for row in stages)
    partially = sum(row["partially"] for row in stages)
    return {
        "counted_at": now.isoformat(),
        "received": sum(row["received"] for row in stages),
        "included": accepted + partially,
        "accepted": accepted,
        "partially": partially,
        "participants": sum(row["participants"] for row in meetings),
        "debates": len(meetings),
        "stages": stages,
        "meetings": meetings,
    }


def counted_before_year_end(authority, year, figures):
    """The day (in the authority's zone) the figures were counted when that was before `year`
    ended: they then cover the year only up to that moment. None otherwise. Side effects:
    none."""
    counted_at = datetime.fromisoformat(figures["counted_at"])
    _, end = _year_bounds(authority, year)
    if counted_at >= end:
        return None
    return timezone.localtime(counted_at, authority.zone).date()


# --- Commands ----------------------------------------------------------------------------------


def check_report_year(authority, year, now=None):
    """A report can be written for `year`: by a Romanian authority, from 2003 to the current
    year. Side effects: none."""
    if authority.country != "RO":
        raise InvalidTransition(
            _("The annual report of Law 52/2003 is written by Romanian authorities."),
            code="country",
        )
    if not year_in_range(authority, year, now):
        raise InvalidTransition(
            _("A report can be written for a year from %(first)s to the current year.")
            % {"first": FIRST_YEAR},
            code="year",
        )


def _count(value, field):
    if value is None:
        return 0
    if not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise DomainError(
            _("%(field)s is a whole number from 0 to %(max)s.")
            % {"field": field, "max": MAX_COUNT},
            code="count",
        )
    return value


def _clean_fields(fields):
    return {
        "court_actions": _count(fields.get("court_actions"), _("The number of court actions")),
        "court_actions_text": clean_text(
            fields.get("court_actions_text", ""), field=_("The court actions"), max_length=10000
        ),
        "assessment": clean_text(
            fields.get("assessment", ""), field=_("The assessment"), max_length=20000
        ),
        "closed_meetings": _count(
            fields.get("closed_meetings"), _("The number of meetings not made public")
        ),
        "closed_meetings_reasons": clean_text(
            fields.get("closed_meetings_reasons", ""),
            field=_("The reasons for restricting access"),
            max_length=10000,
        ),
    }


def _locked_report(authority, year, **defaults):
    """`year`'s report of `authority`, locked, created (as an empty draft) the first time. The
    authority's row is locked first: two admins saving the first draft at once then run one
    after the other, the second finding the report the first created (a lock on a row that does
    not exist yet holds nothing)."""
    Organization.objects.select_for_update().filter(pk=authority.pk).values_list("pk").get()
    report, _created = AnnualReport.objects.select_for_update().get_or_create(
        authority=authority, year=year, defaults=defaults
    )
    return report


@transaction.atomic
def save_report_draft(user, authority, year, *, now=None, **fields):
    """Save the parts of `year`'s report written by hand — `court_actions`,
    `court_actions_text`, `assessment`, `closed_meetings`, `closed_meetings_reasons` — as the
    working draft (creating the report the first time). A published version is not touched:
    the draft becomes its correction once published again. Returns the report.

    Side effects: the report row (created or updated); a log row ("annual_report.saved")."""
    now = now or timezone.now()
    require(
        user,
        "registrations.edit_annual_report",
        authority,
        message=_("Only the authority's admins can write its annual report."),
    )
    check_report_year(authority, year, now)
    cleaned = _clean_fields(fields)
    report = _locked_report(authority, year, updated_at=now, updated_by=user)
    for name, value in cleaned.items():
        setattr(report, name, value)
    report.updated_at = now
    report.updated_by = user
    report.save()
    activity.record(user, "annual_report.saved", report, scope=authority)
    return report


@transaction.atomic
def publish_report(user, authority, year, *, correction_reason="", now=None, **fields):
    """Save the hand-written parts (as `save_report_draft`) and publish `year`'s report: the
    figures are counted now and frozen with those parts in a new version. Publishing again
    corrects it: a new version, with the reason for the correction (required), every earlier
    version kept. Returns the version.

    Side effects: the report row (status, current version); an `AnnualReportVersion` row; log
    rows ("annual_report.saved", then "annual_report.published" or "annual_report.corrected")."""
    now = now or timezone.now()
    report = save_report_draft(user, authority, year, now=now, **fields)
    report = _locked_report(authority, year)
    if ReportStatus.PUBLISHED not in REPORT_TRANSITIONS[report.status]:
        raise InvalidTransition(_("This report cannot be published."), code=report.status)
    correcting = report.is_published
    correction_reason = clean_text(
        correction_reason,
        field=_("The reason for the correction"),
        required=correcting,
        max_length=2000,
    )
    if not correcting:
        correction_reason = ""
    version = AnnualReportVersion(
        report=report,
        number=report.published_version + 1,
        figures=count_figures(authority, year, now),
        court_actions=report.court_actions,
        court_actions_text=report.court_actions_text,
        assessment=report.assessment,
        closed_meetings=report.closed_meetings,
        closed_meetings_reasons=report.closed_meetings_reasons,
        correction_reason=correction_reason,
        published_at=now,
        published_by=user,
    )
    version.save()
    old = report.status
    report.status = ReportStatus.PUBLISHED
    report.published_version = version.number
    report.save(update_fields=["status", "published_version"])
    activity.record(
        user,
        "annual_report.corrected" if correcting else "annual_report.published",
        report,
        scope=authority,
        old=old,
        new=report.status,
        data={"version": version.number},
    )
    return version
