"""The site's queries evaluated over a Whoosh index with decoded postings kept in memory.

Whoosh matches a query by walking its posting lists one document at a time in Python, decoding
each block of postings as it goes. At 100,000 documents a two-word query with its prefixes reads
100,000–400,000 postings: one to three seconds, every time. Here each term's postings are
decoded once per segment (a segment never changes once written: only its set of deleted
documents grows) and kept, within a memory budget shared by the process, as

- a bitmap (a Python int with one bit per document of the segment): And, Or, the facet
  filters and deletions are integer `&` and `|`, a facet count is `(hits & value).bit_count()`;
- the document numbers and term frequencies, to score the hits with Whoosh's BM25F formula
  (`whoosh.scoring.bm25`, same idf, field lengths and average length);
- for phrase words only, the encoded positions, to check that the words are adjacent.

So the hits, their number and the facet counts are Whoosh's, and so is the order (score, then
document number): each term's BM25 score is computed with Whoosh's formula and operations, but a
document's terms are added in another order, so a sum may differ from Whoosh's in its last bit
(documents whose scores tie within 1e-15 could swap places). Whoosh's own quirks are kept too:
a prefix with three or more terms in a segment of at most 5,000 documents scores a flat 1.

Queries of other shapes (Not, ranges, fuzzy terms, wildcards, a phrase inside an Or, boosts,
another scoring model) raise `Unsupported` and are left to Whoosh (`search.backend`).
"""

import heapq
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from itertools import compress

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

_BIT = tuple(1 << i for i in range(8))
_ZERO_ONE = bytes.maketrans(b"01", b"\x00\x01")


def _adjacent(occurrences, doc):
    """Whether the words (their occurrences, as Segment.positions) follow each other in doc."""
    low, high = doc << 32, (doc + 1) << 32
    ends = None
    for word in occurrences:
        here = word[bisect_left(word, low) : bisect_left(word, high)]
        ends = set(here) if ends is None else set(map((1).__add__, ends)).intersection(here)
        if not ends:
            return False
    return True


class Unsupported(Exception):
    """A query shape this module does not evaluate exactly as Whoosh would."""


def to_bits(docs, size):
    """A bitmap of the document numbers `docs` (all < size)."""
    data = bytearray((size >> 3) + 1)
    bit = _BIT
    for doc in docs:
        data[doc >> 3] |= bit[doc & 7]
    return int.from_bytes(data, "little")


def from_bits(bits):
    """The document numbers set in a bitmap, ascending (C loops only: `bin` gives the bits,
    `compress` picks the numbers)."""
    flags = bin(bits)[:1:-1].encode("ascii").translate(_ZERO_ONE)
    return list(compress(range(len(flags)), flags))


# --- What is kept per segment --------------------------------------------------------------------


class Postings:
    """One term in one segment: bitmap, document numbers and weights (term frequencies)."""

    __slots__ = ("bits", "docs", "weights", "size")

    def __init__(self, bits, docs, weights):
        self.bits = bits
        self.docs = docs
        self.weights = weights
        # Bytes held: the int's digits, 4 per document number, 8 per weight, and overheads.
        self.size = (bits.bit_length() >> 3) + 12 * len(docs) + 200


