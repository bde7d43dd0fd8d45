"""Identifiers that look identical are one (core.text, "Identifiers"): what is stripped from the
stored text and what the comparison key unifies."""

import pytest
from django import forms
from django.utils import translation

from core.errors import DomainError
from core.forms import IdentifierField, SlugIdentifierField
from core.text import (
    clean_identifier,
    identifier_key,
    is_invisible,
    strip_invisible_characters,
    tidy_identifier,
    tidy_slug,
)

# Every character the issue names, and a few more Unicode calls default-ignorable.
INVISIBLE = [
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202a",  # left-to-right embedding
    "\u202b",  # right-to-left embedding
    "\u202c",  # pop directional formatting
    "\u202d",  # left-to-right override
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u2067",  # right-to-left isolate
    "\u2068",  # first strong isolate
    "\u2069",  # pop directional isolate
    "\u061c",  # Arabic letter mark
    "\u180e",  # Mongolian vowel separator
    "\u034f",  # combining grapheme joiner
    "\u3164",  # Hangul filler
    "\ufe0f",  # variation selector 16
    "\U000e0041",  # tag latin capital letter A
]


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared with their English source.
    with translation.override("en"):
        yield


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_stripped_from_identifiers(char):
    assert is_invisible(char)
    assert strip_invisible_characters(f"4{char}702") == "4702"
    assert tidy_identifier(f" Ana{char} Popescu{char} ") == "Ana Popescu"
    assert identifier_key(f"4.{char}702/A") == identifier_key("4.702/a") == "4.702/a"


@pytest.mark.parametrize("char", ["a", "ș", "Ж", " ", "\u00a0", "-", "\t", "\u0301", "1"])
def test_visible_characters_and_spaces_are_not_invisible(char):
    assert not is_invisible(char)


def test_tidy_identifier_collapses_spaces_and_keeps_the_typed_letters():
    assert tidy_identifier("  Asociația\u00a0 Civică\n\tVrancea  ") == "Asociația Civică Vrancea"
    # Stored as typed: case, diacritics and scripts are kept; only the key unifies them.
    assert tidy_identifier("РД-02-14/Ş") == "РД-02-14/Ş"
    assert tidy_identifier("\u200b\u202e") == ""


def test_tidy_identifier_leaves_control_characters_for_the_refusal():
    assert tidy_identifier("12\x1f 3") == "12\x1f 3"
    with pytest.raises(DomainError) as error:
        clean_identifier("12\x1f3", field="The registration number")
    assert error.value.code == "control_characters"
    assert error.value.message == (
        "The registration number contains control characters (such as NUL bytes); remove them."
    )


def test_clean_identifier_counts_the_length_without_invisible_characters():
    assert clean_identifier("7" * 50 + "\u200b" * 10, field="The number", max_length=50) == "7" * 50
    with pytest.raises(DomainError) as error:
        clean_identifier("\u200b\u00ad ", field="The number", required=True)
    assert (error.value.code, error.value.message) == ("required", "The number cannot be empty.")
    with pytest.raises(DomainError) as error:
        clean_identifier("7" * 51, field="The number", max_length=50)
    assert error.value.message == "The number is 51 characters long; the limit is 50."


@pytest.mark.parametrize(
    ("typed", "looks_like"),
    [
        ("12/A", "12/a"),  # case
        ("１２／Ａ", "12/A"),  # full-width forms (NFKC)
        ("12²", "122"),  # superscript digit (NFKC)
        ("ﬁle 1", "file 1"),  # ligature (NFKC)
        ("12\u00a0A", "12 A"),  # no-break space
        ("12   A", "12 A"),  # runs of spaces
        ("РД-02", "PД-02"),  # Cyrillic Р typed for a Latin P
        ("ВХ-12", "BX-12"),  # Cyrillic В and Х
        ("вх-12", "BX-12"),  # …in either case, since case does not count
        ("ΑΒ-7", "AB-7"),  # Greek capitals
        ("Nr. Ş/ţ", "Nr. ș/Ț"),  # Romanian cedilla and comma below
        ("Straße", "STRASSE"),  # case folding, not lowering
    ],
)
def test_identifier_key_unifies_what_looks_the_same(typed, looks_like):
    assert identifier_key(typed) == identifier_key(looks_like)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12/A", "12/B"),
        ("12/A", "12 A"),
        ("12-A", "12–A"),  # a hyphen and an en dash are different marks
        ("ș", "s"),  # Romanian letters are not their base letters
        ("Д-1", "D-1"),  # Cyrillic letters that look like no Latin one stay themselves
        ("10", "1O"),
    ],
)
def test_identifier_key_keeps_what_looks_different(one, other):
    assert identifier_key(one) != identifier_key(other)


def test_identifier_key_of_nothing_is_empty():
    assert identifier_key(None) == identifier_key("") == identifier_key("\u200b \u2066") == ""


def test_tidy_slug_strips_invisible_characters_and_lowers_the_case():
    assert tidy_slug(" Legea-350\u200b\u00ad ") == "legea-350"


def test_identifier_form_fields_tidy_before_their_checks():
    class Form(forms.Form):
        number = IdentifierField(max_length=5)
        slug = SlugIdentifierField(max_length=10)

    form = Form({"number": " 12\u200b345 ", "slug": "Legea\u2060-350"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"number": "12345", "slug": "legea-350"}
    form = Form({"number": "\u200b\ufeff", "slug": "legeа"})  # Cyrillic а in the slug
    assert not form.is_valid()
    assert form.errors == {
        "number": ["This field is required."],
        "slug": ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."],
    }
