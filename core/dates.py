"""Dates and times written as people write them in each language, for documents.

Django's locale formats capitalise Romanian month names ("4 Decembrie 2026") and write Bulgarian
dates in an English pattern; documents we produce (exports, dossiers) say instead:

    ro: 4 decembrie 2026, ora 14:30
    bg: 4 декември 2026 г., 14:30 ч.
    en: 4 December 2026, 14:30

Month names come from Django's translated calendar, in lower case where the language writes
them so. Times are on the 24-hour clock, in the time zone given (the organisation's).

Pages use the same formats through Django's `date` filter (`consult/formats`), and our
catalogues give Django's month names in lower case (`MONTH_NAMES` below, so that
`makemessages` keeps them). `last_moment` says which day a deadline ends on.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, pgettext_lazy

# Django's month names, as its `date` filter asks for them ("F" and "E"): our Romanian and
# Bulgarian catalogues translate these in lower case ("decembrie", "декември").
MONTH_NAMES = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)

LOWER_CASE_MONTHS = {"ro", "bg"}


def _month(number, language):
    with translation.override(language):
        name = str(MONTHS[number])
    return name.lower() if language in LOWER_CASE_MONTHS else name


def format_date(value, language):
    """A date (or the date of a datetime, as it is) in `language`: "4 decembrie 2026"."""
    language = (language or "en")[:2]
    text = f"{value.day} {_month(value.month, language)} {value.year}"
    if language == "bg":
        text += " г."
    return text


def format_datetime(value, language, zone=None):
    """An aware datetime in `zone` (default: the current one): "4 decembrie 2026, ora 14:30"."""
    language = (language or "en")[:2]
    local = timezone.localtime(value, zone)
    day = format_date(local, language)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if language == "ro":
        return f"{day}, ora {clock}"
    if language == "bg":
        return f"{day}, {clock} ч."
    return f"{day}, {clock}"


def last_day(moment, tz=None):
    """The last calendar day a period ending at `moment` covers, in the zone `tz` (default: the
    current one): a period closing at midnight does not cover the day that starts then."""
    local = timezone.localtime(moment, tz)
    if local.time() == time(0, 0):
        return local.date() - timedelta(days=1)
    return local.date()


def last_moment(value, zone=None):
    """A deadline as the last day and time that still count, in the current language and in
    `zone` (default: the current time zone; a template's `last_moment` filter): a period that
    ends at midnight ends with the day before, which still counts whole — "18 decembrie 2026
    inclusiv", not "19 decembrie 2026, ora 00:00" —; one that ends at another time says that
    time: "18 decembrie 2026, ora 17:00". A date (a deadline counted in days) is its day,
    inclusive. No side effects."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, zone)
        local = timezone.localtime(value, zone)
        if local.time() != time(0, 0):
            return date_format(local, "DATETIME_FORMAT")
        value = last_day(local, zone)
    return gettext("%(date)s inclusive") % {"date": date_format(value, "DATE_FORMAT")}
