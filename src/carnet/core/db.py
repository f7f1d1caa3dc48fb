"""Writing many rows at once, the fastest way each database offers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    adapted: bool = False,
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``: ``COPY`` on
    PostgreSQL, ``executemany`` on SQLite. Bulk actions write a hundred thousand links
    and history entries this way; building a model instance for each would cost more
    than the insert. JSON columns take their value as a JSON string. ``adapted`` says
    the caller gave datetimes already adapted for the database
    (``connection.ops.adapt_datetimefield_value``), which spares a look at every value."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    rows = list(rows)
    if rows and not adapted:
        # Datetimes as SQLite stores them; bulk rows share one moment, adapted once.
        adapt = connection.ops.adapt_datetimefield_value
        moments = sorted(
            {i for row in rows for i, v in enumerate(row) if isinstance(v, datetime.datetime)}
        )
        cache: dict[datetime.datetime, Any] = {}
        if moments:
            prepared = []
            for row in rows:
                values = list(row)
                for i in moments:
                    moment = values[i]
                    if moment is None:
                        continue
                    if moment not in cache:
                        cache[moment] = adapt(moment)
                    values[i] = cache[moment]
                prepared.append(values)
            rows = prepared
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def allocate_ids(table: str, count: int) -> list[int]:
    """Reserve ``count`` new primary keys of ``table`` for rows inserted with
    ``insert_rows`` (which cannot return the ids it wrote). Call it inside the writing
    transaction.

    PostgreSQL draws them from the table's sequence. On SQLite the transaction holds the
    write lock (it starts IMMEDIATE), so the ids after the highest ever used (the table's
    ``AUTOINCREMENT`` counter, which never goes back, so a purged client's id is never
    given again) stay free until the rows are inserted.
    """
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        cursor.execute(f"SELECT MAX(id) FROM {table}")
        highest = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
    return list(range(highest + 1, highest + 1 + count))
