"""Turning raw contact input (form, API) into normalized field values.

``clean_contact_input`` is the one place where a contact's fields are checked; every error
is a ``FieldError`` with a stable code and a French message.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from carnet.core import identifiers
from carnet.core.errors import FieldError, ValidationFailed

from .models import Civility, Contact

# Free-text fields and their maximum length.
TEXT_FIELDS: dict[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "job_title": 100,
    "notes": 20000,
}
PHONE_FIELDS = ("phone", "mobile")
EDITABLE_FIELDS: tuple[str, ...] = (
    "civility",
    "first_name",
    "last_name",
    "job_title",
    "email",
    *PHONE_FIELDS,
    "notes",
)
MAX_EMAIL = 254
MAX_RAW_PHONE = 40
_CARD_MIN_LENGTH = 13  # shorter texts cannot hold a card number
# Computed once: ``Choices.values`` builds its list anew on each access.
_EDITABLE = frozenset(EDITABLE_FIELDS)
_CIVILITIES = frozenset(Civility.values)
# The Unicode categories Cc (controls) and Cs (surrogates), which Unicode's stability
# policy freezes: one regular expression instead of a category lookup per character
# (tests check it against unicodedata over every code point). Multi-line text (notes)
# may also hold line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _has_control(value: str, *, multiline: bool) -> bool:
    """NUL and other control characters: no name or address holds one, and PostgreSQL
    text cannot store NUL."""
    return (_CONTROL_IN_MULTILINE if multiline else _CONTROL).search(value) is not None


def current_values(contact: Contact) -> dict[str, Any]:
    """The contact's editable values in the shape ``clean_contact_input`` returns."""
    return {f: getattr(contact, f) for f in EDITABLE_FIELDS}


def clean_contact_input(
    raw: dict[str, Any], *, existing: dict[str, Any] | None = None, country: str = "FR"
) -> dict[str, Any]:
    """Validate and normalize ``raw`` merged over ``existing`` (the current values, or
    blanks for a new contact). National phone numbers are read as numbers of ``country``
    (the client's country). Returns every editable value, normalized.

    Raises ``ValidationFailed`` listing every bad field at once.
    """
    errors: list[FieldError] = []
    base: dict[str, Any] = (
        dict(existing) if existing is not None else dict.fromkeys(EDITABLE_FIELDS, "")
    )
    for field in sorted(set(raw) - _EDITABLE):
        errors.append(FieldError(field, "unknown_field", _("Ce champ n'existe pas.")))
    out: dict[str, Any] = {}
    for field in EDITABLE_FIELDS:
        value = raw[field] if field in raw else base.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(FieldError(field, "invalid_type", _("Une valeur texte est attendue.")))
            out[field] = ""
            continue
        if _has_control(value, multiline=field == "notes"):
            errors.append(
                FieldError(field, "invalid_character", _("Caractère de contrôle interdit."))
            )
            out[field] = ""
            continue
        out[field] = value if field == "notes" else value.strip()
        if field in TEXT_FIELDS and field in raw and len(value) >= _CARD_MIN_LENGTH:
            # A full card number must never be stored (PCI DSS); only what is typed now is
            # looked at, so an old value cannot block an unrelated change.
            card = identifiers.find_card_number(value)
            if card is not None:
                errors.append(identifiers.card_number_error(field, card))

    if out["civility"] and out["civility"] not in _CIVILITIES:
        errors.append(
            FieldError(
                "civility", "invalid_choice", _("La civilité doit être « mr », « mrs » ou vide.")
            )
        )
    for field, limit in TEXT_FIELDS.items():
        if len(out[field]) > limit:
            errors.append(
                FieldError(
                    field,
                    "too_long",
                    _("%(max)s caractères au maximum.") % {"max": limit},
                )
            )
    if out["email"]:
        if len(out["email"]) > MAX_EMAIL:
            errors.append(
                FieldError(
                    "email", "too_long", _("%(max)s caractères au maximum.") % {"max": MAX_EMAIL}
                )
            )
        else:
            try:
                out["email"] = identifiers.clean_email(out["email"])
            except identifiers.IdentifierError as exc:
                errors.append(FieldError("email", exc.code, exc.message))
    for field in PHONE_FIELDS:
        if not out[field]:
            continue
        if len(out[field]) > MAX_RAW_PHONE:
            errors.append(
                FieldError(
                    field, "too_long", _("%(max)s caractères au maximum.") % {"max": MAX_RAW_PHONE}
                )
            )
            continue
        try:
            out[field] = identifiers.clean_phone(out[field], country=country or "FR")
        except identifiers.IdentifierError as exc:
            errors.append(FieldError(field, exc.code, exc.message))

    failed = {e.field for e in errors}
    if not out["last_name"] and not out["email"] and not failed & {"last_name", "email"}:
        errors.append(
            FieldError(
                "last_name",
                "required",
                _("Indiquez au moins un nom ou une adresse e-mail."),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return out
