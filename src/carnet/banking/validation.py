"""Turning raw input (form, JSON) about a client's means of payment into normalized values.

One function per record type: ``clean_bank_account_input``, ``clean_mandate_input`` (a new
mandate), ``clean_mandate_change`` (what may change on an existing one) and
``clean_card_input``. Each raises ``ValidationFailed`` listing every bad field at once,
each error with a stable code and a French message. Identifier checks (IBAN, BIC, ICS,
card numbers) come from ``core.identifiers``; what needs the database (the bank account a
mandate debits belongs to the client, a RUM unique in the organization) is the services'.

A full card number typed into any field of these records is refused with the code
``card_number`` and a message saying why, before any other check of that field.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from carnet.core import identifiers
from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.ids import parse_id
from carnet.core.inputs import parse_flag

from .models import BankAccount, Card, CardBrand, MandateScheme, MandateSequence, MandateStatus

# --- Shared -----------------------------------------------------------------------------
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")

Fail = Callable[[str, str, Any], None]


class _Errors:
    """Collects the errors of one input; ``fail`` is passed around, ``raise_if_any`` ends."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, code: str, message: Any) -> None:
        self.errors.append(FieldError(field, code, message))

    def failed(self, field: str) -> bool:
        return any(error.field == field for error in self.errors)

    def unknown(self, raw: Mapping[str, Any], allowed: frozenset[str]) -> None:
        for field in sorted(set(raw) - allowed):
            self.fail(field, "unknown_field", _("Ce champ n'existe pas."))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _text(value: Any, field: str, fail: Fail, *, max_length: int) -> str | None:
    """One line of text, single-spaced; ``None`` (after reporting why) when refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        fail(field, "invalid_type", _("Une valeur texte est attendue."))
        return None
    if _CONTROL_CHARACTERS.search(value.replace("\n", " ").replace("\t", " ")):
        fail(field, "invalid_character", _("Caractère interdit."))
        return None
    text = " ".join(value.split())
    card = identifiers.find_card_number(text) if len(text) >= 13 else None
    if card is not None:
        error = identifiers.card_number_error(field, card)
        fail(error.field, error.code, error.message)
        return None
    if len(text) > max_length:
        fail(
            field,
            "too_long",
            _("%(max)d caractères au maximum (%(length)d saisis).")
            % {"max": max_length, "length": len(text)},
        )
        return None
    return text


def _flag(value: Any, field: str, fail: Fail) -> bool | None:
    flag = parse_flag(value)
    if flag is None:
        fail(field, "invalid_type", _("Oui ou non attendu."))
    return flag


def _date(value: Any, field: str, fail: Fail) -> datetime.date | None:
    """A date from a ``date``, an ISO 8601 string (``2024-05-02``) or a French one
    (``02/05/2024``); ``None`` after reporting why when it is none of these."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        french = _FRENCH_DATE.fullmatch(text)
        try:
            if french is not None:
                day, month, year = (int(part) for part in french.groups())
                return datetime.date(year, month, day)
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    fail(field, "invalid_date", _("Saisissez une date valide, par exemple 2024-05-02."))
    return None


def _id(value: Any, field: str, fail: Fail) -> int | None:
    pk = parse_id(value) if isinstance(value, int | str) else None
    if pk is None:
        fail(field, "invalid_type", _("Identifiant attendu."))
    return pk


# --- Bank accounts ----------------------------------------------------------------------
BANK_ACCOUNT_TEXT_FIELDS: dict[str, int] = {"holder": 140, "bank_name": 100, "label": 100}
BANK_ACCOUNT_FIELDS: tuple[str, ...] = ("iban", "bic", *BANK_ACCOUNT_TEXT_FIELDS, "primary")
_BANK_ACCOUNT_FIELDS = frozenset(BANK_ACCOUNT_FIELDS)
IBAN_MAX_INPUT = 60  # 34 characters, their spaces, an "IBAN :" label
BIC_MAX_INPUT = 20


def bank_account_values(account: BankAccount) -> dict[str, Any]:
    """The account's editable values in the shape ``clean_bank_account_input`` returns."""
    return {field: getattr(account, field) for field in BANK_ACCOUNT_FIELDS}


def clean_bank_account_input(
    raw: Mapping[str, Any], existing: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Validate and normalize ``raw`` merged over ``existing`` (the account's current
    values; ``None`` for a new account). The IBAN is required and stored compact; the BIC
    is optional and must be of the IBAN's country (or a territory that goes with it).
    Returns every editable value."""
    errors = _Errors()
    fail = errors.fail
    errors.unknown(raw, _BANK_ACCOUNT_FIELDS)
    base: dict[str, Any] = dict(existing) if existing is not None else {}
    merged = {**base, **{k: v for k, v in raw.items() if k in _BANK_ACCOUNT_FIELDS}}
    out: dict[str, Any] = {}

    iban = _text(merged.get("iban"), "iban", fail, max_length=IBAN_MAX_INPUT)
    if iban == "":
        fail("iban", "required", _("L'IBAN est obligatoire."))
    elif iban is not None:
        try:
            iban = identifiers.clean_iban(iban)
        except identifiers.IdentifierError as exc:
            fail("iban", exc.code, exc.message)
            iban = None
    out["iban"] = iban or ""

    bic = _text(merged.get("bic"), "bic", fail, max_length=BIC_MAX_INPUT)
    if bic:
        try:
            bic = identifiers.clean_bic(bic, iban_country=iban[:2] if iban else None)
        except identifiers.IdentifierError as exc:
            fail("bic", exc.code, exc.message)
    out["bic"] = bic or ""

    for field, max_length in BANK_ACCOUNT_TEXT_FIELDS.items():
        out[field] = _text(merged.get(field), field, fail, max_length=max_length) or ""
    out["primary"] = bool(_flag(merged.get("primary"), "primary", fail))
    errors.raise_if_any()
    return out


# --- Mandates ---------------------------------------------------------------------------
REFERENCE_MAX_LENGTH = 35
# The SEPA (EPC) Latin character set a mandate reference is written in, space included.
_REFERENCE_CHARACTERS = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]+")
MANDATE_FIELDS: tuple[str, ...] = (
    "reference",
    "signed_on",
    "scheme",
    "sequence",
    "status",
    "bank_account",
    "file",
    "last_used_on",
)
_MANDATE_FIELDS = frozenset(MANDATE_FIELDS)
# What may change once a mandate is recorded; the rest is what the client signed.
MANDATE_CHANGEABLE_FIELDS: tuple[str, ...] = ("status", "bank_account", "file")
_MANDATE_CHANGEABLE = frozenset(MANDATE_CHANGEABLE_FIELDS)
_STARTING_STATUSES = frozenset({MandateStatus.PENDING, MandateStatus.ACTIVE})
_SCHEMES = frozenset(MandateScheme.values)
_SEQUENCES = frozenset(MandateSequence.values)


def clean_reference(value: Any, fail: Fail) -> str:
    """A mandate reference (RUM) as typed, trimmed; ``""`` after reporting why when it is
    refused: at most 35 characters of the SEPA set (letters without accents, digits,
    space and ``/ - ? : ( ) . , ' +``), not starting or ending with ``/``, without ``//``."""
    if value is None or value == "":
        fail("reference", "required", _("La référence unique du mandat (RUM) est obligatoire."))
        return ""
    text = _text(value, "reference", fail, max_length=200)
    if text is None:
        return ""
    if not text:
        fail("reference", "required", _("La référence unique du mandat (RUM) est obligatoire."))
    elif len(text) > REFERENCE_MAX_LENGTH:
        fail(
            "reference",
            "too_long",
            _("La RUM compte 35 caractères au maximum (%(length)d saisis).")
            % {"length": len(text)},
        )
    elif not _REFERENCE_CHARACTERS.fullmatch(text):
        fail(
            "reference",
            "invalid_character",
            _(
                "La RUM ne peut contenir que des lettres sans accent, des chiffres, des "
                "espaces et les signes / - ? : ( ) . , ' +"
            ),
        )
    elif text.startswith("/") or text.endswith("/") or "//" in text:
        fail(
            "reference",
            "invalid_format",
            _("La RUM ne peut ni commencer ni finir par « / », ni contenir « // »."),
        )
    else:
        return text
    return ""


def _choice(value: Any, field: str, allowed: frozenset[str], fail: Fail, message: Any) -> str:
    text = value.strip() if isinstance(value, str) else value
    if field == "scheme" and isinstance(text, str):
        text = text.upper()
    if text not in allowed:
        fail(field, "invalid_choice", message)
        return ""
    return str(text)


def clean_mandate_input(raw: Mapping[str, Any], *, today: datetime.date) -> dict[str, Any]:
    """Validate and normalize a new mandate. ``signed_on`` may not be after ``today`` (the
    organization's date); ``last_used_on`` (a mandate recorded after it was first used)
    neither, nor before the signature. The status starts as ``pending`` or ``active``
    (the default). ``bank_account`` and ``file`` are ids, checked by the services.

    Returns ``reference``, ``signed_on``, ``scheme``, ``sequence``, ``status``,
    ``bank_account`` (an id), ``file`` (an id or ``None``) and ``last_used_on``."""
    errors = _Errors()
    fail = errors.fail
    errors.unknown(raw, _MANDATE_FIELDS)
    out: dict[str, Any] = {"reference": clean_reference(raw.get("reference"), fail)}

    signed_on = raw.get("signed_on")
    if signed_on in (None, ""):
        fail("signed_on", "required", _("La date de signature est obligatoire."))
        out["signed_on"] = None
    else:
        out["signed_on"] = _date(signed_on, "signed_on", fail)
        if out["signed_on"] is not None and out["signed_on"] > today:
            fail(
                "signed_on",
                "in_future",
                _("La date de signature ne peut pas être dans le futur."),
            )

    out["scheme"] = _choice(
        raw.get("scheme") or MandateScheme.CORE,
        "scheme",
        _SCHEMES,
        fail,
        _("Le schéma doit être CORE ou B2B."),
    )
    out["sequence"] = _choice(
        raw.get("sequence") or MandateSequence.RECURRENT,
        "sequence",
        _SEQUENCES,
        fail,
        _("Le type de prélèvement doit être « recurrent » (récurrent) ou « one_off » (ponctuel)."),
    )
    out["status"] = _choice(
        raw.get("status") or MandateStatus.ACTIVE,
        "status",
        _STARTING_STATUSES,
        fail,
        _("Un nouveau mandat est « pending » (en attente) ou « active » (actif)."),
    )

    account = raw.get("bank_account")
    if account in (None, ""):
        fail("bank_account", "required", _("Choisissez le compte bancaire à prélever."))
        out["bank_account"] = None
    else:
        out["bank_account"] = _id(account, "bank_account", fail)

    document = raw.get("file")
    out["file"] = None if document in (None, "") else _id(document, "file", fail)

    used = raw.get("last_used_on")
    out["last_used_on"] = None
    if used not in (None, ""):
        used_on = _date(used, "last_used_on", fail)
        if used_on is not None and used_on > today:
            fail(
                "last_used_on",
                "in_future",
                _("La date de dernière utilisation ne peut pas être dans le futur."),
            )
        elif used_on is not None and out["signed_on"] and used_on < out["signed_on"]:
            fail(
                "last_used_on",
                "before_signature",
                _("Le mandat ne peut pas avoir servi avant sa signature."),
            )
        out["last_used_on"] = used_on
    errors.raise_if_any()
    return out


def clean_mandate_change(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a change to a recorded mandate: only its status (``active`` or
    ``revoked``), the bank account it debits (an amendment) and the signed file may
    change; what the client signed (RUM, date, scheme, sequence) may not. Returns the
    fields given, normalized; transitions are checked by the services."""
    errors = _Errors()
    fail = errors.fail
    for field in sorted(set(raw) - _MANDATE_CHANGEABLE):
        if field in _MANDATE_FIELDS:
            fail(
                field,
                "read_only",
                _(
                    "Ce qui a été signé (RUM, date, schéma, type) ne change pas : révoquez "
                    "ce mandat et enregistrez-en un nouveau."
                ),
            )
        else:
            fail(field, "unknown_field", _("Ce champ n'existe pas."))
    out: dict[str, Any] = {}
    if "status" in raw:
        out["status"] = _choice(
            raw["status"],
            "status",
            frozenset({MandateStatus.ACTIVE, MandateStatus.REVOKED}),
            fail,
            _("Le statut ne peut devenir que « active » (actif) ou « revoked » (révoqué)."),
        )
    if "bank_account" in raw:
        if raw["bank_account"] in (None, ""):
            fail("bank_account", "required", _("Choisissez le compte bancaire à prélever."))
        else:
            out["bank_account"] = _id(raw["bank_account"], "bank_account", fail)
    if "file" in raw:
        out["file"] = None if raw["file"] in (None, "") else _id(raw["file"], "file", fail)
    errors.raise_if_any()
    return out


# --- Cards ------------------------------------------------------------------------------
CARD_FIELDS: tuple[str, ...] = (
    "brand",
    "last4",
    "expiry_month",
    "expiry_year",
    "holder",
    "primary",
)
_CARD_FIELDS = frozenset(CARD_FIELDS)
_BRANDS = frozenset(CardBrand.values)
_LAST4 = re.compile(r"[0-9]{4}")
CARD_HOLDER_MAX = 100
MAX_CARD_YEARS = 25  # cards are issued for a few years; further is a typing error


def card_values(card: Card) -> dict[str, Any]:
    """The card's editable values in the shape ``clean_card_input`` returns."""
    return {field: getattr(card, field) for field in CARD_FIELDS}


def _number(value: Any, field: str, fail: Fail, message: Any) -> int | None:
    if isinstance(value, bool):
        fail(field, "invalid_number", message)
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        fail(field, "invalid_number", message)
        return None


def clean_card_input(
    raw: Mapping[str, Any],
    existing: Mapping[str, Any] | None = None,
    *,
    today: datetime.date,
) -> dict[str, Any]:
    """Validate and normalize ``raw`` merged over ``existing`` (``None`` for a new card).

    ``last4`` is exactly 4 digits: a full card number typed there (or anywhere) is
    refused with the code ``card_number``. The expiry (month 1–12, year with or without
    its century) may not be past when the card is added or its expiry changed; a card
    that has expired since may still be edited otherwise. Returns every editable value."""
    errors = _Errors()
    fail = errors.fail
    errors.unknown(raw, _CARD_FIELDS)
    base: dict[str, Any] = dict(existing) if existing is not None else {}
    merged = {**base, **{k: v for k, v in raw.items() if k in _CARD_FIELDS}}
    out: dict[str, Any] = {}

    brand = merged.get("brand")
    if brand in (None, ""):
        brand = CardBrand.OTHER
    if isinstance(brand, str):
        brand = brand.strip().lower()
    if brand not in _BRANDS:
        fail(
            "brand",
            "invalid_choice",
            _("Marque inconnue : visa, mastercard, amex, cb ou other."),
        )
    out["brand"] = str(brand) if brand in _BRANDS else CardBrand.OTHER

    last4 = _text(
        None if merged.get("last4") is None else str(merged.get("last4")),
        "last4",
        fail,
        max_length=40,
    )
    if last4 == "":
        fail("last4", "required", _("Saisissez les 4 derniers chiffres de la carte."))
    elif last4 is not None:
        compact = last4.replace(" ", "").replace("-", "")
        if not _LAST4.fullmatch(compact):
            fail(
                "last4",
                "invalid_format",
                _("Saisissez exactement les 4 derniers chiffres de la carte, rien de plus."),
            )
        last4 = compact
    out["last4"] = last4 or ""

    expiry_message = _("Saisissez la date d'expiration : un mois de 1 à 12 et une année.")
    month = merged.get("expiry_month")
    year = merged.get("expiry_year")
    if month in (None, "") or year in (None, ""):
        field = "expiry_month" if month in (None, "") else "expiry_year"
        fail(field, "required", expiry_message)
        month_number = year_number = None
    else:
        month_number = _number(month, "expiry_month", fail, expiry_message)
        year_number = _number(year, "expiry_year", fail, expiry_message)
    if month_number is not None and not 1 <= month_number <= 12:
        fail("expiry_month", "out_of_range", _("Le mois d'expiration va de 1 à 12."))
        month_number = None
    if year_number is not None and 0 <= year_number < 100:
        year_number += 2000  # "27" on the card: 2027
    if year_number is not None and not today.year - 50 <= year_number <= today.year + 50:
        fail(
            "expiry_year", "out_of_range", _("Saisissez l'année sur 4 chiffres, par exemple 2027.")
        )
        year_number = None
    expiry_changed = existing is None or (month_number, year_number) != (
        base.get("expiry_month"),
        base.get("expiry_year"),
    )
    if month_number is not None and year_number is not None and expiry_changed:
        if (year_number, month_number) < (today.year, today.month):
            fail(
                "expiry_year",
                "expired",
                _("Cette carte est expirée : sa date d'expiration est passée."),
            )
        elif year_number > today.year + MAX_CARD_YEARS:
            fail(
                "expiry_year",
                "out_of_range",
                _("Une carte n'expire pas dans plus de %(years)d ans.") % {"years": MAX_CARD_YEARS},
            )
    out["expiry_month"] = month_number
    out["expiry_year"] = year_number

    out["holder"] = _text(merged.get("holder"), "holder", fail, max_length=CARD_HOLDER_MAX) or ""
    out["primary"] = bool(_flag(merged.get("primary"), "primary", fail))
    errors.raise_if_any()
    return out


# --- SEPA creditor identifier -----------------------------------------------------------
def clean_creditor_input(raw: Mapping[str, Any]) -> str:
    """The organization's ICS from ``{"creditor_identifier": …}``, compact upper case;
    blank clears it."""
    errors = _Errors()
    errors.unknown(raw, frozenset({"creditor_identifier"}))
    value = _text(raw.get("creditor_identifier"), "creditor_identifier", errors.fail, max_length=60)
    identifier = ""
    if value:
        try:
            identifier = identifiers.clean_creditor_identifier(value)
        except identifiers.IdentifierError as exc:
            errors.fail("creditor_identifier", exc.code, exc.message)
    errors.raise_if_any()
    return identifier
