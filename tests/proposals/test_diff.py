"""Comparing revisions: blocks matched by key, words inside blocks, the comparative table."""

import pytest
from django.utils import translation

from proposals.diff import (
    DELETE,
    EQUAL,
    INSERT,
    comparative_table,
    compute_diff,
    render_inline,
    revision_diff,
    word_diff,
)
from proposals.models import Revision
from tests.factories import ProposalFactory
from tests.helpers import save, text_block


def _revision(number, blocks, title="Titlu", summary=""):
    """An unsaved revision: compute_diff reads only its fields."""
    return Revision(number=number, title=title, summary=summary, blocks=blocks)


def _summary(diff):
    return (
        len(diff.changed_blocks),
        len(diff.added_blocks),
        len(diff.removed_blocks),
        len(diff.moved_blocks),
        diff.words_added,
        diff.words_removed,
    )


def _layout(diff):
    return [(block.key, block.status, block.moved) for block in diff.blocks]


A = text_block("k000000000a", "Alfa unu.")
B = text_block("k000000000b", "Beta doi trei.")
C = text_block("k000000000c", "Gama patru.")
D = text_block("k000000000d", "Delta cinci șase șapte.")


# --- word_diff ---------------------------------------------------------------------------------


def test_word_diff_replaced_word():
    assert word_diff("a b c", "a x c") == [
        (EQUAL, "a "),
        (DELETE, "b"),
        (INSERT, "x"),
        (EQUAL, " c"),
    ]


def test_word_diff_identical_texts_single_equal_piece():
    assert word_diff("Același text.", "Același text.") == [(EQUAL, "Același text.")]
    assert word_diff("", "") == []


def test_word_diff_from_and_to_empty():
    assert word_diff("", "Text nou") == [(INSERT, "Text nou")]
    assert word_diff("Text vechi", "") == [(DELETE, "Text vechi")]


def test_word_diff_diacritics_are_part_of_words():
    assert word_diff("acordă anual", "acordă multianual") == [
        (EQUAL, "acordă "),
        (DELETE, "anual"),
        (INSERT, "multianual"),
    ]


def test_word_diff_punctuation_is_its_own_token():
    assert word_diff("zile.", "zile;") == [(EQUAL, "zile"), (DELETE, "."), (INSERT, ";")]


def test_word_diff_pieces_rebuild_both_texts():
    old, new = (
        "Art. 5 alin. (2): 30 de zile\nlucrătoare",
        "Art. 5 alin. (3): 60 de zile calendaristice",
    )
    ops = word_diff(old, new)
    assert "".join(text for op, text in ops if op != INSERT) == old
    assert "".join(text for op, text in ops if op != DELETE) == new


def test_render_inline_escapes_every_piece():
    html = render_inline([(EQUAL, "<b>"), (DELETE, "<script>"), (INSERT, "a & b")])
    assert html == "&lt;b&gt;<del>&lt;script&gt;</del><ins>a &amp; b</ins>"


# --- compute_diff ------------------------------------------------------------------------------


def test_compute_diff_changed_block_word_ops_and_counts():
    old = _revision(1, [A, B])
    new = _revision(2, [A, dict(B, text="Beta zece trei unsprezece.")])
    diff = compute_diff(old, new)
    assert _layout(diff) == [("k000000000a", "unchanged", False), ("k000000000b", "changed", False)]
    [field] = diff.blocks[1].fields
    assert field.name == "text"
    assert field.ops == [
        (EQUAL, "Beta "),
        (DELETE, "doi"),
        (INSERT, "zece"),
        (EQUAL, " trei"),
        (INSERT, " unsprezece"),
        (EQUAL, "."),
    ]
    assert (diff.blocks[1].words_added, diff.blocks[1].words_removed) == (2, 1)
    assert _summary(diff) == (1, 0, 0, 0, 2, 1)
    assert diff.has_changes


