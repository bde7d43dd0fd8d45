"""Public debates on request (Law 52/2003 art. 7): on an authority's draft, a verified NGO asks
in writing for a public debate; the authority schedules a public meeting stage or refuses with a
public reason, within `DEBATE_ANSWER_DAYS` calendar days (`due_on`).

The request, its answer and their dates are part of the record: nothing here deletes a request,
and an answered one keeps its answer (a scheduled debate whose meeting was cancelled can be
scheduled again).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import outbox
from consultations.domain.common import resolve_now
from consultations.models import (
    DEBATE_ANSWER_DAYS,
    Consultation,
    DebateRequest,
    DebateStatus,
    StageKind,
    StageStatus,
)
from core import activity
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from core.text import clean_text
from proposals.models import ProposalStatus

ACTIVE = [DebateStatus.PENDING, DebateStatus.SCHEDULED]

# --- Read-only --------------------------------------------------------------------------------


def due_on(request):
    """The last day (in the authority's zone) the authority's answer counts as in time: the
    `DEBATE_ANSWER_DAYS`th calendar day after the day of the request. Side effects: none."""
    zone = request.consultation.proposal.organization.zone
    return timezone.localtime(request.requested_at, zone).date() + timedelta(
        days=DEBATE_ANSWER_DAYS
    )


def is_overdue(request, now=None):
    """A pending request whose answer is late: the due day has passed. Side effects: none."""
    now = resolve_now(now)
    zone = request.consultation.proposal.organization.zone
    return request.is_pending and timezone.localtime(now, zone).date() > due_on(request)


def answered_late(request):
    """An answered request whose answer came after its due day. Side effects: none."""
    if request.answered_at is None:
        return False
    zone = request.consultation.proposal.organization.zone
    return timezone.localtime(request.answered_at, zone).date() > due_on(request)


def open_announcement(consultation, now=None):
    """The consultation's announcement stage open at `now`, or None. Side effects: none."""
    now = resolve_now(now)
    for stage in consultation.stages.filter(kind=StageKind.ANNOUNCEMENT).order_by("position"):
        if stage.status_at(now) == StageStatus.OPEN:
            return stage
    return None


def check_debate_requestable(consultation, organization=None, now=None):
    """A public debate can be requested on `consultation` now (by `organization`, when given):
    an authority's public draft, not withdrawn, whose announcement is open (requests come during
    the recommendations period), with no active request of the organisation already.
    Side effects: none."""
    now = resolve_now(now)
    proposal = consultation.proposal
    if not (proposal.organization.is_authority and proposal.is_authority_draft):
        raise DomainError(
            _("A public debate is requested on an authority's own draft."), code="not_authority"
        )
    if not proposal.is_public or proposal.status == ProposalStatus.WITHDRAWN:
        raise InvalidTransition(_("This draft is not open to debate."), code="not_open")
    if open_announcement(consultation, now) is None:
        raise InvalidTransition(
            _("A public debate can be requested while the draft's recommendations period is open."),
            code="no_open_announcement",
        )
    if (
        organization is not None
        and DebateRequest.objects.filter(
            consultation=consultation, organization=organization, status__in=ACTIVE
        ).exists()
    ):
        raise InvalidTransition(
            _("%(organization)s has already requested a public debate on this draft.")
            % {"organization": organization.name},
            code="already_requested",
        )


def check_debate_answerable(request):
    """A pending request can be answered; a scheduled one again only when its meeting was
    cancelled. Side effects: none."""
    if request.status == DebateStatus.PENDING:
        return
    if (
        request.status == DebateStatus.SCHEDULED
        and request.meeting is not None
        and request.meeting.cancelled_at is not None
    ):
        return
    raise InvalidTransition(_("This request has already been answered."), code=request.status)


def check_debate_withdrawable(request):
    """A request is withdrawn by its organisation only while it waits for the authority's
    answer. Side effects: none."""
    if request.status != DebateStatus.PENDING:
        raise InvalidTransition(
            _("Only a request still waiting for the authority's answer can be withdrawn."),
            code=request.status,
        )


def meetings_for(consultation, now=None):
    """The consultation's public meeting stages a debate can be scheduled as: not cancelled,
    not held yet. Side effects: none."""
    now = resolve_now(now)
    return [
        stage
        for stage in consultation.stages.filter(kind=StageKind.MEETING, cancelled_at__isnull=True)
        if (stage.meeting_at or stage.opens_at) > now
    ]


# --- Commands ---------------------------------------------------------------------------------


def _lock(request):
    return (
        DebateRequest.objects.select_for_update(of=("self",))
        .select_related("consultation__proposal__organization", "meeting", "organization")
        .get(pk=request.pk)
    )


@transaction.atomic
def request_debate(user, consultation, organization, *, message="", now=None):
    """`organization` (a verified NGO, `user` one of its editors or admins) asks in writing for
    a public debate on an authority's draft. Returns the request.

    Side effects: locks the consultation's row; creates the request (dated `now`); a log row
    ("debate.requested", scoped to the proposal); the authority's admins are emailed after
    commit."""
    now = resolve_now(now)
    require(
        user,
        "consultations.request_debate",
        organization,
        message=_("Only the editors and admins of a verified NGO can request a public debate."),
    )
    consultation = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("proposal__organization")
        .get(pk=consultation.pk)
    )
    check_debate_requestable(consultation, organization, now)
    message = clean_text(message, field=_("The request"), max_length=5000)
    request = DebateRequest.objects.create(
        consultation=consultation,
        organization=organization,
        message=message,
        requested_at=now,
        requested_by=user,
    )
    activity.record(
        user,
        "debate.requested",
        request,
        scope=consultation.proposal,
        new=DebateStatus.PENDING,
        data={"organization": organization.pk, "due_on": due_on(request).isoformat()},
    )
    outbox.queue("debate_requested", request.pk)
    return request


