"""Splitting the text of a normative act into its units; written references to units."""

import random

import pytest

from proposals.legal_text import (
    ARTICLE,
    LETTER,
    PARAGRAPH,
    POINT,
    SECTION,
    ActText,
    Unit,
    detect_language,
    parse_reference,
    path_eid,
    reference_eid,
    reference_sort_key,
    split_act,
    superscript_numbers,
    unit_reference,
)

_RO_WORDS = (
    "finanţare",
    "autoritate",
    "beneficiar",
    "proiect",
    "contract",
    "selecţie",
    "comisie",
    "propunere",
    "buget",
    "cheltuieli",
    "eligibile",
    "raport",
    "activitate",
    "interes",
    "general",
    "asociaţie",
    "fundaţie",
    "public",
    "procedură",
    "termen",
    "documentaţie",
    "evaluare",
    "transparenţă",
    "nerambursabilă",
)
_BG_WORDS = (
    "проект",
    "нормативен",
    "акт",
    "консултация",
    "орган",
    "становище",
    "предложение",
    "срок",
    "доклад",
    "справка",
    "оценка",
    "въздействие",
    "обществен",
    "интерес",
    "заинтересовани",
    "лица",
    "публикуване",
    "страница",
)
_CHAPTERS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def generate_act(articles=100, language="ro", seed=350):
    """A law of `articles` articles, each of about 300 words: three paragraphs, the second with
    four letters, and a line break from a PDF inside the third ("la alin.\\n(2)")."""
    rng = random.Random(seed)
    words = _BG_WORDS if language == "bg" else _RO_WORDS

    def sentence(count):
        return " ".join(rng.choice(words) for _ in range(count))

    lines = ["ЗАКОН ЗА ПРОБАТА" if language == "bg" else "LEGE privind proba"]
    for number in range(1, articles + 1):
        if number % 25 == 1:
            chapter = _CHAPTERS[number // 25 % len(_CHAPTERS)]
            lines += ["", f"Глава {chapter}" if language == "bg" else f"CAPITOLUL {chapter}"]
            lines.append(sentence(3).upper())
        if language == "bg":
            lines.append(f"Чл. {number}. (1) {sentence(80)}.")
            lines.append(f"(2) {sentence(40)}:")
            lines += [f"{letter}) {sentence(25)};" for letter in "абвг"]
            lines += [f"(3) {sentence(40)} по ал.", f"(2) {sentence(40)}."]
        else:
            lines += ["", f"Articolul {number}", f"(1) {sentence(80)}.", f"(2) {sentence(40)}:"]
            lines += [f"{letter}) {sentence(25)};" for letter in "abcd"]
            lines += [f"(3) {sentence(40)} prevăzute la alin.", f"(2) {sentence(40)}."]
    return "\n".join(lines) + "\n"


def _rows(act):
    return [
        (unit.kind, unit.number, unit.label, unit.reference, unit.eid, unit.depth, unit.parent)
        for unit in act.units
    ]


def _path(act, index):
    path = []
    while index is not None:
        unit = act.units[index]
        path.insert(0, (unit.kind, unit.number))
        index = unit.parent
    return path


def _assert_consistent(act):
    """Every unit sits inside its parent, one level down, and its text is a slice of it."""
    for index, unit in enumerate(act.units):
        assert unit.text == unit.text.rstrip()
        assert unit.text.startswith(unit.label)
        if unit.parent is None:
            assert unit.depth == 0
            assert unit.kind in (ARTICLE, SECTION)
        else:
            parent = act.units[unit.parent]
            assert unit.parent < index
            assert unit.depth == parent.depth + 1
            assert unit.text in parent.text


# --- a Romanian extract, cedilla spelling -------------------------------------------------------

RO_CEDILLA = """\
LEGE nr. 350 din 2 decembrie 2005
privind regimul finanţărilor nerambursabile din fonduri publice

CAPITOLUL I
Dispoziţii generale

Articolul 1
Prezenta lege stabileşte cadrul general al finanţărilor nerambursabile.

Articolul 2
În sensul prezentei legi, termenii de mai jos au următoarele semnificaţii:
a) autoritate finanţatoare - instituţia publică ce acordă finanţarea;
b) beneficiar - asociaţia sau fundaţia care primeşte finanţarea.

CAPITOLUL II
Procedura de selecţie

Articolul 16
(1) Solicitantul depune propunerea de proiect în termenul stabilit.
(2) Propunerea cuprinde:
a) formularul de cerere;
b) bugetul proiectului, cu:
1. cheltuielile de personal;
2. cheltuielile cu serviciile;
c) declaraţia de imparţialitate.
(3) Comisia verifică documentele în cel mult 10 zile.

Articolul 16^1
Autoritatea publică rezultatul selecţiei pe pagina sa de internet.
"""
CHAPTER_1 = "CAPITOLUL I Dispoziţii generale"
CHAPTER_2 = "CAPITOLUL II Procedura de selecţie"
RO_TEXTS = [
    "Articolul 1\nPrezenta lege stabileşte cadrul general al finanţărilor nerambursabile.",
    "Articolul 2\n"
    "În sensul prezentei legi, termenii de mai jos au următoarele semnificaţii:\n"
    "a) autoritate finanţatoare - instituţia publică ce acordă finanţarea;\n"
    "b) beneficiar - asociaţia sau fundaţia care primeşte finanţarea.",
    "a) autoritate finanţatoare - instituţia publică ce acordă finanţarea;",
    "b) beneficiar - asociaţia sau fundaţia care primeşte finanţarea.",
    "Articolul 16\n"
    "(1) Solicitantul depune propunerea de proiect în termenul stabilit.\n"
    "(2) Propunerea cuprinde:\n"
    "a) formularul de cerere;\n"
    "b) bugetul proiectului, cu:\n"
    "1. cheltuielile de personal;\n"
    "2. cheltuielile cu serviciile;\n"
    "c) declaraţia de imparţialitate.\n"
    "(3) Comisia verifică documentele în cel mult 10 zile.",
    "(1) Solicitantul depune propunerea de proiect în termenul stabilit.",
    "(2) Propunerea cuprinde:\n"
    "a) formularul de cerere;\n"
    "b) bugetul proiectului, cu:\n"
    "1. cheltuielile de personal;\n"
    "2. cheltuielile cu serviciile;\n"
    "c) declaraţia de imparţialitate.",
    "a) formularul de cerere;",
    "b) bugetul proiectului, cu:\n1. cheltuielile de personal;\n2. cheltuielile cu serviciile;",
    "1. cheltuielile de personal;",
    "2. cheltuielile cu serviciile;",
    "c) declaraţia de imparţialitate.",
    "(3) Comisia verifică documentele în cel mult 10 zile.",
    "Articolul 16^1\nAutoritatea publică rezultatul selecţiei pe pagina sa de internet.",
]
RO_ROWS = [
    (ARTICLE, "1", "Articolul 1", "Art. 1", "art_1", 0, None),
    (ARTICLE, "2", "Articolul 2", "Art. 2", "art_2", 0, None),
    (LETTER, "a", "a)", "Art. 2 lit. a)", "art_2__point_a", 1, 1),
    (LETTER, "b", "b)", "Art. 2 lit. b)", "art_2__point_b", 1, 1),
    (ARTICLE, "16", "Articolul 16", "Art. 16", "art_16", 0, None),
    (PARAGRAPH, "1", "(1)", "Art. 16 alin. (1)", "art_16__para_1", 1, 4),
    (PARAGRAPH, "2", "(2)", "Art. 16 alin. (2)", "art_16__para_2", 1, 4),
    (LETTER, "a", "a)", "Art. 16 alin. (2) lit. a)", "art_16__para_2__point_a", 2, 6),
    (LETTER, "b", "b)", "Art. 16 alin. (2) lit. b)", "art_16__para_2__point_b", 2, 6),
    (
        POINT,
        "1",
        "1.",
        "Art. 16 alin. (2) lit. b) pct. 1",
        "art_16__para_2__point_b__point_1",
        3,
        8,
    ),
    (
        POINT,
        "2",
        "2.",
        "Art. 16 alin. (2) lit. b) pct. 2",
        "art_16__para_2__point_b__point_2",
        3,
        8,
    ),
    (LETTER, "c", "c)", "Art. 16 alin. (2) lit. c)", "art_16__para_2__point_c", 2, 6),
    (PARAGRAPH, "3", "(3)", "Art. 16 alin. (3)", "art_16__para_3", 1, 4),
    (ARTICLE, "16^1", "Articolul 16^1", "Art. 16^1", "art_16-1", 0, None),
]


def test_split_act_romanian_extract_every_unit():
    act = split_act(RO_CEDILLA)

    assert act.language == "ro"
    assert _rows(act) == RO_ROWS
    assert [unit.text for unit in act.units] == RO_TEXTS
    assert [unit.container for unit in act.units] == [CHAPTER_1] * 4 + [CHAPTER_2] * 10
    _assert_consistent(act)


def test_split_act_romanian_extract_keeps_cedilla_letters():
    act = split_act(RO_CEDILLA)

    text = "\n".join(unit.text for unit in act.units)
    assert "ş" in text and "ţ" in text
    assert "ș" not in text and "ț" not in text
    assert (
        act.units[0].text.encode()
        == (
            "Articolul 1\nPrezenta lege stabile\u015fte cadrul general al finan\u0163\u0103rilor "
            "nerambursabile."
        ).encode()
    )


def test_split_act_comma_below_spelling_kept_exactly():
    comma_below = RO_CEDILLA.replace("ş", "ș").replace("ţ", "ț")

    act = split_act(comma_below)

    assert _rows(act) == RO_ROWS
    assert [unit.text for unit in act.units] == [
        text.replace("ş", "ș").replace("ţ", "ț") for text in RO_TEXTS
    ]
    assert act.units[4].container == "CAPITOLUL II Procedura de selecție"


def test_split_act_preamble_is_the_text_before_the_first_unit():
    act = split_act(RO_CEDILLA)

    assert act.preamble == (
        "LEGE nr. 350 din 2 decembrie 2005\n"
        "privind regimul finanţărilor nerambursabile din fonduri publice\n"
        "\n"
        "CAPITOLUL I\n"
        "Dispoziţii generale"
    )


def test_split_act_articles_are_the_depth_zero_units():
    act = split_act(RO_CEDILLA)

    assert [unit.reference for unit in act.articles()] == [
        "Art. 1",
        "Art. 2",
        "Art. 16",
        "Art. 16^1",
    ]


def test_split_act_windows_line_endings():
    act = split_act(RO_CEDILLA.replace("\n", "\r\n"))

    assert _rows(act) == RO_ROWS
    assert [unit.text for unit in act.units] == RO_TEXTS


def test_split_act_indented_lines_start_units_at_their_label():
    act = split_act("\ufeff  Art. 1. - Textul:\n   (1) alineatul întâi.\n")

    assert _rows(act) == [
        (ARTICLE, "1", "Art. 1.", "Art. 1", "art_1", 0, None),
        (PARAGRAPH, "1", "(1)", "Art. 1 alin. (1)", "art_1__para_1", 1, 0),
    ]
    assert [unit.text for unit in act.units] == [
        "Art. 1. - Textul:\n   (1) alineatul întâi.",
        "(1) alineatul întâi.",
    ]


# --- old inline style, false positives ----------------------------------------------------------


def test_split_act_old_inline_style():
    act = split_act(
        "Art. 5. - (1) Finanţările se acordă prin procedură competitivă.\n"
        "(2) Autoritatea finanţatoare publică anual programul.\n"
        "Art. 6. – Procedura se desfăşoară transparent.\n"
    )

    assert _rows(act) == [
        (ARTICLE, "5", "Art. 5.", "Art. 5", "art_5", 0, None),
        (PARAGRAPH, "1", "(1)", "Art. 5 alin. (1)", "art_5__para_1", 1, 0),
        (PARAGRAPH, "2", "(2)", "Art. 5 alin. (2)", "art_5__para_2", 1, 0),
        (ARTICLE, "6", "Art. 6.", "Art. 6", "art_6", 0, None),
    ]
    assert [unit.text for unit in act.units] == [
        "Art. 5. - (1) Finanţările se acordă prin procedură competitivă.\n"
        "(2) Autoritatea finanţatoare publică anual programul.",
        "(1) Finanţările se acordă prin procedură competitivă.",
        "(2) Autoritatea finanţatoare publică anual programul.",
        "Art. 6. – Procedura se desfăşoară transparent.",
    ]


def test_split_act_pdf_line_break_out_of_sequence_continues_the_text():
    act = split_act(
        "Art. 3. - (1) Solicitantul depune cererea.\n"
        "(2) Cererea cuprinde bugetul.\n"
        "(3) Comisia verifică documentele prevăzute la alin.\n"
        "(2) în cel mult 10 zile.\n"
    )

    assert [unit.reference for unit in act.units] == [
        "Art. 3",
        "Art. 3 alin. (1)",
        "Art. 3 alin. (2)",
        "Art. 3 alin. (3)",
    ]
    assert act.units[3].text == (
        "(3) Comisia verifică documentele prevăzute la alin.\n(2) în cel mult 10 zile."
    )


def test_split_act_pdf_line_break_after_reference_word_continues_the_text():
    # "(2)" would be the next paragraph, but the line before ends in "alin.".
    act = split_act(
        "Art. 3. - (1) Solicitantul depune documentele prevăzute la alin.\n"
        "(2) din regulament.\n"
        "(2) Comisia verifică documentele.\n"
        "a) cererea, conform lit.\n"
        "b) din anexă;\n"
        "b) bugetul.\n"
    )

    assert [(unit.reference, unit.text) for unit in act.units[1:]] == [
        (
            "Art. 3 alin. (1)",
            "(1) Solicitantul depune documentele prevăzute la alin.\n(2) din regulament.",
        ),
        (
            "Art. 3 alin. (2)",
            "(2) Comisia verifică documentele.\n"
            "a) cererea, conform lit.\nb) din anexă;\nb) bugetul.",
        ),
        ("Art. 3 alin. (2) lit. a)", "a) cererea, conform lit.\nb) din anexă;"),
        ("Art. 3 alin. (2) lit. b)", "b) bugetul."),
    ]


def test_split_act_lowercase_article_inside_a_sentence_is_not_a_unit():
    act = split_act(
        "Articolul 6\n"
        "Contractul se încheie în condiţiile prevăzute la\n"
        "art. 7 alin. (1) din prezenta lege.\n"
        "Articolul 8\n"
        "Finanţarea se acordă în tranşe.\n"
    )

    assert _rows(act) == [
        (ARTICLE, "6", "Articolul 6", "Art. 6", "art_6", 0, None),
        (ARTICLE, "8", "Articolul 8", "Art. 8", "art_8", 0, None),
    ]
    assert act.units[0].text == (
        "Articolul 6\n"
        "Contractul se încheie în condiţiile prevăzute la\n"
        "art. 7 alin. (1) din prezenta lege."
    )


def test_split_act_lower_article_number_is_a_reference():
    act = split_act(
        "Art. 9. - Text.\nArt. 4. - din lege se aplică.\nArt. 9. - Din nou.\nArt. 12.\n"
    )

    assert [unit.reference for unit in act.units] == ["Art. 9", "Art. 12"]
    assert act.units[0].text == "Art. 9. - Text.\nArt. 4. - din lege se aplică.\nArt. 9. - Din nou."


def test_split_act_article_label_followed_by_a_sentence_is_not_a_unit():
    act = split_act("Art. 1. - Text.\nArt. 7 din Legea nr. 350/2005 se abrogă.\n")

    assert [unit.reference for unit in act.units] == ["Art. 1"]
    assert act.units[0].text == "Art. 1. - Text.\nArt. 7 din Legea nr. 350/2005 se abrogă."


def test_split_act_articles_may_skip_numbers():
    act = split_act("Art. 2. - Unu.\nArt. 40. - Doi.\nArt. 41^3. - Trei.\n")

    assert [unit.number for unit in act.units] == ["2", "40", "41^3"]


@pytest.mark.parametrize(
    ("line", "number", "label"),
    [
        ("Articolul 5", "5", "Articolul 5"),
        ("ARTICOLUL 5", "5", "ARTICOLUL 5"),
        ("Art. 5", "5", "Art. 5"),
        ("Art. 5.", "5", "Art. 5."),
        ("Art. 5. -", "5", "Art. 5."),
        ("Art. 5. – Text.", "5", "Art. 5."),
        ("Art.5.", "5", "Art.5."),
        ("Art. 16^1", "16^1", "Art. 16^1"),
        ("Articolul 16^1", "16^1", "Articolul 16^1"),
        ("Art. 16¹.", "16^1", "Art. 16¹."),
        ("Art. 16 ^1", "16^1", "Art. 16 ^1"),
        ("Art. 16^12. - Text.", "16^12", "Art. 16^12."),
        ("Art. I. - Legea se modifică.", "I", "Art. I."),
        ("Articolul II", "II", "Articolul II"),
        ("Articol unic. - Se aprobă.", "unic", "Articol unic."),
    ],
)
def test_split_act_romanian_article_labels(line, number, label):
    act = split_act(line + "\n")

    assert [(unit.kind, unit.number, unit.label, unit.text) for unit in act.units] == [
        (ARTICLE, number, label, line)
    ]


@pytest.mark.parametrize(
    "line",
    ["art. 5", "Art. Ionescu", "Art. 5a", "Art. IIV.", "Art. 5 din lege", "Articolului 5", "Art."],
)
def test_split_act_romanian_non_labels(line):
    assert split_act(line + "\n").units == []


def test_split_act_inserted_units_with_superscripts():
    act = split_act(
        "Art. 8. - (1) Unu.\n"
        "(1^1) Unu indice unu.\n"
        "(1²) Unu indice doi.\n"
        "(2) Doi:\n"
        "a) literă;\n"
        "a^1) literă inserată;\n"
        "a²) altă literă inserată;\n"
        "b) literă cu puncte:\n"
        "1. punct;\n"
        "1^1. punct inserat;\n"
        "2. punct.\n"
    )

    assert [(unit.kind, unit.number, unit.label, unit.eid) for unit in act.units] == [
        (ARTICLE, "8", "Art. 8.", "art_8"),
        (PARAGRAPH, "1", "(1)", "art_8__para_1"),
        (PARAGRAPH, "1^1", "(1^1)", "art_8__para_1-1"),
        (PARAGRAPH, "1^2", "(1²)", "art_8__para_1-2"),
        (PARAGRAPH, "2", "(2)", "art_8__para_2"),
        (LETTER, "a", "a)", "art_8__para_2__point_a"),
        (LETTER, "a^1", "a^1)", "art_8__para_2__point_a-1"),
        (LETTER, "a^2", "a²)", "art_8__para_2__point_a-2"),
        (LETTER, "b", "b)", "art_8__para_2__point_b"),
        (POINT, "1", "1.", "art_8__para_2__point_b__point_1"),
        (POINT, "1^1", "1^1.", "art_8__para_2__point_b__point_1-1"),
        (POINT, "2", "2.", "art_8__para_2__point_b__point_2"),
    ]
    _assert_consistent(act)


def test_split_act_first_paragraph_must_be_one():
    act = split_act("Art. 8. - Text.\n(2) continuare.\na) literă.\nc) sărită.\n")

    assert [unit.reference for unit in act.units] == ["Art. 8", "Art. 8 lit. a)"]
    assert act.units[0].text == "Art. 8. - Text.\n(2) continuare.\na) literă.\nc) sărită."


def test_split_act_points_under_article_and_letters_under_points_of_an_amending_act():
    act = split_act(
        "Art. I. - Legea nr. 350/2005 se modifică după cum urmează:\n"
        "1. Articolul 5 se modifică:\n"
        "a) alineatul (1) se abrogă;\n"
        "b) alineatul (2) se reformulează.\n"
        "2. Articolul 6 se abrogă.\n"
        "Art. II. - Legea intră în vigoare după 30 de zile.\n"
    )

    assert [(unit.reference, unit.eid, unit.parent) for unit in act.units] == [
        ("Art. I", "art_I", None),
        ("Art. I pct. 1", "art_I__point_1", 0),
        ("Art. I pct. 1 lit. a)", "art_I__point_1__point_a", 1),
        ("Art. I pct. 1 lit. b)", "art_I__point_1__point_b", 1),
        ("Art. I pct. 2", "art_I__point_2", 0),
        ("Art. II", "art_II", None),
    ]


def test_split_act_quoted_text_of_an_amending_act_is_not_split():
    act = split_act(
        "Art. I. - Legea nr. 350/2005 se modifică după cum urmează:\n"
        "1. După articolul 16 se introduc două articole noi, cu următorul cuprins:\n"
        "„Art. 16^1. - (1) Rezultatul selecţiei se publică.\n"
        "(2) Contestaţiile se depun în 5 zile.\n"
        "Art. 16^2. - Comisia soluţionează contestaţiile.”\n"
        "2. Articolul 17 se abrogă.\n"
        "Art. II. - Legea intră în vigoare după 30 de zile.\n"
    )

    assert [unit.reference for unit in act.units] == [
        "Art. I",
        "Art. I pct. 1",
        "Art. I pct. 2",
        "Art. II",
    ]
    assert act.units[1].text == (
        "1. După articolul 16 se introduc două articole noi, cu următorul cuprins:\n"
        "„Art. 16^1. - (1) Rezultatul selecţiei se publică.\n"
        "(2) Contestaţiile se depun în 5 zile.\n"
        "Art. 16^2. - Comisia soluţionează contestaţiile.”"
    )


def test_split_act_unclosed_quote_does_not_swallow_the_act():
    act = split_act(
        "Art. 1. - (1) Termenul „beneficiar desemnează solicitantul.\n"
        "(2) Beneficiarul raportează anual.\n"
        "Art. 2. - Raportul se publică.\n"
    )

    assert [unit.reference for unit in act.units] == [
        "Art. 1",
        "Art. 1 alin. (1)",
        "Art. 1 alin. (2)",
        "Art. 2",
    ]


def test_split_act_annex_ends_the_last_article():
    act = split_act(
        "Art. 30. - Anexa face parte integrantă din prezenta lege.\n"
        "ANEXA nr. 1\n"
        "Formular de cerere\n"
        "1. Date despre solicitant\n"
        "Art. 31. - Nu este un articol al legii.\n"
    )

    assert [unit.reference for unit in act.units] == ["Art. 30"]
    assert act.units[0].text == "Art. 30. - Anexa face parte integrantă din prezenta lege."


def test_split_act_annex_word_inside_a_sentence_is_not_an_annex():
    act = split_act("Art. 30. - Formularul este prevăzut în\nAnexa nr. 1 la prezenta lege.\n")

    assert (
        act.units[0].text == "Art. 30. - Formularul este prevăzut în\nAnexa nr. 1 la prezenta lege."
    )


def test_split_act_nested_containers_name_their_units():
    act = split_act(
        "TITLUL I\n"
        "Finanţări\n"
        "CAPITOLUL II - Procedura\n"
        "SECŢIUNEA a 2-a\n"
        "Selecţia\n"
        "Art. 10. - Text.\n"
        "Secţiunea 3 Contractul\n"
        "Art. 11. - Text.\n"
        "CAP. III\n"
        "Controlul\n"
        "Art. 12. - Text.\n"
        "Capitolul II din lege nu e un capitol.\n"
    )

    assert [unit.container for unit in act.units] == [
        "TITLUL I Finanţări / CAPITOLUL II - Procedura / SECŢIUNEA a 2-a Selecţia",
        "TITLUL I Finanţări / CAPITOLUL II - Procedura / Secţiunea 3 Contractul",
        "TITLUL I Finanţări / CAP. III Controlul",
    ]
    assert act.units[2].text == "Art. 12. - Text.\nCapitolul II din lege nu e un capitol."


def test_split_act_romanian_code_subsection_is_a_container():
    act = split_act("SECŢIUNEA 1\nFinanţarea\n§1. Dispoziţii comune\nArt. 1.234. - Text.\n")

    assert [(unit.number, unit.label, unit.container) for unit in act.units] == [
        ("1234", "Art. 1.234.", "SECŢIUNEA 1 Finanţarea / §1. Dispoziţii comune")
    ]


def test_split_act_container_closes_the_previous_article():
    act = split_act("Art. 1. - Text.\nCAPITOLUL II\nProcedura\nArt. 2. - Text.\n")

    assert [unit.text for unit in act.units] == ["Art. 1. - Text.", "Art. 2. - Text."]
    assert [unit.container for unit in act.units] == ["", "CAPITOLUL II Procedura"]


# --- Bulgarian ----------------------------------------------------------------------------------

BG_LAW = """\
ЗАКОН ЗА НОРМАТИВНИТЕ АКТОВЕ

Глава втора
ИЗРАБОТВАНЕ НА ПРОЕКТИ

Чл. 26. (1) Проектите се изработват при спазване на принципите на откритост.
(2) Преди внасянето проектът се обсъжда със заинтересованите лица.
(3) Проектът се публикува на интернет страницата на органа.
(4) Срокът за предложения е не по-кратък от 30 дни, като:
1. по изключение срокът може да бъде 14 дни;
2. мотивите за по-краткия срок се посочват:
а) в доклада;
б) в справката.
Чл. 26а. Органът изготвя справка за отразените предложения.

Допълнителни разпоредби

§ 1. По смисъла на този закон:
1. „обществена консултация“ е процедура за събиране на становища;
2. „заинтересовани лица“ са граждани и организации.
§ 2. Законът се прилага и за общинските съвети.
"""
BG_ROWS = [
    (ARTICLE, "26", "Чл. 26.", "чл. 26", "art_26", 0, None),
    (PARAGRAPH, "1", "(1)", "чл. 26, ал. 1", "art_26__para_1", 1, 0),
    (PARAGRAPH, "2", "(2)", "чл. 26, ал. 2", "art_26__para_2", 1, 0),
    (PARAGRAPH, "3", "(3)", "чл. 26, ал. 3", "art_26__para_3", 1, 0),
    (PARAGRAPH, "4", "(4)", "чл. 26, ал. 4", "art_26__para_4", 1, 0),
    (POINT, "1", "1.", "чл. 26, ал. 4, т. 1", "art_26__para_4__point_1", 2, 4),
    (POINT, "2", "2.", "чл. 26, ал. 4, т. 2", "art_26__para_4__point_2", 2, 4),
    (LETTER, "а", "а)", "чл. 26, ал. 4, т. 2, б. а)", "art_26__para_4__point_2__point_a", 3, 6),
    (LETTER, "б", "б)", "чл. 26, ал. 4, т. 2, б. б)", "art_26__para_4__point_2__point_b", 3, 6),
    (ARTICLE, "26а", "Чл. 26а.", "чл. 26а", "art_26a", 0, None),
    (SECTION, "1", "§ 1.", "§ 1", "sec_1", 0, None),
    (POINT, "1", "1.", "§ 1, т. 1", "sec_1__point_1", 1, 10),
    (POINT, "2", "2.", "§ 1, т. 2", "sec_1__point_2", 1, 10),
    (SECTION, "2", "§ 2.", "§ 2", "sec_2", 0, None),
]
BG_TEXTS = [
    "Чл. 26. (1) Проектите се изработват при спазване на принципите на откритост.\n"
    "(2) Преди внасянето проектът се обсъжда със заинтересованите лица.\n"
    "(3) Проектът се публикува на интернет страницата на органа.\n"
    "(4) Срокът за предложения е не по-кратък от 30 дни, като:\n"
    "1. по изключение срокът може да бъде 14 дни;\n"
    "2. мотивите за по-краткия срок се посочват:\n"
    "а) в доклада;\n"
    "б) в справката.",
    "(1) Проектите се изработват при спазване на принципите на откритост.",
    "(2) Преди внасянето проектът се обсъжда със заинтересованите лица.",
    "(3) Проектът се публикува на интернет страницата на органа.",
    "(4) Срокът за предложения е не по-кратък от 30 дни, като:\n"
    "1. по изключение срокът може да бъде 14 дни;\n"
    "2. мотивите за по-краткия срок се посочват:\n"
    "а) в доклада;\n"
    "б) в справката.",
    "1. по изключение срокът може да бъде 14 дни;",
    "2. мотивите за по-краткия срок се посочват:\nа) в доклада;\nб) в справката.",
    "а) в доклада;",
    "б) в справката.",
    "Чл. 26а. Органът изготвя справка за отразените предложения.",
    "§ 1. По смисъла на този закон:\n"
    "1. „обществена консултация“ е процедура за събиране на становища;\n"
    "2. „заинтересовани лица“ са граждани и организации.",
    "1. „обществена консултация“ е процедура за събиране на становища;",
    "2. „заинтересовани лица“ са граждани и организации.",
    "§ 2. Законът се прилага и за общинските съвети.",
]


def test_split_act_bulgarian_law_every_unit():
    act = split_act(BG_LAW)

    assert act.language == "bg"
    assert act.preamble == "ЗАКОН ЗА НОРМАТИВНИТЕ АКТОВЕ\n\nГлава втора\nИЗРАБОТВАНЕ НА ПРОЕКТИ"
    assert _rows(act) == BG_ROWS
    assert [unit.text for unit in act.units] == BG_TEXTS
    assert [unit.container for unit in act.units] == (
        ["Глава втора ИЗРАБОТВАНЕ НА ПРОЕКТИ"] * 10 + ["Допълнителни разпоредби"] * 4
    )
    _assert_consistent(act)


def test_split_act_bulgarian_amendment_notes_before_the_first_paragraph():
    act = split_act(
        "Чл. 26. (Изм. – ДВ, бр. 46 от 2007 г.) (1) Проектите се публикуват.\n"
        "(2) (Нова – ДВ, бр. 34 от 2016 г.) Срокът е 30 дни.\n"
        "Член 27. Справката се публикува.\n"
    )

    assert [(unit.reference, unit.label, unit.text) for unit in act.units] == [
        (
            "чл. 26",
            "Чл. 26.",
            "Чл. 26. (Изм. – ДВ, бр. 46 от 2007 г.) (1) Проектите се публикуват.\n"
            "(2) (Нова – ДВ, бр. 34 от 2016 г.) Срокът е 30 дни.",
        ),
        ("чл. 26, ал. 1", "(1)", "(1) Проектите се публикуват."),
        ("чл. 26, ал. 2", "(2)", "(2) (Нова – ДВ, бр. 34 от 2016 г.) Срокът е 30 дни."),
        ("чл. 27", "Член 27.", "Член 27. Справката се публикува."),
    ]


def test_split_act_bulgarian_reference_inside_a_sentence_is_not_a_unit():
    act = split_act(
        "Чл. 30. (1) Органът изпраща справката по\n"
        "чл. 26, ал. 4.\n"
        "Чл. 12. от закона се прилага.\n"
        "(2) Справката се публикува.\n"
        "Чл. 30б. Нов член.\n"
        "Чл. 30а. Предходен член.\n"
    )

    assert [unit.reference for unit in act.units] == [
        "чл. 30",
        "чл. 30, ал. 1",
        "чл. 30, ал. 2",
        "чл. 30б",
    ]


def test_split_act_bulgarian_letters_skip_short_i():
    act = split_act("Чл. 1. Органът:\nз) едно;\nи) две;\nк) три.\n")

    assert [unit.number for unit in act.units] == ["1"]

    letters = "\n".join(f"{letter}) текст;" for letter in "абвгдежзик")
    act = split_act(f"Чл. 1. Органът:\n{letters}\n")

    assert [unit.number for unit in act.units[1:]] == list("абвгдежзик")


def test_split_act_bulgarian_transitional_provisions_and_annex():
    act = split_act(
        "Раздел I\nОбщи правила\nЧл. 5. Текст.\n"
        "ПРЕХОДНИ И ЗАКЛЮЧИТЕЛНИ РАЗПОРЕДБИ\n"
        "към Закона за изменение на Закона за нормативните актове\n"
        "§ 12. Законът влиза в сила от 1 януари.\n"
        "Приложение № 1 към чл. 5\n"
        "§ 13. Не е параграф на закона.\n"
    )

    assert [(unit.reference, unit.container, unit.text) for unit in act.units] == [
        ("чл. 5", "Раздел I Общи правила", "Чл. 5. Текст."),
        (
            "§ 12",
            "ПРЕХОДНИ И ЗАКЛЮЧИТЕЛНИ РАЗПОРЕДБИ към Закона за изменение на Закона за "
            "нормативните актове",
            "§ 12. Законът влиза в сила от 1 януари.",
        ),
    ]


def test_split_act_language_detection():
    assert detect_language(BG_LAW) == "bg"
    assert detect_language(RO_CEDILLA) == "ro"
    assert detect_language("") == "ro"
    assert split_act("Чл. 1. Текст на закона.").language == "bg"


def test_split_act_explicit_language_wins():
    act = split_act("Чл. 1. Текст.\nArt. 1. - Text.", language="ro")

    assert act.language == "ro"
    assert [unit.label for unit in act.units] == ["Art. 1."]


# --- nothing to split, garbage ------------------------------------------------------------------


def test_split_act_text_without_an_article_has_no_units():
    text = "Expunere de motive\n\n(1) Propunem modificarea legii.\na) prima măsură;\n1. punct.\n"

    act = split_act(text)

    assert act == ActText(language="ro", units=[], preamble=text.strip())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "\x00",
        "Art. 1.\x00\n(1)\x00\n\x00a)",
        "Art. " + "9" * 5000,
        "Art. 1. - " + "(" * 10000,
        "Art. 1.\n" + "1." * 10000,
        "Art. 1.\n" + "(1^" + "1" * 5000 + ")",
        "§ 1.\nCAPITOLUL\nANEXA",
        "„" * 1000 + "\nArt. 1.",
        "\u2028\u2029\x0b\x0c\x1c\x85",
        "\ud800 Art. 1. - lone surrogate",
    ],
)
def test_split_act_garbage_does_not_raise(text):
    act = split_act(text)

    assert act.language in ("ro", "bg")
    _assert_consistent(act)


