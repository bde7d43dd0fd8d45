"""Importing a document or the text of a law into a proposal: start, read, review, confirm.

1. `start_import` checks the file (or pasted text) by its content and keeps it with a
   `DocumentImport`; nothing of the proposal changes.
2. `process_import` reads it (proposals/converters.py) into what the review page shows: blocks
   (document mode), or the units of a normative act split by proposals/legal_text.py (act mode).
   Large documents are read by a background task (`proposals.tasks.process_import`) while the
   page shows the progress; small ones in the request.
3. `confirm_import` turns the reviewed result into ONE revision (or a new proposal with its
   first revision) whose message names the file and its SHA-256, and keeps the file, and any
   images the editor chose, as attachments of that revision. `discard_import` drops it.

Nothing is saved to a proposal before the editor confirms; a refused import leaves the
proposal as it was and the pasted text in the form.
"""

import hashlib
import logging
import re
import secrets
import tempfile
import unicodedata
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.permissions import require
from proposals import content, converters, domain, legal_text
from proposals.models import (
    Attachment,
    DocumentImport,
    ImportMode,
    ImportPlacement,
    ImportStatus,
    Proposal,
    ProposalKind,
)

log = logging.getLogger(__name__)

PASTED_NAME = "pasted-text.txt"


# --- Starting ----------------------------------------------------------------------------------


def _check_target(user, organization, proposal):
    if proposal is not None:
        domain.check_editable(proposal)
        require(
            user, "proposals.change_proposal", proposal, message=_("You cannot edit this proposal.")
        )
    else:
        require(
            user,
            "accounts.edit_for_organization",
            organization,
            message=_("You cannot draft proposals for this organisation."),
        )


def start_import(
    user,
    *,
    organization,
    mode,
    proposal=None,
    new_proposal=None,
    upload=None,
    text=None,
    placement=ImportPlacement.APPEND,
):
    """Keep an uploaded file (or pasted text) to import into `proposal`, or into a new proposal
    of `organization` described by `new_proposal` (the fields of `domain.create_proposal`).

    Raises DomainError (an `UnreadableDocument` for a file that is not what it claims, damaged,
    protected, with macros, or a decompression bomb): then nothing is kept.
    Side effects: a DocumentImport row and its stored file; the proposal is not touched.
    """
    _check_target(user, organization, proposal)
    kind = proposal.kind if proposal else (new_proposal or {}).get("kind")
    if mode == ImportMode.ACT and kind != ProposalKind.AMENDMENT:
        raise DomainError(
            _(
                "The text of a normative act becomes amendment rows: only an amendment to a "
                "normative act can take it."
            )
        )
    if (upload is None) == (text is None):
        raise DomainError(_("Choose a file or paste a text."))
    document_import = DocumentImport(
        token=secrets.token_hex(16),
        user=user,
        organization=organization,
        proposal=proposal,
        new_proposal=new_proposal or {},
        mode=mode,
        # The units of a law always become new rows after the current ones.
        placement=placement
        if proposal is not None and mode == ImportMode.DOCUMENT
        else ImportPlacement.APPEND,
        base_number=proposal.current_revision.number
        if proposal is not None and proposal.current_revision_id
        else 0,
    )
    if text is not None:
        text = unicodedata.normalize("NFC", text)
        converters.check_text(text)
        if not text.strip():
            raise DomainError(_("Paste the text to import."))
        data = text.encode("utf-8")
        document_import.pasted = True
        document_import.name = PASTED_NAME
        document_import.extension = "txt"
        document_import.content_size = len(text)
        stored = ContentFile(data)
    else:
        name = clean_upload_name(upload.name)
        with _local_copy(upload) as path:
            source = converters.detect(path, name)
        document_import.name = name
        document_import.extension = source.format
        document_import.content_size = source.content_size
        data = None
        stored = File(upload)
    digest = hashlib.sha256()
    if data is not None:
        digest.update(data)
        document_import.size = len(data)
    else:
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        document_import.size = upload.size
    document_import.sha256 = digest.hexdigest()
    document_import.file.save(document_import.name, stored, save=False)
    document_import.save()
    return document_import


def clean_upload_name(name):
    from proposals.attachments import clean_name

    return clean_name(name)


@contextmanager
def _local_copy(file):
    """A path on local disk with the file's bytes (pandoc and zipfile read paths; storage may be
    remote)."""
    suffix = Path(str(getattr(file, "name", "") or "")).suffix[:10]
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        file.seek(0)
        for chunk in file.chunks():
            handle.write(chunk)
        handle.flush()
        file.seek(0)
        yield handle.name


