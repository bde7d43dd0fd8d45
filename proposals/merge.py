"""Three-way merge of two edits of a proposal's text made from the same revision.

When two editors start from revision B and one saves revision T ("theirs") first, the other's
text M ("mine") is merged with T against B instead of being refused. The unit of a change is a
block of `proposals.content` (a heading, a text, an amendment row), identified by its stable
key; inside an amendment row, each field (article, action, text in force, proposed text,
rationale) is merged on its own; the title and the summary are merged like fields.

Rules, for each unit (a change is a difference from B):
- changed on one side only: that side's value;
- changed on both sides to the same value: that value;
- changed on both sides differently: a conflict (the merged text holds mine until the editor
  chooses);
- removed on one side and unchanged on the other: removed;
- removed on one side and changed on the other: a conflict;
- added on one side: kept; the same key added on both sides with different content (it cannot
  happen through the editor, whose new keys are random): a conflict.

Order of the blocks: if only one side moved blocks (the relative order of the blocks both sides
kept differs from B's), its order is taken; if both moved them differently, the order of
theirs (already saved) is kept and the result says so (`order == ORDER_BOTH_MOVED`). A block
added (or kept by a conflict) goes after the block that precedes it on its side; blocks added by
both sides at the same place are all kept, theirs first, then mine (never a conflict: two
people adding a paragraph at the end of a section both meant to add it).

Pure functions on plain dicts and lists; nothing here touches the database.
"""

from dataclasses import dataclass, field

from proposals.content import BLOCK_FIELDS

TITLE, SUMMARY = "title", "summary"
HEADER_FIELDS = (TITLE, SUMMARY)

# Kinds of conflict.
BOTH_CHANGED = "both_changed"
REMOVED_BY_THEM = "removed_by_them"
REMOVED_BY_ME = "removed_by_me"
CONFLICT_KINDS = (BOTH_CHANGED, REMOVED_BY_THEM, REMOVED_BY_ME)

# Kinds of change taken from theirs.
CHANGED, ADDED, REMOVED, MOVED = "changed", "added", "removed", "moved"

# Where the merged order came from.
ORDER_UNCHANGED, ORDER_MINE, ORDER_THEIRS, ORDER_BOTH_MOVED = (
    "unchanged",
    "mine",
    "theirs",
    "both_moved",
)


@dataclass(frozen=True)
class Content:
    """What a revision holds that merges: title, summary, ordered blocks."""

    title: str
    summary: str
    blocks: list

    @classmethod
    def of(cls, revision):
        return cls(revision.title, revision.summary, revision.blocks)


@dataclass(frozen=True)
class Conflict:
    """A unit changed by both sides. `key` is a block key, or "title" / "summary".

    `fields` are the fields in conflict (every field of the block for a removal); `theirs`
    and `mine` are the two versions (a block dict, or a text for the title and summary; None
    on the side that removed the block)."""

    key: str
    kind: str
    fields: tuple
    theirs: object
    mine: object

    @property
    def is_header(self):
        return self.key in HEADER_FIELDS


@dataclass(frozen=True)
class Change:
    """A change of theirs brought into the merged text (for the message naming it)."""

    key: str
    kind: str
    fields: tuple = ()


@dataclass
class MergeResult:
    title: str
    summary: str
    blocks: list
    conflicts: list = field(default_factory=list)
    taken: list = field(default_factory=list)
    order: str = ORDER_UNCHANGED

    @property
    def is_clean(self):
        return not self.conflicts


def _fields(block):
    return BLOCK_FIELDS.get(block.get("type"), ())


def _same_block(a, b):
    if a is None or b is None:
        return a is b
    if a["type"] != b["type"]:
        return False
    return all(a.get(name, "") == b.get(name, "") for name in _fields(a))


def _merge_value(base, theirs, mine):
    """(value, taken from theirs?, conflict?) for one field; `base` None when it did not
    exist."""
    if theirs == mine:
        return theirs, False, False
    if base is not None and theirs == base:
        return mine, False, False
    if base is not None and mine == base:
        return theirs, True, False
    return mine, False, True


