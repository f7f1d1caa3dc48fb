"""A client's payment preferences, from raw input (form, API, import) to stored values.

``clean_payment_preferences`` is called by ``clients.validation.clean_client_input`` for
the fields below; a blank value means "the organization's default". Price categories and
carriers are kept by name here (the services find them in the organization's lists),
``pays_into`` by id.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pycountry
from django.utils.translation import gettext_lazy as _

from carnet.core.inputs import parse_decimal, parse_flag

from .models import MAX_TERMS_DAYS, VAT_RATES, PaymentMethod

FIELDS: tuple[str, ...] = (
    "payment_terms_days",
    "payment_terms_end_of_month",
    "payment_method",
    "discount_percent",
    "discount_amount",
    "currency",
    "default_vat_rate",
    "price_category",
    "carrier",
    "pays_into",
)
# Beyond these, terms between businesses break article L. 441-10 of the Code de commerce.
LEGAL_MAX_DAYS = 60
LEGAL_MAX_DAYS_END_OF_MONTH = 45

Fail = Callable[[str, str, Any], None]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_payment_preferences(merged: dict[str, Any], fail: Fail) -> dict[str, Any]:
    """The stored values of the payment fields of ``merged`` (raw values over the
    client's current ones); ``fail(field, code, message)`` for each refused one."""
    out: dict[str, Any] = {}

    days = merged.get("payment_terms_days")
    if _blank(days):
        out["payment_terms_days"] = None
    else:
        try:
            number = int(str(days).strip()) if not isinstance(days, bool) else None
        except ValueError:
            number = None
        if number is None or not 0 <= number <= MAX_TERMS_DAYS:
            fail(
                "payment_terms_days",
                "invalid_number",
                _("Un délai en jours est attendu, de 0 à %(max)d.") % {"max": MAX_TERMS_DAYS},
            )
        out["payment_terms_days"] = number

    end_of_month = merged.get("payment_terms_end_of_month")
    if _blank(end_of_month):
        out["payment_terms_end_of_month"] = None
    else:
        flag = parse_flag(end_of_month)
        if flag is None:
            fail("payment_terms_end_of_month", "invalid_type", _("Oui ou non attendu."))
        out["payment_terms_end_of_month"] = flag

    method = merged.get("payment_method")
    method = "" if _blank(method) else str(method).strip()
    if method and method not in PaymentMethod.values:
        fail(
            "payment_method",
            "invalid_choice",
            _("Mode de paiement possible : %(choices)s.")
            % {"choices": ", ".join(PaymentMethod.values)},
        )
    out["payment_method"] = method

    for field, maximum in (("discount_percent", Decimal("100")), ("discount_amount", None)):
        raw = merged.get(field)
        if _blank(raw):
            out[field] = None
            continue
        amount = parse_decimal(raw)
        if amount is None or amount < 0 or (maximum is not None and amount > maximum):
            message = (
                _("Une remise en pourcentage, de 0 à 100, est attendue.")
                if field == "discount_percent"
                else _("Une remise en montant, positive, est attendue.")
            )
            fail(field, "out_of_range" if amount is not None else "invalid_number", message)
            out[field] = None
            continue
        if amount >= Decimal("1e10"):
            fail(field, "out_of_range", _("Montant trop élevé."))
            out[field] = None
            continue
        out[field] = amount.quantize(Decimal("0.01"))
    if out.get("discount_percent") is not None and out.get("discount_amount") is not None:
        fail(
            "discount_amount",
            "both_discounts",
            _("Une remise est soit un pourcentage, soit un montant : choisissez l'un des deux."),
        )

    currency = merged.get("currency")
    currency = "" if _blank(currency) else str(currency).strip().upper()
    if currency and (len(currency) != 3 or pycountry.currencies.get(alpha_3=currency) is None):
        fail(
            "currency",
            "invalid_currency",
            _("Code de devise ISO 4217 attendu (par exemple EUR, USD, CHF)."),
        )
    out["currency"] = currency

    rate = merged.get("default_vat_rate")
    if _blank(rate):
        out["default_vat_rate"] = None
    else:
        rate_value = parse_decimal(rate)
        if rate_value is None or rate_value not in VAT_RATES:
            fail(
                "default_vat_rate",
                "invalid_choice",
                _("Taux de TVA français attendu : 20, 10, 5,5, 2,1 ou 0."),
            )
            out["default_vat_rate"] = None
        else:
            out["default_vat_rate"] = rate_value.quantize(Decimal("0.01"))

    for field in ("price_category", "carrier"):
        name = merged.get(field)
        if _blank(name):
            out[field] = None
        elif not isinstance(name, str) or len(name.strip()) > 100:
            fail(field, "invalid_type", _("Un nom de la liste est attendu."))
            out[field] = None
        else:
            out[field] = " ".join(name.split())

    account = merged.get("pays_into")
    if _blank(account):
        out["pays_into"] = None
    else:
        try:
            out["pays_into"] = int(str(account)) if not isinstance(account, bool) else None
        except ValueError:
            out["pays_into"] = None
        if out["pays_into"] is None or out["pays_into"] <= 0:
            fail("pays_into", "invalid_type", _("Identifiant de compte bancaire attendu."))
            out["pays_into"] = None
    return out


def legal_terms_warning(
    *, kind: str, days: int | None, end_of_month: bool | None
) -> dict[str, str] | None:
    """The warning for terms beyond the legal maximum between businesses (none for
    individuals), naming the rule."""
    if kind != "company" or days is None:
        return None
    limit = LEGAL_MAX_DAYS_END_OF_MONTH if end_of_month else LEGAL_MAX_DAYS
    if days <= limit:
        return None
    return {
        "code": "payment_terms_over_legal_limit",
        "message": str(
            _(
                "Délai de paiement supérieur au maximum légal entre professionnels : 60 jours "
                "après la facture, ou 45 jours fin de mois (article L. 441-10 du Code de "
                "commerce)."
            )
        ),
    }
