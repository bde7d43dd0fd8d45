"""Importing documents (DOCX, ODT, HTML, Markdown, text) and the text of a law into proposals.

Files are made in the tests (tests/proposals/documents.py) or read from the committed fixtures;
the converter (pandoc) really runs. Nothing reaches a proposal before the editor confirms.
"""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.models import ActivityLog
from proposals import importing
from proposals.models import (
    Attachment,
    DocumentImport,
    ImportStatus,
    Proposal,
    Revision,
)
from tests.factories import ProposalFactory
from tests.helpers import en_client_for, messages_of
from tests.proposals import documents

NEW = "/proposals/new/import/"


def _sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def editor_client(ngo_editor):
    return en_client_for(ngo_editor)


@pytest.fixture
def new_fields(ngo, authority):
    return {
        "organization": str(ngo.pk),
        "title": "Politica locală de finanțare",
        "slug": "",
        "summary": "Calendar previzibil.",
        "kind": "policy",
        "target_authority": str(authority.pk),
        "reference_act": "",
        "language": "ro",
    }


def _upload(name, data):
    return SimpleUploadedFile(name, data)


def _start_new(client, fields, *, mode="document", upload=None, text=""):
    data = {**fields, "mode": mode, "text": text}
    if upload is not None:
        data["upload"] = upload
    return client.post(NEW, data)


def _only_import():
    return DocumentImport.objects.get()


def _texts(blocks):
    return [(block["type"], block["text"]) for block in blocks]


# --- A new proposal from a DOCX ----------------------------------------------------------------


