"""Bad input to an import: each file or text is refused with a clear message in the user's
language, nothing is saved, and a pasted text stays in the form."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from proposals import converters
from proposals.models import DocumentImport, Revision
from tests import hostile_documents as hostile
from tests.factories import ProposalFactory
from tests.helpers import en_client_for
from tests.proposals import documents


@pytest.fixture
def editor_client(ngo_editor):
    return en_client_for(ngo_editor)


def _post_file(client, proposal, name, data, mode="document"):
    return client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": mode, "placement": "append", "upload": SimpleUploadedFile(name, data)},
    )


def _errors(response):
    return response.context["form"].errors


def _truncated(data):
    return data[: len(data) // 2]


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


XLSX = _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
ODS = _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "politica.pdf",
            b"%PDF-1.7\n%binary",
            "“politica.pdf” is a PDF: its text cannot be imported with its structure. Save the "
            "document as DOCX or ODT, or paste its text.",
        ),
        (
            "vechi.doc",
            documents.ole_document(),
            "“vechi.doc” is an old Word 97–2003 document. Save it as DOCX or ODT and import "
            "that file.",
        ),
        (
            "parola.docx",
            documents.ole_document(encrypted=True),
            "“parola.docx” is protected by a password. Save a copy without the password and "
            "import it.",
        ),
        (
            "parola.odt",
            documents.odt_encrypted(),
            "“parola.odt” is protected by a password. Save a copy without the password and "
            "import it.",
        ),
        (
            "macro.docx",
            documents.docx_with_macros(),
            "“macro.docx” contains macros, which are not accepted. Save it as a document "
            "without macros (DOCX or ODT) and import that file.",
        ),
        (
            "macro.odt",
            documents.odt_with_macros(),
            "“macro.odt” contains macros, which are not accepted. Save it as a document "
            "without macros (DOCX or ODT) and import that file.",
        ),
        (
            "text.docx",
            b"Doar un text.",
            "“text.docx” is damaged or is not a complete DOCX document.",
        ),
        (
            "document.txt",
            documents.policy_docx(),
            "“document.txt” is named .txt but its content is DOCX.",
        ),
        (
            "politica.odt",
            documents.policy_docx(),
            "“politica.odt” is named .odt but its content is DOCX.",
        ),
        (
            "rupt.docx",
            _truncated(documents.policy_docx()),
            "“rupt.docx” is damaged or is not a complete DOCX / ODT document.",
        ),
        (
            "tabel.xlsx",
            XLSX,
            "“tabel.xlsx” is not a DOCX, ODT, Markdown, HTML or text file.",
        ),
        (
            "tabel.odt",
            ODS,
            "“tabel.odt” is not a DOCX, ODT, Markdown, HTML or text file.",
        ),
        (
            "gol.docx",
            b"PK\x03\x04" + b"\0" * 100,
            "“gol.docx” is damaged or is not a complete DOCX / ODT document.",
        ),
        (
            "latin2.txt",
            "Finan\u0163are".encode("cp1250"),
            "“latin2.txt” is not UTF-8 text. Save it with the UTF-8 encoding and try again.",
        ),
        (
            "nul.md",
            b"Text\x00cu NUL",
            "This text contains control characters (such as NUL bytes); remove them.",
        ),
    ],
)
def test_refused_file_gets_its_message_and_nothing_is_saved(
    editor_client, proposal, name, data, message
):
    response = _post_file(editor_client, proposal, name, data)
    assert response.status_code == 400
    assert _errors(response)["upload"] == [message]
    assert message in response.content.decode()
    assert not DocumentImport.objects.exists()
    assert proposal.revisions.count() == 1


@pytest.mark.django_db
def test_decompression_bomb_refused_before_parsing(editor_client, proposal):
    data = documents.docx_bomb(megabytes=300)
    assert len(data) < 1024 * 1024  # 300 MB of zeros pack into a few hundred kB
    response = _post_file(editor_client, proposal, "bomba.docx", data)
    assert response.status_code == 400
    assert _errors(response)["upload"] == [
        "“bomba.docx” unpacks to far more than its size (over 200 MB, or compressed more than "
        "100 times); it cannot be imported."
    ]
    assert not DocumentImport.objects.exists()


@pytest.mark.django_db
def test_entry_compressed_beyond_the_ratio_refused(editor_client, proposal):
    # 20 MB of zeros: under the size cap, far over the ratio.
    response = _post_file(editor_client, proposal, "bomba.docx", documents.docx_bomb(20))
    assert response.status_code == 400
    assert "unpacks to far more than its size" in _errors(response)["upload"][0]


def _forge_size(data, member, size):
    """Rewrite the uncompressed size an archive declares for `member` (local header and
    central directory), as a hostile archive would."""
    data = bytearray(data)
    name = member.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at : start + name_at + len(name)] == name:
                data[start + offset : start + offset + 4] = size.to_bytes(4, "little")
            start += 4
    return bytes(data)


@pytest.mark.django_db
def test_archive_lying_about_its_sizes_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>" + b" " * (5 * 1024 * 1024))
    path = tmp_path / "mincinos.docx"
    path.write_bytes(_forge_size(buffer.getvalue(), "word/document.xml", 10))
    with pytest.raises(converters.UnreadableDocument) as caught:
        converters.detect(str(path), "mincinos.docx")
    # Inflating stops at the declared size and the checksum then fails: a damaged file.
    assert caught.value.code == "corrupt"


@pytest.mark.django_db
def test_file_over_the_size_limit_refused(editor_client, proposal, settings):
    settings.MAX_IMPORT_BYTES = 1024
    response = _post_file(editor_client, proposal, "mare.txt", b"a" * 2048)
    assert _errors(response)["upload"] == ["“mare.txt” is larger than 1.0\xa0KB."]
    assert not DocumentImport.objects.exists()


@pytest.mark.django_db
def test_pasted_text_with_control_characters_refused_and_kept(editor_client, proposal):
    text = "Articolul 1\nText cu\x07clopoțel."
    response = editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "document", "placement": "append", "text": text},
    )
    assert response.status_code == 400
    assert _errors(response)["text"] == [
        "This text contains control characters (such as NUL bytes); remove them."
    ]
    assert "Articolul 1\nText cu\x07clopoțel.</textarea>" in response.content.decode()
    assert not DocumentImport.objects.exists()


@pytest.mark.django_db
@override_settings(MAX_REVISION_CHARACTERS=1000)
def test_ten_thousand_pages_refused(editor_client, proposal):
    response = editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "document", "placement": "append", "text": "Pagină lungă. " * 200},
    )
    assert response.status_code == 400
    assert _errors(response)["text"] == ["The text is longer than 1000 characters in all."]
    assert not DocumentImport.objects.exists()


@pytest.mark.django_db
def test_ten_thousand_pasted_pages_get_a_page_that_explains_the_limit(editor_client, proposal):
    """About 20 MB of pasted text: over what a form may carry (DATA_UPLOAD_MAX_MEMORY_SIZE, 6 MB),
    so Django refuses to read it; the page says so and how to send it, in the user's language."""
    page = "Articolul 1. Textul unei pagini de lege, cu diacritice: ș, ț, ă, î, â. " * 28
    response = editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "act", "placement": "append", "text": page * 10_000},
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "larger than 6 MB, the most a form accepts" in text
    assert "upload it (up to 20 MB)" in text
    assert not DocumentImport.objects.exists()
    assert Revision.objects.filter(proposal=proposal).count() == 1


