"""The editor page: saving, adding, removing and moving blocks, conflicts, and bad input."""

import html as html_lib

import pytest
from django.conf import settings

from proposals.models import Proposal, Revision
from tests.factories import FIRST_TEXT, ProposalFactory
from tests.helpers import editor_data, en_client_for, form_data, messages_of, save, text_block

EDIT = "/proposals/finantare-multianuala/edit/"


def _numbers(proposal):
    return list(proposal.revisions.order_by("number").values_list("number", flat=True))


def _snapshot(revision):
    return Revision.objects.filter(pk=revision.pk).values().get()


@pytest.fixture
def editor_client(en_client, ngo_editor):
    en_client.force_login(ngo_editor)
    return en_client


@pytest.fixture
def key(proposal):
    return proposal.current_revision.blocks[0]["key"]


# --- Saving ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_edit_get_shows_current_revision_in_form(editor_client, proposal, ngo_editor, key):
    save(ngo_editor, proposal, [text_block(key, "Textul <curent> & bun.")], summary="Rezumat")
    response = editor_client.get(EDIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<input type="hidden" name="base" value="2">' in html
    assert '<input type="hidden" name="block_count" value="1">' in html
    assert f'<input type="hidden" name="blocks-0-key" value="{key}">' in html
    assert "Textul &lt;curent&gt; &amp; bun.</textarea>" in html
    assert 'value="Finanțare multianuală pentru ONG-uri"' in html
    assert "You are editing version 2." in html


@pytest.mark.django_db
def test_edit_post_changed_text_saves_next_revision(editor_client, proposal, ngo_editor, key):
    data = editor_data(
        [{"key": key, "type": "text", "text": "Finanțarea se acordă multianual."}],
        base=1,
        title="Finanțare multianuală pentru ONG-uri",
        summary="Rezumatul propunerii.",
        message="Primul text",
    )
    response = editor_client.post(EDIT, data)
    assert response.status_code == 302
    assert response["Location"] == "/proposals/finantare-multianuala/v/2/"
    assert messages_of(response) == ["Revision 2 was saved."]
    revision = Revision.objects.get(proposal=proposal, number=2)
    assert (revision.author, revision.message, revision.parent.number) == (
        ngo_editor,
        "Primul text",
        1,
    )
    assert revision.blocks == [
        {"key": key, "type": "text", "text": "Finanțarea se acordă multianual."}
    ]
    # "Prima formă a textului." (revision 1) → "Finanțarea se acordă multianual."
    assert (revision.words_added, revision.words_removed, revision.word_count) == (4, 4, 4)


@pytest.mark.django_db
def test_edit_post_unchanged_content_saves_nothing(editor_client, proposal, key):
    data = editor_data(
        [{"key": key, "type": "text", "text": FIRST_TEXT + "  "}],
        base=1,
        title="Finanțare multianuală pentru ONG-uri",
        summary="Rezumatul propunerii.  ",
        message="Nimic",
    )
    response = editor_client.post(EDIT, data, follow=True)
    assert response.redirect_chain == [("/proposals/finantare-multianuala/", 302)]
    assert "Nothing changed, so no new revision was saved." in response.content.decode()
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_post_add_block_keeps_typed_text_and_saves_nothing(editor_client, proposal, key):
    data = editor_data(
        [{"key": key, "type": "text", "text": "Text nesalvat încă."}],
        base=1,
        title="Titlu nesalvat",
        op="add-amendment",
    )
    response = editor_client.post(EDIT, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Text nesalvat încă.</textarea>" in html
    assert 'value="Titlu nesalvat"' in html
    assert '<input type="hidden" name="block_count" value="2">' in html
    assert '<input type="hidden" name="blocks-1-type" value="amendment">' in html
    assert '<input type="hidden" name="base" value="1">' in html
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_post_unknown_add_op_saves(editor_client, proposal, key):
    # "add-" with an unknown type is not an add: the form is saved as it is.
    data = editor_data(
        [{"key": key, "type": "text", "text": "Salvat."}], base=1, title="T", op="add-video"
    )
    response = editor_client.post(EDIT, data)
    assert response.status_code == 302
    assert _numbers(proposal) == [1, 2]


@pytest.mark.django_db
def test_edit_post_delete_and_reorder_blocks(editor_client, proposal, ngo_editor, key):
    second = save(
        ngo_editor,
        proposal,
        [
            text_block(key, "Unu."),
            text_block("k00000000b2", "Doi."),
            text_block("k00000000b3", "Trei."),
        ],
    )
    data = editor_data(second.blocks, base=2, title=second.title, summary=second.summary)
    data["blocks-1-delete"] = "1"
    data["blocks-2-position"] = "0.5"  # before block 1
    response = editor_client.post(EDIT, data)
    assert response.status_code == 302
    third = Revision.objects.get(proposal=proposal, number=3)
    assert [(block["key"], block["text"]) for block in third.blocks] == [
        ("k00000000b3", "Trei."),
        (key, "Unu."),
    ]
    assert (third.words_added, third.words_removed) == (0, 1)


@pytest.mark.django_db
def test_edit_post_bad_position_keeps_form_order(editor_client, proposal, ngo_editor, key):
    second = save(
        ngo_editor, proposal, [text_block(key, "Unu."), text_block("k00000000b2", "Doi.")]
    )
    data = editor_data(second.blocks, base=2, title="Titlu schimbat")
    data["blocks-0-position"] = "primul"
    response = editor_client.post(EDIT, data)
    assert response.status_code == 302
    third = Revision.objects.get(proposal=proposal, number=3)
    assert [block["key"] for block in third.blocks] == [key, "k00000000b2"]


# --- Restoring ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_restore_post_appends_revision_with_old_text(editor_client, proposal, ngo_editor, key):
    first = proposal.current_revision
    save(ngo_editor, proposal, [text_block(key, "Doi.")], title="Titlu doi")
    response = editor_client.get("/proposals/finantare-multianuala/v/1/restore/")
    assert response.status_code == 200
    assert "Restore version 1" in response.content.decode()

    response = editor_client.post("/proposals/finantare-multianuala/v/1/restore/")
    assert response.status_code == 302
    assert response["Location"] == "/proposals/finantare-multianuala/v/3/"
    assert messages_of(response) == ["Revision 1 was restored as revision 3."]
    restored = Revision.objects.get(proposal=proposal, number=3)
    assert (restored.title, restored.summary, restored.blocks, restored.content_hash) == (
        first.title,
        first.summary,
        first.blocks,
        first.content_hash,
    )
    assert (restored.restored_from, restored.message, restored.author) == (
        1,
        "Versiunea 1 a fost restaurată",  # written in the language of the text (ro)
        ngo_editor,
    )
    assert Proposal.objects.get(pk=proposal.pk).title == first.title


@pytest.mark.django_db
def test_restore_post_identical_to_current_refused(editor_client, proposal, ngo_editor, key):
    save(ngo_editor, proposal, [text_block(key, "Doi.")])
    save(ngo_editor, proposal, [text_block(key, FIRST_TEXT)])
    response = editor_client.post("/proposals/finantare-multianuala/v/1/restore/", follow=True)
    assert response.redirect_chain == [("/proposals/finantare-multianuala/v/1/", 302)]
    assert (
        "Revision 1 has the same text and files as the current one; nothing to restore."
        in response.content.decode()
    )
    assert _numbers(proposal) == [1, 2, 3]


@pytest.mark.django_db
def test_restore_unknown_revision_404(editor_client, proposal):
    assert editor_client.get("/proposals/finantare-multianuala/v/9/restore/").status_code == 404
    assert editor_client.post("/proposals/finantare-multianuala/v/9/restore/").status_code == 404
    assert _numbers(proposal) == [1]


# --- Two people editing at once ----------------------------------------------------------------


@pytest.mark.django_db
def test_edit_conflict_keeps_unsaved_text_and_shows_other_changes(
    proposal, ngo_editor, second_editor, key
):
    save(ngo_editor, proposal, [text_block(key, "Finanțarea se acordă anual.")], message="Doi")
    ana = en_client_for(ngo_editor)
    mihai = en_client_for(second_editor)
    for browser in (ana, mihai):
        page = browser.get(EDIT).content.decode()
        assert '<input type="hidden" name="base" value="2">' in page

    title, summary = proposal.title, "Rezumatul propunerii."
    ana_text = "Finanțarea se acordă multianual, prin concurs."
    response = ana.post(
        EDIT,
        editor_data([text_block(key, ana_text)], base=2, title=title, summary=summary, message="A"),
    )
    assert response["Location"] == "/proposals/finantare-multianuala/v/3/"
    third_before = _snapshot(Revision.objects.get(proposal=proposal, number=3))

    mihai_text = "Finanțarea se acordă anual, cu avans de 50%."
    mihai_data = editor_data(
        [text_block(key, mihai_text)],
        base=2,
        title="Titlul lui Mihai",
        summary=summary,
        message="B",
    )
    response = mihai.post(EDIT, mihai_data)
    assert response.status_code == 409
    html = response.content.decode()
    # Mihai's unsaved text is still in the form, now based on revision 3.
    assert f"{html_lib.escape(mihai_text)}</textarea>" in html
    assert 'value="Titlul lui Mihai"' in html
    assert '<input type="hidden" name="base" value="3">' in html
    assert '<input type="hidden" name="base" value="2">' not in html
    # And he sees what Ana changed between 2 and 3.
    assert "What changed between version 2 and version 3" in html
    assert "Finanțarea se acordă <del>anual</del><ins>multianual, prin concurs</ins>." in html
    assert (
        "Revision 3 was saved by Editor ONG after you started editing revision 2. Their other "
        "changes were merged into your text below, but you both changed 1 part: choose which "
        "text to keep, then save again. Nothing was saved yet."
    ) in html
    # Both texts of the block side by side.
    assert "Finanțarea se acordă <del>multianual</del>, <del>prin</del> <del>concurs</del>." in html
    assert "Finanțarea se acordă <ins>anual</ins>, <ins>cu</ins> <ins>avans de 50%</ins>." in html
    assert _numbers(proposal) == [1, 2, 3]

    # He keeps his text: a choice he makes, never a silent overwrite.
    response = mihai.post(EDIT, form_data(response, **{f"resolve-{key}": "mine"}))
    assert response.status_code == 302
    assert response["Location"] == "/proposals/finantare-multianuala/v/4/"
    fourth = Revision.objects.get(proposal=proposal, number=4)
    assert (fourth.author, fourth.parent.number, fourth.title, fourth.blocks) == (
        second_editor,
        3,
        "Titlul lui Mihai",
        [text_block(key, mihai_text)],
    )
    assert _snapshot(Revision.objects.get(proposal=proposal, number=3)) == third_before
    assert Revision.objects.get(proposal=proposal, number=3).blocks == [text_block(key, ana_text)]


@pytest.mark.django_db
def test_edit_conflict_base_ahead_of_current_refused(editor_client, proposal, key):
    data = editor_data([text_block(key, "x")], base=5, title="T")
    response = editor_client.post(EDIT, data)
    assert response.status_code == 409
    assert '<input type="hidden" name="base" value="1">' in response.content.decode()
    assert _numbers(proposal) == [1]


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_edit_amendment_without_article_refused_and_text_kept(en_client, ngo, ngo_editor):
    ProposalFactory(editor=ngo_editor, organization=ngo, kind="amendment", slug="legea-350")
    en_client.force_login(ngo_editor)
    proposal = Proposal.objects.get(slug="legea-350")
    key = proposal.current_revision.blocks[0]["key"]
    block = {
        "key": key,
        "type": "amendment",
        "article": "   ",
        "action": "modify",
        "in_force": "Termenul este de 30 de zile.",
        "proposed": "Termenul este de 60 de zile.",
        "rationale": "Asociațiile mici au nevoie de timp.",
    }
    response = en_client.post(
        "/proposals/legea-350/edit/", editor_data([block], base=1, title="Legea 350")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Amendment 1 needs an article reference, e.g. “Art. 5 alin. (2)”." in html
    assert "Termenul este de 30 de zile.</textarea>" in html
    assert "Termenul este de 60 de zile.</textarea>" in html
    assert "Asociațiile mici au nevoie de timp.</textarea>" in html
    assert 'value="Legea 350"' in html
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_amendment_unknown_action_refused(en_client, ngo, ngo_editor):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="legea-350"
    )
    en_client.force_login(ngo_editor)
    block = dict(proposal.current_revision.blocks[0], article="Art. 1", action="rewrite")
    response = en_client.post(
        "/proposals/legea-350/edit/", editor_data([block], base=1, title="Legea 350")
    )
    assert response.status_code == 400
    assert "Amendment 1 has an unknown action." in response.content.decode()
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_nul_byte_in_block_refused(editor_client, proposal, key):
    data = editor_data([text_block(key, "Text cu \x00 NUL.")], base=1, title="T")
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    assert (
        "Block 1 contains control characters (such as NUL bytes); remove them."
        in response.content.decode()
    )
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "summary", "message"])
def test_edit_nul_byte_in_title_summary_or_message_refused(editor_client, proposal, key, field):
    data = editor_data([text_block(key, "Text bun.")], base=1, title="Titlu")
    data[field] = "Cu \x00 NUL"
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    label = {"title": "The title", "summary": "The summary", "message": "The change message"}
    assert (
        f"{label[field]} contains control characters (such as NUL bytes); remove them."
        in response.content.decode()
    )
    assert _numbers(proposal) == [1]
    assert Proposal.objects.get(pk=proposal.pk).title == "Finanțare multianuală pentru ONG-uri"


