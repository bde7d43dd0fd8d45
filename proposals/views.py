import functools
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import Organization, OrganizationKind
from core.activity import history
from core.errors import DomainError
from core.markdown import render_markdown
from core.models import ActivityLog
from core.pagecache import anonymous_page
from core.pagination import paginate
from core.params import int_param
from core.permissions import can, passes
from proposals import content, domain, merge
from proposals.attachments import store_upload
from proposals.diff import FieldChange, comparative_table, compute_diff, revision_diff, word_diff
from proposals.endorsements import active_endorsements, endorsement_counts
from proposals.forms import ProposalCreateForm, WithdrawForm, parse_editor, parse_resolutions
from proposals.models import (
    Attachment,
    CoauthorStatus,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Revision,
    Topic,
)


def proposal_for(request, slug, perm="proposals.view_proposal"):
    """The proposal, or 404 for anyone who may not see it (drafts stay invisible)."""
    proposal = get_object_or_404(
        Proposal.objects.select_related(
            "organization", "target_authority", "current_revision__author__profile"
        ),
        slug=slug,
    )
    if not can(request.user, "proposals.view_proposal", proposal):
        raise Http404
    if perm != "proposals.view_proposal" and not can(request.user, perm, proposal):
        raise PermissionDenied
    return proposal


def revision_for(proposal, number):
    if proposal.current_revision and proposal.current_revision.number == number:
        return proposal.current_revision
    revision = proposal.revisions.select_related("author__profile").filter(number=number).first()
    if revision is None:
        raise Http404
    return revision


def proposal_context(request, proposal, tab, **extra):
    """What the proposal's header needs (tabs and action buttons), plus `extra`."""
    user = request.user
    return {
        "proposal": proposal,
        "tab": tab,
        "can_edit": can(user, "proposals.change_proposal", proposal),
        "can_publish": passes(domain.check_publish, proposal)
        and can(user, "proposals.publish_proposal", proposal),
        "can_withdraw": passes(domain.check_withdraw, proposal)
        and can(user, "proposals.withdraw_proposal", proposal),
        "has_amendments": proposal.kind == ProposalKind.AMENDMENT,
        "can_submit": proposal.status in ProposalStatus.submittable()
        and can(user, "registrations.submit_proposal", proposal),
        "submission": proposal.submissions.order_by("-submitted_at", "-pk").first()
        if proposal.status in ProposalStatus.sent()
        else None,
        **extra,
    }


# --- Reading -----------------------------------------------------------------------------------


SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _slug_param(request, name):
    """A slug from the query string ("" when missing or not a slug: the filter is ignored)."""
    value = request.GET.get(name, "")
    return value if len(value) <= 100 and SLUG.fullmatch(value) else ""


def proposal_list(request):
    visible = Proposal.objects.visible_to(request.user)
    proposals = visible.select_related("organization", "target_authority").with_authors()
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    if kind in ProposalKind.values:
        proposals = proposals.filter(kind=kind)
    if status in ProposalStatus.values:
        proposals = proposals.filter(status=status)
    # Who wrote it, whom it is for, what it is about: the choices are those the visitor's
    # proposals have (a list of every authority would be 122 long and mostly empty).
    organization = _slug_param(request, "organization")
    authority = _slug_param(request, "authority")
    topic = _slug_param(request, "topic")
    if organization:
        # Its own proposals and those it co-authors.
        proposals = proposals.filter(
            Q(organization__slug=organization)
            | Q(
                coauthorships__organization__slug=organization,
                coauthorships__status=CoauthorStatus.ACCEPTED,
            )
        ).distinct()
    if authority:
        proposals = proposals.filter(target_authority__slug=authority)
    if topic:
        proposals = proposals.filter(topics__slug=topic)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        proposals = proposals.filter(title__icontains=query)
    page = paginate(request, proposals.order_by("-created_at", "-pk"), per_page=20)
    return render(
        request,
        "proposals/list.html",
        {
            "page": page,
            "kinds": ProposalKind.choices,
            "statuses": ProposalStatus.choices,
            "organizations": Organization.objects.filter(
                Q(pk__in=visible.values("organization"))
                | Q(
                    coauthorships__proposal__in=visible,
                    coauthorships__status=CoauthorStatus.ACCEPTED,
                )
            )
            .distinct()
            .order_by("name"),
            "authorities": Organization.objects.filter(
                pk__in=visible.values("target_authority")
            ).order_by("name"),
            "topics": sorted(
                Topic.objects.filter(pk__in=visible.values("topics")), key=lambda t: str(t)
            ),
            "kind": kind,
            "status": status,
            "organization": organization,
            "authority": authority,
            "topic": topic,
            "query": query,
            "filtered": bool(kind or status or organization or authority or topic or query),
        },
    )


