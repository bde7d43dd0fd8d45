"""Answers to comments and the published synthesis of a stage."""

from django.db import transaction
from django.utils.translation import gettext as _

from consultations import outbox
from consultations.domain import checks
from consultations.domain.comments import lock_comment, lock_stage
from consultations.domain.common import bump_comments_version, resolve_now
from consultations.domain.queries import (
    add_paragraph,
    count_row,
    empty_counts,
    synthesis_row_chunks,
)
from consultations.models import Disposition, Outcome, Stage, Synthesis, SynthesisRow
from core import activity
from core.errors import DomainError
from core.permissions import require
from core.text import clean_text


@transaction.atomic
def set_disposition(user, comment, *, outcome, reason, applied_in=None):
    """Answer a shown comment (or change the answer, until the synthesis is published): the
    outcome, its reason and, for an accepted one, the revision that applies it. Returns the
    disposition.

    Side effects: locks the comment's, its stage's and its disposition's rows; saves the
    disposition; bumps the stage's threads version; a log row ("disposition.set", old → new
    outcome, the revision applying it)."""
    comment = lock_comment(comment)
    # The stage's row too (after the comment's, as posting takes them): an answer and the
    # publication of the synthesis, which freezes the answers, never overlap.
    stage = lock_stage(comment)
    require(
        user,
        "consultations.answer",
        comment,
        message=_("Only the organisation's editors and admins can answer comments."),
    )
    checks.check_answer(comment)
    if outcome not in Outcome.values:
        raise DomainError(_("Choose the answer."))
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=10000)
    if applied_in is not None:
        if outcome not in (Outcome.ACCEPTED, Outcome.PARTIALLY):
            raise DomainError(_("Only an accepted comment is applied in a revision."))
        if applied_in.proposal_id != stage.consultation.proposal_id:
            raise DomainError(_("That revision belongs to another proposal."))
        if comment.revision is not None and applied_in.number <= comment.revision.number:
            raise DomainError(
                _("The comment was made on revision %(n)s; it is applied in a later one.")
                % {"n": comment.revision.number}
            )
    existing = Disposition.objects.select_for_update().filter(comment=comment).first()
    old = existing.outcome if existing else ""
    if existing is None:
        existing = Disposition(comment=comment)
    existing.outcome, existing.reason = outcome, reason
    existing.applied_in, existing.decided_by = applied_in, user
    existing.save()
    bump_comments_version(stage)
    activity.record(
        user,
        "disposition.set",
        comment,
        scope=stage,
        old=old,
        new=outcome,
        data={"applied_in": applied_in.number if applied_in else None},
    )
    return existing


@transaction.atomic
def publish_synthesis(user, stage, *, intro="", now=None):
    """Publish the stage's synthesis once it closed and every shown comment is answered: the
    justification table is frozen as it is now, one `SynthesisRow` a row, written a chunk at
    a time (`queries.synthesis_row_chunks`) so that memory stays flat whatever the number of
    comments. Returns the synthesis.

    Side effects: locks the stage's row; creates the synthesis, its rows, its counts and its
    paragraphs' index; bumps the stage's threads version; a log row ("synthesis.published",
    the number of rows); queues the followers' emails."""
    now = resolve_now(now)
    stage = (
        Stage.objects.select_for_update().select_related("consultation__proposal").get(pk=stage.pk)
    )
    require(
        user,
        "consultations.answer",
        stage,
        message=_("Only the organisation's editors and admins can publish the synthesis."),
    )
    checks.check_synthesis_ready(stage, now)
    intro = clean_text(intro, field=_("The introduction"), max_length=20000)
    synthesis = Synthesis.objects.create(
        stage=stage, intro=intro, published_at=now, published_by=user
    )
    counts, paragraphs = empty_counts(), []
    for chunk in synthesis_row_chunks(stage):
        SynthesisRow.objects.bulk_create(
            SynthesisRow(synthesis=synthesis, number=row["number"], data=row) for row in chunk
        )
        for row in chunk:
            count_row(counts, row)
            add_paragraph(paragraphs, row)
    synthesis.counts, synthesis.paragraphs = counts, paragraphs
    synthesis.save(update_fields=["counts", "paragraphs"])
    bump_comments_version(stage)
    activity.record(
        user,
        "synthesis.published",
        synthesis,
        scope=stage.consultation.proposal,
        new=counts["total"],
    )
    outbox.synthesis_published(synthesis)
    return synthesis
