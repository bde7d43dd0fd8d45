"""Text helpers shared by the apps (core.text)."""

import pytest

from core.text import has_control_characters, strip_control_characters


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\ud800", "\udfff"])
def test_noncharacters_and_lone_surrogates_count_as_control_characters(character):
    assert has_control_characters(f"a{character}b")
    assert strip_control_characters(f"a{character}b") == "ab"
