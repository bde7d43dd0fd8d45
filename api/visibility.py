"""What the API and the public exports may show: exactly what an anonymous visitor sees.

Every read is evaluated as an anonymous visitor, whoever calls: no query here takes a user, and
the API runs no authentication for reads, so a signed-in session (a member of the organisation,
a moderator, a site administrator) gets the same answers as anyone. Members read their drafts on
the site, not through the API.

- Proposals: public statuses only. A draft is absent from every list and count, and each of its
  URLs (proposal, revisions, comparisons, consultation, stages, comments) is a 404.
- Organisations: all are public, with what their public page shows (no email, members by their
  public name and role only).
- Comments: every comment of a public stage keeps its place in its thread (id, parent, depth,
  paragraph, stance, state, time); only a shown ("visible") comment has its text, quote, author
  and answer. Held, hidden and withdrawn comments are placeholders.
- Syntheses: published ones only; the frozen table, minus the text of comments hidden since
  publication and with the names of accounts deleted since.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from consultations.models import CommentState, Consultation, Stage, StageComment, Synthesis
from proposals.models import Proposal, ProposalStatus, Revision


def proposals():
    return Proposal.objects.public()


def revisions():
    return Revision.objects.filter(proposal__status__in=ProposalStatus.public())


def consultations():
    return Consultation.objects.filter(proposal__status__in=ProposalStatus.public())


def stages():
    return Stage.objects.filter(consultation__proposal__status__in=ProposalStatus.public())


def comments():
    return StageComment.objects.filter(
        stage__consultation__proposal__status__in=ProposalStatus.public()
    )


def syntheses():
    return Synthesis.objects.filter(
        stage__consultation__proposal__status__in=ProposalStatus.public()
    )


def with_proposal_data(queryset):
    """Proposals with what their serializer reads (organisations, topics, current revision
    number, whether a consultation exists), without loading any revision's text."""
    return (
        queryset.select_related("organization", "target_authority")
        .prefetch_related("topics")
        .annotate(
            current_number=F("current_revision__number"),
            has_consultation=Exists(Consultation.objects.filter(proposal=OuterRef("pk"))),
        )
    )


def with_stage_data(queryset):
    """Stages with their proposal, revision number and whether a synthesis is published."""
    return (
        queryset.select_related("consultation__proposal")
        .annotate(
            revision_number=F("revision__number"),
            has_synthesis=Exists(Synthesis.objects.filter(stage=OuterRef("pk"))),
        )
        .order_by("position")
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
    """The public fields of one comment from `with_comment_data`. A comment that is not shown
    keeps its place in its thread, not its words."""
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


def synthesis_rows(synthesis):
    """The frozen rows of a published synthesis as they may be shown now. One query."""
    changed = {
        pk: (state, deleted_at)
        for pk, state, deleted_at in StageComment.objects.filter(stage_id=synthesis.stage_id)
        .filter(~Q(state=CommentState.VISIBLE) | Q(user__deleted_at__isnull=False))
        .values_list("pk", "state", "user__deleted_at")
    }
    rows = []
    for frozen in synthesis.rows:
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
                "author": author if shown else None,
                "block_key": frozen.get("block_key") or None,
                "block": frozen.get("block") or None,
                "quote": (frozen.get("quote") or None) if shown else None,
                "text": frozen.get("text") if shown else None,
                "stance": frozen.get("stance") or None,
                "submitted_at": frozen.get("submitted_at"),
                "outcome": frozen.get("outcome") or None,
                "reason": frozen.get("reason") or None,
                "applied_in": frozen.get("applied_in"),
                "replies": frozen.get("replies", 0),
            }
        )
    return rows