def _merge_block(base, theirs, mine):
    """(merged block, fields taken from theirs, fields in conflict) for a block both sides
    kept."""
    if _same_block(theirs, mine) or _same_block(base, theirs):
        return mine, (), ()
    if _same_block(base, mine):
        changed = tuple(
            name
            for name in _fields(theirs)
            if base is None or theirs.get(name, "") != base.get(name, "")
        )
        return theirs, changed, ()
    if theirs["type"] != mine["type"] or (base is not None and base["type"] != mine["type"]):
        return mine, (), tuple(_fields(mine))  # a forged change of type: the whole block
    merged = {"key": mine["key"], "type": mine["type"]}
    taken, conflicting = [], []
    for name in _fields(mine):
        old = base.get(name, "") if base is not None else None
        value, from_theirs, conflict = _merge_value(old, theirs.get(name, ""), mine.get(name, ""))
        merged[name] = value
        if from_theirs:
            taken.append(name)
        if conflict:
            conflicting.append(name)
    return merged, tuple(taken), tuple(conflicting)


def _relative(sequence, keep):
    return [key for key in sequence if key in keep]


def _order(base_keys, their_keys, my_keys, result_keys):
    """The merged order of `result_keys` (see the module's docstring) and where it came from."""
    present = set(result_keys)
    in_theirs, in_mine = set(their_keys), set(my_keys)
    common = {key for key in base_keys if key in in_theirs and key in in_mine and key in present}
    base_order = _relative(base_keys, common)
    their_order = _relative(their_keys, common)
    my_order = _relative(my_keys, common)
    if their_order == my_order:
        skeleton, source = my_order, ORDER_UNCHANGED if my_order == base_order else ORDER_MINE
    elif their_order == base_order:
        skeleton, source = my_order, ORDER_MINE
    elif my_order == base_order:
        skeleton, source = their_order, ORDER_THEIRS
    else:
        skeleton, source = their_order, ORDER_BOTH_MOVED
    # Everything else goes after the block that precedes it on its side (theirs first).
    after = {}
    placed = set(skeleton)
    for sequence in (their_keys, my_keys):
        anchor = None
        for key in sequence:
            if key in common:
                anchor = key
            elif key in present and key not in placed:
                placed.add(key)
                after.setdefault(anchor, []).append(key)
    order = list(after.get(None, []))
    for key in skeleton:
        order.append(key)
        order.extend(after.get(key, []))
    return order, source


def merge(base, theirs, mine):
    """Merge `mine` with `theirs`, both edits of `base` (each a `Content`). Returns a
    MergeResult whose text takes every change of both sides; where they conflict it holds mine
    and lists the conflict. Side effects: none."""
    result = MergeResult(title="", summary="", blocks=[])
    for name in HEADER_FIELDS:
        value, from_theirs, conflict = _merge_value(
            getattr(base, name), getattr(theirs, name), getattr(mine, name)
        )
        setattr(result, name, value)
        if from_theirs:
            result.taken.append(Change(name, CHANGED, (name,)))
        if conflict:
            result.conflicts.append(
                Conflict(name, BOTH_CHANGED, (name,), getattr(theirs, name), getattr(mine, name))
            )

    base_blocks = {block["key"]: block for block in base.blocks}
    their_blocks = {block["key"]: block for block in theirs.blocks}
    my_blocks = {block["key"]: block for block in mine.blocks}
    merged = {}
    block_conflicts = {}
    for key in {**base_blocks, **their_blocks, **my_blocks}:
        old, their, my = base_blocks.get(key), their_blocks.get(key), my_blocks.get(key)
        if their is not None and my is not None:
            block, taken, conflicting = _merge_block(old, their, my)
            merged[key] = block
            if taken:
                result.taken.append(Change(key, CHANGED if old else ADDED, taken))
            if conflicting:
                block_conflicts[key] = Conflict(key, BOTH_CHANGED, conflicting, their, my)
        elif their is not None:  # mine removed it, or never had it (added by theirs)
            if old is None:
                merged[key] = their
                result.taken.append(Change(key, ADDED))
            elif not _same_block(old, their):
                merged[key] = their
                block_conflicts[key] = Conflict(
                    key, REMOVED_BY_ME, tuple(_fields(their)), their, None
                )
        elif my is not None:  # theirs removed it, or mine added it
            if old is None:
                merged[key] = my
            elif _same_block(old, my):
                result.taken.append(Change(key, REMOVED))
            else:
                merged[key] = my
                block_conflicts[key] = Conflict(key, REMOVED_BY_THEM, tuple(_fields(my)), None, my)

    order, result.order = _order(
        [block["key"] for block in base.blocks],
        [block["key"] for block in theirs.blocks],
        [block["key"] for block in mine.blocks],
        list(merged),
    )
    if result.order == ORDER_THEIRS:
        result.taken.append(Change("", MOVED))
    result.blocks = [merged[key] for key in order]
    result.conflicts.extend(block_conflicts[key] for key in order if key in block_conflicts)
    return result


