"""Consultations and their stages: creating and changing them, cancelling, meeting minutes.

What a stage allows (changing, removing, cancelling) follows from its dates (`Stage.status_at`),
never from whether the scheduled task has recorded its opening or closing yet.
"""

from datetime import UTC, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations import outbox
from consultations.domain import checks
from consultations.domain.common import resolve_now
from consultations.domain.events import process_due_events, sync_proposal_status
from consultations.domain.meetings import attendance_count, held_at, set_capacity
from consultations.domain.periods import check_announcement, check_period
from consultations.models import (
    Consultation,
    Follow,
    MinutesVersion,
    Stage,
    StageKind,
    StageStatus,
)
from core import activity
from core.errors import DomainError
from core.permissions import require
from core.text import clean_text
from proposals.models import Proposal, ProposalStatus

# The rule every command here checks first (`consultations.manage`), with its refusal.
MANAGE = "consultations.manage"
EDITORS_ONLY = gettext_lazy("Only the organisation's editors and admins can run its consultation.")

# What of a meeting stage can change while the stage is open, until the meeting starts.
MEETING_DETAILS = {"meeting_at", "meeting_place", "meeting_link", "agenda"}

# --- Consultations ----------------------------------------------------------------------------


@transaction.atomic
def create_consultation(user, proposal, *, title, intro=""):
    """Open a consultation on a published proposal (one per proposal). Returns it.

    Side effects: locks the proposal's row; creates the consultation; a log row
    ("consultation.created", scoped to the proposal); `user` follows the consultation."""
    require(user, MANAGE, proposal, message=EDITORS_ONLY)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_public:
        raise DomainError(_("Publish the proposal before opening a consultation on it."))
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise DomainError(_("The proposal was withdrawn; it cannot be put to consultation."))
    if not proposal.is_editable:
        raise DomainError(
            _("The proposal is %(status)s; its consultation is over.")
            % {"status": proposal.get_status_display().lower()}
        )
    if Consultation.objects.filter(proposal=proposal).exists():
        raise DomainError(_("This proposal already has a consultation."))
    consultation = Consultation.objects.create(
        proposal=proposal,
        title=clean_text(title, field=_("The title"), required=True, max_length=300),
        intro=clean_text(intro, field=_("The introduction"), max_length=10000),
        created_by=user,
    )
    activity.record(user, "consultation.created", consultation, scope=proposal)
    Follow.objects.get_or_create(consultation=consultation, user=user)
    return consultation


@transaction.atomic
def change_consultation(user, consultation, *, title, intro=""):
    """Change a consultation's title and introduction. Returns the consultation.

    Side effects: saves the two fields; a log row ("consultation.changed", old → new title,
    the fields changed). Nothing is written when nothing changed."""
    consultation = (
        Consultation.objects.select_for_update().select_related("proposal").get(pk=consultation.pk)
    )
    require(user, MANAGE, consultation, message=EDITORS_ONLY)
    if consultation.proposal.status == ProposalStatus.WITHDRAWN:
        raise DomainError(_("The proposal was withdrawn; its consultation can no longer change."))
    title = clean_text(title, field=_("The title"), required=True, max_length=300)
    intro = clean_text(intro, field=_("The introduction"), max_length=10000)
    new = {"title": title, "intro": intro}
    changed = [name for name, value in new.items() if getattr(consultation, name) != value]
    if not changed:
        return consultation
    old_title = consultation.title
    consultation.title, consultation.intro = title, intro
    consultation.save(update_fields=["title", "intro"])
    activity.record(
        user,
        "consultation.changed",
        consultation,
        scope=consultation.proposal,
        old=old_title,
        new=title,
        data={"fields": changed},
    )
    return consultation


# --- Stages -----------------------------------------------------------------------------------


def _check_revision(consultation, kind, revision, position, current=None):
    if kind in StageKind.with_text() and revision is None:
        raise DomainError(_("A written-comments stage needs the revision under debate."))
    if revision is None:
        return
    if revision.proposal_id != consultation.proposal_id:
        raise DomainError(_("That revision belongs to another proposal."))
    if not revision.has_content and revision != current:
        raise DomainError(
            _("Revision %(n)s has no text yet; choose another.") % {"n": revision.number}
        )
    earlier = (
        consultation.stages.filter(position__lt=position, revision__isnull=False)
        .order_by("-position")
        .values_list("revision__number", flat=True)
        .first()
    )
    if earlier is not None and revision.number < earlier:
        raise DomainError(
            _(
                "An earlier stage debates revision %(earlier)s; a later stage cannot go back to "
                "revision %(number)s."
            )
            % {"earlier": earlier, "number": revision.number}
        )


