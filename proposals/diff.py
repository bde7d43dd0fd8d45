"""Comparison of two revisions: blocks matched by their stable key, then words inside each block.

Every piece of text is HTML-escaped before it is wrapped in <ins>/<del>, so text that contains
markup shows as text. Results are cached per revision pair: revisions never change.

Words that differ only in spelling are not changes a lawyer needs to see: the legacy cedilla
letters ş ţ against the comma-below ș ț (both appear in official Romanian sources), another
Unicode normalisation form of the same letters, or a typographic variant of a quote or dash.
Tokens are matched by a spelling key that folds those differences; a matched pair whose
characters differ becomes a `SPELLING_OLD` + `SPELLING_NEW` pair of pieces, shown as unchanged
text unless the reader asks to see spelling changes. Stored text is never changed: hashes are
over the exact characters.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from proposals import content, legal_text

# A word keeps its combining marks (a decomposed "ș" is "s" + U+0326).
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
TOKEN = re.compile(rf"\s+|[\w{_MARKS}]+|[^\w\s{_MARKS}][{_MARKS}]*", re.UNICODE)
EQUAL, INSERT, DELETE = "equal", "insert", "delete"
# The two sides of a word written differently in the two texts (always in this order, adjacent).
SPELLING_OLD, SPELLING_NEW = "spelling_old", "spelling_new"
CHANGES = (INSERT, DELETE)
CACHE_VERSION = 3

_SPELLING_FOLD = str.maketrans(
    {
        "ş": "ș",
        "Ş": "Ș",
        "ţ": "ț",
        "Ţ": "Ț",
        **dict.fromkeys("„“”«»‟″〝〞＂", '"'),
        **dict.fromkeys("‚‘’‹›‛′＇`´", "'"),
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    }
)


def spelling_key(token):
    """What a token is compared by: its letters in NFC with the spelling variants folded."""
    if token.isspace():
        # Spaces are spaces; a line break is still a line break.
        return "\n" * token.count("\n") or " "
    return unicodedata.normalize("NFC", token).translate(_SPELLING_FOLD)


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
UNIT = re.compile(rf"\s+|[\w{_MARKS}]+\s*|[^\w\s{_MARKS}][{_MARKS}]*\s*", re.UNICODE)


def _equal_ops(old_tokens, new_tokens):
    """Pieces for tokens matched by their spelling key: equal, or a spelling pair."""
    ops = []
    for old, new in zip(old_tokens, new_tokens, strict=True):
        if old == new:
            ops.append((EQUAL, old))
        else:
            ops.append((SPELLING_OLD, old))
            ops.append((SPELLING_NEW, new))
    return ops


def spelling_keys(tokens, cache):
    """The spelling keys of `tokens`; `cache` (a dict) keeps each distinct token's key."""
    keys = []
    for token in tokens:
        key = cache.get(token)
        if key is None:
            key = cache[token] = spelling_key(token)
        keys.append(key)
    return keys


def _matched_ops(a, b):
    # Texts repeat their words: each distinct token's key is computed once.
    cache = {}
    keys_a, keys_b = spelling_keys(a, cache), spelling_keys(b, cache)
    ops = []
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.extend(_equal_ops(a[i1:i2], b[j1:j2]))
            continue
        if i2 > i1:
            ops.append((DELETE, "".join(a[i1:i2])))
        if j2 > j1:
            ops.append((INSERT, "".join(b[j1:j2])))
    return ops


def _merge(ops):
    """Join neighbours of the same kind (the trimmed ends may touch an equal run). A spelling
    pair is never joined with anything: its two sides always alternate."""
    merged = []
    for op, text in ops:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def word_diff(old, new):
    """A list of (op, text) pieces turning `old` into `new`, at word level.

    `op` is EQUAL, DELETE, INSERT, or SPELLING_OLD followed by SPELLING_NEW for text that
    differs only in spelling. The EQUAL, DELETE and SPELLING_OLD texts rebuild `old`; the EQUAL,
    INSERT and SPELLING_NEW texts rebuild `new`.
    """
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
    return _merge(ops)


def _count_words(ops, op):
    return sum(content.count_words(text) for kind, text in ops if kind == op)


def has_changes(ops):
    """True when words were added or removed (spelling-only differences do not count)."""
    return any(op in CHANGES for op, _text in ops)


def spelling_changes(ops):
    """How many words (or quotes and dashes) differ only in spelling; spacing does not count."""
    return sum(1 for op, text in ops if op == SPELLING_NEW and not text.isspace())


