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

import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# A filter with at most this many clients drives the page (fetched by id, then sorted).
DRIVE_LIMIT = 3000
# The search term drives when it has at most this many trigram hits (fetched once).
FEW_HITS = 4000
# Stop probing the other filters once one has this few clients.
CLEARLY_SMALL = 200
# How long a walk may run before the filters' intersection drives instead, in
# milliseconds of wall time (a walk that reads table rows costs cache or disk reads that
# no count of virtual-machine instructions foresees): half of what driving would cost, the
# smallest filter's size times ``DRIVE_COST_MS``, between ``WALK_BUDGET_MIN`` and
# ``WALK_BUDGET``. Either way the page costs at most about twice the better plan.
# Checked by SQLite's progress handler every ``_PROGRESS_STEP`` instructions.
WALK_BUDGET = 30.0
WALK_BUDGET_MIN = 4.0
DRIVE_COST_MS = 0.002
COUNT_LIMIT = 30_000
# Index entries a search sorted by name reads first on PostgreSQL.
BOUNDED_WALK = 20_000
# Hits read at a time by a search sorted by name; after this many batches without a
# full page, the page is finished from the name index.
ORDERED_BATCH = 200
ORDERED_BATCHES = 3
# Independent filters expected to need a walk longer than this drive at once.
RARE_WALK = 5000
SIZE_TTL = 600.0
_PROGRESS_STEP = 1000
_TABLE = '"clients_client"'


@dataclass(frozen=True)
class Driver:
    """A filter that can list its clients' ids straight from an index (SQLite SQL).

    ``walk_index`` names an index that holds this filter's clients in name order (an
    equality filter on a column of the list indexes), so a list sorted by name can walk
    just that part of it.
    """

    name: str
    sql: str
    params: tuple[Any, ...]
    limit: int = DRIVE_LIMIT
    walk_index: str = ""


@dataclass(frozen=True)
class OrderedSearch:
    """A search in a list sorted by name: the FTS query, the direction, and the sort name
    the page starts after (its cursor's), to start reading hits from its name group."""

    fts_query: str
    descending: bool = False
    after: str | None = None
    walk_index: str = "client_search_walk"
    # PostgreSQL: the list without its search condition, and the term.
    unsearched: QuerySet[Any] | None = None
    term: str = ""


def page_ids(
    queryset: QuerySet[Any],
    limit: int,
    *,
    drivers: list[Driver],
    sort_index: str | None,
    by_name: bool = False,
    organization_id: int | None = None,
    ordered: OrderedSearch | None = None,
) -> list[int]:
    """The ids of the first ``limit`` clients of ``queryset`` (filtered and ordered).

    ``sort_index`` names the SQLite index that serves the ordering (None: let SQLite
    choose, as for the small trash list); ``drivers`` are the filters that can drive;
    ``by_name`` says the list is sorted by name, so a driver's ``walk_index`` serves it.
    """
    if connection.vendor != "sqlite" or sort_index is None:
        if ordered is not None and ordered.unsearched is not None and sort_index is not None:
            walked = _bounded_walk(ordered, limit)
            if walked is not None:
                return walked
        return list(queryset.values_list("id", flat=True)[:limit])
    if not drivers:
        return _run(queryset, limit, f'INDEXED BY "{sort_index}"')
    few = _fewest(drivers)
    if few is not None:
        return _run(_among(queryset, few), limit, "NOT INDEXED")
    walk = sort_index
    if by_name:
        walk = next((d.walk_index for d in drivers if d.walk_index), sort_index)
    if ordered is not None:
        try:
            return _ordered_hits(queryset, limit, ordered)
        except SearchInterrupted:
            return _run(_driven(queryset, _intersection(drivers)), limit, "NOT INDEXED")
    countable = [d for d in drivers if d.limit >= DRIVE_LIMIT]  # not the trigram hits
    if len(countable) >= 2:
        counts = _counts(countable)
        if _rare_together(counts, organization_id, limit):
            return _run(_driven(queryset, _intersection(drivers)), limit, "NOT INDEXED")
        smallest = min(counts)
    elif countable:
        smallest = COUNT_LIMIT  # more than DRIVE_LIMIT clients: not worth counting
    else:
        smallest = 2 * FEW_HITS  # only a search term, with more than FEW_HITS hits
    budget = min(WALK_BUDGET, max(WALK_BUDGET_MIN, smallest * DRIVE_COST_MS / 2))
    try:
        return _run(queryset, limit, f'INDEXED BY "{walk}"', budget=budget)
    except OperationalError:
        # Matches are rarer than each filter: drive with what all of them have in common.
        return _run(_driven(queryset, _intersection(drivers)), limit, "NOT INDEXED")


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
    return _run(_driven(queryset, _intersection(drivers)), None, "NOT INDEXED")


