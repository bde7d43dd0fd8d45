"""Submitting, registering and answering are done once per form (core.idempotency): a second
send of the same form lands on the first result instead of a second submission or a refusal."""

import pytest
from django.utils import timezone

from core.idempotency import new_token
from core.models import ActivityLog
from registrations.models import Submission
from tests.helpers import messages_of, submit

pytestmark = pytest.mark.django_db


def test_a_proposal_submitted_twice_makes_one_submission(en_client, published, ngo_editor):
    en_client.force_login(ngo_editor)
    url = f"/proposals/{published.slug}/submit/"
    data = {
        "revision": str(published.current_revision.number),
        "cover_letter": "Vă rugăm să o înregistrați.",
        "confirm": "on",
        "form_token": new_token(),
    }
    first = en_client.post(url, data)
    second = en_client.post(url, data)
    submission = Submission.objects.get()
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"] == submission.get_absolute_url()
    assert messages_of(second)[-1] == (
        f"The proposal was submitted. Tracking code: {submission.tracking_code}."
    )
    assert ActivityLog.objects.filter(verb="submission.submitted").count() == 1


def test_a_registration_sent_twice_is_recorded_once(
    en_client, published, ngo_editor, registrar, verified_authority
):
    submission = submit(ngo_editor, published)
    en_client.force_login(registrar)
    url = f"/register/s/{submission.tracking_code}/register/"
    data = {
        "registration_number": "1024",
        "registration_date": timezone.localdate().isoformat(),
        "confirm": "on",
        "form_token": new_token(),
    }
    first = en_client.post(url, data)
    second = en_client.post(url, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert messages_of(second)[-1] == "The proposal is registered; its deadline is running."
    submission.refresh_from_db()
    assert (submission.status, submission.registration_number) == ("registered", "1024")
    assert ActivityLog.objects.filter(verb="submission.registered").count() == 1
