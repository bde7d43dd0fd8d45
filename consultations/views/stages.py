"""Public pages of a consultation: its timeline, each stage with its text and threads, following.

Anyone who can see the proposal can read; a private draft's consultation is a 404. Reading never
writes: a stage's status, and the proposal's in the header, are derived from the dates, also
before the scheduled task (or a domain command) has recorded an opening or a closing
(`consultations.domain.events`).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultations import calendar, domain, threads
from consultations.domain.common import read_counts
from consultations.forms import CommentForm
from consultations.models import (
    Consultation,
    Follow,
    Question,
    Stage,
    StageKind,
    StageStatus,
    Synthesis,
)
from core.errors import DomainError
from core.pagecache import Filled, anonymous_page, placeholder, release, storable
from core.permissions import can, passes
from core.text import strip_control_characters
from proposals.views import proposal_context, proposal_for

# What a stage page needs in one query. The current revision is only named in the header (its
# number), so its blocks stay in the database; a synthesis's frozen table likewise.
STAGE_RELATED = (
    "consultation__proposal__organization",
    "consultation__proposal__target_authority",
    "consultation__proposal__current_revision",
    "revision",
    "synthesis",
)
STAGE_DEFERRED = (
    "consultation__proposal__current_revision__blocks",
    "synthesis__paragraphs",
    "synthesis__counts",
    "synthesis__intro",
)


def stage_for(request, slug, position):
    """The stage, or 404 for anyone who may not see its proposal."""
    stage = get_object_or_404(
        Stage.objects.select_related(*STAGE_RELATED)
        .defer(*STAGE_DEFERRED)
        # Whether the stage asks questions (its page links to them), in the same query.
        .annotate(has_questions=Exists(Question.objects.filter(stage=OuterRef("pk")))),
        consultation__proposal__slug=slug,
        position=position,
    )
    if not can(request.user, "consultations.view", stage):
        raise Http404
    return stage


def synthesis_of(stage):
    try:
        return stage.synthesis
    except Synthesis.DoesNotExist:
        return None


def showable_form(form):
    """Show a refused form's typed text back, without the characters that got it refused."""
    if form is not None and form.is_bound:
        form.errors  # noqa: B018  (validate with the data as sent, before cleaning it up)
        data = form.data.copy()
        for name in ("text", "quote", "note"):
            if name in data:
                data[name] = strip_control_characters(data[name])
        form.data = data
    return form


def stage_dates(stage, now):
    """The stage's dates in its organisation's time zone, and what is left of an open stage."""
    organization = stage.consultation.proposal.organization
    zone = organization.zone
    status = stage.status_at(now)
    return {
        "status": status,
        "opens_at": timezone.localtime(stage.opens_at, zone),
        "closes_at": timezone.localtime(stage.closes_at, zone),
        "meeting_at": timezone.localtime(stage.meeting_at, zone) if stage.meeting_at else None,
        "left": calendar.time_left(stage.closes_at, now, organization.country, zone)
        if status == StageStatus.OPEN
        else None,
    }


def meeting_context(request, stage, now):
    """What a meeting's page shows about registering: the places taken, the viewer's own
    registration (none for an anonymous visitor, whose copy of the page is shared), whether
    registrations are open, and the public attendance list. Side effects: none."""
    counts = domain.seat_counts(stage)
    registration = domain.active_registration(request.user, stage)
    current = (
        stage.minutes_versions.order_by("-number").only("attendance", "participants_reason").first()
        if stage.minutes_version
        else None
    )
    return {
        "minutes_reason": current.participants_reason if current else "",
        "minutes_attendance": current.attendance if current else None,
        "seats": counts,
        "seats_left": None
        if stage.capacity is None
        else max(stage.capacity - counts["registered"], 0),
        "my_registration": registration,
        "my_waiting_position": domain.waiting_position(registration),
        "takes_registrations": passes(domain.check_takes_registrations, stage, now),
        "attendance": domain.public_attendance(stage) if counts["marked"] else None,
    }


