"""Working days on Romania's and Bulgaria's calendars, shared by consultation periods and
answer deadlines.

A working day is Monday to Friday minus the country's public holidays as the `holidays` package
knows them (including Orthodox Easter and the days Bulgaria moves a weekend holiday to).
"""

from datetime import timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(country, year):
    return frozenset(holidays.country_holidays(country, years=year))


def is_holiday(day, country):
    return day in _holidays(country, day.year)


def is_working_day(day, country):
    return day.weekday() < 5 and not is_holiday(day, country)


def next_working_day(day, country):
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def working_days_between(start, end, country):
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`).

    On a Monday, Friday of the same week is 4 working days away (without holidays).
    """
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_working_day(day, country):
            count += 1
        day += timedelta(days=1)
    return count


def add_working_days(start, count, country):
    """The date `count` working days after `start`."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, country):
            count -= 1
    return day