def _check_substantiation(consultation, revision, substantiation):
    """The substantiation note must be a file of the proposal attached to the revision under
    debate. Side effects: none."""
    if substantiation is None:
        return
    if substantiation.proposal_id != consultation.proposal_id or (
        revision is not None and not revision.attachments.filter(pk=substantiation.pk).exists()
    ):
        raise DomainError(
            _("The substantiation note must be a file attached to the revision under debate."),
            code="substantiation",
        )


def _period_reason(consultation, kind, opens_at, closes_at, reason, adoption_on, note, revision):
    """The reason to store for a stage's period, once its dates meet the law (an announcement's
    also its documents). Side effects: none; raises `DomainError`."""
    if kind == StageKind.ANNOUNCEMENT:
        _check_substantiation(consultation, revision, note)
        return check_announcement(consultation, opens_at, closes_at, adoption_on, reason, note)
    return check_period(consultation, kind, opens_at, closes_at, reason)


STAGE_TEXT_FIELDS = {
    "title": 300,
    "description": 10000,
    "meeting_place": 300,
    "agenda": 10000,
}


def _stage_fields(fields):
    cleaned = {}
    labels = {
        "title": _("The title"),
        "description": _("The description"),
        "meeting_place": _("The place"),
        "agenda": _("The agenda"),
    }
    for name, limit in STAGE_TEXT_FIELDS.items():
        if name in fields:
            cleaned[name] = clean_text(
                fields[name], field=labels[name], required=name == "title", max_length=limit
            )
    for name in ("meeting_at", "meeting_link"):
        if name in fields:
            cleaned[name] = fields[name] or (None if name == "meeting_at" else "")
    return cleaned


@transaction.atomic
def add_stage(
    user,
    consultation,
    *,
    kind,
    title,
    opens_at,
    closes_at,
    revision=None,
    description="",
    short_period_reason="",
    meeting_at=None,
    meeting_place="",
    meeting_link="",
    agenda="",
    adoption_planned_on=None,
    substantiation=None,
    capacity=None,
    now=None,
):
    """Add a stage after the consultation's last one (also a new stage after the consultation
    closed). Returns the stage.

    Side effects: locks the consultation's row; creates the stage; a log row ("stage.added",
    with its kind, dates and revision). The stage's own opening is recorded when it comes, by
    the scheduled task."""
    now = resolve_now(now)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    require(user, MANAGE, consultation, message=EDITORS_ONLY)
    proposal = consultation.proposal
    if proposal.status == ProposalStatus.WITHDRAWN or not proposal.is_editable:
        raise DomainError(_("The proposal is no longer open to consultation."))
    if kind not in StageKind.values:
        raise DomainError(_("Choose the kind of stage."))
    if opens_at < now - timedelta(minutes=5):
        raise DomainError(_("A new stage cannot open in the past."))
    last = consultation.stages.order_by("-position").first()
    if last is not None and opens_at < last.opens_at:
        raise DomainError(
            _("Stages run in order: this stage cannot open before “%(title)s”.")
            % {"title": last.title}
        )
    position = (last.position + 1) if last else 1
    if kind not in StageKind.commentable():
        revision = revision if kind == StageKind.MEETING else None
    _check_revision(consultation, kind, revision, position)
    reason = clean_text(
        short_period_reason, field=_("The reason for the short period"), max_length=2000
    )
    if kind != StageKind.ANNOUNCEMENT:
        adoption_planned_on = substantiation = None
    reason = _period_reason(
        consultation,
        kind,
        opens_at,
        closes_at,
        reason,
        adoption_planned_on,
        substantiation,
        revision,
    )
    if kind == StageKind.MEETING and meeting_link and not meeting_link.startswith("https://"):
        raise DomainError(_("The online link must start with https://."))
    if kind != StageKind.MEETING:
        capacity = None
    elif capacity is not None and capacity < 1:
        raise DomainError(_("A meeting needs at least one place."), code="capacity")
    stage = Stage.objects.create(
        consultation=consultation,
        position=position,
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        revision=revision,
        short_period_reason=reason,
        adoption_planned_on=adoption_planned_on,
        substantiation=substantiation,
        capacity=capacity,
        created_by=user,
        **_stage_fields(
            {
                "title": title,
                "description": description,
                "meeting_at": meeting_at if kind == StageKind.MEETING else None,
                "meeting_place": meeting_place if kind == StageKind.MEETING else "",
                "meeting_link": meeting_link if kind == StageKind.MEETING else "",
                "agenda": agenda if kind == StageKind.MEETING else "",
            }
        ),
    )
    activity.record(
        user,
        "stage.added",
        stage,
        scope=proposal,
        new=stage.title,
        data={
            "kind": kind,
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
            "revision": revision.number if revision else None,
            # An announcement: its planned adoption and its substantiation note.
            **(
                {
                    "adoption_planned_on": adoption_planned_on.isoformat(),
                    "substantiation": substantiation.pk,
                }
                if kind == StageKind.ANNOUNCEMENT
                else {}
            ),
        },
    )
    return stage


