"""Live progress and cancellation of running jobs, in small files under the data dir.

A running job usually holds one long write transaction (an import is all or nothing):
progress written to the database inside it would be invisible to others, and written
from another connection it would wait behind it on SQLite. So the worker writes its
progress to ``<data dir>/jobs/<id>.json`` (replaced atomically, at most a few times a
second) and looks for ``<id>.cancel``, which a person's request creates. Every process of
one installation shares the data dir (it also holds the uploaded files).

The file carries a heartbeat: a job whose file has not been touched for
``STALE_AFTER`` seconds while the database still says it runs was interrupted (its
process was killed); ``services.refresh`` marks it so.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

# A worker touches its file at least every HEARTBEAT seconds, even without progress.
HEARTBEAT = 2.0
STALE_AFTER = 30.0
_MIN_INTERVAL = 0.25


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def progress_path(job_id: int) -> Path:
    return _folder() / f"{job_id}.json"


def cancel_path(job_id: int) -> Path:
    return _folder() / f"{job_id}.cancel"


@dataclass
class Snapshot:
    """What a job last said of itself."""

    done: int = 0
    total: int = 0
    fraction: float = 0.0
    phase: str = ""
    updated: float = 0.0

    @property
    def age(self) -> float:
        return time.time() - self.updated


def read(job_id: int) -> Snapshot | None:
    """The job's last progress, or None when it wrote none (or it was cleaned up)."""
    try:
        data = json.loads(progress_path(job_id).read_text())
    except (OSError, ValueError):
        return None
    return Snapshot(
        done=int(data.get("done", 0)),
        total=int(data.get("total", 0)),
        fraction=float(data.get("fraction", 0.0)),
        phase=str(data.get("phase", "")),
        updated=float(data.get("updated", 0.0)),
    )


def write(job_id: int, snapshot: Snapshot) -> None:
    snapshot.updated = time.time()
    path = progress_path(job_id)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(snapshot.__dict__))
    os.replace(temporary, path)


def request_cancel(job_id: int) -> None:
    cancel_path(job_id).touch()


def cancel_requested(job_id: int) -> bool:
    return cancel_path(job_id).exists()


def clean_up(job_id: int) -> None:
    for path in (progress_path(job_id), cancel_path(job_id)):
        path.unlink(missing_ok=True)


class Cancelled(Exception):
    """Raised inside a job's work when someone asked to cancel it."""


class Reporter:
    """Handed to a job's work: ``update`` its progress, ``check`` for a cancellation.

    ``on_update`` (optional) is called with each snapshot written, for a command line's
    progress bar."""

    def __init__(self, job_id: int | None, on_update: Any = None) -> None:
        self.job_id = job_id
        self.snapshot = Snapshot()
        self.on_update = on_update
        self._last = 0.0

    def update(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        fraction: float | None = None,
        phase: str | None = None,
        force: bool = False,
    ) -> None:
        if done is not None:
            self.snapshot.done = done
        if total is not None:
            self.snapshot.total = total
        if fraction is not None:
            self.snapshot.fraction = max(0.0, min(1.0, fraction))
        if phase is not None and phase != self.snapshot.phase:
            self.snapshot.phase = phase
            force = True
        now = time.monotonic()
        if not force and now - self._last < _MIN_INTERVAL:
            return
        self._last = now
        if self.job_id is not None:
            write(self.job_id, self.snapshot)
        if self.on_update is not None:
            self.on_update(self.snapshot)

    def check(self) -> None:
        """Raise ``Cancelled`` when someone asked to cancel; keep the heartbeat alive."""
        if self.job_id is None:
            return
        if cancel_requested(self.job_id):
            raise Cancelled
        if time.monotonic() - self._last > HEARTBEAT:
            self.update(force=True)
