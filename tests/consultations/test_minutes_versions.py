"""A correction of a meeting's minutes never hides what was published before: every version has
its place on a public page, linked from the meeting."""

from datetime import timedelta

import pytest
from django.db import ProgrammingError, connection, transaction
from django.utils import timezone

from consultations import domain
from consultations.models import MinutesVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_meeting(editor, consultation):
    start = timezone.now() - timedelta(days=2)
    return domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=start,
        closes_at=start + timedelta(hours=3),
        meeting_at=start + timedelta(hours=1),
        meeting_place="Sala de consiliu",
        now=start - timedelta(days=7),
    )


def versions_url(stage):
    return (
        f"/proposals/{stage.consultation.proposal.slug}/consultation/stages/"
        f"{stage.position}/minutes/versions/"
    )


def test_corrected_minutes_keep_their_first_version_readable(en_client, editor, held_meeting):
    domain.publish_minutes(
        editor, held_meeting, minutes="Au participat 12 persoane.", participants=12
    )
    domain.publish_minutes(
        editor, held_meeting, minutes="Au participat 13 persoane.", participants=13
    )
    stage_page = en_client.get(held_meeting.get_absolute_url()).content.decode()
    assert "Au participat 13 persoane." in stage_page
    assert "Au participat 12 persoane." not in stage_page
    assert f'href="{versions_url(held_meeting)}"' in stage_page
    assert "Corrected: see the earlier version" in stage_page
    assert "corrected on " in stage_page
    page = en_client.get(versions_url(held_meeting))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("Version 2") < text.index("Au participat 13 persoane.")
    assert text.index("Version 1") < text.index("Au participat 12 persoane.")
    assert "12 participants" in text and "13 participants" in text


def test_minutes_published_once_have_no_versions_link(en_client, editor, held_meeting):
    domain.publish_minutes(editor, held_meeting, minutes="Proces-verbal.", participants=5)
    assert "earlier version" not in en_client.get(held_meeting.get_absolute_url()).content.decode()
    assert en_client.get(versions_url(held_meeting)).status_code == 200


def test_versions_page_of_unpublished_minutes_or_a_written_stage_is_404(
    en_client, held_meeting, open_stage
):
    assert en_client.get(versions_url(held_meeting)).status_code == 404
    assert en_client.get(versions_url(open_stage)).status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_the_database_refuses_to_change_or_remove_a_version(editor, held_meeting):
    domain.publish_minutes(editor, held_meeting, minutes="Proces-verbal.", participants=5)
    version = MinutesVersion.objects.get(stage=held_meeting)
    for statement in (
        "UPDATE consultations_minutesversion SET minutes = 'altceva' WHERE id = %s",
        "DELETE FROM consultations_minutesversion WHERE id = %s",
    ):
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [version.pk])
    assert MinutesVersion.objects.get(pk=version.pk).minutes == "Proces-verbal."
