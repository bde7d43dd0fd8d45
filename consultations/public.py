"""What of a consultation anyone may see: the one place that decides it, for the pages, the
exports (CSV, JSON, PDF) and the API alike, so that they never drift apart.

- A consultation, its stages, comments and syntheses are public exactly when the proposal is
  (a draft's are seen by nobody outside its organisation, and by nobody through the API).
- A comment that is not shown (held for review, hidden by a moderator, withdrawn by its author)
  keeps its place in its thread — id, parent, depth, paragraph, stance, state, time — but not
  its words, its quote, its author's name or its answer.
- A published synthesis is a frozen table; a row whose comment is no longer shown loses its
  words, quote and author (its answer stays: it is the organisation's), and the author of an
  account deleted since is "Deleted account".

Nothing here takes a user: the answers are the same for everyone.
"""

from django.db.models import F, Q
from django.utils.translation import gettext as _

from consultations.models import (
    CommentState,
    Consultation,
    Stage,
    StageComment,
    Synthesis,
)
from proposals.models import ProposalStatus


def consultations():
    """Consultations of public proposals."""
    return Consultation.objects.filter(proposal__status__in=ProposalStatus.public())


def stages():
    """Stages of public proposals' consultations."""
    return Stage.objects.filter(consultation__proposal__status__in=ProposalStatus.public())


def comments():
    """Comments (every state) of public proposals' consultations."""
    return StageComment.objects.filter(
        stage__consultation__proposal__status__in=ProposalStatus.public()
    )


def shown_comments():
    """Comments anyone may read in full (words, author, answer): the shown ones of public
    proposals' consultations (what search indexes)."""
    return comments().filter(state=CommentState.VISIBLE)


def syntheses():
    """Published syntheses of public proposals' consultations."""
    return Synthesis.objects.filter(
        stage__consultation__proposal__status__in=ProposalStatus.public()
    )


def with_comment_data(queryset):
    """Comments with what `comment_fields` reads, in thread order: one query."""
    return (
        queryset.select_related("user__profile", "disposition")
        .annotate(
            revision_number=F("revision__number"),
            applied_in_number=F("disposition__applied_in__number"),
        )
        .order_by("thread_id", "order", "pk")
    )


def comment_fields(comment):
    """The public fields of one comment from `with_comment_data` (None where nothing may be
    shown). A comment that is not shown keeps its place in its thread, not its words."""
    shown = comment.state == CommentState.VISIBLE
    disposition = getattr(comment, "disposition", None) if shown else None
    return {
        "id": comment.pk,
        # django-comments-xtd points a top-level comment's parent at itself.
        "parent_id": comment.parent_id if comment.level > 0 else None,
        "depth": comment.level,
        "block_key": comment.block_key or None,
        "quote": (comment.quote or None) if shown else None,
        "stance": comment.stance or None,
        "state": comment.state,
        "submitted_at": comment.submit_date,
        "revision": comment.revision_number,
        "author": comment.author_name if shown else None,
        "text": comment.comment if shown else None,
        # A suggestion of wording: its kind stays, its words go with the comment's.
        "suggestion": comment.suggestion or None,
        "suggested_from": (comment.suggested_from or None) if shown else None,
        "suggested_text": (comment.suggested_text or None) if shown else None,
        "disposition": (
            {
                "outcome": disposition.outcome,
                "reason": disposition.reason,
                "applied_in": comment.applied_in_number,
            }
            if disposition is not None
            else None
        ),
    }


def shown_rows(synthesis, frozen_rows):
    """`frozen_rows` (row dicts of `synthesis`, a page or a chunk of them) as they may be shown
    now, each with its comment's current `state` and whether it is `shown`. One query (for the
    comments among them no longer shown or whose author deleted their account)."""
    frozen_rows = list(frozen_rows)
    ids = [row.get("comment_id") for row in frozen_rows]
    changed = {
        pk: (state, deleted_at)
        for pk, state, deleted_at in StageComment.objects.filter(
            stage_id=synthesis.stage_id, pk__in=ids
        )
        .filter(~Q(state=CommentState.VISIBLE) | Q(user__deleted_at__isnull=False))
        .values_list("pk", "state", "user__deleted_at")
    }
    rows = []
    for frozen in frozen_rows:
        state, deleted_at = changed.get(frozen.get("comment_id"), (CommentState.VISIBLE, None))
        shown = state == CommentState.VISIBLE
        author = frozen.get("author") or None
        if deleted_at is not None:
            author = str(_("Deleted account"))
        rows.append(
            {
                "number": frozen.get("number"),
                "comment_id": frozen.get("comment_id"),
                "state": state,
                "shown": shown,
                "author": author if shown else None,
                "block_key": frozen.get("block_key") or None,
                "block": frozen.get("block") or None,
                "quote": (frozen.get("quote") or None) if shown else None,
                "text": frozen.get("text") if shown else None,
                # A suggestion of wording (rows frozen before suggestions existed have none).
                "suggestion": frozen.get("suggestion") or None,
                "suggested_from": (frozen.get("suggested_from") or None) if shown else None,
                "suggested_text": (frozen.get("suggested_text") or None) if shown else None,
                "stance": frozen.get("stance") or None,
                "submitted_at": frozen.get("submitted_at"),
                "outcome": frozen.get("outcome") or None,
                "reason": frozen.get("reason") or None,
                "applied_in": frozen.get("applied_in"),
                "replies": frozen.get("replies", 0),
                "group": frozen.get("group"),
                "group_size": frozen.get("group_size", 0),
                # Received on the site, or by email or on paper on `received_on`.
                "channel": frozen.get("channel") or "web",
                "received_on": frozen.get("received_on"),
            }
        )
    return rows


# Rows of a synthesis read (and checked against the comments) at a time.
SYNTHESIS_CHUNK = 1000


def synthesis_row_chunks(synthesis, chunk_size=None):
    """The frozen rows of a published synthesis as they may be shown now (`shown_rows`), in
    order, in lists of at most `chunk_size` (default `SYNTHESIS_CHUNK`): memory stays flat
    whatever the table's size. One query for the rows, one more a chunk."""
    chunk_size = chunk_size or SYNTHESIS_CHUNK
    chunk = []
    for frozen in synthesis.row_data(chunk_size=chunk_size):
        chunk.append(frozen)
        if len(chunk) == chunk_size:
            yield shown_rows(synthesis, chunk)
            chunk = []
    if chunk:
        yield shown_rows(synthesis, chunk)
