"""Which comments are the same letter: text fingerprints for grouping form-letter campaigns.

Two top-level comments of a stage are *near-identical* when the sets of their word 3-shingles
(every run of three consecutive words, after `normalise`) have a Jaccard similarity of at least
`THRESHOLD`: the same letter with a name, a town or one sentence changed stays above it (0.6 to
0.9 for letters of 30 to 100 words), two different comments on the same paragraph stay far below
(under 0.2, even when they share a sentence). Identical comments (the same words, whatever the
case, punctuation, spacing or diacritics: ş/ș, ţ/ț, ă/a…) have a similarity of 1.

Comparing a new comment with every comment of a stage would not scale, so candidates are found
with MinHash and locality-sensitive hashing: `SIGNATURE` hash functions each keep the smallest
hash of the comment's shingles; the signature is cut into `BANDS` bands of `ROWS` values, and each
band is stored as one 63-bit key (`band_keys`, the `CommentBand` rows, indexed by stage and key).
Two comments with similarity s share at least one band with probability 1 - (1 - s²)¹⁰: 0.94 at
s = 0.5, 0.98 at 0.6, 0.9999 at 0.8, and only 0.001 for unrelated comments (s ≈ 0.01).
Candidates found this way are then checked exactly (`similarity`), so the bands only decide
whom to compare with, never who is grouped. A letter that misses one member of its campaign
is still found through any other member.

Pure functions, no database: `consultations.domain.grouping` stores and uses them.
"""

import hashlib
import re
import unicodedata

THRESHOLD = 0.5
SHINGLE = 3
BANDS = 10
ROWS = 2
SIGNATURE = BANDS * ROWS
# Hash functions h(x) = (a·x + b) mod p over a 61-bit prime: fixed, so keys stay comparable
# across processes and releases (changing them means computing every stored band again).
_PRIME = (1 << 61) - 1
_SEEDS = [
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big")
        % (_PRIME - 1)
        + 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big") % _PRIME,
    )
    for i in range(SIGNATURE)
]
_WORD = re.compile(r"[^\W_]+")


def normalise(text):
    """The words of `text`, lower case, without diacritics and punctuation, separated by one
    space: "Subsemnatul Ţepeş, " and "subsemnatul tepes" are the same. Side effects: none."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORD.findall(bare))


def shingles(text):
    """The set of runs of `SHINGLE` consecutive normalised words (the whole text when it is
    shorter). Side effects: none."""
    words = normalise(text).split()
    if len(words) <= SHINGLE:
        return {" ".join(words)}
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def similarity(first, second):
    """Jaccard similarity of two shingle sets (`shingles`): 1.0 for the same words. Side
    effects: none."""
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def _hash64(value):
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


def band_keys(shingle_set):
    """The `BANDS` lookup keys of a shingle set (signed 63-bit integers, for a BigIntegerField):
    comments whose keys meet are compared. Side effects: none."""
    hashed = [_hash64(shingle) for shingle in shingle_set]
    signature = [min((a * x + b) % _PRIME for x in hashed) for a, b in _SEEDS]
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(
            f"{band}:{':'.join(map(str, rows))}".encode(), digest_size=8
        ).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys
