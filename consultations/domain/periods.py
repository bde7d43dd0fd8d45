"""Legal periods: how long a written-comments stage must last in the organisation's country
(Law 52/2003 in Romania, the Law on Normative Acts, art. 26, in Bulgaria), counted in its zone,
and the periods of an authority's announcement of its own draft (`check_announcement`).

Nothing here writes; `check_period` raises when a stage's dates cannot be accepted.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consultations.models import LEGAL_MINIMUM, StageKind
from core.dates import last_day
from core.errors import DomainError
from core.workdays import add_working_days, working_days_between


class ShortPeriod(DomainError):
    """A written-comments period shorter than the law expects, given without a reason."""


def legal_minimum(stage_or_consultation):
    """The shortest written-comments period the organisation's country expects (a timedelta),
    or None where the law sets none. Side effects: none."""
    consultation = getattr(stage_or_consultation, "consultation", stage_or_consultation)
    return LEGAL_MINIMUM.get(consultation.proposal.organization.country)


def period_length(consultation, opens_at, closes_at):
    """The period as the calendar counts it in the organisation's zone: from 00:00 on 20 March
    to 00:00 on 30 March is 10 days, although the clocks skip an hour on 29 March (dates read
    back from the database are in UTC, where that period lasts 9 days and 23 hours).
    Side effects: none."""
    zone = consultation.proposal.organization.zone
    start = timezone.localtime(opens_at, zone).replace(tzinfo=None)
    return timezone.localtime(closes_at, zone).replace(tzinfo=None) - start


def is_short(kind, opens_at, closes_at, consultation):
    """Whether a stage of `kind` with these dates is a written stage shorter than the legal
    minimum. Side effects: none."""
    minimum = legal_minimum(consultation)
    return (
        kind in StageKind.with_text()
        and minimum is not None
        and period_length(consultation, opens_at, closes_at) < minimum
    )


def check_period(consultation, kind, opens_at, closes_at, reason):
    """The reason to store for the stage's period ("" when it is not short).

    Side effects: none. Raises `DomainError` when the stage closes before it opens or is shorter
    than Bulgarian law ever allows, and `ShortPeriod` when it is short and `reason` is empty."""
    if closes_at <= opens_at:
        raise DomainError(_("The stage must close after it opens."))
    if not is_short(kind, opens_at, closes_at, consultation):
        return ""
    country = consultation.proposal.organization.country
    days = LEGAL_MINIMUM[country].days
    if country == "BG" and period_length(consultation, opens_at, closes_at) < timedelta(days=14):
        raise DomainError(
            _(
                "Bulgarian law (Law on Normative Acts, art. 26) allows at most a shortening "
                "to 14 days; this stage lasts less."
            )
        )
    if not reason:
        if country == "BG":
            message = _(
                "The Law on Normative Acts (art. 26) expects at least %(days)s days for "
                "written proposals; this stage is shorter. Give the reason, which will be "
                "shown publicly."
            )
        else:
            message = _(
                "Law 52/2003 expects at least %(days)s calendar days for written "
                "recommendations; this stage is shorter. Give the reason, which will be shown "
                "publicly."
            )
        raise ShortPeriod(message % {"days": days}, code="short_period")
    return reason


# --- An authority's announcement of its own draft ----------------------------------------------

# Romania, Law 52/2003 art. 7: a draft is announced at least 30 working days before it is
# adopted (or sent for approval), and recommendations are taken for at least 10 calendar days.
ANNOUNCEMENT_WORKING_DAYS = {"RO": 30}
ANNOUNCEMENT_RECOMMENDATION_DAYS = {"RO": 10}


def earliest_adoption(announced_on, country):
    """The first day a draft announced on `announced_on` (a date) may be adopted: the law's
    working days counted whole between the two days, neither the announcement's day nor the
    adoption's counted (30 in Romania, over its public holidays); in Bulgaria, whose law sets
    no such term, the next day. Side effects: none."""
    working_days = ANNOUNCEMENT_WORKING_DAYS.get(country)
    if not working_days:
        return announced_on + timedelta(days=1)
    return add_working_days(announced_on, working_days, country) + timedelta(days=1)


def check_announcement(consultation, opens_at, closes_at, adoption_on, reason, substantiation):
    """The reason to store for an announcement stage ("" when its period is not short), once
    its dates and documents meet the law of the authority's country.

    Romania (Law 52/2003 art. 7): recommendations for at least 10 calendar days, no shorter
    period for any reason; adoption planned at least 30 working days after the announcement
    (`earliest_adoption`). Bulgaria (Law on Normative Acts art. 26): 30 days for proposals,
    exceptionally at least 14 with a reason shown publicly (`check_period`). Everywhere: the
    substantiation note attached to the revision under debate, and the adoption after the
    recommendations period. Side effects: none; raises `DomainError` (`ShortPeriod` for a
    Bulgarian period under 30 days without a reason)."""
    proposal = consultation.proposal
    organization = proposal.organization
    if not (organization.is_authority and proposal.is_authority_draft):
        raise DomainError(
            _("Only an authority announces its own draft decision, order or law."),
            code="not_authority_draft",
        )
    if substantiation is None:
        raise DomainError(
            _(
                "Attach the substantiation note (referat de aprobare / обосновка) to the "
                "revision under debate and choose it before announcing the draft."
            ),
            code="no_substantiation",
        )
    if closes_at <= opens_at:
        raise DomainError(_("The stage must close after it opens."))
    country = organization.country
    zone = organization.zone
    minimum_days = ANNOUNCEMENT_RECOMMENDATION_DAYS.get(country)
    if minimum_days and period_length(consultation, opens_at, closes_at) < timedelta(
        days=minimum_days
    ):
        raise DomainError(
            _(
                "Law 52/2003 (art. 7) requires at least %(days)s calendar days for "
                "recommendations on a draft; this period is shorter."
            )
            % {"days": minimum_days},
            code="recommendations_too_short",
        )
    reason = check_period(consultation, StageKind.ANNOUNCEMENT, opens_at, closes_at, reason)
    if adoption_on is None:
        raise DomainError(_("Give the date the draft is planned to be adopted."), code="adoption")
    announced_on = timezone.localtime(opens_at, zone).date()
    earliest = earliest_adoption(announced_on, country)
    if adoption_on < earliest:
        raise DomainError(
            _(
                "Law 52/2003 (art. 7) requires the draft to be announced at least %(days)s "
                "working days before its adoption: announced on %(announced)s, it can be "
                "adopted on %(earliest)s at the earliest."
            )
            % {
                "days": ANNOUNCEMENT_WORKING_DAYS[country],
                "announced": date_format(announced_on, "DATE_FORMAT"),
                "earliest": date_format(earliest, "DATE_FORMAT"),
            },
            code="adoption_too_early",
        )
    if adoption_on <= last_day(closes_at, zone):
        raise DomainError(
            _("The draft can be adopted only after its recommendations period ends."),
            code="adoption_too_early",
        )
    return reason


def announcement_working_days(stage):
    """Working days counted whole between the announcement of `stage` and its planned adoption
    (as `earliest_adoption` counts them), or None without a planned date. Side effects: none."""
    if stage.adoption_planned_on is None:
        return None
    organization = stage.consultation.proposal.organization
    announced_on = timezone.localtime(stage.opens_at, organization.zone).date()
    return working_days_between(
        announced_on, stage.adoption_planned_on - timedelta(days=1), organization.country
    )
