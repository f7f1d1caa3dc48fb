"""Client search: case- and accent-insensitive, by prefix or substring, fast at a million rows.

Each client keeps ``search_text``, a folded copy of the fields people search by (name,
first and last name, reference, e-mail, SIRET, SIREN, VAT number). A client matches when
its ``search_text`` contains the folded query. That rule never changes; what changes with
the query is how the database finds the matches (docs/PERFORMANCE.md has the figures):

- shorter than three characters: names starting with it (range scan on ``sort_name``);
- a SIREN (9 digits) or a SIRET (14 digits), spaces and dots allowed: the SIREN index;
- otherwise a trigram index answers "which rows contain this?": an FTS5 ``trigram``
  table with positions on SQLite (kept by triggers; the term is a quoted phrase, so the
  index alone decides, without reading rows), a ``pg_trgm`` GIN index on PostgreSQL.

A trigram index finds rare terms at once but is slow to hand over tens of thousands of
rows for a common one ("mar", "gmail"), and the list wants only the first 50 *by name*.
So on SQLite the search is planned: a bounded probe of the FTS table counts the hits; up
to ``FEW_HITS`` they are fetched by id and sorted; beyond that, the list walks the
(organization, archived, sort_name, id, search_text) index in order and tests each entry,
which stops after a few thousand entries when matches are dense. When the matches are
clustered far down the name order (a first name, "sarl m…") the walk gives up after
``WALK_BUDGET`` virtual-machine steps and the page is taken from the trigram hits.
PostgreSQL's planner makes the same choice itself from its statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection
from django.db.models import QuerySet
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
WALK_INDEX = "client_search_walk"
MIN_TRIGRAM = 3
# Up to this many trigram hits, fetch them all and sort them; above, walk the name index.
FEW_HITS = 1000
# How long the ordered walk may run before the trigram hits are used instead, in SQLite
# progress-handler calls (one per 1,000 virtual-machine instructions; about 30,000
# index entries on a 2020s CPU, a few milliseconds).
WALK_BUDGET = 400
_PROGRESS_STEP = 1000


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


def fts_phrase(term: str) -> str:
    """The FTS5 query for "contains ``term``": a quoted phrase of its trigrams.

    Inside quotes everything is literal but the quote itself, which is doubled. The
    trigram positions make the phrase match exactly the rows whose text contains the
    term, without reading them.
    """
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class SearchPlan:
    """How to find the clients matching ``term`` (see the module docstring).

    ``strategy`` is one of ``all`` (no search), ``name_prefix``, ``identifier``,
    ``candidates`` (the few trigram hits are in ``candidate_ids``), ``scan`` (many hits,
    SQLite) and ``trigram`` (PostgreSQL).
    """

    term: str
    strategy: str
    candidate_ids: tuple[int, ...] = field(default=(), repr=False)


def plan_search(q: str) -> SearchPlan:
    """Decide how to search for ``q``; on SQLite this probes the trigram index once."""
    term = normalize_query(q)
    if not term:
        return SearchPlan(term, "all")
    if len(term) < MIN_TRIGRAM:
        return SearchPlan(term, "name_prefix")
    if term.isdigit() and len(term) in (9, 14):
        return SearchPlan(term, "identifier")
    if connection.vendor != "sqlite":
        return SearchPlan(term, "trigram")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",
            [fts_phrase(term), FEW_HITS + 1],
        )
        ids = tuple(row[0] for row in cursor.fetchall())
    if len(ids) <= FEW_HITS:
        return SearchPlan(term, "candidates", ids)
    return SearchPlan(term, "scan")


def apply_plan(queryset: QuerySet[Any], plan: SearchPlan) -> QuerySet[Any]:
    """Restrict ``queryset`` (of clients) to those matching the planned search."""
    term = plan.term
    if plan.strategy == "all":
        return queryset
    if plan.strategy == "name_prefix":
        return queryset.filter(sort_name__startswith=term)
    if plan.strategy == "identifier":
        if len(term) == 14:
            return queryset.filter(siren=term[:9], siret=term)
        return queryset.filter(siren=term)
    if plan.strategy == "candidates":
        return queryset.filter(id__in=plan.candidate_ids, search_text__contains=term)
    return queryset.filter(search_text__contains=term)  # pg_trgm GIN serves it on PostgreSQL


def matching(queryset: QuerySet[Any], q: str) -> QuerySet[Any]:
    """Restrict ``queryset`` (of clients) to those matching the search ``q``."""
    return apply_plan(queryset, plan_search(q))


def ordered_ids(
    queryset: QuerySet[Any], limit: int, plan: SearchPlan | None, *, walkable: bool
) -> list[int]:
    """The ids of the first ``limit`` clients of ``queryset`` (filtered and ordered).

    ``walkable`` says the order is the name order of live clients, which the walk index
    serves. On SQLite the plan picks the access path explicitly: its statistics count
    every NULL ``deleted_at`` as distinct and would send the query to the trash index.
    """
    ids = queryset.values_list("id", flat=True)[:limit]
    if connection.vendor != "sqlite" or plan is None:
        return list(ids)
    if plan.strategy == "candidates":
        return _run_sqlite(ids, "NOT INDEXED")  # rowid lookups of the few hits
    if plan.strategy != "scan" or not walkable:
        return list(ids)
    try:
        return _run_sqlite(ids, f'INDEXED BY "{WALK_INDEX}"', budget=WALK_BUDGET)
    except OperationalError:
        # The matches are too sparse at the start of the name order: sort the trigram
        # hits instead (as many as there are, but then there are not that many here).
        hits = RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (fts_phrase(plan.term),)
        )
        return _run_sqlite(
            queryset.filter(id__in=hits).values_list("id", flat=True)[:limit], "NOT INDEXED"
        )


def _run_sqlite(ids: QuerySet[Any], hint: str, *, budget: int | None = None) -> list[int]:
    """Run an id query with an index hint, interrupted past ``budget`` progress calls."""
    try:
        sql, params = ids.query.sql_with_params()
    except EmptyResultSet:  # e.g. no trigram hit at all
        return []
    table = '"clients_client"'
    sql = sql.replace(f"FROM {table}", f"FROM {table} {hint}", 1)
    with connection.cursor() as cursor:
        if budget is None:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
        calls = 0

        def stop_when_spent() -> int:
            nonlocal calls
            calls += 1
            return int(calls > budget)

        raw = connection.connection
        raw.set_progress_handler(stop_when_spent, _PROGRESS_STEP)
        try:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
        finally:
            raw.set_progress_handler(None, 0)
