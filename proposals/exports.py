"""A revision, or an amendment's comparative table, as PDF (WeasyPrint), DOCX (python-docx) and
ODT (odfdo, for the administrations that work in LibreOffice).

Every export shows the proposal's title, its organisation, the revision number, the date and the
revision's SHA-256 hash (and its attachments' hashes), so a printed copy can be checked against
the platform. Pages are A4, landscape for the comparative table; dates are written in the
language of the text (core.dates), in the organisation's time zone.
"""

import copy
import functools
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.dates import format_datetime
from core.markdown import render_markdown
from core.text import strip_control_characters
from proposals import content
from proposals.diff import comparative_table, side_pieces
from proposals.legal_text import superscript_numbers

PDF_STYLESHEET = Path(__file__).resolve().parent / "export" / "print.css"

# Page sizes in millimetres (width, height) and the margin on every side.
A4_PORTRAIT = (210, 297)
A4_LANDSCAPE = (297, 210)
MARGIN_MM = 20


def _meta(revision):
    proposal = revision.proposal
    return {
        "proposal": proposal,
        "revision": revision,
        "organization": proposal.organization,
        "date": format_datetime(revision.created_at, proposal.language, proposal.organization.zone),
    }


def _meta_lines(revision):
    """The identifying lines under the title (DOCX and ODT), as the PDF's box shows them: the
    organisation first, then the revision and its date, the act, the authority, the hashes."""
    proposal = revision.proposal
    lines = [
        proposal.authors_display,
        _("Revision %(number)s of %(date)s")
        % {"number": revision.number, "date": _meta(revision)["date"]},
    ]
    if proposal.reference_act:
        lines.append(proposal.reference_act)
    lines.append(f"{_('Addressed to')} {proposal.target_authority.name}")
    lines.append("SHA-256: " + revision.content_hash)
    attachments = list(revision.attachments.all())
    if attachments:
        lines.append(_("Attachments") + ":")
        lines.extend(f"{item.name} — SHA-256: {item.sha256}" for item in attachments)
    return lines


# --- PDF ---------------------------------------------------------------------------------------


def render_pdf(template, context):
    """The PDF of `template` rendered with `context`, in the exports' A4 style, loading nothing
    from elsewhere. Other apps' documents (a submission's dossier, a synthesis) use it too."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(template, context)
    stylesheet = CSS(filename=str(PDF_STYLESHEET))
    # Exports embed nothing from elsewhere: no text can make the server fetch a URL. Only
    # `data:` addresses are read (the charts drawn on the server are written in as such; the
    # Markdown sanitiser lets people write none).
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def printable(revision):
    """An unsaved copy of `revision` whose texts hold only characters XML allows: python-docx,
    odfdo and lxml refuse the others (U+FFFE, U+FFFF, lone surrogates), which text saved before
    they were refused on input may contain. The stored revision is never touched."""
    document = copy.copy(revision)
    document.title = strip_control_characters(revision.title)
    document.summary = strip_control_characters(revision.summary)
    document.blocks = [
        {
            name: strip_control_characters(value) if isinstance(value, str) else value
            for name, value in block.items()
        }
        for block in revision.blocks
    ]
    return document


def as_document(function):
    """Exports are documents of the proposal: labels and dates in the language of its text,
    only characters a document can hold."""

    @functools.wraps(function)
    def wrapper(revision):
        with translation.override(revision.proposal.language):
            return function(printable(revision))

    return wrapper


@as_document
def revision_pdf(revision):
    context = _meta(revision)
    if revision.proposal.kind == "amendment":
        context["rows"] = comparative_table(revision)
    return render_pdf("proposals/export/revision.html", context)


@as_document
def table_pdf(revision):
    context = {**_meta(revision), "rows": comparative_table(revision), "landscape": True}
    return render_pdf("proposals/export/table.html", context)


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


def _add_redline(paragraph, ops, side):
    """Runs of one side of a word diff: removed words struck through (text in force), added
    words underlined (proposed text); words that differ only in spelling are not marked."""
    for text, mark in side_pieces(ops, side):
        run = paragraph.add_run(superscript_numbers(text))
        if mark == "removed":
            run.font.strike = True
        elif mark == "added":
            run.font.underline = True


def _docx_a4(document, landscape=False):
    """python-docx's template is US Letter: every section becomes A4 with our margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    width, height = A4_LANDSCAPE if landscape else A4_PORTRAIT
    for section in document.sections:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
        for side in ("top", "bottom", "left", "right"):
            setattr(section, f"{side}_margin", Mm(MARGIN_MM))


