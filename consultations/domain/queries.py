"""Read-only questions about consultations: what pages, exports and the domain commands ask.

Nothing here writes: no row, no log entry, no email, no lock. Pages call these (and never the
commands) so that rendering a page never writes; the commands call them to check a move.
"""

from collections import Counter

from django.db.models import Count, Max, Q
from django.db.models.functions import Substr
from django.utils import timezone

from consultations.calendar import time_left
from consultations.domain.common import resolve_now
from consultations.models import (
    CommentGroup,
    CommentState,
    Consultation,
    Stage,
    StageComment,
    StageKind,
    StageStatus,
    Stance,
    Synthesis,
)
from proposals.models import TRANSITIONS, ProposalStatus

# --- The text under debate --------------------------------------------------------------------


def block_keys(revision):
    """The keys of `revision`'s blocks (empty without a revision). Side effects: none."""
    return {block["key"] for block in revision.blocks} if revision else set()


def block_text(block):
    """All the words of a block, for checking a quote. Side effects: none."""
    if block is None:
        return ""
    parts = [block.get(name, "") for name in ("text", "article", "in_force", "proposed")]
    parts.append(block.get("rationale", ""))
    return " ".join(" ".join(part.split()) for part in parts if part)


def block_labels(revision):
    """Block key → a short public label: its position and, when it has one, its title.
    Side effects: none."""
    labels = {}
    if revision is None:
        return labels
    for index, block in enumerate(revision.blocks, start=1):
        title = block.get("article") or (block.get("text") if block["type"] == "heading" else "")
        title = " ".join((title or "").split())
        if len(title) > 80:
            title = title[:79] + "…"
        labels[block["key"]] = f"§{index} {title}".strip()
    return labels


# --- Answers and synthesis --------------------------------------------------------------------


def answer_progress(stage):
    """(answered, total) over the top-level comments that are shown. Side effects: none."""
    top = StageComment.objects.filter(stage=stage, level=0, state=CommentState.VISIBLE)
    counts = top.aggregate(
        total=Count("pk"), answered=Count("pk", filter=Q(disposition__isnull=False))
    )
    return counts["answered"], counts["total"]


# The answers page's filter of the paragraph for comments on the whole text.
WHOLE_TEXT = "whole"


def selection_filter(*, answered="", block="", stance="", group=None):
    """The condition the answers page's filters put on a stage's shown top-level comments:
    `answered` "answered" / "unanswered", `block` a paragraph key or `WHOLE_TEXT`, `stance` a
    stance, `group` a group id; an empty value does not filter. Side effects: none."""
    condition = Q()
    if answered == "unanswered":
        condition &= Q(disposition__isnull=True)
    elif answered == "answered":
        condition &= Q(disposition__isnull=False)
    if block == WHOLE_TEXT:
        condition &= Q(block_key="")
    elif block:
        condition &= Q(block_key=block)
    if stance:
        condition &= Q(stance=stance)
    if group:
        condition &= Q(group_id=group)
    return condition


def _shown_top_level(stage):
    return StageComment.objects.filter(stage=stage, level=0, state=CommentState.VISIBLE)


def answer_selection(stage, **filters):
    """The shown top-level comments of `stage` that the answers page's filters select
    (`selection_filter`), oldest first. Bulk answers act on exactly this selection.
    Side effects: none."""
    # A top-level comment's thread is its own id: the page's order, from the primary key.
    return _shown_top_level(stage).filter(selection_filter(**filters)).order_by("pk")


def answer_counts(stage, **filters):
    """The answers page's figures in one pass over the stage's shown top-level comments:
    how many there are (`total`), how many are answered (`answered`) and how many the filters
    select (`selected`). One query. Side effects: none."""
    return _shown_top_level(stage).aggregate(
        total=Count("pk"),
        answered=Count("pk", filter=Q(disposition__isnull=False)),
        selected=Count("pk", filter=selection_filter(**filters)),
    )