@pytest.mark.django_db
def test_docx_policy_import_maps_sections_and_keeps_markdown(editor_client, new_fields):
    response = _start_new(
        editor_client, new_fields, upload=_upload("politica.docx", documents.policy_docx())
    )
    document_import = _only_import()
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/import/{document_import.token}/"
    assert (document_import.status, document_import.extension) == (ImportStatus.READY, "docx")
    result = document_import.result
    assert result["stats"] == {"headings": 5, "paragraphs": 4, "lists": 1, "tables": 1, "other": 0}
    # Policy sections in the language of the text (ro), in the order of H.G. 775/2005.
    assert _texts(result["blocks"]) == [
        ("heading", "Politica locală de finanțare"),
        ("text", "Documentul de față propune un calendar previzibil."),
        ("heading", "Definirea problemei"),
        ("text", "Organizațiile primesc finanțarea **cu până la nouă luni** întârziere."),
        ("heading", "Obiective"),
        ("text", "-   Plăți în avans\n\n-   Calendar anual publicat"),
        (
            "heading",
            "Variante de politică publică și impactul lor (economic, social, de mediu, bugetar)",
        ),
        ("text", "Varianta recomandată este *calendarul unic*."),
        (
            "text",
            "| Varianta       | Cost anual |\n|----------------|------------|\n"
            "| Calendar unic  | 0 lei      |\n| Plăți în avans | 20.000 lei |",
        ),
        ("heading", "Modificări legislative necesare"),
        ("text", ""),
        ("heading", "Consultare"),
        ("text", ""),
        ("heading", "Implementare, monitorizare și evaluare"),
        ("text", "Raport anual publicat în martie."),
    ]
    assert result["sections"][0] == ["1. Definirea problemei", "Definirea problemei"]
    assert result["sections"][3] == ["", "Modificări legislative necesare"]
    # Nothing is saved before the editor confirms.
    assert not Proposal.objects.exists()
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_review_page_shows_preview_and_confirm_creates_proposal_with_revision_one(
    editor_client, new_fields, ngo_editor, ngo
):
    data = documents.policy_docx()
    _start_new(editor_client, new_fields, upload=_upload("politica.docx", data))
    document_import = _only_import()
    page = editor_client.get(document_import.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "<strong>cu până la nouă luni</strong>" in html
    assert "<td>Calendar unic</td>" in html
    assert _sha(data) in html

    response = editor_client.post(
        document_import.get_absolute_url(), {"op": "confirm", "note": "varianta din martie"}
    )
    proposal = Proposal.objects.get()
    revision = proposal.current_revision
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{proposal.slug}/v/1/"
    assert messages_of(response) == ["The import was saved as revision 1."]
    assert (proposal.slug, proposal.organization, proposal.status, proposal.kind) == (
        "politica-locala-de-finantare",
        ngo,
        "draft",
        "policy",
    )
    assert (revision.number, revision.author) == (1, ngo_editor)
    assert revision.message == (
        f"Importat din „politica.docx” (SHA-256 {_sha(data)}): varianta din martie"
    )
    assert revision.blocks == document_import.result["blocks"]
    [attachment] = revision.attachments.all()
    assert (attachment.name, attachment.extension, attachment.sha256, attachment.size) == (
        "politica.docx",
        "docx",
        _sha(data),
        len(data),
    )
    assert attachment.file.read() == data
    assert list(ActivityLog.objects.order_by("pk").values_list("verb", flat=True)) == [
        "proposal.created",
        "revision.created",
    ]
    document_import.refresh_from_db()
    assert (document_import.status, document_import.revision) == (
        ImportStatus.CONFIRMED,
        revision,
    )


@pytest.mark.django_db
def test_confirm_twice_saves_one_revision(editor_client, new_fields, ngo_editor):
    from core.errors import DomainError

    _start_new(editor_client, new_fields, upload=_upload("p.docx", documents.policy_docx()))
    document_import = _only_import()
    # A second request of a double click loaded the import before the first one saved it.
    stale = DocumentImport.objects.get(pk=document_import.pk)
    url = document_import.get_absolute_url()
    editor_client.post(url, {"op": "confirm"})
    second = editor_client.post(url, {"op": "confirm"})
    revision = Revision.objects.get()
    assert (second.status_code, second["Location"]) == (302, revision.get_absolute_url())
    with pytest.raises(DomainError) as caught:
        importing.confirm_import(ngo_editor, stale)
    assert caught.value.code == "confirmed"
    assert Revision.objects.count() == 1
    assert Attachment.objects.count() == 1


@pytest.mark.django_db
def test_odt_import_keeps_headings_lists_and_tables(editor_client, new_fields):
    new_fields["kind"] = "other"
    _start_new(editor_client, new_fields, upload=_upload("politica.odt", documents.policy_odt()))
    result = _only_import().result
    assert _texts(result["blocks"]) == [
        ("heading", "Definirea problemei"),
        ("text", "Organizațiile primesc finanțarea **cu până la nouă luni** întârziere."),
        ("heading", "Obiective"),
        ("text", "1.  Plăți în avans\n2.  Calendar anual publicat"),
        ("heading", "Opțiuni"),
        (
            "text",
            "| Varianta      | Cost anual |\n|---------------|------------|\n"
            "| Calendar unic | 0 lei      |",
        ),
    ]
    assert result["sections"] is None  # not a policy: its headings stay as written


@pytest.mark.django_db
def test_committed_fixtures_import_like_generated_files(editor_client, new_fields):
    new_fields["kind"] = "other"
    for name in ("politica-publica.docx", "politica-publica.odt"):
        data = (documents.FIXTURES / name).read_bytes()
        _start_new(editor_client, new_fields, upload=_upload(name, data))
    docx, odt = DocumentImport.objects.order_by("pk")
    assert (docx.status, odt.status) == (ImportStatus.READY, ImportStatus.READY)
    assert docx.result["blocks"][3]["text"] == (
        "Organizațiile primesc finanțarea **cu până la nouă luni** întârziere."
    )
    assert odt.result["blocks"][1]["text"] == docx.result["blocks"][3]["text"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "nota.md",
            "# Problema\n\nText cu **bold** și [o legătură](https://example.org).\n\n- a\n- b\n",
            [
                ("heading", "Problema"),
                ("text", "Text cu **bold** și [o legătură](https://example.org)."),
                ("text", "-   a\n-   b"),
            ],
        ),
        (
            "nota.html",
            "<h1>Problema</h1><p>Text <em>important</em> <script>alert(1)</script></p>"
            "<ol><li>unu</li><li>doi</li></ol>",
            [
                ("heading", "Problema"),
                ("text", "Text *important*"),
                ("text", "1.  unu\n2.  doi"),
            ],
        ),
        (
            "nota.txt",
            "Primul paragraf.\n\nAl doilea paragraf,\npe două rânduri.\n",
            [("text", "Primul paragraf."), ("text", "Al doilea paragraf, pe două rânduri.")],
        ),
    ],
)
def test_markdown_html_and_text_uploads(editor_client, new_fields, name, data, expected):
    new_fields["kind"] = "other"
    _start_new(editor_client, new_fields, upload=_upload(name, data.encode()))
    assert _texts(_only_import().result["blocks"]) == expected


