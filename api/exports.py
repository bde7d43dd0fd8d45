"""Bulk exports of the public data: JSON Lines and CSV files with a manifest of counts and hashes.

A dump holds, for the whole public data set (`all/`) and for each consultation
(`consultations/<proposal slug>/`), seven tables in two formats each:

    proposals, revisions, consultations, stages, comments, dispositions, syntheses
    → <table>.jsonl (one JSON object a line, exact values) and <table>.csv (UTF-8, a header row;
      lists and objects as JSON text; a text cell starting with = + - @ gets a leading ' so
      spreadsheets do not run it as a formula)

and `manifest.json`: the generation time, and for each file its path, record count, size and
SHA-256. What is exported is what the API shows (`api.visibility`): never a draft, never the text
of a comment that is not shown, never an email address.

`publish_dump` writes a new dump into a temporary directory next to the published ones, renames
it into place, then switches the `current` symlink to it in one atomic step: a download that
started on the previous dump reads that dump to the end (the previous dump is kept until the
next one replaces it).
"""

import csv
import hashlib
import io
import json
import os
import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from api import visibility
from api.serializers import public_blocks

FORMAT_VERSION = 1
TABLES = {
    "proposals": [
        "slug",
        "title",
        "summary",
        "kind",
        "status",
        "language",
        "organization",
        "organization_name",
        "coauthors",
        "coauthor_names",
        "target_authority",
        "target_authority_name",
        "reference_act",
        "topics",
        "published_at",
        "withdrawn_at",
        "withdrawal_reason",
        "current_revision",
        "endorsements_organizations",
        "endorsements_people",
        "web_url",
    ],
    "revisions": [
        "proposal",
        "number",
        "parent",
        "created_at",
        "author",
        "organization",
        "message",
        "title",
        "summary",
        "content_hash",
        "restored_from",
        "words",
        "words_added",
        "words_removed",
        "blocks",
        "attachments",
        "web_url",
    ],
    "consultations": ["proposal", "title", "intro", "web_url"],
    "stages": [
        "proposal",
        "position",
        "kind",
        "title",
        "description",
        "status",
        "opens_at",
        "closes_at",
        "revision",
        "short_period_reason",
        "meeting_at",
        "meeting_place",
        "meeting_link",
        "agenda",
        "minutes",
        "participants",
        "minutes_published_at",
        "planned_closes_at",
        "closed_early_reason",
        "cancelled_at",
        "cancellation_reason",
        "web_url",
    ],
    "comments": [
        "proposal",
        "stage",
        "id",
        "parent_id",
        "depth",
        "block_key",
        "quote",
        "stance",
        "state",
        "submitted_at",
        "revision",
        "author",
        "text",
        "suggestion",
        "suggested_from",
        "suggested_text",
        "web_url",
    ],
    "dispositions": ["proposal", "stage", "comment_id", "outcome", "reason", "applied_in"],
    "syntheses": ["proposal", "stage", "published_at", "intro", "counts", "rows", "web_url"],
}
CURRENT = "current"
DUMP_PREFIX = "dump-"
TEMP_PREFIX = ".tmp-"


def _time(value):
    return timezone.localtime(value).isoformat() if value is not None else None


def _url(path):
    return settings.SITE_URL + path


# --- Records ------------------------------------------------------------------------------------


def proposal_records(proposals):
    for proposal in visibility.with_proposal_data(proposals).order_by("pk"):
        yield {
            "slug": proposal.slug,
            "title": proposal.title,
            "summary": proposal.summary,
            "kind": proposal.kind,
            "status": proposal.status,
            "language": proposal.language,
            "organization": proposal.organization.slug,
            "organization_name": proposal.organization.name,
            "coauthors": [organization.slug for organization in proposal.coauthors],
            "coauthor_names": [organization.name for organization in proposal.coauthors],
            "target_authority": proposal.target_authority.slug,
            "target_authority_name": proposal.target_authority.name,
            "reference_act": proposal.reference_act,
            "topics": [topic.slug for topic in proposal.topics.all()],
            "published_at": _time(proposal.published_at),
            "withdrawn_at": _time(proposal.withdrawn_at),
            "withdrawal_reason": proposal.withdrawal_reason,
            "current_revision": proposal.current_number,
            "endorsements_organizations": proposal.organization_endorsements,
            "endorsements_people": proposal.person_endorsements,
            "web_url": _url(proposal.get_absolute_url()),
        }


