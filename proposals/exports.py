"""A revision, or an amendment's comparative table, as PDF (WeasyPrint) and DOCX (python-docx).

Every export shows the proposal's title, its organisation, the revision number, the date and the
revision's SHA-256 hash, so a printed copy can be checked against the platform.
"""

import functools
import io
from html.parser import HTMLParser
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.markdown import render_markdown
from proposals import content
from proposals.diff import DELETE, EQUAL, INSERT, comparative_table

PDF_STYLESHEET = Path(__file__).resolve().parent / "export" / "print.css"


def _meta(revision):
    proposal = revision.proposal
    return {
        "proposal": proposal,
        "revision": revision,
        "organization": proposal.organization,
        "date": date_format(timezone.localtime(revision.created_at), "DATETIME_FORMAT"),
    }


# --- PDF ---------------------------------------------------------------------------------------


def _refuse_fetch(url, *args, **kwargs):
    # Exports embed nothing from elsewhere: no text can make the server fetch a URL.
    raise ValueError(f"Exports do not load external resources ({url[:80]}).")


def _pdf(template, context):
    from weasyprint import CSS, HTML

    html = render_to_string(template, context)
    stylesheet = CSS(filename=str(PDF_STYLESHEET))
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[stylesheet])


def in_text_language(function):
    """Exports are documents of the proposal: labels and dates in the language of its text."""

    @functools.wraps(function)
    def wrapper(revision):
        with translation.override(revision.proposal.language):
            return function(revision)

    return wrapper


@in_text_language
def revision_pdf(revision):
    context = _meta(revision)
    if revision.proposal.kind == "amendment":
        context["rows"] = comparative_table(revision)
    return _pdf("proposals/export/revision.html", context)


@in_text_language
def table_pdf(revision):
    context = {**_meta(revision), "rows": comparative_table(revision), "landscape": True}
    return _pdf("proposals/export/table.html", context)


# --- DOCX --------------------------------------------------------------------------------------


class _MarkdownToDocx(HTMLParser):
    """Writes the (already sanitised) HTML of a Markdown text into a python-docx document."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"}

    def __init__(self, document):
        super().__init__(convert_charrefs=True)
        self.document = document
        self.paragraph = None
        self.bold = self.italic = False
        self.list_style = []

    def _ensure_paragraph(self, style=None):
        if self.paragraph is None:
            self.paragraph = self.document.add_paragraph(style=style)
        return self.paragraph

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self.list_style.append("List Bullet" if tag == "ul" else "List Number")
        elif tag == "li":
            self.paragraph = self.document.add_paragraph(
                style=self.list_style[-1] if self.list_style else None
            )
        elif tag in self.BLOCKS:
            self.paragraph = self.document.add_paragraph(
                style="Quote" if tag == "blockquote" else None
            )
        elif tag in ("strong", "b"):
            self.bold = True
        elif tag in ("em", "i"):
            self.italic = True
        elif tag == "br":
            self._ensure_paragraph().add_run().add_break()

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.list_style:
            self.list_style.pop()
        elif tag in self.BLOCKS:
            self.paragraph = None
        elif tag in ("strong", "b"):
            self.bold = False
        elif tag in ("em", "i"):
            self.italic = False

    def handle_data(self, data):
        if not data.strip() and self.paragraph is None:
            return
        run = self._ensure_paragraph().add_run(data)
        run.bold = self.bold or None
        run.italic = self.italic or None


def _add_markdown(document, text):
    parser = _MarkdownToDocx(document)
    parser.feed(str(render_markdown(text)))
    parser.close()


def _add_redline(paragraph, ops, show):
    """Runs of a word diff: removed words struck through, added words underlined."""
    for op, text in ops:
        if op == EQUAL:
            paragraph.add_run(text)
        elif op == DELETE and DELETE in show:
            paragraph.add_run(text).font.strike = True
        elif op == INSERT and INSERT in show:
            paragraph.add_run(text).font.underline = True


def _docx_header(document, revision):
    proposal = revision.proposal
    document.core_properties.title = proposal.title
    document.core_properties.author = proposal.organization.name
    document.add_heading(revision.title, level=0)
    meta = document.add_paragraph()
    meta.add_run(proposal.organization.name).bold = True
    meta.add_run(
        "\n"
        + _("Revision %(number)s of %(date)s")
        % {"number": revision.number, "date": _meta(revision)["date"]}
    )
    if proposal.reference_act:
        meta.add_run("\n" + proposal.reference_act)
    meta.add_run("\nSHA-256: " + revision.content_hash)


def _docx_bytes(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_table(document, rows):
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, label in zip(
        table.rows[0].cells,
        [_("No."), _("Article"), _("Text in force"), _("Proposed text"), _("Rationale")],
        strict=True,
    ):
        cell.paragraphs[0].add_run(str(label)).bold = True
    for row in rows:
        cells = table.add_row().cells
        cells[0].text = str(row.number)
        cells[1].text = f"{row.article}\n{row.action_label}"
        _add_redline(cells[2].paragraphs[0], row.ops, {DELETE})
        _add_redline(cells[3].paragraphs[0], row.ops, {INSERT})
        cells[4].text = row.rationale
    return table


@in_text_language
def revision_docx(revision):
    from docx import Document

    document = Document()
    _docx_header(document, revision)
    if revision.summary:
        document.add_paragraph(revision.summary, style="Intense Quote")
    for block in revision.blocks:
        if block["type"] == content.HEADING:
            document.add_heading(block["text"], level=1)
        elif block["type"] == content.TEXT:
            _add_markdown(document, block["text"])
        else:
            action = content.AMENDMENT_ACTIONS.get(block["action"], block["action"])
            document.add_heading(f"{block['article']} — {action}", level=2)
            for field in ("in_force", "proposed"):
                if block.get(field):
                    label = _("Text in force") if field == "in_force" else _("Proposed text")
                    document.add_paragraph(str(label), style="Heading 3")
                    document.add_paragraph(block[field], style="Quote")
            if block.get("rationale"):
                document.add_paragraph(str(_("Rationale")), style="Heading 3")
                _add_markdown(document, block["rationale"])
    return _docx_bytes(document)


@in_text_language
def table_docx(revision):
    from docx import Document
    from docx.enum.section import WD_ORIENT

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    _docx_header(document, revision)
    document.add_heading(_("Comparative table"), level=1)
    _add_table(document, comparative_table(revision))
    return _docx_bytes(document)
