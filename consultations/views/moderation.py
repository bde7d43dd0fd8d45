"""Moderation (site staff): the queue of comments held for review or flagged, and one comment
with its flags and history, where it is hidden with a reason, restored or its flags dismissed.
Every action goes through the domain, which logs it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from consultations import domain
from consultations.forms_manage import HideForm
from consultations.models import CommentState, Flag, StageComment
from consultations.views.manage import comment_or_404
from core.errors import DomainError
from core.models import ActivityLog
from core.pagination import paginate
from core.permissions import can, passes

ACTIONS = ("hide", "restore", "dismiss")


def _require_moderator(request):
    if not can(request.user, "consultations.moderate", None):
        raise PermissionDenied


def waiting_for_review():
    """Comments a moderator should look at: held ones, and shown ones with flags not yet
    reviewed. Oldest first, so nothing waits forever at the bottom of the queue."""
    return (
        StageComment.objects.filter(
            Q(state=CommentState.HELD)
            | Q(state=CommentState.VISIBLE, flag_count__gt=F("flags_reviewed"))
        )
        .select_related("user__profile", "stage__consultation__proposal")
        .prefetch_related(
            Prefetch("our_flags", queryset=Flag.objects.select_related("user__profile"))
        )
        .order_by("submit_date", "pk")
    )


@login_required
def queue(request):
    _require_moderator(request)
    page = paginate(request, waiting_for_review(), per_page=25)
    return render(request, "consultations/moderation_queue.html", {"page": page})


def _comment_history(comment):
    return (
        ActivityLog.objects.for_object(comment)
        .select_related("actor__profile", "target_type")
        .order_by("created_at", "id")[:500]
    )


@login_required
def moderate(request, comment_id):
    _require_moderator(request)
    comment = comment_or_404(
        StageComment.objects.select_related(
            "user__profile", "stage__consultation__proposal__organization", "stage__revision"
        ),
        comment_id,
    )
    form = HideForm(request.POST if request.POST.get("action") == "hide" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        status = 400
        if action not in ACTIONS:
            messages.error(request, _("Choose what to do with the comment."))
        elif action != "hide" or form.is_valid():
            try:
                done = _apply(request.user, comment, action, form)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, done)
                return redirect("consultations:moderation")
    flags = list(comment.our_flags.select_related("user__profile"))
    labels = domain.block_labels(comment.stage.revision)
    return render(
        request,
        "consultations/moderation_detail.html",
        {
            "comment": comment,
            "form": form,
            "flags": flags,
            "block_label": labels.get(comment.block_key, ""),
            "entries": [(entry, None) for entry in _comment_history(comment)],
            "can_hide": passes(domain.check_hide, comment),
            "can_restore": passes(domain.check_restore, comment),
            "can_dismiss": passes(domain.check_dismiss_flags, comment),
        },
        status=status,
    )


def _apply(moderator, comment, action, form):
    """Do `action` through the domain; returns the message to show."""
    if action == "hide":
        domain.hide_comment(moderator, comment, form.cleaned_data["reason"])
        return _("The comment was hidden.")
    if action == "restore":
        domain.restore_comment(moderator, comment)
        return _("The comment is shown again.")
    domain.dismiss_flags(moderator, comment)
    return _("The flags were dismissed.")
