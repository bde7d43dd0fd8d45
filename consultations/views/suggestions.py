"""Applying a suggestion of wording: the proposal's editor, opened with the suggestion applied
to its block of the current revision (`domain.suggestion_draft`), and saved with the
suggestion recorded and its author credited (`domain.save_suggestion`). For whoever may edit
the proposal's text (`consultations.apply_suggestion`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consultations import domain
from consultations.models import StageComment
from consultations.views.manage import comment_or_404
from core.errors import DomainError
from core.permissions import can
from proposals.views import edit_text


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_apply(request, comment_id):
    comment = comment_or_404(
        StageComment.objects.select_related(
            "stage__consultation__proposal__organization", "revision", "user__profile"
        ),
        comment_id,
    )
    proposal = comment.stage.consultation.proposal
    if not can(request.user, "consultations.view", proposal):
        raise Http404
    if not can(request.user, "consultations.apply_suggestion", comment):
        raise PermissionDenied
    try:
        domain.check_applicable(comment)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("consultations:disposition", comment.pk)
    labels = domain.block_labels(comment.revision)
    extra = {
        "notice_template": "consultations/_applying_suggestion.html",
        "suggestion": comment,
        "suggestion_block": labels.get(comment.block_key, ""),
    }
    start = None
    if request.method != "POST":
        current, start = domain.suggestion_draft(comment)
        extra["block_changed"] = any(
            conflict.key == comment.block_key for conflict in start.conflicts
        )
        extra["current_number"] = current.number

    def save(user, proposal, **fields):
        revision = domain.save_suggestion(user, comment, **fields)
        if revision is not None:
            messages.success(
                request,
                _("The wording suggested in comment #%(id)s is applied in revision %(n)s.")
                % {"id": comment.pk, "n": revision.number},
            )
        return revision

    return edit_text(request, proposal, start=start, save=save, extra=extra)
