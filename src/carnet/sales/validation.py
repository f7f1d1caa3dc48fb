"""Checking what a person types into a document or a payment: each problem a
``FieldError`` with a code and a French message, shared by the forms, the API and the demo."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pycountry
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import FieldError
from carnet.core.ids import parse_id
from carnet.core.inputs import parse_decimal
from carnet.payments.models import VAT_RATES, PaymentMethod

from .models import DocumentType

MAX_LINES = 500
MAX_AMOUNT = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("999999999999")
MAX_DESCRIPTION = 2000
VAT_RATE_TEXT = ", ".join(format(r.normalize(), "f").replace(".", ",") for r in VAT_RATES)


class Errors(list[FieldError]):
    """The problems found so far."""

    def add(self, field: str, code: str, message: Any) -> None:
        self.append(FieldError(field, code, message))


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decimal_of(value: Any) -> Decimal | None:
    """A decimal from a number or a French or English decimal string; None if it is not one."""
    return parse_decimal(value)


def date_of(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def clean_amount(
    errors: Errors,
    field: str,
    value: Any,
    *,
    required: bool = True,
    positive: bool = False,
    places: int = 2,
    allow_negative: bool = False,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal | None:
    if blank(value):
        if required:
            errors.add(field, "required", _("Ce montant est obligatoire."))
        return None
    number = decimal_of(value)
    if number is None:
        errors.add(field, "invalid", _("Nombre attendu (par exemple 1250,50)."))
        return None
    if abs(number) > maximum:
        errors.add(field, "too_large", _("Ce nombre est trop grand."))
        return None
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        errors.add(
            field,
            "too_precise",
            _("Au plus %(places)d décimales.") % {"places": places},
        )
        return None
    if positive and number <= 0:
        errors.add(field, "not_positive", _("Le montant doit être supérieur à zéro."))
        return None
    if number < 0 and not allow_negative:
        errors.add(field, "negative", _("Une valeur négative n'est pas acceptée ici."))
        return None
    return number


def clean_vat_rate(errors: Errors, field: str, value: Any) -> Decimal | None:
    number = decimal_of(value)
    if number is None or all(number != rate for rate in VAT_RATES):
        errors.add(
            field,
            "invalid_vat_rate",
            _("Taux de TVA non applicable en France : choisissez %(rates)s %%.")
            % {"rates": VAT_RATE_TEXT},
        )
        return None
    return number


def clean_percent(errors: Errors, field: str, value: Any) -> Decimal | None:
    if blank(value):
        return None
    number = decimal_of(value)
    if number is None:
        errors.add(field, "invalid", _("Pourcentage attendu (par exemple 5 ou 7,5)."))
        return None
    if number < 0 or number > 100:
        errors.add(field, "out_of_range", _("Une remise va de 0 à 100 %."))
        return None
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.add(field, "too_precise", _("Au plus %(places)d décimales.") % {"places": 2})
        return None
    return number


def clean_date(errors: Errors, field: str, value: Any, *, required: bool = True) -> Any:
    if blank(value):
        if required:
            errors.add(field, "required", _("La date est obligatoire."))
        return None
    found = date_of(value)
    if found is None or not (1900 <= found.year <= 2999):
        errors.add(field, "invalid_date", _("Date attendue au format AAAA-MM-JJ."))
        return None
    return found


def clean_currency(errors: Errors, field: str, value: Any) -> str | None:
    code = str(value or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        errors.add(
            field,
            "invalid_currency",
            _("Code de devise ISO 4217 attendu (par exemple EUR, USD, CHF)."),
        )
        return None
    return code


def clean_text(
    errors: Errors, field: str, value: Any, *, max_length: int, required: bool = False
) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        errors.add(field, "invalid_type", _("Texte attendu."))
        return ""
    if "\x00" in text:
        errors.add(field, "invalid_character", _("Caractère nul interdit."))
        return ""
    if required and not text:
        errors.add(field, "required", _("Ce champ est obligatoire."))
    elif len(text) > max_length:
        errors.add(
            field,
            "too_long",
            _("Au plus %(count)d caractères.") % {"count": max_length},
        )
    return text


def clean_method(errors: Errors, field: str, value: Any) -> str:
    text = str(value or "").strip()
    if text not in PaymentMethod.values:
        errors.add(
            field,
            "invalid_method",
            _("Moyen de paiement inconnu : %(choices)s.")
            % {"choices": ", ".join(PaymentMethod.values)},
        )
    return text


def clean_type(errors: Errors, value: Any) -> str:
    text = str(value or "").strip()
    if text not in DocumentType.values:
        errors.add(
            "type",
            "invalid_type",
            _("Type de document inconnu : %(choices)s.")
            % {"choices": ", ".join(DocumentType.values)},
        )
    return text


@dataclass(frozen=True)
class LineInput:
    description: str
    reference: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    unit_cost: Decimal | None


def clean_lines(
    errors: Errors, value: Any, *, doc_type: str, default_vat_rate: Decimal
) -> list[LineInput]:
    """The document's lines. Negative quantities and prices only on credit notes."""
    if not isinstance(value, list):
        errors.add("lines", "invalid_type", _("Une liste de lignes est attendue."))
        return []
    if not value:
        errors.add("lines", "required", _("Ajoutez au moins une ligne."))
        return []
    if len(value) > MAX_LINES:
        errors.add(
            "lines", "too_many", _("Au plus %(count)d lignes par document.") % {"count": MAX_LINES}
        )
        return []
    credit = doc_type == DocumentType.CREDIT_NOTE
    lines: list[LineInput] = []
    for index, raw in enumerate(value):
        prefix = f"lines[{index}]."
        if not isinstance(raw, dict):
            errors.add(f"lines[{index}]", "invalid_type", _("Une ligne est un objet."))
            continue
        before = len(errors)
        description = clean_text(
            errors,
            prefix + "description",
            raw.get("description"),
            max_length=MAX_DESCRIPTION,
            required=True,
        )
        reference = clean_text(errors, prefix + "reference", raw.get("reference"), max_length=64)
        quantity = clean_amount(
            errors,
            prefix + "quantity",
            raw.get("quantity", "1"),
            places=3,
            allow_negative=True,
            maximum=MAX_QUANTITY,
        )
        if quantity is not None and quantity < 0 and not credit:
            errors.add(
                prefix + "quantity",
                "negative_quantity",
                _("Quantité négative : seul un avoir en accepte. Faites un avoir pour corriger."),
            )
        unit_price = clean_amount(
            errors, prefix + "unit_price", raw.get("unit_price"), places=4, allow_negative=credit
        )
        discount = clean_percent(errors, prefix + "discount_percent", raw.get("discount_percent"))
        rate_value = raw.get("vat_rate")
        vat_rate = (
            default_vat_rate
            if blank(rate_value)
            else clean_vat_rate(errors, prefix + "vat_rate", rate_value)
        )
        unit_cost = clean_amount(
            errors, prefix + "unit_cost", raw.get("unit_cost"), required=False, places=4
        )
        if len(errors) == before:
            assert quantity is not None and unit_price is not None and vat_rate is not None
            lines.append(
                LineInput(
                    description=description,
                    reference=reference,
                    quantity=quantity,
                    unit_price=unit_price,
                    discount_percent=discount or Decimal("0"),
                    vat_rate=vat_rate,
                    unit_cost=unit_cost,
                )
            )
    return lines


def clean_id(errors: Errors, field: str, value: Any, message: Any) -> int | None:
    pk = parse_id(value)
    if pk is None:
        errors.add(field, "invalid", message)
    return pk
