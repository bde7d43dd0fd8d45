"""Running a consultation: the consultation itself, its stages, cancelling, closing early,
removing, minutes.

Only editors and admins of the proposal's organisation (`consultations.manage`). Someone who
may not see the proposal gets 404 (a private draft stays invisible); someone who may see it but
not run its consultation gets 403. Views are thin: the domain functions decide what is allowed
and their refusals are shown as they are, with everything typed kept in the form.
"""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import domain
from consultations.forms_manage import (
    CancelStageForm,
    CloseStageEarlyForm,
    ConsultationForm,
    MinutesForm,
    StageForm,
    period,
)
from consultations.models import Consultation, Stage, StageKind
from core.errors import DomainError
from core.permissions import can
from proposals.views import proposal_context, proposal_for


def proposal_with_perm(request, slug, perm):
    """The proposal (404 if the user may not see it), or 403 without `perm` on it."""
    proposal = proposal_for(request, slug)
    if not can(request.user, perm, proposal):
        raise PermissionDenied
    return proposal


def consultation_of(proposal):
    try:
        consultation = proposal.consultation
    except Consultation.DoesNotExist:
        raise Http404 from None
    consultation.proposal = proposal
    return consultation


def stage_of(consultation, position):
    stage = get_object_or_404(
        Stage.objects.select_related("revision"), consultation=consultation, position=position
    )
    stage.consultation = consultation
    return stage


# Larger ids cannot be stored (64-bit keys); some databases fail on them rather than find nothing.
MAX_ID = 2**63 - 1


def comment_or_404(queryset, comment_id):
    if not 0 < comment_id <= MAX_ID:
        raise Http404
    return get_object_or_404(queryset, pk=comment_id)


def page_context(request, proposal, **extra):
    """The proposal's header plus the organisation's time zone (pages show dates in it)."""
    return proposal_context(
        request,
        proposal,
        "consultation",
        zone=proposal.organization.zone,
        zone_name=proposal.organization.time_zone,
        **extra,
    )


def _refused(form, error):
    form.add_error(None, error.message)


# --- The consultation --------------------------------------------------------------------------


