"""Text helpers shared by the apps (core.text)."""

import pytest

from core.text import (
    ascii_slug,
    free_slug,
    has_control_characters,
    strip_control_characters,
)


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\ud800", "\udfff"])
def test_noncharacters_and_lone_surrogates_count_as_control_characters(character):
    assert has_control_characters(f"a{character}b")
    assert strip_control_characters(f"a{character}b") == "ab"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Legea nr. 350/2005", "legea-350-2005"),
        ("Legii nr. 350/2005 privind finanțările", "legii-350-2005-privind-finantarile"),
        ("Закон за нормативните актове, чл. 26, ал. 4", "zakon-za-normativnite-aktove-chl-26-al-4"),
        ("ДВ бр. 5/2020", "dv-5-2020"),
        ("Hotărârea № 12", "hotararea-12"),
        ("Asociația „Ștefan cel Mare”", "asociatia-stefan-cel-mare"),
        ("Art. 16^1", "art-16-1"),
    ],
)  # fmt: skip
def test_ascii_slug_keeps_numbers_apart_and_leaves_out_number_words(title, slug):
    assert ascii_slug(title) == slug


def test_ascii_slug_is_cut_between_words():
    assert (
        ascii_slug("Finanțarea asociațiilor și fundațiilor", max_length=25)
        == "finantarea-asociatiilor"
    )
    assert ascii_slug("x" * 90, max_length=80) == "x" * 80


def test_free_slug_takes_the_first_free_suffix_and_stays_within_the_length():
    assert free_slug("legea-350", set()) == "legea-350"
    assert free_slug("legea-350", {"legea-350", "legea-350-2"}) == "legea-350-3"
    assert free_slug("a" * 80, {"a" * 80}, max_length=80) == "a" * 78 + "-2"