# What other apps add to a proposal page's version (`register_page_part`).
PAGE_PARTS = []


def register_page_part(part):
    """Add `part(proposal)` (a few queries, a tuple) to the version of a proposal's page, for
    what another app shows on it (the consultation's comment counts per paragraph)."""
    if part not in PAGE_PARTS:
        PAGE_PARTS.append(part)


def _proposal_page_version(request, slug):
    """What the proposal page shows that can change (`core.pagecache`): the proposal's own
    fields, its current revision and that revision's author's public name, the names of the
    organisation and the authority, the last submission, and what other apps register. None
    for any address but the page's own."""
    proposal = proposal_for(request, slug)
    if request.path != proposal.get_absolute_url() or request.META.get("QUERY_STRING", ""):
        return None
    revision = proposal.current_revision
    submission = (
        proposal.submissions.order_by("-submitted_at", "-pk").values_list("pk", flat=True).first()
        if proposal.status in ProposalStatus.sent()
        else None
    )
    return (
        tuple(getattr(proposal, field.attname) for field in Proposal._meta.concrete_fields),
        revision.author.public_name if revision is not None else None,
        proposal.organization.name,
        proposal.organization.slug,
        proposal.target_authority.name if proposal.target_authority else None,
        submission,
        # The latest change logged about the proposal: co-authors joining or leaving,
        # endorsements given or withdrawn (the page names them), and everything else logged.
        ActivityLog.objects.filter(
            scope_type=ContentType.objects.get_for_model(Proposal), scope_id=str(proposal.pk)
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first(),
        *(part(proposal) for part in PAGE_PARTS),
    )


@anonymous_page(_proposal_page_version)
def proposal_detail(request, slug):
    proposal = proposal_for(request, slug)
    revision = proposal.current_revision
    if revision is None:
        # A draft whose text has not been saved yet (only its members can see it).
        return render(
            request, "proposals/no_text.html", proposal_context(request, proposal, "text")
        )
    extra = {}
    if proposal.is_public:
        # Who supports it, on its page: the counts and the latest few (all on their own tab).
        extra["endorsement_counts"] = endorsement_counts(proposal)
        if extra["endorsement_counts"]["total"]:
            extra["recent_endorsements"] = list(active_endorsements(proposal)[:5])
    return render(
        request,
        "proposals/revision.html",
        proposal_context(request, proposal, "text", revision=revision, is_current=True, **extra),
    )


def revision_detail(request, slug, number):
    proposal = proposal_for(request, slug)
    revision = revision_for(proposal, number)
    return render(
        request,
        "proposals/revision.html",
        proposal_context(
            request,
            proposal,
            "text",
            revision=revision,
            is_current=revision.pk == proposal.current_revision_id,
        ),
    )


def revision_history(request, slug):
    proposal = proposal_for(request, slug)
    revisions = proposal.revisions.select_related("author__profile", "organization").order_by(
        "-number"
    )
    page = paginate(request, revisions, per_page=50)
    return render(
        request, "proposals/history.html", proposal_context(request, proposal, "history", page=page)
    )


def proposal_activity(request, slug):
    proposal = proposal_for(request, slug)
    page = paginate(request, history(proposal), per_page=50)
    entries = [(entry, None) for entry in page.object_list]
    return render(
        request,
        "proposals/activity.html",
        proposal_context(request, proposal, "activity", page=page, entries=entries),
    )


def compare_choose(request, slug):
    """The history page's compare form submits here; redirect to the comparison's address."""
    proposal = proposal_for(request, slug)
    a = int_param(request.GET.get("a"), min_value=1)
    b = int_param(request.GET.get("b"), min_value=1)
    if a is None or b is None:
        messages.error(request, _("Choose two revisions to compare."))
        return redirect("proposals:history", slug=proposal.slug)
    return redirect("proposals:compare", slug=proposal.slug, a=min(a, b), b=max(a, b))


def compare(request, slug, a, b):
    proposal = proposal_for(request, slug)
    old = revision_for(proposal, a)
    new = revision_for(proposal, b)
    view = "side" if request.GET.get("view") == "side" else "inline"
    show_spelling = request.GET.get("spelling") == "1"
    old_files, new_files = set(old.attachments.all()), set(new.attachments.all())
    return render(
        request,
        "proposals/compare.html",
        proposal_context(
            request,
            proposal,
            "history",
            old=old,
            new=new,
            diff=revision_diff(old, new),
            view=view,
            show_spelling=show_spelling,
            files_added=sorted(new_files - old_files, key=str),
            files_removed=sorted(old_files - new_files, key=str),
        ),
    )


def amendment_table(request, slug, number):
    proposal = proposal_for(request, slug)
    if proposal.kind != ProposalKind.AMENDMENT:
        raise Http404
    revision = revision_for(proposal, number)
    rows = comparative_table(revision)
    return render(
        request,
        "proposals/table.html",
        proposal_context(
            request,
            proposal,
            "table",
            revision=revision,
            rows=rows,
            spelling_changes=sum(row.spelling_changes for row in rows),
            show_spelling=request.GET.get("spelling") == "1",
        ),
    )


# --- Drafting ----------------------------------------------------------------------------------


@login_required
def proposal_create(request):
    if not can(request.user, "proposals.add_proposal"):
        raise PermissionDenied
    form = ProposalCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = domain.create_proposal(
                request.user,
                data["organization"],
                title=data["title"],
                slug=data["slug"],
                summary=data["summary"],
                kind=data["kind"],
                target_authority=data["target_authority"],
                reference_act=data["reference_act"],
                language=data["language"],
                topics=data["topics"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The draft was created. Write its text and save a first version.")
            )
            return redirect("proposals:edit", slug=proposal.slug)
    drafts_for_authority = (
        form.fields["organization"].queryset.filter(kind=OrganizationKind.AUTHORITY).exists()
    )
    return render(
        request,
        "proposals/create.html",
        {"form": form, "drafts_for_authority": drafts_for_authority},
    )


def _new_block(block_type):
    block = {"key": content.new_block_key(), "type": block_type}
    for field in content.BLOCK_FIELDS[block_type]:
        block[field] = "modify" if field == "action" else ""
    return block


def _posted_attachments(request, proposal):
    """The files the editor keeps (checked boxes) plus new uploads, stored at once so that a
    refused save (conflict, error) never loses an upload. Returns (attachments, errors)."""
    ids = [int_param(value, min_value=1) for value in request.POST.getlist("keep_attachment")]
    kept = list(proposal.attachments.filter(pk__in=[pk for pk in ids if pk is not None]))
    errors = []
    for upload in request.FILES.getlist("upload")[:20]:
        try:
            kept.append(store_upload(request.user, proposal, upload))
        except DomainError as error:
            errors.append(error.message)
    return kept, errors


def _conflict_diff(conflict):
    if conflict.base is None:  # the other person saved the first version: all of it is new
        return compute_diff(Revision(number=0, title="", summary="", blocks=[]), conflict.current)
    return revision_diff(conflict.base, conflict.current)


def _field_text(value, name):
    """The text of `name` in a block (a dict) or of the title / summary (a string)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    text = value.get(name, "") or ""
    if name == "action":
        return str(content.AMENDMENT_ACTIONS.get(text, text))
    return text


def _shown_conflicts(conflicts, choices):
    """Each conflict with its fields as a word-level comparison (theirs on the left, mine on
    the right) and the choice already made, keyed by block key or "title" / "summary"."""
    shown = {}
    for conflict in conflicts:
        fields = []
        for name in conflict.fields:
            their = _field_text(conflict.theirs, name)
            mine = _field_text(conflict.mine, name)
            # A removed side shows no text: the other is shown as it is, unmarked.
            if conflict.theirs is None:
                their = mine
            elif conflict.mine is None:
                mine = their
            fields.append(FieldChange(name, word_diff(their, mine)))
        shown[conflict.key] = {
            "conflict": conflict,
            "fields": fields,
            "fields_value": ",".join(conflict.fields),
            "choice": choices.get(conflict.key, ""),
        }
    return shown


def _editor(
    request,
    proposal,
    *,
    base,
    fields,
    blocks,
    attachments,
    conflict=None,
    conflicts=(),
    choices=None,
    theirs=None,
    status=200,
    extra=None,
):
    # Files of the current version that are not kept are offered again, unchecked.
    kept_ids = {attachment.pk for attachment in attachments}
    current = proposal.current_revision
    dropped = [
        attachment
        for attachment in (current.attachments.all() if current else [])
        if attachment.pk not in kept_ids
    ]
    return render(
        request,
        "proposals/edit.html",
        proposal_context(
            request,
            proposal,
            "edit",
            base=base,
            fields=fields,
            blocks=blocks,
            conflict=conflict,
            conflict_diff=_conflict_diff(conflict) if conflict else None,
            conflicts=_shown_conflicts(conflicts, choices or {}),
            theirs=theirs,
            block_types=content.BLOCK_TYPES,
            actions=content.AMENDMENT_ACTIONS,
            attachments=attachments,
            dropped_attachments=dropped,
            max_attachment_mb=settings.MAX_ATTACHMENT_BYTES // (1024 * 1024),
            **(extra or {}),
        ),
        status=status,
    )


def _merged_changes(revision):
    """The changes of the other revision that a merged save brought in, named for a message."""
    result = revision.merge
    positions = {block["key"]: index for index, block in enumerate(revision.blocks, start=1)}
    names = []
    removed = 0
    for change in result.taken:
        if change.kind == merge.MOVED:
            names.append(_("the new order of the blocks"))
        elif change.kind == merge.REMOVED:
            removed += 1
        elif change.key == merge.TITLE:
            names.append(_("the title"))
        elif change.key == merge.SUMMARY:
            names.append(_("the summary"))
        elif change.kind == merge.ADDED:
            names.append(_("new block %(n)s") % {"n": positions[change.key]})
        else:
            block = revision.block(change.key)
            all_fields = content.BLOCK_FIELDS[block["type"]]
            if len(all_fields) > 1 and len(change.fields) < len(all_fields):
                labels = ", ".join(
                    str(FieldChange(name, []).label).lower() for name in change.fields
                )
                names.append(
                    _("block %(n)s (%(fields)s)") % {"n": positions[change.key], "fields": labels}
                )
            else:
                names.append(_("block %(n)s") % {"n": positions[change.key]})
    if removed:
        names.append(
            ngettext(
                "the removal of %(count)s block",
                "the removal of %(count)s blocks",
                removed,
            )
            % {"count": removed}
        )
    return names


def _report_merge(request, revision):
    parent = revision.parent
    names = _merged_changes(revision)
    values = {
        "n": revision.number,
        "other": parent.number,
        "author": parent.author.public_name,
        "base": revision.merge_base,
    }
    if names:
        messages.success(
            request,
            _(
                "Revision %(n)s was saved. While you edited revision %(base)s, %(author)s saved "
                "revision %(other)s; its changes were merged with yours: %(changes)s."
            )
            % {**values, "changes": "; ".join(names)},
        )
    else:
        messages.success(
            request,
            _(
                "Revision %(n)s was saved. While you edited revision %(base)s, %(author)s saved "
                "revision %(other)s; it keeps their changes too."
            )
            % values,
        )
    if revision.merge.order == merge.ORDER_BOTH_MOVED:
        messages.warning(
            request,
            _(
                "You both moved blocks: the order of revision %(other)s was kept. Move them "
                "again if needed."
            )
            % values,
        )


@login_required
def proposal_edit(request, slug):
    proposal = proposal_for(request, slug, "proposals.change_proposal")
    return edit_text(request, proposal)


def edit_text(request, proposal, *, start=None, save=None, extra=None):
    """The editor of `proposal`'s text (GET: the form; POST: saving it), for the plain editor
    and for an editor that starts from another text (a suggestion of wording applied by
    `consultations.views.suggestions`). The caller checked the permission.

    `start` (GET): the starting text instead of the current revision's, as a
    `proposals.merge.MergeResult` made against the current revision (its conflicts are shown
    with the choice they need); `save`: the function that saves, with the keywords of
    `domain.save_revision` (the default); `extra`: more context for the page (its
    `notice_template` is shown above the form)."""
    save = save or domain.save_revision
    current = proposal.current_revision
    if request.method != "POST" and start is not None and current is not None:
        return _editor(
            request,
            proposal,
            base=current.number,
            fields={"title": start.title, "summary": start.summary, "message": ""},
            blocks=start.blocks,
            attachments=list(current.attachments.all()),
            conflicts=start.conflicts,
            theirs=current,
            extra=extra,
        )
    if request.method != "POST":
        fields = {"title": proposal.title, "summary": proposal.summary, "message": ""}
        if current is None:  # the first version: the template of its kind, not saved yet
            return _editor(
                request,
                proposal,
                base=0,
                fields=fields,
                blocks=domain.starting_text(proposal),
                attachments=[],
            )
        fields.update(title=current.title, summary=current.summary)
        return _editor(
            request,
            proposal,
            base=current.number,
            fields=fields,
            blocks=current.blocks,
            attachments=list(current.attachments.all()),
        )

    try:
        fields, blocks, op = parse_editor(request.POST)
        resolutions = parse_resolutions(request.POST)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    base = int_param(request.POST.get("base"), min_value=0)
    if base is None:
        return HttpResponseBadRequest(_("The editor form is damaged; reload the page."))

    attachments, upload_errors = _posted_attachments(request, proposal)
    editor = functools.partial(
        _editor,
        request,
        proposal,
        fields=fields,
        blocks=blocks,
        attachments=attachments,
        extra=extra,
    )
    if resolutions:
        # A save after a conflict: the form is based on the revision whose texts were shown.
        theirs = proposal.revisions.filter(number=base).first()
        if theirs is None:
            return HttpResponseBadRequest(_("The editor form is damaged; reload the page."))
        choices = {item.key: item.choice for item in resolutions}
        if op != "save":  # adding a block: show the same choices again, nothing decided yet
            pending = [
                merge.Resolution(item.key, item.kind, item.fields, "") for item in resolutions
            ]
            conflicts = merge.resolve(
                fields["title"], fields["summary"], blocks, merge.Content.of(theirs), pending
            )[3]
            editor = functools.partial(editor, conflicts=conflicts, choices=choices, theirs=theirs)
        else:
            title, summary, resolved, unresolved = merge.resolve(
                fields["title"], fields["summary"], blocks, merge.Content.of(theirs), resolutions
            )
            if unresolved:
                messages.error(
                    request,
                    _(
                        "For each part you both changed, choose which text to keep. Nothing "
                        "was saved yet."
                    ),
                )
                return editor(
                    base=base, conflicts=unresolved, choices=choices, theirs=theirs, status=400
                )
            fields.update(title=title, summary=summary)
            blocks = resolved
    if op.startswith("add-") and op[4:] in content.BLOCK_TYPES:
        blocks.append(_new_block(op[4:]))
        return editor(base=base)
    if upload_errors:
        for error in upload_errors:
            messages.error(request, error)
        return editor(base=base, status=400)

    try:
        revision = save(
            request.user,
            proposal,
            base_number=base,
            title=fields["title"],
            summary=fields["summary"],
            blocks=blocks,
            message=fields["message"],
            attachments=attachments,
        )
    except domain.EditConflict as conflict:
        messages.error(request, conflict.message)
        if conflict.merge is None:
            # The user's text stays in the form, now based on the newest revision.
            return editor(base=conflict.current.number, conflict=conflict, status=409)
        # The form now holds the merged text (mine where both changed), based on the newest
        # revision; each conflict shows both texts and asks which to keep.
        merged = conflict.merge
        fields.update(title=merged.title, summary=merged.summary)
        return _editor(
            request,
            proposal,
            base=conflict.current.number,
            fields=fields,
            blocks=merged.blocks,
            attachments=list(
                Attachment.objects.filter(pk__in=conflict.attachment_ids).order_by("name", "pk")
            ),
            conflict=conflict,
            conflicts=merged.conflicts,
            theirs=conflict.current,
            status=409,
            extra=extra,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return editor(base=base, status=400)
    if revision is None:
        messages.info(request, _("Nothing changed, so no new revision was saved."))
        return redirect(proposal)
    if revision.merge is not None:
        _report_merge(request, revision)
    else:
        messages.success(request, _("Revision %(n)s was saved.") % {"n": revision.number})
    return redirect(revision)


@login_required
def revision_restore(request, slug, number):
    proposal = proposal_for(request, slug, "proposals.change_proposal")
    revision = revision_for(proposal, number)
    if request.method == "POST":
        try:
            new = domain.restore_revision(request.user, proposal, number)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(revision)
        messages.success(
            request,
            _("Revision %(old)s was restored as revision %(new)s.")
            % {"old": number, "new": new.number},
        )
        return redirect(new)
    return render(
        request,
        "proposals/restore.html",
        proposal_context(request, proposal, "history", revision=revision),
    )


@login_required
def proposal_publish(request, slug):
    proposal = proposal_for(request, slug, "proposals.publish_proposal")
    if request.method != "POST" and proposal.status != ProposalStatus.DRAFT:
        messages.info(request, _("This proposal is already public."))
        return redirect(proposal)
    if request.method == "POST":
        try:
            domain.publish_proposal(request.user, proposal)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The proposal is now public."))
        return redirect(proposal)
    return render(request, "proposals/publish.html", proposal_context(request, proposal, "text"))


@login_required
def proposal_withdraw(request, slug):
    proposal = proposal_for(request, slug, "proposals.withdraw_proposal")
    if request.method != "POST" and proposal.status in (
        ProposalStatus.DRAFT,
        ProposalStatus.WITHDRAWN,
    ):
        messages.info(
            request,
            _("Only a public proposal can be withdrawn.")
            if proposal.status == ProposalStatus.DRAFT
            else _("This proposal was already withdrawn."),
        )
        return redirect(proposal)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            domain.withdraw_proposal(request.user, proposal, form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The proposal was withdrawn. It stays readable."))
            return redirect(proposal)
    return render(
        request, "proposals/withdraw.html", proposal_context(request, proposal, "text", form=form)
    )


# --- Editor preview ----------------------------------------------------------------------------


@login_required
@require_POST
def markdown_preview(request):
    """Live preview for the editor: the same sanitising renderer as every stored text."""
    if not can(request.user, "proposals.add_proposal"):
        raise PermissionDenied
    text = request.POST.get("content", "")
    if len(text) > settings.MAX_BLOCK_CHARACTERS:
        return HttpResponse(
            _("The text is too long to preview."), status=413, content_type="text/plain"
        )
    return HttpResponse(render_markdown(text))


@login_required
@require_POST
def markdown_upload(request):
    return JsonResponse(
        {"image_code": "", "error": _("Images cannot be uploaded into the text; attach files.")},
        status=403,
    )


def attachment_download(request, slug, attachment_id, name):
    """A file of a proposal, for whoever may read the proposal; always as a download."""
    proposal = proposal_for(request, slug)
    attachment = get_object_or_404(proposal.attachments, pk=attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    return response
