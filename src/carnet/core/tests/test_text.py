"""Folding and telephone search keys: the fast paths give what the general code gives."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from hypothesis import given
from hypothesis import strategies as st

from carnet.core import text

_SPACES = re.compile(r"\s+")


def general_fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _SPACES.sub(" ", stripped).strip()


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_folding_ascii_text_takes_a_shortcut_to_the_same_result(value):
    assert text.fold(value) == general_fold(value)


@given(st.text())
def test_folding_any_text_is_unchanged(value):
    assert text.fold(value) == general_fold(value)


def test_it_folds_accents_ligatures_and_spaces():
    assert text.fold("  Éric  LE Bœuf ") == "eric le boeuf"


def library_digits(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    national = re.sub(
        r"\D", "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    international = re.sub(r"\D", "", e164)
    return f"{national} {international}" if national != international else international


@given(st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=10**8 - 1))
def test_french_numbers_get_the_same_search_digits_as_the_library_gives(prefix, rest):
    e164 = f"+33{prefix}{rest:08d}"
    if phonenumbers.is_valid_number(phonenumbers.parse(e164, None)):
        assert text.phone_search_digits(e164) == library_digits(e164)


def test_a_french_number_is_found_dialled_nationally_or_internationally():
    assert text.phone_search_digits("+33142685300") == "0142685300 33142685300"
    assert text.phone_search_digits("+3225551212") == library_digits("+3225551212")
