"""Comparisons a lawyer trusts: words that differ only in spelling are not changes.

ş/ș and ţ/ț (either case), another Unicode normalisation form of the same letters, and the
typographic variants of quotes and dashes are matched as the same word; they are counted apart
and shown only on request. Stored text keeps its exact characters (and hash).
"""

import io
import unicodedata

import pytest

from proposals import content, domain, exports
from proposals.diff import (
    DELETE,
    EQUAL,
    INSERT,
    SPELLING_NEW,
    SPELLING_OLD,
    comparative_table,
    compute_diff,
    render_inline,
    render_new,
    render_old,
    side_pieces,
    word_diff,
)
from proposals.models import Revision
from tests.factories import ProposalFactory
from tests.helpers import save, text_block

CEDILLA = "Finanţările se acordă în România, conform legii."
COMMA = "Finanțările se acordă în România, conform legii."


def _revision(number, blocks, title="Titlu", summary=""):
    return Revision(number=number, title=title, summary=summary, blocks=blocks)


def test_cedilla_and_comma_below_are_the_same_word():
    assert word_diff(CEDILLA, COMMA) == [
        (SPELLING_OLD, "Finanţările"),
        (SPELLING_NEW, "Finanțările"),
        (EQUAL, " se acordă în România, conform legii."),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("ŞCOALĂ", "ȘCOALĂ"),
        ("ţară", "țară"),
        ("ŢARĂ", "ȚARĂ"),
        (unicodedata.normalize("NFD", "știință"), "știință"),
        ("„legea”", '"legea"'),
        ("«legea»", '"legea"'),
        ("‘art’", "'art'"),
        ("2005–2026", "2005-2026"),
        ("text — alt", "text - alt"),
    ],
)
def test_spelling_variants_are_not_changes(old, new):
    ops = word_diff(old, new)
    assert not any(op in (INSERT, DELETE) for op, _text in ops)
    # Both texts are rebuilt exactly from their sides.
    assert "".join(t for op, t in ops if op in (EQUAL, SPELLING_OLD)) == old
    assert "".join(t for op, t in ops if op in (EQUAL, SPELLING_NEW)) == new


def test_a_real_change_next_to_a_spelling_change_is_still_marked():
    ops = word_diff(
        "în termen de 30 de zile, conform legii", "în termen de 45 de zile, conform legii"
    )
    assert (DELETE, "30") in ops and (INSERT, "45") in ops
    ops = word_diff("Autoritatea finanţatoare publică 30", "Autoritatea finanțatoare publică 45")
    assert ops == [
        (EQUAL, "Autoritatea "),
        (SPELLING_OLD, "finanţatoare"),
        (SPELLING_NEW, "finanțatoare"),
        (EQUAL, " publică "),
        (DELETE, "30"),
        (INSERT, "45"),
    ]


def test_spelling_changes_are_unmarked_unless_asked_for():
    ops = word_diff("ţară şi stat", "țară și stat")
    assert render_inline(ops) == "țară și stat"
    assert render_old(ops) == "ţară şi stat"
    assert render_new(ops) == "țară și stat"
    assert render_inline(ops, show_spelling=True) == (
        '<del class="spelling">ţară</del><ins class="spelling">țară</ins> '
        '<del class="spelling">şi</del><ins class="spelling">și</ins> stat'
    )
    assert side_pieces(ops, "old") == [("ţară şi stat", None)]
    assert side_pieces(ops, "new", show_spelling=True) == [
        ("țară", "spelling"),
        (" ", None),
        ("și", "spelling"),
        (" stat", None),
    ]


def test_revision_diff_counts_spelling_changes_apart():
    old = _revision(1, [text_block("k000000000a", CEDILLA)], title="Legea finanţărilor")
    new = _revision(2, [text_block("k000000000a", COMMA)], title="Legea finanțărilor")
    diff = compute_diff(old, new)
    assert not diff.has_changes
    assert [block.status for block in diff.blocks] == ["unchanged"]
    assert (diff.words_added, diff.words_removed, diff.spelling_changes) == (0, 0, 2)


def test_stored_text_keeps_its_spelling_and_hash(proposal, ngo_editor):
    revision = save(ngo_editor, proposal, [text_block("k00000000b1", CEDILLA)])
    assert revision.blocks[0]["text"] == CEDILLA
    assert revision.content_hash == content.content_hash(
        revision.title, revision.summary, [text_block("k00000000b1", CEDILLA)]
    )
    after = save(ngo_editor, proposal, [text_block("k00000000b1", COMMA)])
    assert after is not None and after.content_hash != revision.content_hash
    # The history counts no word as added or removed for a spelling fix.
    assert (after.words_added, after.words_removed) == (0, 0)


