"""The content of a revision: blocks, their canonical form and the SHA-256 content hash.

A revision's content is its title, its summary and its ordered blocks. Each block is a dict:

    {"key": "k3f9a2c1d", "type": "heading" | "text" | "amendment", ...fields of that type}

- heading:   "text" (one line)
- text:      "text" (Markdown)
- amendment: "article" ("Art. 5 alin. (2)"), "action" ("modify" | "insert" | "repeal"),
             "in_force" (text in force), "proposed" (proposed text), "rationale" (Markdown)

The block key is stable: it is made once when the block is created and follows the block through
every later edit and move, so comments anchored to it can be followed into later versions.

Canonical serialisation (documented so anyone can recompute a hash):
  1. every text is normalised to Unicode NFC, line endings to "\\n", trailing spaces at line ends
     and trailing blank lines removed;
  2. the object {"title": …, "summary": …, "blocks": [block, …]} holds, for each block, exactly
     the fields of its type (plus "key" and "type"), empty strings included;
  3. it is written as JSON with keys sorted, no insignificant white space (separators "," and ":"),
     non-ASCII characters written as themselves, and encoded as UTF-8;
  4. `content_hash` is the lowercase hex SHA-256 of those bytes.
"""

import hashlib
import json
import re
import secrets

from django.utils.translation import gettext_lazy as _

from core.text import normalize_text

HEADING, TEXT, AMENDMENT = "heading", "text", "amendment"
BLOCK_TYPES = {
    HEADING: _("Heading"),
    TEXT: _("Text"),
    AMENDMENT: _("Amendment"),
}
BLOCK_FIELDS = {
    HEADING: ("text",),
    TEXT: ("text",),
    AMENDMENT: ("article", "action", "in_force", "proposed", "rationale"),
}
AMENDMENT_ACTIONS = {
    "modify": _("Modify"),
    "insert": _("Insert"),
    "repeal": _("Repeal"),
}
KEY_PATTERN = re.compile(r"^k[0-9a-f]{8,16}$")
# The most blocks a revision holds (the editor shows every block as a form).
MAX_BLOCKS = 2000


def new_block_key():
    return "k" + secrets.token_hex(5)


def canonical_block(block):
    block_type = block["type"]
    canonical = {"key": block["key"], "type": block_type}
    for field in BLOCK_FIELDS[block_type]:
        canonical[field] = normalize_text(block.get(field, ""))
    return canonical


def canonical_content(title, summary, blocks):
    return {
        "title": normalize_text(title),
        "summary": normalize_text(summary),
        "blocks": [canonical_block(block) for block in blocks],
    }


def canonical_bytes(content):
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def content_hash(title, summary, blocks):
    return hashlib.sha256(canonical_bytes(canonical_content(title, summary, blocks))).hexdigest()


# The fields that hold words (an amendment's action is a code, not text).
TEXT_FIELDS = {
    HEADING: ("text",),
    TEXT: ("text",),
    AMENDMENT: ("article", "in_force", "proposed", "rationale"),
}
WORD = re.compile(r"\w+", re.UNICODE)


def count_words(text):
    return len(WORD.findall(text or ""))


def has_content(blocks):
    """True when some block other than a heading holds text: a list of headings with empty
    sections (the H.G. 775/2005 template) or an empty amendment row is not a text yet."""
    for block in blocks:
        if block.get("type") == HEADING:
            continue
        fields = TEXT_FIELDS.get(block.get("type"), ())
        if any(normalize_text(block.get(name, "")) for name in fields):
            return True
    return False


def block_plain_text(block):
    return "\n".join(
        block.get(field, "") for field in TEXT_FIELDS[block["type"]] if block.get(field)
    )
