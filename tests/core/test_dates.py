"""Dates and times as people write them in each language, on pages as in documents, and deadlines
that say which day still counts (`consult/formats`, `core.dates`)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from core import dates

BUCHAREST = ZoneInfo("Europe/Bucharest")
MOMENT = datetime(2026, 12, 4, 14, 30, tzinfo=BUCHAREST)

EXPECTED = {
    "ro": {
        "DATE_FORMAT": "4 decembrie 2026",
        "DATETIME_FORMAT": "4 decembrie 2026, ora 14:30",
        "SHORT_DATE_FORMAT": "04.12.2026",
        "SHORT_DATETIME_FORMAT": "04.12.2026, 14:30",
        "TIME_FORMAT": "14:30",
    },
    "bg": {
        "DATE_FORMAT": "4 декември 2026 г.",
        "DATETIME_FORMAT": "4 декември 2026 г., 14:30 ч.",
        "SHORT_DATE_FORMAT": "04.12.2026 г.",
        "SHORT_DATETIME_FORMAT": "04.12.2026 г., 14:30 ч.",
        "TIME_FORMAT": "14:30 ч.",
    },
    "en": {
        "DATE_FORMAT": "4 December 2026",
        "DATETIME_FORMAT": "4 December 2026, 14:30",
        "SHORT_DATE_FORMAT": "04/12/2026",
        "SHORT_DATETIME_FORMAT": "04/12/2026, 14:30",
        "TIME_FORMAT": "14:30",
    },
}


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
@pytest.mark.parametrize("name", list(EXPECTED["ro"]))
def test_each_format_is_written_as_people_write_it(language, name):
    with translation.override(language), timezone.override(BUCHAREST):
        assert date_format(timezone.localtime(MOMENT), name) == EXPECTED[language][name]


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
def test_pages_and_documents_write_the_same_date(language):
    with translation.override(language), timezone.override(BUCHAREST):
        page = Template('{{ moment|date:"DATETIME_FORMAT" }}').render(Context({"moment": MOMENT}))
    assert page == dates.format_datetime(MOMENT, language, BUCHAREST)


@pytest.mark.parametrize(
    ("language", "months"),
    [
        ("ro", "ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie "
               "noiembrie decembrie"),
        ("bg", "януари февруари март април май юни юли август септември октомври ноември "
               "декември"),
    ],
)  # fmt: skip
def test_romanian_and_bulgarian_month_names_are_in_lower_case(language, months):
    with translation.override(language):
        written = [date_format(date(2026, month, 1), "F") for month in range(1, 13)]
        alternative = [date_format(date(2026, month, 1), "E") for month in range(1, 13)]
    assert written == months.split()
    assert alternative == months.split()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ro", "18 decembrie 2026 inclusiv"),
        ("bg", "18 декември 2026 г. включително"),
        ("en", "18 December 2026 inclusive"),
    ],
)
def test_a_period_ending_at_midnight_ends_with_the_day_before_inclusive(language, expected):
    closes = datetime(2026, 12, 19, 0, 0, tzinfo=BUCHAREST)
    with translation.override(language), timezone.override(BUCHAREST):
        assert dates.last_moment(closes) == expected
        rendered = Template("{% load core_tags %}{{ closes|last_moment }}").render(
            Context({"closes": closes})
        )
    assert rendered == expected


def test_the_day_before_is_counted_in_the_time_zone_shown():
    # Midnight in Bucharest is 22:00 UTC the day before: the page's zone decides.
    closes = datetime(2026, 12, 18, 22, 0, tzinfo=ZoneInfo("UTC"))
    with translation.override("ro"), timezone.override(BUCHAREST):
        assert dates.last_moment(closes) == "18 decembrie 2026 inclusiv"
    with translation.override("ro"), timezone.override(ZoneInfo("UTC")):
        assert dates.last_moment(closes) == "18 decembrie 2026, ora 22:00"


def test_a_period_ending_at_another_time_says_that_time():
    closes = datetime(2026, 12, 18, 17, 0, tzinfo=BUCHAREST)
    with translation.override("ro"), timezone.override(BUCHAREST):
        assert dates.last_moment(closes) == "18 decembrie 2026, ora 17:00"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ro", "2 martie 2026 inclusiv"), ("bg", "2 март 2026 г. включително")],
)
def test_a_deadline_in_days_is_its_day_inclusive(language, expected):
    with translation.override(language):
        assert dates.last_moment(date(2026, 3, 2)) == expected


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="ro")
@pytest.mark.parametrize("language", ["ro", "bg", "en"])
def test_the_menu_labels_are_unique_in_each_language(client, language):
    client.cookies["consult_language"] = language
    page = client.get("/").content.decode()
    nav = re.search(r'<ul class="site-nav">(.*?)</ul>', page, re.S).group(1)
    labels = [
        " ".join(label.split())
        for label in re.findall(r"<(?:a|button)[^>]*>([^<]+)</(?:a|button)>", nav)
    ]
    assert len(labels) >= 5
    assert len(labels) == len(set(labels)), labels