@pytest.mark.django_db
def test_compare_page_hides_spelling_changes_and_shows_them_on_request(
    en_client, published, ngo_editor
):
    save(ngo_editor, published, [text_block("k00000000b1", CEDILLA)])
    save(ngo_editor, published, [text_block("k00000000b1", COMMA)])
    url = f"/proposals/{published.slug}/compare/3/4/"
    html = en_client.get(url).content.decode()
    assert "The two versions have the same words; they differ only in spelling." in html
    assert (
        "1 word differs only in spelling (ş/ș, ţ/ț, the form of a letter, quotes or dashes) "
        "and is not marked as a change."
    ) in html
    assert "<del>Finanţările</del>" not in html and "<ins>Finanțările</ins>" not in html
    assert 'href="?spelling=1"' in html
    shown = en_client.get(url + "?spelling=1").content.decode()
    assert '<del class="spelling">Finanţările</del><ins class="spelling">Finanțările</ins>' in shown
    assert 'href="?"' in shown or 'href="?">' in shown


@pytest.fixture
def amendment(ngo, ngo_editor):
    rows = [
        ("k0000000001", "Art. 16^1", "insert", "", "Plata se face în tranșe."),
        (
            "k0000000002",
            "Art. 13",
            "modify",
            "Anunţul se publică în 30 de zile.",
            "Anunțul se publică în 45 de zile.",
        ),
        (
            "k0000000003",
            "Art. 4",
            "modify",
            "Principiile: „libera concurenţă”.",
            'Principiile: "libera concurență".',
        ),
        ("k0000000004", "Art. 16", "repeal", "Contractul se încheie.", ""),
        ("k0000000005", "Anexa nr. 2", "modify", "Tabel.", "Tabel nou."),
    ]
    blocks = [
        {
            "key": key,
            "type": "amendment",
            "article": article,
            "action": action,
            "in_force": in_force,
            "proposed": proposed,
            "rationale": "",
        }
        for key, article, action, in_force, proposed in rows
    ]
    return ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="amendment",
        slug="legea-350",
        blocks=blocks,
    )


@pytest.mark.django_db
def test_comparative_table_rows_follow_the_order_of_the_act(amendment):
    rows = comparative_table(amendment.current_revision)
    assert [(row.number, row.article) for row in rows] == [
        (1, "Art. 4"),
        (2, "Art. 13"),
        (3, "Art. 16"),
        (4, "Art. 16^1"),
        (5, "Anexa nr. 2"),  # not a reference to an article: after them, in text order
    ]
    art_4, art_13 = rows[0], rows[1]
    assert not any(op in (INSERT, DELETE) for op, _text in art_4.ops)
    assert art_4.spelling_changes == 3  # „ → ", concurenţă → concurență, ” → "
    assert (DELETE, "30") in art_13.ops and (INSERT, "45") in art_13.ops


@pytest.mark.django_db
def test_comparative_table_page_shows_16_1_as_superscript(en_client, amendment, ngo_editor):
    domain.publish_proposal(ngo_editor, amendment)
    html = en_client.get("/proposals/legea-350/v/1/table/").content.decode()
    article = '<td data-label="Article">'
    assert f"{article}Art. 16¹<br>" in html
    assert "Art. 16^1" not in html
    assert html.index(f"{article}Art. 4<br>") < html.index(f"{article}Art. 13<br>")
    assert html.index(f"{article}Art. 13<br>") < html.index("Art. 16¹")
    # "libera concurenţă" vs "libera concurență": no mark, counted in the summary.
    assert "<del>concurenţă</del>" not in html
    assert "words differ only in spelling" in html
    shown = en_client.get("/proposals/legea-350/v/1/table/?spelling=1").content.decode()
    assert '<ins class="spelling">concurență&quot;</ins>' in shown


@pytest.mark.django_db
def test_docx_comparative_table_marks_no_spelling_change(amendment):
    from docx import Document

    data = exports.table_docx(amendment.current_revision)
    table = Document(io.BytesIO(data)).tables[0]
    art_4_proposed = table.rows[1].cells[3].paragraphs[0]
    assert art_4_proposed.text == 'Principiile: "libera concurență".'
    assert not any(run.font.underline for run in art_4_proposed.runs)
    art_13_proposed = table.rows[2].cells[3].paragraphs[0]
    assert [run.text for run in art_13_proposed.runs if run.font.underline] == ["45"]


def test_a_difference_in_spaces_only_is_named_as_such():
    old = _revision(1, [text_block("k000000000a", "Legea nr. 350/2005")])
    new = _revision(2, [text_block("k000000000a", "Legea nr.\u00a0350/2005")])
    diff = compute_diff(old, new)
    assert (diff.has_changes, diff.spelling_changes, diff.spacing_only) == (False, 0, True)
    assert compute_diff(old, old).spacing_only is False
