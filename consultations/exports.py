"""Exports of a stage: all its comments (CSV, JSON) and its published synthesis (CSV, PDF).

The comments export is data: one row per comment, threads flattened in thread order, codes
rather than labels, never an email address. A comment that is not shown (hidden, withdrawn,
held) keeps its row, id and state, with its text, quote and author left empty.

The synthesis export is a document in the layout the law expects in the proposal's country: the
Romanian "Tabel cu propunerile/recomandările primite și modul de soluționare" (Law 52/2003) and
the Bulgarian "Справка за отразяване на постъпилите предложения" (Law on Normative Acts, art.
26). Their titles, column headings and answers are fixed wordings of those forms, so they are
spelled out here per language rather than left to the interface translations; a proposal in
English gets the English (translatable) wording. Everything else in the document is rendered
with the proposal's language active. The table is the frozen snapshot of `Synthesis.rows` as
`consultations.public` lets it be shown: a comment no longer shown (hidden, withdrawn or held
since publication) keeps its row and its answer, without its words or its author.
"""

import csv
import io
import json

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations import public
from consultations.domain import block_labels
from consultations.models import Outcome, StageComment, Stance
from core.dates import format_datetime
from proposals.exports import render_pdf

BOM = "\ufeff"

COMMENT_FIELDS = [
    "id",
    "parent_id",
    "depth",
    "block_key",
    "block",
    "quote",
    "text",
    "stance",
    "state",
    "submitted_at",
    "author",
    "outcome",
    "reason",
    "applied_in",
]

# The fixed wording of the legal forms. Keys of "outcomes" are `Outcome` values.
LEGAL_LAYOUTS = {
    "ro": {
        "title": "Tabel cu propunerile/recomandările primite și modul de soluționare",
        "columns": [
            "Nr. crt.",
            "Autor",
            "Paragraf",
            "Propunere/recomandare",
            "Soluție",
            "Motivare",
        ],
        "outcomes": {
            Outcome.ACCEPTED: "Acceptată",
            Outcome.PARTIALLY: "Acceptată parțial",
            Outcome.REJECTED: "Respinsă",
            Outcome.NOT_APPLICABLE: "Nu se aplică",
        },
        "whole_text": "Întregul text",
        "applied_in": "preluată în versiunea %(number)s",
        "hidden": "(comentariu ascuns de moderare)",
        "filename": "tabel-propuneri",
    },
    "bg": {
        "title": "Справка за отразяване на постъпилите предложения",
        "columns": ["№", "Автор", "Текст", "Предложение", "Приема/не приема", "Мотиви"],
        "outcomes": {
            Outcome.ACCEPTED: "Приема",
            Outcome.PARTIALLY: "Приема частично",
            Outcome.REJECTED: "Не приема",
            Outcome.NOT_APPLICABLE: "Неприложимо",
        },
        "whole_text": "Целият текст",
        "applied_in": "отразено във версия %(number)s",
        "hidden": "(коментарът е скрит от модератор)",
        "filename": "spravka",
    },
}


def english_layout():
    return {
        "title": _("Table of the proposals received and how they were resolved"),
        "columns": [
            _("No."),
            _("Author"),
            _("Paragraph"),
            _("Proposal"),
            _("Resolution"),
            _("Reasons"),
        ],
        "outcomes": {outcome.value: str(outcome.label) for outcome in Outcome},
        "whole_text": _("Whole text"),
        "applied_in": gettext_lazy("applied in revision %(number)s"),
        "hidden": _("(comment hidden by moderation)"),
        "filename": "synthesis",
    }


def layout_for(language):
    """The legal layout in `language`; call with that language active (English is translated)."""
    return LEGAL_LAYOUTS.get(language) or english_layout()