@pytest.mark.django_db
def test_imported_markdown_renders_as_the_document_shows(editor_client, new_fields):
    """What the converter writes is what our renderer reads: nested lists, lists numbered
    from 3 (points of a law), struck text, escaped characters."""
    from core.markdown import render_markdown

    new_fields["kind"] = "other"
    html = (
        "<ol start='3'><li>trei</li><li>patru<ul><li>sub a</li><li>sub b<ol><li>adânc</li>"
        "</ol></li></ul></li></ol><p>Text <del>tăiat</del>, * stea, 1. nu listă</p>"
    )
    _start_new(editor_client, new_fields, upload=_upload("liste.html", html.encode()))
    list_block, paragraph = _only_import().result["blocks"]
    rendered = str(render_markdown(list_block["text"])).replace("\n", "")
    assert rendered == (
        '<ol start="3"><li>trei</li><li>patru<ul><li>sub a</li><li>sub b<ol><li>adânc</li>'
        "</ol></li></ul></li></ol>"
    )
    assert str(render_markdown(paragraph["text"])) == (
        "<p>Text <s>tăiat</s>, * stea, 1. nu listă</p>"
    )


@pytest.mark.django_db
def test_pasted_text_is_kept_as_text_attachment(editor_client, new_fields):
    new_fields["kind"] = "other"
    text = "Propunem un calendar anual.\n\nPlăți în avans pentru granturi."
    _start_new(editor_client, new_fields, text=text)
    document_import = _only_import()
    assert _texts(document_import.result["blocks"]) == [
        ("text", "Propunem un calendar anual."),
        ("text", "Plăți în avans pentru granturi."),
    ]
    editor_client.post(document_import.get_absolute_url(), {"op": "confirm"})
    revision = Revision.objects.get()
    sha = _sha(text.encode())
    assert revision.message == f"Importat din textul lipit (SHA-256 {sha})"
    [attachment] = revision.attachments.all()
    assert (attachment.name, attachment.content_type, attachment.sha256) == (
        "pasted-text.txt",
        "text/plain; charset=utf-8",
        sha,
    )


@pytest.mark.django_db
def test_images_are_not_inlined_and_can_be_attached(editor_client, new_fields):
    new_fields["kind"] = "other"
    data = documents.policy_docx(with_image=True)
    _start_new(editor_client, new_fields, upload=_upload("cu-imagine.docx", data))
    document_import = _only_import()
    result = document_import.result
    assert result["images_in_text"] == 1
    assert [image["sha256"] for image in result["images"]] == [_sha(documents.PNG)]
    assert not any("![" in block["text"] for block in result["blocks"])
    page = editor_client.get(document_import.get_absolute_url()).content.decode()
    assert "The document has 1 image. Images are not put into the text." in page
    name = result["images"][0]["name"]
    editor_client.post(document_import.get_absolute_url(), {"op": "confirm", "image": [name]})
    revision = Revision.objects.get()
    assert sorted(
        (attachment.extension, attachment.sha256) for attachment in revision.attachments.all()
    ) == sorted([("docx", _sha(data)), ("png", _sha(documents.PNG))])


# --- Into an existing proposal -----------------------------------------------------------------


@pytest.mark.django_db
def test_import_appends_after_current_text(editor_client, proposal):
    url = f"/proposals/{proposal.slug}/import/"
    response = editor_client.post(
        url,
        {
            "mode": "document",
            "placement": "append",
            "text": "## Anexă\n\nDate noi.",
        },
    )
    document_import = _only_import()
    assert response["Location"] == document_import.get_absolute_url()
    editor_client.post(document_import.get_absolute_url(), {"op": "confirm"})
    revision = proposal.revisions.get(number=2)
    assert _texts(revision.blocks) == [
        ("text", "Prima formă a textului."),
        ("heading", "Anexă"),
        ("text", "Date noi."),
    ]
    assert revision.blocks[0]["key"] == "k00000000b1"  # the old block keeps its key
    assert revision.parent.number == 1


