"""Comparison of two revisions: blocks matched by their stable key, then words inside each block.

Every piece of text is HTML-escaped before it is wrapped in <ins>/<del>, so text that contains
markup shows as text. Results are cached per revision pair: revisions never change.
"""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from proposals import content

TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
EQUAL, INSERT, DELETE = "equal", "insert", "delete"
CACHE_VERSION = 1

FIELD_LABELS = {
    "title": _("Title"),
    "summary": _("Summary"),
    "text": _("Text"),
    "article": _("Article"),
    "action": _("Action"),
    "in_force": _("Text in force"),
    "proposed": _("Proposed text"),
    "rationale": _("Rationale"),
}


# Above this many token pairs, the middle of a text is matched word by word (each word with the
# spaces after it) rather than token by token: whitespace tokens are so frequent that matching
# them one by one grows with the square of the text's length.
FINE_MATCH_LIMIT = 2_000_000
UNIT = re.compile(r"\s+|\w+\s*|[^\w\s]\s*", re.UNICODE)


def _matched_ops(a, b):
    ops = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append((EQUAL, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            ops.append((DELETE, "".join(a[i1:i2])))
        if j2 > j1:
            ops.append((INSERT, "".join(b[j1:j2])))
    return ops


def word_diff(old, new):
    """A list of (op, text) pieces turning `old` into `new`, at word level."""
    if old == new:
        return [(EQUAL, old)] if old else []
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    # The unchanged beginning and end are common and cheap to set aside.
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    if len(middle_a) * len(middle_b) > FINE_MATCH_LIMIT:
        middle_a = UNIT.findall("".join(middle_a))
        middle_b = UNIT.findall("".join(middle_b))
    ops = []
    if start:
        ops.append((EQUAL, "".join(a[:start])))
    ops.extend(_matched_ops(middle_a, middle_b))
    if end:
        ops.append((EQUAL, "".join(a[len(a) - end :])))
    # Join neighbours of the same kind (the trimmed ends may touch an equal run).
    merged = []
    for op, text in ops:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def _count_words(ops, op):
    return sum(content.count_words(text) for kind, text in ops if kind == op)


def render_inline(ops):
    parts = []
    for op, text in ops:
        if op == EQUAL:
            parts.append(escape(text))
        elif op == INSERT:
            parts.append(f"<ins>{escape(text)}</ins>")
        else:
            parts.append(f"<del>{escape(text)}</del>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def render_old(ops):
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            escape(text) if op == EQUAL else f"<del>{escape(text)}</del>"
            for op, text in ops
            if op != INSERT
        )
    )


def render_new(ops):
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            escape(text) if op == EQUAL else f"<ins>{escape(text)}</ins>"
            for op, text in ops
            if op != DELETE
        )
    )


@dataclass
class FieldChange:
    name: str
    ops: list

    @property
    def label(self):
        return FIELD_LABELS.get(self.name, self.name)

    @property
    def changed(self):
        return any(op != EQUAL for op, _text in self.ops)

    @property
    def inline(self):
        return render_inline(self.ops)

    @property
    def old_html(self):
        return render_old(self.ops)

    @property
    def new_html(self):
        return render_new(self.ops)


@dataclass
class BlockChange:
    key: str
    status: str  # "added", "removed", "changed", "unchanged"
    block_type: str
    moved: bool = False
    old_position: int | None = None
    new_position: int | None = None
    fields: list = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0

    @property
    def type_label(self):
        return content.BLOCK_TYPES.get(self.block_type, self.block_type)


@dataclass
class RevisionDiff:
    old_number: int
    new_number: int
    header: list  # FieldChange for title and summary
    blocks: list  # BlockChange in reading order
    words_added: int = 0
    words_removed: int = 0

    @property
    def changed_blocks(self):
        return [b for b in self.blocks if b.status == "changed"]

    @property
    def added_blocks(self):
        return [b for b in self.blocks if b.status == "added"]

    @property
    def removed_blocks(self):
        return [b for b in self.blocks if b.status == "removed"]

    @property
    def moved_blocks(self):
        return [b for b in self.blocks if b.moved]

    @property
    def has_changes(self):
        return bool(
            self.changed_blocks
            or self.added_blocks
            or self.removed_blocks
            or self.moved_blocks
            or any(change.changed for change in self.header)
        )


def _field_names(block):
    return content.BLOCK_FIELDS[block["type"]]