def selection_size(comments):
    """(how many, the highest id) of a selection (`answer_selection`): what a confirmation
    shows and what the command checks again before acting. One query. Side effects: none."""
    counts = comments.order_by().aggregate(count=Count("pk"), last=Max("pk"))
    return counts["count"], counts["last"] or 0


def group_counts(stage):
    """The stage's groups of similar comments with their shown comments (`total`) and those not
    answered yet (`unanswered`), largest first, as dicts with "group_id"; groups whose comments
    are all hidden are left out. It reads only the grouped comments (the index on `group`; only
    top-level comments are grouped), not the stage's other comments. A queryset (one query).
    Side effects: none."""
    return (
        StageComment.objects.filter(stage=stage, group__isnull=False, state=CommentState.VISIBLE)
        .values("group_id")
        .annotate(total=Count("pk"), unanswered=Count("pk", filter=Q(disposition__isnull=True)))
        .order_by("-total", "group_id")
    )


def answer_groups(stage, *, limit=20, only=None):
    """The largest `limit` groups of `group_counts` (or only the group of id `only`), each with
    the start of its first comment (`excerpt`). Two queries. Side effects: none."""
    groups = group_counts(stage)
    if only is not None:
        groups = groups.filter(group_id=only)
    groups = list(groups[:limit])
    excerpts = dict(
        CommentGroup.objects.filter(pk__in=[group["group_id"] for group in groups])
        .annotate(excerpt=Substr("seed__comment", 1, 120))
        .values_list("pk", "excerpt")
    )
    return [
        {
            "pk": group["group_id"],
            "total": group["total"],
            "unanswered": group["unanswered"],
            "excerpt": excerpts.get(group["group_id"], ""),
        }
        for group in groups
    ]


def has_synthesis(stage):
    """Whether the stage's synthesis is published (its comments and answers are then part of the
    record). Side effects: none."""
    try:
        stage.synthesis  # noqa: B018  (no query when the page loaded it with the stage)
    except Synthesis.DoesNotExist:
        return False
    return True


def synthesis_rows(stage):
    """The justification table: one row per shown comment, top-level first in text order.
    Side effects: none (`publish_synthesis` freezes these rows)."""
    comments = list(
        StageComment.objects.filter(stage=stage, state=CommentState.VISIBLE)
        .select_related("user__profile", "disposition__applied_in", "revision")
        .order_by("thread_id", "order")
    )
    labels = block_labels(stage.revision)
    order = {key: i for i, key in enumerate(labels)}
    thread_sizes = Counter(c.thread_id for c in comments)
    top = [c for c in comments if c.level == 0]
    top.sort(key=lambda c: (order.get(c.block_key, -1) if c.block_key else -1, c.submit_date))
    rows = []
    for number, comment in enumerate(top, start=1):
        disposition = getattr(comment, "disposition", None)
        rows.append(
            {
                "number": number,
                "comment_id": comment.pk,
                "author": comment.author_name,
                "block_key": comment.block_key,
                "block": labels.get(comment.block_key, "") if comment.block_key else "",
                "quote": comment.quote,
                "text": comment.comment,
                "stance": comment.stance,
                "submitted_at": comment.submit_date.isoformat(),
                "outcome": disposition.outcome if disposition else "",
                "reason": disposition.reason if disposition else "",
                "applied_in": (
                    disposition.applied_in.number
                    if disposition and disposition.applied_in
                    else None
                ),
                "replies": thread_sizes[comment.thread_id] - 1,
                # The form-letter group (`grouping`) and how many rows of this table are in it.
                "group": comment.group_id,
                "group_size": 0,
            }
        )
    sizes = Counter(row["group"] for row in rows if row["group"])
    for row in rows:
        row["group_size"] = sizes[row["group"]] if row["group"] else 0
    return rows


def synthesis_counts(rows):
    """Totals of a synthesis table: rows, rows per stance, rows per outcome. Side effects: none."""
    counts = {"total": len(rows), "stance": {}, "outcome": {}}
    for row in rows:
        stance = row["stance"] or Stance.NEUTRAL
        counts["stance"][stance] = counts["stance"].get(stance, 0) + 1
        counts["outcome"][row["outcome"]] = counts["outcome"].get(row["outcome"], 0) + 1
    return counts


