"""Reading loosely typed input values (forms, JSON, spreadsheet cells) the same way
everywhere."""

from __future__ import annotations

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
