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


# Words that only say "number" before one ("Legea nr. 350/2005", "Закон № 12", "ДВ бр. 5"):
# left out of addresses, which keep the numbers themselves.
_NUMBER_WORDS = {"nr", "no", "br"}


def ascii_slug(text, max_length=80):
    """A URL slug in ASCII: Romanian diacritics dropped, Bulgarian Cyrillic transliterated, the
    parts of a number kept apart and "nr."/"№"/"бр." left out: "Legea nr. 350/2005" →
    "legea-350-2005" (not "legea-nr-3502005"). Cut at a hyphen to at most `max_length`."""
    lowered = "".join(BULGARIAN_TO_LATIN.get(char, char) for char in str(text).lower())
    letters = "".join(
        char for char in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(char)
    )
    # Every mark between words or numbers (/ . , ^ №) separates them.
    words = slugify(re.sub(r"[^\w\s-]", " ", letters)).split("-")
    slug = "-".join(word for word in words if word and word not in _NUMBER_WORDS)
    if len(slug) > max_length:
        cut = slug[:max_length]
        if slug[max_length] != "-" and "-" in cut:
            cut = cut.rsplit("-", 1)[0]  # not in the middle of a word
        slug = cut
    return slug.strip("-")


def free_slug(slug, taken, max_length=80):
    """`slug` if it is not in `taken` (a set of addresses in lower case), else the first of
    `slug-2`, `slug-3`… that is not, cut so that it stays within `max_length`. Side effects:
    none (the caller reads `taken`, e.g. the addresses starting with `slug`, and still refuses
    one a concurrent request took meanwhile)."""
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = slug[: max_length - len(suffix)].rstrip("-") + suffix
    return candidate


# Control characters, the noncharacters U+FFFE and U+FFFF and lone surrogates: none belongs in
# typed text, and no XML document (DOCX, ODT, Akoma Ntoso) can hold them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
# The same without NUL (which PostgreSQL refuses everywhere and callers refuse outright).
_CONTROL_BUT_NUL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def has_control_characters(text):
    """True for NUL and other control characters that have no place in typed text."""
    return bool(_CONTROL.search(text or ""))


def control_characters_as_spaces(text):
    """`text` with every control character but NUL replaced by a space (for a query string:
    Word's manual line break, U+000B, comes with pasted search terms)."""
    return _CONTROL_BUT_NUL.sub(" ", text or "")


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


# --- Identifiers -------------------------------------------------------------------------------
# Names and numbers people recognise each other by: registration numbers, address names (slugs),
# organisation names, display names. Two of them that look identical must be one.
#
# The rule (docs/architecture.md, "Identifiers that look identical"):
# - Stored text is what was typed without its invisible characters (`strip_invisible_characters`)
#   and with its spaces collapsed (`tidy_identifier`): nothing is refused for an invisible
#   character, since a pasted one cannot be seen, let alone removed, by the person who typed it.
# - Uniqueness is decided on `identifier_key`, never on the stored text; the key is for
#   comparison only and never shown.
# - Address names (slugs) are ASCII: `tidy_slug` strips invisible characters and lowers the case,
#   so that a slug is its own key and the column's unique constraint guards it.

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt) beyond the format
# characters (category Cf): the combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
# Mongolian variation selectors, variation selectors, unassigned ignorables and tags.
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2065\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)

# Letters of other scripts drawn like a Latin letter in one of their cases, and the Romanian
# s and t with cedilla drawn like the correct comma-below letters, after case folding (so that
# Cyrillic "Р" and Latin "P", hence "р" and "p", count as one). A small part of Unicode's
# confusables (UTS #39): the letters a Bulgarian or Greek keyboard types in place of Latin ones.
_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "ѕ": "s",
        "і": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "һ": "h",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ӏ": "l",
        "ү": "y",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "ζ": "z",
        "η": "h",
        "ι": "i",
        "κ": "k",
        "μ": "m",
        "ν": "n",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "y",
        "χ": "x",
        # Romanian with cedilla
        "ş": "ș",
        "ţ": "ț",
    }
)


def is_invisible(char):
    """True for a character that shows nothing yet makes text differ: format characters
    (Unicode category Cf: zero-width spaces and joiners, the word joiner, the byte order mark,
    the soft hyphen, bidirectional marks, embeddings, overrides and isolates…) and Unicode's other
    default-ignorable characters (Hangul fillers, variation selectors, tags…)."""
    return unicodedata.category(char) == "Cf" or bool(_IGNORABLE.match(char))


def strip_invisible_characters(text):
    """`text` without the characters `is_invisible` finds."""
    return "".join(char for char in str(text or "") if not is_invisible(char))


def tidy_identifier(text):
    """A typed name or number as it is stored: without invisible characters, its spaces
    collapsed to single spaces and none at either end. Control characters are left in place
    (not collapsed like spaces) so that the caller refuses them (`clean_text`)."""
    text = strip_invisible_characters(text)
    if has_control_characters(text):
        return text
    return " ".join(text.split())


def tidy_slug(text):
    """A typed address name as it is stored: without invisible characters or surrounding
    spaces, in lower case. The caller still checks its shape (ASCII letters, digits, hyphens)."""
    return strip_invisible_characters(text).strip().lower()


def identifier_key(value):
    """What two identifiers are compared by, never shown: invisible characters removed,
    compatibility forms unified (NFKC: full-width, superscript and ligature letters and digits,
    no-break spaces), case folded, look-alike letters of other scripts and the cedilla forms of
    ș and ț mapped to the letters they pass for, spaces collapsed. Two identifiers with the same
    key look the same to a reader."""
    text = unicodedata.normalize("NFKC", strip_invisible_characters(value))
    text = unicodedata.normalize("NFKC", text.casefold()).translate(_LOOK_ALIKES)
    return " ".join(text.split())


def clean_identifier(value, *, field, required=False, max_length=None):
    """`value` tidied (`tidy_identifier`) and cleaned (`clean_text`, whose refusals it raises,
    naming `field`). Side effects: none."""
    return clean_text(tidy_identifier(value), field=field, required=required, max_length=max_length)
