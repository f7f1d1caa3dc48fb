"""Reading loosely typed input values (forms, JSON, spreadsheet cells) the same way
everywhere."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

TRUE_WORDS = frozenset({"1", "true", "oui", "on", "yes", "vrai", "o", "y"})
FALSE_WORDS = frozenset({"0", "false", "non", "off", "no", "faux", "n"})


def parse_flag(value: Any) -> bool | None:
    """A yes/no value as forms, JSON and CSV send it; blank is no; ``None`` when it is
    neither (the caller reports the error)."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
    return None


def parse_decimal(value: Any) -> Decimal | None:
    """A number as people type it: "1 250,50", "1250.50", "20 %", "4,20 €", or a JSON
    number (floats read by their shortest repr, so 0.1 is 0.1); ``None`` for anything
    else, infinities and NaN included (the caller reports the error)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        text = repr(value) if isinstance(value, float) else str(value)
        text = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        text = text.replace(",", ".").removesuffix("%").removesuffix("€")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    return number if number.is_finite() else None