def _intersection(drivers: list[Driver]) -> Driver:
    return Driver(
        "intersection",
        " INTERSECT ".join(d.sql for d in drivers),
        tuple(p for d in drivers for p in d.params),
    )


def _fewest(drivers: list[Driver]) -> list[int] | None:
    """The ids of the driver with the fewest clients, among those within their limit
    (kept, so that the page query does not run the driver again); None if none is."""
    best: list[int] | None = None
    with connection.cursor() as cursor:
        for driver in drivers:
            cursor.execute(f"{driver.sql} LIMIT %s", (*driver.params, driver.limit + 1))
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) <= driver.limit and (best is None or len(ids) < len(best)):
                best = ids
                if len(ids) <= CLEARLY_SMALL:
                    break
    return best


def _bounded_walk(ordered: OrderedSearch, limit: int) -> list[int] | None:
    """PostgreSQL: the page of a search sorted by name, from the first ``BOUNDED_WALK``
    entries of the name index (which holds ``search_text``: an index-only scan), or None
    when they do not fill it. PostgreSQL's estimate for a common term's trigrams is far
    too low, so its own plan would read tens of thousands of candidates from the table."""
    assert ordered.unsearched is not None
    direction = "DESC" if ordered.descending else "ASC"
    inner = ordered.unsearched.order_by(
        *(("-sort_name", "-id") if ordered.descending else ("sort_name", "id"))
    ).values_list("id", "sort_name", "search_text")[:BOUNDED_WALK]
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return []
    pattern = "%" + connection.ops.prep_for_like_query(ordered.term) + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT walked.id FROM ({sql}) AS walked WHERE walked.search_text LIKE %s "
            f"ORDER BY walked.sort_name {direction}, walked.id {direction} LIMIT %s",
            (*params, pattern, limit),
        )
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) == limit else None


class SearchInterrupted(Exception):
    """A name-ordered read of the search hits ran out of its budget."""


def _ordered_hits(queryset: QuerySet[Any], limit: int, ordered: OrderedSearch) -> list[int]:
    """The page of a search sorted by name, read from the trigram index in name order.

    The index's rowids are name keys (``search.name_key``): reading the hits in rowid
    order reads them by name group. Each batch of hits is tested against the list's
    other conditions (``queryset``); once enough clients pass in groups that are complete
    (every group before the last one read), they are sorted by name and the page is
    cut. A budget guards against filters that let very few hits through.
    """
    from . import search

    deadline = time.perf_counter() + WALK_BUDGET / 1000
    step, order = (">", "ASC") if not ordered.descending else ("<", "DESC")
    if ordered.after is not None:
        group = search.name_group(ordered.after)
        bound = (group << search.NAME_KEY_ID_BITS) - 1
        if ordered.descending:
            bound = (group + 1) << search.NAME_KEY_ID_BITS
    else:
        bound = -1 if not ordered.descending else 2**63 - 1
    fts = search.FTS_TABLE
    found: list[tuple[str, int]] = []
    batches = 0
    with connection.cursor() as cursor:
        while True:
            if time.perf_counter() > deadline:
                raise SearchInterrupted
            batches += 1
            cursor.execute(
                f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s AND rowid {step} %s "
                f"ORDER BY rowid {order} LIMIT %s",
                (ordered.fts_query, bound, ORDERED_BATCH),
            )
            keys = [row[0] for row in cursor.fetchall()]
            if not keys:
                break
            ids = [key & search.NAME_KEY_ID_MASK for key in keys]
            found += _pairs(_among(queryset, ids))
            if len(keys) < ORDERED_BATCH:
                break  # every hit was read
            bound = keys[-1]
            # Groups before the last one read (in reading order) hold all their hits.
            last_group = bound >> search.NAME_KEY_ID_BITS
            if ordered.descending:
                complete = sum(1 for name, _pk in found if search.name_group(name) > last_group)
            else:
                complete = sum(1 for name, _pk in found if search.name_group(name) < last_group)
            if complete >= limit:
                break
            if batches >= ORDERED_BATCHES and not ordered.descending:
                # A big group ("agence …"): the rest of the page comes from the name
                # index, from the group's first name on, where its matches are dense.
                done = sorted(f for f in found if search.name_group(f[0]) < last_group)
                floor = search.group_floor(last_group)
                rest = queryset.filter(sort_name__gte=floor).exclude(id__in=[pk for _n, pk in done])
                try:
                    tail = _run(
                        rest,
                        limit - len(done),
                        f'INDEXED BY "{ordered.walk_index}"',
                        budget=max(WALK_BUDGET_MIN, (deadline - time.perf_counter()) * 1000),
                    )
                except OperationalError:
                    raise SearchInterrupted from None
                return [pk for _name, pk in done] + tail
    found.sort(reverse=ordered.descending)
    return [pk for _name, pk in found[:limit]]


