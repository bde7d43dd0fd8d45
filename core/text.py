"""Text helpers shared by the apps."""

import re
import unicodedata

from django.utils.text import slugify

# Bulgarian "streamlined system" (official since 2009), lower case.
_BG = {
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
}


def ascii_slug(text, max_length=80):
    """A URL slug in ASCII: Romanian diacritics dropped, Bulgarian Cyrillic transliterated."""
    lowered = "".join(_BG.get(char, char) for char in str(text).lower())
    slug = slugify(unicodedata.normalize("NFKD", lowered))
    return slug[:max_length].strip("-")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text):
    """True for NUL and other control characters that have no place in typed text."""
    return bool(_CONTROL.search(text or ""))