def participation(request, stage, now):
    """(can comment now, why not): the reason is a code the page explains — the code of the
    domain's own refusal (`domain.check_takes_comments`), or "anonymous" / "unverified"."""
    try:
        domain.check_takes_comments(stage, now)
    except DomainError as refusal:
        return False, refusal.code
    if not request.user.is_authenticated:
        return False, "anonymous"
    if not can(request.user, "consultations.participate"):
        return False, "unverified"
    return True, ""


def render_stage(
    request, stage, *, form=None, error="", kept_text="", kept_suggestion="", status=200
):
    """The stage page; also shown again, with the message and the typed text, when a comment
    is refused."""
    proposal = stage.consultation.proposal
    organization = proposal.organization
    now = timezone.now()
    # Reading never writes: the header shows the status the stages' dates call for.
    proposal.status = domain.proposal_status_at(stage.consultation, now=now)
    dates = stage_dates(stage, now)
    can_comment, why_not = participation(request, stage, now)
    filters = threads.Filters.from_query(request.GET, stage)
    number = threads.page_number(request.GET.get("page"))
    threads_html = text_html = ""
    counts = threads.Counts(stage)
    page, shown = threads.paginate(counts, filters, number), []
    if stage.accepts_comments:
        threads_html, page, shown = threads.render_threads(
            stage, filters, number, can_comment=can_comment, status=dates["status"], counts=counts
        )
        if can_comment:
            threads_html = threads.with_csrf(threads_html, csrf_input(request))
    if stage.revision is not None:
        text_html = threads.render_text(stage, status=dates["status"])
    if not can_comment:
        if form is not None and form.is_bound and not kept_text:
            kept_text = form.data.get("text", "")
            if form.data.get("suggestion") == "replace":
                kept_suggestion = form.data.get("suggested_text", "")
        form = None
    elif form is None:
        block = filters.block if filters.block != threads.WHOLE_TEXT else ""
        form = CommentForm(stage=stage, initial={"block": block})
    stages = list(
        stage.consultation.stages.order_by("position").values_list("position", "title", "kind")
    )
    meeting = meeting_context(request, stage, now) if stage.kind == StageKind.MEETING else {}
    response = render(
        request,
        "consultations/stage.html",
        proposal_context(
            request,
            proposal,
            "consultation",
            consultation=stage.consultation,
            stage=stage,
            stage_url=threads.stage_path(stage),
            stages=stages,
            revision=stage.revision,
            synthesis=synthesis_of(stage),
            zone=organization.zone,
            zone_name=organization.time_zone,
            **dates,
            can_comment=can_comment,
            why_not=why_not,
            filters=filters,
            labels=threads.paragraph_labels(stage.revision),
            whole_text=threads.WHOLE_TEXT,
            # Written in below (and into the cached copy when it is served).
            total=mark_safe(placeholder("total")),  # noqa: S308 (a constant)
            whole_text_count=mark_safe(placeholder("whole")),  # noqa: S308 (a constant)
            text_html=text_html,
            threads_html=threads_html,
            form=showable_form(form),
            error=error,
            kept_text=strip_control_characters(kept_text),
            kept_suggestion=strip_control_characters(kept_suggestion),
            can_manage=request.user.is_authenticated
            and can(request.user, "consultations.manage", stage),
            **meeting,
        ),
        status=status,
    )
    # The page with its counts; the cache (`core.pagecache`) keeps it with the placeholders.
    response.unfilled = response.content
    response.threads_html = threads_html
    response.content = threads.fill_values(
        stage, filters, page, shown, counts, viewer=request.user
    ).apply(response.content)
    return response


def dates_change_at(stage, stages, now, left):
    """The next moment a page of `stage` reads differently from its dates alone: a stage of the
    consultation (`stages`) opening or closing (the statuses), and for an open stage the next
    change of its time left (`left`: days and hours, working days counted from the
    organisation's day). None when nothing is ahead."""
    moments = [
        moment
        for item in stages
        for moment in (item.opens_at, item.closes_at)
        if moment is not None and moment > now
    ]
    # A meeting stops taking registrations when it starts.
    if stage.meeting_at is not None and stage.meeting_at > now:
        moments.append(stage.meeting_at)
    if left is not None:
        moments.append(stage.closes_at - timedelta(days=left["days"], hours=left["hours"]))
        zone = stage.consultation.proposal.organization.zone
        tomorrow = timezone.localtime(now, zone).date() + timedelta(days=1)
        moments.append(datetime.combine(tomorrow, datetime.min.time(), tzinfo=zone))
    return min(moments, default=None)