def runs_in_background(document_import):
    """Reading takes about a second per IMPORT_INLINE_BYTES of content: larger documents go to
    the background task. Splitting pasted law text is fast and always runs at once."""
    if document_import.mode == ImportMode.ACT and document_import.pasted:
        return False
    return document_import.content_size > settings.IMPORT_INLINE_BYTES


# --- Reading -----------------------------------------------------------------------------------


def _set(document_import, **fields):
    for name, value in fields.items():
        setattr(document_import, name, value)
    DocumentImport.objects.filter(pk=document_import.pk).update(**fields)


def process_import(document_import):
    """Read a pending import into its `result` (what the review page shows). Idempotent: an
    import already read (ready, failed, confirmed) is left as it is.

    Side effects: the import's status, progress, result or error.
    """
    claimed = DocumentImport.objects.filter(
        pk=document_import.pk, status=ImportStatus.PENDING
    ).update(status=ImportStatus.RUNNING, progress=10)
    if not claimed:
        document_import.refresh_from_db()
        return document_import
    document_import.status = ImportStatus.RUNNING
    try:
        with translation.override(document_import.language):
            result = _read(document_import)
    except converters.UnreadableDocument as error:
        _set(
            document_import,
            status=ImportStatus.FAILED,
            progress=100,
            error_code=error.code,
            error_params=error.params,
            finished_at=timezone.now(),
        )
        return document_import
    except Exception:
        log.exception("Import %s failed", document_import.pk)
        _set(
            document_import,
            status=ImportStatus.FAILED,
            progress=100,
            error_code="failed",
            error_params={"name": document_import.name, "format": ""},
            finished_at=timezone.now(),
        )
        return document_import
    _set(
        document_import,
        status=ImportStatus.READY,
        progress=100,
        result=result,
        finished_at=timezone.now(),
    )
    return document_import


