"""The publication pack of an authority's draft for e-consultare.gov.ro (SGG Order 1128/2025):
one ZIP with what the authority uploads there, in the order of the consultation's life —
the announcement, the draft (PDF and DOCX), the substantiation note, the recommendations
received, the minutes of the public meetings and the justification table — and a manifest
listing each file, what it is and its SHA-256 (`00-manifest.json`, `00-manifest.txt`).

The files' names are fixed (ASCII, numbered so that they sort in the order above); what the
order prescribes and what is our choice is written down in docs/e-consultare.md. The
descriptions are written in Romanian, the language of the platform and of the order
(`consultations.exports.legal_language`).

The ZIP is written into a temporary file on disk, one file at a time, each hashed as it is
written: the comments and the justification table are read a chunk at a time
(`consultations.exports`), a small synthesis PDF is laid out there, a large one (more rows than
`SYNTHESIS_PDF_PART_ROWS`) is copied from the file prepared in the background
(`consultations.synthesis_files`; the pack waits until it is ready), the attached note is
copied from storage in pieces. Memory stays flat whatever the consultation's size.
"""

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations import exports, synthesis_files
from consultations.models import FileStatus, StageKind, StageStatus
from core.dates import format_date, format_datetime
from core.errors import DomainError
from core.mail import absolute_url
from proposals.exports import render_pdf, revision_docx, revision_pdf

COPY_PIECE = 64 * 1024
MANIFEST_JSON = "00-manifest.json"
MANIFEST_TEXT = "00-manifest.txt"
TABLE_BEING_PREPARED = gettext_lazy(
    "The justification table is being prepared for the publication pack. "
    "Please try again in a few minutes."
)
TABLE_TO_PREPARE = gettext_lazy(
    "The justification table of this stage is long: it is laid out once, in the background, "
    "before the publication pack can include it. Prepare it here (unless it is already being "
    "prepared), then download the pack again."
)


@dataclass
class PackFile:
    """One file of the pack: its name in the ZIP, what it is, and a function writing its
    bytes into a binary file object."""

    name: str
    description: str
    write: object


# --- Read-only --------------------------------------------------------------------------------


def announcement_of(consultation):
    """The consultation's first announcement stage that was not cancelled, or None.
    Side effects: none."""
    return (
        consultation.stages.filter(kind=StageKind.ANNOUNCEMENT, cancelled_at__isnull=True)
        .select_related("revision", "substantiation")
        .order_by("position")
        .first()
    )


def check_pack_available(consultation, now=None):
    """A publication pack exists for an authority's own draft once it has been announced.
    Side effects: none."""
    now = now or timezone.now()
    proposal = consultation.proposal
    if not (proposal.organization.is_authority and proposal.is_authority_draft):
        raise DomainError(
            _("The publication pack is made for an authority's own draft."), code="not_authority"
        )
    if proposal.organization.country != "RO":
        raise DomainError(
            _("The publication pack for e-consultare.gov.ro is made for Romanian authorities."),
            code="not_romanian",
        )
    announcement = announcement_of(consultation)
    if announcement is None or announcement.status_at(now) == StageStatus.SCHEDULED:
        raise DomainError(
            _("The publication pack is ready once the draft has been announced."),
            code="not_announced",
        )


def pack_filename(consultation):
    return f"{consultation.proposal.slug}-e-consultare.zip"


def _bytes(data):
    def write(output):
        output.write(data() if callable(data) else data)

    return write


def _pieces(make):
    def write(output):
        for piece in make():
            output.write(piece)

    return write


def _stored(stored_file):
    def write(output):
        with stored_file.file.open("rb") as source:
            shutil.copyfileobj(source, output, COPY_PIECE)

    return write


