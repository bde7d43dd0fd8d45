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
with the proposal's language active. The table is the frozen snapshot (`SynthesisRow`) as
`consultations.public` lets it be shown: a comment no longer shown (hidden, withdrawn or held
since publication) keeps its row and its answer, without its words or its author.

Every export is produced a chunk of rows at a time, so that memory stays flat whatever the
stage's size: the CSV and JSON files as generators of pieces (the views stream them), the PDF
as parts of `settings.SYNTHESIS_PDF_PART_ROWS` rows laid out one at a time and joined page by page
(`core.pdfjoin`).
"""

import csv
import io
import itertools
import json
from datetime import date

from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from consultations import figures as counting
from consultations import public
from consultations.domain import block_labels
from consultations.models import Outcome, StageComment, Stance, Suggestion, redline
from core.dates import format_date, format_datetime
from core.pdfjoin import join_pdfs
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
    "suggestion",
    "suggested_from",
    "suggested_text",
]

# The CSV's column headers, in the reader's language (the JSON keeps the field names; the values
# of `stance`, `state` and `outcome` stay codes in both: docs/exports.md lists them).
COMMENT_HEADERS = {
    "id": pgettext_lazy("export column", "Comment number"),
    "parent_id": pgettext_lazy("export column", "Reply to comment"),
    "depth": pgettext_lazy("export column", "Depth in the thread"),
    "block_key": pgettext_lazy("export column", "Paragraph key"),
    "block": pgettext_lazy("export column", "Paragraph"),
    "quote": pgettext_lazy("export column", "Quoted passage"),
    "text": pgettext_lazy("export column", "Text"),
    "stance": pgettext_lazy("export column", "Stance (code)"),
    "state": pgettext_lazy("export column", "State (code)"),
    "submitted_at": pgettext_lazy("export column", "Submitted at"),
    "author": pgettext_lazy("export column", "Author"),
    "outcome": pgettext_lazy("export column", "Answer (code)"),
    "reason": pgettext_lazy("export column", "Reason of the answer"),
    "applied_in": pgettext_lazy("export column", "Applied in revision"),
    "suggestion": pgettext_lazy("export column", "Suggested change (code)"),
    "suggested_from": pgettext_lazy("export column", "Text the suggestion replaces"),
    "suggested_text": pgettext_lazy("export column", "Suggested wording"),
}

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
        "suggested": "Formulare propusă:",
        "removal": "Propune eliminarea textului.",
        "hidden": "(comentariu ascuns de moderare)",
        "received": {
            "email": "primită prin e-mail la %(date)s",
            "paper": "primită pe hârtie la %(date)s",
        },
        "language": "ro",
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
        "suggested": "Предложена редакция:",
        "removal": "Предлага отпадане на текста.",
        "hidden": "(коментарът е скрит от модератор)",
        "received": {
            "email": "постъпило по електронна поща на %(date)s",
            "paper": "постъпило на хартия на %(date)s",
        },
        "language": "bg",
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
        "suggested": _("Suggested wording:"),
        "removal": _("Suggests removing this text."),
        "hidden": _("(comment hidden by moderation)"),
        "received": {
            "email": gettext_lazy("received by email on %(date)s"),
            "paper": gettext_lazy("received on paper on %(date)s"),
        },
        "language": translation.get_language() or "en",
        "filename": "synthesis",
    }


def layout_for(language):
    """The legal layout in `language`; call with that language active (English is translated)."""
    return LEGAL_LAYOUTS.get(language) or english_layout()


# The language of each country's legal form.
COUNTRY_LANGUAGES = {"RO": "ro", "BG": "bg"}


def legal_language(proposal):
    """The language of the legal table of `proposal`'s syntheses: an authority's own draft is
    answered in the form its country's law sets (a Bulgarian authority's справка, whatever
    language the draft's text was set to); any other proposal in the language of its text."""
    if proposal.is_authority_draft and proposal.organization.is_authority:
        return COUNTRY_LANGUAGES.get(proposal.organization.country, proposal.language)
    return proposal.language


