"""Creating, running, following and cancelling background jobs.

A job runs where ``CARNET_JOBS`` says: ``thread`` (the default) runs it in a thread of the
process that created it, once the creating transaction has committed; ``worker`` leaves
it queued for ``carnet jobs work`` processes; ``inline`` runs it at once, in the caller
(the test suite, and the command line, which shows its own progress bar).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.core.errors import Conflict, DomainError, NotFound
from carnet.core.ids import parse_id

from . import progress
from .models import FINISHED, Job, Status

logger = logging.getLogger("carnet.jobs")

Handler = Callable[[Job, progress.Reporter], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Let a domain run its jobs of ``kind``: ``handler(job, reporter)`` does the work and
    returns the job's result; it raises ``DomainError`` for a failure to tell the user."""
    _HANDLERS[kind] = handler


def mode() -> str:
    return str(getattr(settings, "CARNET_JOBS", "thread"))


def create_job(
    organization: Organization, user: User | None, kind: str, payload: dict[str, Any]
) -> Job:
    return Job.objects.create(
        organization=organization,
        kind=kind,
        payload=payload,
        created_by=user if user is not None and user.pk else None,
    )


def start_job(job: Job) -> None:
    """Run ``job`` where the configuration says (see the module's docstring)."""
    if mode() == "inline":
        run_job(job.pk)
    elif mode() == "thread":
        transaction.on_commit(lambda: _spawn(job.pk))


def _spawn(job_id: int) -> None:
    thread = threading.Thread(target=_run_in_thread, args=(job_id,), daemon=True)
    thread.start()


def _run_in_thread(job_id: int) -> None:
    try:
        run_job(job_id)
    finally:
        connection.close()


def _claim(job_id: int) -> Job | None:
    """Mark a queued job as running, unless another worker took it first."""
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.RUNNING, started_at=timezone.now()
        )
    return Job.objects.get(pk=job_id) if claimed else None


def run_job(job_id: int, *, on_update: Any = None) -> Job:
    """Run a queued job to its end and record how it ended."""
    job = _claim(job_id)
    if job is None:
        return Job.objects.get(pk=job_id)
    reporter = progress.Reporter(job.pk, on_update=on_update)
    reporter.update(phase="start", force=True)
    handler = _HANDLERS.get(job.kind)
    status, result, error = Status.DONE, {}, ""
    try:
        if handler is None:
            raise RuntimeError(f"no handler for jobs of kind {job.kind!r}")
        result = handler(job, reporter)
    except progress.Cancelled:
        status = Status.CANCELLED
    except DomainError as exc:
        status, error = Status.FAILED, str(exc.detail)
        result = dict(getattr(exc, "extra", {}) or {})
    except Exception:
        logger.exception("Job %s failed", job.pk)
        status = Status.FAILED
        error = str(_("Une erreur inattendue a interrompu la tâche ; elle a été enregistrée."))
    Job.objects.filter(pk=job.pk).update(
        status=status,
        result=result,
        error=error,
        progress=1.0 if status == Status.DONE else reporter.snapshot.fraction,
        finished_at=timezone.now(),
    )
    progress.clean_up(job.pk)
    job.refresh_from_db()
    return job


def get_job(organization: Organization, job_id: Any) -> Job:
    pk = parse_id(job_id)
    job = Job.objects.filter(organization=organization, pk=pk).first() if pk else None
    if job is None:
        raise NotFound(_("Tâche introuvable."))
    return refresh(job)


def refresh(job: Job) -> Job:
    """``job`` with its live progress; a running job whose worker stopped giving news (its
    process was killed) is marked interrupted."""
    if job.status != Status.RUNNING:
        return job
    snapshot = progress.read(job.pk)
    started = job.started_at.timestamp() if job.started_at else time.time()
    last_news = snapshot.updated if snapshot else started
    if time.time() - last_news > progress.STALE_AFTER:
        Job.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=Status.INTERRUPTED,
            error=str(_("La tâche a été interrompue (arrêt du serveur) ; relancez-la.")),
            finished_at=timezone.now(),
        )
        progress.clean_up(job.pk)
        job.refresh_from_db()
    elif snapshot is not None:
        job.progress = snapshot.fraction
    return job


def live_progress(job: Job) -> progress.Snapshot | None:
    return progress.read(job.pk) if job.status == Status.RUNNING else None


def cancel_job(job: Job) -> Job:
    """Ask a queued or running job to stop; its work is rolled back."""
    if job.status in FINISHED:
        raise Conflict(_("Cette tâche est déjà terminée."), code="finished")
    if Job.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    ):
        job.refresh_from_db()
        return job
    progress.request_cancel(job.pk)
    return job


def work(*, once: bool = False, poll: float = 1.0) -> int:
    """``carnet jobs work``: run queued jobs, oldest first, until stopped (or, with
    ``once``, until none is left). Returns the number of jobs run."""
    count = 0
    while True:
        if not connection.in_atomic_block:  # a long-lived worker drops stale connections
            close_old_connections()
        queued = (
            Job.objects.filter(status=Status.QUEUED)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if queued is None:
            if once:
                return count
            time.sleep(poll)
            continue
        run_job(queued)
        count += 1
