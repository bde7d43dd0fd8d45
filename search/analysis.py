"""Text analysis shared by indexing and querying, so both sides fold text the same way.

Romanian: "legislatia", "legislația" (comma below) and "legislaţia" (legacy cedilla) all become
"legislatia"; ă/â → a, î → i. Bulgarian: lower-cased; there is no Bulgarian stemmer, so queries
match words by prefix (see search.query).
"""

import re
import unicodedata

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.support.charset import accent_map

WORD = re.compile(r"\w+", re.UNICODE)


def folding_analyzer():
    return RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)


def fold(text):
    """The same folding as the analyzer, for one piece of text (used by the highlighter)."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return text.translate(accent_map)
