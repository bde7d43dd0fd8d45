"""Suggestions of wording taken into the proposal's text (issue 16, "Drafting together").

A suggestion is made on a block of the stage's pinned revision; the text may have moved on
since. The editor that applies it starts from a three-way merge (`proposals.merge`): the
pinned revision as the base, the current revision as "theirs" and the pinned revision with the
suggestion as "mine". Where the block did not change since, the suggestion simply replaces its
text in the current revision; where it did, the editor shows the merge conflict for that block
and asks which text to keep. Saving records which suggestion the new revision applied
(`AppliedSuggestion`) and credits its author in the revision's message.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.domain import checks
from consultations.domain.comments import lock_comment
from consultations.domain.common import bump_thread_version
from consultations.domain.synthesis import set_disposition
from consultations.models import (
    AppliedSuggestion,
    CommentState,
    Disposition,
    Outcome,
    Suggestion,
)
from core import activity
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from proposals import domain as proposals_domain
from proposals import merge
from proposals.models import Revision

NOT_ALLOWED = gettext_lazy(
    "Only the editors and admins of the proposal's authors can apply a suggestion, while its "
    "text can change."
)


def check_applicable(comment):
    """A shown, top-level suggestion of wording, not applied yet and not answered as rejected
    or not applicable, whose pinned revision is known. Side effects: none; raises
    `DomainError` (`InvalidTransition` for a comment no longer shown)."""
    if not comment.suggestion or comment.level != 0:
        raise DomainError(_("This comment suggests no wording."), code="not_suggestion")
    if comment.state != CommentState.VISIBLE:
        raise InvalidTransition(
            _("Only a suggestion that is shown can be applied."), code=comment.state
        )
    if comment.revision_id is None:
        raise DomainError(_("The text this suggestion was made on is unknown."), code="no_text")
    applied = comment.applications.select_related("revision").first()
    if applied is not None:
        raise InvalidTransition(
            _("This suggestion was already applied in revision %(n)s.")
            % {"n": applied.revision.number},
            code="applied",
        )
    answer = Disposition.objects.filter(comment=comment).first()
    if answer is not None and answer.outcome not in (Outcome.ACCEPTED, Outcome.PARTIALLY):
        raise InvalidTransition(
            _("This suggestion was answered “%(answer)s”: change the answer before applying it.")
            % {"answer": answer.get_outcome_display()},
            code="answered",
        )


def suggested_content(comment):
    """The text the suggestion was made on (the pinned revision) with the suggestion applied,
    as `proposals.merge.Content`. Side effects: none."""
    pinned = comment.revision
    blocks = []
    for block in pinned.blocks:
        if block["key"] == comment.block_key:
            if comment.suggestion == Suggestion.REMOVE:
                continue
            block = {**block, comment.suggested_field: comment.suggested_text}
        blocks.append(block)
    return merge.Content(pinned.title, pinned.summary, blocks)


def suggestion_draft(comment):
    """The editor's starting text for applying `comment`: (the current revision, the
    `MergeResult` of the pinned revision, the current one and the pinned one with the
    suggestion). The result is clean when the block did not change since the pinned revision
    (or changed in other fields of an amendment row); otherwise its conflict names the block.
    Side effects: none."""
    proposal_id = comment.stage.consultation.proposal_id
    current = Revision.objects.filter(proposal_id=proposal_id).order_by("-number").first()
    result = merge.merge(
        merge.Content.of(comment.revision), merge.Content.of(current), suggested_content(comment)
    )
    return current, result


def credit(comment):
    """The sentence of a revision's message crediting the suggestion, in the language of the
    proposal's text (as stored messages are). It names the comment by number only: the message
    is kept forever, while the author's name must disappear once the comment is not shown
    (hidden, or its author erased their account); pages show the name live
    (`applied_suggestions` template tag). Side effects: none."""
    with translation.override(comment.stage.consultation.proposal.language):
        return _("Includes the wording suggested in comment #%(id)s.") % {"id": comment.pk}


def _applied_reason(comment, revision):
    with translation.override(comment.stage.consultation.proposal.language):
        return _("The suggested wording was applied in revision %(n)s.") % {"n": revision.number}


@transaction.atomic
def save_suggestion(user, comment, *, base_number, title, summary, blocks, message, **kwargs):
    """Save the editor's text as a new revision that applies `comment`'s suggestion, credited
    (by comment number) at the end of the change message (`credit`). Takes the keywords of
    `proposals.domain.save_revision` and returns what it does (None when nothing changed:
    then nothing is recorded).

    The comment's answer follows while answers can still change (`checks.check_answer`): with
    no answer, it is answered "accepted", applied in the new revision; an accepted (or partly
    accepted) answer without a revision gets this one.

    Side effects: locks the comment's row; those of `save_revision` (the revision, its log row;
    it raises `EditConflict` when someone saved meanwhile); an `AppliedSuggestion` row; the
    answer as above (`set_disposition`); a log row ("suggestion.applied", the revision's
    number); bumps the comment's thread version."""
    comment = lock_comment(comment)
    require(user, "consultations.apply_suggestion", comment, message=NOT_ALLOWED)
    check_applicable(comment)
    line = credit(comment)
    message = f"{message.strip()} {line}" if message.strip() else line
    proposal = comment.stage.consultation.proposal
    revision = proposals_domain.save_revision(
        user,
        proposal,
        base_number=base_number,
        title=title,
        summary=summary,
        blocks=blocks,
        message=message,
        **kwargs,
    )
    if revision is None:
        return None
    AppliedSuggestion.objects.create(revision=revision, comment=comment, applied_by=user)
    try:
        checks.check_answer(comment)
    except DomainError:
        pass  # the synthesis is published: its answers stay as they are
    else:
        answer = Disposition.objects.filter(comment=comment).first()
        if answer is None:
            set_disposition(
                user,
                comment,
                outcome=Outcome.ACCEPTED,
                reason=_applied_reason(comment, revision),
                applied_in=revision,
            )
        elif answer.applied_in_id is None:
            set_disposition(
                user, comment, outcome=answer.outcome, reason=answer.reason, applied_in=revision
            )
    activity.record(
        user, "suggestion.applied", comment, scope=comment.stage, new=str(revision.number)
    )
    bump_thread_version(comment)
    return revision