def _safe_cell(value):
    """Spreadsheets run a cell starting with = + - @ as a formula: make it plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# The size of the pieces a streamed export is sent in.
PIECE = 64 * 1024


def csv_stream(header, rows):
    """The CSV file of `header` and `rows` (read one at a time), as UTF-8 pieces of about
    `PIECE` bytes, starting with a byte-order mark so that Excel reads UTF-8 (diacritics,
    Cyrillic)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(value) for value in row])
        if buffer.tell() >= PIECE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def in_language(language, pieces):
    """`pieces` (a generator), each step of it run with `language` active and nothing left
    active between steps: a streamed response is produced after its view has returned, while
    the server sends it."""
    pieces = iter(pieces)
    while True:
        with translation.override(language):
            try:
                piece = next(pieces)
            except StopIteration:
                return
        yield piece


# --- All comments of a stage -------------------------------------------------------------------

# Comments read at a time by the exports.
CHUNK = 1000


def comment_records(stage):
    """Every comment of the stage as a dict of COMMENT_FIELDS, in thread order, with what
    `consultations.public` lets anyone see ("" where nothing may be shown), read `CHUNK` at a
    time. One query (a server-side cursor on PostgreSQL)."""
    labels = block_labels(stage.revision)
    zone = stage.consultation.proposal.organization.zone
    comments = public.with_comment_data(StageComment.objects.filter(stage=stage))
    for comment in comments.iterator(chunk_size=CHUNK):
        fields = public.comment_fields(comment)
        disposition = fields["disposition"] or {}
        yield {
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
            "suggestion": fields["suggestion"] or "",
            "suggested_from": fields["suggested_from"] or "",
            "suggested_text": fields["suggested_text"] or "",
        }


def comments_csv(stage):
    """The stage's comments as CSV: a generator of UTF-8 pieces."""
    rows = (
        ["" if record[name] is None else record[name] for name in COMMENT_FIELDS]
        for record in comment_records(stage)
    )
    return csv_stream([str(COMMENT_HEADERS[name]) for name in COMMENT_FIELDS], rows)


def comments_json(stage):
    """The stage's comments as one JSON document {"proposal", "stage", "comments": [...]},
    written exactly as `json.dumps(document, ensure_ascii=False, indent=1)` would, but a piece
    at a time: a generator of UTF-8 pieces."""
    proposal = stage.consultation.proposal
    zone = proposal.organization.zone
    head = {
        "proposal": {"slug": proposal.slug, "title": proposal.title},
        "stage": {
            "position": stage.position,
            "title": stage.title,
            "kind": stage.kind,
            "opens_at": timezone.localtime(stage.opens_at, zone).isoformat(),
            "closes_at": timezone.localtime(stage.closes_at, zone).isoformat(),
            "revision": stage.revision.number if stage.revision else None,
        },
        "comments": [],
    }
    return _json_stream(head, "comments", comment_records(stage))


def _json_stream(head, key, records):
    """`head` (a dict whose last key, `key`, holds an empty list) with `records` in that list,
    as `json.dumps(..., ensure_ascii=False, indent=1)` writes it, in UTF-8 pieces."""
    opening = json.dumps(head, ensure_ascii=False, indent=1)
    closing = "]\n}"
    assert opening.endswith(f'"{key}": [{closing}')
    parts = [opening[: -len(closing)]]
    size = len(parts[0])
    separator = "\n"
    for record in records:
        # Inside the list, two levels deep: each line of the record indented by two spaces
        # (JSON strings hold no raw line break, so every line break is the layout's).
        text = json.dumps(record, ensure_ascii=False, indent=1).replace("\n", "\n  ")
        parts.append(f"{separator}  {text}")
        size += len(parts[-1])
        separator = ",\n"
        if size >= PIECE:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append(closing if separator == "\n" else "\n " + closing)
    yield "".join(parts).encode("utf-8")


