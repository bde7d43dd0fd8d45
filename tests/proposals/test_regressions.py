"""Behaviour fixed after the first review: each test failed before its fix."""

import pytest

from proposals.diff import DELETE, EQUAL, INSERT, word_diff
from tests.factories import ProposalFactory, UserFactory
from tests.helpers import editor_data, en_client_for, save


def _rebuild(ops, side):
    keep = {EQUAL, DELETE} if side == "old" else {EQUAL, INSERT}
    return "".join(text for op, text in ops if op in keep)


def test_word_diff_of_long_texts_rebuilds_both_sides():
    words = [f"cuvânt{i % 97}x{i}" for i in range(20000)]
    old = " ".join(words)
    changed = list(words)
    for index in range(0, 20000, 500):
        changed[index] = "SCHIMBAT"
    new = " ".join(changed)
    ops = word_diff(old, new)
    assert _rebuild(ops, "old") == old
    assert _rebuild(ops, "new") == new
    assert [text.strip() for op, text in ops if op == INSERT] == ["SCHIMBAT"] * 40


def test_word_diff_keeps_unchanged_ends_as_one_piece():
    ops = word_diff("Art. 5 se modifică astfel.", "Art. 5 se abrogă astfel.")
    assert ops == [
        (EQUAL, "Art. 5 se "),
        (DELETE, "modifică"),
        (INSERT, "abrogă"),
        (EQUAL, " astfel."),
    ]


def test_superuser_outside_the_organisation_cannot_open_a_draft(client, proposal):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/proposals/finantare-multianuala/").status_code == 404
    assert client.get("/proposals/finantare-multianuala/edit/").status_code == 404


def test_publish_page_of_a_public_proposal_sends_back_with_a_note(ngo_editor, proposal):
    from proposals import domain

    domain.publish_proposal(ngo_editor, proposal)
    browser = en_client_for(ngo_editor)
    response = browser.get("/proposals/finantare-multianuala/publish/", follow=True)
    assert response.redirect_chain == [("/proposals/finantare-multianuala/", 302)]
    assert "This proposal is already public." in response.content.decode()


@pytest.mark.django_db
def test_editor_saves_150_amendments_in_one_form(ngo, ngo_editor):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="multe-amendamente"
    )
    blocks = [
        {
            "key": f"k{index:08x}",
            "type": "amendment",
            "article": f"Art. {index}",
            "action": "modify",
            "in_force": "Vechi.",
            "proposed": "Nou.",
            "rationale": "De ce.",
        }
        for index in range(1, 151)
    ]
    browser = en_client_for(ngo_editor)
    response = browser.post(
        "/proposals/multe-amendamente/edit/", editor_data(blocks, base=1, title="Multe amendamente")
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.current_revision.number == 2
    assert len(proposal.current_revision.blocks) == 150


def test_compare_page_labels_follow_the_readers_language(client, ngo_editor, ngo):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="legea-350-lang"
    )
    block = {
        "key": "k000000001",
        "type": "amendment",
        "article": "Art. 1",
        "action": "repeal",
        "in_force": "Text.",
        "proposed": "",
        "rationale": "",
    }
    save(ngo_editor, proposal, [block])
    save(ngo_editor, proposal, [dict(block, action="modify", proposed="Alt text.")])
    client.force_login(ngo_editor)
    client.cookies["consult_language"] = "en"
    english = client.get("/proposals/legea-350-lang/compare/2/3/").content.decode()
    client.cookies["consult_language"] = "ro"
    romanian = client.get("/proposals/legea-350-lang/compare/2/3/").content.decode()
    assert "<del>Repeal</del>" in english
    assert "<del>Abrogare</del>" in romanian