def test_split_act_random_megabyte_does_not_raise():
    rng = random.Random(2005)
    pieces = [
        "Art. ",
        "Articolul ",
        "Чл. ",
        "§ ",
        "(",
        ")",
        "^",
        "¹",
        ".",
        " - ",
        "\n",
        "\n",
        "\r\n",
        "„",
        "”",
        "“",
        "CAPITOLUL ",
        "Глава първа\n",
        "alin.",
        "\x00",
        "a",
        "б",
        "I",
        "ş",
        "ț",
        " ",
    ]
    pieces += [str(number) for number in range(1, 12)]
    text = "".join(rng.choice(pieces) for _ in range(400_000))
    assert len(text.encode()) > 1_000_000

    for language in (None, "ro", "bg"):
        _assert_consistent(split_act(text, language))


def test_split_act_random_bytes_do_not_raise():
    rng = random.Random(350)
    text = "".join(chr(rng.randrange(0x30000)) for _ in range(200_000))

    _assert_consistent(split_act(text))


# --- a generated law (the benchmark's input) ----------------------------------------------------


@pytest.mark.parametrize("language", ["ro", "bg"])
def test_split_act_generated_law_of_100_articles(language):
    text = generate_act(100, language)

    act = split_act(text)

    assert act.language == language
    assert len(text.split()) > 100 * 300
    kinds = [unit.kind for unit in act.units]
    assert (kinds.count(ARTICLE), kinds.count(PARAGRAPH), kinds.count(LETTER)) == (100, 300, 400)
    assert kinds.count(POINT) == 0
    assert [unit.number for unit in act.articles()] == [str(n) for n in range(1, 101)]
    third = act.units[7]
    assert third.number == "3" and third.text.count("\n(2) ") == 1
    _assert_consistent(act)


