"""The pages of a meeting with registration: registering, the waiting list, cancelling with a
confirmation, the organisers' places and attendance, the minutes' count and the public
attendance export."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import domain
from consultations.models import MeetingRegistration, MinutesVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def base(stage):
    return f"/proposals/{stage.consultation.proposal.slug}/consultation/stages/{stage.position}/"


def add_meeting(editor, consultation, start):
    return domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=start,
        closes_at=start + timedelta(hours=3),
        meeting_at=start,
        meeting_place="Sala de consiliu",
        now=min(start, timezone.now()) - timedelta(days=1),
    )


@pytest.fixture
def meeting(editor, consultation):
    stage = add_meeting(editor, consultation, timezone.now() + timedelta(days=5))
    return domain.set_capacity(editor, stage, 1)


@pytest.fixture
def past_meeting(editor, consultation):
    return add_meeting(editor, consultation, timezone.now() - timedelta(days=2))


def register(user, stage, **fields):
    return domain.register_for_meeting(
        user,
        stage,
        name=fields.pop("name", user.public_name),
        category=fields.pop("category", "citizen"),
        now=fields.pop("now", stage.opens_at - timedelta(days=3)),
        **fields,
    )


def test_anonymous_visitor_is_asked_to_sign_in(en_client, meeting):
    page = en_client.get(base(meeting)).content.decode()
    assert "0 of 1 place taken" in page
    assert f"?next={base(meeting)}register/" in page
    assert "Sign in to register for the meeting" in page
    assert en_client.get(base(meeting) + "register/").status_code == 302


def test_registration_form_prefilled_and_saved(en_client, meeting, citizen):
    citizen.profile.respondent_category = "academia"
    citizen.profile.save()
    en_client.force_login(citizen)
    form = en_client.get(base(meeting) + "register/").content.decode()
    assert 'value="Ion Vasile"' in form
    assert '<option value="academia" selected>' in form
    response = en_client.post(
        base(meeting) + "register/",
        {
            "name": "Ion Vasile",
            "organization": "Universitatea",
            "category": "academia",
            "show_name": "on",
        },
    )
    assert response.status_code == 302
    registration = MeetingRegistration.objects.get(user=citizen)
    assert (registration.status, registration.organization, registration.show_name) == (
        "registered",
        "Universitatea",
        True,
    )
    page = en_client.get(base(meeting)).content.decode()
    assert "You are registered for this meeting." in page
    assert "1 of 1 place taken" in page
    assert f'href="{base(meeting)}register/cancel/"' in page


def test_registration_with_bad_input_keeps_what_was_typed(en_client, meeting, citizen):
    en_client.force_login(citizen)
    response = en_client.post(
        base(meeting) + "register/",
        {"name": "Ion\x07 Vasile", "organization": "Asociația Noastră", "category": "citizen"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Asociația Noastră"' in page
    assert not MeetingRegistration.objects.exists()


def test_full_meeting_offers_the_waiting_list(en_client, meeting, citizen, citizen2):
    register(citizen, meeting)
    en_client.force_login(citizen2)
    assert "Join the waiting list" in en_client.get(base(meeting)).content.decode()
    en_client.post(base(meeting) + "register/", {"name": "Maria Enache", "category": "citizen"})
    page = en_client.get(base(meeting)).content.decode()
    assert "You are on the waiting list, in place 1." in page
    assert "1 on the waiting list" in page


def test_cancelling_asks_for_confirmation_then_promotes(en_client, meeting, citizen, citizen2):
    register(citizen, meeting)
    register(citizen2, meeting)
    en_client.force_login(citizen)
    confirm = en_client.get(base(meeting) + "register/cancel/")
    assert "Your seat goes to the first person on the waiting list." in confirm.content.decode()
    assert MeetingRegistration.objects.get(user=citizen).status == "registered"
    en_client.post(base(meeting) + "register/cancel/")
    assert MeetingRegistration.objects.get(user=citizen).status == "cancelled"
    assert MeetingRegistration.objects.get(user=citizen2).status == "registered"


def test_registrations_page_is_for_the_organisers(en_client, meeting, citizen, editor):
    en_client.force_login(citizen)
    assert en_client.get(base(meeting) + "registrations/").status_code == 403
    en_client.force_login(editor)
    response = en_client.post(
        base(meeting) + "registrations/", {"action": "capacity", "capacity-capacity": "3"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.capacity == 3
    response = en_client.post(
        base(meeting) + "registrations/", {"action": "capacity", "capacity-capacity": "-2"}
    )
    assert response.status_code == 400


def test_attendance_then_minutes_then_public_export(
    en_client, editor, past_meeting, citizen, citizen2
):
    before = past_meeting.opens_at - timedelta(days=3)
    first = register(
        citizen, past_meeting, organization="Asociația Vecinilor", show_name=True, now=before
    )
    second = register(citizen2, past_meeting, organization="Firma SRL", now=before)
    third = register(UserFactory(display_name="Absent"), past_meeting, now=before)
    en_client.force_login(editor)
    page = en_client.get(base(past_meeting) + "registrations/").content.decode()
    assert "Ion Vasile" in page and "Maria Enache" in page
    response = en_client.post(
        base(past_meeting) + "registrations/",
        {"action": "attendance", "attendance-present": [str(first.pk), str(second.pk)]},
    )
    assert response.status_code == 302
    assert list(MeetingRegistration.objects.order_by("pk").values_list("pk", "attended")) == [
        (first.pk, True),
        (second.pk, True),
        (third.pk, False),
    ]
    minutes_url = base(past_meeting) + "minutes/"
    form = en_client.get(minutes_url).content.decode()
    assert "2 people were marked present." in form
    refused = en_client.post(minutes_url, {"minutes": "Procesul-verbal.", "participants": "5"})
    assert refused.status_code == 400
    assert "2 people were marked present; say why the minutes give 5." in (refused.content.decode())
    en_client.post(
        minutes_url,
        {
            "minutes": "Procesul-verbal.",
            "participants": "5",
            "reason": "Trei persoane au venit fără înregistrare.",
        },
    )
    version = MinutesVersion.objects.get(stage=past_meeting)
    assert (version.participants, version.attendance) == (5, 2)
    en_client.logout()
    en_client.cookies["consult_language"] = "en"
    page = en_client.get(base(past_meeting)).content.decode()
    assert "5 participants" in page
    assert "Trei persoane au venit fără înregistrare." in page
    assert "Ion Vasile (Asociația Vecinilor)" in page
    assert "Maria Enache" not in page and "Firma SRL" not in page
    export = en_client.get(base(past_meeting) + "attendance.csv")
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows == [
        ["No.", "Name", "Organisation", "Respondent category"],
        ["1", "Ion Vasile", "Asociația Vecinilor", "Citizen"],
        ["2", "(name not shown)", "", "Citizen"],
    ]


def test_attendance_export_absent_before_attendance_is_taken(en_client, past_meeting):
    assert en_client.get(base(past_meeting) + "attendance.csv").status_code == 404


def test_registration_page_of_a_past_meeting_says_it_is_closed(en_client, past_meeting, citizen):
    en_client.force_login(citizen)
    response = en_client.get(base(past_meeting) + "register/", follow=True)
    assert "The meeting has started; registrations are closed." in response.content.decode()
    assert not MeetingRegistration.objects.exists()
