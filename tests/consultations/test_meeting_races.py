"""Registrations for the last seats of a meeting at the same moment, on PostgreSQL: every command
that counts seats locks the stage's row first, so exactly the capacity is registered and the
others wait, whatever the order the transactions run in."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from consultations import domain
from consultations.models import MeetingRegistration
from tests.concurrency import second_while_first_is_open
from tests.consultations.conftest import T0
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MEETING_AT = T0 + timedelta(days=20)
BEFORE = MEETING_AT - timedelta(days=5)


@pytest.fixture
def meeting(editor, consultation):
    stage = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=MEETING_AT,
        closes_at=MEETING_AT + timedelta(hours=3),
        meeting_at=MEETING_AT,
        now=BEFORE,
    )
    return domain.set_capacity(editor, stage, 3, now=BEFORE)


def register(user, stage):
    return domain.register_for_meeting(
        user, stage, name=user.public_name, category="citizen", now=BEFORE
    )


def counts(stage):
    return domain.seat_counts(stage)["registered"], domain.seat_counts(stage)["waiting"]


def test_simultaneous_registrations_fill_exactly_the_capacity(meeting):
    register(UserFactory(display_name="Prima"), meeting)
    people = [UserFactory(display_name=f"Participant {n}") for n in range(6)]
    start = threading.Barrier(len(people))
    failures = []

    def run(user):
        try:
            start.wait()
            register(user, meeting)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert counts(meeting) == (3, 4)
    waiting = MeetingRegistration.objects.filter(stage=meeting, status="waiting")
    assert sorted(domain.waiting_position(r) for r in waiting) == [1, 2, 3, 4]


def test_the_second_registration_for_the_last_seat_waits_then_joins_the_list(meeting):
    for n in range(2):
        register(UserFactory(display_name=f"Participant {n}"), meeting)
    first, second = UserFactory(display_name="Primul"), UserFactory(display_name="Al doilea")
    late = second_while_first_is_open(
        lambda: register(first, meeting), lambda: register(second, meeting)
    )
    assert late.status == "waiting"
    assert MeetingRegistration.objects.get(user=first).status == "registered"
    assert counts(meeting) == (3, 1)


def test_a_registration_during_a_cancellation_never_overfills(meeting):
    seated = [register(UserFactory(display_name=f"Participant {n}"), meeting) for n in range(3)]
    waiting = register(UserFactory(display_name="În așteptare"), meeting)
    newcomer = UserFactory(display_name="Nou venit")
    late = second_while_first_is_open(
        lambda: domain.cancel_registration(seated[0].user, seated[0], now=BEFORE),
        lambda: register(newcomer, meeting),
    )
    waiting.refresh_from_db()
    # The free seat went to the first person waiting; the newcomer queues behind.
    assert (waiting.status, late.status) == ("registered", "waiting")
    assert counts(meeting) == (3, 1)