def _docx_header(document, revision):
    proposal = revision.proposal
    document.core_properties.title = proposal.title
    document.core_properties.author = proposal.authors_display
    document.core_properties.language = proposal.language
    document.add_heading(revision.title, level=0)
    meta = document.add_paragraph()
    organization, *lines = _meta_lines(revision)
    meta.add_run(organization).bold = True
    for line in lines:
        meta.add_run("\n" + line)


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
        cells[1].text = f"{superscript_numbers(row.article)}\n{row.action_label}"
        _add_redline(cells[2].paragraphs[0], row.ops, "old")
        _add_redline(cells[3].paragraphs[0], row.ops, "new")
        cells[4].text = row.rationale
    return table


@as_document
def revision_docx(revision):
    from docx import Document

    document = Document()
    _docx_a4(document)
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
            article = superscript_numbers(block["article"])
            document.add_heading(f"{article} — {action}", level=2)
            for field in ("in_force", "proposed"):
                if block.get(field):
                    label = _("Text in force") if field == "in_force" else _("Proposed text")
                    document.add_paragraph(str(label), style="Heading 3")
                    document.add_paragraph(superscript_numbers(block[field]), style="Quote")
            if block.get("rationale"):
                document.add_paragraph(str(_("Rationale")), style="Heading 3")
                _add_markdown(document, block["rationale"])
    return _docx_bytes(document)


@as_document
def table_docx(revision):
    from docx import Document

    document = Document()
    _docx_a4(document, landscape=True)
    _docx_header(document, revision)
    document.add_heading(_("Comparative table"), level=1)
    _add_table(document, comparative_table(revision))
    return _docx_bytes(document)


# --- Markdown as HTML elements (ODT here, Akoma Ntoso in proposals.akoma_ntoso) -----------------

# Elements of our sanitised Markdown HTML that are blocks; anything else is inline.
HTML_BLOCKS = {
    *("p", "ul", "ol", "table", "blockquote", "pre", "hr"),
    *("h1", "h2", "h3", "h4", "h5", "h6"),
}
HTML_SPACES = re.compile(r"\s+")


def markdown_items(text):
    """A Markdown text as our sanitised HTML (core.markdown), parsed: a list of lxml elements
    and strings (text outside any element)."""
    html = str(render_markdown(text)).strip()
    return lxml.html.fragments_fromstring(html) if html else []


def html_contents(node):
    """The children of an HTML element in order: text as strings, elements as themselves."""
    items = [node.text] if node.text else []
    for child in node:
        if isinstance(child.tag, str):  # not a comment or a processing instruction
            items.append(child)
        if child.tail:
            items.append(child.tail)
    return items


def html_table_rows(node):
    """The rows of an HTML table (from thead, tbody, tfoot or the table itself), with their
    cells, leaving out rows without cells."""
    rows = []
    for row in node.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
        cells = [cell for cell in row if cell.tag in ("th", "td")]
        if cells:
            rows.append((row, cells))
    return rows


# --- ODT ---------------------------------------------------------------------------------------

