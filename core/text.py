"""Text helpers shared by the apps."""

import re
import unicodedata

from django.utils.text import slugify

# Bulgarian "streamlined system" (official since 2009), lower case. (ы and э are not Bulgarian
# letters; they are mapped so that a mistyped reference still gets a Latin name.)
BULGARIAN_TO_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sht",
    "ъ": "a",
    "ь": "y",
    "ю": "yu",
    "я": "ya",
    "ы": "y",
    "э": "e",
}


def ascii_slug(text, max_length=80):
    """A URL slug in ASCII: Romanian diacritics dropped, Bulgarian Cyrillic transliterated."""
    lowered = "".join(BULGARIAN_TO_LATIN.get(char, char) for char in str(text).lower())
    slug = slugify(unicodedata.normalize("NFKD", lowered))
    return slug[:max_length].strip("-")


# Control characters, the noncharacters U+FFFE and U+FFFF and lone surrogates: none belongs in
# typed text, and no XML document (DOCX, ODT, Akoma Ntoso) can hold them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def has_control_characters(text):
    """True for NUL and other control characters that have no place in typed text."""
    return bool(_CONTROL.search(text or ""))


def xml_safe(text):
    """`text` without the characters XML 1.0 cannot hold (see _CONTROL)."""
    return _CONTROL.sub("", text or "")
