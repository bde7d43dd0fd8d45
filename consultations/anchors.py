"""Comments follow the text: where the paragraph a comment was made on went afterwards.

A comment is anchored to a block's stable key in the revision it was made on. In the
proposal's later revisions that block may stay as it was, change, or disappear; the first
revision where it changed or disappeared is what readers of old comments need to know.

The proposal's revisions are read in one query and reduced to a fingerprint of each block; the
result is cached per proposal and current revision (revisions never change, and a new one moves
the current revision).
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache

from proposals import content
from proposals.models import Revision

CACHE_SECONDS = 24 * 3600


def _fingerprint(block):
    data = json.dumps(content.canonical_block(block), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def _load(proposal_id):
    rows = (
        Revision.objects.filter(proposal_id=proposal_id)
        .order_by("number")
        .values_list("pk", "number", "blocks")
    )
    return [
        (pk, number, {block["key"]: _fingerprint(block) for block in blocks or []})
        for pk, number, blocks in rows
    ]


@dataclass(frozen=True)
class TextNote:
    """“This paragraph changed in revision N” (kind "changed") or “was removed” ("removed")."""

    kind: str
    since: int  # the revision the comment was made on
    number: int  # the first later revision where the paragraph changed or is missing

    @property
    def changed(self):
        return self.kind == "changed"

    @property
    def removed(self):
        return self.kind == "removed"


class TextFollower:
    """Answers `note(revision_id, block_key)` for the comments of one proposal."""

    def __init__(self, revisions):
        self._revisions = revisions
        self._position = {pk: index for index, (pk, _number, _blocks) in enumerate(revisions)}
        self._notes = {}

    def note(self, revision_id, block_key):
        if not revision_id or not block_key:
            return None
        cached = self._notes.get((revision_id, block_key), False)
        if cached is not False:
            return cached
        result = None
        index = self._position.get(revision_id)
        if index is not None:
            _pk, since, blocks = self._revisions[index]
            original = blocks.get(block_key)
            if original is not None:
                for _later_pk, number, later_blocks in self._revisions[index + 1 :]:
                    current = later_blocks.get(block_key)
                    if current is None:
                        result = TextNote("removed", since, number)
                        break
                    if current != original:
                        result = TextNote("changed", since, number)
                        break
        self._notes[(revision_id, block_key)] = result
        return result


def follower_for(proposal):
    """The follower of `proposal`'s text: one query the first time, then from the cache."""
    key = f"consult:anchors:{proposal.pk}:{proposal.current_revision_id}"
    revisions = cache.get(key)
    if revisions is None:
        revisions = _load(proposal.pk)
        cache.set(key, revisions, CACHE_SECONDS)
    return TextFollower(revisions)
