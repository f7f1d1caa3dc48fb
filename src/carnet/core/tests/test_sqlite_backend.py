"""The SQLite backend's wait for the write lock: a transaction waits its turn while
another holds the lock, gives up at the timeout with an error and nothing written, and
leaves SQLite's own wait as it was. On a database of its own, whatever the suite runs on."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction

from carnet.core.sqlite.base import DatabaseWrapper

ALIAS = "fair_sqlite"


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Iterator[tuple[DatabaseWrapper, Path]]:
    path = tmp_path / "fair.sqlite3"
    wrapper = DatabaseWrapper(
        {
            "ENGINE": "carnet.core.sqlite",
            "NAME": str(path),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=20000;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias=ALIAS,
    )
    connections[ALIAS] = wrapper
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE invoice (number INTEGER)")
        yield wrapper, path
        wrapper.close()
    del connections[ALIAS]


def holder(path: Path) -> sqlite3.Connection:
    """Another connection, holding the write lock."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def busy_timeout(wrapper: DatabaseWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return int(cursor.fetchone()[0])


def numbers(wrapper: DatabaseWrapper) -> list[int]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT number FROM invoice ORDER BY number")
        return [row[0] for row in cursor.fetchall()]


def test_a_transaction_waits_for_the_write_lock_then_writes(
    database: tuple[DatabaseWrapper, Path],
) -> None:
    wrapper, path = database
    other = holder(path)
    other.execute("INSERT INTO invoice VALUES (1)")
    threading.Timer(0.3, other.execute, args=("COMMIT",)).start()
    started = time.monotonic()
    with transaction.atomic(using=ALIAS), wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO invoice VALUES (2)")
    assert 0.25 <= time.monotonic() - started < 5
    assert numbers(wrapper) == [1, 2]
    assert busy_timeout(wrapper) == 20000  # SQLite's own wait, for statements, as it was
    other.close()


def test_it_gives_up_at_the_timeout_and_writes_nothing(
    database: tuple[DatabaseWrapper, Path],
) -> None:
    wrapper, path = database
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 300")
    other = holder(path)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        with transaction.atomic(using=ALIAS), wrapper.cursor() as cursor:
            cursor.execute("INSERT INTO invoice VALUES (2)")
    assert 0.25 <= time.monotonic() - started < 5
    assert busy_timeout(wrapper) == 300
    other.execute("ROLLBACK")
    other.close()
    assert numbers(wrapper) == []
    with transaction.atomic(using=ALIAS), wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO invoice VALUES (3)")  # the connection is usable again
    assert numbers(wrapper) == [3]
