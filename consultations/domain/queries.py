"""Read-only questions about consultations: what pages, exports and the domain commands ask.

Nothing here writes: no row, no log entry, no email, no lock. Pages call these (and never the
commands) so that rendering a page never writes; the commands call them to check a move.
"""

from django.db.models import Case, Count, IntegerField, Max, Q, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from accounts.models import Organization
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
from core import sql
from proposals import stored_blocks
from proposals.models import (
    TRANSITIONS,
    Proposal,
    ProposalStatus,
    Revision,
    authors_prefetch,
)

# --- The text under debate --------------------------------------------------------------------


# What posting reads with a stage: (model, the model it hangs from, the key there, fields not
# read). The revision's blocks come from this process's copy (`proposals.stored_blocks`).
_POSTING_JOINS = (
    (Stage, None, None, ()),
    (Consultation, Stage, "consultation_id", ()),
    (Proposal, Consultation, "proposal_id", ()),
    (Organization, Proposal, "organization_id", ()),
    (Revision, Stage, "revision_id", ("blocks",)),
)


class _PostingRead:
    """The read of `stage_to_post_to`, written once per process (`core.sql`): one query of the
    five tables, every column of each but the revision's blocks, made into model instances as
    the ORM's `select_related` makes them (the database's values converted as the ORM converts
    them, then `Model.from_db`). Compiling the ORM's form of it
    took three quarters of its time, for every comment posted."""

    def __init__(self, where):
        aliases = {model: f"t{index}" for index, (model, *_rest) in enumerate(_POSTING_JOINS)}
        self.parts, columns, joins = [], [], []
        for model, owner, key, skipped in _POSTING_JOINS:
            alias = aliases[model]
            fields = [f for f in model._meta.concrete_fields if f.name not in skipped]
            names = [f.attname for f in fields]
            table, quoted = sql.quoted(model, names)
            columns += [f"{alias}.{column}" for column in quoted]
            self.parts.append(sql.part(model, fields))
            if owner is None:
                first = f"{table} {alias}"
                continue
            _owner_table, (owner_key,) = sql.quoted(owner, [key])
            _table, (pk,) = sql.quoted(model, [model._meta.pk.attname])
            nullable = next(f for f in owner._meta.concrete_fields if f.attname == key).null
            kind = "LEFT OUTER JOIN" if nullable else "INNER JOIN"
            joins.append(f"{kind} {table} {alias} ON {alias}.{pk} = {aliases[owner]}.{owner_key}")
        conditions = []
        for name in where:
            model = Proposal if name == "slug" else Stage
            _table, (column,) = sql.quoted(model, [name])
            conditions.append(f"{aliases[model]}.{column} = %s")
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {first} {' '.join(joins)} "
            f"WHERE {' AND '.join(conditions)}"
        )

    def read(self, params):
        with sql.kept_cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            raise Stage.DoesNotExist("No stage to post to matches the given query.")
        made = dict(zip((part[0] for part in self.parts), sql.made(self.parts, row), strict=True))
        stage = made[Stage]
        made[Proposal].organization = made[Organization]
        made[Consultation].proposal = made[Proposal]
        stage.consultation = made[Consultation]
        stage.revision = made[Revision]
        return stage


def stage_to_post_to(*, pk=None, slug=None, position=None):
    """The stage `pk` (or the proposal `slug`'s stage at `position`), as posting a comment reads
    it: with its consultation, proposal and organisation (the gate and the checks), and the
    revision under debate, whose blocks come from this process's copy
    (`proposals.stored_blocks`: a revision never changes). Raises Stage.DoesNotExist.
    Side effects: none (one query; the blocks read once per process)."""
    if pk is not None:
        where, params = ("id",), [pk]
    else:
        where, params = ("slug", "position"), [slug, position]
    stage = sql.kept(("stage_to_post_to", where), lambda: _PostingRead(where)).read(params)
    if stage.revision is not None:
        stored_blocks.fill_blocks(stage.revision)
    return stage


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
    counts = _shown_top_level(stage).aggregate(
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
    """The stage's shown first comments of threads: `starts_thread`, our copy of "level 0",
    so that neither the answers page's counts nor its pages join the comments package's table
    (`shown_threads`, a partial index, serves them)."""
    return StageComment.objects.filter(stage=stage, starts_thread=True, state=CommentState.VISIBLE)


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


# Comments read at a time while the table is built: memory stays flat whatever the stage's size.
SYNTHESIS_CHUNK = 1000


def synthesis_comments(stage):
    """The comments the synthesis table answers, in its order: the shown top-level comments,
    those on the whole text (or on a paragraph the revision no longer has) first, then
    paragraph by paragraph in the text's order, each paragraph's by time. The text's order is
    put in SQL (a CASE over the revision's block keys), so the table can be read a slice or a
    chunk at a time. Side effects: none."""
    keys = [block["key"] for block in stage.revision.blocks] if stage.revision else []
    position = Case(
        *(When(block_key=key, then=Value(index)) for index, key in enumerate(keys)),
        default=Value(-1),
        output_field=IntegerField(),
    )
    return (
        StageComment.objects.filter(stage=stage, state=CommentState.VISIBLE, level=0)
        .select_related("user__profile", "disposition__applied_in")
        .annotate(text_position=position)
        .order_by("text_position", "submit_date", "thread_id", "pk")
    )


def reply_counts(stage, thread_ids):
    """Thread id → the number of shown replies in it, for the threads `thread_ids` of `stage`.
    One query. Side effects: none."""
    return dict(
        StageComment.objects.filter(
            stage=stage, thread_id__in=thread_ids, state=CommentState.VISIBLE, level__gt=0
        )
        .order_by()
        .values("thread_id")
        .annotate(replies=Count("pk"))
        .values_list("thread_id", "replies")
    )


def group_sizes(stage):
    """Form-letter group id → how many rows of the stage's synthesis table are in it (shown
    top-level comments). One query. Side effects: none."""
    return dict(
        StageComment.objects.filter(
            stage=stage, state=CommentState.VISIBLE, level=0, group__isnull=False
        )
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values_list("group", "n")
    )


def synthesis_row(number, comment, labels, replies, sizes=None):
    """The row dict of the synthesis table for `comment` (from `synthesis_comments`), numbered
    `number`, with `labels` from `block_labels`, its thread's number of shown replies and, from
    `sizes` (`group_sizes`), how many rows its form-letter group has. Side effects: none."""
    disposition = getattr(comment, "disposition", None)
    return {
        "number": number,
        "comment_id": comment.pk,
        "author": comment.author_name,
        "block_key": comment.block_key,
        "block": labels.get(comment.block_key, "") if comment.block_key else "",
        "quote": comment.quote,
        "text": comment.comment,
        # A suggestion of wording: "replace" or "remove", the text it replaces, the new one.
        "suggestion": comment.suggestion,
        "suggested_from": comment.suggested_from,
        "suggested_text": comment.suggested_text,
        "stance": comment.stance,
        "submitted_at": comment.submit_date.isoformat(),
        "outcome": disposition.outcome if disposition else "",
        "reason": disposition.reason if disposition else "",
        "applied_in": (
            disposition.applied_in.number if disposition and disposition.applied_in else None
        ),
        "replies": replies,
        # The form-letter group (`grouping`) and how many rows of this table are in it.
        "group": comment.group_id,
        "group_size": (sizes or {}).get(comment.group_id, 0) if comment.group_id else 0,
        # How it reached the organisation: on the site, or by email or on paper (logged by the
        # authority, `recommendations.log_recommendation`) on the day received.
        "channel": comment.channel,
        "received_on": comment.received_on.isoformat() if comment.received_on else None,
    }


def synthesis_row_chunks(stage, *, offset=0, limit=None, chunk_size=SYNTHESIS_CHUNK):
    """The justification table as it stands (one row per shown top-level comment, in
    `synthesis_comments`' order, numbered from 1), in lists of at most `chunk_size` row dicts;
    from row `offset` + 1, at most `limit` rows. Two queries a chunk (comments, replies),
    whatever the stage's size. Side effects: none (`publish_synthesis` freezes these rows)."""
    labels = block_labels(stage.revision)
    sizes = group_sizes(stage)
    comments = synthesis_comments(stage)
    if limit is not None:
        comments = comments[offset : offset + limit]
    elif offset:
        comments = comments[offset:]
    number = offset
    batch = []
    for comment in comments.iterator(chunk_size=chunk_size):
        batch.append(comment)
        if len(batch) == chunk_size:
            yield _rows_of(stage, batch, labels, number, sizes)
            number += len(batch)
            batch = []
    if batch:
        yield _rows_of(stage, batch, labels, number, sizes)


def _rows_of(stage, comments, labels, before, sizes):
    replies = reply_counts(stage, [comment.thread_id for comment in comments])
    return [
        synthesis_row(before + index, comment, labels, replies.get(comment.thread_id, 0), sizes)
        for index, comment in enumerate(comments, start=1)
    ]


def synthesis_rows(stage):
    """The whole justification table as it stands, as a list (`synthesis_row_chunks` reads it a
    chunk at a time). Side effects: none."""
    return [row for chunk in synthesis_row_chunks(stage) for row in chunk]


def empty_counts():
    """The totals of an empty synthesis table (`count_row` adds to them). Side effects: none."""
    return {"total": 0, "stance": {}, "outcome": {}}


def count_row(counts, row):
    """Add `row` to `counts` (from `empty_counts`): its stance (none counts as neutral) and its
    outcome ("" while unanswered). Side effects: changes `counts`."""
    counts["total"] += 1
    stance = row["stance"] or Stance.NEUTRAL
    counts["stance"][stance] = counts["stance"].get(stance, 0) + 1
    counts["outcome"][row["outcome"]] = counts["outcome"].get(row["outcome"], 0) + 1


def synthesis_counts(rows):
    """Totals of a synthesis table: rows, rows per stance, rows per outcome. Side effects: none."""
    counts = empty_counts()
    for row in rows:
        count_row(counts, row)
    return counts


def current_synthesis_counts(stage):
    """`synthesis_counts` of the table as it stands, counted by the database (one query): what
    the publishing page and the preview show before anything is frozen. Side effects: none."""
    groups = (
        StageComment.objects.filter(stage=stage, state=CommentState.VISIBLE, level=0)
        .order_by()
        .values("stance", "disposition__outcome")
        .annotate(rows=Count("pk"))
    )
    counts = empty_counts()
    for group in groups:
        stance = group["stance"] or Stance.NEUTRAL
        outcome = group["disposition__outcome"] or ""
        counts["total"] += group["rows"]
        counts["stance"][stance] = counts["stance"].get(stance, 0) + group["rows"]
        counts["outcome"][outcome] = counts["outcome"].get(outcome, 0) + group["rows"]
    return counts


def add_paragraph(paragraphs, row):
    """Add `row` to `paragraphs`, the list of where each paragraph's rows start
    (`Synthesis.paragraphs`). Side effects: changes `paragraphs`."""
    key = row["block_key"] or ""
    if not paragraphs or paragraphs[-1]["block_key"] != key:
        paragraphs.append(
            {"block_key": key, "block": row["block"] or "", "first": row["number"], "rows": 0}
        )
    paragraphs[-1]["rows"] += 1


def current_synthesis_paragraphs(stage):
    """`Synthesis.paragraphs` of the table as it stands, from one query counting the shown
    top-level comments of each paragraph. Side effects: none."""
    labels = block_labels(stage.revision)
    sizes = dict(
        StageComment.objects.filter(stage=stage, state=CommentState.VISIBLE, level=0)
        .order_by()
        .values("block_key")
        .annotate(rows=Count("pk"))
        .values_list("block_key", "rows")
    )
    # Whole text and paragraphs the revision no longer has come first, as one group.
    leading = sum(size for key, size in sizes.items() if key not in labels)
    paragraphs = []
    first = 1
    if leading:
        paragraphs.append({"block_key": "", "block": "", "first": 1, "rows": leading})
        first += leading
    for key, label in labels.items():
        if sizes.get(key):
            paragraphs.append(
                {"block_key": key, "block": label, "first": first, "rows": sizes[key]}
            )
            first += sizes[key]
    return paragraphs


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
        .prefetch_related(authors_prefetch("consultation__proposal"))
        .order_by("closes_at", "pk")[:limit]
    )
    for stage in stages:
        organization = stage.consultation.proposal.organization
        stage.left = time_left(stage.closes_at, now, organization.country, organization.zone)
        stage.closes_local = timezone.localtime(stage.closes_at, organization.zone)
    return stages
