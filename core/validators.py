from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.dates import format_date
from core.params import EARLIEST_DATE
from core.text import control_characters_message, has_control_characters


def no_control_characters(value):
    """Refuse NUL bytes and other control characters (tabs and line breaks are fine), with the
    message of `core.text.clean_text`."""
    if has_control_characters(value):
        raise ValidationError(control_characters_message(_("This text")), code="control_characters")


class DateBounds:
    """Refuse a day before `EARLIEST_DATE` (core.params) or more than `days_ahead` days after
    today, naming both bounds: for what happened (a registration, an answer, a letter received)
    `days_ahead=1`, which leaves a day for the time zones; for what is planned, more. Python's
    dates run from year 1 to 9999 and a time zone moves their ends out of range; the site holds
    nothing from before 1990."""

    def __init__(self, *, days_ahead):
        self.days_ahead = days_ahead

    def __call__(self, value):
        latest = timezone.localdate() + timedelta(days=self.days_ahead)
        if not EARLIEST_DATE <= value <= latest:
            language = get_language()
            raise ValidationError(
                _("Enter a date from %(earliest)s to %(latest)s."),
                code="date_range",
                params={
                    "earliest": format_date(EARLIEST_DATE, language),
                    "latest": format_date(latest, language),
                },
            )
