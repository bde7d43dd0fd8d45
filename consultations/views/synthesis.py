"""Answering comments, publishing the synthesis, the synthesis page and the exports.

Answers and publishing: editors and admins of the proposal's organisation
(`consultations.answer`). The published synthesis and the exports: anyone who may see the
proposal. Before publication the synthesis page is a preview for those editors and "not
published yet" (404) for everyone else.
"""

from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from consultations import domain, exports, public, synthesis_files, tasks
from consultations import figures as counting
from consultations.forms_manage import (
    BulkDispositionForm,
    DispositionForm,
    SynthesisPublishForm,
)
from consultations.models import (
    CommentGroup,
    Disposition,
    FileStatus,
    Outcome,
    StageComment,
    Stance,
    Synthesis,
    redline,
)
from consultations.views.manage import (
    comment_or_404,
    consultation_of,
    page_context,
    proposal_with_perm,
    stage_of,
)
from core import background, idempotency
from core.errors import DomainError
from core.pagination import paginate
from core.params import page_param
from core.permissions import can
from proposals.views import proposal_for

ANSWER_FILTERS = ("unanswered", "answered")
WHOLE_TEXT = domain.WHOLE_TEXT


def _commented_stage(proposal, position):
    consultation = consultation_of(proposal)
    stage = stage_of(consultation, position)
    if not stage.accepts_comments:
        raise Http404
    return stage


def _published(stage):
    return Synthesis.objects.filter(stage=stage).select_related("published_by__profile").first()


# --- Answers -----------------------------------------------------------------------------------


GROUPS_LISTED = 20


def _filters(data, stage, labels):
    """The answers page's filters from a query string or a form, each kept only when valid
    (`domain.answer_selection`). One query when a group is asked for."""
    answered = data.get("answered", "")
    block = data.get("block", "")
    stance = data.get("stance", "")
    group = data.get("group", "")
    group = (
        int(group)
        if group.isascii()
        and group.isdigit()
        and len(group) < 19
        and CommentGroup.objects.filter(stage=stage, pk=int(group)).exists()
        else None
    )
    return {
        "answered": answered if answered in ANSWER_FILTERS else "",
        "block": block if block == WHOLE_TEXT or block in labels else "",
        "stance": stance if stance in Stance.values else "",
        "group": group,
    }


def _filter_query(filters):
    return urlencode({name: value for name, value in filters.items() if value})


@login_required
def answers(request, slug, position):
    proposal = proposal_with_perm(request, slug, "consultations.answer")
    stage = _commented_stage(proposal, position)
    labels = domain.block_labels(stage.revision)
    filters = _filters(request.GET, stage, labels)
    # One pass counts the whole stage and the selection (the paginator is given the count).
    counts = domain.answer_counts(stage, **filters)
    paginator = Paginator(
        domain.answer_selection(stage, **filters).values_list("pk", flat=True), 50
    )
    paginator.count = counts["selected"]
    # The page's ids first, then their rows: a deep page of 50,000 comments skips ids, not
    # comments joined with their authors and answers.
    page = paginator.get_page(page_param(request.GET.get("page")))
    page.object_list = list(
        StageComment.objects.filter(pk__in=list(page.object_list))
        .select_related("user__profile", "disposition__applied_in")
        .order_by("pk")
    )
    for comment in page.object_list:
        comment.block_label = labels.get(comment.block_key, "")
        comment.answer = getattr(comment, "disposition", None)
    groups = domain.answer_groups(stage, limit=GROUPS_LISTED + 1)
    return render(
        request,
        "consultations/answers.html",
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            page=page,
            answered_count=counts["answered"],
            total_count=counts["total"],
            labels=labels,
            stances=Stance.choices,
            filters=filters,
            filter_query=_filter_query(filters),
            groups=groups[:GROUPS_LISTED],
            more_groups=len(groups) > GROUPS_LISTED,
            whole_text=WHOLE_TEXT,
            synthesis=_published(stage),
            can_apply=can(request.user, "consultations.apply_suggestion", stage),
            return_to=request.get_full_path(),
        ),
    )