@pytest.mark.django_db
def test_import_replace_after_a_newer_revision_asks_again(editor_client, proposal, second_editor):
    from tests.helpers import save, text_block

    url = f"/proposals/{proposal.slug}/import/"
    editor_client.post(url, {"mode": "document", "placement": "replace", "text": "Text nou."})
    document_import = _only_import()
    save(second_editor, proposal, [text_block("k00000000b1", "Textul lui Mihai.")])
    response = editor_client.post(document_import.get_absolute_url(), {"op": "confirm"})
    assert response.status_code == 409
    assert (
        "Revision 2 was saved by Mihai Ionescu after you started this import: replacing the "
        "text now would leave their changes out of the new version"
    ) in response.content.decode()
    assert list(proposal.revisions.values_list("number", flat=True).order_by("number")) == [1, 2]
    assert (_only_import().status, _only_import().base_number) == (ImportStatus.READY, 2)
    # Having seen it, the editor confirms again: the text is replaced, Mihai's stays in history.
    again = editor_client.post(document_import.get_absolute_url(), {"op": "confirm"})
    assert again.status_code == 302
    assert _texts(proposal.revisions.get(number=3).blocks) == [("text", "Text nou.")]
    assert _texts(proposal.revisions.get(number=2).blocks) == [("text", "Textul lui Mihai.")]


@pytest.mark.django_db
def test_stale_import_says_it_stopped_without_writing(ngo_editor, ngo):
    from datetime import timedelta

    from django.utils import timezone

    document_import = importing.start_import(
        ngo_editor,
        organization=ngo,
        mode="document",
        new_proposal={"kind": "other", "language": "ro"},
        text="Un paragraf.",
    )
    DocumentImport.objects.filter(pk=document_import.pk).update(
        status=ImportStatus.RUNNING, created_at=timezone.now() - timedelta(hours=1)
    )
    page = en_client_for(ngo_editor).get(document_import.get_absolute_url())
    assert page.status_code == 422
    assert "stopped before it finished" in page.content.decode()
    assert DocumentImport.objects.get().status == ImportStatus.RUNNING  # the page wrote nothing


@pytest.mark.django_db
def test_import_replace_keeps_history(editor_client, proposal):
    url = f"/proposals/{proposal.slug}/import/"
    editor_client.post(url, {"mode": "document", "placement": "replace", "text": "Text nou."})
    editor_client.post(_only_import().get_absolute_url(), {"op": "confirm"})
    assert _texts(proposal.revisions.get(number=2).blocks) == [("text", "Text nou.")]
    assert _texts(proposal.revisions.get(number=1).blocks) == [("text", "Prima formă a textului.")]


@pytest.mark.django_db
def test_discard_deletes_the_import_and_its_file(editor_client, proposal):
    editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "document", "placement": "append", "text": "Ceva."},
    )
    document_import = _only_import()
    storage, path = document_import.file.storage, document_import.file.name
    assert storage.exists(path)
    response = editor_client.post(document_import.get_absolute_url(), {"op": "discard"})
    assert response["Location"] == proposal.get_absolute_url()
    assert not DocumentImport.objects.exists()
    assert not storage.exists(path)
    assert proposal.revisions.count() == 1


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_pages_need_an_editor_of_the_proposal(client, proposal, other_member, ngo_editor):
    url = f"/proposals/{proposal.slug}/import/"
    assert client.get(url).status_code == 302  # to the login page
    assert en_client_for(other_member).get(url).status_code == 404  # a draft of another NGO
    assert en_client_for(ngo_editor).get(url).status_code == 200


@pytest.mark.django_db
def test_review_page_is_only_for_whoever_started_the_import(editor_client, proposal, second_editor):
    editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "document", "placement": "append", "text": "Ceva."},
    )
    url = _only_import().get_absolute_url()
    other = en_client_for(second_editor)
    assert other.get(url).status_code == 404
    assert other.post(url, {"op": "confirm"}).status_code == 404
    assert proposal.revisions.count() == 1


@pytest.mark.django_db
def test_import_into_a_submitted_proposal_refused(editor_client, submission):
    proposal = submission.proposal
    response = editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "document", "placement": "append", "text": "Ceva."},
    )
    assert response.status_code == 403
    assert not DocumentImport.objects.exists()


# --- Background reading ------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(IMPORT_INLINE_BYTES=10)
def test_large_document_is_read_by_the_task(editor_client, new_fields):
    # Celery runs tasks in process in the tests (eager): the task has run when the page loads.
    _start_new(editor_client, new_fields, upload=_upload("p.docx", documents.policy_docx()))
    document_import = _only_import()
    assert importing.runs_in_background(document_import)
    assert (document_import.status, document_import.progress) == (ImportStatus.READY, 100)


