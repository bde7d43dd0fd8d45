"""Stage openings and closings: `process_stage_events` and the `consultation_events` command."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from consultations import domain
from consultations.models import Stage
from core.models import ActivityLog
from proposals import domain as proposals_domain
from proposals.models import Proposal
from tests.consultations.conftest import T0, add_written_stage, text_blocks
from tests.factories import ProposalFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (the site's default is Romanian)."""
    with translation.override("en"):
        yield


def processed(stage):
    stage = Stage.objects.get(pk=stage.pk)
    return stage.opening_processed_at, stage.closing_processed_at


def events_logged():
    return list(
        ActivityLog.objects.filter(verb__in=["stage.opened", "stage.closed"])
        .order_by("id")
        .values_list("verb", "target_id")
    )


def test_events_are_handled_once_each(stage):
    assert list(domain.due_stage_events(T0 - timedelta(microseconds=1))) == []
    assert list(domain.due_stage_events(T0)) == [stage]
    version = Stage.objects.get(pk=stage.pk).comments_version
    assert domain.process_stage_events(now=T0) == 1
    assert processed(stage) == (T0, None)
    assert Stage.objects.get(pk=stage.pk).comments_version == version + 1
    assert domain.process_stage_events(now=T0 + timedelta(days=1)) == 0
    assert domain.process_stage_events(now=stage.closes_at) == 1
    assert processed(stage) == (T0, stage.closes_at)
    assert domain.process_stage_events(now=stage.closes_at + timedelta(days=30)) == 0
    assert list(domain.due_stage_events(stage.closes_at + timedelta(days=30))) == []
    assert events_logged() == [("stage.opened", str(stage.pk)), ("stage.closed", str(stage.pk))]


def test_opening_and_closing_missed_together_are_both_handled(stage):
    after = stage.closes_at + timedelta(hours=1)
    assert domain.process_stage_events(now=after) == 2
    assert processed(stage) == (after, after)
    assert domain.process_stage_events(now=after) == 0
    assert [verb for verb, _ in events_logged()] == ["stage.opened", "stage.closed"]


def test_cancelled_stages_have_no_events(editor, stage):
    domain.cancel_stage(editor, stage, "Anulat.", now=T0 - timedelta(days=1))
    assert domain.process_stage_events(now=stage.closes_at) == 0
    assert processed(stage) == (None, None)


def test_events_of_several_consultations(editor, consultation, stage, ngo):
    other = ProposalFactory(editor=editor, organization=ngo, slug="alta")
    proposals_domain.save_revision(
        editor,
        other,
        base_number=1,
        title=other.title,
        summary="",
        blocks=text_blocks("Alt text."),
        message="Text",
    )
    other.refresh_from_db()
    proposals_domain.publish_proposal(editor, other)
    other_consultation = domain.create_consultation(editor, other, title="Alta")
    other_stage = add_written_stage(
        editor,
        other_consultation,
        opens_at=T0 + timedelta(hours=1),
        revision=other.current_revision,
    )
    assert domain.process_stage_events(now=T0 + timedelta(hours=2)) == 2
    assert {p.slug: p.status for p in Proposal.objects.all()} == {
        "legea-350": "in_consultation",
        "alta": "in_consultation",
    }
    assert processed(other_stage)[0] == T0 + timedelta(hours=2)


# --- The management command (real clock) -------------------------------------------------------


@pytest.fixture
def stages_around_now(editor, consultation):
    now = timezone.now()
    past = add_written_stage(
        editor,
        consultation,
        opens_at=now - timedelta(days=12),
        days=10,
        now=now - timedelta(days=13),
        title="Prima etapă",
    )
    current = add_written_stage(
        editor,
        consultation,
        opens_at=now - timedelta(hours=1),
        days=10,
        now=now - timedelta(days=13),
        title="A doua etapă",
    )
    future = add_written_stage(
        editor,
        consultation,
        opens_at=now + timedelta(days=20),
        now=now,
        title="A treia etapă",
    )
    return past, current, future


def run(*args):
    out = StringIO()
    call_command("consultation_events", *args, stdout=out)
    return out.getvalue()


def test_command_handles_due_events_and_says_which(stages_around_now):
    past, current, future = stages_around_now
    output = run()
    assert output == (
        f"legea-350 stage 1 “Prima etapă” (#{past.pk}): opened, closed\n"
        f"legea-350 stage 2 “A doua etapă” (#{current.pk}): opened\n"
        "Handled 3 stage event(s).\n"
    )
    assert processed(future) == (None, None)
    assert Proposal.objects.get(slug="legea-350").status == "in_consultation"
    assert run() == "Handled 0 stage event(s).\n"


def test_command_dry_run_changes_nothing(stages_around_now):
    past, current, _future = stages_around_now
    output = run("--dry-run")
    assert re.findall(r"^due: .*$", output, re.M) == [
        f"due: legea-350 stage 1 “Prima etapă” (#{past.pk}): opened, closed",
        f"due: legea-350 stage 2 “A doua etapă” (#{current.pk}): opened",
    ]
    assert output.endswith("2 stage(s) with events due.\n")
    assert processed(past) == (None, None)
    assert events_logged() == []