@transaction.atomic
def change_stage(user, stage, *, now=None, **fields):
    """Change a stage. Before it opens everything can change; while it is open only the
    description and a later closing date; once closed or cancelled, nothing (minutes excepted,
    see `publish_minutes`). A meeting's number of places (`capacity`) changes as
    `meetings.set_capacity` changes it: until the meeting starts, never below the seats given,
    more places going to the people waiting. While the stage is open, its meeting can only move
    to a time still to come and its time cannot be removed; a new online link is an https://
    address (`_check_meeting_details`). Returns the stage.

    Side effects: locks the stage's row; saves the fields and bumps its threads version (the
    SEQUENCE of its calendar event); a log row ("stage.changed", old and new title and dates);
    when a meeting's date, place or link changes, a log row ("meeting.changed", old and new)
    and, after commit, one email to each person registered or waiting; those of
    `set_capacity` when the number of places changes."""
    now = resolve_now(now)
    capacity_given = "capacity" in fields
    capacity = fields.pop("capacity", None)
    stage = (
        Stage.objects.select_for_update().select_related("consultation__proposal").get(pk=stage.pk)
    )
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    checks.check_stage_change(stage, now)
    status = stage.status_at(now)
    if status == StageStatus.OPEN:
        allowed = {"description", "closes_at", "short_period_reason", "adoption_planned_on"}
        if stage.kind == StageKind.MEETING and held_at(stage) > now:
            # A meeting still to come can be moved, or held elsewhere.
            allowed |= MEETING_DETAILS
        changed = {
            name
            for name, value in fields.items()
            if name not in allowed and _differs(getattr(stage, name), value)
        }
        if changed:
            raise DomainError(
                _(
                    "The stage is open: only its description and closing date can change "
                    "(the closing date only to a later one), and a meeting's date and place "
                    "until it starts."
                )
            )
        if "closes_at" in fields and fields["closes_at"] < stage.closes_at:
            raise DomainError(_("An open stage can only be extended, not shortened."))
    if stage.kind == StageKind.MEETING:
        _check_meeting_details(stage, status, fields, now)
    old = {
        "title": stage.title,
        "opens_at": stage.opens_at.isoformat(),
        "closes_at": stage.closes_at.isoformat(),
    }
    old_meeting = meeting_details(stage)
    opens_at = fields.get("opens_at", stage.opens_at)
    closes_at = fields.get("closes_at", stage.closes_at)
    if status == StageStatus.SCHEDULED and opens_at < now - timedelta(minutes=5):
        raise DomainError(_("A stage cannot be moved to open in the past."))
    revision = fields.get("revision", stage.revision)
    if status == StageStatus.SCHEDULED:
        _check_revision(
            stage.consultation, stage.kind, revision, stage.position, current=stage.revision
        )
    reason = clean_text(
        fields.get("short_period_reason", stage.short_period_reason),
        field=_("The reason for the short period"),
        max_length=2000,
    )
    adoption_on = fields.get("adoption_planned_on", stage.adoption_planned_on)
    note = fields.get("substantiation", stage.substantiation)
    stage.short_period_reason = _period_reason(
        stage.consultation, stage.kind, opens_at, closes_at, reason, adoption_on, note, revision
    )
    if stage.kind == StageKind.ANNOUNCEMENT:
        stage.adoption_planned_on, stage.substantiation = adoption_on, note
    for name, value in _stage_fields(fields).items():
        setattr(stage, name, value)
    stage.opens_at, stage.closes_at, stage.revision = opens_at, closes_at, revision
    stage.comments_version = F("comments_version") + 1
    stage.save()
    stage.refresh_from_db()
    activity.record(
        user,
        "stage.changed",
        stage,
        scope=stage.consultation.proposal,
        new=stage.title,
        data={
            "old": old,
            "new": {
                "title": stage.title,
                "opens_at": stage.opens_at.isoformat(),
                "closes_at": stage.closes_at.isoformat(),
            },
        },
    )
    if stage.kind == StageKind.MEETING:
        new_meeting = meeting_details(stage)
        if new_meeting != old_meeting:
            entry = activity.record(
                user,
                "meeting.changed",
                stage,
                scope=stage.consultation.proposal,
                old=old_meeting["meeting_at"] or "",
                new=new_meeting["meeting_at"] or "",
                data={"old": old_meeting, "new": new_meeting},
            )
            outbox.meeting_changed(entry)
        if capacity_given and capacity != stage.capacity:
            stage = set_capacity(user, stage, capacity, now=now)
    return stage


