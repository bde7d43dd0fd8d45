"""ODT exports (for administrations that work in LibreOffice): A4 pages, the identifying details,
headings and Markdown, and the comparative table as a real table with its redline."""

import io
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from lxml import etree
from odfdo import Document

from proposals import domain
from proposals.attachments import store_upload
from tests.factories import ProposalFactory
from tests.helpers import save

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}
ODT = "application/vnd.oasis.opendocument.text"
# 22:30 UTC on 1 March is 00:30 on 2 March in Bucharest (UTC+2 before summer time).
SAVED_AT = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

ROWS = [
    {
        "key": "k0000000a1",
        "type": "amendment",
        "article": "Art. 20 alin. (1)",
        "action": "modify",
        # The text in force in cedilla spelling: ţ/ş against ț/ș is not a change.
        "in_force": "Procedura durează cel puţin 30 de zile.",
        "proposed": "Procedura durează cel puțin 60 de zile.",
        "rationale": "Organizațiile mici au nevoie de **timp**.",
    },
    {
        "key": "k0000000a2",
        "type": "amendment",
        "article": "Art. 16^1",
        "action": "insert",
        "in_force": "",
        "proposed": "Contractele pot fi multianuale.",
        "rationale": "",
    },
]
POLICY_TEXT = (
    "Finanțarea se acordă **multianual**, cu *plăți în avans*:\n\n"
    "- calendar anual publicat;\n"
    "- plata primei tranșe în 30 de zile.\n\n"
    "Detalii pe [site](https://a.example).<br>\nRevenim.\n\n"
    "| Indicator | Țintă |\n|---|---|\n| Termen de plată | 30 de zile |\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def saved_at_fixed_time(monkeypatch):
    """Revisions saved now get SAVED_AT as their date (Django's clock, not ours, is stopped)."""
    monkeypatch.setattr(timezone, "now", lambda: SAVED_AT)


@pytest.fixture
def amendment(ngo, ngo_editor, saved_at_fixed_time):
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="amendment",
        title="Modificarea Legii nr. 350/2005",
        slug="legea-350",
        reference_act="Legea nr. 350/2005",
    )
    save(ngo_editor, proposal, ROWS, message="Amendamente")
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def policy(ngo, ngo_editor, saved_at_fixed_time):
    blocks = [
        {"key": "k0000000b1", "type": "heading", "text": "Definirea problemei"},
        {"key": "k0000000b2", "type": "text", "text": POLICY_TEXT},
        {"key": "k0000000b3", "type": "heading", "text": "Obiective"},
        {"key": "k0000000b4", "type": "text", "text": "Plăți la timp."},
    ]
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="policy",
        title="Finanțarea ONG-urilor din Focșani",
        slug="finantare-focsani",
        blocks=blocks,
    )
    proposal.refresh_from_db()
    return proposal


def parts(response):
    """content.xml and styles.xml of an ODT response, parsed; the file must also open in odfdo."""
    assert Document(io.BytesIO(response.content)).get_type() == "text"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("mimetype") == ODT.encode()
        return etree.fromstring(archive.read("content.xml")), etree.fromstring(
            archive.read("styles.xml")
        )


