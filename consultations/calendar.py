"""Calendar arithmetic for consultation periods: days and working days left.

Working days are Monday to Friday minus the public holidays of the organisation's country
(Romania, Bulgaria), as the `holidays` package knows them, including Orthodox Easter and the
days Bulgaria moves a weekend holiday to ("observed").
"""

import math
from datetime import timedelta
from functools import lru_cache

import holidays
from django.utils import timezone


@lru_cache(maxsize=64)
def _holidays(country, year):
    return frozenset(holidays.country_holidays(country, years=[year]).keys())


def is_holiday(day, country):
    return day in _holidays(country, day.year)


def is_working_day(day, country):
    return day.weekday() < 5 and not is_holiday(day, country)


def working_days_between(start_date, end_date, country):
    """The working days after `start_date` up to and including `end_date` (0 if none).

    So from a Monday to the Friday of the same week, without holidays, there are 4 working
    days, as there are 4 calendar days (`end_date - start_date`).
    """
    count = 0
    day = start_date + timedelta(days=1)
    while day <= end_date:
        if is_working_day(day, country):
            count += 1
        day += timedelta(days=1)
    return count


def last_day(moment, tz):
    """The last calendar day a period ending at `moment` covers, in the zone `tz`: a period
    closing at midnight does not cover the day that starts then."""
    local = timezone.localtime(moment, tz)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local.date() - timedelta(days=1)
    return local.date()


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