def _check_meeting_details(stage, status, fields, now):
    """A meeting's new time and link: an open stage's meeting cannot be moved into the past nor
    lose its time once set; an online link is an https:// address. Side effects: none."""
    link = fields.get("meeting_link")
    if link and _differs(stage.meeting_link, link) and not link.startswith("https://"):
        raise DomainError(_("The online link must start with https://."), code="meeting_link")
    if status != StageStatus.OPEN or "meeting_at" not in fields:
        return
    meeting_at = fields["meeting_at"]
    if not _differs(stage.meeting_at, meeting_at):
        return
    if meeting_at is None:
        if stage.meeting_at is not None:
            raise DomainError(
                _("The stage is open: the meeting's date can be moved but not removed."),
                code="meeting_at",
            )
    elif meeting_at <= now:
        raise DomainError(
            _("The stage is open: the meeting can only be moved to a time still to come."),
            code="meeting_at",
        )


def meeting_details(stage):
    """What people registered for a meeting are told about when it changes: when it is held
    (ISO), its place and online link. Side effects: none."""
    return {
        "meeting_at": held_at(stage).isoformat(),
        "meeting_place": stage.meeting_place,
        "meeting_link": stage.meeting_link,
    }


def _differs(current, new):
    if hasattr(current, "pk") or hasattr(new, "pk"):
        return getattr(current, "pk", current) != getattr(new, "pk", new)
    return (current or "") != (new or "")


@transaction.atomic
def remove_stage(user, stage, *, now=None):
    """Remove a stage that has not opened yet (an opened one is cancelled instead).

    Side effects: locks the stage's row; a log row ("stage.removed", on the
    proposal, with the stage's title); deletes the stage; the later stages move up one
    position."""
    now = resolve_now(now)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    checks.check_stage_remove(stage, now)
    proposal = stage.consultation.proposal
    activity.record(user, "stage.removed", proposal, scope=proposal, old=stage.title)
    later = list(stage.consultation.stages.filter(position__gt=stage.position).order_by("position"))
    stage.delete()
    for other in later:
        Stage.objects.filter(pk=other.pk).update(position=other.position - 1)


@transaction.atomic
def cancel_stage(user, stage, reason, *, now=None):
    """Cancel a scheduled or open stage, with a public reason. Returns the stage.

    Side effects: locks the stage's row; saves the cancellation and bumps its threads
    version; a log row ("stage.cancelled", old status → cancelled, the reason); moves the
    proposal's status (`events.sync_proposal_status`); queues the followers' emails."""
    now = resolve_now(now)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    checks.check_stage_cancel(stage, now)
    status = stage.status_at(now)
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=2000)
    stage.cancelled_at = now
    stage.cancellation_reason = reason
    stage.comments_version = F("comments_version") + 1
    stage.save(update_fields=["cancelled_at", "cancellation_reason", "comments_version"])
    stage.refresh_from_db()
    activity.record(
        user,
        "stage.cancelled",
        stage,
        scope=stage.consultation.proposal,
        old=status,
        new=StageStatus.CANCELLED,
        data={"reason": reason},
    )
    sync_proposal_status(stage.consultation, now)
    outbox.stage_cancelled(stage)
    return stage