def odf_text(element):
    """The text of an ODF element as a reader sees it: line breaks as "\\n", spaces restored."""
    pieces = [element.text or ""]
    for child in element:
        name = etree.QName(child).localname
        if name == "line-break":
            pieces.append("\n")
        elif name == "s":
            pieces.append(" " * int(child.get(f"{{{NS['text']}}}c", "1")))
        elif name == "tab":
            pieces.append("\t")
        else:
            pieces.append(odf_text(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def cell_text(cell):
    return "\n".join(odf_text(p) for p in cell.xpath("text:p | text:h", namespaces=NS))


def page_properties(styles):
    master = styles.xpath("//style:master-page[@style:name='Standard']", namespaces=NS)[0]
    layout_name = master.get(f"{{{NS['style']}}}page-layout-name")
    return styles.xpath(
        f"//style:page-layout[@style:name='{layout_name}']/style:page-layout-properties",
        namespaces=NS,
    )[0]


def text_style(content, name):
    """The text properties of the automatic style `name`, as {"ns:attribute": value}."""
    (properties,) = content.xpath(
        f"//office:automatic-styles/style:style[@style:name='{name}']/style:text-properties",
        namespaces=NS,
    )
    return {etree.QName(key).localname: value for key, value in properties.attrib.items()}


def spans_with(content, element, attribute, value):
    """Texts of the spans inside `element` whose style has `attribute` = `value`."""
    texts = []
    for span in element.xpath(".//text:span", namespaces=NS):
        style = span.get(f"{{{NS['text']}}}style-name")
        if text_style(content, style).get(attribute) == value:
            texts.append(odf_text(span))
    return texts


def test_revision_odt_download_is_named_and_typed(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    response = client.get("/proposals/legea-350/v/2/export.odt")
    assert response.status_code == 200
    assert response["Content-Type"] == ODT
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-v2.odt"'
    response = client.get("/proposals/legea-350/v/2/table.odt")
    assert response.status_code == 200
    assert response["Content-Type"] == ODT
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-v2-tabel.odt"'


def test_revision_odt_page_is_a4_portrait(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    _content, styles = parts(client.get("/proposals/legea-350/v/2/export.odt"))
    page = page_properties(styles)
    fo, style = NS["fo"], NS["style"]
    assert (page.get(f"{{{fo}}}page-width"), page.get(f"{{{fo}}}page-height")) == (
        "210mm",
        "297mm",
    )
    assert page.get(f"{{{style}}}print-orientation") == "portrait"
    assert page.get(f"{{{fo}}}margin-left") == "20mm"


def test_table_odt_page_is_a4_landscape(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    _content, styles = parts(client.get("/proposals/legea-350/v/2/table.odt"))
    page = page_properties(styles)
    fo, style = NS["fo"], NS["style"]
    assert (page.get(f"{{{fo}}}page-width"), page.get(f"{{{fo}}}page-height")) == (
        "297mm",
        "210mm",
    )
    assert page.get(f"{{{style}}}print-orientation") == "landscape"


def test_revision_odt_identifies_the_revision_and_its_attachments(client, ngo_editor, amendment):
    attachment = store_upload(
        ngo_editor, amendment, SimpleUploadedFile("Studiu.pdf", PDF, "application/pdf")
    )
    domain.save_revision(
        ngo_editor,
        amendment,
        base_number=2,
        title=amendment.title,
        summary=amendment.summary,
        blocks=ROWS,
        message="Studiu",
        attachments=[attachment],
    )
    amendment.refresh_from_db()
    revision = amendment.current_revision
    client.force_login(ngo_editor)
    content, _styles = parts(client.get("/proposals/legea-350/v/3/export.odt"))
    (title,) = content.xpath("//text:h[@text:outline-level='1']", namespaces=NS)
    assert odf_text(title) == "Modificarea Legii nr. 350/2005"
    meta = title.getnext()
    assert odf_text(meta).split("\n") == [
        "Asociația Vrancea Civică",
        "Versiunea 3 din 2 martie 2026, ora 00:30",
        "Legea nr. 350/2005",
        "Adresată către Primăria Municipiului Focșani",
        f"SHA-256: {revision.content_hash}",
        "Anexe:",
        f"Studiu.pdf — SHA-256: {attachment.sha256}",
    ]
    assert spans_with(content, meta, "font-weight", "bold") == ["Asociația Vrancea Civică"]


def test_revision_odt_has_amendments_with_their_labels(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    content, _styles = parts(client.get("/proposals/legea-350/v/2/export.odt"))
    headings = content.xpath("//text:h[@text:outline-level='3']", namespaces=NS)
    assert [odf_text(h) for h in headings] == [
        "Art. 20 alin. (1) — Modificare",
        "Art. 16¹ — Introducere",
    ]
    texts = [odf_text(p) for p in content.xpath("//office:text/text:p", namespaces=NS)]
    first = texts.index("Text în vigoare")
    assert texts[first : first + 6] == [
        "Text în vigoare",
        "Procedura durează cel puţin 30 de zile.",
        "Text propus",
        "Procedura durează cel puțin 60 de zile.",
        "Motivare",
        "Organizațiile mici au nevoie de timp.",
    ]


def test_revision_odt_keeps_headings_and_markdown(client, ngo_editor, policy):
    client.force_login(ngo_editor)
    content, _styles = parts(client.get("/proposals/finantare-focsani/v/1/export.odt"))
    body = content.xpath("//office:text", namespaces=NS)[0]
    headings = body.xpath("text:h[@text:outline-level='2']", namespaces=NS)
    assert [odf_text(h) for h in headings] == ["Definirea problemei", "Obiective"]
    assert [h.get(f"{{{NS['text']}}}style-name") for h in headings] == ["Heading_20_2"] * 2

    paragraphs = body.xpath("text:p", namespaces=NS)
    intro = next(p for p in paragraphs if odf_text(p).startswith("Finanțarea"))
    assert odf_text(intro) == "Finanțarea se acordă multianual, cu plăți în avans:"
    assert spans_with(content, intro, "font-weight", "bold") == ["multianual"]
    assert spans_with(content, intro, "font-style", "italic") == ["plăți în avans"]
    assert "Detalii pe site (https://a.example).\nRevenim." in [odf_text(p) for p in paragraphs]

    (bullets,) = body.xpath("text:list", namespaces=NS)
    assert bullets.get(f"{{{NS['text']}}}style-name") == "List_20_1"
    items = bullets.xpath("text:list-item", namespaces=NS)
    assert [cell_text(item) for item in items] == [
        "calendar anual publicat;",
        "plata primei tranșe în 30 de zile.",
    ]

    (table,) = body.xpath("table:table", namespaces=NS)
    rows = table.xpath(".//table:table-row", namespaces=NS)
    cells = [row.xpath("table:table-cell", namespaces=NS) for row in rows]
    assert [[cell_text(cell) for cell in row] for row in cells] == [
        ["Indicator", "Țintă"],
        ["Termen de plată", "30 de zile"],
    ]
    assert len(table.xpath("table:table-header-rows/table:table-row", namespaces=NS)) == 1


def test_table_odt_is_a_real_table_with_a_redline(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    content, _styles = parts(client.get("/proposals/legea-350/v/2/table.odt"))
    (table,) = content.xpath("//table:table", namespaces=NS)
    (header,) = table.xpath("table:table-header-rows/table:table-row", namespaces=NS)
    assert [cell_text(c) for c in header.xpath("table:table-cell", namespaces=NS)] == [
        "Nr. crt.",
        "Articol",
        "Text în vigoare",
        "Text propus",
        "Motivare",
    ]
    rows = table.xpath("table:table-row", namespaces=NS)
    cells = [row.xpath("table:table-cell", namespaces=NS) for row in rows]
    # In the order of the act: Art. 16^1 before Art. 20.
    assert [[cell_text(c) for c in row] for row in cells] == [
        ["1", "Art. 16¹\nIntroducere", "", "Contractele pot fi multianuale.", ""],
        [
            "2",
            "Art. 20 alin. (1)\nModificare",
            "Procedura durează cel puţin 30 de zile.",
            "Procedura durează cel puțin 60 de zile.",
            "Organizațiile mici au nevoie de timp.",
        ],
    ]
    # Removed words struck through, added words underlined; ţ/ț is spelling, not marked.
    assert spans_with(content, cells[1][2], "text-line-through-style", "solid") == ["30"]
    assert spans_with(content, cells[1][3], "text-underline-style", "solid") == ["60"]
    assert spans_with(content, cells[1][3], "text-line-through-style", "solid") == []
    assert spans_with(content, cells[0][3], "text-underline-style", "solid") == [
        "Contractele pot fi multianuale."
    ]
    assert spans_with(content, cells[1][4], "font-weight", "bold") == ["timp"]


def test_table_odt_without_amendments_says_so(client, ngo_editor, ngo, saved_at_fixed_time):
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="amendment",
        slug="fara-amendamente",
        blocks=[{"key": "k0000000c1", "type": "text", "text": "Doar o introducere."}],
    )
    client.force_login(ngo_editor)
    content, _styles = parts(client.get(f"/proposals/{proposal.slug}/v/1/table.odt"))
    assert content.xpath("//table:table", namespaces=NS) == []
    texts = [odf_text(p) for p in content.xpath("//office:text/text:p", namespaces=NS)]
    assert texts[-1] == "Această versiune nu conține încă amendamente."


def test_odt_exports_of_a_draft_are_hidden_from_outsiders(client, outsider, amendment):
    urls = ["/proposals/legea-350/v/2/export.odt", "/proposals/legea-350/v/2/table.odt"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    domain.publish_proposal(amendment.created_by, amendment)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_table_odt_of_a_policy_is_404(client, ngo_editor, policy):
    client.force_login(ngo_editor)
    assert client.get("/proposals/finantare-focsani/v/1/table.odt").status_code == 404