def merge_sets(base, theirs, mine):
    """Three-way merge of sets (a revision's attachments): what either side added is in, what
    either side removed is out. Side effects: none."""
    base, theirs, mine = set(base), set(theirs), set(mine)
    return (theirs | (mine - base)) - (base - mine)


# --- Resolving conflicts -----------------------------------------------------------------------

THEIRS, MINE = "theirs", "mine"


@dataclass(frozen=True)
class Resolution:
    """A conflict as the editor form carries it back: the unit, its kind, the fields in
    conflict and the editor's choice (THEIRS, MINE, or "" when not chosen)."""

    key: str
    kind: str
    fields: tuple
    choice: str


def resolve(title, summary, blocks, theirs, resolutions):
    """Apply the editor's choices to the text of the form. The form holds, for each conflict,
    mine (or, for a block mine removed, theirs); choosing THEIRS puts back the values of
    `theirs` (a `Content`, the revision the form is now based on) for the fields in conflict,
    or drops a block theirs removed; choosing MINE keeps the form's text, or drops a block mine
    removed. Returns (title, summary, blocks, unresolved conflicts as `Conflict`s to show
    again). Side effects: none."""
    their_blocks = {block["key"]: block for block in theirs.blocks}
    header = {TITLE: title, SUMMARY: summary}
    form_blocks = {block["key"]: block for block in blocks}
    drop = set()
    unresolved = []
    for item in resolutions:
        if item.key in HEADER_FIELDS:
            if item.choice == THEIRS:
                header[item.key] = getattr(theirs, item.key)
            elif item.choice != MINE:
                unresolved.append(
                    Conflict(
                        item.key,
                        BOTH_CHANGED,
                        (item.key,),
                        getattr(theirs, item.key),
                        header[item.key],
                    )
                )
            continue
        block = form_blocks.get(item.key)
        their = their_blocks.get(item.key)
        if block is None:  # the form lost it (removed with its checkbox): nothing to resolve
            continue
        if item.choice not in (THEIRS, MINE):
            if item.kind == REMOVED_BY_ME:
                unresolved.append(Conflict(item.key, item.kind, item.fields, block, None))
            else:
                unresolved.append(Conflict(item.key, item.kind, item.fields, their, block))
            continue
        # The side that removed the block was chosen.
        if (item.kind, item.choice) in ((REMOVED_BY_THEM, THEIRS), (REMOVED_BY_ME, MINE)):
            drop.add(item.key)
        elif item.kind == BOTH_CHANGED and item.choice == THEIRS and their is not None:
            if their["type"] != block["type"]:
                form_blocks[item.key] = dict(their)
            else:
                form_blocks[item.key] = {
                    **block,
                    **{name: their.get(name, "") for name in item.fields if name in their},
                }
    resolved = [form_blocks[block["key"]] for block in blocks if block["key"] not in drop]
    return header[TITLE], header[SUMMARY], resolved, unresolved
