"""Commenting: posting, the comment's own page, replying, reacting, flagging, withdrawing, and
stopping notification emails.

Each action is one domain function; a refusal is shown on the page with what was typed, never
lost. A comment refused because the stage closed while it was being written answers 409 with
the text shown back; invalid input answers 400; too many posts in a minute, 429.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from consultations import domain, notifications, threads
from consultations.forms import CommentForm, FlagForm, ReplyForm
from consultations.models import (
    CommentState,
    Consultation,
    Flag,
    Follow,
    ReplyOptOut,
    Stage,
    StageComment,
)
from consultations.views.stages import (
    STAGE_DEFERRED,
    page_version,
    participation,
    render_stage,
    showable_form,
    stage_dates,
    stage_for,
)
from core import idempotency, ratelimit
from core.errors import DomainError
from core.pagecache import anonymous_page
from core.permissions import can, passes
from core.text import strip_control_characters
from proposals.views import proposal_context

COMMENT_RELATED = [
    "stage__consultation__proposal__organization",
    "stage__consultation__proposal__target_authority",
    "stage__consultation__proposal__current_revision",
    "stage__revision",
    "stage__synthesis",
    "user__profile",
]
COMMENT_DEFERRED = ["stage__" + name for name in STAGE_DEFERRED]


def comment_for(request, comment_id):
    """The comment, or 404 for anyone who may not see its proposal."""
    comment = get_object_or_404(
        StageComment.objects.select_related(*COMMENT_RELATED).defer(*COMMENT_DEFERRED),
        pk=comment_id,
    )
    if not can(request.user, "consultations.view", comment):
        raise Http404
    return comment


def _rate_limited(request, scope):
    return not ratelimit.allow(
        scope, request.user.pk, limit=settings.COMMENT_RATE_PER_MINUTE, period=60
    )


TOO_FAST = gettext_lazy(
    "You have sent many comments in the last minute. Wait a minute and send again; your text "
    "is kept below."
)


def stage_for_posting(request, slug, position):
    """The stage a comment is posted to, as the domain command reads it
    (`domain.stage_to_post_to`: what the gate, the form and the checks need, not what the page
    shows around them), or 404 for anyone who may not see its proposal. A refused post renders
    the page with `stage_for`."""
    try:
        stage = domain.stage_to_post_to(slug=slug, position=position)
    except Stage.DoesNotExist:
        raise Http404 from None
    if not can(request.user, "consultations.view", stage):
        raise Http404
    return stage


@require_POST
def comment_post(request, slug, position):
    stage = stage_for_posting(request, slug, position)
    if not request.user.is_authenticated:
        return redirect_to_login(stage.get_absolute_url() + "#comment-form")
    form = CommentForm(request.POST, stage=stage)
    if _rate_limited(request, "comment"):
        form.is_valid()
        return render_stage(
            request, stage_for(request, slug, position), form=form, error=str(TOO_FAST), status=429
        )
    if not form.is_valid():
        return render_stage(
            request,
            stage_for(request, slug, position),
            form=form,
            error=_("Your comment was not saved: correct what is marked below."),
            status=400,
        )
    data = form.cleaned_data
    try:
        comment, _repeated = idempotency.run_once(
            request,
            "comment",
            lambda claim: domain.post_comment(
                request.user,
                stage,
                text=data["text"],
                block_key=data["block"],
                quote=data["quote"],
                stance=data["stance"],
                parent_id=data["parent_id"],
                suggestion=data["suggestion"],
                suggested_text=data["suggested_text"] if data["suggestion"] == "replace" else "",
                fresh=True,
                then=claim,
            ),
            claim_last=True,
        )
    except domain.StageClosed as refusal:
        return render_stage(
            request,
            stage_for(request, slug, position),
            error=refusal.message,
            kept_text=data["text"],
            kept_suggestion=data["suggested_text"] if data["suggestion"] == "replace" else "",
            status=409,
        )
    except DomainError as refusal:
        return render_stage(
            request,
            stage_for(request, slug, position),
            form=form,
            error=refusal.message,
            status=403 if refusal.code == "unverified" else 400,
        )
    messages.success(request, _("Your comment was published."))
    return redirect(threads.location(comment))


def _find(node, pk):
    if node is None:
        return None
    if node.pk == pk:
        return node
    for reply in node.replies:
        found = _find(reply, pk)
        if found is not None:
            return found
    return None


def _mark_reactions(node, mine):
    """Give each comment of the thread from `node` down the reaction the viewer gave it
    (`viewer_reaction`, "" for none), from `mine` (`threads.viewer_reactions`)."""
    if node is None:
        return
    node.viewer_reaction = mine.get(node.pk, "")
    for reply in node.replies:
        _mark_reactions(reply, mine)


def _comment_page_context(request, comment, **extra):
    """The proposal's header, the comment (as built for threads) and what the viewer may do."""
    stage = comment.stage
    proposal = stage.consultation.proposal
    user = request.user
    now = timezone.now()
    dates = stage_dates(stage, now)
    can_comment, why_not = participation(request, stage, now)
    thread = threads.build_thread(comment)
    node = _find(thread, comment.pk) or comment
    _mark_reactions(thread, threads.viewer_reactions(user, [comment.thread_id]))
    visible = comment.state == CommentState.VISIBLE
    own = user.is_authenticated and comment.user_id == user.pk
    context = proposal_context(request, proposal, "consultation")
    context.update(threads.comment_context(stage, can_comment=can_comment, status=dates["status"]))
    context.update(
        **dates,
        consultation=stage.consultation,
        zone=proposal.organization.zone,
        zone_name=proposal.organization.time_zone,
        comment=node,
        thread=thread,
        current_id=comment.pk,
        why_not=why_not,
        stage_location=threads.location(comment),
        can_reply=can_comment and passes(domain.check_reply_to, comment),
        too_deep=visible and comment.level >= domain.MAX_LEVEL,
        can_react=can_comment and passes(domain.check_react, user, comment),
        can_flag=passes(domain.check_flag, user, comment),
        can_withdraw=can(user, "consultations.withdraw_comment", comment)
        and passes(domain.check_withdraw, comment),
        can_moderate=can(user, "consultations.moderate"),
        can_answer=user.is_authenticated and can(user, "consultations.answer", comment),
        own=own,
    )
    # The thread's forms (reactions, replies) are only there for whoever may comment: asking for
    # a token otherwise would set a cookie and keep the page out of the shared cache.
    context["csrf_placeholder"] = csrf_input(request) if can_comment else ""
    context.update(extra)
    return context