# --- references ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "path"),
    [
        (
            "Art. 5 alin. (2) lit. f) pct. 3",
            [("article", "5"), ("paragraph", "2"), ("letter", "f"), ("point", "3")],
        ),
        ("Articolul 16^1", [("article", "16^1")]),
        ("art. 16¹", [("article", "16^1")]),
        ("Art. 16 ^1", [("article", "16^1")]),
        ("Art. 5 alineatul (2)", [("article", "5"), ("paragraph", "2")]),
        ("art.5 alin.(2)", [("article", "5"), ("paragraph", "2")]),
        ("Art. 5, alin. 2", [("article", "5"), ("paragraph", "2")]),
        ("art. 5 lit. b)", [("article", "5"), ("letter", "b")]),
        (
            "articolul 5 alineatul (2^1) litera a^1)",
            [("article", "5"), ("paragraph", "2^1"), ("letter", "a^1")],
        ),
        ("art. 5 pct. 3", [("article", "5"), ("point", "3")]),
        ("lit. b) a alin. (2) al art. 5", [("article", "5"), ("paragraph", "2"), ("letter", "b")]),
        ("Art. I", [("article", "I")]),
        ("Art. IV pct. 12", [("article", "IV"), ("point", "12")]),
        ("Articolul unic", [("article", "unic")]),
        ("чл. 26, ал. 4, т. 3", [("article", "26"), ("paragraph", "4"), ("point", "3")]),
        ("Чл. 26а", [("article", "26а")]),
        ("член 26, алинея 4", [("article", "26"), ("paragraph", "4")]),
        ("т. 3 от ал. 4 на чл. 26", [("article", "26"), ("paragraph", "4"), ("point", "3")]),
        (
            "чл. 26, ал. 4, т. 3, б. а)",
            [("article", "26"), ("paragraph", "4"), ("point", "3"), ("letter", "а")],
        ),
        ("чл. 26, т. 2, буква „б“", [("article", "26"), ("point", "2"), ("letter", "б")]),
        ("§ 1", [("section", "1")]),
        ("§ 12, т. 3", [("section", "12"), ("point", "3")]),
        ("  Art. 05.  ", [("article", "5")]),
        ("art. 1.234 alin. (2)", [("article", "1234"), ("paragraph", "2")]),
    ],
)
def test_parse_reference_recognised(reference, path):
    assert parse_reference(reference) == path


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "   ",
        "foo",
        "alin. (2)",
        "lit. b)",
        "Art.",
        "Art. 5 din Legea nr. 350/2005",
        "Art. 5 alin. (2) alin. (3)",
        "Art. 5 art. 6",
        "Art. 5 lit. b) alin. (2)",
        "Art. IIII",
        "Art. 5 al",
        "art. 5a",
        None,
        42,
    ],
)
def test_parse_reference_unrecognised(reference):
    assert parse_reference(reference) is None


