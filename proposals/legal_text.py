"""Splitting the text of a normative act into its units, for Romanian and Bulgarian numbering.

Pure Python (standard library only). `split_act` reads the plain text of a law as pasted from the
official portals (legislatie.just.ro, lex.bg, parliament.bg) or as the paragraphs of an uploaded
document, one paragraph a line, and returns its articles (and Bulgarian § units) with their
paragraphs, letters and points. The text of every unit is a slice of the source, character for
character: both Romanian spellings (cedilla ş ţ and comma-below ș ț) are kept as given, because
hashes are computed later over the exact text.

Line breaks copied from a PDF can put a marker at the start of a line ("prevăzute la alin.\\n(2)
din"); a marker therefore opens a unit only when it continues the numbering of its parent — the
first paragraph is (1), then (2) or an inserted (1^1), and so on — and never right after a line
ending in a reference word ("alin.", "art.", "ал." …). Lines inside an open quotation („…”, „…“)
are the quoted text of an amending act, never units of the act itself.

The helpers for written references (`parse_reference`, `unit_reference`, `reference_sort_key`,
`reference_eid`, `superscript_numbers`) use the same numbering: superscripts are always written
"^n" in numbers ("16^1"), and `superscript_numbers` turns them back into the display form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.text import BULGARIAN_TO_LATIN

ARTICLE = "article"
PARAGRAPH = "paragraph"
LETTER = "letter"
POINT = "point"
SECTION = "section"  # a Bulgarian "§" of the supplementary or transitional provisions

TOP_LEVEL_KINDS = (ARTICLE, SECTION)

ROMANIAN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
BULGARIAN_LETTERS = "абвгдежзийклмнопрстуфхцчшщъьюя"
# Bulgarian enumerations skip these letters: "и)" is followed by "к)".
_BULGARIAN_SKIPPED = "йъь"

# Bulgarian Cyrillic in Latin letters (the streamlined system, as in our URL slugs).
_TRANSLITERATION = str.maketrans(BULGARIAN_TO_LATIN)

_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_SUPERSCRIPT = str.maketrans("0123456789", _SUPERSCRIPT_DIGITS)
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT_DIGITS, "0123456789")

# The optional superscript after a number: "16^1", "16 ^1", "16¹". Numbers are bounded so that
# int() never meets a 5,000-digit string in garbage input.
_SUP = rf"(?:[ \t\xa0]*\^[ \t\xa0]*(?P<sup>\d{{1,4}})|(?P<usup>[{_SUPERSCRIPT_DIGITS}]{{1,4}}))?"
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


@dataclass(frozen=True)
class Unit:
    """One amendable unit of an act: an article or §, or a paragraph, letter or point in it."""

    kind: str  # ARTICLE, PARAGRAPH, LETTER, POINT or SECTION
    number: str  # "5", "16^1", "26а", "I", "2", "f", "a^1", "3"
    label: str  # the marker as printed: "Art. 16^1.", "(2)", "f)", "3.", "§ 1."
    reference: str  # unit_reference() of its path: "Art. 5 alin. (2) lit. f)", "чл. 26, ал. 4"
    eid: str  # Akoma Ntoso eId: "art_5__para_2__point_f"
    text: str  # the source text from the label on, children included, trailing space stripped
    depth: int  # 0 for articles and §
    parent: int | None  # index in ActText.units
    container: str  # enclosing headings, outermost first, joined by " / "; "" when none


@dataclass
class ActText:
    language: str  # "ro" or "bg"
    units: list[Unit] = field(default_factory=list)  # in document order
    preamble: str = ""  # the text before the first unit, stripped

    def articles(self) -> list[Unit]:
        """The depth-0 units: articles and Bulgarian § units."""
        return [unit for unit in self.units if unit.depth == 0]


# --- numbers ------------------------------------------------------------------------------------


def _roman_value(numeral: str) -> int:
    values = [_ROMAN_VALUES[char] for char in numeral]
    total = 0
    for index, value in enumerate(values):
        if index + 1 < len(values) and values[index + 1] > value:
            total -= value
        else:
            total += value
    return total


def _is_roman(numeral: str) -> bool:
    return bool(numeral) and _ROMAN.fullmatch(numeral) is not None


def _superscript(match: re.Match) -> int:
    if match["sup"]:
        return int(match["sup"])
    if match["usup"]:
        return int(match["usup"].translate(_FROM_SUPERSCRIPT))
    return 0


def _with_sup(base: str, sup: int) -> str:
    return f"{base}^{sup}" if sup else base


_NUMBER_PARTS = re.compile(
    r"(?P<base>\d+|[IVXLCDM]+|[a-zа-я]|unic)(?P<suffix>[а-я])?(?:\^(?P<sup>\d+))?"
)


def letter_index(letter: str, alphabet: str = BULGARIAN_LETTERS) -> int:
    """The position of a letter in its alphabet; a letter outside it (a typo such as the
    Russian "ы" in a Bulgarian reference) sorts after every letter of the alphabet."""
    position = alphabet.find(letter)
    return position if position >= 0 else len(alphabet) + ord(letter)


def _number_key(kind: str, number: str) -> tuple[int, int, int]:
    """(numbering system, value, sub-value) of a normalised number, for ordering.

    Systems: 0 Arabic (and "unic"), 1 Roman. The sub-value is the superscript or the Bulgarian
    suffix letter ("26а" → 26, 1).
    """
    match = _NUMBER_PARTS.fullmatch(number)
    if match is None:
        raise ValueError(number)
    base, suffix, sup = match["base"], match["suffix"], match["sup"]
    sub = int(sup) if sup else 0
    if suffix:
        sub = letter_index(suffix) + 1
    if base.isdigit():
        return (0, int(base), sub)
    if base == "unic":
        return (0, 0, 0)
    if kind == LETTER:
        alphabet = BULGARIAN_LETTERS if base in BULGARIAN_LETTERS else ROMANIAN_LETTERS
        return (0, letter_index(base, alphabet), sub)
    if _is_roman(base):
        return (1, _roman_value(base), sub)
    raise ValueError(number)


# --- references ---------------------------------------------------------------------------------

_RO_LABELS = {
    ARTICLE: "Art. {}",
    SECTION: "§ {}",
    PARAGRAPH: "alin. ({})",
    LETTER: "lit. {})",
    POINT: "pct. {}",
}
_BG_LABELS = {
    ARTICLE: "чл. {}",
    SECTION: "§ {}",
    PARAGRAPH: "ал. {}",
    LETTER: "б. {})",
    POINT: "т. {}",
}
_EID_PREFIXES = {
    ARTICLE: "art",
    SECTION: "sec",
    PARAGRAPH: "para",
    # Akoma Ntoso has one element for the items of a list: letters and points are both "point".
    LETTER: "point",
    POINT: "point",
}


def unit_reference(path, language: str) -> str:
    """The canonical written reference of a unit path in the act's language.

    ro: "Art. 5 alin. (2) lit. f) pct. 3"; bg: "чл. 26, ал. 4, т. 3, б. а)"; "§ 1" in both.
    """
    labels = _BG_LABELS if language == "bg" else _RO_LABELS
    parts = []
    for kind, number in path:
        if kind == ARTICLE and number == "unic":
            parts.append("Articolul unic")
        else:
            parts.append(labels[kind].format(number))
    return ", ".join(parts) if language == "bg" else " ".join(parts)


def path_eid(path) -> str:
    """The Akoma Ntoso eId of a unit path: [("article", "16^1"), ("paragraph", "2")] →
    "art_16-1__para_2"; Cyrillic letters are transliterated ("26а" → "26a")."""
    return "__".join(
        f"{_EID_PREFIXES[kind]}_{number.replace('^', '-').translate(_TRANSLITERATION)}"
        for kind, number in path
    )


_REFERENCE_TOKENS = (
    (
        ARTICLE,
        re.compile(
            r"(?i:articolul|articolului|articol|art)\b\.?\s*"
            r"(?:(?P<num>\d{1,3}(?:\.\d{3})+(?!\d)|\d{1,5})|(?P<roman>[IVXLCDM]{1,8})"
            r"|(?P<unic>(?i:unic)))" + _SUP + r"(?!\w)"
        ),
    ),
    (
        ARTICLE,
        re.compile(r"(?i:члена|член|чл)\.?\s*(?P<num>\d{1,5})(?P<suffix>[а-яА-Я])?(?!\w)"),
    ),
    (SECTION, re.compile(r"§\s*(?P<num>\d{1,5})(?P<suffix>[а-яА-Я])?(?!\w)")),
    (
        PARAGRAPH,
        re.compile(
            r"(?i:alineatul|alineatului|alineat|alin|al)\.?\s*\(?\s*(?P<num>\d{1,5})"
            + _SUP
            + r"\s*\)?(?!\w)"
        ),
    ),
    (PARAGRAPH, re.compile(r"(?i:алинея|ал)\.?\s*\(?\s*(?P<num>\d{1,5})\s*\)?(?!\w)")),
    (
        LETTER,
        re.compile(r"(?i:litera|literei|lit)\.?\s*(?P<letter>[a-zA-Z])" + _SUP + r"\)?(?!\w)"),
    ),
    (
        LETTER,
        re.compile(r"(?i:буква|б)\.?\s*[„\"«“]?(?P<letter>[а-яА-Я])[“”\"»]?\)?(?!\w)"),
    ),
    (
        POINT,
        re.compile(
            r"(?i:punctul|punctului|punct|pct|pt)\.?\s*(?P<num>\d{1,5})" + _SUP + r"\.?(?!\w)"
        ),
    ),
    (POINT, re.compile(r"(?i:точка|т)\.?\s*(?P<num>\d{1,5})\.?(?!\w)")),
)
_REFERENCE_SEPARATORS = re.compile(r"[\s,;.:]*")
# Words joining the parts of a reference written from the smallest unit up:
# "lit. b) a alin. (2) al art. 5", "т. 3 от ал. 4 на чл. 26".
_REFERENCE_CONNECTORS = re.compile(r"(?i:ale|al|a|din|de\s+la|la|от|на)(?!\w)")
_ALLOWED_CHILDREN = {
    ARTICLE: {PARAGRAPH, LETTER, POINT},
    SECTION: {PARAGRAPH, LETTER, POINT},
    PARAGRAPH: {LETTER, POINT},
    LETTER: {POINT},
    POINT: {LETTER},
}


def _reference_number(kind: str, match: re.Match) -> str | None:
    groups = match.groupdict()
    if kind == LETTER:
        letter = groups["letter"].lower()
        return _with_sup(letter, _superscript(match) if "sup" in groups else 0)
    if groups.get("unic"):
        return "unic"
    if groups.get("roman"):
        if not _is_roman(groups["roman"]):
            return None
        return _with_sup(groups["roman"], _superscript(match))
    base = str(int(groups["num"].replace(".", "")))
    if groups.get("suffix"):
        return base + groups["suffix"].lower()
    return _with_sup(base, _superscript(match) if "sup" in groups else 0)


def _valid_path(path: list[tuple[str, str]]) -> bool:
    if not path or path[0][0] not in TOP_LEVEL_KINDS:
        return False
    kinds = [kind for kind, _ in path]
    if len(set(kinds)) != len(kinds):
        return False
    return all(
        kinds[index] in _ALLOWED_CHILDREN[kinds[index - 1]]
        and (kinds[index] != PARAGRAPH or index == 1)
        for index in range(1, len(kinds))
    )


def parse_reference(reference: str) -> list[tuple[str, str]] | None:
    """The path of the unit a typed reference names, or None when it is not one.

    "Art. 5 alin. (2) lit. f) pct. 3" → [("article", "5"), ("paragraph", "2"), ("letter", "f"),
    ("point", "3")]; "art. 16¹" → [("article", "16^1")]; "чл. 26, ал. 4, т. 3"; "§ 1"; "Art. I".
    A reference written from the smallest unit up ("alin. (2) al art. 5") is read too.
    """
    if not isinstance(reference, str):
        return None
    text = reference.strip()
    path: list[tuple[str, str]] = []
    position, joined = 0, False
    while True:
        position = _REFERENCE_SEPARATORS.match(text, position).end()
        if position >= len(text):
            break
        for kind, pattern in _REFERENCE_TOKENS:
            match = pattern.match(text, position)
            if match:
                number = _reference_number(kind, match)
                if number is None:
                    return None
                path.append((kind, number))
                position, joined = match.end(), False
                break
        else:
            match = _REFERENCE_CONNECTORS.match(text, position)
            if match is None or not path or joined:
                return None
            position, joined = match.end(), True
    if joined:
        return None
    if path and path[0][0] not in TOP_LEVEL_KINDS and path[-1][0] in TOP_LEVEL_KINDS:
        path.reverse()
    return path if _valid_path(path) else None


_KIND_RANKS = {ARTICLE: 0, SECTION: 0, PARAGRAPH: 1, LETTER: 2, POINT: 3}


def reference_sort_key(reference: str) -> tuple:
    """A key that sorts references in the order of the act.

    Arabic-numbered articles, then Roman-numbered ones (the articles of an amending act), then §
    units; inside an article its own reference first, then its paragraphs, then the next inserted
    article: Art. 16 < Art. 16 alin. (1) < Art. 16^1. Unparseable references share one key after
    all the others, so a stable sort keeps them in their original order. Never raises.
    """
    path = parse_reference(reference)
    if path is None:
        return (1,)
    parts = []
    for kind, number in path:
        _, value, sub = _number_key(kind, number)
        parts.append((_KIND_RANKS[kind], value, sub))
    first_kind, first_number = path[0]
    group = 2 if first_kind == SECTION else _number_key(first_kind, first_number)[0]
    return (0, group, tuple(parts))


def reference_eid(reference: str) -> str | None:
    """The Akoma Ntoso eId of the unit a reference names ("Art. 5 alin. (2)" → "art_5__para_2"),
    or None when the reference is not one."""
    path = parse_reference(reference)
    return None if path is None else path_eid(path)


_CARET_NUMBER = re.compile(r"([^\W_])[ \t\xa0]*\^(\d+)")


def superscript_numbers(text: str) -> str:
    """The display form of caret superscripts: "Art. 16 ^1" → "Art. 16¹", "(2^1)" → "(2¹)".

    Only a caret right after a digit or letter (spaces allowed before it) and followed by digits
    is rewritten; everything else is left as it is.
    """
    return _CARET_NUMBER.sub(lambda match: match[1] + match[2].translate(_TO_SUPERSCRIPT), text)


_SUPERSCRIPT_RUN = re.compile(f"[{_SUPERSCRIPT_DIGITS}]+")


def caret_numbers(text: str) -> str:
    """The stored form of superscripts, back from the display form: "16¹" → "16^1"."""
    return _SUPERSCRIPT_RUN.sub(lambda match: "^" + match[0].translate(_FROM_SUPERSCRIPT), text)


# --- language -----------------------------------------------------------------------------------

_DETECTION_SAMPLE = 100_000
_NOT_ASCII_LETTERS = bytes(
    byte for byte in range(256) if not chr(byte).isascii() or not chr(byte).isalpha()
)


def detect_language(text: str) -> str:
    """ "bg" when Cyrillic letters outnumber Latin ones (in the first 100,000 characters)."""
    data = text[:_DETECTION_SAMPLE].encode("utf-8", "surrogatepass")
    # Counted on the UTF-8 bytes, in C: 0xD0 and 0xD1 lead the characters U+0400–U+047F (never a
    # continuation byte); the Romanian letters with diacritics are few next to the ASCII ones.
    cyrillic = data.count(b"\xd0") + data.count(b"\xd1")
    latin = len(data.translate(None, _NOT_ASCII_LETTERS))
    return "bg" if cyrillic > latin else "ro"


# --- markers at the start of a line -------------------------------------------------------------

_RO_ARTICLE = re.compile(
    r"(?P<keyword>ARTICOLUL|Articolul|ARTICOL|Articol|ART\.|Art\.)[ \t\xa0]*"
    # Above 999 the codes print a thousands dot: "Art. 1.234".
    r"(?:(?P<num>\d{1,3}(?:\.\d{3})+(?!\d)|\d{1,5})|(?P<roman>[IVXLCDM]{1,8})|(?P<unic>unic|UNIC))"
    + _SUP
    + r"(?!\w)(?P<dot>[ \t\xa0]*\.)?"
)
_BG_ARTICLE = re.compile(
    r"(?P<keyword>Чл\.|ЧЛ\.|Член|ЧЛЕН)[ \t\xa0]*(?P<num>\d{1,5})(?P<suffix>[а-я])?(?!\w)"
    r"(?P<dot>[ \t\xa0]*\.)?"
)
_BG_SECTION = re.compile(
    r"(?P<keyword>§)[ \t\xa0]*(?P<num>\d{1,5})(?P<suffix>[а-я])?(?!\w)(?P<dot>[ \t\xa0]*\.)?"
)
_PARAGRAPH = re.compile(r"\((?P<num>\d{1,5})" + _SUP + r"\)")
_RO_LETTER = re.compile(r"(?P<letter>[a-z])" + _SUP + r"\)")
_BG_LETTER = re.compile(r"(?P<letter>[а-я])" + _SUP + r"\)")
_POINT = re.compile(r"(?P<num>\d{1,5})" + _SUP + r"\.(?!\d)")
# After an article label: "Art. 5. - (1)", "Чл. 26. (Изм. – ДВ, бр. 46 от 2007 г.) (1)".
_LABEL_SEPARATOR = re.compile(r"[ \t\xa0]*(?:[-–—‒−]+[ \t\xa0]*)?")
_AMENDMENT_NOTES = re.compile(r"(?:\((?![\d ])[^()]{0,200}\)[ \t\xa0]*)*")
# A previous line ending in a reference word means the marker at the start of this line is the
# rest of a sentence broken by a PDF ("prevăzute la alin.\n(2)").
_REFERENCE_AT_END = re.compile(
    r"(?:(?<!\w)(?i:alin|art|lit|pct|pt|nr|al|ал|чл|т|б|бр)\."
    r"|(?<!\w)(?i:alineat(?:ul|ului|ele|elor)|articol(?:ul|ului|ele|elor)|liter(?:a|ei|ele|elor)"
    r"|punct(?:ul|ului|ele|elor)|алине(?:я|и|ята)|член(?:а|ове)?|точк(?:а|и|ата)|букв(?:а|и|ата)))"
    r"[ \t\xa0]*\Z"
)
_QUOTES = re.compile(r"[„«”“»\"]")
_LEADING_INVISIBLE = "\ufeff\u200b\u2060"


@dataclass(frozen=True)
class _ContainerRule:
    pattern: re.Pattern
    level: int
    annex: bool = False
    # Title-case headings ("Capitolul II") must not be the rest of a sentence ("Capitolul II din
    # lege"); with whole_line the heading must be alone on its line (or followed by "към …").
    whole_line: bool = False


_BG_ORDINAL = (
    r"(?i:(?:(?:двадесет|тридесет|четиридесет|петдесет)\s+и\s+)?"
    r"(?:първ|втор|трет|четвърт|пет|шест|седм|осм|девет|десет|единадесет|дванадесет|тринадесет"
    r"|четиринадесет|петнадесет|шестнадесет|седемнадесет|осемнадесет|деветнадесет|двадесет"
    r"|тридесет|четиридесет|петдесет)а)"
)
_RO_CONTAINERS = (
    _ContainerRule(
        re.compile(
            r"(?:PARTEA|Partea|CARTEA|Cartea)[ \t\xa0]+"
            r"(?:[IVXLCDM]{1,8}|a[ \t\xa0]+[IVXLCDM]{1,8}-a|întâi|ÎNTÂI)(?!\w)"
        ),
        0,
    ),
    _ContainerRule(
        re.compile(
            r"(?:TITLUL|Titlul)[ \t\xa0]+(?:[IVXLCDM]{1,8}|\d{1,4}|PRELIMINAR|preliminar)"
            + _SUP
            + r"(?!\w)"
        ),
        1,
    ),
    _ContainerRule(
        re.compile(
            r"(?:CAPITOLUL|Capitolul|CAP\.|Cap\.)[ \t\xa0]*(?:[IVXLCDM]{1,8}|\d{1,4})"
            + _SUP
            + r"(?!\w)"
        ),
        2,
    ),
    _ContainerRule(
        re.compile(
            r"(?:SECȚIUNEA|SECŢIUNEA|SECTIUNEA|Secțiunea|Secţiunea|Sectiunea)[ \t\xa0]+"
            r"(?:a[ \t\xa0]+\d{1,3}(?:\^\d{1,3})?-a|\d{1,3}|[IVXLCDM]{1,8}|întâi|ÎNTÂI)(?!\w)"
        ),
        3,
    ),
    # The subsections of the Romanian codes: "§1. Dispoziţii generale".
    _ContainerRule(re.compile(r"§[ \t\xa0]*\d{1,4}(?!\w)\.?"), 4),
    _ContainerRule(re.compile(r"(?:ANEXA|ANEXĂ)(?!\w)"), 0, annex=True),
    _ContainerRule(
        re.compile(r"(?:Anexa|Anexă)(?:[ \t\xa0]+(?:nr\.[ \t\xa0]*)?\d{1,3})?(?!\w)"),
        0,
        annex=True,
        whole_line=True,
    ),
)
_BG_CONTAINERS = (
    _ContainerRule(
        re.compile(r"(?:Част|ЧАСТ)[ \t\xa0]+(?:" + _BG_ORDINAL + r"|[IVXLCDM]{1,8})(?!\w)"), 0
    ),
    _ContainerRule(
        re.compile(
            r"(?:Глава|ГЛАВА)[ \t\xa0]+(?:" + _BG_ORDINAL + r"|[IVXLCDM]{1,8}|\d{1,3})(?!\w)"
        ),
        2,
    ),
    _ContainerRule(
        re.compile(r"(?:Раздел|РАЗДЕЛ)[ \t\xa0]+(?:[IVXLCDM]{1,8}|\d{1,3})[а-я]?(?!\w)"), 3
    ),
    _ContainerRule(
        re.compile(
            r"(?i:допълнителн[аи]|преходни[ \t\xa0]+и[ \t\xa0]+заключителни|преходн[аи]"
            r"|заключителн[аи])[ \t\xa0]+(?i:разпоредб[аи])(?!\w)"
        ),
        0,
        whole_line=True,
    ),
    _ContainerRule(
        re.compile(r"(?:Приложение|ПРИЛОЖЕНИЕ)(?:[ \t\xa0]*№[ \t\xa0]*\d{1,3})?(?!\w)"),
        0,
        annex=True,
        whole_line=True,
    ),
)


@dataclass(frozen=True)
class _Grammar:
    language: str
    articles: tuple[re.Pattern, ...]
    letter: re.Pattern
    alphabet: str
    containers: tuple[_ContainerRule, ...]
    children: dict


_GRAMMARS = {
    "ro": _Grammar(
        language="ro",
        articles=(_RO_ARTICLE,),
        letter=_RO_LETTER,
        alphabet=ROMANIAN_LETTERS,
        containers=_RO_CONTAINERS,
        # A point under an article, a paragraph or a letter; letters under the points of an
        # amending act ("Art. I. - … 1. … a) …").
        children={
            ARTICLE: (PARAGRAPH, LETTER, POINT),
            PARAGRAPH: (LETTER, POINT),
            LETTER: (POINT,),
            POINT: (LETTER,),
        },
    ),
    "bg": _Grammar(
        language="bg",
        articles=(_BG_ARTICLE, _BG_SECTION),
        letter=_BG_LETTER,
        alphabet=BULGARIAN_LETTERS,
        containers=_BG_CONTAINERS,
        # чл. → ал. → т. → б.
        children={
            ARTICLE: (PARAGRAPH, POINT, LETTER),
            SECTION: (PARAGRAPH, POINT, LETTER),
            PARAGRAPH: (POINT, LETTER),
            POINT: (LETTER,),
            LETTER: (),
        },
    ),
}


class _Record:
    """A unit while the text is read; its end line is known once a later line closes it."""

    __slots__ = (
        "kind",
        "number",
        "key",
        "label",
        "line",
        "column",
        "end",
        "parent",
        "depth",
        "container",
        "last_child",
    )

    def __init__(self, kind, number, key, label, line, column, parent, depth, container):
        self.kind = kind
        self.number = number
        self.key = key
        self.label = label
        self.line = line
        self.column = column
        self.end = line
        self.parent = parent
        self.depth = depth
        self.container = container
        self.last_child: dict[str, tuple[int, int]] = {}


def _lstrip_position(line: str) -> int:
    position = 0
    length = len(line)
    while position < length and (line[position].isspace() or line[position] in _LEADING_INVISIBLE):
        position += 1
    return position


def _quote_depth(line: str, depth: int) -> int:
    for quote in _QUOTES.findall(line):
        if quote in "„«":
            depth += 1
        elif depth:
            # "”" (Romanian), "“" (Bulgarian), "»" and a straight quote after an opening „
            depth -= 1
    return depth


def _container(grammar: _Grammar, line: str, column: int) -> tuple[int, str, bool] | None:
    first = line[column]
    if not (first.isupper() or first == "§"):
        return None
    for rule in grammar.containers:
        match = rule.pattern.match(line, column)
        if match is None:
            continue
        rest = line[match.end() :].strip()
        keyword_upper = line[column : match.end()].isupper()
        if not keyword_upper and not (rule.whole_line and rest.startswith("към ")):
            if rule.whole_line and rest:
                continue
            if rest.lstrip("-–—.: \t\xa0")[:1].islower():
                continue
        return rule.level, " ".join(line[column:].split()), rule.annex
    return None


def _top_level(grammar: _Grammar, line: str, column: int):
    """(kind, numbering system, key, number, label end) of an article or § label, or None."""
    first = line[column]
    if first not in "AЧ§":
        return None
    for pattern in grammar.articles:
        match = pattern.match(line, column)
        if match is None:
            continue
        if not match["dot"]:
            # "Art. 5 din Legea …" is a reference; a label stands alone, or before a dash or (1).
            after = line[match.end() :].lstrip()
            if after and after[0] not in "-–—‒−(":
                return None
        kind = SECTION if match["keyword"] == "§" else ARTICLE
        groups = match.groupdict()
        if groups.get("unic"):
            return kind, "unic", (0, 0), "unic", match.end()
        if groups.get("roman"):
            numeral = groups["roman"]
            if not _is_roman(numeral):
                return None
            sup = _superscript(match)
            return kind, "roman", (_roman_value(numeral), sup), _with_sup(numeral, sup), match.end()
        number = int(match["num"].replace(".", ""))
        if groups.get("suffix"):
            suffix = groups["suffix"]
            return (
                kind,
                kind,
                (number, letter_index(suffix) + 1),
                f"{number}{suffix}",
                match.end(),
            )
        sup = _superscript(match) if "sup" in groups else 0
        return kind, kind, (number, sup), _with_sup(str(number), sup), match.end()
    return None


def _sub_unit(grammar: _Grammar, line: str, column: int):
    """(kind, key, number, label end) of a paragraph, letter or point marker, or None."""
    first = line[column]
    if first == "(":
        match = _PARAGRAPH.match(line, column)
        kind = PARAGRAPH
    elif first.isdigit():
        match = _POINT.match(line, column)
        kind = POINT
    elif first in grammar.alphabet:
        match = grammar.letter.match(line, column)
        kind = LETTER
    else:
        return None
    if match is None:
        return None
    sup = _superscript(match)
    if kind == LETTER:
        letter = match["letter"]
        return (
            kind,
            (letter_index(letter, grammar.alphabet), sup),
            _with_sup(letter, sup),
            match.end(),
        )
    number = int(match["num"])
    return kind, (number, sup), _with_sup(str(number), sup), match.end()


def _follows(grammar: _Grammar, kind: str, previous, candidate) -> bool:
    """Whether a marker continues the numbering of its siblings (or starts it)."""
    value, sup = candidate
    if previous is None:
        return candidate == ((0, 0) if kind == LETTER else (1, 0))
    previous_value, previous_sup = previous
    if value == previous_value:
        return sup > previous_sup  # an inserted unit: (2^1) after (2), a^2) after a^1)
    if sup:
        return False
    if value == previous_value + 1:
        return True
    return (
        kind == LETTER
        and grammar.language == "bg"
        and value == previous_value + 2
        and grammar.alphabet[previous_value + 1] in _BULGARIAN_SKIPPED
    )


class _Reader:
    """One pass over the lines of an act."""

    def __init__(self, grammar: _Grammar, lines: list[str], track_quotes: bool):
        self.grammar = grammar
        self.lines = lines
        self.track_quotes = track_quotes
        self.records: list[_Record] = []
        self.stack: list[int] = []  # indices of the open records, article first
        self.last_top: dict[str, tuple[int, int]] = {}  # numbering system → key of the last one
        self.containers: list[list] = []  # [level, heading], outermost first
        self.container_label = ""
        self.collecting_heading = False
        self.quote_depth = 0

    def read(self) -> bool:
        """Reads every line; False when a quotation is still open at the end (unbalanced)."""
        previous_line = ""
        for index, line in enumerate(self.lines):
            quoted = self.quote_depth > 0
            if self.track_quotes and ("„" in line or "«" in line or quoted):
                self.quote_depth = _quote_depth(line, self.quote_depth)
            column = _lstrip_position(line)
            if column == len(line):
                previous_line = ""
                continue
            if not quoted:
                container = _container(self.grammar, line, column)
                if container is not None:
                    self.close(index - 1)
                    level, heading, annex = container
                    if annex:
                        # Lines of an annex are never units of the last article.
                        return not (self.track_quotes and self.quote_depth)
                    self.open_container(level, heading)
                    previous_line = line
                    continue
                broken = _REFERENCE_AT_END.search(previous_line[-24:]) is not None
                if not broken and self.marker(index, line, column):
                    self.collecting_heading = False
                    previous_line = line
                    continue
            if not self.stack and self.collecting_heading:
                self.containers[-1][1] += " " + " ".join(line.split())
                self.update_container_label()
            previous_line = line
        self.close(len(self.lines) - 1)
        return not (self.track_quotes and self.quote_depth)

    def open_container(self, level: int, heading: str) -> None:
        while self.containers and self.containers[-1][0] >= level:
            self.containers.pop()
        self.containers.append([level, heading])
        self.update_container_label()
        self.collecting_heading = True

    def update_container_label(self) -> None:
        self.container_label = " / ".join(heading for _, heading in self.containers)

    def close(self, end: int, keep: int = 0) -> None:
        while len(self.stack) > keep:
            self.records[self.stack.pop()].end = end

    def add(self, kind, number, key, label, line, column, parent) -> None:
        depth = 0 if parent is None else self.records[parent].depth + 1
        record = _Record(
            kind, number, key, label, line, column, parent, depth, self.container_label
        )
        if parent is not None:
            self.records[parent].last_child[kind] = key
        self.stack.append(len(self.records))
        self.records.append(record)

    def marker(self, index: int, line: str, column: int) -> bool:
        """Opens the unit whose marker starts the line, if it is one; True when it did."""
        top = _top_level(self.grammar, line, column)
        if top is not None:
            kind, system, key, number, label_end = top
            previous = self.last_top.get(system)
            if previous is not None and key <= previous:
                return False  # a lower number is a reference to an earlier article
            self.close(index - 1)
            self.last_top[system] = key
            self.add(kind, number, key, line[column:label_end], index, column, None)
            self.inline_paragraph(index, line, label_end)
            return True
        if not self.stack:
            return False
        sub = _sub_unit(self.grammar, line, column)
        if sub is None:
            return False
        kind, key, number, label_end = sub
        # The innermost open unit that may hold this kind and whose numbering it continues.
        for position in range(len(self.stack) - 1, -1, -1):
            parent = self.records[self.stack[position]]
            if kind not in self.grammar.children.get(parent.kind, ()):
                continue
            if any(self.records[i].kind == kind for i in self.stack[:position]):
                continue  # a point never sits inside a point, even through a letter
            if _follows(self.grammar, kind, parent.last_child.get(kind), key):
                self.close(index - 1, keep=position + 1)
                self.add(
                    kind,
                    number,
                    key,
                    line[column:label_end],
                    index,
                    column,
                    self.stack[position],
                )
                return True
        return False

    def inline_paragraph(self, index: int, line: str, label_end: int) -> None:
        """The first paragraph on the label's line: "Art. 5. - (1) Text", "Чл. 26. (1) Текст"."""
        position = _LABEL_SEPARATOR.match(line, label_end).end()
        position = _AMENDMENT_NOTES.match(line, position).end()
        if position >= len(line) or line[position] != "(":
            return
        sub = _sub_unit(self.grammar, line, position)
        if sub is None or sub[0] != PARAGRAPH or sub[1] != (1, 0):
            return
        kind, key, number, label_end = sub
        self.add(kind, number, key, line[position:label_end], index, position, self.stack[-1])

    def units(self) -> list[Unit]:
        units = []
        paths: list[list[tuple[str, str]]] = []
        language = self.grammar.language
        for record in self.records:
            path = [] if record.parent is None else list(paths[record.parent])
            path.append((record.kind, record.number))
            paths.append(path)
            first = self.lines[record.line][record.column :]
            text = "\n".join([first, *self.lines[record.line + 1 : record.end + 1]]).rstrip()
            units.append(
                Unit(
                    kind=record.kind,
                    number=record.number,
                    label=record.label,
                    reference=unit_reference(path, language),
                    eid=path_eid(path),
                    text=text,
                    depth=record.depth,
                    parent=record.parent,
                    container=record.container,
                )
            )
        return units


def split_act(text: str, language: str | None = None) -> ActText:
    """Splits the text of a normative act into its units, in document order.

    `language` is "ro" or "bg"; anything else (or None) lets the text decide. Never raises on a
    str: a text with no recognisable article gives no units and the whole text as preamble.
    The preamble is every line before the first unit, headings included. Containers (titles,
    chapters, sections) only name the `container` of the units after them; an annex ("ANEXA",
    "Приложение") ends the last unit, and nothing from it on is split. Line breaks of any kind
    (\r\n, \r, a soft break \v from a document) become "\n"; no other character is changed.
    """
    if language not in _GRAMMARS:
        language = detect_language(text)
    lines = text.splitlines()
    reader = _Reader(_GRAMMARS[language], lines, track_quotes=True)
    if not reader.read():
        # A quotation opened and never closed: reading it as one would swallow the rest of the
        # act, so read the text again as if it had no quotations.
        reader = _Reader(_GRAMMARS[language], lines, track_quotes=False)
        reader.read()
    units = reader.units()
    # With no unit, the whole text comes before the first one.
    first_line = reader.records[0].line if units else len(lines)
    preamble = "\n".join(lines[:first_line]).strip()
    return ActText(language=language, units=units, preamble=preamble)