@login_required
def answers_bulk(request, slug, position):
    """Answer every comment the answers page's filters select: a confirmation that states the
    count, then the same answer for each (`domain.answer_comments`)."""
    proposal = proposal_with_perm(request, slug, "consultations.answer")
    stage = _commented_stage(proposal, position)
    labels = domain.block_labels(stage.revision)
    filters = _filters(request.POST if request.method == "POST" else request.GET, stage, labels)
    back = reverse("consultations:answers", args=[proposal.slug, stage.position])
    query = _filter_query(filters)
    back = f"{back}?{query}" if query else back
    synthesis = _published(stage)
    count, last = domain.selection_size(domain.answer_selection(stage, **filters))
    form = BulkDispositionForm(
        request.POST or None,
        stage=stage,
        initial={"expected_count": count, "expected_last": last},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _result, repeated = idempotency.run_once(
                request,
                "answers",
                lambda: domain.answer_comments(
                    request.user,
                    stage,
                    filters,
                    outcome=data["outcome"],
                    reason=data["reason"],
                    applied_in=data["applied_in"],
                    expected=(data["expected_count"], data["expected_last"]),
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            if error.code == "selection_changed":
                # Shown again with the selection as it is now, the typed answer kept.
                form = BulkDispositionForm(
                    {**request.POST.dict(), "expected_count": count, "expected_last": last},
                    stage=stage,
                )
                form.is_valid()
                form.add_error(None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "The answer was saved for %(count)s comment.",
                    "The answer was saved for %(count)s comments.",
                    data["expected_count"],
                )
                % {"count": data["expected_count"]},
            )
            return redirect(back)
    group = None
    if filters["group"]:
        group = next(iter(domain.answer_groups(stage, limit=None, only=filters["group"])), None)
    return render(
        request,
        "consultations/answers_bulk.html",
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            form=form,
            count=count,
            filters=filters,
            block_label=(
                labels.get(filters["block"], "") if filters["block"] != WHOLE_TEXT else ""
            ),
            stance_label=dict(Stance.choices).get(filters["stance"], ""),
            group=group,
            synthesis=synthesis,
            whole_text=WHOLE_TEXT,
            back=back,
        ),
        status=400 if request.method == "POST" else 200,
    )


def _return_to(request, stage):
    """Back to the answers list the editor came from (with its filters), and nowhere else."""
    base = reverse("consultations:answers", args=[stage.consultation.proposal.slug, stage.position])
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted == base or (wanted.startswith(base + "?") and "\n" not in wanted):
        return wanted
    return base


@login_required
def disposition_edit(request, comment_id):
    comment = comment_or_404(
        StageComment.objects.select_related(
            "stage__consultation__proposal__organization",
            "stage__revision",
            "revision",
            "user__profile",
        ),
        comment_id,
    )
    stage = comment.stage
    proposal = stage.consultation.proposal
    if not can(request.user, "consultations.view", proposal):
        raise Http404
    if not can(request.user, "consultations.answer", proposal):
        raise PermissionDenied
    existing = Disposition.objects.filter(comment=comment).select_related("applied_in").first()
    initial = {}
    if existing is not None:
        initial = {
            "outcome": existing.outcome,
            "reason": existing.reason,
            "applied_in": existing.applied_in_id,
        }
    form = DispositionForm(request.POST or None, comment=comment, initial=initial)
    synthesis = _published(stage)
    # Why the answer cannot change, in the domain's own words (`domain.check_answer`).
    try:
        domain.check_answer(comment)
    except DomainError as refusal:
        locked = refusal.message
    else:
        locked = None
    return_to = _return_to(request, stage)
    if request.method == "POST" and form.is_valid():
        try:
            idempotency.run_once(
                request,
                "answer",
                lambda: domain.set_disposition(
                    request.user,
                    comment,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    applied_in=form.cleaned_data["applied_in"],
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The answer to comment #%(id)s was saved.") % {"id": comment.pk}
            )
            return redirect(return_to)
    labels = domain.block_labels(stage.revision)
    return render(
        request,
        "consultations/disposition_form.html",
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            comment=comment,
            block_label=labels.get(comment.block_key, ""),
            existing=existing,
            form=form,
            locked=locked,
            synthesis=synthesis,
            return_to=return_to,
            applicable=_applicable(request.user, comment),
        ),
        status=400 if request.method == "POST" else 200,
    )


def _applicable(user, comment):
    """Whether `user` may open the editor with `comment`'s suggested wording applied."""
    if not comment.suggestion or not can(user, "consultations.apply_suggestion", comment):
        return False
    try:
        domain.check_applicable(comment)
    except DomainError:
        return False
    return True


# --- Publishing the synthesis ------------------------------------------------------------------


def _count_table(counts):
    stance = [(label, counts["stance"].get(value, 0)) for value, label in Stance.choices]
    outcome = [(label, counts["outcome"].get(value, 0)) for value, label in Outcome.choices]
    missing = counts["outcome"].get("", 0)
    return stance, outcome, missing


@login_required
def synthesis_publish(request, slug, position):
    proposal = proposal_with_perm(request, slug, "consultations.answer")
    stage = _commented_stage(proposal, position)
    if _published(stage) is not None:
        # The domain's own words (`domain.check_synthesis_ready`, code "published").
        try:
            domain.check_synthesis_ready(stage)
        except DomainError as refusal:
            messages.info(request, refusal.message)
        return redirect("consultations:synthesis", slug=proposal.slug, position=stage.position)
    form = SynthesisPublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            domain.publish_synthesis(request.user, stage, intro=form.cleaned_data["intro"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The synthesis was published."))
            return redirect("consultations:synthesis", slug=proposal.slug, position=stage.position)
    try:
        domain.check_synthesis_ready(stage)
    except DomainError as error:
        refusal = error.message
    else:
        refusal = None
    counts = domain.current_synthesis_counts(stage)
    stance_counts, outcome_counts, unanswered = _count_table(counts)
    done, total = domain.answer_progress(stage)
    return render(
        request,
        "consultations/synthesis_publish.html",
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            form=form,
            refusal=refusal,
            total=counts["total"],
            stance_counts=stance_counts,
            outcome_counts=outcome_counts,
            unanswered=unanswered,
            answered_count=done,
            total_count=total,
        ),
        status=400 if request.method == "POST" else 200,
    )


# --- The synthesis page ------------------------------------------------------------------------


def _groups(rows):
    """Rows grouped by the paragraph they comment on (rows come in text order)."""
    return [
        {"block_key": key, "label": group[0]["block"], "rows": group}
        for key, group in (
            (key, list(items)) for key, items in groupby(rows, key=lambda row: row["block_key"])
        )
    ]


def _form_letters(rows):
    """The rows with each form-letter group (rows sharing a `group`, at least two) shown once,
    where its first row is: that row gets `members` (every member's row, in table order, each
    with its number, author and answer) and `answers` (each distinct answer given in the group
    with how many members got it); its other rows are left out here. The table itself (the
    exports) keeps one row per comment. On a page of the table, the group shows the members
    that are on that page; `group_size` says how many it has in all."""
    members = {}
    for row in rows:
        if row.get("group") and (row.get("group_size") or 0) > 1:
            members.setdefault(row["group"], []).append(row)
    shown = []
    for row in rows:
        group = members.get(row.get("group")) if (row.get("group_size") or 0) > 1 else None
        if group is None:
            shown.append(row)
        elif group[0] is row:
            answers = {}
            for member in group:
                key = (member["outcome"] or "", member["reason"] or "")
                answers.setdefault(key, {"outcome": key[0], "reason": key[1], "count": 0})
                answers[key]["count"] += 1
                answers[key]["label"] = member["outcome_label"]
            row["members"], row["answers"] = group, list(answers.values())
            shown.append(row)
    return shown


def _jumps(paragraphs, per_page):
    """The paragraphs (`Synthesis.paragraphs`) with the page their first row is on."""
    return [
        dict(paragraph, page=(paragraph["first"] - 1) // per_page + 1) for paragraph in paragraphs
    ]


def synthesis_detail(request, slug, position):
    """The synthesis table a page of `settings.SYNTHESIS_PAGE_ROWS` rows at a time, grouped by
    paragraph, with links to the page where each paragraph starts. The number of queries does
    not depend on the table's size: the published rows of a page are read by their numbers, the
    preview's by a slice of the table as it stands."""
    proposal = proposal_for(request, slug)
    stage = _commented_stage(proposal, position)
    synthesis = _published(stage)
    preview = False
    if synthesis is not None:
        counts, paragraphs = synthesis.counts, synthesis.paragraphs
    elif can(request.user, "consultations.answer", proposal):
        preview = True
        counts = domain.current_synthesis_counts(stage)
        paragraphs = domain.current_synthesis_paragraphs(stage)
    else:
        return render(
            request,
            "consultations/synthesis_detail.html",
            page_context(
                request, proposal, consultation=stage.consultation, stage=stage, missing=True
            ),
            status=404,
        )
    # The page's row numbers, from the total: no count query, no offset scan.
    per_page = settings.SYNTHESIS_PAGE_ROWS
    page = paginate(request, range(1, counts["total"] + 1), per_page=per_page)
    numbers = page.object_list
    if not numbers:
        rows = []
    elif preview:
        chunks = domain.synthesis_row_chunks(
            stage, offset=numbers[0] - 1, limit=len(numbers), chunk_size=per_page
        )
        rows = [dict(row, shown=True) for chunk in chunks for row in chunk]
    else:
        frozen = synthesis.row_data(first=numbers[0], last=numbers[-1])
        rows = [exports.current_row(row) for row in public.shown_rows(synthesis, frozen)]
    stance_counts, outcome_counts, unanswered = _count_table(counts)
    outcome_labels = dict(Outcome.choices)
    for row in rows:
        row["outcome_label"] = outcome_labels.get(row["outcome"], "")
        if row.get("suggestion") and row["shown"]:
            row["redline"] = redline(row["suggested_from"] or "", row["suggested_text"] or "")
    # A form-letter group shows once on the page, where its first row of the page is.
    groups = _groups(_form_letters(rows))
    if groups and numbers[0] > 1:
        # The page starts inside the paragraph the previous page ended with.
        groups[0]["continued"] = any(
            paragraph["first"] < numbers[0] <= paragraph["first"] + paragraph["rows"] - 1
            for paragraph in paragraphs
        )
    return render(
        request,
        "consultations/synthesis_detail.html",
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            synthesis=synthesis,
            preview=preview,
            groups=groups,
            page=page,
            jumps=_jumps(paragraphs, per_page) if page.paginator.num_pages > 1 else [],
            total=counts["total"],
            stance_counts=stance_counts,
            outcome_counts=outcome_counts,
            unanswered=unanswered,
            can_answer=can(request.user, "consultations.answer", proposal),
            # Who took part, counted now, on the first page (the rows are the synthesis').
            figures=counting.stage_figures(stage) if page.number == 1 else None,
        ),
    )


# --- Exports -----------------------------------------------------------------------------------

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
}


def _download(data, filename, fmt):
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stream(pieces, filename, fmt):
    """A download sent as it is produced (`pieces`: an iterator of bytes)."""
    response = StreamingHttpResponse(pieces, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stored(synthesis_file, filename):
    response = FileResponse(synthesis_file.file.open("rb"), content_type=CONTENT_TYPES["pdf"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def synthesis_export(request, slug, position, fmt):
    """The synthesis as CSV (streamed) or PDF. The PDF of a large synthesis is prepared once in
    the background (`consultations.synthesis_files`): until it is ready this is a page that
    offers to prepare it (a POST) or shows how far it got."""
    proposal = proposal_for(request, slug)
    stage = _commented_stage(proposal, int(position))
    synthesis = _published(stage)
    if synthesis is None:
        raise Http404
    synthesis.stage = stage
    filename = exports.synthesis_filename(synthesis, fmt)
    if fmt == "csv" or not synthesis_files.prepared_in_background(synthesis):
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if fmt == "csv":
            return _stream(exports.synthesis_csv(synthesis), filename, fmt)
        return _download(exports.synthesis_pdf(synthesis), filename, fmt)
    if request.method == "POST":
        synthesis_file, to_build = synthesis_files.request_pdf(request.user, synthesis)
        # Committed: a worker finds the row (without a broker, built right here). One that
        # cannot be reached leaves it failed: the page says so and offers to ask again.
        if to_build and not background.queue(tasks.build_synthesis_pdf, synthesis_file.pk):
            synthesis_files.not_started(synthesis_file)
        return redirect(request.path)
    synthesis_file = synthesis_files.current_file(synthesis)
    if synthesis_file is not None and synthesis_file.status == FileStatus.READY:
        return _stored(synthesis_file, filename)
    return render(
        request,
        "consultations/synthesis_pdf.html",
        page_context(
            request,
            proposal,
            consultation=stage.consultation,
            stage=stage,
            synthesis=synthesis,
            synthesis_file=synthesis_file,
            can_request=synthesis_files.can_request(synthesis_file),
            total=synthesis.counts.get("total", 0),
            percent=(
                100 * synthesis_file.rows_done // max(synthesis.counts.get("total", 0), 1)
                if synthesis_file is not None
                else 0
            ),
        ),
    )


def comments_export(request, slug, position, fmt):
    proposal = proposal_for(request, slug)
    stage = _commented_stage(proposal, int(position))
    pieces = exports.comments_json(stage) if fmt == "json" else exports.comments_csv(stage)
    filename = f"{proposal.slug}-{stage.position}-comments.{fmt}"
    return _stream(pieces, filename, fmt)