def test_compute_diff_added_block():
    diff = compute_diff(_revision(1, [A, B]), _revision(2, [A, C, B]))
    assert _layout(diff) == [
        ("k000000000a", "unchanged", False),
        ("k000000000c", "added", False),
        ("k000000000b", "unchanged", False),
    ]
    added = diff.blocks[1]
    assert (added.old_position, added.new_position) == (None, 1)
    assert added.fields[0].ops == [(INSERT, "Gama patru.")]
    assert _summary(diff) == (0, 1, 0, 0, 2, 0)


def test_compute_diff_removed_block_follows_its_old_predecessor():
    diff = compute_diff(_revision(1, [A, B, C, D]), _revision(2, [A, C, D]))
    assert _layout(diff) == [
        ("k000000000a", "unchanged", False),
        ("k000000000b", "removed", False),
        ("k000000000c", "unchanged", False),
        ("k000000000d", "unchanged", False),
    ]
    removed = diff.blocks[1]
    assert (removed.old_position, removed.new_position) == (1, None)
    assert removed.fields[0].ops == [(DELETE, "Beta doi trei.")]
    assert _summary(diff) == (0, 0, 1, 0, 0, 3)


def test_compute_diff_removed_first_block_comes_first():
    diff = compute_diff(_revision(1, [A, B]), _revision(2, [C, B]))
    assert _layout(diff) == [
        ("k000000000a", "removed", False),
        ("k000000000c", "added", False),
        ("k000000000b", "unchanged", False),
    ]


def test_compute_diff_removed_after_moved_predecessor_follows_it():
    # B was after A; A moves to the end; B's removal is shown right after A.
    diff = compute_diff(_revision(1, [A, B, C, D]), _revision(2, [C, D, A]))
    assert _layout(diff) == [
        ("k000000000c", "unchanged", False),
        ("k000000000d", "unchanged", False),
        ("k000000000a", "unchanged", True),
        ("k000000000b", "removed", False),
    ]


def test_compute_diff_moved_block_flagged_with_positions():
    diff = compute_diff(_revision(1, [A, B, C, D]), _revision(2, [A, C, D, B]))
    assert _layout(diff) == [
        ("k000000000a", "unchanged", False),
        ("k000000000c", "unchanged", False),
        ("k000000000d", "unchanged", False),
        ("k000000000b", "unchanged", True),
    ]
    moved = diff.blocks[3]
    assert (moved.old_position, moved.new_position) == (1, 3)
    assert _summary(diff) == (0, 0, 0, 1, 0, 0)
    assert diff.has_changes


def test_compute_diff_moved_and_changed_block():
    diff = compute_diff(_revision(1, [A, B]), _revision(2, [dict(B, text="Beta doi."), A]))
    assert [(b.key, b.status) for b in diff.blocks] == [
        ("k000000000b", "changed"),
        ("k000000000a", "unchanged"),
    ]
    assert len(diff.moved_blocks) == 1
    assert _summary(diff)[:3] == (1, 0, 0)
    assert (diff.words_added, diff.words_removed) == (0, 1)


def test_compute_diff_mixed_summary_counts():
    old = _revision(1, [A, B, C])
    new = _revision(2, [C, dict(A, text="Alfa unu doi."), D], title="Titlu nou")
    diff = compute_diff(old, new)
    # A and C swapped places: one of them (here C, the first in the longest common order of the
    # old text) is marked as moved, not both.
    assert _layout(diff) == [
        ("k000000000c", "unchanged", True),
        ("k000000000a", "changed", False),
        ("k000000000b", "removed", False),
        ("k000000000d", "added", False),
    ]
    # A: +1 ("doi"); B: −3; D: +4.
    assert _summary(diff) == (1, 1, 1, 1, 5, 3)
    assert [(change.name, change.changed) for change in diff.header] == [
        ("title", True),
        ("summary", False),
    ]
    assert diff.header[0].ops == [(EQUAL, "Titlu"), (INSERT, " nou")]


def test_compute_diff_identical_revisions_have_no_changes():
    diff = compute_diff(_revision(1, [A, B]), _revision(2, [A, B]))
    assert not diff.has_changes
    assert _summary(diff) == (0, 0, 0, 0, 0, 0)
    assert [block.status for block in diff.blocks] == ["unchanged", "unchanged"]


