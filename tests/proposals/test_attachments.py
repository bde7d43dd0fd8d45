"""Attachments: checked by content, carried over to the next revision, never lost on a refusal."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals.models import Attachment
from tests.helpers import editor_data, en_client_for, messages_of, save

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes():
    """A real OpenDocument text (mimetype, manifest, content), as odfdo writes it."""
    from odfdo import Document, Paragraph

    document = Document("text")
    document.body.append(Paragraph("Anexa 1"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_editor(browser, proposal, *, files=(), keep=(), message="Fișiere", title=None):
    proposal.refresh_from_db()
    current = proposal.current_revision
    data = editor_data(
        current.blocks,
        base=current.number,
        title=title or current.title,
        summary=current.summary,
        message=message,
    )
    data["keep_attachment"] = [str(pk) for pk in keep]
    data["upload"] = list(files)
    return browser.post(f"/proposals/{proposal.slug}/edit/", data)


def test_upload_creates_a_revision_with_the_file(ngo_editor, proposal):
    browser = en_client_for(ngo_editor)
    response = post_editor(browser, proposal, files=[upload("Anexa 1.pdf", PDF)])
    assert response.status_code == 302
    proposal.refresh_from_db()
    revision = proposal.current_revision
    assert revision.number == 2
    attachment = revision.attachments.get()
    assert attachment.name == "Anexa 1.pdf"
    assert attachment.extension == "pdf"
    assert attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.file.read() == PDF
    # The text did not change, so the hash of the text did not either.
    assert revision.content_hash == revision.parent.content_hash


def test_files_carry_over_to_the_next_revision_unless_removed(ngo_editor, proposal):
    browser = en_client_for(ngo_editor)
    post_editor(browser, proposal, files=[upload("a.pdf", PDF), upload("b.docx", docx_bytes())])
    a, b = Attachment.objects.order_by("name")
    save(ngo_editor, proposal, [dict(proposal.current_revision.blocks[0], text="Text nou.")])
    proposal.refresh_from_db()
    assert set(proposal.current_revision.attachments.all()) == {a, b}

    response = post_editor(browser, proposal, keep=[b.pk], message="Fără anexa a")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert list(proposal.current_revision.attachments.all()) == [b]
    # Earlier revisions keep their files.
    assert set(proposal.revisions.get(number=3).attachments.all()) == {a, b}


def test_keeping_the_same_files_and_text_saves_nothing(ngo_editor, proposal):
    browser = en_client_for(ngo_editor)
    post_editor(browser, proposal, files=[upload("a.pdf", PDF)])
    attachment = Attachment.objects.get()
    response = post_editor(browser, proposal, keep=[attachment.pk])
    assert messages_of(response)[-1] == "Nothing changed, so no new revision was saved."
    assert proposal.revisions.count() == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "raport.pdf",
            b"<html><script>alert(1)</script></html>",
            "“raport.pdf” is not a PDF, ODT, ODS, DOCX or XLSX file.",
        ),
        ("anexa.pdf", docx_bytes(), "“anexa.pdf” is named .pdf but its content is DOCX."),
        (
            "poza.png",
            b"\x89PNG\r\n\x1a\n0000",
            "“poza.png” is not a PDF, ODT, ODS, DOCX or XLSX file.",
        ),
        (
            "arhiva.docx",
            b"PK\x03\x04broken",
            "“arhiva.docx” is not a PDF, ODT, ODS, DOCX or XLSX file.",
        ),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(ngo_editor, proposal, name, data, message):
    browser = en_client_for(ngo_editor)
    response = post_editor(browser, proposal, files=[upload(name, data)], title="Titlu păstrat")
    assert response.status_code == 400
    assert messages_of(response) == [message]
    assert 'value="Titlu păstrat"' in response.content.decode()  # the typed text is kept
    assert proposal.revisions.count() == 1
    assert not Attachment.objects.exists()


def test_bombs_and_false_documents_are_refused_before_they_are_kept(ngo_editor, proposal):
    from tests import hostile_documents as hostile
    from tests.proposals.documents import docx_bomb

    browser = en_client_for(ngo_editor)
    files = [
        upload("bomba.docx", docx_bomb(megabytes=150)),
        upload("anexa.odt", hostile.mimetype_only_zip()),
        upload("tabel.ods", hostile.odt_without_manifest()),
        upload("lung.pdf", hostile.pdf_declaring_pages()),
    ]
    response = post_editor(browser, proposal, files=files, title="Titlu păstrat")
    assert response.status_code == 400
    assert messages_of(response) == [
        "“bomba.docx” unpacks to far more than its size (over 100 MB, or compressed more than "
        "100 times); it is not accepted.",
        "“anexa.odt” is not a PDF, ODT, ODS, DOCX or XLSX file.",
        "“tabel.ods” is not a PDF, ODT, ODS, DOCX or XLSX file.",
        "“lung.pdf” has more than 3000 pages; it is not accepted.",
    ]
    assert 'value="Titlu păstrat"' in response.content.decode()
    assert proposal.revisions.count() == 1
    assert not Attachment.objects.exists()


def test_file_over_the_limit_is_refused(settings, ngo_editor, proposal):
    settings.MAX_ATTACHMENT_BYTES = 1024 * 1024
    browser = en_client_for(ngo_editor)
    response = post_editor(browser, proposal, files=[upload("mare.pdf", PDF + b"0" * 1024 * 1024)])
    assert response.status_code == 400
    assert messages_of(response) == ["“mare.pdf” is larger than 1 MB."]
    assert not Attachment.objects.exists()


def test_request_over_the_size_limit_gets_413_before_reading(settings, client):
    settings.MAX_REQUEST_BYTES = 100
    client.cookies["consult_language"] = "en"
    response = client.post("/accounts/login/", {"login": "x" * 200, "password": "y"})
    assert response.status_code == 413
    assert "larger than 0 MB" in response.content.decode()


def test_upload_survives_a_conflict(ngo_editor, second_editor, proposal):
    first = en_client_for(ngo_editor)
    proposal.refresh_from_db()
    stale = proposal.current_revision
    save(second_editor, proposal, [dict(stale.blocks[0], text="Altcineva a salvat.")])
    # Both changed the same block: a conflict, shown with the upload still kept.
    mine = [dict(stale.blocks[0], text="Textul meu.")]
    data = editor_data(mine, base=stale.number, title=stale.title, message="Cu anexă")
    data["upload"] = [upload("anexa.odt", odt_bytes())]
    response = first.post(f"/proposals/{proposal.slug}/edit/", data)
    assert response.status_code == 409
    attachment = Attachment.objects.get()
    html = response.content.decode()
    assert (
        f'name="keep_attachment" value="{attachment.pk}" id="keep-{attachment.pk}" checked' in html
    )
    assert attachment.extension == "odt"


def test_attachment_of_another_proposal_cannot_be_kept(ngo_editor, proposal, other_member):
    from tests.factories import ProposalFactory

    other = ProposalFactory(editor=other_member, slug="alta")
    foreign = en_client_for(other_member)
    post_editor(foreign, other, files=[upload("secret.pdf", PDF)])
    secret = Attachment.objects.get()
    browser = en_client_for(ngo_editor)
    response = post_editor(browser, proposal, keep=[secret.pk], message="Furt")
    assert messages_of(response)[-1] == "Nothing changed, so no new revision was saved."
    assert not proposal.current_revision.attachments.exists()


def test_download_follows_the_proposals_visibility(client, ngo_editor, outsider, proposal):
    browser = en_client_for(ngo_editor)
    post_editor(browser, proposal, files=[upload("anexa.pdf", PDF)])
    attachment = Attachment.objects.get()
    url = f"/proposals/{proposal.slug}/attachments/{attachment.pk}/anexa.pdf"
    response = browser.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="anexa.pdf"'
    assert b"".join(response.streaming_content) == PDF
    client.force_login(outsider)
    assert client.get(url).status_code == 404  # a draft's files are as private as the draft
    assert client.get(f"/proposals/{proposal.slug}/attachments/999/x.pdf").status_code == 404


def test_revision_page_lists_files_with_their_hashes(ngo_editor, proposal):
    browser = en_client_for(ngo_editor)
    post_editor(browser, proposal, files=[upload("anexa.pdf", PDF)])
    html = browser.get(f"/proposals/{proposal.slug}/v/2/").content.decode()
    assert "anexa.pdf" in html
    assert hashlib.sha256(PDF).hexdigest() in html


def test_attachment_rows_are_append_only(ngo_editor, proposal):
    from core.models import AppendOnlyError

    browser = en_client_for(ngo_editor)
    post_editor(browser, proposal, files=[upload("anexa.pdf", PDF)])
    attachment = Attachment.objects.get()
    attachment.name = "altul.pdf"
    with pytest.raises(AppendOnlyError):
        attachment.save()
    with pytest.raises(AppendOnlyError):
        Attachment.objects.all().delete()


def test_compare_page_lists_files_added_and_removed(ngo_editor, proposal):
    browser = en_client_for(ngo_editor)
    post_editor(browser, proposal, files=[upload("anexa.pdf", PDF)])
    post_editor(browser, proposal, keep=[], files=[upload("nou.docx", docx_bytes())])
    html = browser.get(f"/proposals/{proposal.slug}/compare/2/3/").content.decode()
    assert "<ins>nou.docx</ins>" in html
    assert "<del>anexa.pdf</del>" in html
