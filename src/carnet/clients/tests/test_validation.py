"""Properties of client input validation: any input is either normalized or refused cleanly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.clients.validation import EDITABLE_FIELDS, clean_client_input
from carnet.core.errors import ValidationFailed

scalars = st.one_of(
    st.none(), st.text(max_size=300), st.integers(), st.floats(allow_nan=True), st.booleans()
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=5),
    st.dictionaries(st.text(max_size=10), scalars, max_size=5),
)
inputs = st.dictionaries(st.sampled_from([*EDITABLE_FIELDS, "bogus"]), values, max_size=12)


@settings(max_examples=400, deadline=None)
@given(inputs)
def test_any_input_is_normalized_or_refused_with_field_errors(raw):
    try:
        cleaned = clean_client_input(raw)
    except ValidationFailed as exc:
        assert exc.errors
        for error in exc.errors:
            assert error.field and error.code and str(error.message)
        return
    assert cleaned["name"]
    assert set(cleaned) == set(EDITABLE_FIELDS)
    assert len(cleaned["name"]) <= 200


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=" .\u00a0", max_size=3), st.text(alphabet=" .\u00a0", max_size=3))
def test_a_siret_typed_with_separators_normalizes_to_its_digits(sep1, sep2):
    cleaned = clean_client_input({"name": "A", "siret": f"732{sep1}829{sep2}320 00074"})
    assert cleaned["siret"] == "73282932000074"
    assert cleaned["siren"] == "732829320"


def test_cleaning_is_idempotent():
    raw = {
        "name": " Café  de la Gare ",
        "siret": "732 829 320 00074",
        "vat_number": "fr44 732829320",
        "phone": "01 42 68 53 00",
        "email": "Gare@Cafe.FR",
        "website": "cafe.fr",
        "naf_code": "5630z",
        "share_capital": "1 500,5",
        "tags": ["Bar", "bar", "Nuit"],
    }
    once = clean_client_input(raw)
    twice = clean_client_input(once)
    assert once == twice


def test_an_owner_that_is_not_a_plain_number_is_a_field_error():
    import pytest

    for bad in ("²", "1.5", "-3", "0", str(2**70), True):
        with pytest.raises(ValidationFailed) as caught:
            clean_client_input({"name": "A", "owner": bad})
        assert [(e.field, e.code) for e in caught.value.errors] == [("owner", "invalid_type")]
    assert clean_client_input({"name": "A", "owner": "12"})["owner"] == 12
