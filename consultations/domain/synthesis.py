"""Answers to comments and the published synthesis of a stage."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultations import outbox
from consultations.domain import checks, grouping
from consultations.domain.comments import lock_comment, lock_stage
from consultations.domain.common import bump_comments_version, bump_thread_version, resolve_now
from consultations.domain.queries import (
    add_paragraph,
    answer_selection,
    count_row,
    empty_counts,
    has_synthesis,
    synthesis_row_chunks,
)
from consultations.models import Disposition, Outcome, Stage, StageComment, Synthesis, SynthesisRow
from core import activity
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from core.text import clean_text


def clean_answer(stage, outcome, reason, applied_in, *, commented_on):
    """An answer's outcome, reason and revision checked for comments of `stage` made on revision
    number `commented_on` (the latest, for several; None when unknown). Returns the cleaned
    reason. Side effects: none; raises `DomainError`."""
    if outcome not in Outcome.values:
        raise DomainError(_("Choose the answer."))
    reason = clean_text(reason, field=_("The reason"), required=True, max_length=10000)
    if applied_in is not None:
        if outcome not in (Outcome.ACCEPTED, Outcome.PARTIALLY):
            raise DomainError(_("Only an accepted comment is applied in a revision."))
        if applied_in.proposal_id != stage.consultation.proposal_id:
            raise DomainError(_("That revision belongs to another proposal."))
        if commented_on is not None and applied_in.number <= commented_on:
            raise DomainError(
                _("The comment was made on revision %(n)s; it is applied in a later one.")
                % {"n": commented_on}
            )
    return reason


@transaction.atomic
def set_disposition(user, comment, *, outcome, reason, applied_in=None):
    """Answer a shown comment (or change the answer, until the synthesis is published): the
    outcome, its reason and, for an accepted one, the revision that applies it. Returns the
    disposition.

    Side effects: locks the comment's, its stage's and its disposition's rows; saves the
    disposition; bumps the comment's thread version; a log row ("disposition.set", old → new
    outcome, the revision applying it); a run after the commit that refills the kept copies of
    the stage's pages, the thread with its answer rendered (`grouping.queue_stage_run`, which
    says when)."""
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
    reason = clean_answer(
        stage,
        outcome,
        reason,
        applied_in,
        commented_on=comment.revision.number if comment.revision is not None else None,
    )
    existing = Disposition.objects.select_for_update().filter(comment=comment).first()
    old = existing.outcome if existing else ""
    if existing is None:
        existing = Disposition(comment=comment)
    existing.outcome, existing.reason = outcome, reason
    existing.applied_in, existing.decided_by = applied_in, user
    existing.save()
    bump_thread_version(comment)
    grouping.queue_stage_run(comment.stage_id)
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


def _chunks(items, size=500):
    # SQLite takes a bounded number of parameters per query.
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def answer_comments(user, stage, filters, *, outcome, reason, expected, applied_in=None):
    """Give every comment of a selection the same answer: the shown top-level comments of
    `stage` that the answers page's `filters` select (`queries.answer_selection`: paragraph,
    stance, answered or not, group), as the editor confirmed them. `expected` is the (count,
    highest id) the confirmation showed (`queries.selection_size`); a selection that changed
    since (a comment posted, hidden or answered meanwhile) is refused, so that nobody answers
    comments they did not see counted. Answers stay per comment: each selected comment gets its
    own disposition; one already answered exactly so is left alone. Returns how many answers
    were saved or changed.

    Side effects: locks the selected comments' rows, then the stage's (the order
    `set_disposition` and posting take them); creates or changes one disposition per comment;
    one log row per comment changed ("disposition.set", old → new outcome, the revision applying
    it, "bulk": true); bumps the stage's threads version once."""
    now = timezone.now()
    require(
        user,
        "consultations.answer",
        stage,
        message=_("Only the organisation's editors and admins can answer comments."),
    )
    selection = answer_selection(stage, **filters)
    ids = list(selection.select_for_update(of=("self",)).values_list("pk", flat=True))
    stage = (
        Stage.objects.select_for_update(of=("self",))
        .select_related("consultation__proposal")
        .get(pk=stage.pk)
    )
    if has_synthesis(stage):
        raise InvalidTransition(
            _("The synthesis of this stage is published; its answers can no longer change."),
            code="published",
        )
    found = (len(ids), max(ids, default=0))
    if found != tuple(expected):
        raise DomainError(
            ngettext(
                "The selection changed since you confirmed it: it now holds %(count)s comment. "
                "Check it again before answering.",
                "The selection changed since you confirmed it: it now holds %(count)s comments. "
                "Check it again before answering.",
                found[0],
            )
            % {"count": found[0]},
            code="selection_changed",
        )
    if not ids:
        raise DomainError(_("No comment is selected."), code="empty")
    reason = clean_answer(stage, outcome, reason, applied_in, commented_on=_latest_revision(ids))
    applied_id = applied_in.pk if applied_in is not None else None
    existing = {}
    for chunk in _chunks(ids):
        for disposition in Disposition.objects.filter(comment_id__in=chunk):
            existing[disposition.comment_id] = disposition
    created, changed, log = [], [], []
    for pk in ids:
        disposition = existing.get(pk)
        if disposition is None:
            disposition = Disposition(comment_id=pk)
            created.append(disposition)
            old = ""
        elif (disposition.outcome, disposition.reason, disposition.applied_in_id) == (
            outcome,
            reason,
            applied_id,
        ):
            continue
        else:
            changed.append(disposition)
            old = disposition.outcome
        disposition.outcome, disposition.reason = outcome, reason
        disposition.applied_in_id, disposition.decided_by = applied_id, user
        disposition.decided_at = now
        log.append(
            (
                # The comment as a log target: its type and id are all the row keeps of it.
                StageComment(pk=pk),
                old,
                outcome,
                {"applied_in": applied_in.number if applied_in else None, "bulk": True},
            )
        )
    Disposition.objects.bulk_create(created, batch_size=500)
    # Every changed answer becomes the same: one UPDATE per chunk.
    for chunk in _chunks([disposition.pk for disposition in changed]):
        Disposition.objects.filter(pk__in=chunk).update(
            outcome=outcome, reason=reason, applied_in=applied_id, decided_by=user, decided_at=now
        )
    activity.record_many(user, "disposition.set", log, scope=stage)
    if log:
        bump_comments_version(stage)
    return len(log)


def _latest_revision(ids):
    latest = None
    for chunk in _chunks(ids):
        number = StageComment.objects.filter(pk__in=chunk).aggregate(n=Max("revision__number"))["n"]
        if number is not None and (latest is None or number > latest):
            latest = number
    return latest


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
