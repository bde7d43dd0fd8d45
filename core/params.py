"""Numbers and dates read from query strings, forms and API parameters: the one way to read them.

`int()` is not that way. It reads "١٢", "１２", " 12 " and "1_000", refuses "²" (which
`str.isdigit()` accepts) and reads numbers that no database column holds; a year it returns may
be one no date can have (0, 10000) or one a time zone moves out of range (1, 9999). Every filter,
page number and year a page or the API reads from a request goes through here:

- a number is ASCII digits with an optional minus sign, at most 18 of them (it fits a 64-bit
  column), within the bounds the caller gives;
- a year is a number from `YEAR_MIN` to `YEAR_MAX`.

Dates people type in forms have bounds too (`EARLIEST_DATE`, `core.validators.DateBounds`).

Anything else is None (or the caller's default): a page ignores the parameter, the API answers
400 naming it. Nothing here raises.
"""

import re
from datetime import date

_INTEGER = re.compile(r"-?[0-9]{1,18}")

# Years a filter may ask for: every database and Python's dates hold them, with a year to spare
# on either side for the time zones a year's bounds are converted through.
YEAR_MIN = 1900
YEAR_MAX = 9998
# Page numbers past this are not pages anyone reaches by following "next".
PAGE_MAX = 10**9 - 1
# The earliest day a person may type, for what happened (a registration, an answer, a letter
# received) or is planned (a stage): the platform holds nothing older.
EARLIEST_DATE = date(1990, 1, 1)


def int_param(value, *, min_value=None, max_value=None, default=None):
    """`value` (a string from a request) as an int, or `default` when it is missing, is not
    ASCII digits with an optional minus sign (at most 18 digits), or lies outside
    [`min_value`, `max_value`]."""
    if not isinstance(value, str) or not _INTEGER.fullmatch(value):
        return default
    number = int(value)
    if min_value is not None and number < min_value:
        return default
    if max_value is not None and number > max_value:
        return default
    return number


def page_param(value):
    """A page number from 1 to `PAGE_MAX`; 1 for anything else. (A number past the last page
    is the paginator's to handle: `Paginator.get_page` gives the last page.)"""
    return int_param(value, min_value=1, max_value=PAGE_MAX, default=1)


def year_param(value, *, choices=None, default=None):
    """A year from `YEAR_MIN` to `YEAR_MAX` (and among `choices` when given), or `default`."""
    year = int_param(value, min_value=YEAR_MIN, max_value=YEAR_MAX)
    if year is None or (choices is not None and year not in choices):
        return default
    return year