def _comment_page_version(request, comment_id):
    comment = comment_for(request, comment_id)
    path = reverse("consultations:comment", args=[comment.pk])
    parts = page_version(request, comment.stage, timezone.now(), path=path)
    if parts is None:
        return None
    # The page shows the whole thread, with its reaction counts: its version and those counts,
    # in one query (read before the page reads the thread).
    thread = tuple(
        StageComment.objects.filter(thread_id=comment.thread_id)
        .order_by("pk")
        .values_list("pk", "thread_version", "agree_count", "disagree_count")
    )
    return (*parts, thread)


@anonymous_page(_comment_page_version)
def comment_detail(request, comment_id):
    comment = comment_for(request, comment_id)
    return render(
        request,
        "consultations/comment_detail.html",
        _comment_page_context(request, comment, reply_form=ReplyForm()),
    )


def _reply_page(request, parent, *, form, error="", kept_text="", status=200):
    context = _comment_page_context(request, parent)
    if not context["can_reply"]:
        if form is not None and form.is_bound and not kept_text:
            kept_text = form.data.get("text", "")
        form = None
    return render(
        request,
        "consultations/comment_reply.html",
        {
            **context,
            "form": showable_form(form),
            "error": error,
            "kept_text": strip_control_characters(kept_text),
        },
        status=status,
    )