def page_version(request, stage, now, *, path, query=""):
    """What the pages of `stage` show that can change but its threads, for `core.pagecache`:
    every stage's `comments_version` (a synthesis, a stage edited, opened, closed or cancelled,
    changes to many threads move it on), the revisions, the statuses the dates give and the time
    left. None when the address is not the page's canonical `path` and `query` (the page is then
    rendered and not stored). Each page adds the versions of the threads it shows.

    `stage` is read before the page reads its own (both pages read theirs again): a comment
    hidden in between makes the page stored under the older version with the newer content,
    never older content under the newer version."""
    if request.path != path or request.META.get("QUERY_STRING", "") != query:
        return None
    consultation = stage.consultation
    proposal = consultation.proposal
    dates = stage_dates(stage, now)
    # Every stage's version and dates (for the proposal's status) in one query.
    stages = list(
        consultation.stages.order_by().only(
            "consultation", "comments_version", "opens_at", "closes_at", "cancelled_at"
        )
    )
    versions = {item.pk: item.comments_version for item in stages}
    versions[stage.pk] = stage.comments_version
    # When what the dates give changes (`core.earlycache` keeps the page until then at most).
    request.page_valid_until = dates_change_at(stage, stages, now, dates["left"])
    return (
        stage.pk,
        tuple(sorted(versions.items())),
        stage.revision_id,
        proposal.current_revision_id,
        proposal.status,
        domain.proposal_status_at(consultation, now=now, stages=stages),
        dates["status"],
        repr(dates["left"]),
        proposal.organization.time_zone,
    )


# What a stage page's version reads (core.pagecache): a few columns of the stage, its proposal
# and organisation — compiling the page's own stage query (five tables, every column) was 41 %
# of a page served from the cache.
VERSION_FIELDS = (
    "position",
    "kind",
    "comments_version",
    "revision",
    "opens_at",
    "closes_at",
    "cancelled_at",
    "meeting_at",
    "consultation__proposal__slug",
    "consultation__proposal__status",
    "consultation__proposal__current_revision",
    "consultation__proposal__organization__country",
)


def _stage_page_version(request, slug, position):
    # Read before the page's own stage (`stage_for`): the version is never newer than what the
    # page is rendered from.
    stage = get_object_or_404(
        Stage.objects.select_related("consultation__proposal__organization").only(*VERSION_FIELDS),
        consultation__proposal__slug=slug,
        position=position,
    )
    if not can(request.user, "consultations.view", stage):
        raise Http404
    # The filters are read only when there are some: checking a paragraph reads the revision.
    filtered = "block" in request.GET or "stance" in request.GET
    filters = threads.Filters.from_query(request.GET, stage) if filtered else threads.Filters()
    number = threads.page_number(request.GET.get("page"))
    counts = threads.Counts(stage)
    page = threads.paginate(counts, filters, number)
    if number > 1 and number > page.paginator.num_pages:
        return None  # beyond the last page: answered, not kept
    query = filters.query(page=number if number > 1 else None)
    parts = page_version(
        request, stage, timezone.now(), path=threads.stage_path(stage), query=query
    )
    if parts is None:
        return None
    # The page's threads and their versions (read before the page reads them): a change
    # elsewhere in the stage leaves this page's copy in use; the counts are written in.
    shown = threads.page_threads(stage, filters, page) if stage.accepts_comments else []
    values = threads.fill_values(stage, filters, page, shown, counts)
    filled = Filled(
        (*parts, tuple(shown), page.has_next()), values.values, values.defaults, values.numbers
    )
    status = parts[6]  # the stage's status as its dates make it (`page_version`)
    request.stage_page_shown = PageShown(parts, status, filters, page, shown, filled)
    # After a comment or a reaction anywhere, `core.earlycache` writes the counts into its copy
    # again while the page lists these threads, and replaces those of them that changed.
    request.early_refill = (
        threads.REFILL,
        threads.early_state(
            stage,
            filters,
            page,
            shown,
            stage.accepts_comments,
            status=status,
            parts=parts,
        ),
    )
    return filled


