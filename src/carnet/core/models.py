"""Cross-cutting models: the change history shared by every domain."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChangeRecord(models.Model):
    """One change to one record: who, when, what action, and each field's old and new value.

    ``changes`` maps a field name to ``{"old": ..., "new": ...}`` (JSON-ready values).
    ``object_type`` is a short stable name ("client"), not a content type id, so the
    history survives app renames and reads well in exports.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=32)
    changes = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, blank=True)
    # What the change was part of, when more than one person's edit: "import:42" for the
    # rows of import 42 (its page lists them, and can roll them back).
    context = models.CharField(max_length=32, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "object_type", "object_id", "-created_at"],
                name="change_record_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.action}"


class Sequence(models.Model):
    """A per-organization counter (client references now, document numbers later)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=32)
    last_value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"
