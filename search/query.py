"""From what a person types to a safe Whoosh query, and from a hit to an escaped snippet."""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe
from haystack.inputs import Raw
from haystack.query import SQ, SearchQuerySet

from search.analysis import WORD, fold

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
# Words shorter than PREFIX_MIN must match whole. Longer ones also match other forms of the word
# by prefix: there is no Bulgarian stemmer, and Romanian endings change with case and number, so
# a word of six letters or more drops its last two ("nerambursabila" finds "nerambursabile",
# "legislatia" finds "legislatiei"; "закона" finds "законите").
PREFIX_MIN = 4
TRIM_FROM = 6


def stem(word):
    """The prefix a query word matches other forms by."""
    return word[:-2] if len(word) >= TRIM_FROM else word


PHRASE = re.compile(r'"([^"]+)"')

FACETS = {
    "type": "content_type",
    "status": "status",
    "organization": "organization",
    "authority": "authority",
    "topic": "topics",
    "year": "year",
}


def parse(text):
    """Words and phrases of a query, folded; everything else (operators, syntax) is dropped."""
    # Composed before splitting: a decomposed "ț" (t + combining comma) is not a word character
    # and would cut "legislația" in two.
    text = unicodedata.normalize("NFC", text or "")[:MAX_QUERY_LENGTH]
    quoted = [fold(" ".join(WORD.findall(p))) for p in PHRASE.findall(text)]
    rest = PHRASE.sub(" ", text)
    words = [fold(word) for word in WORD.findall(rest)]
    # A quoted single word is searched as a word, not dropped.
    words.extend(phrase for phrase in quoted if phrase and " " not in phrase)
    phrases = [phrase for phrase in quoted if " " in phrase]
    return words[:MAX_TERMS], phrases[:3]


def _term(word):
    # Folded words are only letters, digits and underscores: nothing left to escape.
    if len(word) >= PREFIX_MIN:
        return SQ(content=Raw(f"({word} OR {stem(word)}*)"))
    return SQ(content=Raw(word))


def _exact(field, value):
    """A whole-value match in Whoosh syntax. Whoosh has no escape inside quotes, so a value with
    a double quote (an organisation called `Asociația "Pro Vrancea"`) goes in single quotes,
    which take the text as it is."""
    value = str(value)[:200]
    if '"' in value:
        return f"{field}_exact:'{value}'"
    return f'{field}_exact:"{value}"'


def build(text, filters=None):
    """A SearchQuerySet for `text` (all words must match) narrowed by facet `filters`."""
    words, phrases = parse(text)
    sqs = SearchQuerySet()
    if not words and not phrases:
        return None
    query = None
    for word in words:
        query = _term(word) if query is None else query & _term(word)
    for phrase in phrases:
        part = SQ(content=Raw(f'"{phrase}"'))
        query = part if query is None else query & part
    sqs = sqs.filter(query)
    for name, value in (filters or {}).items():
        sqs = sqs.narrow(_exact(FACETS[name], value))
    for field in FACETS.values():
        sqs = sqs.facet(field)
    return sqs


def highlight(text, query_text, length=240):
    """An escaped excerpt of `text` around the first matched word, matches in <mark>."""
    words, phrases = parse(query_text)
    terms = set(words)
    for phrase in phrases:
        terms.update(phrase.split())
    if not text:
        return ""
    tokens = list(WORD.finditer(text))

    def matches(token):
        folded = fold(token.group(0))
        return any(
            folded == term or (len(term) >= PREFIX_MIN and folded.startswith(stem(term)))
            for term in terms
        )

    first = next((token for token in tokens if matches(token)), None)
    start = 0 if first is None else max(0, first.start() - length // 3)
    end = min(len(text), start + length)
    # Cut between words, not inside one.
    if start > 0:
        start = next((token.start() for token in tokens if token.start() >= start), start)
    if end < len(text):
        end = max((token.end() for token in tokens if start < token.end() <= end), default=end)
    parts, position = [], start
    for token in tokens:
        if token.start() < start or token.end() > end:
            continue
        if matches(token):
            parts.append(escape(text[position : token.start()]))
            parts.append(f"<mark>{escape(token.group(0))}</mark>")
            position = token.end()
    parts.append(escape(text[position:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(parts).strip() + suffix)  # noqa: S308 - escaped above
