"""API schemas for custom field definitions. Types and lengths here document the API; the
rules (slug format, choices, default against the type, values in use) live in
``validation.py`` and the services."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from .models import CustomField

TypeValue = Literal[
    "text",
    "long_text",
    "integer",
    "decimal",
    "date",
    "boolean",
    "choice",
    "multiple_choice",
    "url",
    "email",
]
DefaultValue = str | int | float | bool | list[str] | None

TYPE_DESCRIPTION = (
    "`text` (one line, 200 characters), `long_text` (5000), `integer`, `decimal` (stored as "
    'a string, "12.50"), `date` ("YYYY-MM-DD"), `boolean`, `choice` and `multiple_choice` '
    "(values from `choices`), `url`, `email`. Locked while a client has a value."
)
CHOICES_DESCRIPTION = (
    "The allowed values, in display order, for `choice` and `multiple_choice` (1 to 200, "
    "each 1 to 100 characters, unique whatever the case); empty for other types. A choice "
    "a client has cannot be removed."
)
DEFAULT_DESCRIPTION = "A value of the field's type given to new clients, or null."
SLUG_DESCRIPTION = (
    "The key of the values in a client's `custom_fields`: `^[a-z][a-z0-9_]{0,63}$`, "
    "generated from the name when absent. It cannot change once created."
)


class CustomFieldIn(Schema):
    """A new custom field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Niveau de service",
                    "type": "choice",
                    "choices": ["Bronze", "Argent", "Or"],
                    "default": "Bronze",
                },
                {"name": "Fin de contrat", "type": "date", "required": True},
            ]
        },
    )

    name: str = Field(max_length=100, description="The label people see; unique per organization.")
    slug: str | None = Field(None, max_length=64, description=SLUG_DESCRIPTION)
    type: TypeValue = Field(description=TYPE_DESCRIPTION)
    choices: list[str] | None = Field(None, max_length=200, description=CHOICES_DESCRIPTION)
    required: bool | None = Field(
        None, description="A new client must have a value (existing clients are left as is)."
    )
    default: DefaultValue = Field(None, description=DEFAULT_DESCRIPTION)
    position: int | None = Field(
        None, ge=0, le=100_000, description="Display order (then the name); last when absent."
    )


class CustomFieldPatch(Schema):
    """The changes to a custom field: only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100)
    slug: str | None = Field(
        None, max_length=64, description="Accepted only unchanged: a slug cannot change."
    )
    type: TypeValue | None = Field(None, description=TYPE_DESCRIPTION)
    choices: list[str] | None = Field(None, max_length=200, description=CHOICES_DESCRIPTION)
    required: bool | None = None
    default: DefaultValue = Field(None, description=DEFAULT_DESCRIPTION)
    position: int | None = Field(None, ge=0, le=100_000)


class CustomFieldOut(Schema):
    id: int
    name: str
    slug: str
    type: TypeValue
    choices: list[str]
    required: bool
    default: Any = Field(description=DEFAULT_DESCRIPTION)
    position: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CustomFieldList(Schema):
    items: list[CustomFieldOut] = Field(description="In display order (position, then name).")


class CustomFieldDeleted(Schema):
    deleted: bool
    clients_affected: int = Field(description="How many clients lost their value.")


def custom_field_data(field: CustomField) -> dict[str, Any]:
    """``CustomFieldOut`` as a plain dict."""
    return {
        "id": field.pk,
        "name": field.name,
        "slug": field.slug,
        "type": field.type,
        "choices": list(field.choices),
        "required": field.required,
        "default": field.default,
        "position": field.position,
        "created_at": field.created_at,
        "updated_at": field.updated_at,
    }