@pytest.mark.django_db
@override_settings(IMPORT_INLINE_BYTES=10)
def test_large_document_is_read_in_the_request_when_the_broker_cannot_be_reached(
    editor_client, new_fields, broker_down
):
    response = _start_new(
        editor_client, new_fields, upload=_upload("p.docx", documents.policy_docx())
    )
    document_import = _only_import()
    assert response.status_code == 302
    assert response["Location"] == document_import.get_absolute_url()
    assert importing.runs_in_background(document_import)
    assert (document_import.status, document_import.progress) == (ImportStatus.READY, 100)


@pytest.mark.django_db
def test_pending_import_shows_progress_that_refreshes_itself(ngo_editor, ngo, authority):
    document_import = importing.start_import(
        ngo_editor,
        organization=ngo,
        mode="document",
        new_proposal={"title": "T", "slug": "t", "kind": "other", "language": "ro"},
        text="Un paragraf.",
    )
    page = en_client_for(ngo_editor).get(document_import.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="import-progress" max="100" value="0">' in html
    importing.process_import(document_import)
    importing.process_import(document_import)  # idempotent
    assert DocumentImport.objects.get().status == ImportStatus.READY


@pytest.mark.django_db
def test_purge_deletes_old_imports_with_their_files(ngo_editor, ngo):
    from datetime import timedelta

    from django.utils import timezone

    document_import = importing.start_import(
        ngo_editor,
        organization=ngo,
        mode="document",
        new_proposal={"kind": "other", "language": "ro"},
        text="Un paragraf.",
    )
    storage, path = document_import.file.storage, document_import.file.name
    assert importing.purge_imports(now=timezone.now() + timedelta(hours=47)) == 0
    assert importing.purge_imports(now=timezone.now() + timedelta(hours=49)) == 1
    assert not DocumentImport.objects.exists()
    assert not storage.exists(path)


# --- The text of a normative act ---------------------------------------------------------------


@pytest.fixture
def amendment(ngo, ngo_editor):
    return ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="amendment",
        title="Modificarea Legii nr. 350/2005",
        slug="legea-350",
        blocks=None,
    )


def _act_import(client, proposal, text=documents.LAW_350_CEDILLA):
    client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "act", "placement": "append", "text": text},
    )
    return _only_import()


@pytest.mark.django_db
def test_pasted_law_in_cedilla_spelling_is_split_into_units(editor_client, amendment):
    document_import = _act_import(editor_client, amendment)
    units = document_import.result["units"]
    assert [(unit["reference"], unit["depth"]) for unit in units] == [
        ("Art. 4", 0),
        ("Art. 4 lit. a)", 1),
        ("Art. 4 lit. b)", 1),
        ("Art. 4 lit. c)", 1),
        ("Art. 13", 0),
        ("Art. 13 alin. (1)", 1),
        ("Art. 13 alin. (2)", 1),
        ("Art. 16", 0),
        ("Art. 16^1", 0),
    ]
    assert units[6]["text"] == (
        "(2) Anunţul se publică cu cel puţin 30 de zile înainte de data-limită."
    )
    page = editor_client.get(document_import.get_absolute_url()).content.decode()
    assert "4 articles were recognised." in page
    assert "Art. 16¹" in page  # shown with a superscript, stored as 16^1


@pytest.mark.django_db
def test_law_docx_gives_the_same_units_as_the_pasted_text(editor_client, amendment):
    editor_client.post(
        f"/proposals/{amendment.slug}/import/",
        {
            "mode": "act",
            "placement": "append",
            "upload": _upload("legea-350.docx", documents.law_docx()),
        },
    )
    from_docx = _only_import().result["units"]
    DocumentImport.objects.all().delete()
    pasted = _act_import(editor_client, amendment).result["units"]
    assert from_docx == pasted


@pytest.mark.django_db
def test_law_docx_with_line_breaks_keeps_its_lines(editor_client, amendment):
    # Word users break a pasted law with Shift+Enter: one paragraph, many lines.
    editor_client.post(
        f"/proposals/{amendment.slug}/import/",
        {
            "mode": "act",
            "placement": "append",
            "upload": _upload("rupturi.docx", documents.law_docx_with_line_breaks()),
        },
    )
    from_breaks = _only_import().result["units"]
    DocumentImport.objects.all().delete()
    assert from_breaks == _act_import(editor_client, amendment).result["units"]