@pytest.mark.django_db
def test_law_text_without_articles_fails_with_a_message_and_keeps_the_text(
    editor_client, ngo, ngo_editor
):
    amendment = ProposalFactory(editor=ngo_editor, organization=ngo, kind="amendment", slug="a")
    text = "Acesta nu este un act normativ.\nDoar câteva rânduri despre granturi."
    editor_client.post(
        f"/proposals/{amendment.slug}/import/",
        {"mode": "act", "placement": "append", "text": text},
    )
    document_import = DocumentImport.objects.get()
    page = editor_client.get(document_import.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 422
    assert "No articles were recognised in this text" in html
    assert Revision.objects.filter(proposal=amendment).count() == 1
    # "Correct the text and try again" brings the text back into the form.
    again = editor_client.get(f"/proposals/{amendment.slug}/import/?from={document_import.token}")
    assert f"{text}</textarea>" in again.content.decode()


@pytest.mark.django_db
def test_document_without_text_fails_with_a_message(editor_client, proposal):
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    _post_file(editor_client, proposal, "gol.docx", buffer.getvalue())
    document_import = DocumentImport.objects.get()
    html = editor_client.get(document_import.get_absolute_url()).content.decode()
    assert "No text was found in “gol.docx”." in html
    assert proposal.revisions.count() == 1


@pytest.mark.django_db
def test_error_message_in_the_users_language(proposal, ngo_editor):
    client = Client()
    client.force_login(ngo_editor)  # Romanian, the default
    response = _post_file(client, proposal, "politica.pdf", b"%PDF-1.4")
    assert _errors(response)["upload"] == [
        "„politica.pdf” este un PDF: textul lui nu poate fi importat cu structura sa. Salvați "
        "documentul ca DOCX sau ODT sau lipiți textul."
    ]


@pytest.mark.django_db
@override_settings(IMPORT_MEMORY_MB=16)
def test_converter_over_its_memory_is_stopped(editor_client, proposal):
    _post_file(editor_client, proposal, "mare.docx", documents.big_docx(paragraphs=3000))
    document_import = DocumentImport.objects.get()
    assert (document_import.status, document_import.error_code) == ("failed", "memory")
    html = editor_client.get(document_import.get_absolute_url()).content.decode()
    assert "needed more memory than allowed and was stopped" in html


@pytest.mark.django_db
def test_neither_file_nor_text_refused(editor_client, proposal):
    response = editor_client.post(
        f"/proposals/{proposal.slug}/import/", {"mode": "document", "placement": "append"}
    )
    assert response.status_code == 400
    assert _errors(response)["__all__"] == ["Choose a file or paste a text (one of the two)."]


@pytest.mark.django_db
def test_bomb_in_the_content_types_entry_refused_before_it_is_read(tmp_path):
    # The first entry we read ([Content_Types].xml) inflates to 50 MB: refused from its header.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("[Content_Types].xml", "w") as member:
            for _ in range(50):
                member.write(b" " * (1024 * 1024))
        archive.writestr("word/document.xml", "<w:document/>")
    path = tmp_path / "tipuri.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(converters.UnreadableDocument) as caught:
        converters.detect(str(path), "tipuri.docx")
    assert caught.value.code == "bomb"


@pytest.mark.django_db
@override_settings(MAX_BLOCK_CHARACTERS=200)
def test_merged_paragraphs_stay_within_a_block_and_a_huge_one_fails(
    editor_client, proposal, monkeypatch
):
    from proposals import content

    monkeypatch.setattr(content, "MAX_BLOCKS", 10)
    many = "\n\n".join(f"Paragraful {n} al documentului." for n in range(40))
    editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "document", "placement": "append", "text": many},
    )
    result = DocumentImport.objects.get().result
    assert result["merged"] is True
    assert len(result["blocks"]) <= 10
    assert max(len(block["text"]) for block in result["blocks"]) <= 200
    DocumentImport.objects.all().delete()
    editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "document", "placement": "append", "text": "Un paragraf foarte lung. " * 20},
    )
    document_import = DocumentImport.objects.get()
    assert (document_import.status, document_import.error_code) == ("failed", "block_too_long")


@pytest.mark.django_db
@pytest.mark.parametrize("make", [hostile.broken_stream_docx, hostile.bzip2_docx])
def test_archive_that_cannot_be_inflated_within_bounds_is_damaged(tmp_path, make):
    # A broken deflate stream (zlib's own error) and bzip2 entries, whose reads zipfile does not
    # bound: the shared checks of every upload (core.documents) call both damaged.
    path = tmp_path / "rupt.docx"
    path.write_bytes(make())
    with pytest.raises(converters.UnreadableDocument) as caught:
        converters.detect(str(path), "rupt.docx")
    assert caught.value.code == "corrupt"


@pytest.mark.django_db
@override_settings(IMPORT_MAX_ARCHIVE_ENTRIES=100)
def test_archive_of_too_many_entries_refused_as_a_bomb(tmp_path):
    path = tmp_path / "multe.docx"
    path.write_bytes(hostile.many_entries_docx(entries=200))
    with pytest.raises(converters.UnreadableDocument) as caught:
        converters.detect(str(path), "multe.docx")
    assert caught.value.code == "bomb"