# --- The synthesis -----------------------------------------------------------------------------


def current_row(row):
    """A row of `consultations.public.shown_rows` with "" where nothing may be shown (the
    revision applying the answer stays None when there is none)."""
    return {
        name: "" if value is None and name != "applied_in" else value for name, value in row.items()
    }


def current_row_chunks(synthesis):
    """The frozen rows as they may be shown now, `current_row` by `current_row`, in lists of
    `consultations.public.SYNTHESIS_CHUNK`. Two queries a chunk."""
    for chunk in public.synthesis_row_chunks(synthesis):
        yield [current_row(row) for row in chunk]


def _suggestion_cell(row, layout, text, html):
    """The proposal's cell of a row holding a suggestion of wording: the suggested wording (in
    the PDF, as a redline of the text it replaces) or the removal it asks for, then the
    comment's text. Plain text, or for the PDF safe HTML whose line breaks its template keeps."""
    if html:
        if row["suggestion"] == Suggestion.REMOVE:
            wording = format_html("<del>{}</del>", row["suggested_from"])
        else:
            wording = redline(row["suggested_from"], row["suggested_text"])
        label = layout["removal"] if row["suggestion"] == Suggestion.REMOVE else layout["suggested"]
        return format_html("{}\n{}\n{}", label, wording, text)
    if row["suggestion"] == Suggestion.REMOVE:
        return f"{layout['removal']}\n{text}"
    return f"{layout['suggested']} „{row['suggested_text']}”\n{text}"


def legal_row(row, layout, *, html=False):
    """The cells of one row of the legal table (`layout`'s columns), from a `current_row` row
    (with `html`, the proposal's cell of a suggestion shows its redline: for the PDF)."""
    outcome = layout["outcomes"].get(row["outcome"], row["outcome"])
    if row.get("applied_in"):
        outcome += " (" + str(layout["applied_in"]) % {"number": row["applied_in"]} + ")"
    if row["shown"]:
        text = row["text"]
        if row["quote"]:
            text = f"„{row['quote']}”\n{text}"
        if row.get("suggestion"):
            text = _suggestion_cell(row, layout, text, html)
    else:
        text = layout["hidden"]
    author = row["author"]
    if row["shown"] and row.get("channel") in layout["received"] and row.get("received_on"):
        # A recommendation received by email or on paper: its channel and day, as the law asks
        # for every written recommendation whatever way it came.
        day = format_date(date.fromisoformat(str(row["received_on"])), layout["language"])
        author += " (" + str(layout["received"][row["channel"]]) % {"date": day} + ")"
    return [
        row["number"],
        author,
        row["block"] or layout["whole_text"],
        text,
        outcome,
        row["reason"],
    ]


def legal_row_chunks(synthesis, layout, *, html=False):
    """The legal table's rows (`legal_row`), in lists of `consultations.public.SYNTHESIS_CHUNK`.
    Call with the proposal's language active."""
    for chunk in current_row_chunks(synthesis):
        yield [legal_row(row, layout, html=html) for row in chunk]


def synthesis_filename(synthesis, fmt):
    stage = synthesis.stage
    proposal = stage.consultation.proposal
    language = legal_language(proposal)
    with translation.override(language):
        name = layout_for(language)["filename"]
    return f"{proposal.slug}-{stage.position}-{name}.{fmt}"


def synthesis_csv(synthesis):
    """The legal table as CSV: a generator of UTF-8 pieces, produced in the proposal's
    language."""
    language = legal_language(synthesis.stage.consultation.proposal)

    def pieces():
        layout = layout_for(language)
        rows = (row for chunk in legal_row_chunks(synthesis, layout) for row in chunk)
        yield from csv_stream(layout["columns"], rows)

    return in_language(language, pieces())


def legal_counts(counts, layout):
    """From `Synthesis.counts`: [(stance label, count)], [(the layout's outcome wording, count)]."""
    stance = [(label, counts.get("stance", {}).get(value, 0)) for value, label in Stance.choices]
    outcome = [
        (layout["outcomes"].get(value, label), counts.get("outcome", {}).get(value, 0))
        for value, label in Outcome.choices
    ]
    return stance, outcome


