"""Actions on proposals and their revisions.

Revisions are append-only: saving the editor appends revision N+1 when the content changed; nothing
ever rewrites an earlier one. A save is checked against the revision the editor started from:
when someone saved in between, the two edits are merged (`proposals.merge`), and where both
changed the same block the editor chooses, so two editors never silently overwrite each other.
"""

from difflib import SequenceMatcher

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import activity
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from core.text import clean_text, control_characters_message, has_control_characters, tidy_slug
from proposals import content, merge
from proposals.diff import spelling_keys
from proposals.models import TRANSITIONS, Proposal, ProposalKind, ProposalStatus, Revision
from proposals.rules import acting_organization_id

# The refusal of the commands that need the editor or admin role in the owning organisation.
EDITORS_ONLY = gettext_lazy("Only the organisation's editors and admins can do this.")


class EditConflict(DomainError):
    """Someone saved a newer revision after the editor was opened, and the save could not be
    merged with it: both changed the same block (or field), or the editor started before the
    first version (nothing in common to merge from).

    `merge` (a `proposals.merge.MergeResult`, None for a first version) holds the merged text,
    with mine where both changed, and the conflicts; `attachment_ids` the merged files."""

    def __init__(self, base, current, merge=None, attachment_ids=None):
        names = {"current": current.number, "author": current.author.public_name}
        if base is None:
            message = (
                _(
                    "Revision %(current)s was saved by %(author)s after you started writing the "
                    "first version. Your text was not saved: compare and merge below."
                )
                % names
            )
        elif merge is None:
            message = _(
                "Revision %(current)s was saved by %(author)s after you started editing "
                "revision %(base)s. Your text was not saved: compare and merge below."
            ) % {**names, "base": base.number}
        else:
            message = ngettext(
                "Revision %(current)s was saved by %(author)s after you started editing "
                "revision %(base)s. Their other changes were merged into your text below, but "
                "you both changed %(count)s part: choose which text to keep, then save again. "
                "Nothing was saved yet.",
                "Revision %(current)s was saved by %(author)s after you started editing "
                "revision %(base)s. Their other changes were merged into your text below, but "
                "you both changed %(count)s parts: choose which text to keep for each, then "
                "save again. Nothing was saved yet.",
                len(merge.conflicts),
            ) % {**names, "base": base.number, "count": len(merge.conflicts)}
        super().__init__(message, code="conflict")
        # `base` is None when the editor started before the proposal had any revision.
        self.base = base
        self.current = current
        self.merge = merge
        self.attachment_ids = attachment_ids


# --- Starting content --------------------------------------------------------------------------


def policy_template():
    """The sections of a public-policy proposal (H.G. 775/2005), as heading + text blocks.
    Side effects: none."""
    sections = [
        _("Problem definition"),
        _("Objectives"),
        _("Policy options and their impacts (economic, social, environmental, budgetary)"),
        _("Legal changes needed"),
        _("Consultation"),
        _("Implementation, monitoring and evaluation"),
    ]
    blocks = []
    for section in sections:
        blocks.append({"key": content.new_block_key(), "type": content.HEADING, "text": section})
        blocks.append({"key": content.new_block_key(), "type": content.TEXT, "text": ""})
    return blocks


def starting_blocks(kind):
    """The editor's starting blocks for a proposal of `kind` (never saved as they are).
    Side effects: none."""
    if kind == ProposalKind.POLICY:
        return policy_template()
    if kind == ProposalKind.AMENDMENT:
        return [
            {
                "key": content.new_block_key(),
                "type": content.AMENDMENT,
                "article": "",
                "action": "modify",
                "in_force": "",
                "proposed": "",
                "rationale": "",
            }
        ]
    return [{"key": content.new_block_key(), "type": content.TEXT, "text": ""}]


# --- Validation --------------------------------------------------------------------------------