def _synthesis_pdf(synthesis):
    if synthesis_files.prepared_in_background(synthesis):
        # A large table is never laid out here: the file prepared in the background.
        synthesis_file = synthesis_files.current_file(synthesis)
        if synthesis_file is None or synthesis_file.status != FileStatus.READY:
            raise DomainError(TABLE_BEING_PREPARED, code="table_pending")
        return _stored(synthesis_file)

    def write(output):
        # The joiner seeks back into what it wrote: join into a temporary file, then copy.
        with tempfile.TemporaryFile() as joined:
            exports.synthesis_pdf(synthesis, joined)
            joined.seek(0)
            shutil.copyfileobj(joined, output, COPY_PIECE)

    return write


def _extension(stored_file):
    extension = (stored_file.extension or "").lower().lstrip(".")
    return extension if extension.isalnum() else "bin"


def announcement_pdf(consultation, announcement):
    """The announcement as a PDF: the draft, the authority, its period, the planned adoption,
    the substantiation note and where to send recommendations. In the draft's language."""
    proposal = consultation.proposal
    language = exports.legal_language(proposal)
    zone = proposal.organization.zone
    with translation.override(language):
        return render_pdf(
            "consultations/export/announcement.html",
            {
                "proposal": proposal,
                "consultation": consultation,
                "stage": announcement,
                "opens": format_datetime(announcement.opens_at, language, zone),
                "closes": format_datetime(announcement.closes_at, language, zone),
                "adoption": (
                    format_date(announcement.adoption_planned_on, language)
                    if announcement.adoption_planned_on
                    else ""
                ),
                "stage_url": absolute_url(announcement.get_absolute_url()),
                "zone": proposal.organization.time_zone,
            },
        )


def minutes_pdf(stage):
    """A meeting's published minutes as a PDF, in the draft's language."""
    proposal = stage.consultation.proposal
    language = exports.legal_language(proposal)
    zone = proposal.organization.zone
    with translation.override(language):
        return render_pdf(
            "consultations/export/minutes.html",
            {
                "proposal": proposal,
                "stage": stage,
                "held": format_datetime(stage.meeting_at or stage.opens_at, language, zone),
                "published": format_date(
                    timezone.localtime(stage.minutes_published_at, zone), language
                ),
            },
        )


def _stages(consultation, now):
    stages = list(
        consultation.stages.filter(opens_at__lte=now, cancelled_at__isnull=True)
        .select_related("revision", "synthesis")
        .order_by("position")
    )
    for stage in stages:
        stage.consultation = consultation
    return stages


def _syntheses(stages):
    for stage in stages:
        synthesis = (
            getattr(stage, "synthesis", None) if stage.kind in StageKind.commentable() else None
        )
        if synthesis is not None:
            synthesis.stage = stage
            yield synthesis


def tables_not_ready(consultation, now=None):
    """The syntheses of the pack whose justification table is too large to lay out in a request
    (`synthesis_files.prepared_in_background`) and whose stored PDF is not ready yet: the pack
    waits for them. Side effects: none (a few queries)."""
    now = now or timezone.now()
    waiting = []
    for synthesis in _syntheses(_stages(consultation, now)):
        if synthesis_files.prepared_in_background(synthesis):
            synthesis_file = synthesis_files.current_file(synthesis)
            if synthesis_file is None or synthesis_file.status != FileStatus.READY:
                waiting.append(synthesis)
    return waiting