@transaction.atomic
def close_stage_early(user, stage, reason="", *, now=None):
    """Close an open stage now, before its planned date. The reason is public; it is required
    when the period the stage lasted is shorter than the law expects, and Bulgarian law never
    allows less than 14 days (`periods.check_period`). Returns the stage.

    Side effects: locks the stage's row; `closes_at` becomes `now`, the planned closing and the
    reason are kept on the stage; a log row ("stage.closed_early", planned → actual closing, the
    reason); the closing is recorded at once, as the scheduled task would record it
    (`events.process_due_events`: its log row, the proposal's status, the followers' emails,
    which give the reason)."""
    now = resolve_now(now)
    stage = (
        Stage.objects.select_for_update(of=("self",))
        .select_related("consultation__proposal__organization")
        .get(pk=stage.pk)
    )
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    checks.check_close_early(stage, now)
    reason = clean_text(reason, field=_("The reason"), max_length=2000)
    _period_reason(
        stage.consultation,
        stage.kind,
        stage.opens_at,
        now,
        reason,
        stage.adoption_planned_on,
        stage.substantiation,
        stage.revision,
    )
    planned = stage.closes_at
    stage.planned_closes_at, stage.closes_at, stage.closed_early_reason = planned, now, reason
    stage.save(update_fields=["planned_closes_at", "closes_at", "closed_early_reason"])
    activity.record(
        user,
        "stage.closed_early",
        stage,
        scope=stage.consultation.proposal,
        old=planned.astimezone(UTC).isoformat(),
        new=now.astimezone(UTC).isoformat(),
        data={"reason": reason},
    )
    process_due_events(consultation=stage.consultation, now=now)
    stage.refresh_from_db()
    return stage


@transaction.atomic
def publish_minutes(user, stage, *, minutes, participants=None, reason="", now=None):
    """Publish (or correct) the minutes of a public meeting that has taken place. Every
    publication is a version that stays readable; sending the same minutes, count and reason
    again adds nothing. Returns the stage.

    The number of participants comes from the attendance when it was taken (the registrations
    marked present): `participants` None takes that number, and another number needs a
    `reason`, kept with the version. Without attendance, the number is given by hand.

    Side effects: locks the stage's row; a `MinutesVersion` (the next number, with the
    attendance count and the reason); the stage's current minutes, participants and version
    number, and, the first time, the publication moment; a log row
    ("stage.minutes_published", with the number of participants, the version, whether it is
    the first publication, the attendance count and the reason)."""
    now = resolve_now(now)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    checks.check_minutes(stage, now)
    minutes = clean_text(minutes, field=_("The minutes"), required=True, max_length=100000)
    reason = clean_text(reason, field=_("The reason"), max_length=2000)
    present, taken = attendance_count(stage)
    attendance = present if taken else None
    if participants is None:
        if attendance is None:
            raise DomainError(_("Give the number of participants."), code="participants")
        participants = attendance
    if participants < 0:
        raise DomainError(_("Give the number of participants."), code="participants")
    if attendance is None or participants == attendance:
        reason = ""
    elif not reason:
        raise DomainError(
            _("%(present)s people were marked present; say why the minutes give %(participants)s.")
            % {"present": attendance, "participants": participants},
            code="reason",
        )
    first = stage.minutes_published_at is None
    current = stage.minutes_versions.order_by("-number").first() if not first else None
    if current is not None and (
        current.minutes,
        current.participants,
        current.attendance,
        current.participants_reason,
    ) == (minutes, participants, attendance, reason):
        return stage
    stage.minutes_version += 1
    MinutesVersion.objects.create(
        stage=stage,
        number=stage.minutes_version,
        minutes=minutes,
        participants=participants,
        attendance=attendance,
        participants_reason=reason,
        published_at=now,
        published_by=user,
    )
    stage.minutes, stage.participants = minutes, participants
    stage.minutes_published_at = stage.minutes_published_at or now
    stage.minutes_corrected_at = None if first else now
    stage.save(
        update_fields=[
            "minutes",
            "participants",
            "minutes_published_at",
            "minutes_version",
            "minutes_corrected_at",
        ]
    )
    activity.record(
        user,
        "stage.minutes_published",
        stage,
        scope=stage.consultation.proposal,
        new=participants,
        data={
            "first": first,
            "version": stage.minutes_version,
            "attendance": attendance,
            "reason": reason,
        },
    )
    return stage
