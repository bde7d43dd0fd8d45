"""Pages of an import: start (new proposal or existing one), progress, review, confirm.

Every step works without JavaScript: the progress page refreshes itself with a meta refresh,
the review is a form, the units of a law are checkboxes.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import background, ratelimit
from core.errors import DomainError
from core.params import int_param
from core.permissions import can
from proposals import content, importing, tasks
from proposals.forms import ImportIntoProposalForm, ProposalImportForm
from proposals.models import DocumentImport, ImportMode, ImportStatus, ProposalKind
from proposals.views import proposal_context, proposal_for

# A preview shows this many blocks a page (a long document is read a page at a time).
PREVIEW_PAGE_SIZE = 100


def _read(request, document_import):
    """Read the import now, or hand it to the background task when it is large (read now, too,
    when the broker cannot be reached: `core.background.queue`)."""
    if not importing.runs_in_background(document_import) or not background.queue(
        tasks.process_import, document_import.pk
    ):
        importing.process_import(document_import)
    return redirect(document_import)


TOO_MANY = gettext_lazy(
    "You have started many imports in the last hour. Wait a little and try again; your text is "
    "kept below."
)


def _too_many(request):
    """Each import keeps a file and runs the converter: a person starts at most
    IMPORT_RATE_PER_HOUR of them an hour (counted per account, so nobody else is held back)."""
    return not ratelimit.allow(
        "import", request.user.pk, limit=settings.IMPORT_RATE_PER_HOUR, period=3600
    )


def _source_error(form, error):
    field = "text" if form.data.get("text", "").strip() and not form.files.get("upload") else None
    if field is None and "upload" in form.fields:
        field = "upload"
    form.add_error(field, error.message)


def _earlier(request, proposal=None):
    """What an earlier import of this user typed, to start again from it (?from=<token>)."""
    token = request.GET.get("from", "")
    earlier = (
        DocumentImport.objects.filter(token=token, user=request.user).first() if token else None
    )
    if earlier is None or earlier.proposal_id != (proposal.pk if proposal else None):
        return {}
    initial = {"mode": earlier.mode, "placement": earlier.placement}
    if not proposal:
        initial.update(earlier.new_proposal)
        initial["organization"] = earlier.organization_id
    if earlier.pasted:
        with earlier.file.open("rb") as stored:
            initial["text"] = stored.read().decode("utf-8", "replace")
    return initial


def _start_page(request, form, start, page):
    """The start page: on a valid POST within the rate limit, `start(cleaned_data)` keeps the
    document and it is read; otherwise `page(status)` shows the form again, typed text kept."""
    if request.method != "POST":
        return page(200)
    status = 400
    if form.is_valid():
        if _too_many(request):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            try:
                document_import = start(form.cleaned_data)
            except DomainError as error:
                _source_error(form, error)
            else:
                return _read(request, document_import)
    return page(status)


def _source(data):
    """The file, or the pasted text, of a valid start form (exactly one is given)."""
    if data["text"] is None:
        return {"upload": data["upload"], "text": None}
    return {"upload": None, "text": data["text"]}


@login_required
def import_new(request):
    """A new proposal whose first revision is an imported document or law text."""
    if not can(request.user, "proposals.add_proposal"):
        raise PermissionDenied
    form = ProposalImportForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=_earlier(request),
    )

    def start(data):
        return importing.start_import(
            request.user,
            organization=data["organization"],
            mode=data["mode"],
            new_proposal=form.new_proposal(),
            **_source(data),
        )

    def page(status):
        context = {"form": form, "max_mb": settings.MAX_IMPORT_BYTES // (1024 * 1024)}
        return render(request, "proposals/import/start.html", context, status=status)

    return _start_page(request, form, start, page)


@login_required
def import_into(request, slug):
    """An imported document or law text added to (or replacing) an existing proposal's text."""
    proposal = proposal_for(request, slug, "proposals.change_proposal")
    form = ImportIntoProposalForm(
        request.POST or None, request.FILES or None, initial=_earlier(request, proposal)
    )
    if proposal.kind != ProposalKind.AMENDMENT:
        form.fields["mode"].choices = [
            choice for choice in form.fields["mode"].choices if choice[0] != ImportMode.ACT
        ]

    def start(data):
        return importing.start_import(
            request.user,
            organization=proposal.organization,
            proposal=proposal,
            mode=data["mode"],
            placement=data["placement"],
            **_source(data),
        )

    def page(status):
        context = proposal_context(
            request,
            proposal,
            "edit",
            form=form,
            max_mb=settings.MAX_IMPORT_BYTES // (1024 * 1024),
        )
        return render(request, "proposals/import/start.html", context, status=status)

    return _start_page(request, form, start, page)


def _import_for(request, token):
    document_import = (
        DocumentImport.objects.select_related("proposal__organization", "organization")
        .filter(token=token, user=request.user)
        .first()
    )
    if document_import is None:
        raise Http404
    return document_import


def _back_url(document_import):
    if document_import.proposal_id:
        return reverse("proposals:import", args=[document_import.proposal.slug])
    return reverse("proposals:import_new")


def _context(document_import, **extra):
    return {
        "document_import": document_import,
        "proposal": document_import.proposal,
        "result": document_import.result,
        "back_url": _back_url(document_import),
        "actions": content.AMENDMENT_ACTIONS,
        "language": document_import.language,
        "articles": sum(
            1 for unit in document_import.result.get("units", []) if unit.get("depth") == 0
        ),
        **extra,
    }