def clean_blocks(blocks):
    """Check and normalise blocks from any source (editor, API, import). Raises DomainError.
    Side effects: none."""
    if len(blocks) > content.MAX_BLOCKS:
        raise DomainError(_("Too many blocks (at most %(max)s).") % {"max": content.MAX_BLOCKS})
    cleaned = []
    seen = set()
    total = 0
    for position, block in enumerate(blocks, start=1):
        block_type = block.get("type")
        if block_type not in content.BLOCK_FIELDS:
            raise DomainError(_("Block %(n)s has an unknown type.") % {"n": position})
        key = block.get("key") or content.new_block_key()
        if not content.KEY_PATTERN.match(key) or key in seen:
            raise DomainError(_("Block %(n)s has an invalid key.") % {"n": position})
        seen.add(key)
        item = {"key": key, "type": block_type}
        for field in content.BLOCK_FIELDS[block_type]:
            value = content.normalize_text(block.get(field, ""))
            if has_control_characters(value):
                raise DomainError(
                    control_characters_message(_("Block %(n)s") % {"n": position}),
                    code="control_characters",
                )
            if len(value) > settings.MAX_BLOCK_CHARACTERS:
                raise DomainError(
                    _("Block %(n)s is longer than %(max)s characters; split it.")
                    % {"n": position, "max": settings.MAX_BLOCK_CHARACTERS}
                )
            total += len(value)
            item[field] = value
        if block_type == content.AMENDMENT:
            if not item["article"]:
                raise DomainError(
                    _("Amendment %(n)s needs an article reference, e.g. “Art. 5 alin. (2)”.")
                    % {"n": position}
                )
            if item["action"] not in content.AMENDMENT_ACTIONS:
                raise DomainError(_("Amendment %(n)s has an unknown action.") % {"n": position})
        cleaned.append(item)
    if total > settings.MAX_REVISION_CHARACTERS:
        raise DomainError(
            _("The text is longer than %(max)s characters in all.")
            % {"max": settings.MAX_REVISION_CHARACTERS}
        )
    return cleaned


# --- Word counts -------------------------------------------------------------------------------


def _words(blocks):
    return [
        word for block in blocks for word in content.WORD.findall(content.block_plain_text(block))
    ]


def _spelled_words(block, cache):
    # Words as the comparison sees them: a word that differs only in spelling (ş/ș…) is the same.
    return spelling_keys(content.WORD.findall(content.block_plain_text(block)), cache)


def word_changes(old_blocks, new_blocks):
    """(words added, words removed) between two block lists, block by block; spelling-only
    differences (proposals.diff.spelling_key) are not counted. Side effects: none."""
    old_by_key = {block["key"]: block for block in old_blocks}
    added = removed = 0
    new_keys = set()
    cache = {}
    for block in new_blocks:
        new_keys.add(block["key"])
        new_words = _spelled_words(block, cache)
        old = old_by_key.get(block["key"])
        if old is None:
            added += len(new_words)
            continue
        old_words = _spelled_words(old, cache)
        if old_words == new_words:
            continue
        matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                removed += i2 - i1
            if tag in ("replace", "insert"):
                added += j2 - j1
    for key, block in old_by_key.items():
        if key not in new_keys:
            removed += len(content.WORD.findall(content.block_plain_text(block)))
    return added, removed


# --- Actions -----------------------------------------------------------------------------------


def _append_revision(
    proposal,
    author,
    *,
    title,
    summary,
    blocks,
    message,
    parent,
    restored_from=None,
    attachment_ids=(),
    merge_base=None,
):
    number = (parent.number + 1) if parent else 1
    added, removed = word_changes(parent.blocks if parent else [], blocks)
    revision = Revision(
        proposal=proposal,
        number=number,
        parent=parent,
        author=author,
        # Whom the author wrote for: the owner, or the co-author they edit for.
        organization_id=acting_organization_id(author, proposal) or proposal.organization_id,
        message=message,
        title=title,
        summary=summary,
        blocks=blocks,
        restored_from=restored_from,
        merge_base=merge_base,
        word_count=len(_words(blocks)),
        words_added=added,
        words_removed=removed,
    )
    revision.content_hash = revision.compute_hash()
    try:
        with transaction.atomic():
            revision.save()
    except IntegrityError:
        # Another save took this number between our check and our insert.
        raise EditConflict(parent, proposal.revisions.get(number=number)) from None
    if attachment_ids:
        revision.attachments.set(attachment_ids)
    Proposal.objects.filter(pk=proposal.pk).update(current_revision=revision)
    proposal.current_revision = revision
    activity.record(
        author,
        "revision.created",
        revision,
        scope=proposal,
        new=number,
        data={"hash": revision.content_hash}
        if merge_base is None
        else {"hash": revision.content_hash, "merged_from": merge_base},
    )
    return revision


