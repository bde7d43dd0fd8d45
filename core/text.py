"""Text helpers shared by the apps: the one way typed text is normalised, checked and cleaned.

Every app stores typed text through `clean_text` (domain commands) or the
`core.validators.no_control_characters` validator (model and form fields): the same
normalisation, the same refusals, the same messages everywhere.
"""

import re
import unicodedata

from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.errors import DomainError

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


def strip_control_characters(text):
    """`text` without the control characters `has_control_characters` finds: for a refused
    form's typed text shown back on the page, and for documents (XML 1.0 cannot hold them)."""
    return _CONTROL.sub("", text or "")


def normalize_text(value):
    """Unicode NFC, Unix line endings, no trailing spaces on a line, no blank lines at either
    end. Revisions' hashes are taken over text normalised this way (`proposals.content`)."""
    value = unicodedata.normalize("NFC", str(value or ""))
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in value.split("\n")]
    return "\n".join(lines).strip("\n")


def control_characters_message(field):
    """The one message for typed text with control characters, naming `field`."""
    return _("%(field)s contains control characters (such as NUL bytes); remove them.") % {
        "field": field
    }


def clean_text(value, *, field, required=False, max_length=None):
    """`value` normalised (`normalize_text`), or DomainError naming `field` (e.g. "The title")
    for control characters (code "control_characters"), an empty required value ("required")
    or more than `max_length` characters ("too_long"). Side effects: none."""
    value = normalize_text(value)
    if has_control_characters(value):
        raise DomainError(control_characters_message(field), code="control_characters")
    if required and not value:
        raise DomainError(_("%(field)s cannot be empty.") % {"field": field}, code="required")
    if max_length is not None and len(value) > max_length:
        raise DomainError(
            _("%(field)s is %(length)s characters long; the limit is %(limit)s.")
            % {"field": field, "length": len(value), "limit": max_length},
            code="too_long",
        )
    return value
