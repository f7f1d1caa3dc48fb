"""Background jobs: long work (large imports, exports, scans) run apart from the request
that asked for it, with progress a person can follow and a way to cancel it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")
    CANCELLED = "cancelled", _("Annulé")
    INTERRUPTED = "interrupted", _("Interrompu")


FINISHED = frozenset({Status.DONE, Status.FAILED, Status.CANCELLED, Status.INTERRUPTED})


class Job(models.Model):
    """One piece of background work of an organization.

    ``kind`` names the handler (``jobs.services.register_handler``); ``payload`` is what
    it needs, ``result`` what it leaves. While the job runs, its live progress is kept
    outside the database (``jobs.progress``): the work itself usually holds a long write
    transaction, which other connections could not see through, or (SQLite) would wait
    behind.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    payload = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    progress = models.FloatField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="job_queue")]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
