"""Client imports: the uploaded file, how its columns map to Carnet's, what each row did,
and saved mappings to reuse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    UPLOADED = "uploaded", _("Fichier reçu")
    ANALYZING = "analyzing", _("Vérification en cours")
    READY = "ready", _("Prêt à importer")
    COMMITTING = "committing", _("Import en cours")
    COMMITTED = "committed", _("Importé")
    ROLLING_BACK = "rolling_back", _("Annulation en cours")
    ROLLED_BACK = "rolled_back", _("Annulé")
    FAILED = "failed", _("Échec")


class ImportKey(models.TextChoices):
    """How a row finds the client it updates (none: every row creates a client)."""

    NONE = "", _("Aucune : créer chaque ligne")
    ID = "id", _("Identifiant Carnet")
    REFERENCE = "reference", _("Référence")
    SIRET = "siret", _("SIRET")
    VAT_NUMBER = "vat_number", _("N° TVA intracommunautaire")
    EMAIL = "email", _("E-mail")


class RowAction(models.TextChoices):
    CREATE = "create", _("Création")
    UPDATE = "update", _("Mise à jour")
    UNCHANGED = "unchanged", _("Inchangé")
    ERROR = "error", _("Erreur")


class ImportBatch(models.Model):
    """One client file to import, from upload to commit (and perhaps rollback).

    The file stays in the data dir (``stored_name``, through Django's storage) as long as
    the batch exists: the preview, the commit and the error report all read it again,
    row by row, rather than keeping its rows anywhere. ``info`` is what reading found
    (format, encoding, delimiter, sheets), ``options`` what the person forced;
    ``mapping`` gives, for each column of the file, the key of the Carnet column it fills
    (``imports.columns``) or null.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, blank=True)
    filename = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    info = models.JSONField(default=dict)
    options = models.JSONField(default=dict)
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    key = models.CharField(max_length=16, choices=ImportKey.choices, blank=True)
    clear_blanks = models.BooleanField(default=False)
    counts = models.JSONField(default=dict)
    error_code = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    previewed_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rollback_result = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="import_batch_list")]

    def __str__(self) -> str:
        return f"import {self.pk} {self.filename}"

    @property
    def context(self) -> str:
        """How the history names this import."""
        return f"import:{self.pk}"


class ImportRow(models.Model):
    """What one row of an import will do (preview) or did (commit).

    ``errors`` lists ``{"column", "field", "code", "message", "message_en"}``;
    ``changes`` maps each field an update changes to ``{"old", "new"}`` (what a rollback
    puts back); ``version_after`` is the client's version once the import wrote it, so a
    rollback can tell whether someone changed the client since.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    committed = models.BooleanField(default=False)
    line = models.IntegerField()
    action = models.CharField(max_length=16, choices=RowAction.choices)
    client_id = models.BigIntegerField(null=True, blank=True)
    errors = models.JSONField(default=list)
    # What was left out without refusing the row (an address without its street…).
    warnings = models.JSONField(default=list)
    changes = models.JSONField(default=dict)
    version_after = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["batch", "committed", "line"], name="import_row_line"),
            models.Index(fields=["batch", "committed", "action", "line"], name="import_row_action"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.action}"


class SavedMapping(models.Model):
    """A column mapping kept under a name, to reuse for the next file of the same tool.

    ``columns`` maps a normalized header to a Carnet column key (or null to leave it
    out)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)
    columns = models.JSONField(default=dict)
    key = models.CharField(max_length=16, choices=ImportKey.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="saved_mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
