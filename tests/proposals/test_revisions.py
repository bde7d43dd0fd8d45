"""Creating proposals and appending, restoring and counting revisions (proposals.domain)."""

import pytest
from django.utils import translation

from core.errors import DomainError
from core.models import ActivityLog
from proposals import content, domain
from proposals.models import Proposal, Revision
from tests.factories import FIRST_TEXT, ProposalFactory
from tests.helpers import save, text_block

POLICY_HEADINGS_EN = [
    "Problem definition",
    "Objectives",
    "Policy options and their impacts (economic, social, environmental, budgetary)",
    "Legal changes needed",
    "Consultation",
    "Implementation, monitoring and evaluation",
]


def _numbers(proposal):
    return list(proposal.revisions.order_by("number").values_list("number", flat=True))


@pytest.mark.django_db
def test_create_proposal_without_blocks_has_no_revision(ngo, ngo_editor, authority):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, kind="policy", blocks=None)
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.status, stored.current_revision_id, stored.created_by) == (
        "draft",
        None,
        ngo_editor,
    )
    assert not Revision.objects.exists()
    assert list(ActivityLog.objects.values_list("verb", flat=True)) == ["proposal.created"]


@pytest.mark.django_db
def test_starting_text_policy_has_six_sections_in_the_text_language(ngo, ngo_editor):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="policy", language="en", blocks=None
    )
    blocks = domain.starting_text(proposal)
    assert [block["type"] for block in blocks] == ["heading", "text"] * 6
    assert [block["text"] for block in blocks[0::2]] == POLICY_HEADINGS_EN
    assert [block["text"] for block in blocks[1::2]] == [""] * 6
    assert not Revision.objects.exists()  # the template is shown, never saved as it is


@pytest.mark.django_db
def test_starting_text_amendment_is_one_empty_amendment(ngo, ngo_editor):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, kind="amendment", blocks=None)
    [block] = domain.starting_text(proposal)
    assert content.KEY_PATTERN.match(block["key"])
    assert {k: v for k, v in block.items() if k != "key"} == {
        "type": "amendment",
        "article": "",
        "action": "modify",
        "in_force": "",
        "proposed": "",
        "rationale": "",
    }


@pytest.mark.django_db
def test_first_save_of_the_untouched_template_refused(ngo, ngo_editor):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, kind="policy", blocks=None)
    with translation.override("en"), pytest.raises(DomainError) as caught:
        domain.save_revision(
            ngo_editor,
            proposal,
            base_number=0,
            title=proposal.title,
            summary="",
            blocks=domain.starting_text(proposal),
            message="",
        )
    assert caught.value.message == (
        "Write some text before saving the first version: the sections are still empty."
    )
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_create_proposal_with_blocks_makes_revision_one(proposal, ngo_editor, authority):
    revision = proposal.current_revision
    [block] = revision.blocks
    assert block == {"key": "k00000000b1", "type": "text", "text": "Prima formă a textului."}
    assert (revision.number, revision.parent, revision.author) == (1, None, ngo_editor)
    assert (revision.title, revision.summary) == (proposal.title, "Rezumatul propunerii.")
    assert revision.message == "Prima versiune"
    assert revision.content_hash == content.content_hash(
        proposal.title, "Rezumatul propunerii.", revision.blocks
    )
    assert (revision.word_count, revision.words_added, revision.words_removed) == (4, 4, 0)
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.status, stored.current_revision_id, stored.created_by) == (
        "draft",
        revision.pk,
        ngo_editor,
    )
    assert stored.target_authority == authority


@pytest.mark.django_db
def test_first_revision_saved_after_someone_else_saved_it_conflicts(ngo, ngo_editor, second_editor):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, blocks=None)
    domain.save_revision(
        second_editor,
        proposal,
        base_number=0,
        title=proposal.title,
        summary="",
        blocks=[text_block("k00000000c1", "Textul Mariei.")],
        message="",
    )
    with translation.override("en"), pytest.raises(domain.EditConflict) as caught:
        domain.save_revision(
            ngo_editor,
            proposal,
            base_number=0,
            title=proposal.title,
            summary="",
            blocks=[text_block("k00000000c2", "Textul meu.")],
            message="",
        )
    assert caught.value.base is None
    assert caught.value.current.number == 1
    assert caught.value.message == (
        "Revision 1 was saved by Mihai Ionescu after you started writing the first version. "
        "Your text was not saved: compare and merge below."
    )
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_publish_without_any_revision_refused(ngo, ngo_editor):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, blocks=None)
    with translation.override("en"), pytest.raises(DomainError) as caught:
        domain.publish_proposal(ngo_editor, proposal)
    assert caught.value.message == "Save a first version of the text before publishing."
    assert Proposal.objects.get(pk=proposal.pk).status == "draft"


