"""The dates of a stage are from 1 January 1990 to five years ahead
(`consultations.forms_manage.PLANNED_DAYS_AHEAD`, `core.validators.DateBounds`): Python's dates
end in year 9999, the organisation's time zone moves year 1 and 9999 out of range, and the
working days of a period are counted day by day. Such a date is refused with a message naming
the bounds, and nothing typed is lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.forms_manage import PLANNED_DAYS_AHEAD
from consultations.models import Stage

BASE = "/proposals/legea-350/consultation"


def _data(opens_date, closes_date, revision):
    return {
        "kind": "written",
        "title": "Recomandări scrise",
        "description": "Descriere păstrată",
        "opens_date": opens_date,
        "opens_time": "09:00",
        "closes_date": closes_date,
        "closes_time": "09:00",
        "revision": revision.pk,
        "short_period_reason": "",
    }


def _bounds_message():
    latest = timezone.localdate() + timedelta(days=PLANNED_DAYS_AHEAD)
    return f"Enter a date from 1 January 1990 to {latest.day} {latest:%B} {latest.year}."


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        ("0001-01-01", "2026-01-30", "opens_date"),
        ("1989-12-31", "1990-01-30", "opens_date"),
        ("next", "9999-12-31", "closes_date"),
        ("next", "31.12.9999", "closes_date"),
    ],
)
def test_stage_dates_out_of_bounds_are_refused(
    en_client, editor, consultation, opens, closes, field
):
    en_client.force_login(editor)
    if opens == "next":
        opens = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = en_client.post(
        f"{BASE}/stages/new/", _data(opens, closes, consultation.proposal.current_revision)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [_bounds_message()]
    assert "Descriere păstrată" in response.content.decode()
    assert not Stage.objects.filter(consultation=consultation).exists()


def test_stage_may_close_on_the_last_day_planned(en_client, editor, consultation):
    en_client.force_login(editor)
    opens = timezone.localdate() + timedelta(days=30)
    closes = timezone.localdate() + timedelta(days=PLANNED_DAYS_AHEAD)
    response = en_client.post(
        f"{BASE}/stages/new/",
        _data(opens.isoformat(), closes.isoformat(), consultation.proposal.current_revision),
    )
    assert response.status_code == 302, response.content.decode()
    assert Stage.objects.get(consultation=consultation).closes_at.year == closes.year
