"""Client rows are validated the same with the identifier fast paths as with the libraries
alone: the same values, or the same errors (field, code and message) in the same order.

The fast paths are checked one by one in ``core/tests/test_identifier_fast_paths.py``;
this checks them in place, with the checks ``clean_client_input`` makes around them (the
SIREN taken from the SIRET, the VAT number's country, the customer's country for phones).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.clients.validation import clean_client_input
from carnet.core import identifiers
from carnet.core.errors import ValidationFailed
from carnet.core.tests.test_identifier_fast_paths import (
    email_addresses,
    phone_numbers,
    sirets,
    vat_numbers,
    websites,
)

COUNTRIES = ["", "FR", "fr", "GP", "MC", "BE", "DE", "EL", "CH", "US", "XX"]


@contextmanager
def library_identifiers() -> Iterator[None]:
    """Every identifier cleaner replaced by its library reference for a while."""
    names = [n for n in identifiers.__all__ if hasattr(identifiers, f"library_{n}")]
    saved = {name: getattr(identifiers, name) for name in names}
    assert {"clean_email", "clean_phone", "clean_siret", "clean_vat_number"} <= set(saved)
    try:
        for name in names:
            setattr(identifiers, name, getattr(identifiers, f"library_{name}"))
        yield
    finally:
        for name, cleaner in saved.items():
            setattr(identifiers, name, cleaner)


def outcome(raw: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return ("ok", clean_client_input(raw))
    except ValidationFailed as failed:
        return ("error", [(e.field, e.code, str(e.message)) for e in failed.errors])


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), strategy)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    siret = draw(maybe(sirets()))
    row = {
        "name": "Dupont SARL",
        "country": draw(st.sampled_from(COUNTRIES)),
        "email": draw(maybe(email_addresses())),
        "phone": draw(maybe(phone_numbers())),
        "mobile": draw(maybe(phone_numbers())),
        "siret": siret,
        "siren": draw(st.sampled_from(["", siret[:9], "732829320", "12345678"])),
        "vat_number": draw(maybe(vat_numbers())),
        "website": draw(maybe(websites())),
    }
    return {key: value for key, value in row.items() if value or draw(st.booleans())}


@settings(max_examples=300, deadline=None)
@given(rows())
def test_rows_are_validated_as_with_the_libraries_alone(raw: dict[str, Any]) -> None:
    fast = outcome(raw)
    with library_identifiers():
        assert outcome(raw) == fast


def test_a_typical_row_passes_both_ways() -> None:
    raw = {
        "name": "Boulangerie Martin",
        "email": "contact@boulangerie-martin.fr",
        "phone": "01 42 68 53 00",
        "mobile": "+33 6 12 34 56 78",
        "siret": "732 829 320 00074",
        "vat_number": "FR 44 732829320",
        "website": "www.boulangerie-martin.fr",
    }
    fast = outcome(raw)
    assert fast[0] == "ok"
    assert fast[1]["siren"] == "732829320"
    with library_identifiers():
        assert outcome(raw) == fast
