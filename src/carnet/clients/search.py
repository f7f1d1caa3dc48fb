"""Client search: what a client is found by, and how a query is read.

Each client keeps ``search_text``, a folded copy of what people search by: name, first and
last name, reference, e-mail, SIRET, SIREN, VAT number, its telephone numbers (as dialled
nationally and internationally) and the names of its contacts. A client matches when its
``search_text`` contains the folded query: prefix and substring alike, whatever the case
and accents. A query that is a whole identifier (an e-mail, a SIRET, a SIREN, a
telephone number, a reference, a VAT number) also looks that identifier up exactly, and
those clients are ranked first; a whole SIREN or SIRET finds the company's
establishments only.

How the database finds the matches fast at a million clients is ``planner``'s business:
a trigram index answers "which rows contain this?" (an FTS5 ``trigram`` table with
positions on SQLite, kept by triggers; a ``pg_trgm`` GIN index on PostgreSQL), and the
list's sort index answers "which come first?".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from carnet.core.text import fold, phone_query, phone_search_digits

SEARCHED_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "reference",
    "email",
    "siret",
    "siren",
    "vat_number",
)
PHONE_FIELDS = ("phone", "mobile")
FTS_TABLE = "clients_client_fts"
MIN_TRIGRAM = 3
_VAT_LIKE = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
_SEPARATORS = re.compile(r"[\s.]")


# A client's own identifiers always fit; its contacts' names fill the rest. PostgreSQL's
# index entries (``client_search_walk`` holds the text) must stay under a page's third,
# and a client with thousands of contacts would exceed it: its contacts are still found
# by the contact search.
MAX_SEARCH_TEXT = 1500


def search_text(values: dict[str, Any], contact_names: Iterable[str] = ()) -> str:
    """The folded text a client is found by."""
    parts = [str(values.get(name) or "") for name in SEARCHED_FIELDS]
    parts += [phone_search_digits(values[name]) for name in PHONE_FIELDS if values.get(name)]
    text = fold(" ".join(p for p in parts if p))
    for name in contact_names:
        folded = fold(name)
        if not folded:
            continue
        if len(text) + len(folded) + 1 > MAX_SEARCH_TEXT:
            break
        text = f"{text} {folded}" if text else folded
    return text[:MAX_SEARCH_TEXT]


@dataclass(frozen=True)
class SearchQuery:
    """A query as the list reads it.

    ``term`` is looked for inside ``search_text``; under ``MIN_TRIGRAM`` characters it
    matches the start of names only (``name_prefix``); a whole SIREN or SIRET
    (``identifier``) matches that company's establishments. ``exact`` maps identifier columns
    to the values the query stands for, looked up exactly to rank those clients first.
    """

    term: str
    name_prefix: bool = False
    identifier: bool = False
    exact: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def trigram(self) -> bool:
        return bool(self.term) and not self.name_prefix and not self.identifier


def parse_query(q: str) -> SearchQuery:
    """Read a search query: folded text, telephone numbers and identifiers typed with
    spaces or dots ("552 100 554 00025", "01.42.68.53.00") in the form they are stored."""
    folded = fold(q)
    if not folded:
        return SearchQuery("")
    exact: dict[str, tuple[str, ...]] = {}
    phone = phone_query(folded)
    if phone is not None and len(phone.digits) >= MIN_TRIGRAM:
        digits = phone.digits
        if phone.e164:
            exact["phone"] = exact["mobile"] = (phone.e164,)
        elif len(digits) in (9, 14):
            # A whole SIREN or SIRET: the company and its establishments, from the SIREN
            # index (a trigram search of fourteen common digit trigrams costs far more).
            return SearchQuery(digits, identifier=True, exact={"siren": (digits[:9],)})
        return SearchQuery(digits, exact=exact)
    stripped = q.strip()
    if "@" in stripped and " " not in stripped:
        exact["email"] = (stripped.lower(),)
    if " " not in stripped and len(stripped) <= 50:
        exact["reference"] = tuple(dict.fromkeys((stripped, stripped.upper())))
    compact = _SEPARATORS.sub("", stripped).upper()
    if _VAT_LIKE.match(compact) and any(c.isdigit() for c in compact):
        exact["vat_number"] = (compact,)
    return SearchQuery(folded, name_prefix=len(folded) < MIN_TRIGRAM, exact=exact)


# --- Name-ordered trigram index (SQLite) --------------------------------------------------
# The FTS5 table's rowid is the client's "name key": a code of the first five characters
# of its sort name (order-preserving), above its id. FTS5 hands hits over in rowid order,
# so a search sorted by name reads its hits already in name order and stops after a page.
NAME_KEY_ID_BITS = 34
NAME_KEY_ID_MASK = (1 << NAME_KEY_ID_BITS) - 1
_NAME_KEY_LENGTH = 5
_NAME_KEY_BASE = 41


def _character_code(char: str) -> tuple[int, bool]:
    """(code, exact) of a character of a sort name, in byte (UTF-8) order: the end of the
    name 0, a space 1, digits and lower-case letters one code each; the characters in
    between and beyond share a code, and the name key stops there (``exact`` False). A
    control character (before the space; folding leaves none in stored names) shares the
    space's code and stops the key."""
    if char == " ":
        return 1, True
    if char < " ":
        return 1, False
    if char < "0":
        return 2, False
    if char <= "9":
        return 3 + ord(char) - ord("0"), True
    if char < "a":
        return 13, False
    if char <= "z":
        return 14 + ord(char) - ord("a"), True
    return 40, False