@login_required
def comment_reply(request, comment_id):
    parent = comment_for(request, comment_id)
    if request.method != "POST":
        return _reply_page(request, parent, form=ReplyForm())
    form = ReplyForm(request.POST)
    if _rate_limited(request, "comment"):
        form.is_valid()
        return _reply_page(request, parent, form=form, error=str(TOO_FAST), status=429)
    if not form.is_valid():
        return _reply_page(
            request,
            parent,
            form=form,
            error=_("Your reply was not saved: correct what is marked below."),
            status=400,
        )
    text = form.cleaned_data["text"]
    try:
        reply, _repeated = idempotency.run_once(
            request,
            "reply",
            lambda claim: domain.post_comment(
                request.user, parent.stage, text=text, parent_id=parent.pk, then=claim
            ),
            claim_last=True,
        )
    except domain.StageClosed as refusal:
        return _reply_page(
            request, parent, form=None, error=refusal.message, kept_text=text, status=409
        )
    except DomainError as refusal:
        return _reply_page(
            request,
            parent,
            form=form,
            error=refusal.message,
            status=403 if refusal.code == "unverified" else 400,
        )
    messages.success(request, _("Your reply was published."))
    return redirect(threads.location(reply))


@require_POST
def comment_react(request, comment_id):
    comment = comment_for(request, comment_id)
    if not request.user.is_authenticated:
        return redirect_to_login(comment.get_absolute_url())
    if _rate_limited(request, "react"):
        messages.error(request, _("You have reacted many times in the last minute; wait a minute."))
        return render(request, "429.html", status=429)
    try:
        result = domain.react(request.user, comment, request.POST.get("value", ""))
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        if result is None:
            messages.success(request, _("Your reaction was taken back."))
        else:
            messages.success(request, _("Your reaction was recorded."))
    if request.POST.get("next") == "stage":
        return redirect(threads.location(comment))
    return redirect(comment.get_absolute_url())


@login_required
def comment_flag(request, comment_id):
    comment = comment_for(request, comment_id)
    already = Flag.objects.filter(comment=comment, user=request.user).exists()
    form = FlagForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                idempotency.run_once(
                    request,
                    "flag",
                    lambda: domain.flag_comment(
                        request.user,
                        comment,
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                    ),
                )
            except DomainError as refusal:
                error, status = refusal.message, 400
            else:
                messages.success(request, _("Thank you. A moderator will look at this comment."))
                return redirect(comment.get_absolute_url())
        else:
            error, status = _("Choose a reason; the details are optional."), 400
    context = _comment_page_context(request, comment)
    context.update({"form": showable_form(form), "error": error, "already": already})
    return render(request, "consultations/comment_flag.html", context, status=status)


@login_required
def comment_withdraw(request, comment_id):
    comment = comment_for(request, comment_id)
    if not can(request.user, "consultations.withdraw_comment", comment):
        raise PermissionDenied
    error, status = "", 200
    if request.method == "POST":
        try:
            domain.withdraw_comment(request.user, comment)
        except DomainError as refusal:
            error, status = refusal.message, 400
        else:
            messages.success(
                request,
                _(
                    "Your comment was withdrawn. A note in the thread says so; its text is no "
                    "longer shown."
                ),
            )
            return redirect(comment.get_absolute_url())
    context = _comment_page_context(request, comment)
    context["error"] = error
    return render(request, "consultations/comment_withdraw.html", context, status=status)


@csrf_exempt  # the token in the address is the authorisation; mail clients post without cookies
def unsubscribe(request, token):
    """GET asks; POST stops (also the one-click POST of RFC 8058 from mail clients)."""
    data = notifications.read_unsubscribe_token(token)
    if data is None:
        return render(request, "consultations/unsubscribe.html", {"invalid": True}, status=400)
    consultation = None
    if data["k"] == notifications.FOLLOW and data.get("c"):
        consultation = Consultation.objects.select_related("proposal").filter(pk=data["c"]).first()
        if consultation is not None and not consultation.proposal.is_public:
            consultation = None
    done = False
    if request.method == "POST":
        if data["k"] == notifications.FOLLOW:
            if data.get("c"):
                Follow.objects.filter(user_id=data["u"], consultation_id=data["c"]).delete()
        else:
            from accounts.models import User

            if User.objects.filter(pk=data["u"]).exists():
                ReplyOptOut.objects.get_or_create(user_id=data["u"])
        done = True
    return render(
        request,
        "consultations/unsubscribe.html",
        {
            "kind": data["k"],
            "consultation": consultation,
            "done": done,
            "token": token,
        },
    )
