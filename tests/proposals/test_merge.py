"""The three-way merge of two edits of the same revision (proposals.merge), without the database."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposals import merge
from proposals.merge import Content, Resolution


def text(key, value):
    return {"key": key, "type": "text", "text": value}


def heading(key, value):
    return {"key": key, "type": "heading", "text": value}


def row(key, **fields):
    block = {
        "key": key,
        "type": "amendment",
        "article": "Art. 5 alin. (2)",
        "action": "modify",
        "in_force": "Termenul este de 30 de zile.",
        "proposed": "Termenul este de 60 de zile.",
        "rationale": "Asociațiile mici au nevoie de timp.",
    }
    block.update(fields)
    return block


BASE = Content(
    "Titlu",
    "Rezumat.",
    [heading("ka0000001", "Problema"), text("ka0000002", "Unu."), text("ka0000003", "Doi.")],
)


def edited(content, *, title=None, summary=None, blocks=None):
    return Content(
        content.title if title is None else title,
        content.summary if summary is None else summary,
        content.blocks if blocks is None else blocks,
    )


def keys(result):
    return [block["key"] for block in result.blocks]


# --- Blocks ------------------------------------------------------------------------------------


def test_merge_disjoint_blocks_takes_both_edits():
    theirs = edited(
        BASE, blocks=[BASE.blocks[0], text("ka0000002", "Unu, al lor."), BASE.blocks[2]]
    )
    mine = edited(BASE, blocks=[BASE.blocks[0], BASE.blocks[1], text("ka0000003", "Doi, al meu.")])
    result = merge.merge(BASE, theirs, mine)
    assert result.is_clean
    assert result.blocks == [
        heading("ka0000001", "Problema"),
        text("ka0000002", "Unu, al lor."),
        text("ka0000003", "Doi, al meu."),
    ]
    assert result.taken == [merge.Change("ka0000002", merge.CHANGED, ("text",))]
    assert result.order == merge.ORDER_UNCHANGED


def test_merge_same_block_conflicts_and_holds_mine():
    theirs = edited(BASE, blocks=[BASE.blocks[0], text("ka0000002", "Al lor."), BASE.blocks[2]])
    mine = edited(BASE, blocks=[BASE.blocks[0], text("ka0000002", "Al meu."), BASE.blocks[2]])
    result = merge.merge(BASE, theirs, mine)
    assert result.conflicts == [
        merge.Conflict(
            "ka0000002",
            merge.BOTH_CHANGED,
            ("text",),
            text("ka0000002", "Al lor."),
            text("ka0000002", "Al meu."),
        )
    ]
    assert result.blocks == mine.blocks


def test_merge_same_change_on_both_sides_is_no_conflict():
    both = edited(BASE, blocks=[BASE.blocks[0], text("ka0000002", "La fel."), BASE.blocks[2]])
    result = merge.merge(BASE, both, both)
    assert (result.is_clean, result.blocks) == (True, both.blocks)


def test_merge_reorder_on_one_side_and_edit_on_the_other():
    theirs = edited(BASE, blocks=[BASE.blocks[2], BASE.blocks[0], BASE.blocks[1]])
    mine = edited(
        BASE, blocks=[BASE.blocks[0], text("ka0000002", "Unu, modificat."), BASE.blocks[2]]
    )
    result = merge.merge(BASE, theirs, mine)
    assert result.is_clean
    assert result.blocks == [
        text("ka0000003", "Doi."),
        heading("ka0000001", "Problema"),
        text("ka0000002", "Unu, modificat."),
    ]
    assert result.order == merge.ORDER_THEIRS
    assert result.taken == [merge.Change("", merge.MOVED)]
    # And the other way round: my move, their edit.
    swapped = merge.merge(BASE, mine, theirs)
    assert (swapped.blocks, swapped.order) == (result.blocks, merge.ORDER_MINE)


def test_merge_both_moved_differently_keeps_their_order_and_says_so():
    theirs = edited(BASE, blocks=[BASE.blocks[2], BASE.blocks[0], BASE.blocks[1]])
    mine = edited(BASE, blocks=[BASE.blocks[1], BASE.blocks[0], BASE.blocks[2]])
    result = merge.merge(BASE, theirs, mine)
    assert (keys(result), result.order) == (
        ["ka0000003", "ka0000001", "ka0000002"],
        merge.ORDER_BOTH_MOVED,
    )


def test_merge_their_deletion_against_my_edit_conflicts():
    theirs = edited(BASE, blocks=[BASE.blocks[0], BASE.blocks[2]])
    mine = edited(BASE, blocks=[BASE.blocks[0], text("ka0000002", "Unu, păstrat."), BASE.blocks[2]])
    result = merge.merge(BASE, theirs, mine)
    assert result.conflicts == [
        merge.Conflict(
            "ka0000002", merge.REMOVED_BY_THEM, ("text",), None, text("ka0000002", "Unu, păstrat.")
        )
    ]
    assert result.blocks == mine.blocks


def test_merge_my_deletion_against_their_edit_conflicts_and_keeps_their_block():
    theirs = edited(
        BASE, blocks=[BASE.blocks[0], text("ka0000002", "Unu, al lor."), BASE.blocks[2]]
    )
    mine = edited(BASE, blocks=[BASE.blocks[0], BASE.blocks[2]])
    result = merge.merge(BASE, theirs, mine)
    assert result.conflicts == [
        merge.Conflict(
            "ka0000002", merge.REMOVED_BY_ME, ("text",), text("ka0000002", "Unu, al lor."), None
        )
    ]
    assert result.blocks == theirs.blocks


def test_merge_deletion_of_an_unchanged_block_is_taken():
    theirs = edited(BASE, blocks=[BASE.blocks[0], BASE.blocks[2]])
    mine = edited(BASE, blocks=[BASE.blocks[0], BASE.blocks[1], text("ka0000003", "Doi, nou.")])
    result = merge.merge(BASE, theirs, mine)
    assert result.is_clean
    assert result.blocks == [heading("ka0000001", "Problema"), text("ka0000003", "Doi, nou.")]
    assert result.taken == [merge.Change("ka0000002", merge.REMOVED)]


def test_merge_insertions_at_the_same_place_keep_both_theirs_first():
    theirs = edited(BASE, blocks=[*BASE.blocks[:2], text("kb0000001", "Al lor."), BASE.blocks[2]])
    mine = edited(
        BASE,
        blocks=[
            *BASE.blocks[:2],
            text("kc0000001", "Al meu."),
            text("kc0000002", "Al meu, doi."),
            BASE.blocks[2],
        ],
    )
    result = merge.merge(BASE, theirs, mine)
    assert result.is_clean
    assert keys(result) == [
        "ka0000001",
        "ka0000002",
        "kb0000001",
        "kc0000001",
        "kc0000002",
        "ka0000003",
    ]
    assert result.taken == [merge.Change("kb0000001", merge.ADDED)]


def test_merge_insertions_at_the_start_and_the_end():
    theirs = edited(BASE, blocks=[text("kb0000001", "Început."), *BASE.blocks])
    mine = edited(BASE, blocks=[*BASE.blocks, text("kc0000001", "Sfârșit.")])
    result = merge.merge(BASE, theirs, mine)
    assert keys(result) == ["kb0000001", "ka0000001", "ka0000002", "ka0000003", "kc0000001"]


def test_merge_insertion_after_a_block_the_other_removed_stays_near_it():
    theirs = edited(BASE, blocks=[BASE.blocks[0], BASE.blocks[2]])
    mine = edited(BASE, blocks=[*BASE.blocks[:2], text("kc0000001", "Nou."), BASE.blocks[2]])
    result = merge.merge(BASE, theirs, mine)
    assert result.is_clean
    assert keys(result) == ["ka0000001", "kc0000001", "ka0000003"]


# --- Amendment rows ----------------------------------------------------------------------------


def test_merge_amendment_row_different_fields_merge():
    base = Content("T", "", [row("kd0000001")])
    theirs = Content("T", "", [row("kd0000001", proposed="Termenul este de 90 de zile.")])
    mine = Content("T", "", [row("kd0000001", rationale="Studiul ANFP arată întârzieri.")])
    result = merge.merge(base, theirs, mine)
    assert result.is_clean
    assert result.blocks == [
        row(
            "kd0000001",
            proposed="Termenul este de 90 de zile.",
            rationale="Studiul ANFP arată întârzieri.",
        )
    ]
    assert result.taken == [merge.Change("kd0000001", merge.CHANGED, ("proposed",))]


def test_merge_amendment_row_same_field_conflicts_on_that_field_only():
    base = Content("T", "", [row("kd0000001")])
    theirs = Content(
        "T", "", [row("kd0000001", proposed="90 de zile.", article="Art. 5 alin. (3)")]
    )
    mine = Content("T", "", [row("kd0000001", proposed="45 de zile.", rationale="Alt motiv.")])
    result = merge.merge(base, theirs, mine)
    assert [(c.key, c.kind, c.fields) for c in result.conflicts] == [
        ("kd0000001", merge.BOTH_CHANGED, ("proposed",))
    ]
    assert result.blocks == [
        row(
            "kd0000001",
            article="Art. 5 alin. (3)",
            proposed="45 de zile.",
            rationale="Alt motiv.",
        )
    ]


# --- Title and summary -------------------------------------------------------------------------


def test_merge_title_and_summary_like_fields():
    theirs = edited(BASE, title="Titlul lor")
    mine = edited(BASE, summary="Rezumatul meu.")
    result = merge.merge(BASE, theirs, mine)
    assert (result.is_clean, result.title, result.summary) == (True, "Titlul lor", "Rezumatul meu.")
    assert result.taken == [merge.Change("title", merge.CHANGED, ("title",))]
    conflicting = merge.merge(BASE, theirs, edited(BASE, title="Titlul meu"))
    assert conflicting.conflicts == [
        merge.Conflict("title", merge.BOTH_CHANGED, ("title",), "Titlul lor", "Titlul meu")
    ]
    assert conflicting.title == "Titlul meu"


# --- Sets --------------------------------------------------------------------------------------


def test_merge_sets_keeps_additions_and_removals_of_both():
    assert merge.merge_sets({1, 2, 3}, {1, 2, 3, 4}, {2, 3, 5}) == {2, 3, 4, 5}
    assert merge.merge_sets({1}, {1}, {1}) == {1}


# --- Resolving ---------------------------------------------------------------------------------


def test_resolve_applies_each_choice():
    theirs = Content(
        "Titlul lor",
        "Rezumat.",
        [
            row("kd0000001", proposed="90 de zile."),
            text("kd0000002", "Al lor."),
            text("kd0000004", "Păstrat de ei."),
        ],
    )
    form = [
        row("kd0000001", proposed="45 de zile.", rationale="Motivul meu."),
        text("kd0000002", "Al meu."),
        text("kd0000003", "Șters de ei, schimbat de mine."),
        text("kd0000004", "Păstrat de ei."),
    ]
    title, summary, blocks, unresolved = merge.resolve(
        "Titlul meu",
        "Rezumat.",
        form,
        theirs,
        [
            Resolution("title", merge.BOTH_CHANGED, ("title",), merge.THEIRS),
            Resolution("kd0000001", merge.BOTH_CHANGED, ("proposed",), merge.THEIRS),
            Resolution("kd0000002", merge.BOTH_CHANGED, ("text",), merge.MINE),
            Resolution("kd0000003", merge.REMOVED_BY_THEM, ("text",), merge.THEIRS),
            Resolution("kd0000004", merge.REMOVED_BY_ME, ("text",), merge.MINE),
        ],
    )
    assert (title, summary, unresolved) == ("Titlul lor", "Rezumat.", [])
    assert blocks == [
        row("kd0000001", proposed="90 de zile.", rationale="Motivul meu."),
        text("kd0000002", "Al meu."),
    ]


def test_resolve_without_a_choice_leaves_the_conflict():
    theirs = Content("T", "", [text("kd0000002", "Al lor.")])
    form = [text("kd0000002", "Al meu.")]
    title, _summary, blocks, unresolved = merge.resolve(
        "T", "", form, theirs, [Resolution("kd0000002", merge.BOTH_CHANGED, ("text",), "")]
    )
    assert unresolved == [
        merge.Conflict(
            "kd0000002",
            merge.BOTH_CHANGED,
            ("text",),
            text("kd0000002", "Al lor."),
            text("kd0000002", "Al meu."),
        )
    ]
    assert blocks == form


# --- Properties --------------------------------------------------------------------------------

words = st.text(alphabet="abcdeșț ", min_size=0, max_size=12)
# Pure and fast, but the test machines are shared: a stalled draw is not a failure.
properties = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def base_and_two_disjoint_edits(draw):
    """A base of text blocks and two edits of it that touch different blocks (each may change,
    remove or add blocks after one of its own)."""
    count = draw(st.integers(min_value=1, max_value=8))
    base = [text(f"ka{index:07d}", draw(words)) for index in range(count)]
    owners = draw(st.lists(st.sampled_from("tm-"), min_size=count, max_size=count))

    def edit(side, prefix):
        blocks = []
        for block, owner in zip(base, owners, strict=True):
            if owner != side:
                blocks.append(block)
                continue
            action = draw(st.sampled_from(["change", "remove", "add_after"]))
            if action == "change":
                blocks.append(dict(block, text=block["text"] + draw(words) + "!"))
            elif action == "add_after":
                blocks.append(block)
                blocks.append(text(f"{prefix}{len(blocks):07d}", draw(words)))
        return blocks

    return (
        Content("T", "S", base),
        Content("T", "S", edit("t", "kb")),
        Content("T", "S", edit("m", "kc")),
    )


@properties
@given(base_and_two_disjoint_edits())
def test_property_merging_with_an_unchanged_side_gives_the_other(contents):
    base, theirs, mine = contents
    for other in (theirs, mine):
        assert merge.merge(base, base, other).blocks == other.blocks
        assert merge.merge(base, other, base).blocks == other.blocks
        assert merge.merge(base, other, base).is_clean


@properties
@given(base_and_two_disjoint_edits())
def test_property_disjoint_edits_merge_cleanly_and_symmetrically(contents):
    base, theirs, mine = contents
    one = merge.merge(base, theirs, mine)
    other = merge.merge(base, mine, theirs)
    assert one.is_clean and other.is_clean
    assert one.blocks == other.blocks
    # Every edit of each side is in the result.
    merged = {block["key"]: block for block in one.blocks}
    for side in (theirs, mine):
        for block in side.blocks:
            if block not in base.blocks:
                assert merged[block["key"]] == block
    kept = {block["key"] for block in theirs.blocks} & {block["key"] for block in mine.blocks}
    assert set(merged) == kept | (
        {block["key"] for block in theirs.blocks + mine.blocks}
        - {block["key"] for block in base.blocks}
    )
