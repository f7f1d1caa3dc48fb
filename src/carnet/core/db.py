"""Writing many rows at once, the fastest way each database offers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``: ``COPY`` on
    PostgreSQL, ``executemany`` on SQLite. Bulk actions write a hundred thousand links
    and history entries this way; building a model instance for each would cost more
    than the insert. JSON columns take their value as a JSON string."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    adapt = connection.ops.adapt_datetimefield_value
    prepared = ([adapt(v) if isinstance(v, datetime.datetime) else v for v in row] for row in rows)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(prepared))