ODT_LANGUAGES = {"ro": "ro-RO", "bg": "bg-BG", "en": "en-GB"}
_BOLD = {
    "fo:font-weight": "bold",
    "style:font-weight-asian": "bold",
    "style:font-weight-complex": "bold",
}
_ITALIC = {
    "fo:font-style": "italic",
    "style:font-style-asian": "italic",
    "style:font-style-complex": "italic",
}
# (The underline takes the colour of the text by default.)
_UNDERLINE = {"style:text-underline-style": "solid", "style:text-underline-width": "auto"}
_STRIKE = {"style:text-line-through-style": "solid", "style:text-line-through-type": "single"}
# Automatic styles of our ODT documents: name → (family, {area: properties}).
ODT_STYLES = {
    "Consult_Strong": ("text", {"text": _BOLD}),
    "Consult_Emphasis": ("text", {"text": _ITALIC}),
    "Consult_Underline": ("text", {"text": _UNDERLINE}),
    # The comparative table: removed words struck through, added words underlined.
    "Consult_Removed": ("text", {"text": {**_STRIKE, "fo:color": "#7a0000"}}),
    "Consult_Added": ("text", {"text": {**_UNDERLINE, "fo:color": "#004d00"}}),
    "Consult_Meta": (
        "paragraph",
        {
            "paragraph": {
                "fo:border": "0.5pt solid #555555",
                "fo:padding": "2mm",
                "fo:margin-bottom": "5mm",
            },
            "text": {"fo:font-size": "9pt"},
        },
    ),
    "Consult_Summary": ("paragraph", {"text": _ITALIC}),
    "Consult_Label": (
        "paragraph",
        {"paragraph": {"fo:margin-top": "2mm", "fo:keep-with-next": "always"}, "text": _BOLD},
    ),
    "Consult_Quote": (
        "paragraph",
        {
            "paragraph": {
                "fo:margin-left": "8mm",
                "fo:padding-left": "2mm",
                "fo:border-left": "1pt solid #777777",
                "fo:margin-bottom": "1mm",
            }
        },
    ),
    "Consult_Table": ("table", {"table": {"style:width": "257mm", "table:align": "margins"}}),
    # A table of a Markdown text: as wide as the text, its columns equal.
    "Consult_Text_Table": ("table", {"table": {"table:align": "margins"}}),
    # A row is never split across two pages (as in the PDF).
    "Consult_Row": ("table-row", {"table-row": {"fo:keep-together": "always"}}),
    "Consult_Cell": (
        "table-cell",
        {"table-cell": {"fo:border": "0.5pt solid #555555", "fo:padding": "1.2mm"}},
    ),
    "Consult_Header_Cell": (
        "table-cell",
        {
            "table-cell": {
                "fo:border": "0.5pt solid #555555",
                "fo:padding": "1.2mm",
                "fo:background-color": "#e5e5e5",
            }
        },
    ),
}
# Widths of the comparative table's columns on a landscape page (257 mm between the margins).
ODT_TABLE_COLUMNS = (12, 35, 75, 75, 60)
ODT_STYLES |= {
    f"Consult_Column_{number}": ("table-column", {"table-column": {"style:column-width": width}})
    for number, width in enumerate((f"{mm}mm" for mm in ODT_TABLE_COLUMNS), start=1)
}
_INLINE_STYLES = {
    "strong": "Consult_Strong",
    "b": "Consult_Strong",
    "em": "Consult_Emphasis",
    "i": "Consult_Emphasis",
    "u": "Consult_Underline",
}
_REDLINE_STYLES = {"removed": "Consult_Removed", "added": "Consult_Added"}


def _odt_document(revision, landscape=False):
    from odfdo import Document, Style

    proposal = revision.proposal
    document = Document("text")
    document.body.clear()
    document.set_language(ODT_LANGUAGES.get(proposal.language, "en-GB"))
    document.meta.set_title(revision.title)
    document.meta.set_initial_creator(proposal.authors_display)
    document.meta.set_creator(proposal.authors_display)
    document.meta.set_creation_date(revision.created_at)

    master = document.get_style("master-page", "Standard")
    layout = document.get_style("page-layout", master.get_attribute("style:page-layout-name"))
    page = layout.get_element("style:page-layout-properties")
    width, height = A4_LANDSCAPE if landscape else A4_PORTRAIT
    page.set_attribute("fo:page-width", f"{width}mm")
    page.set_attribute("fo:page-height", f"{height}mm")
    page.set_attribute("style:print-orientation", "landscape" if landscape else "portrait")
    for side in ("top", "bottom", "left", "right"):
        page.set_attribute(f"fo:margin-{side}", f"{MARGIN_MM}mm")

    for name, (family, areas) in ODT_STYLES.items():
        style = Style(family, name=name)
        for area, properties in areas.items():
            style.set_properties(properties, area=area)
        document.insert_style(style, automatic=True)
    return document