@pytest.mark.django_db
def test_law_units_never_replace_the_current_rows(editor_client, ngo, ngo_editor):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, kind="amendment", slug="a2")
    editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "act", "placement": "replace", "text": documents.LAW_350_CEDILLA},
    )
    document_import = _only_import()
    assert document_import.placement == "append"
    editor_client.post(
        document_import.get_absolute_url(),
        {"op": "confirm", "unit": ["0"], "row-0-reference": "Art. 4", "row-0-proposed": "x"},
    )
    articles = [block["article"] for block in proposal.revisions.get(number=2).blocks]
    assert articles == ["Art. 1", "Art. 4"]  # revision 1's row is kept


@pytest.mark.django_db
def test_ticked_units_become_amendment_rows_in_article_order(editor_client, amendment):
    document_import = _act_import(editor_client, amendment)
    url = document_import.get_absolute_url()
    units = document_import.result["units"]
    # Art. 16^1 and Art. 13 alin. (2), ticked in that order.
    second, first = 8, 6
    rows_page = editor_client.post(url, {"op": "choose", "unit": [str(second), str(first)]})
    html = rows_page.content.decode()
    assert rows_page.status_code == 200
    assert f'name="row-{first}-reference" id="row-{first}-reference" value="Art. 13 alin. (2)"' in (
        html
    )
    assert "Plata se face în tranşe, conform contractului.</textarea>" in html  # prefilled

    response = editor_client.post(
        url,
        {
            "op": "confirm",
            "unit": [str(first), str(second)],
            f"row-{first}-reference": "Art. 13 alin. (2)",
            f"row-{first}-action": "modify",
            f"row-{first}-proposed": "(2) Anunţul se publică cu cel puţin 45 de zile înainte "
            "de data-limită.",
            f"row-{first}-rationale": "Organizațiile mici au nevoie de timp.",
            f"row-{second}-reference": "Art. 16^1",
            f"row-{second}-action": "repeal",
            f"row-{second}-proposed": "",
            f"row-{second}-rationale": "",
        },
    )
    revision = amendment.revisions.get()
    assert response.status_code == 302
    assert response["Location"] == "/proposals/legea-350/v/1/table/"
    assert [
        (block["article"], block["action"], block["in_force"], block["proposed"])
        for block in revision.blocks
    ] == [
        (
            "Art. 13 alin. (2)",
            "modify",
            units[first]["text"],
            "(2) Anunţul se publică cu cel puţin 45 de zile înainte de data-limită.",
        ),
        (
            "Art. 16^1",
            "repeal",
            "Articolul 16^1\nPlata se face în tranşe, conform contractului.",
            "",
        ),
    ]
    assert revision.message.startswith("Importat din textul lipit (SHA-256 ")


@pytest.mark.django_db
def test_choosing_no_unit_is_refused_with_a_message(editor_client, amendment):
    document_import = _act_import(editor_client, amendment)
    response = editor_client.post(document_import.get_absolute_url(), {"op": "choose"})
    assert response.status_code == 400
    assert "Tick at least one unit of the act to amend." in response.content.decode()
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_bulgarian_law_units(editor_client, ngo, ngo_editor):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", language="bg", slug="zna"
    )
    units = _act_import(editor_client, proposal, documents.LAW_BG).result["units"]
    assert [unit["reference"] for unit in units] == [
        "чл. 26",
        "чл. 26, ал. 1",
        "чл. 26, ал. 2",
        "чл. 26, ал. 3",
        "чл. 26, ал. 3, т. 1",
        "чл. 26, ал. 3, т. 2",
        "чл. 26а",
    ]


@pytest.mark.django_db
def test_law_text_on_a_policy_proposal_refused(editor_client, ngo, ngo_editor):
    policy = ProposalFactory(editor=ngo_editor, organization=ngo, kind="policy", slug="pol")
    response = editor_client.post(
        f"/proposals/{policy.slug}/import/",
        {"mode": "act", "placement": "append", "text": documents.LAW_350_CEDILLA},
    )
    assert response.status_code == 400
    assert not DocumentImport.objects.exists()


