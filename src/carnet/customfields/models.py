"""Custom fields: the fields an organization adds to its client records, and the index of
their values used to filter client lists."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

MAX_FIELDS_PER_ORGANIZATION = 100


class FieldType(models.TextChoices):
    TEXT = "text", _("Texte")
    LONG_TEXT = "long_text", _("Texte long")
    INTEGER = "integer", _("Nombre entier")
    DECIMAL = "decimal", _("Nombre décimal")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Oui / non")
    CHOICE = "choice", _("Choix dans une liste")
    MULTIPLE_CHOICE = "multiple_choice", _("Choix multiples dans une liste")
    URL = "url", _("Adresse web")
    EMAIL = "email", _("E-mail")


# Types whose values come from the definition's list of choices.
CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTIPLE_CHOICE})


class CustomField(models.Model):
    """A field an organization adds to every client record ("Niveau de service", "Fin de
    contrat"…).

    The values live in ``Client.custom_fields``, a JSON object keyed by ``slug``; the
    rules for each ``type`` are in ``validation.py``. ``choices`` is the ordered list of
    allowed values of the choice types (empty for the others); ``default`` is a value
    of the field's type given to new clients, or null.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("nom"), max_length=100)
    slug = models.CharField(max_length=64)
    type = models.CharField(max_length=16, choices=FieldType.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    default = models.JSONField(null=True, blank=True)
    position = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug"], name="custom_field_unique_slug"
            ),
            models.UniqueConstraint("organization", Lower("name"), name="custom_field_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES


class CustomFieldValue(models.Model):
    """One normalized value of one custom field of one client: a derived index.

    ``Client.custom_fields`` is the source of truth; the services rewrite a client's rows
    whenever its values change, so that a list filtered on a field's value is an index
    lookup even at a million clients. ``value`` is the key of ``validation.value_keys``
    (folded text, canonical number or date); a multiple-choice value has one row per
    chosen value.
    """

    # No index of its own: both indexes below start with the organization.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "field", "client", "value"], name="cfv_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "field", "value", "client"], name="cfv_lookup"),
            models.Index(fields=["organization", "client"], name="cfv_client"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.field_id}={self.value}"