def test_reference_sort_key_orders_a_shuffled_list_as_the_act():
    ordered = [
        "Art. 4",
        "art. 13 lit. c)",
        "Art. 16",
        "Art. 16 alin. (1)",
        "Art. 16 alin. (1) lit. b)",
        "Art. 16 alin. (2)",
        "Art. 16 alin. (2^1)",
        "Art. 16 alin. (10)",
        "Art. 16^1",
        "Art. 16^2",
        "Art. 17",
        "Art. I",
        "Art. IV",
        "Art. IX",
        "§ 1",
        "§ 2",
    ]
    shuffled = ordered[:]
    random.Random(16).shuffle(shuffled)
    assert shuffled != ordered

    assert sorted(shuffled, key=reference_sort_key) == ordered


def test_reference_sort_key_bulgarian_suffixes():
    ordered = ["чл. 2", "Чл. 26", "чл. 26, ал. 4, т. 3", "Чл. 26а", "Чл. 26б", "Чл. 27", "§ 1"]

    shuffled = ordered[:]
    random.Random(26).shuffle(shuffled)
    assert shuffled != ordered

    assert sorted(shuffled, key=reference_sort_key) == ordered


def test_reference_sort_key_unparseable_after_all_in_original_order():
    references = ["zzz", "Art. 5", "alin. (2)", "Art. 2", "", "Art. 3"]

    ordered = sorted(enumerate(references), key=lambda item: (reference_sort_key(item[1]), item[0]))

    assert [reference for _, reference in ordered] == [
        "Art. 2",
        "Art. 3",
        "Art. 5",
        "zzz",
        "alin. (2)",
        "",
    ]


