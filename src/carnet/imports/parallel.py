"""Validating the rows of a large import on every core.

Planning a row is mostly validation (``RowPlanner.clean``): pure computation, which worker
processes do while this process reads the file, looks keys up, checks duplicates and
writes what the workers return, in file order. At most ``WINDOW`` chunks per worker are in
flight, so memory stays bounded however large the file.

Workers are forked from this process when it runs no other thread (the command line);
otherwise (a server thread) they start from a fresh ``forkserver`` process and set Django
up themselves, since forking a threaded process could copy a lock another thread holds.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from django.conf import settings

from .planning import RowPlan, RowPlanner, RowTask
from .reading import SourceRow

WINDOW = 2
# Files smaller than this are planned in this process: starting workers costs more.
PARALLEL_BYTES = 2 * 1024 * 1024

_PLANNER: RowPlanner | None = None


def workers_for(size: int) -> int:
    """How many worker processes to plan a file of ``size`` bytes (0: none)."""
    configured = getattr(settings, "CARNET_IMPORT_WORKERS", None)
    # This process reads, looks up and writes; the others validate.
    count = configured if configured is not None else (os.cpu_count() or 1) - 1
    return count if count >= 1 and size >= PARALLEL_BYTES else 0


def _start(planner: bytes) -> None:
    global _PLANNER
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()
    _PLANNER = pickle.loads(planner)


def _clean(tasks: list[RowTask]) -> list[RowPlan]:
    assert _PLANNER is not None
    return _PLANNER.clean(tasks)


@contextmanager
def worker_pool(planner: RowPlanner, workers: int) -> Iterator[Pool | None]:
    """A pool of ``workers`` processes ready to clean rows (None for no pool)."""
    if workers < 1:
        yield None
        return
    method = "fork" if threading.active_count() == 1 else "forkserver"
    context = multiprocessing.get_context(method)
    pool = context.Pool(workers, initializer=_start, initargs=(pickle.dumps(planner),))
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def planned_chunks(
    planner: RowPlanner, chunks: Iterable[list[SourceRow]], pool: Pool | None
) -> Iterator[list[RowPlan]]:
    """Each chunk's plans, in file order."""
    if pool is None:
        for chunk in chunks:
            yield planner.plan(chunk)
        return
    pending: deque[AsyncResult[Any]] = deque()
    limit = WINDOW * (pool._processes or 1)  # type: ignore[attr-defined]
    for chunk in chunks:
        pending.append(pool.apply_async(_clean, (planner.prepare(chunk),)))
        if len(pending) >= limit:
            yield planner.finish(pending.popleft().get())
    while pending:
        yield planner.finish(pending.popleft().get())