def _read(document_import):
    with document_import.file.open("rb") as stored, _local_copy(stored) as path:
        if document_import.pasted:
            text = converters.decode_text(Path(path).read_bytes(), document_import.name)
            if document_import.mode == ImportMode.ACT:
                return act_result(text, document_import)
            items, summary = converters.convert_text(text, document_import.name)
            return document_result(items, summary, [], document_import)
        source = converters.Source(document_import.extension, document_import.content_size)
        if document_import.mode == ImportMode.ACT:
            if source.format in ("txt", "md"):
                text = converters.decode_text(Path(path).read_bytes(), document_import.name)
            else:
                items, _summary = converters.convert(path, source, document_import.name, "act")
                _set(document_import, progress=60)
                text = "\n".join(
                    (item.get("plain") or item.get("text") or "").strip() for item in items
                )
            return act_result(text, document_import)
        items, summary = converters.convert(path, source, document_import.name)
        _set(document_import, progress=70)
        images = [
            {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, _extension, _type, data in converters.images_of(path, source)
        ]
        return document_result(items, summary, images, document_import)


# --- Document mode -----------------------------------------------------------------------------


def document_result(items, summary, images, document_import):
    """The blocks a document becomes, with what the review page says about them."""
    blocks = []
    stats = {"headings": 0, "paragraphs": 0, "lists": 0, "tables": 0, "other": 0}
    for item in items:
        if item["type"] == "heading":
            stats["headings"] += 1
            text = " ".join(item["text"].split())[:1000]
            blocks.append({"key": content.new_block_key(), "type": content.HEADING, "text": text})
            continue
        kind = item.get("kind", "")
        if kind in ("Para", "Plain"):
            stats["paragraphs"] += 1
        elif kind in ("BulletList", "OrderedList", "DefinitionList"):
            stats["lists"] += 1
        elif kind == "Table":
            stats["tables"] += 1
        else:
            stats["other"] += 1
        blocks.append(
            {
                "key": content.new_block_key(),
                "type": content.TEXT,
                "text": content.normalize_text(item.get("markdown", "")),
            }
        )
    if not any(block["text"] for block in blocks):
        raise converters.UnreadableDocument("empty", name=document_import.name)
    total = sum(len(block["text"]) for block in blocks)
    if total > settings.MAX_REVISION_CHARACTERS:
        raise converters.UnreadableDocument("too_long", max=settings.MAX_REVISION_CHARACTERS)
    # What the preview shows must be a text the editor can save (and save again).
    if any(len(block["text"]) > settings.MAX_BLOCK_CHARACTERS for block in blocks):
        raise converters.UnreadableDocument(
            "block_too_long", name=document_import.name, max=settings.MAX_BLOCK_CHARACTERS
        )
    merged = False
    if len(blocks) > content.MAX_BLOCKS:
        blocks, merged = merge_paragraphs(blocks), True
    if len(blocks) > content.MAX_BLOCKS:
        raise converters.UnreadableDocument(
            "too_many_blocks", name=document_import.name, max=content.MAX_BLOCKS
        )
    mapping = None
    # A policy's sections are mapped when the document becomes its whole text: a new proposal,
    # a draft without text yet, or the text replaced.
    target_is_policy = document_import.kind == ProposalKind.POLICY and (
        document_import.proposal_id is None
        or document_import.base_number == 0
        or document_import.placement == ImportPlacement.REPLACE
    )
    if target_is_policy:
        mapped = map_policy_sections(blocks, document_import.language)
        if mapped is not None:
            blocks, mapping = mapped
    return {
        "mode": ImportMode.DOCUMENT,
        "blocks": blocks,
        "stats": stats,
        "images_in_text": summary.get("images", 0),
        "dropped": summary.get("dropped", 0),
        "images": images,
        "merged": merged,
        "sections": mapping,
    }


def merge_paragraphs(blocks):
    """Too many blocks for the editor: the paragraphs between two headings become one text
    (or as few texts as the length of a block allows)."""
    merged = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if (
            block["type"] == content.TEXT
            and previous is not None
            and previous["type"] == content.TEXT
            and len(previous["text"]) + 2 + len(block["text"]) <= settings.MAX_BLOCK_CHARACTERS
        ):
            merged[-1] = {**previous, "text": previous["text"] + "\n\n" + block["text"]}
        else:
            merged.append(block)
    return merged


# The sections of H.G. 775/2005 (as in domain.policy_template), recognised in a heading by the
# start of a word, diacritics and capitals ignored, in the three languages.
POLICY_SECTION_WORDS = [
    ("problem", "problem", "проблем", "situati", "context", "ситуаци"),
    ("obiectiv", "objective", "цел", "scop", "aim"),
    ("optiun", "option", "variant", "alternativ", "вариант", "impact", "въздейств"),
    ("legislat", "legal", "juridic", "modificari", "normativ", "правн", "нормативн"),
    ("consult", "консулт", "dezbater", "обществен"),
    ("implement", "monitor", "evalu", "изпълнен", "мониторинг", "оценк", "прилаган"),
]


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _section_of(heading):
    words = re.findall(r"\w+", _fold(heading))
    for index, stems in enumerate(POLICY_SECTION_WORDS):
        if any(word.startswith(stem) for word in words for stem in stems):
            return index
    return None


def map_policy_sections(blocks, language):
    """Map a policy document onto the H.G. 775/2005 sections when at least three of its
    headings name them: each matched heading becomes the section's own heading (in the
    proposal's language) with what follows it, in the order of the template; sections the
    document lacks are added empty; what comes before the first matched heading stays first.
    Returns (blocks, [[document heading, section heading], …]) or None."""
    with translation.override(language):
        template = domain.policy_template()
    section_headings = [block["text"] for block in template if block["type"] == content.HEADING]
    found = {}
    for position, block in enumerate(blocks):
        if block["type"] != content.HEADING:
            continue
        section = _section_of(block["text"])
        if section is not None and section not in found:
            found[section] = position
    if len(found) < 3:
        return None
    starts = sorted(found.values())
    intro = blocks[: starts[0]]
    bodies = {}
    for section, start in found.items():
        later = [position for position in starts if position > start]
        end = later[0] if later else len(blocks)
        bodies[section] = blocks[start + 1 : end]
    mapped = list(intro)
    mapping = []
    for section, heading in enumerate(section_headings):
        mapped.append({"key": content.new_block_key(), "type": content.HEADING, "text": heading})
        if section in found:
            mapping.append([blocks[found[section]]["text"], heading])
            body = bodies[section]
            mapped.extend(body or [_empty_text()])
        else:
            mapping.append(["", heading])
            mapped.append(_empty_text())
    return mapped, mapping


def _empty_text():
    return {"key": content.new_block_key(), "type": content.TEXT, "text": ""}


# --- Act mode ----------------------------------------------------------------------------------


def act_result(text, document_import):
    converters.check_text(text)
    act = legal_text.split_act(text)
    if not act.articles():
        raise converters.UnreadableDocument("no_articles")
    units = [
        {
            "kind": unit.kind,
            "number": unit.number,
            "label": unit.label,
            "reference": unit.reference,
            "eid": unit.eid,
            "text": unit.text,
            "depth": unit.depth,
            "parent": unit.parent,
            "container": unit.container,
        }
        for unit in act.units
    ]
    return {
        "mode": ImportMode.ACT,
        "language": act.language,
        "preamble": act.preamble[:2000],
        "units": units,
    }


ACTIONS = tuple(content.AMENDMENT_ACTIONS)


def amendment_rows(document_import, rows):
    """Amendment blocks for the chosen units. `rows` are dicts with "unit" (its index in the
    result), "reference", "action", "proposed" and "rationale" as the editor wrote them."""
    units = document_import.result.get("units", [])
    blocks = []
    for row in rows:
        try:
            unit = units[int(row["unit"])]
        except (KeyError, ValueError, IndexError, TypeError):
            raise DomainError(_("The review form is damaged; reload the page.")) from None
        action = row.get("action") if row.get("action") in ACTIONS else "modify"
        blocks.append(
            {
                "key": content.new_block_key(),
                "type": content.AMENDMENT,
                "article": (row.get("reference") or unit["reference"]).strip(),
                "action": action,
                "in_force": "" if action == "insert" else unit["text"],
                "proposed": "" if action == "repeal" else row.get("proposed", ""),
                "rationale": row.get("rationale", ""),
            }
        )
    return blocks


class ReplaceConflict(DomainError):
    """Someone saved a revision after the import (replacing the text) started."""

    def __init__(self, current):
        super().__init__(
            _(
                "Revision %(number)s was saved by %(author)s after you started this import: "
                "replacing the text now would leave their changes out of the new version "
                "(they stay in the history). Confirm again to replace it anyway, or discard the "
                "import and add the document after the current text."
            )
            % {"number": current.number, "author": current.author.public_name},
            code="conflict",
        )
        self.current = current


def rebase_import(document_import, number):
    """The editor has seen that revision `number` is now current: a new confirmation replaces
    it. Side effects: the import's base number."""
    DocumentImport.objects.filter(pk=document_import.pk).update(base_number=number)
    document_import.base_number = number


# --- Confirming --------------------------------------------------------------------------------


def revision_message(document_import, note=""):
    """The change message of the imported revision, in the language of the text."""
    with translation.override(document_import.language):
        if document_import.pasted:
            message = _("Imported from pasted text (SHA-256 %(sha256)s)") % {
                "sha256": document_import.sha256
            }
        else:
            message = _("Imported from “%(name)s” (SHA-256 %(sha256)s)") % {
                "name": document_import.name,
                "sha256": document_import.sha256,
            }
    note = content.normalize_text(note)
    if note:
        message = f"{message}: {note}"
    if len(message) > 500:
        raise DomainError(
            _("The note is too long: the change message holds at most 500 characters.")
        )
    return message


def _source_attachment(user, proposal, document_import):
    name = document_import.name
    attachment = Attachment(
        proposal=proposal,
        name=name,
        extension=document_import.extension,
        content_type=converters.CONTENT_TYPES[document_import.extension],
        size=document_import.size,
        sha256=document_import.sha256,
        uploaded_by=user,
    )
    with document_import.file.open("rb") as stored:
        attachment.file.save(name, File(stored), save=False)
    attachment.save()
    return attachment


def _image_attachments(user, proposal, document_import, chosen):
    offered = {image["name"] for image in document_import.result.get("images", [])}
    chosen = [name for name in chosen if name in offered]
    if not chosen:
        return []
    source = converters.Source(document_import.extension, document_import.content_size)
    attachments = []
    with document_import.file.open("rb") as stored, _local_copy(stored) as path:
        for name, extension, content_type, data in converters.images_of(path, source):
            if name not in chosen:
                continue
            attachment = Attachment(
                proposal=proposal,
                name=name,
                extension=extension,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=user,
            )
            attachment.file.save(name, ContentFile(data), save=False)
            attachment.save()
            attachments.append(attachment)
    return attachments


@transaction.atomic
def confirm_import(user, document_import, *, rows=None, note="", images=()):
    """Save a reviewed import as one revision; for a new proposal, create it with that first
    revision. `rows` (act mode) are the chosen units with what the editor wrote; `images` the
    names of the document's images to attach.

    Side effects: (a proposal and its log row,) a revision and its log row, attachments (the
    file itself and the chosen images); the import is marked confirmed. Raises DomainError
    (EditConflict when the text was replaced and someone saved a newer revision meanwhile).
    """
    document_import = DocumentImport.objects.select_for_update().get(pk=document_import.pk)
    if document_import.user_id != user.pk:
        raise DomainError(_("This import was started by someone else."))
    if document_import.status == ImportStatus.CONFIRMED:
        raise DomainError(_("This import was already saved."), code="confirmed")
    if document_import.status != ImportStatus.READY:
        raise DomainError(_("This import is not ready to be saved."))
    proposal = document_import.proposal
    _check_target(user, document_import.organization, proposal)
    result = document_import.result
    if document_import.mode == ImportMode.ACT:
        if not rows:
            raise DomainError(_("Tick at least one unit of the act to amend."))
        imported = amendment_rows(document_import, rows)
    else:
        imported = [dict(block) for block in result.get("blocks", [])]
    message = revision_message(document_import, note)

    if proposal is None:
        fields = dict(document_import.new_proposal)
        from accounts.models import Organization
        from proposals.models import Topic

        target = Organization.objects.filter(pk=fields.pop("target_authority", None)).first()
        if target is None:
            raise DomainError(_("The target must be a public authority."))
        topics = Topic.objects.filter(pk__in=fields.pop("topics", []))
        proposal = domain.create_proposal(
            user,
            document_import.organization,
            target_authority=target,
            topics=topics,
            **fields,
        )
        base, current_blocks, kept = 0, [], []
    else:
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        current = proposal.current_revision
        base = current.number if current else 0
        current_blocks = current.blocks if current else []
        kept = list(current.attachments.all()) if current else []
        if document_import.placement == ImportPlacement.REPLACE:
            if base != document_import.base_number:
                # Replacing would drop what was saved since the import started.
                raise ReplaceConflict(current)
            current_blocks = []
    attachments = kept + [_source_attachment(user, proposal, document_import)]
    attachments += _image_attachments(user, proposal, document_import, images)
    revision = domain.save_revision(
        user,
        proposal,
        base_number=base,
        title=proposal.current_revision.title if proposal.current_revision else proposal.title,
        summary=proposal.current_revision.summary
        if proposal.current_revision
        else proposal.summary,
        blocks=current_blocks + imported,
        message=message,
        attachments=attachments,
    )
    document_import.status = ImportStatus.CONFIRMED
    document_import.confirmed_at = timezone.now()
    document_import.revision = revision
    document_import.proposal = proposal
    document_import.save(update_fields=["status", "confirmed_at", "revision", "proposal"])
    return revision


def discard_import(user, document_import):
    """Drop an import that was not confirmed. Side effects: its row and file are deleted."""
    if document_import.user_id != user.pk:
        raise DomainError(_("This import was started by someone else."))
    if document_import.status == ImportStatus.CONFIRMED:
        raise DomainError(_("This import was already saved."), code="confirmed")
    _delete(document_import)


def _delete(document_import):
    document_import.file.delete(save=False)
    document_import.delete()


def purge_imports(now=None):
    """Delete imports older than IMPORT_KEEP_HOURS with their files. Returns how many."""
    now = now or timezone.now()
    old = DocumentImport.objects.filter(
        created_at__lt=now - timedelta(hours=settings.IMPORT_KEEP_HOURS)
    )
    count = 0
    for document_import in old.iterator():
        _delete(document_import)
        count += 1
    return count


# --- Personal data -----------------------------------------------------------------------------


def export_imports(user):
    """The user's imports still kept (they are deleted after IMPORT_KEEP_HOURS)."""
    return [
        {
            "file": document_import.name,
            "sha256": document_import.sha256,
            "status": document_import.status,
            "started": document_import.created_at.isoformat(),
            "proposal": document_import.proposal.slug if document_import.proposal_id else None,
        }
        for document_import in DocumentImport.objects.filter(user=user).select_related("proposal")
    ]


def erase_imports(user):
    """Delete the user's imports and their files (confirmed ones live on as revisions)."""
    for document_import in DocumentImport.objects.filter(user=user):
        _delete(document_import)