def _pairs(queryset: QuerySet[Any]) -> list[tuple[str, int]]:
    """(sort name, id) of the clients of ``queryset`` (restricted to a few ids)."""
    try:
        sql, params = queryset.order_by().values_list("sort_name", "id").query.sql_with_params()
    except EmptyResultSet:
        return []
    sql = sql.replace(f"FROM {_TABLE}", f"FROM {_TABLE} NOT INDEXED", 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(name, pk) for name, pk in cursor.fetchall()]


def _counts(drivers: list[Driver]) -> list[int]:
    """How many clients each filter has, up to ``COUNT_LIMIT``."""
    counts = []
    with connection.cursor() as cursor:
        for driver in drivers:
            cursor.execute(
                f"SELECT count(*) FROM ({driver.sql} LIMIT %s)", (*driver.params, COUNT_LIMIT)
            )
            counts.append(cursor.fetchone()[0])
    return counts


def _rare_together(counts: list[int], organization_id: int | None, limit: int) -> bool:
    """Whether two or more common filters are, taken as independent, so rare together
    that a walk would read more than ``RARE_WALK`` entries for a page: then their
    intersection drives at once (two tags, a custom field and a tag)."""
    if len(counts) < 2 or organization_id is None:
        return False
    size = organization_size(organization_id)
    if not size:
        return False
    together = 1.0
    for count in counts:
        together *= min(1.0, count / size)
    return together == 0 or limit / together > RARE_WALK


_SIZES: dict[int, tuple[float, int]] = {}


def organization_size(organization_id: int) -> int:
    """How many clients the organization has, counted at most every ``SIZE_TTL``
    seconds per process: the planner only needs the order of magnitude."""
    now = time.monotonic()
    cached = _SIZES.get(organization_id)
    if cached is not None and now - cached[0] < SIZE_TTL:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM clients_client WHERE organization_id = %s", [organization_id]
        )
        size = int(cursor.fetchone()[0])
    _SIZES[organization_id] = (now, size)
    return size


def _driven(queryset: QuerySet[Any], driver: Driver) -> QuerySet[Any]:
    return queryset.filter(id__in=RawSQL(driver.sql, driver.params))


def _among(queryset: QuerySet[Any], ids: list[int]) -> QuerySet[Any]:
    """Restrict to these ids, written inline: they come from the database, and a query
    with thousands of parameters costs more to build than to run."""
    if not ids:
        return queryset.none()
    return queryset.filter(id__in=RawSQL(",".join(str(int(pk)) for pk in ids), ()))


def _run(
    queryset: QuerySet[Any], limit: int | None, hint: str, *, budget: float | None = None
) -> list[int]:
    """Run the id query with an index hint on the client table, interrupted
    (``OperationalError``) after ``budget`` milliseconds."""
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
        deadline = time.perf_counter() + budget / 1000

        def stop_when_spent() -> int:
            return int(time.perf_counter() > deadline)

        raw = connection.connection
        raw.set_progress_handler(stop_when_spent, _PROGRESS_STEP)
        try:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
        finally:
            raw.set_progress_handler(None, 0)