class Cache:
    """Decoded segment data of every index this process searches, least recently used first
    out once `budget` bytes are held. Thread-safe; decoding happens outside the lock (two
    threads may decode the same term at once: the second result replaces the first)."""

    def __init__(self, budget):
        self.budget = budget
        self._entries = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, value, size):
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._held -= old[1]
            self._entries[key] = (value, size)
            self._held += size
            while self._held > self.budget and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._held -= dropped
        return value

    def forget_segments(self, path, keep):
        """Drop what is held for segments of the index at `path` other than `keep` (segment
        ids): they were merged away or deleted."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == path and k[1] not in keep]:
                self._held -= self._entries.pop(key)[1]

    def forget(self, kinds=None):
        """Drop everything, or what is kept of some kinds: "p" postings, "v" positions, "x"
        prefix expansions, "f" facet values, "n" length norms, "c" term scores."""
        with self._lock:
            for key in [k for k in self._entries if kinds is None or k[2] in kinds]:
                self._held -= self._entries.pop(key)[1]

    @property
    def held(self):
        return self._held

    def __len__(self):
        return len(self._entries)


class Segment:
    """One segment as seen by one searcher: its reader, where its document numbers start in the
    searcher, and which of its documents are live (not deleted) in this generation."""

    def __init__(self, reader, offset, path, cache):
        self.reader = reader
        self.offset = offset
        self.size = reader.doc_count_all()
        self.id = reader.segment().segment_id()
        self.path = path
        self.cache = cache
        self.schema = reader.schema
        self.all = (1 << self.size) - 1
        deleted = list(reader.segment().deleted_docs()) if reader.has_deletions() else []
        self.live = self.all & ~to_bits(deleted, self.size) if deleted else self.all

    def _key(self, *parts):
        return (self.path, self.id, *parts)

    def postings(self, field, btext):
        """The term's Postings in this segment, or None when the segment lacks it."""
        key = self._key("p", field, btext)
        entry = self.cache.get(key)
        if entry is not None:
            return entry[0]
        if (field, btext) not in self.reader:
            return self.cache.put(key, None, 200)
        matcher = self._matcher(field, btext)
        docs, weights = array("I"), array("d")
        if type(matcher) is W3LeafMatcher:
            # Block by block: Whoosh's own one-posting-at-a-time loop costs ~1 µs a posting.
            while not matcher._atend:
                matcher._read_ids()
                matcher._read_weights()
                docs.extend(matcher._ids)
                block = matcher._weights  # a tuple, or an array('f') when all are equal
                weights.extend(block.tolist() if type(block) is array else block)
                matcher._next_block()
        else:  # postings inlined in the term index, or another codec
            while matcher.is_active():
                docs.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
        postings = Postings(to_bits(docs, self.size), docs, weights)
        return self.cache.put(key, postings, postings.size)

    def positions(self, field, btext):
        """Every occurrence of the term in this segment as one int, document << 32 | position,
        ascending (an array of 8-byte ints: no object per occurrence)."""
        key = self._key("v", field, btext)
        entry = self.cache.get(key)
        if entry is not None:
            return entry[0]
        decode = self.schema[field].format.decoder("positions")
        matcher = self._matcher(field, btext)
        occurrences = array("Q")
        if type(matcher) is W3LeafMatcher:
            while not matcher._atend:
                matcher._read_ids()
                matcher._read_values()
                for doc, value in zip(matcher._ids, matcher._values, strict=True):
                    base = doc << 32
                    occurrences.extend([base | position for position in decode(value)])
                matcher._next_block()
        else:
            while matcher.is_active():
                base = matcher.id() << 32
                occurrences.extend([base | position for position in decode(matcher.value())])
                matcher.next()
        return self.cache.put(key, occurrences, 8 * len(occurrences) + 200)

    def _matcher(self, field, btext):
        terms = getattr(self.reader, "_terms", None)
        if terms is not None:  # all postings, deleted documents included: masked by `live`
            return terms.matcher(field, btext, self.schema[field].format, scorer=None)
        return self.reader.postings(field, btext)

    def bits(self, field, btext):
        postings = self.postings(field, btext)
        return 0 if postings is None else postings.bits

    def expand(self, q):
        """The terms of the segment a Prefix query stands for (q._btexts, kept)."""
        key = self._key("x", q.fieldname, q.text)
        entry = self.cache.get(key)
        if entry is not None:
            return entry[0]
        terms = list(q._btexts(self.reader))
        return self.cache.put(key, terms, sum(len(term) + 40 for term in terms) + 200)

    def facet_values(self, field):
        """[(value, bitmap)] of a facet field in this segment, and the bitmap of documents with
        any value (the others are counted under None, as Whoosh does)."""
        key = self._key("f", field)
        entry = self.cache.get(key)
        if entry is not None:
            return entry[0]
        fieldobj = self.schema[field]
        values, anything, size = [], 0, 200
        for btext in list(fieldobj.sortable_terms(self.reader, field)):
            postings = self.postings(field, btext)
            values.append((fieldobj.from_bytes(btext), postings.bits))
            anything |= postings.bits
            size += (postings.bits.bit_length() >> 3) + 100
        return self.cache.put(key, (values, anything), size)

    def norms(self, field, avgfl, B, K1):
        """Per document, the length part of BM25's denominator, K1 * ((1 - B) + B * fl / avgfl),
        computed as whoosh.scoring.bm25 does (the same floating-point operations)."""
        key = self._key("n", field)
        entry = self.cache.get(key)
        if entry is not None and entry[0][0] == (avgfl, B, K1):
            return entry[0][1]
        lengths = self._length_bytes(field)
        table = [K1 * ((1 - B) + B * byte_to_length(code) / avgfl) for code in range(256)]
        norms = list(map(table.__getitem__, lengths))
        return self.cache.put(key, ((avgfl, B, K1), norms), 8 * len(norms) + 200)[1]

    def contributions(self, field, btext, idf, avgfl, B, K1):
        """Per posting of the term (aligned with postings().docs), its BM25 score:
        whoosh.scoring.bm25(idf, tf, fl, avgfl, B, K1) with the same floating-point operations.
        Kept until idf or the average length change (any commit to the index changes them)."""
        key = self._key("c", field, btext)
        stamp = (idf, avgfl, B, K1)
        entry = self.cache.get(key)
        if entry is not None and entry[0][0] == stamp:
            return entry[0][1]
        postings = self.postings(field, btext)
        norms = self.norms(field, avgfl, B, K1)
        K1_plus_1 = K1 + 1
        scores = array(
            "d",
            [
                idf * ((tf * K1_plus_1) / (tf + norms[doc]))
                for doc, tf in zip(postings.docs, postings.weights, strict=True)
            ],
        )
        return self.cache.put(key, (stamp, scores), 8 * len(scores) + 200)[1]

    def _length_bytes(self, field):
        """The encoded length (one byte) of `field` in every document of the segment."""
        try:
            column = self.reader._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
            raw = column._dbfile.get(column._basepos, column._count)
            if column._fixedlen != 1 or len(raw) != column._count:
                raise ValueError("unexpected length column")
            return raw + bytes(self.size - len(raw))
        except (AttributeError, ValueError, TypeError):
            from whoosh.util.numeric import length_to_byte

            length = self.reader.doc_field_length
            return bytes(length_to_byte(length(doc, field, 0) or 0) for doc in range(self.size))


