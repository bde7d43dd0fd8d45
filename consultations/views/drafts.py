"""An authority's own drafts (issue 17): requests for a public debate (asked by a verified NGO,
answered by the authority) and recommendations received by email or on paper, logged by the
authority. Thin views: the rules decide who (`core.permissions.can`), the domain what; every
refusal is shown as the domain words it, with what was typed kept."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consultations import domain
from consultations import publication_pack as pack
from consultations.drafts_pages import requesting_organizations
from consultations.forms_drafts import (
    DebateRequestForm,
    RecommendationForm,
    RefuseDebateForm,
    ScheduleDebateForm,
    WithdrawDebateForm,
)
from consultations.models import DebateRequest
from consultations.views.manage import consultation_of, page_context, stage_of
from consultations.views.stages import consultation_for
from core.errors import DomainError
from core.permissions import can, passes
from proposals.views import proposal_for


@login_required
def debate_request_create(request, slug):
    consultation = consultation_for(request, slug)
    proposal = consultation.proposal
    organizations = requesting_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied
    form = DebateRequestForm(request.POST or None, organizations=organizations)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                item = domain.request_debate(
                    request.user,
                    consultation,
                    form.cleaned_data["organization"],
                    message=form.cleaned_data["message"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Your request was sent to %(authority)s. It must answer by %(due)s.")
                    % {
                        "authority": proposal.organization.name,
                        "due": date_format(domain.due_on(item), "DATE_FORMAT"),
                    },
                )
                return redirect(item.get_absolute_url())
    return render(
        request,
        "consultations/debate_request_form.html",
        page_context(request, proposal, form=form, consultation=consultation),
        status=status,
    )


def debate_request_detail(request, slug, pk):
    consultation = consultation_for(request, slug)
    proposal = consultation.proposal
    item = get_object_or_404(
        DebateRequest.objects.select_related("organization", "meeting"),
        consultation=consultation,
        pk=pk,
    )
    item.consultation = consultation
    now = timezone.now()
    user = request.user
    can_answer = user.is_authenticated and can(user, "consultations.answer_debate", consultation)
    can_withdraw = user.is_authenticated and can(user, "consultations.withdraw_debate", item)
    action = request.POST.get("action")
    if request.method == "POST" and not (can_withdraw if action == "withdraw" else can_answer):
        raise PermissionDenied
    meetings = domain.meetings_for(consultation, now) if can_answer else []
    schedule_form = ScheduleDebateForm(
        request.POST if action == "schedule" else None, meetings=meetings
    )
    refuse_form = RefuseDebateForm(request.POST if action == "refuse" else None)
    withdraw_form = WithdrawDebateForm(request.POST if action == "withdraw" else None)
    status = 200
    if request.method == "POST":
        status = 400
        form = {"schedule": schedule_form, "withdraw": withdraw_form}.get(action, refuse_form)
        if form.is_valid():
            try:
                if form is schedule_form:
                    domain.schedule_debate(user, item, form.cleaned_data["meeting"])
                    messages.success(request, _("The public debate is scheduled."))
                elif form is withdraw_form:
                    domain.withdraw_debate(user, item, form.cleaned_data["reason"])
                    messages.success(
                        request, _("Your request was withdrawn; the authority is told.")
                    )
                else:
                    domain.refuse_debate(user, item, form.cleaned_data["reason"])
                    messages.success(request, _("The request was refused; the reason is public."))
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return redirect(item.get_absolute_url())
    answerable = can_answer and passes(domain.check_debate_answerable, item)
    withdrawable = can_withdraw and passes(domain.check_debate_withdrawable, item)
    return render(
        request,
        "consultations/debate_request.html",
        page_context(
            request,
            proposal,
            consultation=consultation,
            item=item,
            due_on=domain.due_on(item),
            overdue=domain.is_overdue(item, now),
            late=domain.answered_late(item),
            answerable=answerable,
            withdrawable=withdrawable,
            withdraw_form=withdraw_form,
            meetings=meetings,
            schedule_form=schedule_form,
            refuse_form=refuse_form,
        ),
        status=status,
    )


@login_required
def recommendation_log(request, slug, position):
    proposal = proposal_for(request, slug)
    consultation = consultation_of(proposal)
    stage = stage_of(consultation, position)
    if not can(request.user, "consultations.log_recommendation", stage):
        raise PermissionDenied
    labels = domain.block_labels(stage.revision)
    form = RecommendationForm(request.POST or None, labels=labels)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                comment = domain.log_recommendation(
                    request.user,
                    stage,
                    author=data["author"],
                    received_on=data["received_on"],
                    text=data["text"],
                    channel=data["channel"],
                    block_key=data["block_key"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("The recommendation of %(author)s was logged as #%(number)s.")
                    % {"author": comment.author_name, "number": comment.pk},
                )
                return redirect(
                    "consultations:recommendation_log", slug=proposal.slug, position=stage.position
                )
    try:
        domain.check_logs_recommendations(stage)
        refusal = None
    except DomainError as error:
        refusal = error.message
    return render(
        request,
        "consultations/recommendation_form.html",
        page_context(
            request, proposal, form=form, consultation=consultation, stage=stage, refusal=refusal
        ),
        status=status,
    )


@login_required
def publication_pack(request, slug):
    """The ZIP for e-consultare.gov.ro, written into a temporary file and sent from it."""
    proposal = proposal_for(request, slug)
    consultation = consultation_of(proposal)
    if not can(request.user, "consultations.publication_pack", consultation):
        raise PermissionDenied
    try:
        pack.check_pack_available(consultation)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(consultation.get_absolute_url())
    waiting = pack.tables_not_ready(consultation)
    if waiting:
        # A long table is laid out once in the background, asked for on its own download page
        # (a POST there: this page, a GET, writes nothing); the pack waits for it.
        stage = waiting[0].stage
        messages.info(request, pack.TABLE_TO_PREPARE)
        return redirect("consultations:synthesis_export", proposal.slug, stage.position, "pdf")
    output = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response once sent)
    try:
        pack.write_pack(consultation, output)
    except DomainError as error:  # a table's file replaced meanwhile (a comment hidden)
        output.close()
        messages.info(request, error.message)
        return redirect(consultation.get_absolute_url())
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=pack.pack_filename(consultation),
        content_type="application/zip",
    )
