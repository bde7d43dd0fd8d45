"""Pages of submissions and of the authorities' registers. Thin: check permission, validate,
call one function of `registrations.domain`, redirect with a message."""

import csv
import statistics
import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from accounts.models import Organization, OrganizationKind
from consultations import domain as consultations
from consultations.dossier import tables_not_joined
from core import idempotency, ratelimit
from core.activity import history
from core.errors import DomainError
from core.pagination import paginate
from core.params import year_param
from core.permissions import can, passes
from proposals.coauthors import coauthors_at
from proposals.views import proposal_context, proposal_for
from registrations import domain, verification
from registrations.dossier import build_dossier, verify_url, write_dossier
from registrations.forms import (
    REGISTER_STATUSES,
    AnswerForm,
    ExtendForm,
    LogForm,
    RegisterForm,
    SubmitForm,
    VerifyForm,
)
from registrations.models import (
    AnswerStatus,
    DocumentKind,
    Submission,
    SubmissionStatus,
    local_today,
    registration_number_key,
)

# Errors of these kinds belong next to a form field.
FIELD_OF_ERROR = {
    "duplicate": "registration_number",
    "date": None,
    "revision": "revision",
    "answer_status": "answer_status",
}


def _form_error(form, error, date_field=None):
    field = FIELD_OF_ERROR.get(error.code)
    if error.code == "date":
        field = date_field
    form.add_error(field if field in form.fields else None, error.message)


# --- Submitting --------------------------------------------------------------------------------


@login_required
def submit(request, slug):
    proposal = proposal_for(request, slug, "registrations.submit_proposal")
    earlier = idempotency.sent_before(request, "submit")
    if earlier is not None:  # the same form sent again: the first submission's receipt
        return _submitted(request, earlier)
    # The status the stages' dates make it, as the submit command will record it first.
    proposal.status = consultations.status_from_dates(proposal)
    refusal = None
    try:
        domain.check_submittable(proposal)
    except DomainError as error:
        refusal = error.message
    form = SubmitForm(request.POST or None, proposal=proposal)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            submission, _repeated = idempotency.run_once(
                request,
                "submit",
                lambda: domain.submit_proposal(
                    request.user,
                    proposal,
                    form.cleaned_data["revision"],
                    form.cleaned_data["cover_letter"],
                ),
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _submitted(request, submission)
    return render(
        request,
        "registrations/submit.html",
        proposal_context(request, proposal, "text", form=form, refusal=refusal),
        status=400 if request.method == "POST" else 200,
    )


def _submitted(request, submission):
    messages.success(
        request,
        _("The proposal was submitted. Tracking code: %(code)s.")
        % {"code": submission.tracking_code},
    )
    return redirect(submission)


# --- One submission ----------------------------------------------------------------------------


def _submission_for(request, code, perm=None):
    """The submission, or 404 for an unknown code or anyone who may not see it; 403 for a
    viewer who may not perform `perm`."""
    normalized = domain.normalize_tracking_code(code)
    if normalized is None:
        raise Http404
    submission = get_object_or_404(
        Submission.objects.select_related(
            "authority",
            "proposal__organization",
            "proposal__target_authority",
            "revision",
            "registered_by__profile",
            "answered_by__profile",
        ),
        tracking_code=normalized,
    )
    if not can(request.user, "registrations.view_submission", submission):
        raise Http404
    if perm and not can(request.user, perm, submission):
        raise PermissionDenied
    return submission


def _submission_context(request, submission, **extra):
    user = request.user
    today = submission.local_today()
    may_register = can(user, "registrations.register_submission", submission)
    days_left = submission.days_left(today)
    return {
        "submission": submission,
        "today": today,
        "overdue": submission.is_overdue(today),
        "days_left": days_left,
        "overdue_days": -days_left if days_left is not None and days_left < 0 else 0,
        "working_days_left": submission.working_days_left(today),
        "can_register": may_register and passes(domain.check_register, submission),
        "can_answer": can(user, "registrations.answer_submission", submission)
        and passes(domain.check_answer, submission),
        "can_extend": can(user, "registrations.answer_submission", submission)
        and passes(domain.check_extend, submission, today),
        "can_declare": passes(domain.check_declare, submission)
        and can(user, "registrations.declare_registration", submission),
        "is_registrar": may_register,
        "verify_url": verify_url(submission),
        # The organisations that co-signed it: the proposal's co-authors when it was sent.
        "cosigners": coauthors_at(submission.proposal, submission.submitted_at)
        if submission.through_platform
        else [],
        **extra,
    }


def submission_detail(request, code):
    submission = _submission_for(request, code)
    if submission.tracking_code != code:
        return redirect(submission)
    documents = list(submission.documents.all())
    return render(
        request,
        "registrations/submission.html",
        _submission_context(
            request,
            submission,
            timeline=list(history(submission).order_by("created_at", "id")[:100]),
            received_documents=[d for d in documents if d.kind == DocumentKind.RECEIVED],
            answer_documents=[d for d in documents if d.kind == DocumentKind.ANSWER],
            tables_not_joined=tables_not_joined(submission) if submission.through_platform else [],
        ),
    )


def submission_dossier(request, code):
    submission = _submission_for(request, code)
    if not submission.through_platform:
        raise Http404
    if _too_many_dossiers(request):
        response = render(request, "429.html", status=429)
        response["Retry-After"] = "60"
        return response
    filename = f"dosar-{submission.tracking_code}.pdf"
    document, annexes = build_dossier(submission)
    if annexes:
        # A stored justification table joined after the dossier, a page at a time, into a
        # temporary file (closed by the response once sent): never the whole table in memory.
        output = None
        try:
            output = tempfile.TemporaryFile()  # noqa: SIM115
            write_dossier(document, annexes, output)
        except BaseException:
            for opened in (output, *annexes):
                if opened is not None:
                    opened.close()
            raise
        output.seek(0)
        return FileResponse(
            output, as_attachment=True, filename=filename, content_type="application/pdf"
        )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def submission_document(request, code, document_id, name):
    submission = _submission_for(request, code)
    document = get_object_or_404(submission.documents, pk=document_id)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )


def _action_page(request, submission, template, form, status=200):
    return render(
        request,
        f"registrations/{template}.html",
        _submission_context(request, submission, form=form),
        status=status,
    )


@login_required
def submission_register(request, code):
    submission = _submission_for(request, code, "registrations.register_submission")
    form = RegisterForm(
        request.POST or None,
        initial={
            "registration_number": submission.registration_number,
            "registration_date": submission.registration_date or submission.local_today(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            idempotency.run_once(
                request,
                "register",
                lambda: domain.register_submission(
                    request.user,
                    submission,
                    number=form.cleaned_data["registration_number"],
                    registration_date=form.cleaned_data["registration_date"],
                ),
            )
        except DomainError as error:
            _form_error(form, error, "registration_date")
        else:
            messages.success(request, _("The proposal is registered; its deadline is running."))
            return redirect(submission)
    return _action_page(
        request, submission, "register", form, 400 if request.method == "POST" else 200
    )


@login_required
def submission_declare(request, code):
    submission = _submission_for(request, code, "registrations.declare_registration")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            idempotency.run_once(
                request,
                "declare",
                lambda: domain.declare_registration(
                    request.user,
                    submission,
                    number=form.cleaned_data["registration_number"],
                    registration_date=form.cleaned_data["registration_date"],
                ),
            )
        except DomainError as error:
            _form_error(form, error, "registration_date")
        else:
            messages.success(
                request, _("The registration is recorded as declared by your organisation.")
            )
            return redirect(submission)
    return _action_page(
        request, submission, "declare", form, 400 if request.method == "POST" else 200
    )


@login_required
def submission_extend(request, code):
    submission = _submission_for(request, code, "registrations.answer_submission")
    form = ExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            idempotency.run_once(
                request,
                "extend",
                lambda: domain.extend_deadline(
                    request.user, submission, form.cleaned_data["reason"]
                ),
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The deadline was extended."))
            return redirect(submission)
    return _action_page(
        request, submission, "extend", form, 400 if request.method == "POST" else 200
    )


@login_required
def submission_answer(request, code):
    submission = _submission_for(request, code, "registrations.answer_submission")
    form = AnswerForm(
        request.POST or None,
        request.FILES or None,
        initial={"answered_on": submission.local_today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            idempotency.run_once(
                request,
                "answer_submission",
                lambda: domain.answer_submission(
                    request.user,
                    submission,
                    answer_status=data["answer_status"],
                    text=data["text"],
                    answered_on=data["answered_on"],
                    document=data["document"],
                ),
            )
        except DomainError as error:
            _form_error(form, error, "answered_on")
        else:
            messages.success(request, _("The answer was recorded and the sender notified."))
            return redirect(submission)
    return _action_page(
        request, submission, "answer", form, 400 if request.method == "POST" else 200
    )


# --- The authority's register ------------------------------------------------------------------


def _authority_for(request, slug):
    """The authority, for its registrars only (404 for an organisation that is not one)."""
    authority = get_object_or_404(Organization, slug=slug, kind=OrganizationKind.AUTHORITY)
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not can(request.user, "registrations.view_authority_register", authority):
        raise PermissionDenied
    return authority


def _filtered(request, authority, today):
    submissions = Submission.objects.filter(authority=authority).select_related("authority")
    filters = {
        "status": request.GET.get("status", ""),
        "year": request.GET.get("year", ""),
        "sender": request.GET.get("sender", "").strip()[:100],
        "q": request.GET.get("q", "").strip()[:100],
    }
    status = filters["status"]
    if status == "overdue":
        submissions = submissions.overdue(today)
    elif status in SubmissionStatus.values:
        submissions = submissions.filter(status=status)
    else:
        filters["status"] = ""
    year = year_param(filters["year"])
    filters["year"] = "" if year is None else str(year)
    if year is not None:
        submissions = submissions.filter(
            Q(registration_year=year) | Q(registration_year__isnull=True, submitted_at__year=year)
        )
    if filters["sender"]:
        submissions = submissions.filter(sender_name__icontains=filters["sender"])
    if filters["q"]:
        # A number typed with look-alike or invisible characters still finds its entry.
        matches = Q(title__icontains=filters["q"]) | Q(tracking_code__iexact=filters["q"])
        key = registration_number_key(filters["q"])
        if key is not None:
            matches |= Q(registration_number_key=key)
        submissions = submissions.filter(matches)
    return submissions, filters


def _years(authority, today):
    years = set(
        Submission.objects.filter(authority=authority, registration_year__isnull=False)
        .values_list("registration_year", flat=True)
        .distinct()
    )
    years.add(today.year)
    return sorted(years, reverse=True)


def _annotate(rows, today):
    for row in rows:
        row.overdue = row.is_overdue(today)
        row.days_left_value = row.days_left(today)
    return rows


@login_required
def authority_register(request, slug):
    authority = _authority_for(request, slug)
    today = local_today(authority)
    submissions, filters = _filtered(request, authority, today)
    page = paginate(
        request, submissions.order_by("-registration_date", "-submitted_at", "-pk"), per_page=25
    )
    _annotate(page.object_list, today)
    return render(
        request,
        "registrations/authority_register.html",
        {
            "authority": authority,
            "tab": "register",
            "page": page,
            "filters": filters,
            "statuses": REGISTER_STATUSES,
            "years": _years(authority, today),
            "today": today,
            "inbox_count": _inbox(authority).count(),
        },
    )


def _inbox(authority):
    return Submission.objects.filter(authority=authority).filter(
        Q(status=SubmissionStatus.SUBMITTED)
        | Q(status=SubmissionStatus.REGISTERED, registration_source="submitter")
    )


@login_required
def authority_inbox(request, slug):
    authority = _authority_for(request, slug)
    today = local_today(authority)
    page = paginate(
        request,
        _inbox(authority).select_related("authority").order_by("submitted_at", "pk"),
        per_page=25,
    )
    _annotate(page.object_list, today)
    return render(
        request,
        "registrations/authority_inbox.html",
        {"authority": authority, "tab": "inbox", "page": page, "today": today},
    )


# The register's columns: the header in the reader's language; the values of `registration_source`,
# `channel`, `status` and `answer` stay codes, and yes/no columns say "yes" or "no"
# (docs/exports.md lists them).
CSV_COLUMNS = {
    "tracking_code": pgettext_lazy("export column", "Tracking code"),
    "registration_number": pgettext_lazy("export column", "Registration number"),
    "registration_date": pgettext_lazy("export column", "Registration date"),
    "registration_source": pgettext_lazy("export column", "Registered by (code)"),
    "channel": pgettext_lazy("export column", "Channel (code)"),
    "sender": pgettext_lazy("export column", "Sender"),
    "title": pgettext_lazy("export column", "Title"),
    "submitted_on": pgettext_lazy("export column", "Submitted on"),
    "received_on": pgettext_lazy("export column", "Received on"),
    "status": pgettext_lazy("export column", "Status (code)"),
    "overdue": pgettext_lazy("export column", "Overdue (yes/no)"),
    "deadline": pgettext_lazy("export column", "Answer deadline"),
    "deadline_extended": pgettext_lazy("export column", "Deadline extended (yes/no)"),
    "answer": pgettext_lazy("export column", "Answer (code)"),
    "answered_on": pgettext_lazy("export column", "Answered on"),
    "days_to_answer": pgettext_lazy("export column", "Days to answer"),
}


def csv_cell(value):
    """Text that a spreadsheet would run as a formula is written as text."""
    value = "" if value is None else str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
def authority_register_csv(request, slug):
    authority = _authority_for(request, slug)
    today = local_today(authority)
    submissions, _filters = _filtered(request, authority, today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registru-{authority.slug}.csv"'
    response.write("\ufeff")  # spreadsheet programs then read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([str(label) for label in CSV_COLUMNS.values()])
    rows = submissions.order_by("registration_date", "submitted_at", "pk")
    for row in rows.iterator(chunk_size=500):
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    row.tracking_code,
                    row.registration_number,
                    row.registration_date and row.registration_date.isoformat(),
                    row.registration_source,
                    row.channel,
                    row.sender_name,
                    row.title,
                    timezone.localdate(row.submitted_at).isoformat(),
                    row.received_on and row.received_on.isoformat(),
                    row.status,
                    "yes" if row.is_overdue(today) else "no",
                    row.deadline and row.deadline.isoformat(),
                    "yes" if row.is_extended else "no",
                    row.answer_status,
                    row.answered_on and row.answered_on.isoformat(),
                    row.days_to_answer(),
                )
            ]
        )
    return response


def yearly_figures(authority, year, today):
    """Received, answered (by answer), overdue and median days to answer, for one year.

    A proposal counts in the year it was registered (or sent, while not yet registered).
    """
    rows = list(
        Submission.objects.filter(authority=authority)
        .filter(
            Q(registration_year=year) | Q(registration_year__isnull=True, submitted_at__year=year)
        )
        .values_list("status", "answer_status", "deadline", "registration_date", "answered_on")
    )
    answered = [row for row in rows if row[0] == SubmissionStatus.ANSWERED]
    days = sorted((row[4] - row[3]).days for row in answered if row[3] and row[4])
    by_answer = dict.fromkeys(AnswerStatus.values, 0)
    for row in answered:
        by_answer[row[1]] = by_answer.get(row[1], 0) + 1
    return {
        "year": year,
        "received": len(rows),
        "answered": len(answered),
        "accepted": by_answer[AnswerStatus.ACCEPTED],
        "partially_accepted": by_answer[AnswerStatus.PARTIALLY_ACCEPTED],
        "rejected": by_answer[AnswerStatus.REJECTED],
        "forwarded": by_answer[AnswerStatus.FORWARDED],
        "overdue": sum(
            1
            for row in rows
            if row[0] == SubmissionStatus.REGISTERED and row[2] is not None and row[2] < today
        ),
        "answered_late": sum(1 for row in answered if row[2] and row[4] and row[4] > row[2]),
        "median_days": statistics.median(days) if days else None,
    }


@login_required
def authority_figures(request, slug):
    authority = _authority_for(request, slug)
    today = local_today(authority)
    years = _years(authority, today)
    year = year_param(request.GET.get("year"), choices=years, default=years[0])
    return render(
        request,
        "registrations/authority_figures.html",
        {
            "authority": authority,
            "tab": "figures",
            "years": years,
            "figures": yearly_figures(authority, year, today),
        },
    )


@login_required
def authority_log(request, slug):
    authority = _authority_for(request, slug)
    if not can(request.user, "registrations.log_submission", authority):
        raise PermissionDenied
    form = LogForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submission, _repeated = idempotency.run_once(
                request,
                "log",
                lambda: domain.log_external_submission(
                    request.user,
                    authority,
                    sender_name=data["sender_name"],
                    title=data["title"],
                    channel=data["channel"],
                    received_on=data["received_on"],
                    registration_number=data["registration_number"],
                    registration_date=data["registration_date"],
                    notes=data["notes"],
                    documents=request.FILES.getlist("documents")[:10],
                ),
            )
        except DomainError as error:
            _form_error(form, error, "received_on")
        else:
            messages.success(
                request,
                _("The proposal was added to the register under number %(number)s.")
                % {"number": submission.registration_number},
            )
            return redirect(submission)
    return render(
        request,
        "registrations/authority_log.html",
        {"authority": authority, "tab": "log", "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Public pages ------------------------------------------------------------------------------


def public_register(request):
    submissions = Submission.objects.through_platform().select_related("authority", "proposal")
    filters = {
        "authority": request.GET.get("authority", "")[:80],
        "status": request.GET.get("status", ""),
        "year": request.GET.get("year", ""),
    }
    if filters["authority"]:
        submissions = submissions.filter(authority__slug=filters["authority"])
    if filters["status"] in SubmissionStatus.values:
        submissions = submissions.filter(status=filters["status"])
    else:
        filters["status"] = ""
    year = year_param(filters["year"])
    filters["year"] = "" if year is None else str(year)
    if year is not None:
        submissions = submissions.filter(submitted_at__year=year)
    page = paginate(request, submissions.order_by("-submitted_at", "-pk"), per_page=25)
    authorities = Organization.objects.filter(
        pk__in=Submission.objects.through_platform().values("authority")
    ).order_by("name")
    return render(
        request,
        "registrations/public_register.html",
        {
            "page": page,
            "filters": filters,
            "statuses": SubmissionStatus.choices,
            "authorities": authorities,
        },
    )


def _too_many_dossiers(request):
    """A dossier is laid out anew for each download (and a long justification table joined to
    it): a person signed in, or else a client address, downloads at most
    DOSSIER_RATE_PER_MINUTE of them a minute."""
    identity = (
        f"user:{request.user.pk}"
        if request.user.is_authenticated
        else ratelimit.client_address(request)
    )
    return not ratelimit.allow("dossier", identity, limit=settings.DOSSIER_RATE_PER_MINUTE)


def _too_many_checks(request):
    """Anyone may check texts and files, each read in a bounded process: a client address checks
    at most VERIFY_RATE_PER_MINUTE of them a minute."""
    return not ratelimit.allow(
        "verify", ratelimit.client_address(request), limit=settings.VERIFY_RATE_PER_MINUTE
    )


def verify(request):
    form = VerifyForm(
        request.POST or None,
        request.FILES or None,
        initial={"code": request.GET.get("code", "")[:30]},
    )
    result = submission = None
    status = 200
    if request.method == "POST" and _too_many_checks(request):
        # Refused before the file is read; what was typed stays in the form.
        form.add_error(
            None,
            ngettext(
                "You have reached the limit of %(count)s check a minute from one connection. "
                "Wait a minute and try again; your text is kept below.",
                "You have reached the limit of %(count)s checks a minute from one connection. "
                "Wait a minute and try again; your text is kept below.",
                settings.VERIFY_RATE_PER_MINUTE,
            )
            % {"count": settings.VERIFY_RATE_PER_MINUTE},
        )
        status = 429
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            code = domain.normalize_tracking_code(form.cleaned_data["code"])
            submission = (
                Submission.objects.through_platform()
                .select_related("proposal__organization", "proposal__target_authority", "revision")
                .filter(tracking_code=code)
                .first()
                if code
                else None
            )
            if submission is None:
                form.add_error(
                    "code", _("No proposal submitted through the platform has this code.")
                )
            else:
                try:
                    upload = form.cleaned_data.get("file")
                    text = (
                        verification.text_of_upload(upload) if upload else form.cleaned_data["text"]
                    )
                    result = verification.verify(submission, text)
                    status = 200
                except DomainError as error:
                    form.add_error("file" if upload else "text", error.message)
    return render(
        request,
        "registrations/verify.html",
        {"form": form, "result": result, "submission": submission},
        status=status,
    )
