"""A revision's blocks read once per process, for requests that need a pinned text's blocks on
every call (posting a comment checks its paragraph and quote against the text under debate).

A saved revision never changes (its rows are append-only: on PostgreSQL a trigger refuses any
change), so its blocks can be kept. They are kept under the revision's id *and* content hash:
SQLite may give a rolled-back revision's id to the next one, whose hash then differs. What is
kept is shared by the requests of a process: read it, never change it.
"""

from core.pagecache import Recent
from proposals.models import Revision

# Texts under debate are few at any time; a long law is a few hundred kilobytes of blocks.
KEPT = 16
_BLOCKS = Recent(KEPT)


def key_of(revision):
    """What identifies `revision`'s content in this process: (id, content hash), or None for a
    revision not saved or read without its hash. Side effects: none."""
    if revision is None or revision.pk is None or "content_hash" not in revision.__dict__:
        return None
    return (revision.pk, revision.content_hash)


def fill_blocks(revision):
    """Give `revision`, read without its blocks (`defer("revision__blocks")`), the blocks of
    the stored revision: from this process's copy, or read once. Returns `revision`.
    Side effects: at most one query; the blocks kept for the next calls."""
    key = key_of(revision)
    if key is None or "blocks" in revision.__dict__:
        return revision
    blocks = _BLOCKS.get(key)
    if blocks is None:
        blocks = _BLOCKS.keep(
            key, Revision.objects.filter(pk=revision.pk).values_list("blocks", flat=True).get()
        )
    revision.blocks = blocks
    return revision


def forget():
    """Drop every kept copy (tests). Side effects: the process's copies."""
    _BLOCKS.clear()