@pytest.mark.parametrize("reference", [None, 5, "", "\x00", "Art. " + "9" * 10000, "§§§", "(("])
def test_reference_sort_key_never_raises(reference):
    assert reference_sort_key(reference) == (1,)


@pytest.mark.parametrize(
    ("reference", "eid"),
    [
        ("Art. 5", "art_5"),
        ("Art. 5 alin. (2)", "art_5__para_2"),
        ("Art. 5 alin. (2) lit. f)", "art_5__para_2__point_f"),
        ("Art. 5 alin. (2) lit. f) pct. 3", "art_5__para_2__point_f__point_3"),
        ("art. 5 pct. 3", "art_5__point_3"),
        ("Art. 16^1", "art_16-1"),
        ("Art. 16^1 alin. (2^1) lit. a^1)", "art_16-1__para_2-1__point_a-1"),
        ("Art. I", "art_I"),
        ("§ 1", "sec_1"),
        ("чл. 26а", "art_26a"),
        ("чл. 26ж", "art_26zh"),
        ("чл. 26, ал. 4, т. 3, б. в)", "art_26__para_4__point_3__point_v"),
        ("not a reference", None),
    ],
)
def test_reference_eid(reference, eid):
    assert reference_eid(reference) == eid


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("16^1", "16¹"),
        ("Art. 16 ^1", "Art. 16¹"),
        ("(2^1)", "(2¹)"),
        ("a^12)", "a¹²)"),
        ("Art. 16^1 alin. (2^3) lit. a^1)", "Art. 16¹ alin. (2³) lit. a¹)"),
        ("^1 la început", "^1 la început"),
        ("x^y", "x^y"),
        ("5 ^ 2", "5 ^ 2"),
        ("(^1)", "(^1)"),
        ("fără", "fără"),
        ("", ""),
    ],
)
def test_superscript_numbers(text, display):
    assert superscript_numbers(text) == display


