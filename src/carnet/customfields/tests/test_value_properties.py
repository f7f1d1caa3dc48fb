"""Property tests for the custom field parsers: round trips, and garbage never raising
anything but ``InvalidValue`` (a ``FieldError`` for the client)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from carnet.customfields.models import CustomField, FieldType
from carnet.customfields.validation import (
    InvalidValue,
    clean_custom_values,
    display_value,
    parse_value,
    value_keys,
)

CHOICES = ["Bronze", "Argent", "Or", "Élevé, très"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=10,
)


def definition(kind: str) -> CustomField:
    return CustomField(
        name=kind,
        slug=kind,
        type=kind,
        choices=CHOICES if kind in ("choice", "multiple_choice") else [],
    )


@given(
    st.decimals(
        min_value=Decimal("-999999999999999.999999"),
        max_value=Decimal("999999999999999.999999"),
        places=6,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_a_decimal_reads_back_the_same_number_typed_either_way(number):
    field = definition(FieldType.DECIMAL)
    stored = parse_value(field, f"{number:f}")
    assert Decimal(stored) == number
    assert "e" not in stored.lower()
    assert parse_value(field, stored) == stored
    assert parse_value(field, f"{number:f}".replace(".", ",")) == stored
    # The index key is the same for 12.5 and 12.50.
    assert value_keys(field, stored) == value_keys(field, f"{Decimal(stored).normalize():f}")


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_an_integer_reads_back_from_its_text_and_its_display(number):
    field = definition(FieldType.INTEGER)
    assert parse_value(field, str(number)) == number
    assert parse_value(field, number) == number
    assert parse_value(field, display_value(field, number)) == number
    assert value_keys(field, number) == [str(number)]


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_a_date_reads_back_from_iso_and_french_forms(day):
    field = definition(FieldType.DATE)
    iso = day.isoformat()
    assert parse_value(field, iso) == iso
    assert parse_value(field, day.strftime("%d/%m/%Y")) == iso
    assert parse_value(field, f"{day.day}/{day.month}/{day.year:04d}") == iso
    assert parse_value(field, display_value(field, iso)) == iso


@given(st.sampled_from(list(FieldType)), json_values)
def test_garbage_never_raises_anything_but_invalid_value(kind, raw):
    field = definition(kind)
    try:
        stored = parse_value(field, raw)
    except InvalidValue as exc:
        assert exc.code and str(exc.message)
        return
    if stored is not None:
        json.dumps(stored)
        assert parse_value(field, stored) == stored  # stored values read back unchanged
        value_keys(field, stored)
        display_value(field, stored)


@given(st.sampled_from(list(FieldType)), st.text(max_size=300))
def test_any_text_gives_a_value_or_an_invalid_value(kind, raw):
    field = definition(kind)
    try:
        stored = parse_value(field, raw)
    except InvalidValue:
        return
    for key in value_keys(field, stored):
        assert len(key) <= 200


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_a_client_s_values_are_checked_without_crashing(raw: dict[str, Any]):
    definitions = [definition(kind) for kind in FieldType]
    values, errors = clean_custom_values(definitions, raw, {}, creating=True)
    assert all(e.field.startswith("custom_fields.") for e in errors)
    json.dumps(values)