def revision_records(revisions):
    revisions = (
        revisions.select_related("proposal__organization", "author__profile", "organization")
        .annotate(parent_number=F("parent__number"))
        .prefetch_related("attachments")
        .order_by("proposal_id", "number")
    )
    for revision in revisions.iterator(chunk_size=200):
        proposal = revision.proposal
        yield {
            "proposal": proposal.slug,
            "number": revision.number,
            "parent": revision.parent_number,
            "created_at": _time(revision.created_at),
            "author": revision.author.public_name,
            "organization": revision.acting_organization.slug,
            "message": revision.message,
            "title": revision.title,
            "summary": revision.summary,
            "content_hash": revision.content_hash,
            "restored_from": revision.restored_from,
            "words": revision.word_count,
            "words_added": revision.words_added,
            "words_removed": revision.words_removed,
            "blocks": public_blocks(revision.blocks),
            "attachments": [
                {
                    "name": attachment.name,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                    "download_url": _url(
                        reverse(
                            "proposals:attachment",
                            args=[proposal.slug, attachment.pk, attachment.name],
                        )
                    ),
                }
                for attachment in sorted(revision.attachments.all(), key=lambda a: (a.name, a.pk))
            ],
            "web_url": _url(revision.get_absolute_url()),
        }


def consultation_records(consultations):
    for consultation in consultations.select_related("proposal").order_by("pk"):
        yield {
            "proposal": consultation.proposal.slug,
            "title": consultation.title,
            "intro": consultation.intro,
            "web_url": _url(consultation.get_absolute_url()),
        }


def stage_records(stages):
    stages = visibility.with_stage_data(stages).order_by("consultation_id", "position")
    for stage in stages:
        published = stage.minutes_published_at is not None
        yield {
            "proposal": stage.consultation.proposal.slug,
            "position": stage.position,
            "kind": stage.kind,
            "title": stage.title,
            "description": stage.description,
            "status": stage.status,
            "opens_at": _time(stage.opens_at),
            "closes_at": _time(stage.closes_at),
            "revision": stage.revision_number,
            "short_period_reason": stage.short_period_reason,
            "meeting_at": _time(stage.meeting_at),
            "meeting_place": stage.meeting_place,
            "meeting_link": stage.meeting_link,
            "agenda": stage.agenda,
            "minutes": stage.minutes if published else None,
            "participants": stage.participants if published else None,
            "minutes_published_at": _time(stage.minutes_published_at),
            "planned_closes_at": _time(stage.planned_closes_at),
            "closed_early_reason": stage.closed_early_reason,
            "cancelled_at": _time(stage.cancelled_at),
            "cancellation_reason": stage.cancellation_reason,
            "web_url": _url(stage.get_absolute_url()),
        }


def _comments(comments):
    comments = visibility.with_comment_data(
        comments.select_related("stage__consultation__proposal")
    ).order_by("stage__consultation_id", "stage__position", "thread_id", "order", "pk")
    for comment in comments.iterator(chunk_size=500):
        yield comment, visibility.comment_fields(comment)


def comment_records(comments):
    for comment, fields in _comments(comments):
        fields.pop("disposition")  # in dispositions.*
        yield {
            "proposal": comment.stage.consultation.proposal.slug,
            "stage": comment.stage.position,
            **fields,
            "submitted_at": _time(fields["submitted_at"]),
            "web_url": _url(comment.get_absolute_url()),
        }


def disposition_records(comments):
    for comment, fields in _comments(comments.filter(disposition__isnull=False)):
        disposition = fields["disposition"]
        if disposition is None:  # the comment is not shown: neither is its answer
            continue
        yield {
            "proposal": comment.stage.consultation.proposal.slug,
            "stage": comment.stage.position,
            "comment_id": comment.pk,
            **disposition,
        }