@pytest.mark.django_db
def test_edit_title_longer_than_column_refused(editor_client, proposal, key):
    data = editor_data([text_block(key, "Text bun.")], base=1, title="T" * 301)
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    assert "The title is 301 characters long; the limit is 300." in (response.content.decode())
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_summary_longer_than_proposal_summary_refused(editor_client, proposal, key):
    data = editor_data([text_block(key, "Text bun.")], base=1, title="T", summary="s" * 5001)
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    assert "The summary is 5001 characters long; the limit is 5000." in (response.content.decode())
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_title_of_300_characters_saved(editor_client, proposal, key):
    data = editor_data([text_block(key, "Text bun.")], base=1, title="T" * 300, summary="s" * 5000)
    response = editor_client.post(EDIT, data)
    assert response.status_code == 302
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (len(stored.title), len(stored.summary), stored.current_revision.number) == (
        300,
        5000,
        2,
    )


@pytest.mark.django_db
def test_edit_empty_title_refused(editor_client, proposal, key):
    data = editor_data([text_block(key, "Text bun.")], base=1, title="   ")
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    assert "The title cannot be empty." in response.content.decode()
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_huge_paste_refused_with_clear_message(editor_client, proposal, key):
    huge = "cuvânt " * (5 * 1024 * 1024 // 8)  # about 5 MB of UTF-8
    data = editor_data([text_block(key, huge)], base=1, title="T")
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    expected = f"Block 1 is longer than {settings.MAX_BLOCK_CHARACTERS} characters; split it."
    assert expected in response.content.decode()
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_markdown_with_script_iframe_and_javascript_link_rendered_safe(
    editor_client, proposal, key
):
    text = (
        "Paragraf <script>alert(1)</script>\n\n"
        '<iframe src="https://example.org/"></iframe>\n\n'
        "[x](javascript:alert(1)) și [legea](https://legislatie.just.ro/) "
        '<a href="javascript:alert(2)" onclick="alert(3)">y</a>'
    )
    response = editor_client.post(EDIT, editor_data([text_block(key, text)], base=1, title="T"))
    assert response.status_code == 302
    for url in ("/proposals/finantare-multianuala/v/2/", "/proposals/finantare-multianuala/"):
        html = editor_client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<iframe" not in html
        assert 'href="javascript:' not in html
        assert "onclick" not in html
        assert (
            '<a href="https://legislatie.just.ro/" rel="nofollow noopener noreferrer">legea</a>'
            in html
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"block_count": "abc"}, "The editor form is damaged; reload the page."),
        ({"block_count": "5000"}, "Too many blocks (at most 2000)."),
        ({"block_count": "-1"}, "Too many blocks (at most 2000)."),
        ({"blocks-0-type": "video"}, "The editor form is damaged; reload the page."),
        ({"block_count": "2"}, "The editor form is damaged; reload the page."),
        ({"base": "doi"}, "The editor form is damaged; reload the page."),
        ({"base": ""}, "The editor form is damaged; reload the page."),
    ],
)
def test_edit_damaged_form_400(editor_client, proposal, key, change, expected):
    data = editor_data([text_block(key, "Text.")], base=1, title="T")
    data.update(change)
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    assert response.content.decode() == expected
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_edit_duplicate_keys_refused(editor_client, proposal, key):
    data = editor_data([text_block(key, "a"), text_block(key, "b")], base=1, title="T")
    response = editor_client.post(EDIT, data)
    assert response.status_code == 400
    assert "Block 2 has an invalid key." in response.content.decode()
    assert _numbers(proposal) == [1]


