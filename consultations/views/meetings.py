"""Public meetings with registration: registering and cancelling (participants), the places and
the attendance (the organisation's editors), the public attendance list and the calendar files.

Views are thin: the permission through the gate, the form, one domain function, a message. A
refusal of the domain is shown as it is, with what was typed kept in the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from consultations import domain, exports, ical
from consultations.forms import MeetingRegistrationForm
from consultations.forms_manage import AttendanceForm, CapacityForm
from consultations.models import MeetingRegistration, RegistrationStatus, StageKind
from consultations.views.manage import consultation_of, page_context, proposal_with_perm, stage_of
from consultations.views.stages import consultation_for, stage_for
from core.errors import DomainError
from core.permissions import can, passes


def _meeting(request, slug, position):
    """The meeting stage anyone who may see the proposal may see (404 otherwise)."""
    stage = stage_for(request, slug, position)
    if stage.kind != StageKind.MEETING:
        raise Http404
    return stage


def _back(stage):
    return redirect(stage.get_absolute_url() + "#registration")


# --- Participants ------------------------------------------------------------------------------


def meeting_register(request, slug, position):
    stage = _meeting(request, slug, position)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can(request.user, "consultations.register_meeting", stage):
        messages.error(request, _("Confirm your email address to register for the meeting."))
        return _back(stage)
    if domain.active_registration(request.user, stage) is not None:
        messages.info(request, _("You are already registered for this meeting."))
        return _back(stage)
    try:
        domain.check_takes_registrations(stage)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return _back(stage)
    profile = request.user.profile
    form = MeetingRegistrationForm(
        request.POST or None,
        initial={"name": profile.display_name, "category": profile.respondent_category},
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration = domain.register_for_meeting(request.user, stage, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if registration.status == RegistrationStatus.WAITING:
                messages.success(
                    request,
                    _(
                        "The meeting is full: you are on the waiting list, in place %(n)s. We "
                        "will email you if a seat becomes free."
                    )
                    % {"n": domain.waiting_position(registration)},
                )
            else:
                messages.success(
                    request,
                    _("You are registered. We will remind you by email the day before."),
                )
            return _back(stage)
    return _meeting_page(request, stage, "consultations/meeting_register.html", form=form)


def meeting_cancel(request, slug, position):
    """Cancel one's own registration, after a confirmation page."""
    stage = _meeting(request, slug, position)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    registration = domain.active_registration(request.user, stage)
    if registration is None:
        messages.info(request, _("You have no registration for this meeting."))
        return _back(stage)
    registration.stage = stage
    error = ""
    if request.method == "POST":
        try:
            domain.cancel_registration(request.user, registration)
        except DomainError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("Your registration was cancelled."))
            return _back(stage)
    return _meeting_page(
        request,
        stage,
        "consultations/meeting_cancel.html",
        registration=registration,
        error=error,
        status=400 if error else 200,
    )


def _meeting_page(request, stage, template, *, status=None, **extra):
    proposal = stage.consultation.proposal
    context = page_context(
        request,
        proposal,
        consultation=stage.consultation,
        stage=stage,
        meeting_at=timezone.localtime(domain.held_at(stage), proposal.organization.zone),
        **extra,
    )
    return render(
        request, template, context, status=status or (400 if request.method == "POST" else 200)
    )


# --- The organisers ----------------------------------------------------------------------------


@login_required
def meeting_registrations(request, slug, position):
    """The registrations of a meeting, its number of places and its attendance."""
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    stage = stage_of(consultation_of(proposal), position)
    if stage.kind != StageKind.MEETING:
        raise Http404
    now = timezone.now()
    registrations = list(
        MeetingRegistration.objects.filter(stage=stage).order_by("created_at", "pk")
    )
    active = [r for r in registrations if r.status in RegistrationStatus.active()]
    capacity_form = CapacityForm(prefix="capacity", initial={"capacity": stage.capacity})
    attendance_form = AttendanceForm(
        prefix="attendance",
        registrations=active,
        initial={"present": [r.pk for r in active if r.attended]},
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "capacity":
                capacity_form = CapacityForm(request.POST, prefix="capacity")
                if capacity_form.is_valid():
                    domain.set_capacity(request.user, stage, capacity_form.cleaned_data["capacity"])
                    messages.success(request, _("The number of places was saved."))
                    return redirect(request.path)
            elif action == "attendance":
                attendance_form = AttendanceForm(
                    request.POST, prefix="attendance", registrations=active
                )
                if attendance_form.is_valid():
                    changed = domain.mark_attendance(
                        request.user, stage, attendance_form.cleaned_data["present"]
                    )
                    messages.success(
                        request,
                        _("The attendance was saved (%(n)s changed).") % {"n": changed},
                    )
                    return redirect(request.path)
            else:
                raise Http404
        except DomainError as error:
            form = capacity_form if action == "capacity" else attendance_form
            form.add_error(None, error.message)
        status = 400
    return render(
        request,
        "consultations/meeting_registrations.html",
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            registrations=registrations,
            counts=domain.seat_counts(stage),
            capacity_form=capacity_form,
            attendance_form=attendance_form,
            can_capacity=passes(domain.check_capacity_change, stage, now),
            can_attendance=passes(domain.check_attendance, stage, now) and bool(active),
            can_minutes=passes(domain.check_minutes, stage, now),
        ),
        status=status,
    )


# --- Public files -----------------------------------------------------------------------------


def attendance_export(request, slug, position):
    """The public attendance list as CSV: only what each participant agreed to show."""
    stage = _meeting(request, slug, position)
    if not domain.attendance_count(stage)[1]:
        raise Http404
    response = HttpResponse(exports.attendance_csv(stage), content_type="text/csv; charset=utf-8")
    filename = f"{stage.consultation.proposal.slug}-{stage.position}-attendance.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _calendar_response(content, filename):
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stage_calendar(request, slug, position):
    """A meeting, or a stage's deadline, as an iCalendar file."""
    stage = stage_for(request, slug, position)
    if stage.kind == StageKind.SYNTHESIS:
        raise Http404
    proposal = stage.consultation.proposal
    content = ical.calendar_file([stage], name=f"{stage.title} — {proposal.title}")
    return _calendar_response(content, f"{slugify(proposal.slug)}-{stage.position}.ics")


def consultation_calendar(request, slug):
    """Every stage of a consultation (meetings and deadlines) as one iCalendar file."""
    consultation = consultation_for(request, slug)
    proposal = consultation.proposal
    stages = list(
        consultation.stages.exclude(kind=StageKind.SYNTHESIS)
        .select_related("consultation__proposal__organization")
        .order_by("position")
    )
    content = ical.calendar_file(stages, name=consultation.title)
    return _calendar_response(content, f"{slugify(proposal.slug)}.ics")
