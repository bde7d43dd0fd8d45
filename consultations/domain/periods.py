"""Legal periods: how long a written-comments stage must last in the organisation's country
(Law 52/2003 in Romania, the Law on Normative Acts, art. 26, in Bulgaria), counted in its zone.

Nothing here writes; `check_period` raises when a stage's dates cannot be accepted.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import LEGAL_MINIMUM, StageKind
from core.errors import DomainError


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
        kind == StageKind.WRITTEN
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