def side_pieces(ops, side, show_spelling=False):
    """The text of one side of a comparison as (text, mark) pieces, for documents.

    `side` is "old" or "new". `mark` is None for unchanged text, "removed" (old side) or
    "added" (new side) for changed words, and "spelling" for words that differ only in
    spelling when `show_spelling` is set (otherwise they are unmarked).
    """
    own, other = (DELETE, INSERT) if side == "old" else (INSERT, DELETE)
    other_spelling = SPELLING_NEW if side == "old" else SPELLING_OLD
    pieces = []
    for op, text in ops:
        if op in (other, other_spelling):
            continue
        if op == EQUAL:
            mark = None
        elif op == own:
            mark = "removed" if side == "old" else "added"
        else:
            mark = "spelling" if show_spelling else None
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + text, mark)
        else:
            pieces.append((text, mark))
    return pieces


def _spelling_html(tag, text):
    return f'<{tag} class="spelling">{escape(text)}</{tag}>'


def render_inline(ops, show_spelling=False):
    parts = []
    for op, text in ops:
        if op == EQUAL:
            parts.append(escape(text))
        elif op == INSERT:
            parts.append(f"<ins>{escape(text)}</ins>")
        elif op == DELETE:
            parts.append(f"<del>{escape(text)}</del>")
        elif op == SPELLING_OLD:
            if show_spelling:
                parts.append(_spelling_html("del", text))
        elif show_spelling:
            parts.append(_spelling_html("ins", text))
        else:
            parts.append(escape(text))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


_SIDE_TAGS = {"removed": "del", "added": "ins"}


def _render_side(ops, side, show_spelling):
    parts = []
    for text, mark in side_pieces(ops, side, show_spelling):
        if mark is None:
            parts.append(escape(text))
        elif mark == "spelling":
            parts.append(_spelling_html("del" if side == "old" else "ins", text))
        else:
            tag = _SIDE_TAGS[mark]
            parts.append(f"<{tag}>{escape(text)}</{tag}>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def render_old(ops, show_spelling=False):
    return _render_side(ops, "old", show_spelling)


def render_new(ops, show_spelling=False):
    return _render_side(ops, "new", show_spelling)


@dataclass
class FieldChange:
    name: str
    ops: list

    @property
    def label(self):
        return FIELD_LABELS.get(self.name, self.name)

    @property
    def changed(self):
        return has_changes(self.ops)

    @property
    def spelling_changes(self):
        return spelling_changes(self.ops)

    @property
    def inline(self):
        return render_inline(self.ops)

    @property
    def old_html(self):
        return render_old(self.ops)

    @property
    def new_html(self):
        return render_new(self.ops)

    @property
    def inline_spelling(self):
        return render_inline(self.ops, show_spelling=True)

    @property
    def old_html_spelling(self):
        return render_old(self.ops, show_spelling=True)

    @property
    def new_html_spelling(self):
        return render_new(self.ops, show_spelling=True)


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
    spelling_changes: int = 0

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
    # Words that differ only in spelling (ş/ș, ţ/ț, Unicode form, quotes, dashes).
    spelling_changes: int = 0
    # The texts differ only in their spaces (e.g. a non-breaking space for a space).
    spacing_only: bool = False

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
        change.spelling_changes = sum(f.spelling_changes for f in change.fields)

    header = [
        FieldChange("title", word_diff(old_revision.title, new_revision.title)),
        FieldChange("summary", word_diff(old_revision.summary, new_revision.summary)),
    ]
    diff = RevisionDiff(
        old_number=old_revision.number,
        new_number=new_revision.number,
        header=header,
        blocks=changes,
        words_added=sum(c.words_added for c in changes),
        words_removed=sum(c.words_removed for c in changes),
        spelling_changes=sum(c.spelling_changes for c in changes)
        + sum(change.spelling_changes for change in header),
    )
    if not diff.has_changes and not diff.spelling_changes:
        diff.spacing_only = content.canonical_content(
            old_revision.title, old_revision.summary, old_revision.blocks
        ) != content.canonical_content(
            new_revision.title, new_revision.summary, new_revision.blocks
        )
    return diff


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

    @property
    def in_force_html_spelling(self):
        return render_old(self.ops, show_spelling=True)

    @property
    def proposed_html_spelling(self):
        return render_new(self.ops, show_spelling=True)

    @property
    def spelling_changes(self):
        return spelling_changes(self.ops)


def comparative_table(revision):
    """Rows of the comparative table: text in force | proposed text (redlined) | rationale.

    Rows follow the order of the amended act (Art. 4, Art. 13, Art. 16, Art. 16^1, …), whatever
    order the amendments were written in; references that cannot be read keep their place
    after the others, in the order of the text.
    """
    amendments = [block for block in revision.blocks if block["type"] == content.AMENDMENT]
    amendments = [
        block
        for _key, _position, block in sorted(
            (legal_text.reference_sort_key(block.get("article", "")), position, block)
            for position, block in enumerate(amendments)
        )
    ]
    rows = []
    for block in amendments:
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
