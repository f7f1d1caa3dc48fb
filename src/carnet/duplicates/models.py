"""Duplicates: the groups of alike clients a scan found, the pairs people dismissed, and
the merges (with what it takes to undo them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DuplicateGroup(models.Model):
    """Clients the last scan of the organization found alike.

    ``members`` are client ids; ``pairs`` the pairs that link them, each with its score and
    reasons (``detection.Pair`` as JSON). A new scan replaces the organization's groups.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    members = models.JSONField(default=list)
    score = models.IntegerField()
    exact = models.BooleanField(default=False)
    pairs = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-score", "id"], name="duplicate_group_order")
        ]

    def __str__(self) -> str:
        return f"{self.members} ({self.score})"


class Dismissal(models.Model):
    """Two clients a person said are not duplicates: no scan pairs them again."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    first_id = models.BigIntegerField()
    second_id = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "first_id", "second_id"], name="dismissal_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class Merge(models.Model):
    """Clients merged into a survivor, and everything needed to undo it.

    ``others`` are the merged clients' ids; ``values`` the field values the survivor took
    (``{field: {"from": client id, "value": …}}``); ``snapshot`` every client's columns as
    they were; ``moves`` what moved, record by record, so that undo puts each back.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    survivor = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    others = models.JSONField(default=list)
    values = models.JSONField(default=dict)
    snapshot = models.JSONField(default=dict)
    moves = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="merge_list")]

    def __str__(self) -> str:
        return f"merge {self.pk}: {self.others} → {self.survivor_id}"

    @property
    def context(self) -> str:
        return f"merge:{self.pk}"
