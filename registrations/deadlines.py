"""Legal answer deadlines for registered proposals, counted on each country's calendar.

Romania (OG 27/2002 on petitions, art. 8-9): the authority answers within 30 days of registration;
the head of the authority may extend the term once, by at most 15 days. The terms are calendar
days; a term that ends on a Saturday, a Sunday or a public holiday ends on the next working day.
The terms per country come from `settings.ANSWER_TERMS`.

Reminders count working days (Monday to Friday, public holidays excluded), from the `holidays`
package for the authority's country.
"""

from datetime import timedelta

from django.conf import settings

from core.workdays import (  # noqa: F401  (part of this module's interface)
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)


def terms(country):
    """{"days": …, "extension": …} for the country (Romania's when the country is unknown)."""
    return settings.ANSWER_TERMS.get(country) or settings.ANSWER_TERMS["RO"]


def answer_deadline(registration_date, country):
    """The last day for the answer: registration date + the term, moved to a working day."""
    return next_working_day(registration_date + timedelta(days=terms(country)["days"]), country)


def extended_deadline(registration_date, country):
    """The last day after the one extension: the term plus the extension, both counted from
    registration (a 45-day term in Romania), moved to a working day."""
    term = terms(country)
    days = term["days"] + term["extension"]
    return next_working_day(registration_date + timedelta(days=days), country)


def is_due_soon(deadline, today, country, within=None):
    """True when the deadline is today or within `within` working days (default: the setting)."""
    within = settings.ANSWER_REMINDER_WORKING_DAYS if within is None else within
    if deadline < today:
        return False
    return working_days_between(today, deadline, country) <= within


def calendar_days_left(deadline, today):
    return (deadline - today).days