@transaction.atomic
def create_proposal(
    user,
    organization,
    *,
    title,
    slug,
    summary,
    kind,
    target_authority,
    reference_act="",
    language="ro",
    topics=(),
    blocks=None,
    message="",
    attachments=None,
):
    """Create a draft proposal of `organization`.

    A proposal's history starts with real content, never with an empty template: without
    `blocks` the draft has no revision until the editor's first save (or an import) appends
    revision 1; with `blocks`, revision 1 holds them (`message` and `attachments` as for
    `save_revision`).

    The address name is stored without invisible characters, in lower case; one taken in any
    case is refused (`core.text`, "Identifiers").

    Side effects: a proposal and its log row; with `blocks`, revision 1 and its log row.
    """
    require(
        user,
        "accounts.edit_for_organization",
        organization,
        message=_("You cannot draft proposals for this organisation."),
    )
    if kind not in ProposalKind.for_organization(organization):
        raise DomainError(
            _("An authority drafts decisions, orders and laws; other organisations propose.")
            if organization.is_authority
            else _("Only a public authority drafts its own decisions, orders and laws."),
            code="kind",
        )
    if organization.is_authority:
        # An authority's own draft is adopted by the authority itself.
        target_authority = organization
    if target_authority is None or not target_authority.is_authority:
        raise DomainError(_("The target must be a public authority."))
    slug = tidy_slug(slug)
    try:
        validate_slug(slug)
    except ValidationError:
        raise DomainError(
            _("Type an address name (letters, digits, hyphens)."), code="slug"
        ) from None
    taken = DomainError(_("A proposal with this address name already exists."), code="slug_taken")
    if Proposal.objects.filter(slug__iexact=slug).exists():
        raise taken
    try:
        # The address name checked free a moment ago may be taken by a concurrent request.
        with transaction.atomic():
            proposal = Proposal.objects.create(
                organization=organization,
                title=content.normalize_text(title),
                slug=slug,
                summary=content.normalize_text(summary),
                kind=kind,
                target_authority=target_authority,
                reference_act=reference_act,
                language=language,
                created_by=user,
            )
    except IntegrityError:
        raise taken from None
    proposal.topics.set(topics)
    activity.record(user, "proposal.created", proposal, new=ProposalStatus.DRAFT)
    if blocks is not None:
        proposal.current_revision = save_revision(
            user,
            proposal,
            base_number=0,
            title=proposal.title,
            summary=proposal.summary,
            blocks=blocks,
            message=message,
            attachments=attachments,
        )
    return proposal


def starting_text(proposal):
    """What the editor shows before the first save: the template of the proposal's kind, with
    the section headings in the language of its text. Never saved as it is. Side effects: none."""
    with translation.override(proposal.language):
        return starting_blocks(proposal.kind)