# --- Evaluating a query ------------------------------------------------------------------------


def _term_bytes(schema, field, text):
    """The indexed bytes of a Term's text, or None when it cannot be in the field (as
    whoosh.query.Term.matcher decides)."""
    if field not in schema:
        return None
    try:
        return schema[field].to_bytes(text)
    except ValueError:
        return None


def _flat_prefix(q, expansions, segment):
    """Whether Whoosh scores a prefix 1 for every document it matches rather than the sum of
    its terms' BM25 scores. A Prefix ORs its terms with scoring turned off; whoosh.query.Or then
    picks, per segment, a tree of UnionMatchers for 2 terms or segments of more than 5,000
    documents (which score anyway: the terms fall back to the searcher's BM25F), and otherwise
    an ArrayUnionMatcher, which gives each document a flat 1 (whoosh.query.compound.Or._matcher,
    PreloadedOr)."""
    count = len(expansions)
    if count < 3 or not q.constantscore:
        return False
    return count >= wq.Or.TOO_MANY_CLAUSES or segment.size <= 5000


class Engine:
    """Queries over one searcher (one generation of the index). Made once per searcher."""

    def __init__(self, searcher, path, cache):
        self.searcher = searcher
        self.path = path
        self.cache = cache
        self.schema = searcher.schema
        self.segments = [
            Segment(sub.reader(), offset, path, cache)
            for sub, offset in searcher.leaf_searchers()
            # An empty index has one reader without a segment.
            if sub.reader().segment() is not None
        ]
        weighting = searcher.weighting
        self.scoring = type(weighting) is BM25F and not weighting._field_B
        self._avgfl = {}

    # Shape checks ------------------------------------------------------------------------------

    def check(self, q, scored=True):
        """Raise Unsupported unless `q` can be evaluated here exactly as Whoosh would."""
        self._check(q, scored, top=True, in_or=False)

    def _check(self, q, scored, top, in_or):
        kind = type(q)
        if kind is wq.Term or kind is wq.Prefix:
            if scored and not self._scorable(q.fieldname):
                raise Unsupported(q)
        elif kind is wq.Phrase:
            # The words must be adjacent: only slop 1; a phrase is scored like the And of its
            # words, which matches Whoosh only where every phrase must match (never in an Or).
            if q.slop != 1 or in_or or not (top or not scored) or not q.words:
                raise Unsupported(q)
            if not self.schema[q.fieldname].format.supports("positions"):
                raise Unsupported(q)
            if scored and not self._scorable(q.fieldname):
                raise Unsupported(q)
        elif kind is wq.And:
            # Scores add up over an And and over an Or's matching children; an And inside an Or
            # would add words of documents the And does not match.
            if in_or and scored:
                raise Unsupported(q)
            for child in q.subqueries:
                self._check(child, scored, top=top, in_or=in_or)
        elif kind is wq.Or:
            if q.minmatch or q.scale:
                raise Unsupported(q)
            for child in q.subqueries:
                self._check(child, scored, top=False, in_or=True)
        elif kind is type(wq.NullQuery):
            return
        else:
            raise Unsupported(q)
        if scored and q.boost != 1.0:
            # A boost multiplies a subtree's score: rare enough to leave to Whoosh.
            raise Unsupported(q)

    def _scorable(self, field):
        return self.scoring and field in self.schema and self.schema[field].scorable

    # Matching ----------------------------------------------------------------------------------

    def bits(self, q, segment, within=None):
        """The documents of `segment` matching `q` (deleted ones included), as a bitmap.
        `within` limits the phrase checks to those documents."""
        kind = type(q)
        if kind is wq.Term:
            btext = _term_bytes(segment.schema, q.fieldname, q.text)
            return 0 if btext is None else segment.bits(q.fieldname, btext)
        if kind is wq.Prefix:
            bits = 0
            for btext in segment.expand(q):
                bits |= segment.bits(q.fieldname, btext)
            return bits
        if kind is wq.And:
            children = sorted(q.subqueries, key=lambda child: type(child) is wq.Phrase)
            bits = segment.all if within is None else within
            for child in children:
                bits &= self.bits(child, segment, within=bits)
                if not bits:
                    break
            return bits
        if kind is wq.Or:
            bits = 0
            for child in q.subqueries:
                bits |= self.bits(child, segment, within=within)
            return bits
        if kind is wq.Phrase:
            return self._phrase(q, segment, within)
        return 0  # NullQuery

    def _phrase(self, q, segment, within):
        """Documents where the words follow each other (Whoosh's Phrase with slop 1)."""
        field = q.fieldname
        words = [_term_bytes(segment.schema, field, word) for word in q.words]
        if any(word is None for word in words):
            return 0
        candidates = segment.all if within is None else within
        for word in words:
            candidates &= segment.bits(field, word)
            if not candidates:
                return 0
        if len(words) == 1:
            return candidates
        occurrences = [segment.positions(field, word) for word in words]
        count = candidates.bit_count()
        if count * len(words) * 20 < sum(map(len, occurrences)):
            # Few candidates: check each one's positions.
            matched = [doc for doc in from_bits(candidates) if _adjacent(occurrences, doc)]
            return to_bits(matched, segment.size)
        # Many: where each phrase would start, from the word with fewest occurrences, kept where
        # every other word is at its place; C loops only (set and map over ints).
        order = sorted(range(len(words)), key=lambda index: len(occurrences[index]))
        starts = set(map((-order[0]).__add__, occurrences[order[0]]))
        for index in order[1:]:
            word = occurrences[index]
            if len(starts) * 16 < len(word):  # a frequent word ("de", "la"): look starts up
                end = len(word)
                starts = {
                    start
                    for start in starts
                    if (at := bisect_left(word, start + index)) < end and word[at] == start + index
                }
            else:
                starts = starts.intersection(map((-index).__add__, word))
            if not starts:
                return 0
        return to_bits(set(map((32).__rrshift__, starts)), segment.size) & candidates

    # Scoring -----------------------------------------------------------------------------------

    def terms(self, q, segment, flat):
        """The (field, term bytes) a document matching `q` is scored on, once per occurrence
        in the query: Whoosh adds every matching term's BM25 score (a prefix's expansions each
        count, a word and its own prefix both do). Appends to `flat` the bitmaps of prefixes
        Whoosh scores 1 instead (see _flat_prefix)."""
        kind = type(q)
        if kind is wq.Term:
            btext = _term_bytes(segment.schema, q.fieldname, q.text)
            return [] if btext is None else [(q.fieldname, btext)]
        if kind is wq.Prefix:
            expansions = segment.expand(q)
            if _flat_prefix(q, expansions, segment):
                flat.append(self.bits(q, segment))
                return []
            return [(q.fieldname, btext) for btext in expansions]
        if kind is wq.Phrase:
            words = [_term_bytes(segment.schema, q.fieldname, word) for word in q.words]
            return [(q.fieldname, word) for word in words if word is not None]
        if kind in (wq.And, wq.Or):
            return [term for child in q.subqueries for term in self.terms(child, segment, flat)]
        return []

    def _avg_field_length(self, field):
        if field not in self._avgfl:
            self._avgfl[field] = self.searcher.avg_field_length(field) or 1
        return self._avgfl[field]

    def _scores(self, q, segment, hits):
        """Each hit's score (a list indexed by document number): the sum over the query's terms
        of their BM25 scores (Segment.contributions)."""
        weighting = self.searcher.weighting
        B, K1 = weighting.B, weighting.K1
        scores = [0.0] * segment.size
        few = len(hits)
        flat = []
        for field, btext in self.terms(q, segment, flat):
            postings = segment.postings(field, btext)
            if postings is None:
                continue
            idf = self.searcher.idf(field, btext)
            avgfl = self._avg_field_length(field)
            contributions = segment.contributions(field, btext, idf, avgfl, B, K1)
            docs = postings.docs
            if few * 8 < len(docs):
                # Few hits, a long posting list: look the hits up in it.
                end = len(docs)
                for doc in hits:
                    index = bisect_left(docs, doc)
                    if index < end and docs[index] == doc:
                        scores[doc] += contributions[index]
            else:
                for doc, score in zip(docs, contributions, strict=True):
                    scores[doc] += score
        for bits in flat:
            for doc in from_bits(bits):
                scores[doc] += 1.0
        return scores

    # Searching ---------------------------------------------------------------------------------

    def allowed(self, filters):
        """Per segment, the bitmap of live documents matching every filter query; None when a
        filter matches nothing in the whole index (haystack then reports no results)."""
        masks = [segment.live for segment in self.segments]
        for q in filters:
            matched = [self.bits(q, segment) & segment.live for segment in self.segments]
            if not any(matched):
                return None
            masks = [mask & bits for mask, bits in zip(masks, matched, strict=True)]
        return masks

    def search(self, q, limit, masks, facets=()):
        """Returns (number of hits, [(score, docnum)] best first — at most `limit` —, {facet
        field: {value: count}}). `masks` are allowed() bitmaps; `facets` field names."""
        self.check(q)
        total = 0
        best = []
        counts = {field: {} for field in facets}
        for segment, mask in zip(self.segments, masks, strict=True):
            hits_bits = self.bits(q, segment, within=mask) & mask if mask else 0
            if not hits_bits:
                continue
            total += hits_bits.bit_count()
            for field in facets:
                self._count(segment, field, hits_bits, counts[field])
            if limit:
                hits = from_bits(hits_bits)
                scores = self._scores(q, segment, hits)
                offset = segment.offset
                if len(hits) > limit:
                    # The hits scoring at least the limit-th best score (ties included: the
                    # lowest document numbers win them below, as in Whoosh).
                    values = list(map(scores.__getitem__, hits))
                    threshold = heapq.nlargest(limit, values)[-1]
                    hits = list(compress(hits, map(threshold.__le__, values)))
                best.extend((scores[doc], offset + doc) for doc in hits)
        best.sort(key=lambda item: (-item[0], item[1]))
        return total, best[:limit], counts

    def _count(self, segment, field, hits, counts):
        if field not in self.schema:
            return
        values, anything = segment.facet_values(field)
        for value, bits in values:
            count = (hits & bits).bit_count()
            if count:
                counts[value] = counts.get(value, 0) + count
        missing = (hits & ~anything).bit_count()
        if missing:
            counts[None] = counts.get(None, 0) + missing