@transaction.atomic
def schedule_debate(user, request, meeting, *, now=None):
    """The authority answers a request by holding the debate as `meeting`, a public meeting
    stage of the consultation still to come. Returns the request.

    Side effects: locks the request's row; its status, meeting and answer date; a log row
    ("debate.scheduled", with the meeting's stage); the requester is emailed after commit."""
    now = resolve_now(now)
    request = _lock(request)
    consultation = request.consultation
    require(
        user,
        "consultations.answer_debate",
        consultation,
        message=_("Only the authority's admins can answer a request for a public debate."),
    )
    check_debate_answerable(request)
    if meeting is None or meeting.pk not in {stage.pk for stage in meetings_for(consultation, now)}:
        raise DomainError(
            _("Choose a public meeting of this consultation that has not taken place yet."),
            code="meeting",
        )
    old = request.status
    request.status, request.meeting = DebateStatus.SCHEDULED, meeting
    request.refusal_reason = ""
    request.answered_at, request.answered_by = now, user
    request.save(
        update_fields=["status", "meeting", "refusal_reason", "answered_at", "answered_by"]
    )
    activity.record(
        user,
        "debate.scheduled",
        request,
        scope=consultation.proposal,
        old=old,
        new=DebateStatus.SCHEDULED,
        data={"meeting": meeting.position},
    )
    outbox.queue("debate_answered", request.pk)
    return request


@transaction.atomic
def refuse_debate(user, request, reason, *, now=None):
    """The authority refuses a request, with a public reason. Returns the request.

    Side effects: locks the request's row; its status, reason and answer date; a log row
    ("debate.refused", the reason); the requester is emailed after commit."""
    now = resolve_now(now)
    request = _lock(request)
    consultation = request.consultation
    require(
        user,
        "consultations.answer_debate",
        consultation,
        message=_("Only the authority's admins can answer a request for a public debate."),
    )
    check_debate_answerable(request)
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=5000)
    old = request.status
    request.status, request.refusal_reason = DebateStatus.REFUSED, reason
    request.answered_at, request.answered_by = now, user
    request.save(update_fields=["status", "refusal_reason", "answered_at", "answered_by"])
    activity.record(
        user,
        "debate.refused",
        request,
        scope=consultation.proposal,
        old=old,
        new=DebateStatus.REFUSED,
        data={"reason": reason},
    )
    outbox.queue("debate_answered", request.pk)
    return request


@transaction.atomic
def withdraw_debate(user, request, reason="", *, now=None):
    """The organisation that asked withdraws its request before the authority answers it, with
    an optional public reason. Returns the request. It no longer counts as pending or overdue,
    and the organisation may ask again.

    Side effects: locks the request's row; its status, withdrawal date, person and reason; a log
    row ("debate.withdrawn", the reason); the authority's admins are emailed after commit."""
    now = resolve_now(now)
    request = _lock(request)
    require(
        user,
        "consultations.withdraw_debate",
        request,
        message=_(
            "Only the editors and admins of the organisation that asked can withdraw the request."
        ),
    )
    check_debate_withdrawable(request)
    reason = clean_text(reason, field=_("The reason"), max_length=2000)
    old = request.status
    request.status = DebateStatus.WITHDRAWN
    request.withdrawn_at, request.withdrawn_by, request.withdrawal_reason = now, user, reason
    request.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    activity.record(
        user,
        "debate.withdrawn",
        request,
        scope=request.consultation.proposal,
        old=old,
        new=DebateStatus.WITHDRAWN,
        data={"reason": reason},
    )
    outbox.queue("debate_withdrawn", request.pk)
    return request