@transaction.atomic
def save_revision(
    user,
    proposal,
    *,
    base_number,
    title,
    summary,
    blocks,
    message,
    restored_from=None,
    attachments=None,
):
    """Append a revision if the content changed. Returns the new revision, or None if unchanged.

    `base_number` is the revision the editor started from (0 before the first revision). When
    someone saved a newer revision in between, the text is merged with it (`proposals.merge`):
    changes to different blocks, different fields of an amendment row, the title and the
    summary are combined into the new revision, whose parent is the newest one and whose
    `merge_base` records `base_number`; the returned revision's (unsaved) `merge` attribute is
    the MergeResult, naming what was brought in. Raises EditConflict when both changed the same
    block or field (the caller shows both texts for it, with the merged rest, and the editor
    chooses), or when the editor started before the first revision (nothing to merge from).
    The first revision must hold some text (not only the template's headings).

    Side effects: a revision and its log row; the proposal's title and summary follow it.
    """
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    require(user, "proposals.draft_proposal", proposal, message=EDITORS_ONLY)
    check_editable(proposal)
    current = proposal.current_revision
    if current is None and base_number:  # a revision number on a proposal that has none
        raise DomainError(_("The editor form is damaged; reload the page."))
    base = None
    if current is not None and current.number != base_number:
        base = proposal.revisions.filter(number=base_number).first() if base_number else None
        if base is None or base.number > current.number:
            # A first version written while someone saved one, or a forged number.
            raise EditConflict(None if not base_number else current, current)
    blocks = clean_blocks(blocks)
    if current is None and not content.has_content(blocks):
        raise DomainError(
            _("Write some text before saving the first version: the sections are still empty.")
        )
    # Typed text, cleaned the one way (core.text.clean_text). The change message is part of the
    # record: refused when too long, never cut.
    title, summary, message = _clean_header(title, summary, message)
    current_ids = set(current.attachments.values_list("pk", flat=True)) if current else set()
    if attachments is None:  # not given: the files stay as they are
        attachment_ids = None
    else:
        attachment_ids = {attachment.pk for attachment in attachments}
        if any(attachment.proposal_id != proposal.pk for attachment in attachments):
            raise DomainError(_("An attachment belongs to another proposal."))
    merged = None
    if base is not None:
        base_ids = set(base.attachments.values_list("pk", flat=True))
        merged = merge.merge(
            merge.Content.of(base),
            merge.Content.of(current),
            merge.Content(title, summary, blocks),
        )
        attachment_ids = merge.merge_sets(
            base_ids, current_ids, base_ids if attachment_ids is None else attachment_ids
        )
        if not merged.is_clean:
            raise EditConflict(base, current, merge=merged, attachment_ids=attachment_ids)
        # Both sides were valid; together they may not be (e.g. too long in all).
        blocks = clean_blocks(merged.blocks)
        title, summary = merged.title, merged.summary
    if attachment_ids is None:
        attachment_ids = current_ids
    if current is not None:
        same_text = content.content_hash(title, summary, blocks) == current.content_hash
        if same_text and attachment_ids == current_ids:
            return None
    revision = _append_revision(
        proposal,
        user,
        title=title,
        summary=summary,
        blocks=blocks,
        message=message,
        parent=current,
        restored_from=restored_from,
        attachment_ids=sorted(attachment_ids),
        merge_base=base.number if base is not None else None,
    )
    revision.merge = merged
    if proposal.title != title or proposal.summary != summary:
        Proposal.objects.filter(pk=proposal.pk).update(title=title, summary=summary)
        proposal.title, proposal.summary = title, summary
    return revision


def _clean_header(title, summary, message):
    title = clean_text(
        title,
        field=_("The title"),
        required=True,
        max_length=Revision._meta.get_field("title").max_length,
    )
    summary = clean_text(
        summary,
        field=_("The summary"),
        max_length=Proposal._meta.get_field("summary").max_length,
    )
    message = clean_text(
        message,
        field=_("The change message"),
        max_length=Revision._meta.get_field("message").max_length,
    )
    return title, summary, message


def _restored_message(proposal, number):
    # Stored messages are written in the language of the proposal's text.
    with translation.override(proposal.language):
        return _("Restored revision %(n)s") % {"n": number}


