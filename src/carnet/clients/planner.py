"""Finding one page of a filtered, sorted client list fast, at a million clients.

A page is the first ``limit`` clients, in the list's order, that pass every filter. There
are two ways to find them:

- walk: read the sort index in order and test each client against the filters until the
  page is full. Cheap when matches are common: for a filter one client in 20 passes, a
  page of 50 costs about a thousand index entries.
- drive: take the clients a selective filter names (a rare tag, a search term with few
  trigram hits, a rare country) straight from that filter's index, test the other filters
  on them and sort them. Cheap when they are few.

PostgreSQL chooses between the two from its column statistics, and is left to do so.
SQLite only knows the average number of rows per index prefix, so a rare tag and a common
one look alike to it; there the list decides. Each filter that can drive counts its
clients, up to its ``limit``; the smallest one that fits drives. When none fits, every
filter is common and the walk runs with a budget (SQLite's progress handler): if matches
turn out rarer than each filter suggests (two common tags seldom found together, a search
term whose matches cluster late in name order), the walk is interrupted and the
intersection of all the filters drives instead. docs/search-and-filters.md has the whole
design and docs/PERFORMANCE.md its figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# A filter with at most this many clients drives the page (fetched by id, then sorted).
DRIVE_LIMIT = 3000
# Trigram hits cost more to count than index entries: the search term drives below this.
FEW_HITS = 1000
# Stop probing the other filters once one has this few clients.
CLEARLY_SMALL = 200
# How long a walk may run before the intersection of the filters drives instead, in
# progress-handler calls (one per ``_PROGRESS_STEP`` virtual-machine instructions; 400
# calls are a few milliseconds on a 2020s CPU).
WALK_BUDGET = 400
_PROGRESS_STEP = 1000
_TABLE = '"clients_client"'


@dataclass(frozen=True)
class Driver:
    """A filter that can list its clients' ids straight from an index (SQLite SQL)."""

    name: str
    sql: str
    params: tuple[Any, ...]
    limit: int = DRIVE_LIMIT


def page_ids(
    queryset: QuerySet[Any],
    limit: int,
    *,
    drivers: list[Driver],
    sort_index: str | None,
) -> list[int]:
    """The ids of the first ``limit`` clients of ``queryset`` (filtered and ordered).

    ``sort_index`` names the SQLite index that serves the ordering (None: let SQLite
    choose, as for the small trash list); ``drivers`` are the filters that can drive.
    """
    if connection.vendor != "sqlite" or sort_index is None:
        return list(queryset.values_list("id", flat=True)[:limit])
    driver = _smallest(drivers) if drivers else None
    if driver is not None:
        return _run(_driven(queryset, driver), limit, "NOT INDEXED")
    walk = f'INDEXED BY "{sort_index}"'
    if not drivers:
        return _run(queryset, limit, walk)
    try:
        return _run(queryset, limit, walk, budget=WALK_BUDGET)
    except OperationalError:
        # Matches are rarer than each filter: drive with what all of them have in common.
        common = Driver(
            "intersection",
            " INTERSECT ".join(d.sql for d in drivers),
            tuple(p for d in drivers for p in d.params),
        )
        return _run(_driven(queryset, common), limit, "NOT INDEXED")


def ids_among(queryset: QuerySet[Any], limit: int) -> list[int]:
    """The first ``limit`` ids of ``queryset``, which is restricted to a few given ids:
    on SQLite they are read by rowid, whatever the statistics say."""
    if connection.vendor != "sqlite":
        return list(queryset.values_list("id", flat=True)[:limit])
    return _run(queryset, limit, "NOT INDEXED")


def all_ids(queryset: QuerySet[Any], drivers: list[Driver]) -> list[int]:
    """Every id of ``queryset`` (a bulk action's targets). On SQLite, the filters that can
    drive are intersected first, so a rare tag does not cost a scan of the table."""
    if connection.vendor != "sqlite" or not drivers:
        return list(queryset.values_list("id", flat=True))
    common = Driver(
        "intersection",
        " INTERSECT ".join(d.sql for d in drivers),
        tuple(p for d in drivers for p in d.params),
    )
    return _run(_driven(queryset, common), None, "NOT INDEXED")


def _smallest(drivers: list[Driver]) -> Driver | None:
    """The driver with the fewest clients among those within their limit, if any."""
    best: tuple[int, Driver] | None = None
    with connection.cursor() as cursor:
        for driver in drivers:
            cursor.execute(
                f"SELECT count(*) FROM ({driver.sql} LIMIT %s)", (*driver.params, driver.limit + 1)
            )
            count = cursor.fetchone()[0]
            if count <= driver.limit and (best is None or count < best[0]):
                best = (count, driver)
                if count <= CLEARLY_SMALL:
                    break
    return best[1] if best else None


def _driven(queryset: QuerySet[Any], driver: Driver) -> QuerySet[Any]:
    return queryset.filter(id__in=RawSQL(driver.sql, driver.params))


def _run(
    queryset: QuerySet[Any], limit: int | None, hint: str, *, budget: int | None = None
) -> list[int]:
    """Run the id query with an index hint on the client table, interrupted past
    ``budget`` progress-handler calls (``OperationalError``)."""
    ids = queryset.values_list("id", flat=True)
    try:
        sql, params = (ids[:limit] if limit is not None else ids).query.sql_with_params()
    except EmptyResultSet:
        return []
    sql = sql.replace(f"FROM {_TABLE}", f"FROM {_TABLE} {hint}", 1)
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
