"""``clean_postcode`` remembers the postcodes it has cleaned (an import meets the same
ones on row after row): the same answers as without the cache, refusals included."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from carnet.addresses.validation import _clean_postcode_text, clean_postcode
from carnet.core.identifiers import IdentifierError

COUNTRIES = ["FR", "GP", "MC", "NL", "GB", "US", "LU", "CH", "JP", "AQ", "ZZ"]
typed = st.text(alphabet=st.sampled_from("0123456789 -ABCJLNSWX\tcjl\x00"), max_size=22)


def uncached_clean_postcode(value: str, country: str) -> str:
    """``clean_postcode`` as it was, asking the metadata every time."""
    text = " ".join(value.split()).upper()
    return _clean_postcode_text.__wrapped__(text, country) if text else ""


def outcome(clean: Callable[[str, str], str], value: str, country: str) -> tuple[str, ...]:
    try:
        return ("ok", clean(value, country))
    except IdentifierError as error:
        return ("error", error.code, str(error.message))


@given(typed, st.sampled_from(COUNTRIES))
def test_cached_answers_are_the_uncached_ones(value: str, country: str) -> None:
    expected = outcome(uncached_clean_postcode, value, country)
    assert outcome(clean_postcode, value, country) == expected
    assert outcome(clean_postcode, value, country) == expected  # from the cache, this time


def test_a_refused_postcode_is_refused_every_time() -> None:
    for _ in range(2):
        try:
            clean_postcode("7500", "FR")
        except IdentifierError as error:
            assert error.code == "invalid_postcode"
        else:
            raise AssertionError("7500 is not a French postcode")