@transaction.atomic
def restore_revision(user, proposal, number):
    """Append a new revision with the content of revision `number`.
    Side effects: those of `save_revision` (a revision and its log row), with the restored
    revision's files."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    require(user, "proposals.draft_proposal", proposal, message=EDITORS_ONLY)
    old = proposal.revisions.filter(number=number).first()
    if old is None:
        raise DomainError(_("There is no revision %(n)s.") % {"n": number})
    if not old.has_content:
        raise DomainError(_("Revision %(n)s has no text yet; choose another.") % {"n": number})
    current = proposal.current_revision
    revision = save_revision(
        user,
        proposal,
        base_number=current.number,
        title=old.title,
        summary=old.summary,
        blocks=old.blocks,
        message=_restored_message(proposal, number),
        restored_from=number,
        attachments=list(old.attachments.all()),
    )
    if revision is None:
        raise DomainError(
            _("Revision %(n)s has the same text and files as the current one; nothing to restore.")
            % {"n": number}
        )
    return revision


def check_editable(proposal):
    """The proposal's text can still change (until it is fixed as final or withdrawn); else
    InvalidTransition. Side effects: none."""
    if not proposal.is_editable:
        raise InvalidTransition(
            _("This proposal is %(status)s; its text can no longer be changed.")
            % {"status": proposal.get_status_display().lower()},
            code=proposal.status,
        )


def check_move(proposal, target):
    """`TRANSITIONS` allows `proposal` to go from its status to `target`; else
    InvalidTransition. Side effects: none."""
    if target not in TRANSITIONS[ProposalStatus(proposal.status)]:
        raise InvalidTransition(
            _("A proposal that is %(status)s cannot become %(target)s.")
            % {
                "status": proposal.get_status_display().lower(),
                "target": ProposalStatus(target).label.lower(),
            },
            code=proposal.status,
        )


def check_publish(proposal):
    """A draft with saved text can be published. Side effects: none."""
    if proposal.current_revision_id is None:
        raise DomainError(_("Save a first version of the text before publishing."))
    check_move(proposal, ProposalStatus.PUBLISHED)


def check_withdraw(proposal):
    """A published proposal can be withdrawn until the authority has answered. Side effects:
    none."""
    check_move(proposal, ProposalStatus.WITHDRAWN)


def set_status(user, proposal, target, verb, **fields):
    """Move `proposal` to the status `target` along `TRANSITIONS`, recording it as `verb`.

    The one way a proposal's status changes: this module's actions use it, and so do other
    apps for the moves that follow theirs (registrations: final, submitted, registered,
    answered). Call it inside a transaction; it locks the proposal's row and returns the fresh
    proposal. `fields` are saved with the status (e.g. `published_at=`); those whose name ends
    in "reason" are copied into the log row's data.

    It checks no permission: the callers have (each command checks its own rule first).
    Raises InvalidTransition (`check_move`), writing nothing, when the proposal's status does not
    allow `target`. Side effects: the status (and `fields`) saved; one log row on the proposal
    (old → new).
    """
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    check_move(proposal, target)
    old = proposal.status
    proposal.status = target
    for name, value in fields.items():
        setattr(proposal, name, value)
    proposal.save(update_fields=["status", *fields])
    activity.record(
        user,
        verb,
        proposal,
        old=old,
        new=target,
        data={k: str(v) for k, v in fields.items() if k.endswith("reason")},
    )
    return proposal


@transaction.atomic
def publish_proposal(user, proposal):
    """Draft → published: the proposal and all its revisions become public. A draft without
    any saved text cannot be published. Side effects: those of `set_status` ("proposal.published",
    with the publication moment)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    require(user, "proposals.publish_proposal", proposal, message=EDITORS_ONLY)
    check_publish(proposal)
    return set_status(
        user, proposal, ProposalStatus.PUBLISHED, "proposal.published", published_at=timezone.now()
    )


@transaction.atomic
def withdraw_proposal(user, proposal, reason):
    """Published (or later) → withdrawn, with a public reason. It stays readable. Side effects:
    those of `set_status` ("proposal.withdrawn", with the moment and the reason)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    require(user, "proposals.withdraw_proposal", proposal, message=EDITORS_ONLY)
    check_withdraw(proposal)
    reason = content.normalize_text(reason)
    if not reason:
        raise DomainError(_("Give the reason for withdrawing the proposal."))
    return set_status(
        user,
        proposal,
        ProposalStatus.WITHDRAWN,
        "proposal.withdrawn",
        withdrawn_at=timezone.now(),
        withdrawal_reason=reason,
    )
