"""PDF and DOCX exports: they open, they carry the identifying details, and drafts stay private."""

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from pypdf import PdfReader

from proposals import domain
from tests.factories import ProposalFactory
from tests.helpers import save

# 22:30 UTC on 1 March is 00:30 on 2 March in Bucharest (UTC+2 before summer time).
SAVED_AT = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)

AMENDMENT = {
    "key": "k0000000a1",
    "type": "amendment",
    "article": "Art. 20 alin. (1)",
    "action": "modify",
    "in_force": "Procedura durează cel puțin 30 de zile.",
    "proposed": "Procedura durează cel puțin 60 de zile.",
    "rationale": "Organizațiile mici au nevoie de **timp**.",
}


@pytest.fixture
def amendment(ngo, ngo_editor):
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="amendment",
        title="Modificarea Legii nr. 350/2005",
        slug="legea-350",
    )
    save(ngo_editor, proposal, [AMENDMENT], message="Amendament")
    proposal.refresh_from_db()
    return proposal


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def docx_text(response):
    document = Document(io.BytesIO(response.content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_revision_pdf_opens_and_identifies_the_revision(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    revision = amendment.current_revision
    response = client.get(f"/proposals/legea-350/v/{revision.number}/export.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-v2.pdf"'
    text = " ".join(pdf_text(response).split())
    assert "Modificarea Legii nr. 350/2005" in text
    assert "Asociația Vrancea Civică" in text
    assert revision.content_hash in text.replace(" ", "")
    assert "Art. 20 alin. (1)" in text
    assert "60 de zile" in text


def test_revision_docx_opens_with_blocks_and_hash(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    revision = amendment.current_revision
    response = client.get(f"/proposals/legea-350/v/{revision.number}/export.docx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-v2.docx"'
    text = docx_text(response)
    assert f"SHA-256: {revision.content_hash}" in text
    assert "Asociația Vrancea Civică" in text
    assert "Art. 20 alin. (1)" in text
    assert "Procedura durează cel puțin 60 de zile." in text
    assert "Organizațiile mici au nevoie de timp." in text  # Markdown rendered, not shown raw


def test_comparative_table_docx_marks_removed_and_added_words(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    response = client.get("/proposals/legea-350/v/2/table.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells][2:4] == ["Text în vigoare", "Text propus"]
    in_force, proposed = table.rows[1].cells[2], table.rows[1].cells[3]
    struck = [run.text for run in in_force.paragraphs[0].runs if run.font.strike]
    underlined = [run.text for run in proposed.paragraphs[0].runs if run.font.underline]
    assert struck == ["30"]
    assert underlined == ["60"]


def test_comparative_table_pdf_opens(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    response = client.get("/proposals/legea-350/v/2/table.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response).split())
    assert "Art. 20 alin. (1)" in text
    assert amendment.current_revision.content_hash in text.replace(" ", "")


def test_exports_of_a_draft_are_hidden_from_outsiders(client, outsider, amendment):
    urls = [
        "/proposals/legea-350/v/2/export.pdf",
        "/proposals/legea-350/v/2/export.docx",
        "/proposals/legea-350/v/2/table.pdf",
        "/proposals/legea-350/v/2/table.docx",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_exports_of_a_published_proposal_are_public(client, ngo_editor, amendment):
    domain.publish_proposal(ngo_editor, amendment)
    assert client.get("/proposals/legea-350/v/1/export.pdf").status_code == 200
    assert client.get("/proposals/legea-350/v/2/table.docx").status_code == 200


def test_export_of_unknown_format_or_revision_is_404(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    assert client.get("/proposals/legea-350/v/2/export.xls").status_code == 404
    assert client.get("/proposals/legea-350/v/99/export.pdf").status_code == 404


def test_table_export_of_a_non_amendment_is_404(client, ngo_editor, proposal):
    client.force_login(ngo_editor)
    assert client.get("/proposals/finantare-multianuala/v/1/table.pdf").status_code == 404


def test_markdown_with_links_and_scripts_exports_without_fetching(client, ngo_editor, proposal):
    block = {
        "key": proposal.current_revision.blocks[0]["key"],
        "type": "text",
        "text": "<script>alert(1)</script> ![x](http://127.0.0.1:9/x.png) [site](https://a.example)",
    }
    save(ngo_editor, proposal, [block], message="Link")
    client.force_login(ngo_editor)
    response = client.get("/proposals/finantare-multianuala/v/2/export.pdf")
    assert response.status_code == 200
    assert "alert(1)" not in pdf_text(response)
    response = client.get("/proposals/finantare-multianuala/v/2/export.docx")
    assert "alert(1)" not in docx_text(response)


@pytest.fixture
def saved_at_fixed_time(monkeypatch):
    """Revisions saved now get SAVED_AT as their date (Django's clock, not ours, is stopped)."""
    monkeypatch.setattr(timezone, "now", lambda: SAVED_AT)


def docx_pages(response):
    document = Document(io.BytesIO(response.content))
    return [
        (
            round(section.page_width.mm),
            round(section.page_height.mm),
            section.orientation,
            [
                round(margin.mm)
                for margin in (
                    section.top_margin,
                    section.right_margin,
                    section.bottom_margin,
                    section.left_margin,
                )
            ],
        )
        for section in document.sections
    ]


def test_revision_docx_pages_are_a4_portrait(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    response = client.get("/proposals/legea-350/v/2/export.docx")
    assert docx_pages(response) == [(210, 297, WD_ORIENT.PORTRAIT, [20, 20, 20, 20])]


def test_comparative_table_docx_pages_are_a4_landscape(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    response = client.get("/proposals/legea-350/v/2/table.docx")
    assert docx_pages(response) == [(297, 210, WD_ORIENT.LANDSCAPE, [20, 20, 20, 20])]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ro", "Versiunea 1 din 2 martie 2026, ora 00:30"),
        ("bg", "Версия 1 от 2 март 2026 г., 00:30 ч."),
        ("en", "Revision 1 of 2 March 2026, 00:30"),
    ],
)
def test_export_dates_are_written_in_the_language_of_the_text(
    client, ngo, ngo_editor, saved_at_fixed_time, language, expected
):
    ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="data", language=language
    )
    client.force_login(ngo_editor)
    meta = Document(io.BytesIO(client.get("/proposals/data/v/1/export.docx").content))
    assert meta.paragraphs[1].text.split("\n")[1] == expected
    table = Document(io.BytesIO(client.get("/proposals/data/v/1/table.docx").content))
    assert table.paragraphs[1].text.split("\n")[1] == expected
    pdf = " ".join(pdf_text(client.get("/proposals/data/v/1/export.pdf")).split())
    assert expected in pdf


FILLER = (
    "Autoritatea finanțatoare publică anunțul de participare, documentația de solicitare a "
    "finanțării și calendarul sesiunii pe pagina proprie de internet, "
)


def test_comparative_table_pdf_keeps_each_row_on_one_page(client, ngo, ngo_editor):
    # Rows of about a third of a page: without care, some would be cut in two by a page break.
    rows = [
        {
            "key": f"k00000{number:04x}",
            "type": "amendment",
            "article": f"Art. {number}",
            "action": "modify",
            "in_force": f"INCEPUT{number:02d} " + FILLER * 5,
            "proposed": FILLER * 5 + f"modificat SFARSIT{number:02d}",
            "rationale": "Termenul actual este prea scurt.",
        }
        for number in range(1, 13)
    ]
    ProposalFactory(editor=ngo_editor, organization=ngo, kind="amendment", slug="lung", blocks=rows)
    client.force_login(ngo_editor)
    response = client.get("/proposals/lung/v/1/table.pdf")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    assert len(pages) >= 4

    def page_of(word):
        (found,) = [n for n, text in enumerate(pages) if re.search(rf"\b{word}\b", text)]
        return found

    for number in range(1, 13):
        assert page_of(f"INCEPUT{number:02d}") == page_of(f"SFARSIT{number:02d}"), number
    # The header row is repeated on every page of the table.
    assert all("Text în vigoare" in text and "Text propus" in text for text in pages[1:])


@pytest.mark.django_db
def test_every_export_of_text_with_xml_forbidden_characters_is_valid(ngo, ngo_editor):
    """U+FFFE, U+FFFF and lone surrogates are refused on input now, but text saved before may
    hold them: no export fails, and the stored revision keeps its exact text."""
    import io

    from docx import Document
    from lxml import etree
    from odfdo import Document as OdtDocument

    from proposals import akoma_ntoso, exports
    from tests.factories import ProposalFactory

    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, kind="amendment", slug="x")
    revision = proposal.current_revision
    bad = "Text\ufffe cu\uffff caractere\ud800 interzise."
    blocks = [dict(revision.blocks[0], proposed=bad, rationale=bad)]
    revision.blocks = blocks  # in memory only: stored revisions cannot change
    for export in (exports.revision_docx, exports.table_docx):
        document = Document(io.BytesIO(export(revision)))
        assert "Text cu caractere interzise." in "\n".join(
            cell.text for table in document.tables for row in table.rows for cell in row.cells
        ) + "\n".join(paragraph.text for paragraph in document.paragraphs)
    for export in (exports.revision_odt, exports.table_odt):
        assert (
            "Text cu caractere interzise."
            in OdtDocument(io.BytesIO(export(revision))).get_formatted_text()
        )
    root = etree.fromstring(akoma_ntoso.revision_akn(revision))
    assert "Text cu caractere interzise." in "".join(root.itertext())
    assert revision.blocks[0]["proposed"] == bad


def odt_text(response):
    """Every piece of text in the document's body, tables included, in reading order."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        root = etree.fromstring(archive.read("content.xml"))
    return "".join(root.itertext())


def test_superscript_numbers_in_the_texts_of_every_export_and_the_comparison(
    client, ngo, ngo_editor
):
    """ "16^1" is written 16¹ wherever a reader sees it: in the article, in the text in force
    and in the proposed text, on the compare page and in the DOCX and ODT documents."""
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", title="Legea 350", slug="l350"
    )
    row = {
        "key": "k0000000c1",
        "type": "amendment",
        "article": "Art. 16^1",
        "action": "modify",
        "in_force": "Potrivit art. 16^1 alin. (2^1), contractul se semnează anual.",
        "proposed": "Potrivit art. 16^1 alin. (2^1), contractul se semnează multianual.",
        "rationale": "",
    }
    save(ngo_editor, proposal, [row], message="Art. 16^1")
    client.force_login(ngo_editor)
    base = f"/proposals/{proposal.slug}/v/2"
    for url, read in [
        (f"{base}/export.docx", docx_text),
        (f"{base}/table.docx", docx_text),
        (f"{base}/export.odt", odt_text),
        (f"{base}/table.odt", odt_text),
    ]:
        text = read(client.get(url))
        assert "art. 16¹ alin. (2¹)" in text, url
        assert "^" not in text, url
    compare = client.get(f"/proposals/{proposal.slug}/compare/1/2/").content.decode()
    assert "Art. 16¹" in compare and "(2¹)" in compare
    assert "16^1" not in compare and "2^1" not in compare


# --- Every Markdown construct, through every export --------------------------------------------

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
EVERY_CONSTRUCT = (Path(__file__).parent / "fixtures" / "every-markdown-construct.md").read_text(
    encoding="utf-8"
) + (
    # Character references to control characters and to XML's forbidden ones, and Markdown's
    # own placeholder bytes written as references: they must not come out as characters.
    "\n\nReferințe: &#1; &#x7f; &#x0b; &#xfffe; &#xffff; &#2;wzxhzdk:0&#3; gata.\n"
)


def _xml_parts(archive_bytes):
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        }


def test_every_markdown_construct_gives_valid_pages_and_documents(client, ngo, ngo_editor):
    """Headings, emphasis, links, images, nested lists, quotes, code, tables, raw and broken
    HTML, entities and character references: the page and every export of a revision holding
    them are well-formed, parse back, and carry no control character."""
    from lxml import etree

    from proposals import akoma_ntoso, exports

    policy = ProposalFactory(editor=ngo_editor, organization=ngo, slug="toate", title="Toate")
    key = policy.current_revision.blocks[0]["key"]
    save(ngo_editor, policy, [{"key": key, "type": "text", "text": EVERY_CONSTRUCT}])
    amendment = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="amendament", title="Am."
    )
    row = dict(amendment.current_revision.blocks[0], rationale=EVERY_CONSTRUCT)
    save(ngo_editor, amendment, [row])
    client.force_login(ngo_editor)
    for proposal in (policy, amendment):
        proposal.refresh_from_db()
        revision = proposal.current_revision
        page = client.get(f"/proposals/{proposal.slug}/v/{revision.number}/")
        assert page.status_code == 200
        assert FORBIDDEN.findall(page.content.decode()) == []
        documents = {
            "revision.docx": exports.revision_docx(revision),
            "revision.odt": exports.revision_odt(revision),
        }
        if proposal.kind == "amendment":
            documents["table.docx"] = exports.table_docx(revision)
            documents["table.odt"] = exports.table_odt(revision)
            PdfReader(io.BytesIO(exports.table_pdf(revision))).pages[0].extract_text()
        for name, data in documents.items():
            for part, xml in _xml_parts(data).items():
                assert FORBIDDEN.findall(xml) == [], (name, part)
                if xml.strip():  # ODF packages hold some empty placeholder parts
                    etree.fromstring(xml.encode("utf-8"))  # well-formed
        assert "Coloana A" in docx_text_of(documents["revision.docx"])
        reader = PdfReader(io.BytesIO(exports.revision_pdf(revision)))
        assert FORBIDDEN.findall("".join(p.extract_text() for p in reader.pages)) == []
        akn = akoma_ntoso.revision_akn(revision)
        assert FORBIDDEN.findall(akn.decode("utf-8")) == []
        etree.fromstring(akn)


def docx_text_of(data):
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)
