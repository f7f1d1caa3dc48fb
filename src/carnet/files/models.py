"""Documents attached to a client: contracts, terms of sale, bank details…"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    CONTRACT = "contract", _("Contrat")
    TERMS = "terms", _("Conditions générales")
    BANK_DETAILS = "bank_details", _("Coordonnées bancaires")
    OTHER = "other", _("Autre")


def storage_path(instance: ClientFile, filename: str) -> str:
    """Where the blob is stored: a random name per organization, never the user's name
    (which could collide, leak or try to escape the folder)."""
    return f"org-{instance.organization_id}/{uuid.uuid4().hex}"


class ClientFile(models.Model):
    """One uploaded file of a client.

    ``name`` is the sanitized display name; ``stored`` the blob on Django's default
    storage (the data dir by default, S3-compatible storage when configured).
    ``content_type`` is what the content was detected as, never what the browser said.
    Written only by ``services``.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    # Files belong to their client; a client row is only deleted when purged from the trash.
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="files")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    name = models.CharField(max_length=200)
    stored = models.FileField(upload_to=storage_path, max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=150)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "client"])]

    def __str__(self) -> str:
        return self.name

    def history_label(self) -> Any:
        return f"{self.name} ({self.get_category_display()})"