def test_compute_diff_title_only_change_has_changes():
    diff = compute_diff(_revision(1, [A]), _revision(2, [A], title="Alt titlu"))
    assert diff.has_changes
    assert _summary(diff) == (0, 0, 0, 0, 0, 0)


def test_compute_diff_amendment_fields():
    old_block = {
        "key": "k00000000a1",
        "type": "amendment",
        "article": "Art. 5",
        "action": "modify",
        "in_force": "30 de zile",
        "proposed": "45 de zile",
        "rationale": "",
    }
    new_block = dict(old_block, proposed="60 de zile", rationale="Mai mult timp.")
    with translation.override("en"):
        diff = compute_diff(_revision(1, [old_block]), _revision(2, [new_block]))
    [block] = diff.blocks
    assert block.status == "changed"
    fields = {field.name: field.ops for field in block.fields}
    assert list(fields) == ["article", "action", "in_force", "proposed", "rationale"]
    assert fields["action"] == [(EQUAL, "Modify")]
    assert fields["proposed"] == [(DELETE, "45"), (INSERT, "60"), (EQUAL, " de zile")]
    assert fields["rationale"] == [(INSERT, "Mai mult timp.")]
    assert (block.words_added, block.words_removed) == (4, 1)


@pytest.mark.django_db
def test_revision_diff_equals_compute_diff(proposal, ngo_editor):
    key = proposal.current_revision.blocks[0]["key"]
    second = save(ngo_editor, proposal, [text_block(key, "Unu doi."), C])
    third = save(ngo_editor, proposal, [C, text_block(key, "Unu trei.")])
    assert revision_diff(second, third) == compute_diff(second, third)
    # The second call is answered from the cache, with the same result.
    assert revision_diff(second, third) == compute_diff(second, third)
    assert revision_diff(third, second) == compute_diff(third, second)
    assert revision_diff(third, second).old_number == 3


# --- comparative table -------------------------------------------------------------------------


def _amendment(key, article, action, in_force, proposed, rationale=""):
    return {
        "key": key,
        "type": "amendment",
        "article": article,
        "action": action,
        "in_force": in_force,
        "proposed": proposed,
        "rationale": rationale,
    }


def test_comparative_table_rows_for_modify_insert_repeal():
    revision = _revision(
        3,
        [
            text_block("k00000000t1", "Introducere: nu apare în tabel."),
            _amendment(
                "k00000000a1", "Art. 5 alin. (2)", "modify", "30 de zile", "60 de zile", "R1"
            ),
            _amendment("k00000000a2", "Art. 5^1", "insert", "", "Contracte multianuale."),
            _amendment("k00000000a3", "Art. 9", "repeal", "Cofinanțare 10%.", ""),
        ],
    )
    rows = comparative_table(revision)
    assert [(r.number, r.key, r.article, r.action) for r in rows] == [
        (1, "k00000000a1", "Art. 5 alin. (2)", "modify"),
        (2, "k00000000a2", "Art. 5^1", "insert"),
        (3, "k00000000a3", "Art. 9", "repeal"),
    ]
    modify, insert, repeal = rows
    assert modify.ops == [(DELETE, "30"), (INSERT, "60"), (EQUAL, " de zile")]
    assert modify.in_force_html == "<del>30</del> de zile"
    assert modify.proposed_html == "<ins>60</ins> de zile"
    assert modify.rationale == "R1"
    assert insert.ops == [(INSERT, "Contracte multianuale.")]
    assert (insert.in_force_html, insert.proposed_html) == ("", "<ins>Contracte multianuale.</ins>")
    assert repeal.ops == [(DELETE, "Cofinanțare 10%.")]
    assert (repeal.in_force_html, repeal.proposed_html) == ("<del>Cofinanțare 10%.</del>", "")
    with translation.override("en"):
        assert [str(row.action_label) for row in rows] == ["Modify", "Insert", "Repeal"]


