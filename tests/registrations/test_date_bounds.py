"""Dates a registrar or an NGO types are from 1 January 1990 to tomorrow
(`core.validators.DateBounds`): a year 0001, 1989 or 9999 is refused with a message naming the
bounds, and the form keeps what was typed; the limits themselves are accepted."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from registrations.models import Submission

LOG = "/register/authority/primaria-municipiului-focsani/log/"


def _log_data(received_on, registration_date=""):
    return {
        "sender_name": "Ion Vasile",
        "title": "Iluminat pe strada Mare",
        "channel": "post",
        "received_on": received_on,
        "registration_number": "LOG-1",
        "registration_date": registration_date,
        "notes": "",
    }


def _bounds_message():
    latest = timezone.localdate() + timedelta(days=1)
    return f"Enter a date from 1 January 1990 to {latest.day} {latest:%B} {latest.year}."


@pytest.mark.parametrize("day", ["0001-01-01", "1989-12-31", "9999-12-31", "31.12.1989"])
def test_log_form_refuses_a_date_received_out_of_bounds(en_client, registrar, day):
    en_client.force_login(registrar)
    response = en_client.post(LOG, _log_data(day))
    assert response.status_code == 400
    assert response.context["form"].errors["received_on"] == [_bounds_message()]
    assert "Iluminat pe strada Mare" in response.content.decode()
    assert not Submission.objects.filter(title="Iluminat pe strada Mare").exists()


def test_log_form_refuses_a_registration_date_after_tomorrow(en_client, registrar):
    en_client.force_login(registrar)
    after_tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = en_client.post(LOG, _log_data("2025-03-03", after_tomorrow))
    assert response.status_code == 400
    assert response.context["form"].errors["registration_date"] == [_bounds_message()]


def test_log_form_takes_the_earliest_day(en_client, registrar):
    en_client.force_login(registrar)
    response = en_client.post(LOG, _log_data(date(1990, 1, 1).isoformat()))
    assert response.status_code == 302
    logged = Submission.objects.get(title="Iluminat pe strada Mare")
    assert (logged.received_on, logged.registration_date) == (date(1990, 1, 1), date(1990, 1, 1))


def test_register_form_refuses_year_one(en_client, registrar, submission):
    en_client.force_login(registrar)
    response = en_client.post(
        f"/register/s/{submission.tracking_code}/register/",
        {"registration_number": "12", "registration_date": "0001-01-01", "confirm": "on"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["registration_date"] == [_bounds_message()]
    submission.refresh_from_db()
    assert submission.registration_number == ""