def _block_fields(old, new):
    names = []
    for block in (old, new):
        if block is not None:
            names.extend(name for name in _field_names(block) if name not in names)
    changes = []
    for name in names:
        old_text = (old or {}).get(name, "") or ""
        new_text = (new or {}).get(name, "") or ""
        if name == "action":
            old_text = str(content.AMENDMENT_ACTIONS.get(old_text, old_text)) if old else ""
            new_text = str(content.AMENDMENT_ACTIONS.get(new_text, new_text)) if new else ""
        changes.append(FieldChange(name, word_diff(old_text, new_text)))
    return changes


def _moved_keys(old_keys, new_keys):
    """Keys present in both whose relative order changed (not in the longest common order)."""
    common = set(old_keys) & set(new_keys)
    a = [key for key in old_keys if key in common]
    b = [key for key in new_keys if key in common]
    stay = set()
    for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        stay.update(a[block.a : block.a + block.size])
    return common - stay


def compute_diff(old_revision, new_revision):
    old_blocks = old_revision.blocks
    new_blocks = new_revision.blocks
    old_by_key = {block["key"]: (i, block) for i, block in enumerate(old_blocks)}
    new_keys = [block["key"] for block in new_blocks]
    moved = _moved_keys([block["key"] for block in old_blocks], new_keys)

    changes = []
    for position, block in enumerate(new_blocks):
        old_entry = old_by_key.get(block["key"])
        if old_entry is None:
            fields = _block_fields(None, block)
            change = BlockChange(
                block["key"], "added", block["type"], new_position=position, fields=fields
            )
        else:
            old_position, old_block = old_entry
            fields = _block_fields(old_block, block)
            status = "changed" if any(f.changed for f in fields) else "unchanged"
            change = BlockChange(
                block["key"],
                status,
                block["type"],
                moved=block["key"] in moved,
                old_position=old_position,
                new_position=position,
                fields=fields,
            )
        changes.append(change)

    # A removed block is shown after the nearest preceding old block that still exists.
    new_key_set = set(new_keys)
    removed_after = {}
    anchor = None
    for old_position, old_block in enumerate(old_blocks):
        if old_block["key"] in new_key_set:
            anchor = old_block["key"]
            continue
        removed_after.setdefault(anchor, []).append(
            BlockChange(
                old_block["key"],
                "removed",
                old_block["type"],
                old_position=old_position,
                fields=_block_fields(old_block, None),
            )
        )
    ordered = list(removed_after.get(None, []))
    for change in changes:
        ordered.append(change)
        ordered.extend(removed_after.get(change.key, []))
    changes = ordered

    for change in changes:
        change.words_added = sum(_count_words(f.ops, INSERT) for f in change.fields)
        change.words_removed = sum(_count_words(f.ops, DELETE) for f in change.fields)

    header = [
        FieldChange("title", word_diff(old_revision.title, new_revision.title)),
        FieldChange("summary", word_diff(old_revision.summary, new_revision.summary)),
    ]
    return RevisionDiff(
        old_number=old_revision.number,
        new_number=new_revision.number,
        header=header,
        blocks=changes,
        words_added=sum(c.words_added for c in changes),
        words_removed=sum(c.words_removed for c in changes),
    )


def revision_diff(old_revision, new_revision):
    """The cached comparison of two revisions (any order; the same revision twice is allowed)."""
    # Labels (an amendment's action) are translated into the result: the language is in the key.
    key = f"revdiff:{CACHE_VERSION}:{get_language()}:{old_revision.pk}:{new_revision.pk}"
    diff = cache.get(key)
    if diff is None:
        diff = compute_diff(old_revision, new_revision)
        cache.set(key, diff, 7 * 24 * 3600)
    return diff


@dataclass
class AmendmentRow:
    number: int
    key: str
    article: str
    action: str
    ops: list
    rationale: str

    @property
    def action_label(self):
        return content.AMENDMENT_ACTIONS.get(self.action, self.action)

    @property
    def in_force_html(self):
        return render_old(self.ops)

    @property
    def proposed_html(self):
        return render_new(self.ops)


def comparative_table(revision):
    """Rows of the comparative table: text in force | proposed text (redlined) | rationale."""
    rows = []
    for block in revision.blocks:
        if block["type"] != content.AMENDMENT:
            continue
        in_force = block.get("in_force", "")
        proposed = block.get("proposed", "")
        if block.get("action") == "repeal":
            ops = [(DELETE, in_force)] if in_force else []
        elif block.get("action") == "insert":
            ops = [(INSERT, proposed)] if proposed else []
        else:
            ops = word_diff(in_force, proposed)
        rows.append(
            AmendmentRow(
                len(rows) + 1,
                block["key"],
                block.get("article", ""),
                block.get("action", ""),
                ops,
                block.get("rationale", ""),
            )
        )
    return rows
