"""Contacts refuse control characters with one regular expression instead of a Unicode
category lookup per character: the same answer for every code point."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from carnet.contacts.validation import _has_control

EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))


def has_control_by_category(value: str, *, multiline: bool) -> bool:
    """The reference: the Unicode categories Cc and Cs, line breaks and tabs allowed in
    multi-line text."""
    return any(
        not (multiline and char in "\n\r\t") and unicodedata.category(char) in {"Cc", "Cs"}
        for char in value
    )


def test_every_code_point_is_judged_as_by_its_category() -> None:
    controls = {c for c in EVERY_CHARACTER if unicodedata.category(c) in {"Cc", "Cs"}}
    assert controls  # the comparison below is about something
    for multiline in (False, True):
        expected = controls - ({"\n", "\r", "\t"} if multiline else set())
        found = {
            c
            for c in controls | {"a", "é", "\u2028", "\ufeff"}
            if _has_control(c, multiline=multiline)
        }
        assert found == expected
        # One search over every character: nothing outside the categories is refused.
        outside = EVERY_CHARACTER.translate({ord(c): None for c in controls})
        assert not _has_control(outside, multiline=multiline)


@given(st.text(), st.booleans())
def test_text_is_judged_as_by_the_categories(value: str, multiline: bool) -> None:
    assert _has_control(value, multiline=multiline) == has_control_by_category(
        value, multiline=multiline
    )
