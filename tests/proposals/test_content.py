"""The canonical form of a revision's content and its SHA-256 hash."""

import hashlib
import unicodedata

import pytest

from proposals import content
from proposals.models import Revision
from tests.factories import ProposalFactory
from tests.helpers import save, text_block

COMPOSED = "Consultare publică în județ: școală"  # "ș" as one code point (U+0219)
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)  # "s" + combining comma below


def test_content_hash_equals_sha256_of_documented_canonical_json():
    blocks = [
        {"key": "k0011223344", "type": "heading", "text": "Obiective  \r\n"},
        {"key": "k5566778899", "type": "text", "text": "Rândul 1   \r\nRândul 2\r\n\r\n"},
        {
            "key": "kaabbccddee",
            "type": "amendment",
            "article": "Art. 5 alin. (2)",
            "action": "modify",
            "in_force": "30 de zile",
            "proposed": "60 de zile",
            # "rationale" missing: the canonical form still holds it, as an empty string.
        },
    ]
    # Written by hand from the module docstring: sorted keys, "," and ":" separators, non-ASCII
    # characters as themselves, trailing spaces and blank lines removed, \r\n turned into \n.
    expected = (
        '{"blocks":['
        '{"key":"k0011223344","text":"Obiective","type":"heading"},'
        '{"key":"k5566778899","text":"Rândul 1\\nRândul 2","type":"text"},'
        '{"action":"modify","article":"Art. 5 alin. (2)","in_force":"30 de zile",'
        '"key":"kaabbccddee","proposed":"60 de zile","rationale":"","type":"amendment"}'
        '],"summary":"Pe scurt","title":"Legea 350"}'
    ).encode()

    assert (
        content.canonical_bytes(content.canonical_content("Legea 350 ", "Pe scurt\r\n", blocks))
        == expected
    )
    assert (
        content.content_hash("Legea 350 ", "Pe scurt\r\n", blocks)
        == hashlib.sha256(expected).hexdigest()
    )


def test_content_hash_is_lowercase_hex_of_64_characters():
    value = content.content_hash("T", "", [])
    assert value == hashlib.sha256(b'{"blocks":[],"summary":"","title":"T"}').hexdigest()
    assert len(value) == 64
    assert value == value.lower()


def test_content_hash_composed_and_decomposed_letters_give_same_hash():
    assert COMPOSED != DECOMPOSED
    block = [text_block("k0123456789", COMPOSED)]
    same = [text_block("k0123456789", DECOMPOSED)]
    assert content.content_hash(COMPOSED, "", block) == content.content_hash(DECOMPOSED, "", same)


def test_content_hash_changed_word_gives_different_hash():
    before = [text_block("k0123456789", "Finanțarea se acordă anual.")]
    after = [text_block("k0123456789", "Finanțarea se acordă lunar.")]
    assert content.content_hash("T", "", before) != content.content_hash("T", "", after)


def test_content_hash_line_ending_and_trailing_space_do_not_change_hash():
    unix = [text_block("k0123456789", "a\nb")]
    windows = [text_block("k0123456789", "a  \r\nb\r\n\r\n")]
    old_mac = [text_block("k0123456789", "a\rb")]
    hashes = {content.content_hash("T", "", b) for b in (unix, windows, old_mac)}
    assert len(hashes) == 1


def test_content_hash_block_order_matters():
    a, b = text_block("k0000000001", "unu"), text_block("k0000000002", "doi")
    assert content.content_hash("T", "", [a, b]) != content.content_hash("T", "", [b, a])


@pytest.mark.django_db
def test_revision_hash_same_content_in_another_proposal_gives_same_hash(ngo, ngo_editor):
    first = ProposalFactory(editor=ngo_editor, organization=ngo, title="Aceeași")
    second = ProposalFactory(editor=ngo_editor, organization=ngo, title="Aceeași")
    blocks = [text_block("k0123456789", "Textul comun al propunerii.")]
    one = save(ngo_editor, first, blocks, summary="")
    two = save(ngo_editor, second, blocks, summary="")
    assert one.content_hash == two.content_hash
    assert one.content_hash == content.content_hash("Aceeași", "", blocks)


@pytest.mark.django_db
def test_revision_hash_decomposed_input_is_stored_composed(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    revision = save(ngo_editor, proposal, [text_block(key, DECOMPOSED)])
    revision.refresh_from_db()
    assert revision.blocks[0]["text"] == COMPOSED
    assert revision.content_hash == content.content_hash(
        revision.title, revision.summary, [text_block(key, COMPOSED)]
    )


@pytest.mark.django_db
def test_revision_compute_hash_matches_stored_hash_for_every_revision(ngo, ngo_editor):
    policy = ProposalFactory(editor=ngo_editor, organization=ngo, kind="policy")
    amendment = ProposalFactory(editor=ngo_editor, organization=ngo, kind="amendment")
    blocks = list(policy.current_revision.blocks)
    blocks[1] = dict(blocks[1], text="Problema: finanțarea **anuală** întârzie proiectele.")
    save(ngo_editor, policy, blocks, message="Problema")
    save(ngo_editor, policy, blocks[2:], title="Politică scurtată")
    first = amendment.current_revision.blocks[0]
    save(ngo_editor, amendment, [dict(first, article="Art. 5", proposed="60 de zile")])

    revisions = list(Revision.objects.order_by("proposal_id", "number"))
    assert len(revisions) == 5
    for revision in revisions:
        revision.refresh_from_db()
        assert revision.compute_hash() == revision.content_hash
        assert len(revision.content_hash) == 64