def synthesis_records(syntheses):
    syntheses = syntheses.select_related("stage__consultation__proposal").order_by(
        "stage__consultation_id", "stage__position"
    )
    for synthesis in syntheses:
        counts = synthesis.counts or {}
        yield {
            "proposal": synthesis.stage.consultation.proposal.slug,
            "stage": synthesis.stage.position,
            "published_at": _time(synthesis.published_at),
            "intro": synthesis.intro,
            "counts": {
                "total": counts.get("total", 0),
                "stance": counts.get("stance", {}),
                "outcome": counts.get("outcome", {}),
            },
            # Written a chunk of rows at a time (`write_table`): never the whole table in memory.
            "rows": StreamedList(
                lambda synthesis=synthesis: visibility.synthesis_row_chunks(synthesis)
            ),
            "web_url": _url(synthesis.get_absolute_url()),
        }


# --- Files --------------------------------------------------------------------------------------


class StreamedList:
    """A list value of a record that is never held whole: `chunks()` gives its items in lists
    (a synthesis's rows, a chunk of rows at a time). `write_table` writes it item by item, the
    bytes exactly those of the whole list written at once."""

    def __init__(self, chunks):
        self.chunks = chunks

    def items(self):
        for chunk in self.chunks():
            yield from chunk


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_line(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _csv_line(writer, buffer, cells):
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(cells)
    return buffer.getvalue()


def _write_streamed(jsonl, csv_file, record, fields, key, writer, buffer):
    """Write `record`, whose `key` holds a `StreamedList`, as one JSON line and one CSV row,
    item by item: what `json.dumps` of the record and `csv.writer` of its cells would write.

    The record is written once around a placeholder that nothing else can hold, and the list
    goes where the placeholder stood: in the JSON line `[item,item]` (the line's separators),
    in the CSV cell `[item, item]` (`_csv_cell`'s JSON: default separators, keys sorted),
    quoted with its quotes doubled as the CSV writer quotes any cell holding a quote; an empty
    list is `[]`, which the writer leaves unquoted. (Items are objects, whose JSON always holds a
    quote: a list of bare numbers would be quoted here where the writer would not.)"""
    streamed = record[key]
    marker = f"streamed-{secrets.token_hex(16)}"
    head, tail = _json_line({**record, key: marker}).split(json.dumps(marker), 1)
    cells = [marker if field == key else _csv_cell(record[field]) for field in fields]
    csv_head, csv_tail = _csv_line(writer, buffer, cells).split(marker, 1)
    jsonl.write(head + "[")
    csv_file.write(csv_head)
    started = False
    for item in streamed.items():
        if not started:
            csv_file.write('"[')
        jsonl.write(("," if started else "") + _json_line(item))
        text = json.dumps(item, ensure_ascii=False, sort_keys=True)
        csv_file.write((", " if started else "") + text.replace('"', '""'))
        started = True
    jsonl.write("]" + tail + "\n")
    csv_file.write(']"' + csv_tail if started else "[]" + csv_tail)


def write_table(root, directory, name, records):
    """Write `<directory>/<name>.jsonl` and `.csv` under `root`; their manifest entries. A
    `StreamedList` value is written item by item (`_write_streamed`)."""
    fields = TABLES[name]
    target = root / directory
    target.mkdir(parents=True, exist_ok=True)
    jsonl_path, csv_path = target / f"{name}.jsonl", target / f"{name}.csv"
    count = 0
    with (
        open(jsonl_path, "w", encoding="utf-8", newline="\n") as jsonl,
        open(csv_path, "w", encoding="utf-8", newline="") as csv_file,
    ):
        writer = csv.writer(csv_file, lineterminator="\r\n")
        writer.writerow(fields)
        buffer = io.StringIO()
        line_writer = csv.writer(buffer, lineterminator="\r\n")
        for record in records:
            streamed = [key for key, value in record.items() if isinstance(value, StreamedList)]
            if streamed:
                (key,) = streamed
                _write_streamed(jsonl, csv_file, record, fields, key, line_writer, buffer)
            else:
                jsonl.write(_json_line(record) + "\n")
                writer.writerow([_csv_cell(record[field]) for field in fields])
            count += 1
    return [
        {
            "path": f"{directory}/{path.name}",
            "table": name,
            "format": path.suffix[1:],
            "records": count,
            "bytes": path.stat().st_size,
            "sha256": _sha256(path),
        }
        for path in (jsonl_path, csv_path)
    ]


def _write_set(root, directory, *, proposals, consultations):
    """The seven tables of a set of proposals and consultations."""
    stages = visibility.stages().filter(consultation__in=consultations)
    comments = visibility.comments().filter(stage__consultation__in=consultations)
    syntheses = visibility.syntheses().filter(stage__consultation__in=consultations)
    revisions = visibility.revisions().filter(proposal__in=proposals)
    files = []
    files += write_table(root, directory, "proposals", proposal_records(proposals))
    files += write_table(root, directory, "revisions", revision_records(revisions))
    files += write_table(root, directory, "consultations", consultation_records(consultations))
    files += write_table(root, directory, "stages", stage_records(stages))
    files += write_table(root, directory, "comments", comment_records(comments))
    files += write_table(root, directory, "dispositions", disposition_records(comments))
    files += write_table(root, directory, "syntheses", synthesis_records(syntheses))
    return files


def write_dump(root, *, consultation=None, now=None):
    """Write a dump into the empty directory `root`: the whole public data set and each
    consultation, or only the consultation of the proposal slugged `consultation`. Returns the
    manifest (also written as `manifest.json`). Raises LookupError for an unknown consultation."""
    root = Path(root)
    now = now or timezone.now()
    consultations = visibility.consultations().select_related("proposal").order_by("pk")
    if consultation is not None:
        consultations = consultations.filter(proposal__slug=consultation)
        if not consultations.exists():
            raise LookupError(consultation)
    files = []
    if consultation is None:
        files += _write_set(
            root, "all", proposals=visibility.proposals(), consultations=visibility.consultations()
        )
    slugs = []
    for item in consultations:
        slug = item.proposal.slug
        slugs.append(slug)
        files += _write_set(
            root,
            f"consultations/{slug}",
            proposals=visibility.proposals().filter(pk=item.proposal_id),
            consultations=visibility.consultations().filter(pk=item.pk),
        )
    manifest = {
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.localtime(now).isoformat(),
        "site_url": settings.SITE_URL,
        "scope": "consultation" if consultation else "all",
        "consultations": slugs,
        "tables": {name: list(fields) for name, fields in TABLES.items()},
        "files": files,
    }
    (root / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def write_dump_atomically(target, *, consultation=None, now=None):
    """Write a dump to the new directory `target`, which appears complete or not at all."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(6)}"
    temp.mkdir()
    try:
        manifest = write_dump(temp, consultation=consultation, now=now)
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return manifest


def publish_dump(exports_dir=None, *, now=None):
    """Write a new full dump and make it the one served at /api/v1/exports/. Returns the
    manifest. Side effects: a new `dump-…` directory, the `current` symlink moved to it, older
    dumps (all but the new one and the one it replaces) and stale temporary directories removed."""
    exports_dir = Path(exports_dir or settings.EXPORTS_DIR)
    exports_dir.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    name = f"{DUMP_PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
    previous = current_dump(exports_dir)
    manifest = write_dump_atomically(exports_dir / name, now=now)
    link = exports_dir / f"{TEMP_PREFIX}link-{secrets.token_hex(6)}"
    os.symlink(name, link)
    os.replace(link, exports_dir / CURRENT)
    keep = {name, previous.name if previous else None}
    for entry in exports_dir.iterdir():
        if entry.name.startswith(DUMP_PREFIX) and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(TEMP_PREFIX) and _older_than(entry, hours=24):
            if entry.is_symlink() or entry.is_file():
                entry.unlink(missing_ok=True)
            else:
                shutil.rmtree(entry, ignore_errors=True)
    return manifest


def _older_than(path, *, hours):
    try:
        age = timezone.now().timestamp() - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    return age > hours * 3600


def current_dump(exports_dir=None):
    """The directory of the published dump (resolved once: it stays the same while read), or
    None before the first one."""
    link = Path(exports_dir or settings.EXPORTS_DIR) / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    target = Path(os.path.realpath(link))
    return target if (target / "manifest.json").is_file() else None


def read_manifest(dump):
    return json.loads((dump / "manifest.json").read_text(encoding="utf-8"))


CONTENT_TYPES = {
    "jsonl": "application/jsonl; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