def name_group(sort_name: str) -> int:
    """The order-preserving code of the start of ``sort_name``: a name whose group is
    smaller sorts before (two names of one group are compared in full)."""
    code = 0
    stopped = False
    for position in range(_NAME_KEY_LENGTH):
        value = 0
        if not stopped and position < len(sort_name):
            value, exact = _character_code(sort_name[position])
            stopped = not exact
        code = code * _NAME_KEY_BASE + value
    return code


_FLOOR_OF_SHARED_CODE = {2: "!", 13: ":", 40: "{"}


def group_floor(group: int) -> str:
    """The smallest sort name in ``group``: every name of the group, and of the groups
    after it, sorts at or after it."""
    codes = []
    for _position in range(_NAME_KEY_LENGTH):
        codes.append(group % _NAME_KEY_BASE)
        group //= _NAME_KEY_BASE
    chars = []
    for code in reversed(codes):
        if code == 0:
            break
        if code in _FLOOR_OF_SHARED_CODE:
            chars.append(_FLOOR_OF_SHARED_CODE[code])
            break
        if code == 1:
            break  # a space, or a control character before it: the prefix is the floor
        if code <= 12:
            chars.append(chr(ord("0") + code - 3))
        else:
            chars.append(chr(ord("a") + code - 14))
    return "".join(chars)


def name_key(sort_name: str | None, client_id: int) -> int:
    """The FTS rowid of a client (``carnet_name_key`` in SQL). Ids up to 2**34."""
    return (name_group(sort_name or "") << NAME_KEY_ID_BITS) | (client_id & NAME_KEY_ID_MASK)


def register_sqlite_functions(connection: Any) -> None:
    """Give a SQLite connection the function its search triggers call."""
    connection.create_function("carnet_name_key", 2, name_key, deterministic=True)


def fts_phrase(term: str) -> str:
    """The FTS5 query for "contains ``term``": a quoted phrase of its trigrams.

    Inside quotes everything is literal but the quote itself, which is doubled. The
    trigram positions make the phrase match exactly the rows whose text contains the
    term, without reading them.
    """
    return '"' + term.replace('"', '""') + '"'


# How common each character is in ``search_text`` (French names, e-mail addresses,
# identifiers, telephone numbers), roughly; others count as rare.
_CHARACTER_FREQUENCY = {
    **dict.fromkeys(" e", 0.12),
    **dict.fromkeys("0", 0.08),
    **dict.fromkeys("aisnrt", 0.065),
    **dict.fromkeys("oluc", 0.05),
    **dict.fromkeys("dmp123456789", 0.035),
    **dict.fromkeys("gbvhf.", 0.015),
    **dict.fromkeys("@-_'", 0.008),
}
_RARE = 0.004
LONG_TERM_TRIGRAMS = 7
RARE_TRIGRAMS = 3


def fts_query(term: str) -> str:
    """The FTS5 query that finds the rows containing ``term``, or a few more.

    A short term is its phrase. A long one (an e-mail, a full name) would make FTS5 merge
    the lists of every trigram it holds, common ones ("con", "ent") included, for tens of
    milliseconds: it asks instead for the rows holding its few rarest trigrams (by
    character frequency), a superset the list's exact test (``search_text`` contains the
    term) then narrows, in about a millisecond.
    """
    trigrams = [term[i : i + 3] for i in range(len(term) - 2)]
    if len(trigrams) <= LONG_TERM_TRIGRAMS:
        return fts_phrase(term)

    def frequency(trigram: str) -> float:
        result = 1.0
        for char in trigram:
            result *= _CHARACTER_FREQUENCY.get(char, _RARE)
        return result

    chosen: list[int] = []
    for index in sorted(range(len(trigrams)), key=lambda i: frequency(trigrams[i])):
        if all(abs(index - other) >= 3 for other in chosen):  # not overlapping
            chosen.append(index)
        if len(chosen) == RARE_TRIGRAMS:
            break
    return " AND ".join(fts_phrase(trigrams[i]) for i in sorted(chosen))
