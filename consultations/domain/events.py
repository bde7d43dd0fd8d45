"""Stage events: recording that a stage opened or closed, and what follows.

A stage opens and closes by its dates; pages derive its status (and the proposal's, see
`queries.proposal_status_at`) without writing. What follows an opening or a closing — the
stage's `opening_processed_at`/`closing_processed_at`, its log rows, the proposal's move to
"in consultation" or "consultation closed", the followers' emails — is recorded here, by:

- the scheduled task (`consultations.tasks.process_stage_events`, Celery beat every five
  minutes) and the `consultation_events` command, for every consultation;
- the domain functions whose checks depend on the proposal's recorded status (submitting the
  proposal to its authority, `registrations.domain.submit_proposal`), for their own
  consultation, first, in their own transaction.

The stage commands (`stages`, `synthesis`) need none of it: what they allow follows from the
stages' dates.

Each event is handled once, whoever gets there first.
"""

from django.db import transaction
from django.db.models import F

from consultations import outbox
from consultations.domain.common import resolve_now
from consultations.domain.queries import consultation_status_moves, due_stage_events
from consultations.models import Consultation, Stage
from core import activity
from proposals.models import Proposal, ProposalStatus


def sync_proposal_status(consultation, now):
    """Move the proposal's status to what its stages' dates call for at `now`
    (`queries.consultation_status_moves`).

    Side effects: locks the proposal's row; saves its new status; one log row per move
    ("proposal.consultation_opened", "proposal.consultation_closed"), by the system. Call it
    inside a transaction."""
    proposal = Proposal.objects.select_for_update().get(pk=consultation.proposal_id)
    stages = list(consultation.stages.all())
    for target in consultation_status_moves(proposal.status, stages, now):
        old = proposal.status
        proposal.status = target
        proposal.save(update_fields=["status"])
        activity.record(
            None,
            "proposal.consultation_opened"
            if target == ProposalStatus.IN_CONSULTATION
            else "proposal.consultation_closed",
            proposal,
            old=old,
            new=target,
        )


def process_due_events(consultation=None, proposal=None, now=None):
    """Record the openings and closings due at `now` of one consultation's stages — the
    consultation given, or the one of `proposal` (none: nothing to do) — or, with neither, of
    every consultation. Returns the number of events handled.

    Call it first in any command that checks or moves the proposal's status in relation to its
    stages, inside that command's transaction, so that the check sees the status the dates
    call for. For example, submitting a proposal to its authority needs the closing of its last
    stage recorded (the proposal is then "consultation closed", which can be submitted):
    `process_due_events(proposal=proposal, now=now)`, before the proposal's row is locked
    (locks are taken stage first, then proposal, as the scheduled task does). When that
    transaction rolls back, so do the events, and the scheduled task records them later.

    Side effects, per stage with an event due (under its row lock, taken before the proposal's):
    sets `opening_processed_at`/`closing_processed_at` to `now`; bumps the stage's
    threads version; one log row per event ("stage.opened", "stage.closed", by the system);
    moves the proposal's status (`sync_proposal_status`: its row lock, its log rows); queues the
    followers' emails for after commit ("open for comments" only if the stage is still open at
    `now`, "closed"). Idempotent."""
    now = resolve_now(now)
    if consultation is None and proposal is not None:
        consultation = Consultation.objects.filter(proposal=proposal).first()
        if consultation is None:
            return 0
    if consultation is None:
        # Every consultation: one transaction per stage, so that a run never holds many locks.
        handled = 0
        for stage_id in list(due_stage_events(now).values_list("pk", flat=True)):
            with transaction.atomic():
                handled += _process_stage(stage_id, now)
        return handled
    with transaction.atomic():
        # The caller's transaction keeps these locks until it ends: take every due stage's
        # before the proposal's (`sync_proposal_status`), as the scheduled task takes a stage's
        # before its proposal's, so that the two never wait for each other.
        stage_ids = list(
            due_stage_events(now, consultation=consultation)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        return sum(_process_stage(stage_id, now) for stage_id in stage_ids)


def process_stage_events(now=None):
    """Record the openings and closings of every consultation's stages due at `now`: what the
    scheduled task and the `consultation_events` command run. Returns the number of events
    handled. Side effects: those of `process_due_events`, for every stage with an event due."""
    return process_due_events(now=now)


def _process_stage(stage_id, now):
    stage = (
        Stage.objects.select_for_update(of=("self",))
        .select_related("consultation__proposal__organization", "revision")
        .get(pk=stage_id)
    )
    if stage.cancelled_at is not None:
        return 0
    # Read again under the lock: another run may have handled it meanwhile.
    events = []
    if stage.opening_processed_at is None and stage.opens_at <= now:
        stage.opening_processed_at = now
        events.append("opened")
    if stage.closing_processed_at is None and stage.closes_at <= now:
        stage.closing_processed_at = now
        events.append("closed")
    if not events:
        return 0
    stage.comments_version = F("comments_version") + 1
    stage.save(update_fields=["opening_processed_at", "closing_processed_at", "comments_version"])
    stage.refresh_from_db()
    proposal = stage.consultation.proposal
    for event in events:
        activity.record(None, f"stage.{event}", stage, scope=proposal)
    sync_proposal_status(stage.consultation, now)
    if "opened" in events and stage.closes_at > now:
        outbox.stage_opened(stage)
    if "closed" in events:
        outbox.stage_closed(stage)
    return len(events)
