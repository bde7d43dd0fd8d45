"""Calendar arithmetic for consultation periods: days and working days left.

Working days come from `core.workdays` (the same calendar as answer deadlines).
"""

import math
from datetime import timedelta

from django.utils import timezone

from core.dates import last_day  # noqa: F401  (part of this module's interface)
from core.workdays import (  # noqa: F401  (part of this module's interface)
    is_holiday,
    is_working_day,
    working_days_between,
)


def time_left(closes_at, now, country, tz):
    """What is left of an open period, for people: whole days and hours, and working days.

    Returns a dict with `days` (whole days), `hours` (whole hours beyond the days) and
    `working_days` (working days after today up to the last day of the period), or None once
    the period is over.
    """
    remaining = closes_at - now
    if remaining <= timedelta(0):
        return None
    days = remaining.days
    hours = math.floor(remaining.seconds / 3600)
    today = timezone.localtime(now, tz).date()
    return {
        "days": days,
        "hours": hours,
        "working_days": working_days_between(today, last_day(closes_at, tz), country),
    }