def _pdf_context(synthesis, layout):
    stage = synthesis.stage
    consultation = stage.consultation
    proposal = consultation.proposal
    zone = proposal.organization.zone
    stance_counts, outcome_counts = legal_counts(synthesis.counts, layout)
    figures = counting.stage_figures(stage)
    return {
        "layout": layout,
        "synthesis": synthesis,
        "stage": stage,
        "consultation": consultation,
        "proposal": proposal,
        "organization": proposal.organization,
        "opens": format_datetime(stage.opens_at, layout["language"], zone),
        "closes": format_datetime(stage.closes_at, layout["language"], zone),
        "published": format_datetime(synthesis.published_at, layout["language"], zone),
        "stance_counts": stance_counts,
        "outcome_counts": outcome_counts,
        "total": synthesis.counts.get("total", 0),
        "figures": figures,
        # The same figures drawn, next to their tables (inline SVG: WeasyPrint draws it).
        "charts": counting.printed_charts(figures),
    }


TEMPLATE = "consultations/export/synthesis.html"


def synthesis_pdf_parts(synthesis, *, part_rows=None, progress=None):
    """The PDF of the legal table in parts of at most `part_rows` rows (default:
    `settings.SYNTHESIS_PDF_PART_ROWS`; WeasyPrint lays each out whole in memory), the first
    with the title, the details and the counts, every one with the table's header: a generator
    of PDF bytes, produced in the proposal's language. One part for a table of at most
    `part_rows` rows (or none). `progress`, if given, is called with the number of rows laid
    out after each part."""
    language = legal_language(synthesis.stage.consultation.proposal)
    part_rows = part_rows or settings.SYNTHESIS_PDF_PART_ROWS

    def parts():
        layout = layout_for(language)
        context = _pdf_context(synthesis, layout)
        table, done = [], 0
        rows = (row for chunk in legal_row_chunks(synthesis, layout, html=True) for row in chunk)
        while True:
            table = list(itertools.islice(rows, part_rows))
            if not table and done:
                return
            part = render_pdf(TEMPLATE, {**context, "table": table, "continued": done > 0})
            done += len(table)
            if progress is not None:
                progress(done)
            yield part
            if len(table) < part_rows:
                return

    return in_language(language, parts())


def synthesis_pdf(synthesis, output=None, *, part_rows=None, progress=None):
    """The PDF of the legal table. Without `output`, its bytes (a table of at most `part_rows`
    rows is one part, nothing to join). With `output` (a binary file open for writing), the
    parts are laid out one at a time and joined into it (`core.pdfjoin.join_pdfs`): memory
    holds one part, whatever the table's size; returns the number of pages then."""
    parts = synthesis_pdf_parts(synthesis, part_rows=part_rows, progress=progress)
    if output is None:
        buffer = io.BytesIO()
        first = next(parts)
        rest = list(itertools.islice(parts, 1))
        if not rest:
            return first
        join_pdfs(itertools.chain([first], rest, parts), buffer)
        return buffer.getvalue()
    return join_pdfs(parts, output)


def attendance_csv(stage):
    """The public attendance list of a meeting as CSV (bytes, in the active language): one row
    per person marked present, named only with their consent
    (`consultations.domain.meetings.public_attendance`)."""
    from accounts.models import RespondentCategory
    from consultations.domain.meetings import public_attendance

    header = [_("No."), _("Name"), _("Organisation"), _("Respondent category")]
    rows = (
        [
            number,
            row["name"] if row["named"] else _("(name not shown)"),
            row["organization"],
            str(RespondentCategory(row["category"]).label)
            if row["category"] in RespondentCategory.values
            else row["category"],
        ]
        for number, row in enumerate(public_attendance(stage), start=1)
    )
    return b"".join(csv_stream(header, rows))
