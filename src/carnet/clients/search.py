"""Full-text search over clients: case- and accent-insensitive, prefix and substring.

Each client keeps ``search_text``, a folded copy of the fields people search by. Substring
matching at a million rows needs a trigram index: an FTS5 ``trigram`` table kept in step
by triggers on SQLite, a ``pg_trgm`` GIN index on PostgreSQL (see the migrations).
Queries shorter than three characters cannot use trigrams and match name prefixes.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from carnet.core.text import fold

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
FTS_TABLE = "clients_client_fts"
MIN_TRIGRAM = 3


def search_text(values: dict[str, Any]) -> str:
    """The folded text a client is found by."""
    parts = [str(values.get(field) or "") for field in SEARCHED_FIELDS]
    return fold(" ".join(p for p in parts if p))


def normalize_query(q: str) -> str:
    """Fold the query like ``search_text``; identifiers typed with spaces or dots
    ("552 100 554 00025") match their stored form."""
    folded = fold(q)
    compact = folded.replace(" ", "").replace(".", "")
    if compact.isdigit() and len(compact) >= MIN_TRIGRAM:
        return compact
    return folded




def matching(queryset: QuerySet[Any], q: str) -> QuerySet[Any]:
    """Restrict ``queryset`` (of clients) to those matching the search ``q``."""
    term = normalize_query(q)
    if not term:
        return queryset
    if len(term) < MIN_TRIGRAM:
        # Too short for trigrams: names starting with the term (index range scan).
        return queryset.filter(sort_name__startswith=term)
    if connection.vendor == "sqlite":
        # FTS5 trigram answers LIKE '%term%' from its index. It takes no ESCAPE clause,
        # so "_" and "%" in the term act as wildcards there: the exact test on the
        # table itself removes what they let through.
        return queryset.filter(
            id__in=RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE search_text LIKE %s", (f"%{term}%",)
            ),
            search_text__contains=term,
        )
    return queryset.filter(
        Q(search_text__contains=term)  # pg_trgm GIN index serves LIKE '%term%'
    )
