"""Django's SQLite backend, waiting for the write lock in turn.

Transactions begin with ``BEGIN IMMEDIATE`` (settings): the first to ask holds the
database's write lock until it commits, the others wait. SQLite's own busy handler waits
by sleeping longer and longer (up to 100 ms between tries), so under sustained concurrent
writing a writer that has waited a while sleeps through the releases while newcomers take
the lock: of 10,000 invoices issued by 8 concurrent issuers, one waited out the 20 s
timeout and others 17 s. Here ``BEGIN`` is tried without SQLite's wait and tried again
every millisecond or so until the same timeout, so at each release every waiter has the
same chance. Statements inside a transaction keep SQLite's own wait.
"""

from __future__ import annotations

import random
import sqlite3
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

RETRY_SECONDS = (0.0005, 0.002)  # a little random: waiters do not retry in step


def _locked(error: sqlite3.OperationalError) -> bool:
    message = str(error)
    return "locked" in message or "busy" in message


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        mode = getattr(self, "transaction_mode", None)  # Django sets it from OPTIONS
        begin = "BEGIN" if mode is None else f"BEGIN {mode}"
        raw = self.connection
        (timeout_ms,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            deadline = time.monotonic() + timeout_ms / 1000
            while True:
                try:
                    raw.execute(begin)
                    return
                except sqlite3.OperationalError as error:
                    if not _locked(error) or time.monotonic() >= deadline:
                        raise OperationalError(*error.args) from error
                time.sleep(random.uniform(*RETRY_SECONDS))
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