@pytest.mark.django_db
def test_create_proposal_logs_creation_and_first_revision(proposal, ngo_editor):
    rows = list(
        ActivityLog.objects.order_by("id").values_list("verb", "actor_id", "old_value", "new_value")
    )
    assert rows == [
        ("proposal.created", ngo_editor.pk, "", "draft"),
        ("revision.created", ngo_editor.pk, "", "1"),
    ]
    entry = ActivityLog.objects.get(verb="revision.created")
    assert entry.data == {"hash": proposal.current_revision.content_hash}
    assert entry.scope == proposal


@pytest.mark.django_db
def test_create_proposal_for_other_organisation_refused(ngo, outsider, authority):
    with pytest.raises(DomainError):
        domain.create_proposal(
            outsider, ngo, title="T", slug="t", summary="", kind="other", target_authority=authority
        )
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_create_proposal_ngo_as_target_refused(ngo, ngo_editor):
    with pytest.raises(DomainError):
        domain.create_proposal(
            ngo_editor, ngo, title="T", slug="t", summary="", kind="other", target_authority=ngo
        )
    assert not Proposal.objects.exists()
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_save_revision_changed_content_appends_next_number(proposal, ngo_editor, second_editor):
    first = proposal.current_revision
    key = first.blocks[0]["key"]
    second = save(ngo_editor, proposal, [text_block(key, "Unu doi trei patru.")], message="Doi")
    third = save(
        second_editor, proposal, [text_block(key, "Unu cinci trei patru șase.")], message="Trei  \n"
    )

    assert _numbers(proposal) == [1, 2, 3]
    third.refresh_from_db()
    assert (third.number, third.parent_id, third.author, third.message) == (
        3,
        second.pk,
        second_editor,
        "Trei",
    )
    assert (second.parent_id, second.author) == (first.pk, ngo_editor)
    # Revision 1 was "Prima formă a textului." (4 words), all replaced.
    assert (second.word_count, second.words_added, second.words_removed) == (4, 4, 4)
    # "doi" → "cinci" is one word removed and one added; "șase" is one more added.
    assert (third.word_count, third.words_added, third.words_removed) == (5, 2, 1)
    assert Proposal.objects.get(pk=proposal.pk).current_revision_id == third.pk
    assert list(
        ActivityLog.objects.filter(verb="revision.created")
        .order_by("id")
        .values_list("new_value", flat=True)
    ) == ["1", "2", "3"]


@pytest.mark.django_db
def test_save_revision_removed_block_counts_its_words_removed(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    save(
        ngo_editor,
        proposal,
        [text_block(key, "Rămâne aici."), text_block("k00000000aa", "Trei cuvinte pleacă")],
    )
    revision = save(ngo_editor, proposal, [text_block(key, "Rămâne aici.")])
    assert (revision.word_count, revision.words_added, revision.words_removed) == (2, 0, 3)


@pytest.mark.django_db
def test_save_revision_title_change_updates_proposal_title(proposal, ngo_editor):
    blocks = proposal.current_revision.blocks
    revision = save(ngo_editor, proposal, blocks, title="Titlu nou", summary="Rezumat nou")
    assert (revision.number, revision.title, revision.summary) == (2, "Titlu nou", "Rezumat nou")
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.title, stored.summary) == ("Titlu nou", "Rezumat nou")


@pytest.mark.django_db
def test_save_revision_unchanged_content_returns_none(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, "Același text.")])
    logged = ActivityLog.objects.count()
    # Trailing spaces and Windows line endings are not a change either.
    assert save(ngo_editor, proposal, [text_block(key, "Același text.  \r\n")]) is None
    assert _numbers(proposal) == [1, 2]
    assert ActivityLog.objects.count() == logged


@pytest.mark.django_db
def test_save_revision_stale_base_raises_conflict(proposal, ngo_editor, second_editor):
    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, "Versiunea doi.")])
    save(ngo_editor, proposal, [text_block(key, "Versiunea trei.")])
    with pytest.raises(domain.EditConflict) as caught:
        save(second_editor, proposal, [text_block(key, "Altceva.")], base=2)
    assert (caught.value.base.number, caught.value.current.number) == (2, 3)
    assert caught.value.code == "conflict"
    assert _numbers(proposal) == [1, 2, 3]


