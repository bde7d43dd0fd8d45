"""PDF and DOCX exports: they open, they carry the identifying details, and drafts stay private."""

import io

import pytest
from docx import Document
from pypdf import PdfReader

from proposals import domain
from tests.proposals.conftest import ProposalFactory, save

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
