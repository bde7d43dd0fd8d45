"""Two editors saving from the same revision: the editor merges what it can, and shows both texts
of each part they both changed (proposals.merge through the editor page, without JavaScript)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import ActivityLog
from proposals import domain, merge
from proposals.models import Attachment, Revision
from tests.factories import ProposalFactory
from tests.helpers import editor_data, en_client_for, form_data, messages_of, save, text_block

EDIT = "/proposals/finantare-multianuala/edit/"
TITLE = "Finanțare multianuală pentru ONG-uri"
SUMMARY = "Rezumatul propunerii."
K1, K2, K3 = "k00000000b1", "k00000000b2", "k00000000b3"


def _numbers(proposal):
    return list(proposal.revisions.order_by("number").values_list("number", flat=True))


def _snapshot(revision):
    return Revision.objects.filter(pk=revision.pk).values().get()


def _revision(proposal, number):
    return Revision.objects.get(proposal=proposal, number=number)


@pytest.fixture
def three_blocks(proposal, ngo_editor):
    """Revision 2 of `proposal`: three text blocks, the base both editors start from."""
    save(
        ngo_editor,
        proposal,
        [text_block(K1, "Primul."), text_block(K2, "Al doilea."), text_block(K3, "Al treilea.")],
        summary=SUMMARY,
    )
    return _revision(proposal, 2)


@pytest.fixture
def ana(ngo_editor):
    return en_client_for(ngo_editor)


@pytest.fixture
def mihai(second_editor):
    return en_client_for(second_editor)


def _post(browser, blocks, *, base=2, title=TITLE, summary=SUMMARY, message=""):
    return browser.post(
        EDIT, editor_data(blocks, base=base, title=title, summary=summary, message=message)
    )


# --- Merged without asking ---------------------------------------------------------------------


@pytest.mark.django_db
def test_disjoint_blocks_merge_into_a_new_revision(
    proposal, three_blocks, ana, mihai, ngo_editor, second_editor
):
    response = _post(
        ana,
        [
            text_block(K1, "Primul, al Anei."),
            text_block(K2, "Al doilea."),
            text_block(K3, "Al treilea."),
        ],
        message="Ana",
    )
    assert response["Location"] == "/proposals/finantare-multianuala/v/3/"
    third = _snapshot(_revision(proposal, 3))

    response = _post(
        mihai,
        [
            text_block(K1, "Primul."),
            text_block(K2, "Al doilea."),
            text_block(K3, "Al treilea, al lui Mihai."),
        ],
        message="Mihai",
    )
    assert response.status_code == 302
    assert response["Location"] == "/proposals/finantare-multianuala/v/4/"
    fourth = _revision(proposal, 4)
    assert fourth.blocks == [
        text_block(K1, "Primul, al Anei."),
        text_block(K2, "Al doilea."),
        text_block(K3, "Al treilea, al lui Mihai."),
    ]
    assert (fourth.parent.number, fourth.merge_base, fourth.author, fourth.message) == (
        3,
        2,
        second_editor,
        "Mihai",
    )
    assert fourth.content_hash == fourth.compute_hash()
    # Words counted against the parent (revision 3): Mihai added "al lui Mihai".
    assert (fourth.words_added, fourth.words_removed) == (3, 0)
    assert messages_of(response) == [
        "Revision 4 was saved. While you edited revision 2, Editor ONG saved revision 3; its "
        "changes were merged with yours: block 1."
    ]
    # History untouched: revision 3 is as Ana saved it.
    assert _snapshot(_revision(proposal, 3)) == third
    log = ActivityLog.objects.filter(verb="revision.created").order_by("-pk").first()
    assert log.data == {"hash": fourth.content_hash, "merged_from": 2}
    proposal.refresh_from_db()
    assert proposal.current_revision == fourth


@pytest.mark.django_db
def test_history_and_revision_page_say_a_revision_was_merged(proposal, three_blocks, ana, mihai):
    _post(ana, [text_block(K1, "A."), text_block(K2, "Al doilea."), text_block(K3, "Al treilea.")])
    _post(mihai, [text_block(K1, "Primul."), text_block(K2, "Al doilea."), text_block(K3, "M.")])
    history = ana.get("/proposals/finantare-multianuala/history/").content.decode()
    assert "merged: edited from version 2" in history
    page = ana.get("/proposals/finantare-multianuala/v/4/").content.decode()
    assert "It was written from revision 2 and merged with the changes of revision 3." in page


@pytest.mark.django_db
def test_reorder_and_edit_merge(proposal, three_blocks, ana, mihai):
    # Ana moves the third block first (position 0.5); Mihai edits the second.
    data = editor_data(three_blocks.blocks, base=2, title=TITLE, summary=SUMMARY, message="Ordine")
    data["blocks-2-position"] = "0.5"
    assert ana.post(EDIT, data).status_code == 302
    assert [block["key"] for block in _revision(proposal, 3).blocks] == [K3, K1, K2]

    response = _post(
        mihai,
        [
            text_block(K1, "Primul."),
            text_block(K2, "Al doilea, schimbat."),
            text_block(K3, "Al treilea."),
        ],
    )
    assert response["Location"] == "/proposals/finantare-multianuala/v/4/"
    assert _revision(proposal, 4).blocks == [
        text_block(K3, "Al treilea."),
        text_block(K1, "Primul."),
        text_block(K2, "Al doilea, schimbat."),
    ]
    assert messages_of(response)[-1].endswith(
        "its changes were merged with yours: the new order of the blocks."
    )


@pytest.mark.django_db
def test_insertions_at_the_same_place_both_kept_theirs_first(proposal, three_blocks, ana, mihai):
    base = three_blocks.blocks
    _post(ana, [*base[:2], text_block("k0000000a01", "Nou, al Anei."), base[2]])
    response = _post(mihai, [*base[:2], text_block("k0000000c01", "Nou, al lui Mihai."), base[2]])
    assert response["Location"] == "/proposals/finantare-multianuala/v/4/"
    assert _revision(proposal, 4).blocks == [
        base[0],
        base[1],
        text_block("k0000000a01", "Nou, al Anei."),
        text_block("k0000000c01", "Nou, al lui Mihai."),
        base[2],
    ]
    assert messages_of(response)[-1].endswith("merged with yours: new block 3.")


@pytest.mark.django_db
def test_deletion_of_an_unchanged_block_and_an_edit_elsewhere_merge(
    proposal, three_blocks, ana, mihai
):
    base = three_blocks.blocks
    _post(ana, [base[0], base[2]])
    response = _post(mihai, [base[0], base[1], text_block(K3, "Al treilea, nou.")])
    assert _revision(proposal, 4).blocks == [base[0], text_block(K3, "Al treilea, nou.")]
    assert messages_of(response)[-1].endswith("merged with yours: the removal of 1 block.")


@pytest.mark.django_db
def test_title_and_summary_merge_like_fields(proposal, three_blocks, ana, mihai):
    _post(ana, three_blocks.blocks, title="Titlul Anei")
    response = _post(mihai, three_blocks.blocks, summary="Rezumatul lui Mihai.")
    fourth = _revision(proposal, 4)
    assert (fourth.title, fourth.summary) == ("Titlul Anei", "Rezumatul lui Mihai.")
    proposal.refresh_from_db()
    assert (proposal.title, proposal.summary) == ("Titlul Anei", "Rezumatul lui Mihai.")
    assert messages_of(response)[-1].endswith("merged with yours: the title.")


@pytest.mark.django_db
def test_files_added_by_one_and_text_by_the_other_merge(proposal, three_blocks, ana, mihai):
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    data = editor_data(three_blocks.blocks, base=2, title=TITLE, summary=SUMMARY)
    data["upload"] = [SimpleUploadedFile("anexa.pdf", pdf, content_type="application/pdf")]
    assert ana.post(EDIT, data).status_code == 302
    attachment = Attachment.objects.get()
    response = _post(mihai, [text_block(K1, "Nou."), *three_blocks.blocks[1:]])
    assert response.status_code == 302
    fourth = _revision(proposal, 4)
    assert list(fourth.attachments.all()) == [attachment]
    assert fourth.blocks[0] == text_block(K1, "Nou.")


# --- Amendment rows ----------------------------------------------------------------------------


ROW = {
    "key": "k00000000a1",
    "type": "amendment",
    "article": "Art. 1",
    "action": "modify",
    "in_force": "Textul în vigoare al articolului.",
    "proposed": "Textul propus al articolului.",
    "rationale": "",
}


@pytest.fixture
def amendment(ngo, ngo_editor):
    return ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="legea-350", title="Legea 350"
    )


def _post_row(browser, **fields):
    return browser.post(
        "/proposals/legea-350/edit/",
        editor_data(
            [{**ROW, **fields}], base=1, title="Legea 350", summary="Rezumatul propunerii."
        ),
    )


@pytest.mark.django_db
def test_amendment_row_different_fields_merge(amendment, ana, mihai):
    assert _post_row(ana, proposed="Termenul este de 60 de zile.").status_code == 302
    response = _post_row(mihai, rationale="Asociațiile mici au nevoie de timp.")
    assert response["Location"] == "/proposals/legea-350/v/3/"
    assert _revision(amendment, 3).blocks == [
        {
            **ROW,
            "proposed": "Termenul este de 60 de zile.",
            "rationale": "Asociațiile mici au nevoie de timp.",
        }
    ]
    assert messages_of(response)[-1].endswith("merged with yours: block 1 (proposed text).")


@pytest.mark.django_db
def test_amendment_row_same_field_conflicts_then_theirs_kept(amendment, ana, mihai):
    _post_row(ana, proposed="Termenul este de 60 de zile.", article="Art. 1 alin. (2)")
    response = _post_row(mihai, proposed="Termenul este de 45 de zile.", rationale="Motiv.")
    assert response.status_code == 409
    html = response.content.decode()
    assert "You and version 2 both changed one part" in html
    # Only the proposed text is in conflict, word by word, side by side.
    assert "Termenul este de <del>60</del> de zile." in html
    assert "Termenul este de <ins>45</ins> de zile." in html
    assert '<input type="hidden" name="conflict-k00000000a1-fields" value="proposed">' in html
    # The form holds Ana's article with Mihai's proposed text and rationale.
    assert 'value="Art. 1 alin. (2)"' in html
    assert _numbers(amendment) == [1, 2]

    response = mihai.post(
        "/proposals/legea-350/edit/", form_data(response, **{"resolve-k00000000a1": "theirs"})
    )
    assert response["Location"] == "/proposals/legea-350/v/3/"
    third = _revision(amendment, 3)
    assert third.blocks == [
        {
            **ROW,
            "article": "Art. 1 alin. (2)",
            "proposed": "Termenul este de 60 de zile.",
            "rationale": "Motiv.",
        }
    ]
    assert (third.parent.number, third.merge_base) == (2, None)


# --- Conflicts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_same_block_conflict_shows_both_texts_and_merges_the_rest(
    proposal, three_blocks, ana, mihai
):
    _post(
        ana,
        [
            text_block(K1, "Primul, al Anei."),
            text_block(K2, "Al doilea, al Anei."),
            text_block(K3, "Al treilea."),
        ],
        title="Titlul Anei",
    )
    third = _snapshot(_revision(proposal, 3))
    response = _post(
        mihai,
        [
            text_block(K1, "Primul."),
            text_block(K2, "Al doilea, al lui Mihai."),
            text_block(K3, "Al treilea, al lui Mihai."),
        ],
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert messages_of(response) == [
        "Revision 3 was saved by Editor ONG after you started editing revision 2. Their other "
        "changes were merged into your text below, but you both changed 1 part: choose which "
        "text to keep, then save again. Nothing was saved yet."
    ]
    assert '<input type="hidden" name="base" value="3">' in html
    # Merged in the form: Ana's first block and title, Mihai's third; his second in the box.
    assert "Primul, al Anei.</textarea>" in html
    assert 'value="Titlul Anei"' in html
    assert "Al treilea, al lui Mihai.</textarea>" in html
    assert "Al doilea, al lui Mihai.</textarea>" in html
    # Both texts of the second block side by side, labelled.
    assert "Version 3, saved by Editor ONG" in html
    assert "Al doilea, al <del>Anei</del>." in html
    assert "Al doilea, al <ins>lui Mihai</ins>." in html
    assert 'name="resolve-k00000000b2" id="resolve-k00000000b2-theirs" value="theirs"' in html
    # No way to remove the block in conflict by the checkbox (the choice decides).
    assert 'name="blocks-1-delete"' not in html
    assert _numbers(proposal) == [1, 2, 3]
    assert _snapshot(_revision(proposal, 3)) == third


@pytest.mark.django_db
def test_resave_after_conflict_never_reverts_the_other_persons_changes(
    proposal, three_blocks, ana, mihai
):
    _post(
        ana,
        [
            text_block(K1, "Primul, al Anei."),
            text_block(K2, "Al doilea, al Anei."),
            text_block(K3, "Al treilea."),
        ],
        title="Titlul Anei",
    )
    stale = editor_data(
        [
            text_block(K1, "Primul."),
            text_block(K2, "Al doilea, al lui Mihai."),
            text_block(K3, "Al treilea."),
        ],
        base=2,
        title=TITLE,
        summary=SUMMARY,
    )
    conflict_page = mihai.post(EDIT, stale)
    assert conflict_page.status_code == 409

    # Saving the conflict form again without choosing saves nothing and asks again.
    response = mihai.post(EDIT, form_data(conflict_page))
    assert response.status_code == 400
    assert messages_of(response) == [
        "For each part you both changed, choose which text to keep. Nothing was saved yet."
    ]
    assert "Al doilea, al <del>Anei</del>." in response.content.decode()
    assert _numbers(proposal) == [1, 2, 3]

    # Sending the old form again (based on revision 2) is merged again, not saved over Ana's.
    assert mihai.post(EDIT, stale).status_code == 409
    assert _numbers(proposal) == [1, 2, 3]

    # Mihai keeps his text where they both wrote; Ana's other changes stay.
    response = mihai.post(EDIT, form_data(conflict_page, **{"resolve-k00000000b2": "mine"}))
    assert response["Location"] == "/proposals/finantare-multianuala/v/4/"
    fourth = _revision(proposal, 4)
    assert fourth.title == "Titlul Anei"
    assert fourth.blocks == [
        text_block(K1, "Primul, al Anei."),
        text_block(K2, "Al doilea, al lui Mihai."),
        text_block(K3, "Al treilea."),
    ]
    assert (fourth.parent.number, fourth.merge_base) == (3, None)
    assert messages_of(response)[-1] == "Revision 4 was saved."


@pytest.mark.django_db
def test_resave_after_conflict_merges_again_with_a_third_save(
    proposal, three_blocks, ana, mihai, ngo_editor
):
    _post(
        ana, [text_block(K1, "Primul."), text_block(K2, "Al Anei."), text_block(K3, "Al treilea.")]
    )
    conflict_page = _post(
        mihai,
        [text_block(K1, "Primul."), text_block(K2, "Al lui Mihai."), text_block(K3, "Al treilea.")],
    )
    # Meanwhile Ana saves once more, another block.
    save(ngo_editor, proposal, [text_block(K1, "Primul, v4."), *_revision(proposal, 3).blocks[1:]])
    response = mihai.post(EDIT, form_data(conflict_page, **{"resolve-k00000000b2": "mine"}))
    assert response["Location"] == "/proposals/finantare-multianuala/v/5/"
    assert _revision(proposal, 5).blocks == [
        text_block(K1, "Primul, v4."),
        text_block(K2, "Al lui Mihai."),
        text_block(K3, "Al treilea."),
    ]
    assert _revision(proposal, 5).merge_base == 3


@pytest.mark.django_db
def test_their_deletion_against_my_edit_is_shown_and_removal_can_be_chosen(
    proposal, three_blocks, ana, mihai
):
    base = three_blocks.blocks
    _post(ana, [base[0], base[2]])
    response = _post(mihai, [base[0], text_block(K2, "Al doilea, păstrat."), base[2]])
    assert response.status_code == 409
    html = response.content.decode()
    assert "Version 3 removed this block, which you changed." in html
    assert "Al doilea, păstrat.</textarea>" in html
    assert "Remove the block, as version 3 did" in html

    kept = mihai.post(EDIT, form_data(response, **{"resolve-k00000000b2": "mine"}))
    assert kept.status_code == 302
    assert _revision(proposal, 4).blocks == [
        base[0],
        text_block(K2, "Al doilea, păstrat."),
        base[2],
    ]


@pytest.mark.django_db
def test_their_deletion_chosen_removes_the_block(proposal, three_blocks, ana, mihai):
    base = three_blocks.blocks
    _post(ana, [base[0], base[2]])
    response = _post(
        mihai, [base[0], text_block(K2, "Al doilea, păstrat."), text_block(K3, "Nou.")]
    )
    response = mihai.post(EDIT, form_data(response, **{"resolve-k00000000b2": "theirs"}))
    assert response.status_code == 302
    assert _revision(proposal, 4).blocks == [base[0], text_block(K3, "Nou.")]


@pytest.mark.django_db
def test_my_deletion_against_their_edit_is_shown_with_their_text(
    proposal, three_blocks, ana, mihai
):
    base = three_blocks.blocks
    _post(ana, [base[0], text_block(K2, "Al doilea, al Anei."), base[2]])
    response = _post(mihai, [base[0], base[2]])
    assert response.status_code == 409
    html = response.content.decode()
    assert "You removed this block, which version 3 changed." in html
    assert "Al doilea, al Anei.</textarea>" in html
    assert "Remove the block, as you did" in html

    response = mihai.post(EDIT, form_data(response, **{"resolve-k00000000b2": "mine"}))
    assert response.status_code == 302
    assert _revision(proposal, 4).blocks == [base[0], base[2]]


@pytest.mark.django_db
def test_both_changed_the_title_conflicts(proposal, three_blocks, ana, mihai):
    _post(ana, three_blocks.blocks, title="Titlul Anei")
    response = _post(mihai, three_blocks.blocks, title="Titlul lui Mihai")
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="Titlul lui Mihai"' in html
    assert '<input type="hidden" name="conflict" value="title">' in html
    response = mihai.post(EDIT, form_data(response, **{"resolve-title": "theirs"}))
    assert response.status_code == 302
    # Nothing else changed: Ana's revision stays the current one.
    assert messages_of(response)[-1] == "Nothing changed, so no new revision was saved."
    assert _numbers(proposal) == [1, 2, 3]


@pytest.mark.django_db
def test_adding_a_block_while_resolving_keeps_the_choices(proposal, three_blocks, ana, mihai):
    _post(ana, [text_block(K1, "Al Anei."), *three_blocks.blocks[1:]])
    response = _post(mihai, [text_block(K1, "Al lui Mihai."), *three_blocks.blocks[1:]])
    data = form_data(response, **{"resolve-k00000000b1": "mine"})
    data["op"] = ["add-text"]
    response = mihai.post(EDIT, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="resolve-k00000000b1-mine" value="mine" checked' in html
    assert '<input type="hidden" name="block_count" value="4">' in html
    assert _numbers(proposal) == [1, 2, 3]


@pytest.mark.django_db
def test_forged_conflict_fields_refused(proposal, three_blocks, mihai):
    data = editor_data(three_blocks.blocks, base=2, title=TITLE, summary=SUMMARY)
    data.update({"conflict": "k00000000b1", "conflict-k00000000b1-kind": "nonsense"})
    response = mihai.post(EDIT, data)
    assert response.status_code == 400
    data.update({"conflict": "<script>", "conflict-<script>-kind": "both_changed"})
    assert mihai.post(EDIT, data).status_code == 400
    assert _numbers(proposal) == [1, 2]


# --- The domain command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_save_revision_merges_and_names_what_it_took(
    proposal, three_blocks, ngo_editor, second_editor
):
    save(ngo_editor, proposal, [text_block(K1, "A."), *three_blocks.blocks[1:]], title="Nou")
    revision = save(
        second_editor,
        proposal,
        [*three_blocks.blocks[:2], text_block(K3, "M.")],
        title=TITLE,  # as revision 2 had it (the helper would take the current one)
        base=2,
    )
    assert (revision.number, revision.merge_base, revision.parent.number) == (4, 2, 3)
    assert (revision.title, revision.blocks) == (
        "Nou",
        [text_block(K1, "A."), text_block(K2, "Al doilea."), text_block(K3, "M.")],
    )
    assert revision.merge.taken == [
        merge.Change("title", merge.CHANGED, ("title",)),
        merge.Change(K1, merge.CHANGED, ("text",)),
    ]


@pytest.mark.django_db
def test_save_revision_conflict_carries_the_merged_text(
    proposal, three_blocks, ngo_editor, second_editor
):
    save(ngo_editor, proposal, [text_block(K1, "A."), text_block(K2, "B."), three_blocks.blocks[2]])
    with pytest.raises(domain.EditConflict) as caught:
        save(
            second_editor,
            proposal,
            [three_blocks.blocks[0], text_block(K2, "M."), text_block(K3, "N.")],
            base=2,
        )
    conflict = caught.value
    assert (conflict.base.number, conflict.current.number, conflict.code) == (2, 3, "conflict")
    assert conflict.merge.blocks == [
        text_block(K1, "A."),
        text_block(K2, "M."),
        text_block(K3, "N."),
    ]
    assert conflict.merge.conflicts == [
        merge.Conflict(
            K2, merge.BOTH_CHANGED, ("text",), text_block(K2, "B."), text_block(K2, "M.")
        )
    ]
    assert conflict.attachment_ids == set()
    assert _numbers(proposal) == [1, 2, 3]