def _safe_cell(value):
    """Spreadsheets run a cell starting with = + - @ as a formula: make it plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_bytes(header, rows):
    buffer = io.StringIO()
    buffer.write(BOM)  # so that Excel reads UTF-8 (diacritics, Cyrillic)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


# --- All comments of a stage -------------------------------------------------------------------


def comment_records(stage):
    """Every comment of the stage as a dict of COMMENT_FIELDS, in thread order, with what
    `consultations.public` lets anyone see ("" where nothing may be shown). One query."""
    labels = block_labels(stage.revision)
    zone = stage.consultation.proposal.organization.zone
    records = []
    for comment in public.with_comment_data(StageComment.objects.filter(stage=stage)):
        fields = public.comment_fields(comment)
        disposition = fields["disposition"] or {}
        records.append(
            {
                "id": fields["id"],
                "parent_id": fields["parent_id"],
                "depth": fields["depth"],
                "block_key": comment.block_key,
                "block": labels.get(comment.block_key, "") if comment.block_key else "",
                "quote": fields["quote"] or "",
                "text": fields["text"] or "",
                "stance": comment.stance,
                "state": fields["state"],
                "submitted_at": timezone.localtime(fields["submitted_at"], zone).isoformat(
                    timespec="seconds"
                ),
                "author": fields["author"] or "",
                "outcome": disposition.get("outcome", ""),
                "reason": disposition.get("reason", ""),
                "applied_in": disposition.get("applied_in"),
            }
        )
    return records


def comments_csv(stage):
    records = comment_records(stage)
    rows = (
        ["" if record[name] is None else record[name] for name in COMMENT_FIELDS]
        for record in records
    )
    return _csv_bytes(COMMENT_FIELDS, rows)


def comments_json(stage):
    proposal = stage.consultation.proposal
    zone = proposal.organization.zone
    document = {
        "proposal": {"slug": proposal.slug, "title": proposal.title},
        "stage": {
            "position": stage.position,
            "title": stage.title,
            "kind": stage.kind,
            "opens_at": timezone.localtime(stage.opens_at, zone).isoformat(),
            "closes_at": timezone.localtime(stage.closes_at, zone).isoformat(),
            "revision": stage.revision.number if stage.revision else None,
        },
        "comments": comment_records(stage),
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# --- The synthesis -----------------------------------------------------------------------------


def current_rows(synthesis):
    """The frozen rows as they may be shown now (`consultations.public.synthesis_rows`), with
    "" where nothing may be shown. One query."""
    return [
        {
            name: "" if value is None and name != "applied_in" else value
            for name, value in row.items()
        }
        for row in public.synthesis_rows(synthesis)
    ]


def legal_row(row, layout):
    """The cells of one row of the legal table (`layout`'s columns), from a `current_rows` row."""
    outcome = layout["outcomes"].get(row["outcome"], row["outcome"])
    if row.get("applied_in"):
        outcome += " (" + str(layout["applied_in"]) % {"number": row["applied_in"]} + ")"
    if row["shown"]:
        text = row["text"]
        if row["quote"]:
            text = f"„{row['quote']}”\n{text}"
    else:
        text = layout["hidden"]
    return [
        row["number"],
        row["author"],
        row["block"] or layout["whole_text"],
        text,
        outcome,
        row["reason"],
    ]


def synthesis_document(synthesis):
    """(layout, rows, table) of a published synthesis: the legal layout in the proposal's language,
    `current_rows` and their legal rows. Call with that language active. One query (for the
    rows) once the stage, consultation and proposal are loaded."""
    stage = synthesis.stage
    proposal = stage.consultation.proposal
    layout = layout_for(proposal.language)
    rows = current_rows(synthesis)
    return layout, rows, [legal_row(row, layout) for row in rows]


def synthesis_filename(synthesis, fmt):
    stage = synthesis.stage
    proposal = stage.consultation.proposal
    with translation.override(proposal.language):
        name = layout_for(proposal.language)["filename"]
    return f"{proposal.slug}-{stage.position}-{name}.{fmt}"


def synthesis_csv(synthesis):
    proposal = synthesis.stage.consultation.proposal
    with translation.override(proposal.language):
        layout, _rows, table = synthesis_document(synthesis)
        return _csv_bytes(layout["columns"], table)


def legal_counts(counts, layout):
    """From `Synthesis.counts`: [(stance label, count)], [(the layout's outcome wording, count)]."""
    stance = [(label, counts.get("stance", {}).get(value, 0)) for value, label in Stance.choices]
    outcome = [
        (layout["outcomes"].get(value, label), counts.get("outcome", {}).get(value, 0))
        for value, label in Outcome.choices
    ]
    return stance, outcome


def synthesis_pdf(synthesis):
    stage = synthesis.stage
    consultation = stage.consultation
    proposal = consultation.proposal
    zone = proposal.organization.zone
    with translation.override(proposal.language):
        layout, rows, table = synthesis_document(synthesis)
        stance_counts, outcome_counts = legal_counts(synthesis.counts, layout)
        context = {
            "layout": layout,
            "table": table,
            "synthesis": synthesis,
            "stage": stage,
            "consultation": consultation,
            "proposal": proposal,
            "organization": proposal.organization,
            "opens": format_datetime(stage.opens_at, proposal.language, zone),
            "closes": format_datetime(stage.closes_at, proposal.language, zone),
            "published": format_datetime(synthesis.published_at, proposal.language, zone),
            "stance_counts": stance_counts,
            "outcome_counts": outcome_counts,
            "total": synthesis.counts.get("total", len(rows)),
        }
        return render_pdf("consultations/export/synthesis.html", context)