# --- Markdown preview --------------------------------------------------------------------------

PREVIEW = "/proposals/preview/"


@pytest.mark.django_db
def test_preview_editor_gets_sanitised_html(client, ngo_editor):
    client.force_login(ngo_editor)
    response = client.post(
        PREVIEW, {"content": "**Tare** <script>alert(1)</script> [x](javascript:alert(1))"}
    )
    assert response.status_code == 200
    assert (
        response.content.decode()
        == '<p><strong>Tare</strong>  <a rel="nofollow noopener noreferrer">x</a></p>'
    )


@pytest.mark.django_db
def test_preview_user_without_drafting_rights_403(client, outsider):
    client.force_login(outsider)
    assert client.post(PREVIEW, {"content": "**x**"}).status_code == 403


@pytest.mark.django_db
def test_preview_anonymous_redirected_to_login(client):
    response = client.post(PREVIEW, {"content": "**x**"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/proposals/preview/")


@pytest.mark.django_db
def test_preview_get_not_allowed(client, ngo_editor):
    client.force_login(ngo_editor)
    assert client.get(PREVIEW).status_code == 405


@pytest.mark.django_db
def test_preview_too_long_413(client, ngo_editor):
    client.force_login(ngo_editor)
    response = client.post(PREVIEW, {"content": "x" * (settings.MAX_BLOCK_CHARACTERS + 1)})
    assert response.status_code == 413


@pytest.mark.django_db
def test_preview_upload_refused(client, ngo_editor):
    client.force_login(ngo_editor)
    response = client.post("/proposals/preview/upload/")
    assert response.status_code == 403
    assert response.json()["image_code"] == ""
