"""Text normalization shared by search, sorting and duplicate detection."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(value: str) -> str:
    """Lower-case, strip accents and collapse white space: "  Éric  LE Bœuf" -> "eric le boeuf".

    Used for every stored search key and for the query, so both sides compare alike.
    """
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _SPACES.sub(" ", stripped).strip()