@dataclass(frozen=True)
class PageShown:
    """What the version of an anonymous stage page read (`_stage_page_version`), for the view
    that renders it when its copy is not in the cache: the stage's own parts of the version
    (`page_version`), the status they name, the filters, the page, its threads and their
    versions, and the counts to write in."""

    parts: tuple
    status: str
    filters: threads.Filters
    page: object
    threads: list
    filled: Filled


# Where the threads section goes in a stage page's shell (not a `core.pagecache` placeholder,
# which is filled when the page is served).
SHELL_MARK = b"<!--consult:threads-section-->"


def _shell_key(request, shown):
    named = (release(), get_language(), request.build_absolute_uri(), shown.parts)
    digest = hashlib.blake2b(repr(named).encode(), digest_size=16).hexdigest()
    return f"consult:stage-shell:{digest}"


def stage_from_shell(request, stage, shown):
    """An anonymous stage page whose copy is not in the cache, put together from cached parts
    when only its threads changed: the page around the threads (its "shell", kept under the
    stage's own parts of the version, the address, the language and the release) and the
    threads section (`threads.render_threads`: only the threads that changed are read and
    rendered). Without a shell, the page is rendered whole and its shell kept, for a page that
    may be kept (`core.pagecache.storable`). The counts are those the version read."""
    key = _shell_key(request, shown)
    kept = cache.get(key)
    if kept is None:
        response = render_stage(request, stage)
        section = response.threads_html.encode()
        if section and storable(request, response) and response.unfilled.count(section) == 1:
            shell = response.unfilled.replace(section, SHELL_MARK)
            cache.set(key, (shell, response["Content-Type"]), settings.PAGE_CACHE_SECONDS)
        return response
    shell, content_type = kept
    section, _page, _threads = threads.render_threads(
        stage,
        shown.filters,
        shown.page.number,
        can_comment=False,
        status=shown.status,
        listed=(shown.page, shown.threads),
    )
    response = HttpResponse(shell.replace(SHELL_MARK, section.encode()), content_type=content_type)
    response.unfilled = response.content
    response.content = shown.filled.apply(response.unfilled)
    return response


@anonymous_page(_stage_page_version)
def stage(request, slug, position):
    found = stage_for(request, slug, position)
    # Set by the version for an anonymous visitor's canonical address (the copy's key).
    shown = getattr(request, "stage_page_shown", None)
    if shown is not None and found.accepts_comments:
        return stage_from_shell(request, found, shown)
    return render_stage(request, found)


def consultation_for(request, slug):
    proposal = proposal_for(request, slug)
    try:
        consultation = proposal.consultation
    except Consultation.DoesNotExist:
        raise Http404 from None
    consultation.proposal = proposal
    return consultation


