"""Working days between two dates with Romanian and Bulgarian public holidays."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from consultations.calendar import is_working_day, last_day, time_left, working_days_between

BUCHAREST = ZoneInfo("Europe/Bucharest")
SOFIA = ZoneInfo("Europe/Sofia")


def test_working_days_between_plain_week():
    # Monday 2 → Friday 6 March 2026 in Romania: Tuesday to Friday.
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 6), "RO") == 4


def test_working_days_between_skips_weekend():
    # Friday 6 → Monday 9 March 2026: only the Monday.
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9), "RO") == 1


def test_working_days_between_same_or_reversed_dates_is_zero():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2), "RO") == 0
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 2), "RO") == 0


def test_working_days_between_ro_national_day_1_december():
    # Monday 30 Nov (St Andrew) and Tuesday 1 Dec 2026 (National Day) are holidays in Romania.
    assert working_days_between(date(2026, 11, 27), date(2026, 12, 4), "RO") == 3
    assert not is_working_day(date(2026, 12, 1), "RO")
    assert is_working_day(date(2026, 12, 1), "BG")
    assert working_days_between(date(2026, 11, 27), date(2026, 12, 4), "BG") == 5


def test_working_days_between_ro_union_day_24_january():
    # Friday 24 January 2025, the Union of the Principalities, is a holiday in Romania only.
    assert not is_working_day(date(2025, 1, 24), "RO")
    assert working_days_between(date(2025, 1, 20), date(2025, 1, 24), "RO") == 3
    assert working_days_between(date(2025, 1, 20), date(2025, 1, 24), "BG") == 4


def test_working_days_between_orthodox_easter_2026_ro():
    # Orthodox Easter 2026 is Sunday 12 April: Good Friday 10 and Easter Monday 13 are off.
    assert not is_working_day(date(2026, 4, 10), "RO")
    assert not is_working_day(date(2026, 4, 13), "RO")
    # Wednesday 8 → Wednesday 15 April: Thursday 9, Tuesday 14, Wednesday 15.
    assert working_days_between(date(2026, 4, 8), date(2026, 4, 15), "RO") == 3


def test_working_days_between_bg_liberation_day_3_march():
    # Tuesday 3 March 2026 is Liberation Day in Bulgaria, an ordinary day in Romania.
    assert not is_working_day(date(2026, 3, 3), "BG")
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 6), "BG") == 3
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 6), "RO") == 4


def test_working_days_between_bg_observed_holiday_moves_to_monday():
    # Unification Day, Sunday 6 September 2026, is observed on Monday 7 September.
    assert not is_working_day(date(2026, 9, 7), "BG")
    assert working_days_between(date(2026, 9, 4), date(2026, 9, 11), "BG") == 4


def test_working_days_between_across_new_year():
    # Wed 31 Dec 2025 → Wed 7 Jan 2026 (RO): 1 and 2 Jan, 6 and 7 Jan are holidays; Monday 5 is not.
    assert working_days_between(date(2025, 12, 31), date(2026, 1, 7), "RO") == 1


def test_last_day_of_period_closing_at_midnight_is_the_day_before():
    midnight = datetime(2026, 3, 12, 0, 0, tzinfo=BUCHAREST)
    assert last_day(midnight, BUCHAREST) == date(2026, 3, 11)
    assert last_day(midnight + timedelta(minutes=1), BUCHAREST) == date(2026, 3, 12)
    # Sofia keeps the same offset as Bucharest all year.
    assert last_day(midnight, SOFIA) == date(2026, 3, 11)


def test_time_left_counts_days_hours_and_working_days():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=BUCHAREST)  # Monday
    closes = datetime(2026, 3, 12, 17, 30, tzinfo=BUCHAREST)  # Thursday of the next week
    assert time_left(closes, now, "RO", BUCHAREST) == {"days": 10, "hours": 8, "working_days": 8}
    # In Bulgaria 3 March is a holiday.
    assert time_left(closes, now, "BG", SOFIA) == {"days": 10, "hours": 8, "working_days": 7}


def test_time_left_is_none_once_closed():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=BUCHAREST)
    assert time_left(now, now, "RO", BUCHAREST) is None
    assert time_left(now - timedelta(seconds=1), now, "RO", BUCHAREST) is None