def test_comparative_table_escapes_text():
    revision = _revision(1, [_amendment("k00000000a1", "Art. 1", "modify", "<b>x</b>", "<i>y</i>")])
    [row] = comparative_table(revision)
    assert row.in_force_html == "&lt;<del>b</del>&gt;<del>x</del>&lt;/<del>b</del>&gt;"
    assert row.proposed_html == "&lt;<ins>i</ins>&gt;<ins>y</ins>&lt;/<ins>i</ins>&gt;"


def test_comparative_table_without_amendments_is_empty():
    assert comparative_table(_revision(1, [A, B])) == []


# --- pages -------------------------------------------------------------------------------------


@pytest.fixture
def published(proposal, ngo_editor):
    from proposals import domain

    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, "Finanțarea se acordă anual.")])
    save(
        ngo_editor,
        proposal,
        [
            text_block(key, "Finanțarea se acordă multianual."),
            text_block("k00000000ee", "<script>alert(1)</script> & <b>bold</b>"),
        ],
    )
    domain.publish_proposal(ngo_editor, proposal)
    return proposal


@pytest.mark.django_db
def test_compare_page_inline_shows_word_changes(en_client, published):
    response = en_client.get("/proposals/finantare-multianuala/compare/2/3/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Finanțarea se acordă <del>anual</del><ins>multianual</ins>." in html
    assert "Blocks changed: 1, added: 1, removed: 0, moved: 0." in html
    # "multianual" and the seven words of the new block; "anual".
    assert "Words added: 8, removed: 1." in html


@pytest.mark.django_db
def test_compare_page_side_by_side_shows_both_versions(en_client, published):
    response = en_client.get("/proposals/finantare-multianuala/compare/2/3/?view=side")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<div role="group" aria-label="Version 2">Finanțarea se acordă <del>anual</del>.</div>'
        in html
    )
    assert (
        '<div role="group" aria-label="Version 3">Finanțarea se acordă <ins>multianual</ins>.</div>'
        in html
    )


@pytest.mark.django_db
def test_compare_page_escapes_markup_in_text(en_client, published):
    for view in ("inline", "side"):
        response = en_client.get(f"/proposals/finantare-multianuala/compare/2/3/?view={view}")
        html = response.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert" not in html
        assert "<b>bold" not in html


@pytest.mark.django_db
def test_compare_page_same_revision_twice_says_no_change(en_client, published):
    response = en_client.get("/proposals/finantare-multianuala/compare/3/3/")
    assert response.status_code == 200
    assert "The two versions have the same text." in response.content.decode()


@pytest.mark.django_db
def test_compare_choose_redirects_in_ascending_order(en_client, published):
    response = en_client.get("/proposals/finantare-multianuala/compare/?a=3&b=1")
    assert response.status_code == 302
    assert response["Location"] == "/proposals/finantare-multianuala/compare/1/3/"


@pytest.mark.django_db
def test_compare_choose_missing_choice_redirects_to_history(en_client, published):
    response = en_client.get("/proposals/finantare-multianuala/compare/?a=x")
    assert response.status_code == 302
    assert response["Location"] == "/proposals/finantare-multianuala/history/"


@pytest.mark.django_db
def test_amendment_table_page_shows_redlined_rows(en_client, ngo, ngo_editor):
    from proposals import domain

    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="legea-350"
    )
    key = proposal.current_revision.blocks[0]["key"]
    save(
        ngo_editor,
        proposal,
        [
            _amendment(key, "Art. 5 alin. (2)", "modify", "30 de zile", "60 de zile", "**De ce**"),
            _amendment("k00000000a3", "Art. 9", "repeal", "<em>Cofinanțare</em>", ""),
        ],
    )
    domain.publish_proposal(ngo_editor, proposal)
    response = en_client.get("/proposals/legea-350/v/2/table/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<td data-label="Text in force"><del>30</del> de zile</td>' in html
    assert '<td data-label="Proposed text"><ins>60</ins> de zile</td>' in html
    assert "<strong>De ce</strong>" in html
    assert '<td data-label="Text in force"><del>&lt;em&gt;Cofinanțare&lt;/em&gt;</del></td>' in html
    assert "<small>Repeal</small>" in html
    assert en_client.get("/proposals/legea-350/v/1/table/").status_code == 200
