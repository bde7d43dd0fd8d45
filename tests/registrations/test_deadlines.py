"""Answer deadlines: calendar days from registration, moved to the next working day."""

from datetime import date

import pytest
from django.test import override_settings

from registrations import deadlines


@pytest.mark.parametrize(
    ("registered", "country", "deadline"),
    [
        # 30 days later is Sunday 1 March: the next working day.
        (date(2026, 1, 30), "RO", date(2026, 3, 2)),
        # Across February's end into a Monday.
        (date(2026, 1, 31), "RO", date(2026, 3, 2)),
        # A leap year ends on 29 February, a Tuesday.
        (date(2028, 1, 30), "RO", date(2028, 2, 29)),
        # 30 November (St Andrew) and 1 December (National Day) are holidays in Romania.
        (date(2026, 10, 31), "RO", date(2026, 12, 2)),
        # Orthodox Good Friday 10 April 2026, Easter Monday 13 April.
        (date(2026, 3, 11), "RO", date(2026, 4, 14)),
        # 3 March is a holiday in Bulgaria (Liberation Day), not in Romania.
        (date(2026, 2, 1), "BG", date(2026, 3, 4)),
        (date(2026, 2, 1), "RO", date(2026, 3, 3)),
        # Bulgarian Christmas: 24-26 December and the observed Monday 28 December.
        (date(2026, 11, 25), "BG", date(2026, 12, 29)),
    ],
)
def test_answer_deadline_is_30_days_moved_to_a_working_day(registered, country, deadline):
    assert deadlines.answer_deadline(registered, country) == deadline


@pytest.mark.parametrize(
    ("registered", "country", "extended"),
    [
        (date(2026, 1, 30), "RO", date(2026, 3, 16)),
        (date(2026, 1, 31), "RO", date(2026, 3, 17)),
        # 45 days after 31 October is 15 December (a Tuesday): the holidays no longer matter.
        (date(2026, 10, 31), "RO", date(2026, 12, 15)),
        # 45 days after 11 March is Sunday 26 April.
        (date(2026, 3, 11), "RO", date(2026, 4, 27)),
        (date(2026, 11, 25), "BG", date(2027, 1, 11)),
    ],
)
def test_extended_deadline_is_45_days_from_registration(registered, country, extended):
    assert deadlines.extended_deadline(registered, country) == extended


@override_settings(
    ANSWER_TERMS={"RO": {"days": 30, "extension": 15}, "BG": {"days": 14, "extension": 7}}
)
def test_answer_terms_come_from_the_setting_per_country():
    assert deadlines.answer_deadline(date(2026, 2, 2), "BG") == date(2026, 2, 16)
    assert deadlines.extended_deadline(date(2026, 2, 2), "BG") == date(2026, 2, 23)
    assert deadlines.answer_deadline(date(2026, 2, 2), "RO") == date(2026, 3, 4)


def test_working_days_between_skips_weekends_and_holidays():
    # Monday to Friday of one week.
    assert deadlines.working_days_between(date(2026, 3, 2), date(2026, 3, 6), "RO") == 4
    # Thursday 9 April to Wednesday 15 April 2026: Good Friday, the weekend, Easter Monday.
    assert deadlines.working_days_between(date(2026, 4, 9), date(2026, 4, 15), "RO") == 2
    assert deadlines.working_days_between(date(2026, 4, 9), date(2026, 4, 9), "RO") == 0
    assert deadlines.working_days_between(date(2026, 4, 9), date(2026, 4, 1), "RO") == 0
    assert deadlines.add_working_days(date(2026, 4, 9), 5, "RO") == date(2026, 4, 20)


def test_due_soon_means_within_five_working_days():
    today = date(2026, 4, 9)  # Thursday before Orthodox Easter
    assert deadlines.is_due_soon(date(2026, 4, 9), today, "RO")
    assert deadlines.is_due_soon(date(2026, 4, 20), today, "RO")  # 5 working days
    assert not deadlines.is_due_soon(date(2026, 4, 21), today, "RO")  # 6 working days
    assert not deadlines.is_due_soon(date(2026, 4, 8), today, "RO")  # already past
