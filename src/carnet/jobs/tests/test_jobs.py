"""Background jobs: results, failures, cancellation, interruption, live progress."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from carnet.core.errors import Conflict, ValidationFailed
from carnet.jobs import progress, services
from carnet.jobs.models import Job, Status


@pytest.fixture
def handlers():
    registered: list[str] = []

    def register(kind, handler):
        services.register_handler(kind, handler)
        registered.append(kind)

    yield register
    for kind in registered:
        services._HANDLERS.pop(kind, None)


def test_a_job_records_its_result(organization, owner, handlers):
    def count(job, reporter):
        for done in range(1, 4):
            reporter.update(done=done, total=3, fraction=done / 3, phase="counting")
        return {"counted": 3}

    handlers("test_count", count)
    job = services.create_job(organization, owner, "test_count", {})
    job = services.run_job(job.pk)
    assert (job.status, job.result, job.progress) == (Status.DONE, {"counted": 3}, 1.0)
    assert job.started_at and job.finished_at
    assert progress.read(job.pk) is None  # its progress file is cleaned up


def test_a_refusal_fails_the_job_with_its_message(organization, owner, handlers):
    def refuse(job, reporter):
        raise ValidationFailed([], detail="Fichier illisible.")

    handlers("test_refuse", refuse)
    job = services.run_job(services.create_job(organization, owner, "test_refuse", {}).pk)
    assert (job.status, job.error) == (Status.FAILED, "Fichier illisible.")


def test_a_crash_fails_the_job_without_showing_the_traceback(organization, owner, handlers):
    def crash(job, reporter):
        raise RuntimeError("secret internals")

    handlers("test_crash", crash)
    job = services.run_job(services.create_job(organization, owner, "test_crash", {}).pk)
    assert job.status == Status.FAILED
    assert "secret" not in job.error and "inattendue" in job.error


def test_a_running_job_stops_when_cancelled(organization, owner, handlers):
    seen = []

    def long_work(job, reporter):
        for step in range(100):
            if step == 3:
                services.cancel_job(job)  # someone presses "Arrêter"
            reporter.check()
            seen.append(step)
        return {}

    handlers("test_long", long_work)
    job = services.run_job(services.create_job(organization, owner, "test_long", {}).pk)
    assert job.status == Status.CANCELLED
    assert seen == [0, 1, 2]
    assert not progress.cancel_path(job.pk).exists()


def test_a_queued_job_is_cancelled_at_once_and_a_finished_one_refuses(organization, owner):
    job = services.create_job(organization, owner, "nothing", {})
    job = services.cancel_job(job)
    assert job.status == Status.CANCELLED
    with pytest.raises(Conflict):
        services.cancel_job(job)


def test_a_job_whose_process_died_is_marked_interrupted(organization, owner):
    job = services.create_job(organization, owner, "nothing", {})
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    job = services.get_job(organization, job.pk)
    assert job.status == Status.INTERRUPTED
    assert "relancez" in job.error


def test_a_running_job_with_recent_news_stays_running(organization, owner):
    job = services.create_job(organization, owner, "nothing", {})
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    progress.write(job.pk, progress.Snapshot(done=10, total=20, fraction=0.5, phase="commit"))
    job = services.get_job(organization, job.pk)
    assert (job.status, job.progress) == (Status.RUNNING, 0.5)
    progress.clean_up(job.pk)


def test_another_organizations_job_is_not_found(other_organization, organization, owner):
    from carnet.core.errors import NotFound

    job = services.create_job(organization, owner, "nothing", {})
    with pytest.raises(NotFound):
        services.get_job(other_organization, job.pk)


def test_the_worker_runs_queued_jobs_oldest_first(organization, owner, handlers):
    order = []
    handlers("test_note", lambda job, reporter: order.append(job.payload["n"]) or {})
    for n in (1, 2, 3):
        services.create_job(organization, owner, "test_note", {"n": n})
    assert services.work(once=True) == 3
    assert order == [1, 2, 3]


def test_the_work_command_runs_what_is_queued(organization, owner, handlers, capsys):
    from carnet.cli import main

    handlers("test_quiet", lambda job, reporter: {})
    services.create_job(organization, owner, "test_quiet", {})
    assert main(["jobs", "work", "--once"]) == 0
    assert capsys.readouterr().out.strip() == "1 tâche exécutée."
