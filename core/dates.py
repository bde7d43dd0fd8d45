"""Dates and times written as people write them in each language, for documents.

Django's locale formats capitalise Romanian month names ("4 Decembrie 2026") and write Bulgarian
dates in an English pattern; documents we produce (exports, dossiers) say instead:

    ro: 4 decembrie 2026, ora 14:30
    bg: 4 декември 2026 г., 14:30 ч.
    en: 4 December 2026, 14:30

Month names come from Django's translated calendar, in lower case where the language writes
them so. Times are on the 24-hour clock, in the time zone given (the organisation's).
"""

from django.utils import timezone, translation
from django.utils.dates import MONTHS

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