@pytest.mark.parametrize(
    ("path", "language", "reference"),
    [
        (
            [("article", "5"), ("paragraph", "2"), ("letter", "f"), ("point", "3")],
            "ro",
            "Art. 5 alin. (2) lit. f) pct. 3",
        ),
        ([("article", "16^1")], "ro", "Art. 16^1"),
        ([("article", "I"), ("point", "2")], "ro", "Art. I pct. 2"),
        ([("article", "unic")], "ro", "Articolul unic"),
        (
            [("article", "26"), ("paragraph", "4"), ("point", "3")],
            "bg",
            "чл. 26, ал. 4, т. 3",
        ),
        ([("article", "26"), ("point", "3"), ("letter", "а")], "bg", "чл. 26, т. 3, б. а)"),
        ([("section", "1")], "bg", "§ 1"),
        ([("section", "1"), ("point", "2")], "bg", "§ 1, т. 2"),
        ([("section", "1")], "ro", "§ 1"),
    ],
)
def test_unit_reference(path, language, reference):
    assert unit_reference(path, language) == reference


@pytest.mark.parametrize("text", [RO_CEDILLA, BG_LAW])
def test_unit_reference_round_trips_through_parse_reference(text):
    act = split_act(text)

    for index, unit in enumerate(act.units):
        assert parse_reference(unit.reference) == _path(act, index)
        assert reference_eid(unit.reference) == unit.eid == path_eid(_path(act, index))


def test_units_are_frozen():
    unit = split_act("Art. 1. - Text.").units[0]

    assert isinstance(unit, Unit)
    with pytest.raises(AttributeError):
        unit.text = "altul"


@pytest.mark.parametrize("letter", [chr(code) for code in range(ord("а"), ord("я") + 1)])
def test_any_cyrillic_letter_in_a_reference_never_raises(letter):
    # A typo (the Russian "ы", "э") must not break the comparative table or an import.
    for reference in (f"чл. 26{letter}", f"§ 1{letter}", f"чл. 5, б. {letter})"):
        assert isinstance(reference_sort_key(reference), tuple)
        reference_eid(reference)
    act = split_act(f"Чл. 26{letter}. Текст.\nЧл. 27. Друг текст.")
    assert [unit.kind for unit in act.units][:1] == ["article"]


def test_mistyped_letter_sorts_after_the_alphabet():
    references = ["чл. 26ы", "чл. 26я", "чл. 26а", "чл. 26"]
    assert sorted(references, key=reference_sort_key) == ["чл. 26", "чл. 26а", "чл. 26я", "чл. 26ы"]