@pytest.mark.django_db
def test_save_revision_empty_title_refused(proposal, ngo_editor):
    with pytest.raises(DomainError):
        save(ngo_editor, proposal, [text_block("k0000000001", "x")], title="  \n ")
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_save_revision_duplicate_block_key_refused(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    with pytest.raises(DomainError):
        save(ngo_editor, proposal, [text_block(key, "a"), text_block(key, "b")])
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_save_revision_malformed_key_refused(proposal, ngo_editor):
    with pytest.raises(DomainError):
        save(ngo_editor, proposal, [text_block("K-not-a-key", "a")])
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_save_revision_block_without_key_gets_new_key(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    revision = save(ngo_editor, proposal, [text_block(key, "a"), text_block("", "b")])
    new_key = revision.blocks[1]["key"]
    assert content.KEY_PATTERN.match(new_key)
    assert new_key != key


@pytest.mark.django_db
def test_save_revision_keeps_block_keys_across_edits_and_reordering(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    second = save(
        ngo_editor,
        proposal,
        [text_block(key, "Primul"), text_block("", "Al doilea"), text_block("", "Al treilea")],
    )
    keys = [block["key"] for block in second.blocks]
    assert keys[0] == key
    assert len(set(keys)) == 3

    reordered = [dict(second.blocks[2]), dict(second.blocks[0], text="Primul, schimbat")]
    third = save(ngo_editor, proposal, reordered)
    assert [block["key"] for block in third.blocks] == [keys[2], keys[0]]
    assert [block["text"] for block in third.blocks] == ["Al treilea", "Primul, schimbat"]
    assert third.block(keys[0])["text"] == "Primul, schimbat"
    assert third.block(keys[1]) is None


@pytest.mark.django_db
def test_save_revision_withdrawn_proposal_refused(proposal, ngo_editor):
    domain.publish_proposal(ngo_editor, proposal)
    domain.withdraw_proposal(ngo_editor, proposal, "Nu mai este necesară.")
    with pytest.raises(DomainError):
        save(ngo_editor, proposal, [text_block("k0000000001", "x")])
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_a_change_message_over_the_limit_is_refused_not_cut(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    with translation.override("en"), pytest.raises(DomainError) as caught:
        save(ngo_editor, proposal, [text_block(key, "Text nou.")], message="m" * 501)
    assert caught.value.message == "The change message is 501 characters long; the limit is 500."
    assert _numbers(proposal) == [1]
    saved = save(ngo_editor, proposal, [text_block(key, "Text nou.")], message="m" * 500)
    assert (saved.number, saved.message) == (2, "m" * 500)


@pytest.mark.django_db
def test_restore_revision_appends_copy_of_old_revision(proposal, ngo_editor, second_editor):
    first = proposal.current_revision
    key = first.blocks[0]["key"]
    save(
        ngo_editor,
        proposal,
        [text_block(key, "Doi."), text_block("", "Bloc nou.")],
        title="Titlu doi",
    )
    with translation.override("en"):
        restored = domain.restore_revision(second_editor, proposal, 1)
    restored.refresh_from_db()
    assert restored.number == 3
    assert (restored.title, restored.summary, restored.blocks) == (
        first.title,
        first.summary,
        first.blocks,
    )
    assert restored.content_hash == first.content_hash
    assert (restored.restored_from, restored.message, restored.author) == (
        1,
        "Versiunea 1 a fost restaurată",  # written in the language of the text (ro)
        second_editor,
    )
    assert restored.parent.number == 2
    assert (restored.words_added, restored.words_removed) == (4, 3)
    assert Proposal.objects.get(pk=proposal.pk).title == first.title
    assert _numbers(proposal) == [1, 2, 3]


@pytest.mark.django_db
def test_restore_revision_identical_to_current_refused(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, "Doi.")])
    save(ngo_editor, proposal, [text_block(key, FIRST_TEXT)])  # back to the text of revision 1
    with translation.override("en"), pytest.raises(DomainError) as caught:
        domain.restore_revision(ngo_editor, proposal, 1)
    assert caught.value.message == (
        "Revision 1 has the same text and files as the current one; nothing to restore."
    )
    assert _numbers(proposal) == [1, 2, 3]


@pytest.mark.django_db
def test_restore_revision_unknown_number_refused(proposal, ngo_editor):
    with pytest.raises(DomainError):
        domain.restore_revision(ngo_editor, proposal, 7)
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_create_proposal_slug_taken_refused(proposal, ngo, ngo_editor, authority):
    with pytest.raises(DomainError):
        domain.create_proposal(
            ngo_editor,
            ngo,
            title="Alt titlu",
            slug=proposal.slug,
            summary="",
            kind="other",
            target_authority=authority,
        )
    assert Proposal.objects.count() == 1


@pytest.mark.django_db
def test_save_revision_unknown_block_type_refused(proposal, ngo_editor):
    with pytest.raises(DomainError):
        save(ngo_editor, proposal, [{"key": "k0000000001", "type": "image", "text": "x"}])
    assert _numbers(proposal) == [1]


@pytest.mark.django_db
def test_save_revision_text_longer_than_revision_limit_refused(proposal, ngo_editor, settings):
    settings.MAX_BLOCK_CHARACTERS = 100
    settings.MAX_REVISION_CHARACTERS = 250
    blocks = [text_block(f"k00000000{index:02x}", "x" * 100) for index in range(3)]
    with translation.override("en"), pytest.raises(DomainError) as caught:
        save(ngo_editor, proposal, blocks)
    assert caught.value.message == "The text is longer than 250 characters in all."
    assert _numbers(proposal) == [1]
    assert save(ngo_editor, proposal, blocks[:2]).number == 2