def pack_files(consultation, now=None):
    """The files of the pack, in order (`PackFile`s; nothing is produced yet). Call after
    `check_pack_available`; a large justification table is taken from its stored PDF, and
    `DomainError` (code "table_pending") is raised while that is not ready (`tables_not_ready`).
    Side effects: none (a few queries)."""
    now = now or timezone.now()
    proposal = consultation.proposal
    announcement = announcement_of(consultation)
    announcement.consultation = consultation
    revision = announcement.revision or proposal.current_revision
    stages = _stages(consultation, now)
    files = [
        PackFile(
            "01-anunt.pdf",
            _("The announcement of the draft"),
            _bytes(lambda: announcement_pdf(consultation, announcement)),
        ),
        PackFile(
            "02-proiect.pdf",
            _("The draft, revision %(number)s (PDF)") % {"number": revision.number},
            _bytes(lambda: revision_pdf(revision)),
        ),
        PackFile(
            "03-proiect.docx",
            _("The draft, revision %(number)s (DOCX, editable)") % {"number": revision.number},
            _bytes(lambda: revision_docx(revision)),
        ),
    ]
    note = announcement.substantiation
    if note is not None:
        files.append(
            PackFile(
                f"04-referat-de-aprobare.{_extension(note)}",
                _("The substantiation note: %(name)s") % {"name": note.name},
                _stored(note),
            )
        )
    for stage in stages:
        if stage.kind in StageKind.commentable():
            files.append(
                PackFile(
                    f"05-recomandari-etapa-{stage.position}.csv",
                    _("The recommendations received during “%(stage)s” (CSV)")
                    % {"stage": stage.title},
                    _pieces(lambda stage=stage: exports.comments_csv(stage)),
                )
            )
    for stage in stages:
        if stage.kind == StageKind.MEETING and stage.minutes_published_at is not None:
            files.append(
                PackFile(
                    f"06-minuta-etapa-{stage.position}.pdf",
                    _("The minutes of the public meeting “%(stage)s”") % {"stage": stage.title},
                    _bytes(lambda stage=stage: minutes_pdf(stage)),
                )
            )
    for synthesis in _syntheses(stages):
        stage = synthesis.stage
        for fmt, label in (("pdf", "PDF"), ("csv", "CSV")):
            files.append(
                PackFile(
                    f"07-tabel-justificare-etapa-{stage.position}.{fmt}",
                    _("The justification table of “%(stage)s” (%(format)s)")
                    % {"stage": stage.title, "format": label},
                    _synthesis_pdf(synthesis)
                    if fmt == "pdf"
                    else _pieces(lambda synthesis=synthesis: exports.synthesis_csv(synthesis)),
                )
            )
    return files


class _Hashing:
    """A binary file object that hashes and counts what is written through it."""

    def __init__(self, target):
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.sha256.update(data)
        self.size += len(data)
        return self.target.write(data)


def manifest_text(manifest):
    """The manifest as a text a person reads (UTF-8 lines)."""
    lines = [
        manifest["title"],
        manifest["authority"],
        manifest["proposal"],
        manifest["consultation"],
        manifest["url"],
        _("Made on %(date)s") % {"date": manifest["made_on"]},
        "",
    ]
    for entry in manifest["files"]:
        lines += [
            entry["name"],
            f"  {entry['description']}",
            f"  SHA-256: {entry['sha256']}",
            "  " + _("%(size)s bytes") % {"size": entry["size"]},
            "",
        ]
    return "\n".join(lines)


def write_pack(consultation, output, now=None):
    """Write the publication pack (a ZIP) into `output`, a binary file open for writing (a
    temporary file: the ZIP's entries are written one at a time). Returns the manifest (a
    dict). Call after `check_pack_available`. Side effects: none but the file written."""
    now = now or timezone.now()
    proposal = consultation.proposal
    language = exports.legal_language(proposal)
    entries = []
    # Every file in the draft's language, whatever the language of the person downloading.
    with (
        translation.override(language),
        zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in pack_files(consultation, now):
            with archive.open(item.name, "w", force_zip64=True) as target:
                hashing = _Hashing(target)
                item.write(hashing)
            entries.append(
                {
                    "name": item.name,
                    "description": str(item.description),
                    "sha256": hashing.sha256.hexdigest(),
                    "size": hashing.size,
                }
            )
        manifest = {
            "title": _("Publication pack for e-consultare.gov.ro"),
            "authority": proposal.organization.name,
            "proposal": proposal.title,
            "consultation": consultation.title,
            "url": absolute_url(consultation.get_absolute_url()),
            "made_at": now.isoformat(timespec="seconds"),
            "made_on": format_datetime(now, language, proposal.organization.zone),
            "files": entries,
        }
        archive.writestr(
            MANIFEST_JSON, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        )
        archive.writestr(MANIFEST_TEXT, manifest_text(manifest).encode("utf-8"))
    return manifest