def _odt_bytes(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _at_line_start(element):
    """Nothing written in `element` yet, or a line break just before: spaces here show nothing."""
    children = element.children
    if not children:
        return not element.text
    return children[-1].tag == "text:line-break" and not children[-1].tail


def _odt_heading(level, text):
    from odfdo import Header

    heading = Header(level, text)
    heading.style = f"Heading_20_{level}"  # odfdo's Header() does not set the style it is given
    return heading


class _OdtWriter:
    """Writes a revision's parts into the body of an odfdo text document."""

    def __init__(self):
        self.tables = 0

    def _table_name(self):
        self.tables += 1
        return _("Table %(number)s") % {"number": self.tables}

    def header(self, body, revision):
        from odfdo import LineBreak, Paragraph, Span

        body.append(_odt_heading(1, revision.title))
        organization, *lines = _meta_lines(revision)
        meta = Paragraph(style="Consult_Meta")
        meta.append(Span(organization, style="Consult_Strong"))
        for line in lines:
            meta.append(LineBreak())
            meta.append(line)
        body.append(meta)

    # Markdown, from our sanitised HTML.

    def markdown(self, container, text):
        self.blocks(container, markdown_items(text))

    def blocks(self, container, items, style=None, in_list=False):
        """Paragraphs, lists and tables for `items`; inline content outside any block is
        gathered into a paragraph. A list item cannot hold a table: its text stays."""
        from odfdo import Paragraph

        loose = None
        for item in items:
            if isinstance(item, str) or item.tag not in HTML_BLOCKS:
                if loose is None:
                    if isinstance(item, str) and not item.strip():
                        continue
                    loose = Paragraph(style=style)
                    container.append(loose)
                self.inline(loose, [item])
                continue
            loose = None
            if item.tag in ("ul", "ol"):
                self.list(container, item)
            elif item.tag == "table" and not in_list:
                self.table(container, item)
            elif item.tag == "blockquote":
                self.blocks(container, html_contents(item), "Consult_Quote", in_list)
            elif item.tag == "pre":
                text = item.text_content().strip("\n")
                container.append(Paragraph(text, style="Preformatted_20_Text"))
            elif item.tag != "hr":
                heading = item.tag in ("h1", "h2", "h3", "h4", "h5", "h6")
                paragraph = Paragraph(style="Consult_Label" if heading else style)
                container.append(paragraph)
                self.inline(paragraph, html_contents(item))

    def inline(self, target, items):
        from odfdo import LineBreak, Span

        for item in items:
            if isinstance(item, str):
                text = HTML_SPACES.sub(" ", item)
                if _at_line_start(target):
                    text = text.lstrip()
                if text:
                    target.append(text)
            elif item.tag == "br":
                target.append(LineBreak())
            elif item.tag in _INLINE_STYLES:
                span = Span(style=_INLINE_STYLES[item.tag])
                target.append(span)
                self.inline(span, html_contents(item))
            elif item.tag == "a":
                # Paper has no links: the address follows the words that carried it.
                self.inline(target, html_contents(item))
                href = item.get("href", "")
                label = HTML_SPACES.sub(" ", item.text_content()).strip()
                if href and href not in (label, f"mailto:{label}"):
                    target.append(f" ({href})")
            elif item.tag in HTML_BLOCKS:
                self.inline(target, [item.text_content()])
            else:  # code, abbr, del, sub…: the text stays
                self.inline(target, html_contents(item))

    def list(self, container, node):
        from odfdo import List, ListItem

        items = [child for child in node if child.tag == "li"]
        if not items:
            return
        odt_list = List(style="Numbering_20_1" if node.tag == "ol" else "List_20_1")
        for item in items:
            odt_item = ListItem()
            self.blocks(odt_item, html_contents(item), in_list=True)
            odt_list.append(odt_item)
        container.append(odt_list)

    def table(self, container, node):
        from odfdo import Column, HeaderRows, Paragraph

        rows = html_table_rows(node)
        if not rows:
            return
        width = max(len(cells) for _row, cells in rows)
        table = self._new_table(style="Consult_Text_Table")
        table.append(Column(repeated=width) if width > 1 else Column())
        header = None
        for row, cells in rows:
            odt_row = self._new_row()
            for cell in cells:
                odt_cell = self._new_cell(header=cell.tag == "th")
                self.blocks(odt_cell, html_contents(cell))
                odt_row.append(odt_cell)
            for _missing in range(width - len(cells)):
                odt_row.append(self._new_cell())
            if row.getparent().tag == "thead":
                if header is None:
                    header = HeaderRows()
                    table.append(header)
                header.append(odt_row)
            else:
                table.append(odt_row)
        for cell in table.get_elements("descendant::table:table-cell"):
            if not cell.children:
                cell.append(Paragraph())
        container.append(table)

    def _new_table(self, style):
        from odfdo import Table

        return Table(self._table_name(), style=style)

    def _new_row(self):
        from odfdo import Row

        return Row(style="Consult_Row")

    def _new_cell(self, header=False):
        from odfdo import Cell

        return Cell(style="Consult_Header_Cell" if header else "Consult_Cell")

    # The parts of a revision.

    def amendment(self, body, block):
        from odfdo import Paragraph

        action = content.AMENDMENT_ACTIONS.get(block["action"], block["action"])
        article = superscript_numbers(block["article"])
        body.append(_odt_heading(3, f"{article} — {action}"))
        for field, label in (("in_force", _("Text in force")), ("proposed", _("Proposed text"))):
            if block.get(field):
                body.append(Paragraph(str(label), style="Consult_Label"))
                body.append(Paragraph(superscript_numbers(block[field]), style="Consult_Quote"))
        if block.get("rationale"):
            body.append(Paragraph(str(_("Rationale")), style="Consult_Label"))
            self.markdown(body, block["rationale"])

    def redline(self, paragraph, ops, side):
        """One side of a word diff: removed words struck through (text in force), added words
        underlined (proposed text); words that differ only in spelling are not marked."""
        from odfdo import Span

        for text, mark in side_pieces(ops, side):
            style = _REDLINE_STYLES.get(mark)
            text = superscript_numbers(text)
            paragraph.append(Span(text, style=style) if style else text)

    def comparative_table(self, body, rows):
        from odfdo import Column, HeaderRows, LineBreak, Paragraph

        table = self._new_table(style="Consult_Table")
        for number in range(1, len(ODT_TABLE_COLUMNS) + 1):
            table.append(Column(style=f"Consult_Column_{number}"))
        header = HeaderRows()
        labels = [_("No."), _("Article"), _("Text in force"), _("Proposed text"), _("Rationale")]
        header_row = self._new_row()
        for label in labels:
            cell = self._new_cell(header=True)
            cell.append(Paragraph(str(label), style="Consult_Label"))
            header_row.append(cell)
        header.append(header_row)
        table.append(header)
        for row in rows:
            odt_row = self._new_row()
            cells = [self._new_cell() for _label in labels]
            cells[0].append(Paragraph(str(row.number)))
            article = Paragraph(superscript_numbers(row.article))
            article.append(LineBreak())
            article.append(str(row.action_label))
            cells[1].append(article)
            for cell, side in ((cells[2], "old"), (cells[3], "new")):
                paragraph = Paragraph()
                self.redline(paragraph, row.ops, side)
                cell.append(paragraph)
            self.markdown(cells[4], row.rationale)
            for cell in cells:
                if not cell.children:
                    cell.append(Paragraph())
                odt_row.append(cell)
            table.append(odt_row)
        body.append(table)


@as_document
def revision_odt(revision):
    from odfdo import Paragraph

    document = _odt_document(revision)
    body = document.body
    writer = _OdtWriter()
    writer.header(body, revision)
    if revision.summary:
        body.append(Paragraph(revision.summary, style="Consult_Summary"))
    for block in revision.blocks:
        if block["type"] == content.HEADING:
            body.append(_odt_heading(2, block["text"]))
        elif block["type"] == content.TEXT:
            writer.markdown(body, block["text"])
        else:
            writer.amendment(body, block)
    return _odt_bytes(document)


@as_document
def table_odt(revision):
    from odfdo import Paragraph

    document = _odt_document(revision, landscape=True)
    body = document.body
    writer = _OdtWriter()
    writer.header(body, revision)
    body.append(_odt_heading(2, str(_("Comparative table"))))
    rows = comparative_table(revision)
    if rows:
        writer.comparative_table(body, rows)
    else:
        body.append(Paragraph(str(_("This version has no amendments yet."))))
    return _odt_bytes(document)
