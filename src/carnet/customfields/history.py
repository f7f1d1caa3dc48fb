"""A client's custom values in its history: one entry per changed field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

HISTORY_PREFIX = "custom_fields."


def _same(old: Any, new: Any) -> bool:
    # JSON text, not ==: True == 1 in Python, not in a custom field.
    return json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)


def field_changes(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """``{"custom_fields.<slug>": {"old": …, "new": …}}`` for each field whose value
    differs (None for no value), in ``new``'s order, then the removed fields."""
    old = old or {}
    new = new or {}
    changes: dict[str, dict[str, Any]] = {}
    for slug in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(slug), new.get(slug)
        if not _same(before, after):
            changes[f"{HISTORY_PREFIX}{slug}"] = {"old": before, "new": after}
    return changes


def slug_of(change_key: str) -> str | None:
    """The slug of a history key "custom_fields.<slug>", else None."""
    if change_key.startswith(HISTORY_PREFIX):
        return change_key[len(HISTORY_PREFIX) :]
    return None
