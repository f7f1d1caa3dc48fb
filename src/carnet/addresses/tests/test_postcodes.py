"""Property tests for ``clean_postcode``: whatever is typed, a clean code or a clean refusal."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from carnet.addresses.validation import clean_postcode, postcode_rule
from carnet.core.identifiers import IdentifierError

COUNTRIES = ["FR", "GP", "MC", "NL", "GB", "US", "CA", "PL", "PT", "SE", "GR", "LU", "CH", "LV",
             "JP", "IE", "BE", "DE", "HK", "AQ"]  # fmt: skip
typed = st.text(
    alphabet=st.sampled_from("0123456789 -ABCDEFGHJKLNPRSTVWXYZ\t\xa0cjlv"), max_size=14
)


@given(typed, st.sampled_from(COUNTRIES))
@example("75 002", "FR")
@example("1015cj", "NL")
@example("sw1a1aa", "GB")
@example("l-1637", "LU")
def test_a_cleaned_postcode_fits_the_country_and_stays_the_same_when_cleaned_again(
    value: str, country: str
) -> None:
    try:
        cleaned = clean_postcode(value, country)
    except IdentifierError as exc:
        assert exc.code in {"invalid_postcode", "too_long"}
        assert str(exc.message)
        return
    assert cleaned == cleaned.strip() and "  " not in cleaned and cleaned == cleaned.upper()
    rule = postcode_rule(country)
    if cleaned and rule is not None:
        assert rule.pattern.fullmatch(cleaned)
    assert clean_postcode(cleaned, country) == cleaned


@given(st.text(max_size=30), st.sampled_from(COUNTRIES))
def test_any_text_is_cleaned_or_refused_with_a_code(value: str, country: str) -> None:
    try:
        clean_postcode(value, country)
    except IdentifierError as exc:
        assert exc.code in {"invalid_postcode", "too_long", "invalid_character"}