@pytest.mark.django_db
def test_new_amendment_from_law_text(editor_client, new_fields):
    new_fields.update(kind="amendment", title="Legea 350", reference_act="Legea nr. 350/2005")
    _start_new(editor_client, new_fields, mode="act", text=documents.LAW_350_CEDILLA)
    document_import = _only_import()
    editor_client.post(
        document_import.get_absolute_url(),
        {"op": "confirm", "unit": ["0"], "row-0-reference": "Art. 4", "row-0-proposed": "x"},
    )
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.reference_act) == ("amendment", "Legea nr. 350/2005")
    assert [block["article"] for block in proposal.current_revision.blocks] == ["Art. 4"]


@pytest.mark.django_db
def test_new_policy_from_law_text_refused_on_the_form(editor_client, new_fields):
    response = _start_new(editor_client, new_fields, mode="act", text=documents.LAW_350_CEDILLA)
    assert response.status_code == 400
    assert response.context["form"].errors["kind"] == [
        "The text of a normative act becomes amendment rows: choose “Amendment to a normative act”."
    ]
    assert documents.LAW_350_CEDILLA.split("\n")[0] in response.content.decode()


# --- Personal data -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_imports_are_in_the_data_export_and_erased_with_the_account(ngo_editor, ngo):
    from core import privacy

    document_import = importing.start_import(
        ngo_editor,
        organization=ngo,
        mode="document",
        new_proposal={"kind": "other", "language": "ro"},
        text="Un paragraf.",
    )
    storage, path = document_import.file.storage, document_import.file.name
    exported = privacy.export_user_data(ngo_editor)["imports"]
    assert exported == [
        {
            "file": "pasted-text.txt",
            "sha256": _sha(b"Un paragraf."),
            "status": "pending",
            "started": document_import.created_at.isoformat(),
            "proposal": None,
        }
    ]
    privacy.erase_user_data(ngo_editor)
    assert not DocumentImport.objects.exists()
    assert not storage.exists(path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "language", "text", "first"),
    [
        ("legea-350-extras-sedila.txt", "ro", documents.LAW_350_CEDILLA, "Art. 4"),
        ("zakon-chl-26.txt", "bg", documents.LAW_BG, "чл. 26"),
    ],
)
def test_committed_law_fixtures_split_like_the_pasted_text(
    editor_client, ngo, ngo_editor, fixture, language, text, first
):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", language=language, slug="act"
    )
    data = (documents.FIXTURES / fixture).read_bytes()
    assert data.decode() == text  # the committed file is the text the tests paste
    editor_client.post(
        f"/proposals/{proposal.slug}/import/",
        {"mode": "act", "placement": "append", "upload": _upload(fixture, data)},
    )
    uploaded = _only_import()
    assert (uploaded.status, uploaded.result["units"][0]["reference"]) == ("ready", first)
    DocumentImport.objects.all().delete()
    pasted = _act_import(editor_client, proposal, text).result["units"]
    assert uploaded.result["units"] == pasted


@pytest.mark.django_db
@override_settings(IMPORT_RATE_PER_HOUR=2)
def test_imports_are_limited_per_person_and_the_text_is_kept(editor_client, proposal):
    url = f"/proposals/{proposal.slug}/import/"
    data = {"mode": "document", "placement": "append", "text": "Un paragraf de import."}
    assert [editor_client.post(url, data).status_code for _ in range(2)] == [302, 302]
    third = editor_client.post(url, data)
    assert third.status_code == 429
    assert "You have started many imports in the last hour." in third.content.decode()
    assert "Un paragraf de import.</textarea>" in third.content.decode()
    assert DocumentImport.objects.count() == 2
    # Counted per account: another editor is not held back.
    from tests.factories import MembershipFactory

    other = MembershipFactory(organization=proposal.organization, role="editor").user
    assert en_client_for(other).post(url, data).status_code == 302


@pytest.mark.django_db
def test_policy_sections_mapped_when_importing_into_a_draft_without_text(
    editor_client, ngo, ngo_editor
):
    draft = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="policy", slug="politica", blocks=None
    )
    editor_client.post(
        f"/proposals/{draft.slug}/import/",
        {
            "mode": "document",
            "placement": "append",
            "upload": _upload("p.docx", documents.policy_docx()),
        },
    )
    result = _only_import().result
    assert [section for _found, section in result["sections"]][:2] == [
        "Definirea problemei",
        "Obiective",
    ]
    editor_client.post(_only_import().get_absolute_url(), {"op": "confirm"})
    assert draft.revisions.get().blocks == result["blocks"]