def consultation_detail(request, slug):
    consultation = consultation_for(request, slug)
    proposal = consultation.proposal
    organization = proposal.organization
    user = request.user
    now = timezone.now()
    stages = list(
        consultation.stages.select_related("revision", "synthesis")
        .defer("revision__blocks", "synthesis__paragraphs", "synthesis__counts", "synthesis__intro")
        .order_by("position")
    )
    proposal.status = domain.proposal_status_at(consultation, now=now, stages=stages)
    # Shown comments per stage, from the stored counts and the comments waiting to be added to
    # them (a few rows, and the few comments a worker has not folded in yet).
    counts = {}
    for stage_id, _block, _stance, _threads, shown in read_counts("consultation", consultation.pk):
        counts[stage_id] = counts.get(stage_id, 0) + shown
    can_manage = user.is_authenticated and can(user, "consultations.manage", consultation)
    timeline = []
    for item in stages:
        item.consultation = consultation
        dates = stage_dates(item, now)
        status = dates["status"]
        synthesis = synthesis_of(item)
        timeline.append(
            {
                "stage": item,
                **dates,
                "count": counts.get(item.pk, 0),
                "synthesis": synthesis,
                "can_edit": can_manage and passes(domain.check_stage_change, item, now),
                "can_cancel": can_manage and passes(domain.check_stage_cancel, item, now),
                "can_close": can_manage and passes(domain.check_close_early, item, now),
                "can_remove": can_manage and passes(domain.check_stage_remove, item, now),
                "can_minutes": can_manage and passes(domain.check_minutes, item, now),
                # The answers page (answering starts while the stage is open).
                "can_answer": can_manage
                and item.accepts_comments
                and status in (StageStatus.OPEN, StageStatus.CLOSED),
                # The publication page explains what is missing (e.g. unanswered comments).
                "can_publish": can_manage
                and item.accepts_comments
                and status == StageStatus.CLOSED
                and synthesis is None,
            }
        )
    following = (
        user.is_authenticated
        and Follow.objects.filter(consultation=consultation, user=user).exists()
    )
    drafts = _authority_draft_context(user, consultation, timeline, now)
    return render(
        request,
        "consultations/consultation_detail.html",
        proposal_context(
            request,
            proposal,
            "consultation",
            consultation=consultation,
            timeline=timeline,
            following=following,
            can_manage=can_manage,
            zone=organization.zone,
            zone_name=organization.time_zone,
            **drafts,
        ),
    )


def _authority_draft_context(user, consultation, timeline, now):
    """What the consultation page shows of an authority's own draft (issue 17): the requests
    for a public debate and whether the viewer may ask for one; on each stage, whether the
    viewer may log recommendations received. Nothing (no query) for other proposals."""
    if not consultation.proposal.is_authority_draft:
        return {}
    from consultations.drafts_pages import debate_rows, requesting_organizations
    from consultations.models import DEBATE_ANSWER_DAYS
    from consultations.publication_pack import check_pack_available

    can_log = user.is_authenticated and can(user, "consultations.log_recommendation", consultation)
    for row in timeline:
        row["can_log"] = can_log and passes(domain.check_logs_recommendations, row["stage"], now)
    return {
        "authority_draft": True,
        "debate_answer_days": DEBATE_ANSWER_DAYS,
        "debate_requests": debate_rows(consultation, now),
        "can_request_debate": passes(domain.check_debate_requestable, consultation, None, now)
        and requesting_organizations(user).exists(),
        "can_pack": user.is_authenticated
        and can(user, "consultations.publication_pack", consultation)
        and passes(check_pack_available, consultation, now),
    }


@require_POST
def follow(request, slug):
    """Follow or stop following (the button says which; without it, toggles)."""
    consultation = consultation_for(request, slug)
    url = consultation.get_absolute_url()
    if not request.user.is_authenticated:
        return redirect_to_login(url)
    action = request.POST.get("action", "")
    following = Follow.objects.filter(consultation=consultation, user=request.user).exists()
    if action == "unfollow" or (action != "follow" and following):
        domain.unfollow(request.user, consultation)
        messages.success(request, _("You no longer receive emails about this consultation."))
        return redirect(url)
    try:
        domain.follow(request.user, consultation)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _(
                "You will receive an email when a stage opens or closes, when a new revision is "
                "put to debate and when the synthesis is published."
            ),
        )
    return redirect(url)


def minutes_versions(request, slug, position):
    """Every published version of a meeting's minutes, newest first: a correction never hides
    what was published before."""
    stage = stage_for(request, slug, position)
    if stage.kind != StageKind.MEETING or not stage.minutes_version:
        raise Http404
    proposal = stage.consultation.proposal
    organization = proposal.organization
    versions = list(stage.minutes_versions.select_related("published_by__profile"))
    return render(
        request,
        "consultations/minutes_versions.html",
        proposal_context(
            request,
            proposal,
            "consultation",
            stage=stage,
            versions=versions,
            zone=organization.zone,
        ),
    )
