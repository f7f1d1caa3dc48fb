"""Reading record ids from user input (URLs, JSON, forms)."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1  # the largest value a 64-bit primary key holds


def parse_id(value: Any) -> int | None:
    """The positive database id ``value`` stands for, or None for anything else.

    Garbage, zero, negatives and numbers too large for the column all mean "no such
    record" to the caller, never a database error.
    """
    if isinstance(value, bool):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return pk if 0 < pk <= MAX_ID else None