@login_required
def consultation_create(request, slug):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    if Consultation.objects.filter(proposal=proposal).exists():
        messages.info(request, _("This proposal already has a consultation."))
        return redirect("consultations:edit", slug=proposal.slug)
    form = ConsultationForm(
        request.POST or None,
        initial={"title": _("Public consultation: %(title)s") % {"title": proposal.title}},
    )
    if request.method == "POST" and form.is_valid():
        try:
            domain.create_consultation(
                request.user,
                proposal,
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The consultation was created. Add its first stage."))
            return redirect("consultations:stage_create", slug=proposal.slug)
    return render(
        request,
        "consultations/consultation_form.html",
        page_context(request, proposal, form=form, consultation=None),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def consultation_edit(request, slug):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    consultation = consultation_of(proposal)
    form = ConsultationForm(
        request.POST or None,
        initial={"title": consultation.title, "intro": consultation.intro},
    )
    if request.method == "POST" and form.is_valid():
        try:
            domain.change_consultation(
                request.user,
                consultation,
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The consultation was saved."))
            return redirect("consultations:detail", slug=proposal.slug)
    return render(
        request,
        "consultations/consultation_form.html",
        page_context(request, proposal, form=form, consultation=consultation),
        status=400 if request.method == "POST" else 200,
    )


# --- Stages ------------------------------------------------------------------------------------


def _stage_form_page(request, proposal, consultation, form, stage=None, warning=None):
    current = form.period
    if current is None and stage is not None:
        current = period(stage.opens_at, stage.closes_at, proposal.organization)
    minimum = domain.legal_minimum(consultation)
    return render(
        request,
        "consultations/stage_form.html",
        page_context(
            request,
            proposal,
            form=form,
            consultation=consultation,
            stage=stage,
            period=current,
            warning=warning,
            legal_minimum_days=minimum.days if minimum else None,
            country=proposal.organization.country,
        ),
        status=400 if request.method == "POST" else 200,
    )


def _save_stage(request, consultation, form, stage=None):
    """Call the domain with the form's values; returns (stage, warning)."""
    try:
        if stage is None:
            saved = domain.add_stage(
                request.user, consultation, kind=form.cleaned_data["kind"], **form.domain_fields()
            )
        else:
            saved = domain.change_stage(request.user, stage, **form.domain_fields())
    except domain.ShortPeriod as error:
        # A warning, not a dead end: everything typed stays, the reason field asks for the why.
        form.add_error("short_period_reason", error.message)
        return None, error.message
    except DomainError as error:
        _refused(form, error)
        return None, None
    return saved, None


def _default_stage_initial(consultation):
    """Tomorrow at 09:00 for the legal minimum period (10 days in Romania, 30 in Bulgaria)."""
    zone = consultation.proposal.organization.zone
    tomorrow = timezone.localtime(timezone.now(), zone).date() + timedelta(days=1)
    minimum = domain.legal_minimum(consultation) or timedelta(days=10)
    opens = datetime.combine(tomorrow, time(9, 0))
    closes = opens + minimum
    return {
        "kind": StageKind.WRITTEN,
        "opens_date": opens.date(),
        "opens_time": opens.time(),
        "closes_date": closes.date(),
        "closes_time": closes.time(),
    }


@login_required
def stage_create(request, slug):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    if not Consultation.objects.filter(proposal=proposal).exists():
        messages.info(request, _("Create the consultation first; then add its stages."))
        return redirect("consultations:create", slug=proposal.slug)
    consultation = consultation_of(proposal)
    initial = _default_stage_initial(consultation)
    if request.GET.get("kind") in StageKind.values:
        initial["kind"] = request.GET["kind"]
    elif consultation.proposal.is_authority_draft and not consultation.stages.exists():
        # An authority's draft starts with its announcement.
        initial["kind"] = StageKind.ANNOUNCEMENT
    form = StageForm(request.POST or None, consultation=consultation, initial=initial)
    warning = None
    if request.method == "POST" and form.is_valid():
        stage, warning = _save_stage(request, consultation, form)
        if stage is not None:
            messages.success(request, _("The stage “%(title)s” was added.") % {"title": stage})
            return redirect("consultations:detail", slug=proposal.slug)
    return _stage_form_page(request, proposal, consultation, form, warning=warning)


def _refusal_shown(request, check, stage):
    """True, with the domain's own refusal queued, when `check` (a `domain.check_*` function)
    refuses the action on `stage` now."""
    try:
        check(stage)
    except DomainError as error:
        messages.error(request, error.message)
        return True
    return False


@login_required
def stage_edit(request, slug, position):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    consultation = consultation_of(proposal)
    stage = stage_of(consultation, position)
    if _refusal_shown(request, domain.check_stage_change, stage):
        return redirect("consultations:detail", slug=proposal.slug)
    form = StageForm(request.POST or None, consultation=consultation, stage=stage)
    warning = None
    if request.method == "POST" and form.is_valid():
        saved, warning = _save_stage(request, consultation, form, stage)
        if saved is not None:
            messages.success(request, _("The stage “%(title)s” was saved.") % {"title": saved})
            return redirect("consultations:detail", slug=proposal.slug)
    return _stage_form_page(request, proposal, consultation, form, stage, warning)


@login_required
def stage_cancel(request, slug, position):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    consultation = consultation_of(proposal)
    stage = stage_of(consultation, position)
    if _refusal_shown(request, domain.check_stage_cancel, stage):
        return redirect("consultations:detail", slug=proposal.slug)
    form = CancelStageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            domain.cancel_stage(request.user, stage, form.cleaned_data["reason"])
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The stage “%(title)s” was cancelled.") % {"title": stage})
            return redirect("consultations:detail", slug=proposal.slug)
    return render(
        request,
        "consultations/stage_cancel.html",
        page_context(request, proposal, form=form, consultation=consultation, stage=stage),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def stage_close_early(request, slug, position):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    consultation = consultation_of(proposal)
    stage = stage_of(consultation, position)
    if _refusal_shown(request, domain.check_close_early, stage):
        return redirect("consultations:detail", slug=proposal.slug)
    form = CloseStageEarlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            domain.close_stage_early(request.user, stage, form.cleaned_data["reason"])
        except domain.ShortPeriod as error:
            form.add_error("reason", error.message)
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _("The stage “%(title)s” was closed; its followers are told.") % {"title": stage},
            )
            return redirect("consultations:detail", slug=proposal.slug)
    now = timezone.now()
    minimum = domain.legal_minimum(consultation)
    return render(
        request,
        "consultations/stage_close.html",
        page_context(
            request,
            proposal,
            form=form,
            consultation=consultation,
            stage=stage,
            now=now,
            short=domain.is_short(stage.kind, stage.opens_at, now, consultation),
            minimum_days=minimum.days if minimum else None,
        ),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def stage_remove(request, slug, position):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    consultation = consultation_of(proposal)
    stage = stage_of(consultation, position)
    if request.method == "POST":
        try:
            domain.remove_stage(request.user, stage)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The stage “%(title)s” was removed.") % {"title": stage})
        return redirect("consultations:detail", slug=proposal.slug)
    if _refusal_shown(request, domain.check_stage_remove, stage):
        return redirect("consultations:detail", slug=proposal.slug)
    return render(
        request,
        "consultations/stage_remove.html",
        page_context(request, proposal, consultation=consultation, stage=stage),
    )


@login_required
def stage_minutes(request, slug, position):
    proposal = proposal_with_perm(request, slug, "consultations.manage")
    consultation = consultation_of(proposal)
    stage = stage_of(consultation, position)
    if stage.kind != StageKind.MEETING:
        raise Http404
    present, taken = domain.attendance_count(stage)
    current = stage.minutes_versions.order_by("-number").first()
    initial = {"minutes": stage.minutes, "participants": stage.participants}
    if current is not None and current.participants_reason:
        initial["reason"] = current.participants_reason
    form = MinutesForm(request.POST or None, initial=initial, attendance=present if taken else None)
    if request.method == "POST" and form.is_valid():
        try:
            domain.publish_minutes(
                request.user,
                stage,
                minutes=form.cleaned_data["minutes"],
                participants=form.cleaned_data["participants"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The minutes of the meeting were published."))
            return redirect(stage)
    return render(
        request,
        "consultations/stage_minutes.html",
        page_context(request, proposal, form=form, consultation=consultation, stage=stage),
        status=400 if request.method == "POST" else 200,
    )