# --- Stage events and the proposal's status ---------------------------------------------------


def due_stage_events(now=None, *, consultation=None):
    """Stages (of `consultation`, or of every consultation) whose opening or closing has come
    and is not recorded yet; cancelled stages have none. Side effects: none."""
    now = resolve_now(now)
    stages = Stage.objects.filter(
        Q(opening_processed_at__isnull=True, opens_at__lte=now)
        | Q(closing_processed_at__isnull=True, closes_at__lte=now)
    ).filter(cancelled_at__isnull=True)
    if consultation is not None:
        stages = stages.filter(consultation=consultation)
    return stages


def consultation_status_moves(status, stages, now):
    """The moves of a proposal in `status` that its consultation's `stages` call for at `now`,
    in order: in consultation while a stage is open; consultation closed once none is open.
    A stage that opened and closed unseen still took place, so both moves are listed (each is
    logged); a move the proposal's lifecycle does not allow ends the list. Side effects: none
    (`events.sync_proposal_status` makes the moves)."""
    any_open = any(s.status_at(now) == StageStatus.OPEN for s in stages)
    # A stage cancelled while it was open did take place (its comments stay on record).
    any_opened = any(
        s.status_at(now) in (StageStatus.OPEN, StageStatus.CLOSED)
        or (s.cancelled_at is not None and s.opens_at <= s.cancelled_at)
        for s in stages
    )
    if any_open:
        path = [ProposalStatus.IN_CONSULTATION]
    elif any_opened:
        path = [ProposalStatus.IN_CONSULTATION, ProposalStatus.CONSULTATION_CLOSED]
        if status != ProposalStatus.PUBLISHED:
            path = path[1:]
    else:
        return []
    moves = []
    for target in path:
        if status == target or target not in TRANSITIONS[ProposalStatus(status)]:
            break
        moves.append(target)
        status = target
    return moves


def proposal_status_at(consultation, *, now=None, stages=None):
    """The proposal's status as its stages' dates make it at `now`, whether or not the scheduled
    task has recorded their openings and closings yet: what a page shows. `stages` saves the
    query when the caller has them. Side effects: none."""
    now = resolve_now(now)
    status = consultation.proposal.status
    if stages is None:
        stages = consultation.stages.order_by().only(
            "consultation", "opens_at", "closes_at", "cancelled_at"
        )
    moves = consultation_status_moves(status, list(stages), now)
    return moves[-1] if moves else status


def status_from_dates(proposal, *, now=None):
    """`proposal`'s status as its consultation's stage dates make it at `now` (its stored status
    when it has no consultation): what a page shows before the scheduled task records an
    opening or a closing. Side effects: none."""
    consultation = Consultation.objects.filter(proposal=proposal).first()
    if consultation is None:
        return proposal.status
    consultation.proposal = proposal
    return proposal_status_at(consultation, now=now)


def open_stages(now=None, limit=10):
    """Stages taking comments at `now`, closing soonest first, each with its time left
    (`left`) and its closing in its organisation's time zone (`closes_local`): the home page's
    list. Side effects: none."""
    now = resolve_now(now)
    stages = list(
        Stage.objects.filter(
            opens_at__lte=now,
            closes_at__gt=now,
            cancelled_at__isnull=True,
            kind__in=StageKind.commentable(),
            consultation__proposal__status__in=ProposalStatus.public(),
        )
        .exclude(consultation__proposal__status=ProposalStatus.WITHDRAWN)
        .select_related("consultation__proposal__organization")
        .order_by("closes_at", "pk")[:limit]
    )
    for stage in stages:
        organization = stage.consultation.proposal.organization
        stage.left = time_left(stage.closes_at, now, organization.country, organization.zone)
        stage.closes_local = timezone.localtime(stage.closes_at, organization.zone)
    return stages
