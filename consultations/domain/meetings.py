"""Public meetings with registration: seats, the waiting list, cancellations, the reminder of the
day before and attendance.

A meeting stage takes registrations from signed-in participants until the meeting starts
(`held_at`: its date and time, or the stage's opening when it has none). With a capacity, the
seats go in order of registration and the others wait; a seat given up goes to the first person
waiting, who is emailed. Every command that counts seats locks the stage's row first, so two
people registering for the last seat at once are served one after the other (the second waits);
a partial unique constraint keeps one active registration per person and meeting.

Attendance is marked by the organisers once the meeting has started; the number of participants
in the minutes comes from it (`stages.publish_minutes`).
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import RespondentCategory
from consultations import outbox
from consultations.domain.common import bump_comments_version, locked_stage, resolve_now
from consultations.models import (
    REGISTRATION_TRANSITIONS,
    MeetingRegistration,
    RegistrationStatus,
    StageKind,
)
from core import activity
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from core.text import clean_text

REGISTER = "consultations.register_meeting"
CANCEL = "consultations.cancel_registration"
MANAGE = "consultations.manage"
PARTICIPANTS_ONLY = gettext_lazy(
    "Sign in with a confirmed email address to register for the meeting."
)
OWN_ONLY = gettext_lazy("Only the person who registered can cancel the registration.")
EDITORS_ONLY = gettext_lazy("Only the organisation's editors and admins can run its consultation.")

# How long before the meeting the reminder goes out.
REMINDER_AHEAD = timedelta(hours=24)


def held_at(stage):
    """When the meeting takes place: its date and time, else the stage's opening.
    Side effects: none."""
    return stage.meeting_at or stage.opens_at


# --- Checks (read-only; pages ask them through `core.permissions.passes`) ----------------------


def check_takes_registrations(stage, now=None):
    """A meeting that has not started and was not cancelled takes registrations.
    Side effects: none."""
    now = resolve_now(now)
    if stage.kind != StageKind.MEETING:
        raise DomainError(_("Only a public meeting takes registrations."))
    if stage.cancelled_at is not None:
        raise InvalidTransition(_("The meeting was cancelled."), code="cancelled")
    if held_at(stage) <= now:
        raise InvalidTransition(
            _("The meeting has started; registrations are closed."), code="started"
        )


def check_cancel_registration(registration, now=None):
    """An active registration of a meeting that has not started can be cancelled.
    Side effects: none."""
    now = resolve_now(now)
    if RegistrationStatus.CANCELLED not in REGISTRATION_TRANSITIONS[registration.status]:
        raise InvalidTransition(
            _("This registration was already cancelled."), code=registration.status
        )
    if held_at(registration.stage) <= now:
        raise InvalidTransition(
            _("The meeting has started; the registration can no longer be cancelled."),
            code="started",
        )


def check_attendance(stage, now=None):
    """Attendance is marked once the meeting has started, unless it was cancelled.
    Side effects: none."""
    now = resolve_now(now)
    if stage.kind != StageKind.MEETING:
        raise DomainError(_("Only a public meeting has an attendance list."))
    if stage.cancelled_at is not None:
        raise InvalidTransition(_("The meeting was cancelled."), code="cancelled")
    if held_at(stage) > now:
        raise InvalidTransition(
            _("Attendance can be marked once the meeting has started."), code="scheduled"
        )


def check_capacity_change(stage, now=None):
    """The number of places changes until the meeting starts. Side effects: none."""
    check_takes_registrations(stage, now)


# --- Queries (read-only) ----------------------------------------------------------------------


def seat_counts(stage):
    """{"registered": n, "waiting": n, "present": n, "marked": n} of the stage's registrations,
    in one query. Side effects: none."""
    return MeetingRegistration.objects.filter(stage=stage).aggregate(
        registered=Count("pk", filter=Q(status=RegistrationStatus.REGISTERED)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
        present=Count("pk", filter=Q(attended=True)),
        marked=Count("pk", filter=Q(attended__isnull=False)),
    )


def attendance_count(stage):
    """(people marked present, whether attendance was taken at all). Side effects: none."""
    counts = seat_counts(stage)
    return counts["present"], counts["marked"] > 0


def active_registration(user, stage):
    """The user's registration (seat or waiting list) for the meeting, or None.
    Side effects: none."""
    if user is None or not user.is_authenticated:
        return None
    return MeetingRegistration.objects.filter(
        stage=stage, user=user, status__in=RegistrationStatus.active()
    ).first()


def waiting_position(registration):
    """The place of a waiting registration on the list (1 is next), or None.
    Side effects: none."""
    if registration is None or registration.status != RegistrationStatus.WAITING:
        return None
    return (
        MeetingRegistration.objects.filter(
            stage_id=registration.stage_id, status=RegistrationStatus.WAITING
        )
        .filter(
            Q(created_at__lt=registration.created_at)
            | Q(created_at=registration.created_at, pk__lt=registration.pk)
        )
        .count()
        + 1
    )


def public_attendance(stage):
    """The attendance list as it may be shown to anyone: one row per person marked present, in
    order of registration, with their name and organisation only when they agreed to show them
    (their respondent category always: it is asked for the consultation's figures).
    Side effects: none."""
    rows = []
    present = MeetingRegistration.objects.filter(stage=stage, attended=True).order_by(
        "created_at", "pk"
    )
    for registration in present:
        rows.append(
            {
                "name": registration.name if registration.show_name else "",
                "organization": registration.organization if registration.show_name else "",
                "category": registration.category,
                "named": registration.show_name,
            }
        )
    return rows


# --- Commands ---------------------------------------------------------------------------------


def _record(actor, verb, registration, stage, *, old="", new="", data=None):
    # Scoped to the stage, not the proposal: the proposal's public history does not list who
    # registered for its meetings.
    activity.record(actor, verb, registration, scope=stage, old=old, new=new, data=data)


def _fill_seats(stage, now):
    """Give free seats to the people waiting, first come first served. Returns the promoted
    registrations. The caller holds the stage's lock.

    Side effects: the registrations' status and `promoted_at`; a log row each
    ("meeting.promoted", by the system); their emails, after commit."""
    waiting = MeetingRegistration.objects.filter(
        stage=stage, status=RegistrationStatus.WAITING
    ).order_by("created_at", "pk")
    if stage.capacity is not None:
        taken = MeetingRegistration.objects.filter(
            stage=stage, status=RegistrationStatus.REGISTERED
        ).count()
        free = max(stage.capacity - taken, 0)
        waiting = waiting[:free] if free else waiting.none()
    promoted = []
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        _record(
            None,
            "meeting.promoted",
            registration,
            stage,
            old=RegistrationStatus.WAITING,
            new=RegistrationStatus.REGISTERED,
        )
        outbox.meeting_promoted(registration)
        promoted.append(registration)
    return promoted


@transaction.atomic
def register_for_meeting(
    user, stage, *, name, organization="", category="", show_name=False, now=None
):
    """Register `user` for the meeting: a seat when one is free (or there is no limit), else a
    place on the waiting list. Returns the registration.

    Side effects: locks the stage's row; creates the registration; bumps the stage's version
    (its page shows the seats taken); a log row ("meeting.registered" or
    "meeting.waiting_listed", scoped to the stage); the confirmation email, after commit."""
    now = resolve_now(now)
    require(user, REGISTER, stage, message=PARTICIPANTS_ONLY)
    stage = locked_stage(stage)
    check_takes_registrations(stage, now)
    if active_registration(user, stage) is not None:
        raise DomainError(_("You are already registered for this meeting."), code="duplicate")
    name = clean_text(name, field=_("The name"), required=True, max_length=80)
    organization = clean_text(organization, field=_("The organisation"), max_length=200)
    if category not in RespondentCategory.values:
        raise DomainError(_("Choose a respondent category."), code="category")
    taken = MeetingRegistration.objects.filter(
        stage=stage, status=RegistrationStatus.REGISTERED
    ).count()
    full = stage.capacity is not None and taken >= stage.capacity
    try:
        with transaction.atomic():
            registration = MeetingRegistration.objects.create(
                stage=stage,
                user=user,
                name=name,
                organization=organization,
                category=category,
                show_name=bool(show_name),
                status=RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED,
                created_at=now,
            )
    except IntegrityError:  # the same person, registering twice at once
        raise DomainError(
            _("You are already registered for this meeting."), code="duplicate"
        ) from None
    _record(
        user,
        "meeting.waiting_listed" if full else "meeting.registered",
        registration,
        stage,
        new=registration.status,
    )
    bump_comments_version(stage)
    outbox.meeting_registered(registration)
    return registration


@transaction.atomic
def cancel_registration(user, registration, *, now=None):
    """Cancel a registration (its owner, before the meeting starts). A seat given up goes to
    the first person waiting. Returns the registration.

    Side effects: locks the stage's row, then the registration's; its status and
    `cancelled_at`; a log row ("meeting.registration_cancelled", old status → cancelled); the
    promotions of `_fill_seats` (their log rows and emails); bumps the stage's version."""
    now = resolve_now(now)
    require(user, CANCEL, registration, message=OWN_ONLY)
    stage = locked_stage(registration.stage)
    registration = MeetingRegistration.objects.select_for_update().get(pk=registration.pk)
    registration.stage = stage
    check_cancel_registration(registration, now)
    _cancel(user, registration, stage, now)
    return registration


def _cancel(actor, registration, stage, now):
    """Cancel `registration` (its `stage` locked): status and time, a log row by `actor` (None:
    the account's erasure), a freed seat given to the first person waiting, the stage's
    version moved on."""
    old = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at"])
    _record(
        actor,
        "meeting.registration_cancelled",
        registration,
        stage,
        old=old,
        new=RegistrationStatus.CANCELLED,
    )
    if old == RegistrationStatus.REGISTERED:
        _fill_seats(stage, now)
    bump_comments_version(stage)


@transaction.atomic
def set_capacity(user, stage, capacity, *, now=None):
    """Set the number of places (None: no limit) until the meeting starts. It cannot go below
    the seats already given; more places go to the people waiting. Returns the stage.

    Side effects: locks the stage's row; saves `capacity`; a log row
    ("meeting.capacity_changed", old → new); the promotions of `_fill_seats`; bumps the stage's
    version. Nothing is written when the number does not change."""
    now = resolve_now(now)
    stage = locked_stage(stage)
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    check_capacity_change(stage, now)
    if capacity is not None and capacity < 1:
        raise DomainError(_("A meeting needs at least one place."), code="capacity")
    if capacity == stage.capacity:
        return stage
    taken = MeetingRegistration.objects.filter(
        stage=stage, status=RegistrationStatus.REGISTERED
    ).count()
    if capacity is not None and capacity < taken:
        raise DomainError(
            _(
                "%(taken)s people already have a seat; the meeting cannot have fewer places "
                "than that."
            )
            % {"taken": taken},
            code="capacity",
        )
    old = stage.capacity
    stage.capacity = capacity
    stage.save(update_fields=["capacity"])
    activity.record(
        user,
        "meeting.capacity_changed",
        stage,
        scope=stage,
        old="" if old is None else old,
        new="" if capacity is None else capacity,
    )
    _fill_seats(stage, now)
    bump_comments_version(stage)
    stage.refresh_from_db()
    return stage


@transaction.atomic
def mark_attendance(user, stage, present, *, now=None):
    """Mark who attended: the active registrations (seats and waiting list) whose ids are in
    `present` attended, the others did not. Returns the number of registrations changed.

    Side effects: locks the stage's row; the changed registrations' `attended` and
    `attendance_marked_at`; one log row each ("meeting.attendance_marked", old → new); bumps the
    stage's version. Nothing is written for a registration whose mark does not change."""
    now = resolve_now(now)
    stage = locked_stage(stage)
    require(user, MANAGE, stage, message=EDITORS_ONLY)
    check_attendance(stage, now)
    present = {int(pk) for pk in present}
    changes = []
    for registration in MeetingRegistration.objects.filter(
        stage=stage, status__in=RegistrationStatus.active()
    ).order_by("pk"):
        value = registration.pk in present
        if registration.attended is value:
            continue
        old = registration.attended
        registration.attended = value
        registration.attendance_marked_at = now
        registration.save(update_fields=["attended", "attendance_marked_at"])
        changes.append(
            (registration, "" if old is None else str(old).lower(), str(value).lower(), {})
        )
    if changes:
        activity.record_many(user, "meeting.attendance_marked", changes, scope=stage)
        bump_comments_version(stage)
    return len(changes)


def reminders_due(now):
    """Seats whose meeting starts within `REMINDER_AHEAD` and who were not reminded yet.
    Side effects: none."""
    return (
        MeetingRegistration.objects.annotate(
            held=Coalesce(F("stage__meeting_at"), F("stage__opens_at"))
        )
        .filter(
            status=RegistrationStatus.REGISTERED,
            reminded_at__isnull=True,
            stage__kind=StageKind.MEETING,
            stage__cancelled_at__isnull=True,
            held__gt=now,
            held__lte=now + REMINDER_AHEAD,
        )
        .order_by("pk")
    )


def send_meeting_reminders(now=None):
    """Email the reminder of the day before to every seat of a meeting starting within 24
    hours, once: what the scheduled task and the `meeting_reminders` command run. Returns the
    number of reminders queued.

    Side effects, per registration: `reminded_at` set by a conditional update (a second run, or
    a run at the same time, finds it set and sends nothing); its email, after commit."""
    now = resolve_now(now)
    sent = 0
    for pk in list(reminders_due(now).values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = MeetingRegistration.objects.filter(
                pk=pk, reminded_at__isnull=True, status=RegistrationStatus.REGISTERED
            ).update(reminded_at=now)
            if claimed:
                outbox.meeting_reminder(pk)
                sent += 1
    return sent


@transaction.atomic
def release_seats_of(user, *, now=None):
    """Cancel the active registrations of `user` for meetings that have not started (their
    account is being deleted): their seats go to the people waiting. Returns how many.

    Side effects, per registration: as `cancel_registration` (by the system)."""
    now = resolve_now(now)
    released = 0
    active = MeetingRegistration.objects.filter(
        user=user, status__in=RegistrationStatus.active()
    ).select_related("stage")
    for registration in list(active):
        if held_at(registration.stage) <= now:
            continue
        _cancel(None, registration, locked_stage(registration.stage), now)
        released += 1
    return released