def _units(document_import):
    """The act's units for the checklist, each with its own text: an article's text holds its
    paragraphs, which are listed after it."""
    units = document_import.result.get("units", [])
    first_child = {}
    for unit in units:
        if unit["parent"] is not None:
            first_child.setdefault(unit["parent"], unit)
    listed = []
    for index, unit in enumerate(units):
        child = first_child.get(index)
        own = unit["text"]
        if child is not None and child["text"] in own:
            own = own[: own.index(child["text"])].rstrip()
        listed.append(dict(unit, index=index, own_text=own))
    return listed


def _chosen(request, document_import):
    count = len(document_import.result.get("units", []))
    chosen = {
        int_param(value, min_value=0, max_value=count - 1) for value in request.POST.getlist("unit")
    }
    return sorted(chosen - {None})


def _posted_rows(request, indexes):
    rows = []
    for index in indexes:
        prefix = f"row-{index}-"
        rows.append(
            {
                "unit": index,
                "reference": request.POST.get(prefix + "reference", ""),
                "action": request.POST.get(prefix + "action", "modify"),
                "proposed": request.POST.get(prefix + "proposed", ""),
                "rationale": request.POST.get(prefix + "rationale", ""),
            }
        )
    return rows


def _initial_rows(document_import, indexes):
    units = document_import.result["units"]
    return [
        {
            "unit": index,
            "reference": units[index]["reference"],
            "action": "modify",
            "proposed": units[index]["text"],
            "rationale": "",
        }
        for index in indexes
    ]


def _rows_context(document_import, rows):
    units = document_import.result["units"]
    return [dict(row, source=units[row["unit"]]) for row in rows]


@login_required
def import_review(request, token):
    """The progress, then the review of an import; POST discards, chooses units, confirms."""
    document_import = _import_for(request, token)
    if document_import.status == ImportStatus.CONFIRMED and document_import.revision_id:
        messages.info(request, _("This import was already saved."))
        return redirect(document_import.revision)
    if request.method == "POST" and request.POST.get("op") == "discard":
        return _discard(request, document_import)
    if document_import.is_stale:  # its worker stopped (or never ran): say so, write nothing
        return render(
            request,
            "proposals/import/failed.html",
            _context(document_import, error=document_import.stale_message),
            status=422,
        )
    if document_import.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return render(request, "proposals/import/progress.html", _context(document_import))
    if document_import.status == ImportStatus.FAILED:
        return render(
            request, "proposals/import/failed.html", _context(document_import), status=422
        )
    if document_import.mode == ImportMode.ACT:
        return _review_act(request, document_import)
    return _review_document(request, document_import)


def _discard(request, document_import):
    target = document_import.proposal
    try:
        importing.discard_import(request.user, document_import)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(document_import)
    messages.info(request, _("The import was discarded; nothing was saved."))
    return redirect(target if target else "proposals:list")


def _confirm(request, document_import, **kwargs):
    """Confirm the import; returns (response, None, None) or (None, error message, status)."""
    try:
        revision = importing.confirm_import(request.user, document_import, **kwargs)
    except importing.ReplaceConflict as conflict:
        importing.rebase_import(document_import, conflict.current.number)
        return None, conflict.message, 409
    except DomainError as error:
        if error.code == "confirmed":  # a second click, or a resend: show what was saved
            document_import.refresh_from_db()
            messages.info(request, error.message)
            return redirect(document_import.revision), None, None
        return None, error.message, 400
    messages.success(
        request,
        _("The import was saved as revision %(n)s.") % {"n": revision.number},
    )
    if revision.proposal.kind == ProposalKind.AMENDMENT:
        return redirect("proposals:table", revision.proposal.slug, revision.number), None, None
    return redirect(revision), None, None


def _review_document(request, document_import):
    from core.pagination import paginate

    blocks = document_import.result.get("blocks", [])
    page = paginate(request, blocks, per_page=PREVIEW_PAGE_SIZE)
    error, status = None, 200
    note = ""
    chosen_images = [image["name"] for image in document_import.result.get("images", [])]
    if request.method == "POST" and request.POST.get("op") == "confirm":
        note = request.POST.get("note", "")
        chosen_images = request.POST.getlist("image")
        response, error, status = _confirm(
            request, document_import, note=note, images=chosen_images
        )
        if response is not None:
            return response
    return render(
        request,
        "proposals/import/review_document.html",
        _context(
            document_import,
            page=page,
            error=error,
            note=note,
            chosen_images=chosen_images,
            message=importing.revision_message(document_import),
        ),
        status=status,
    )


def _review_act(request, document_import):
    units = _units(document_import)
    op = request.POST.get("op") if request.method == "POST" else None
    if op in ("choose", "confirm"):
        chosen = _chosen(request, document_import)
        if not chosen:
            return render(
                request,
                "proposals/import/review_act.html",
                _context(
                    document_import,
                    units=units,
                    chosen=[],
                    error=_("Tick at least one unit of the act to amend."),
                ),
                status=400,
            )
        error, status, note = None, 200, request.POST.get("note", "")
        if op == "choose":
            rows = _initial_rows(document_import, chosen)
        else:
            rows = _posted_rows(request, chosen)
            response, error, status = _confirm(request, document_import, rows=rows, note=note)
            if response is not None:
                return response
        return render(
            request,
            "proposals/import/review_rows.html",
            _context(
                document_import,
                rows=_rows_context(document_import, rows),
                chosen=chosen,
                error=error,
                note=note,
                message=importing.revision_message(document_import),
            ),
            status=status,
        )
    chosen = _chosen(request, document_import)
    return render(
        request,
        "proposals/import/review_act.html",
        _context(document_import, units=units, chosen=chosen),
    )
