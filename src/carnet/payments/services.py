"""The only code that writes an organization's payment settings: its defaults, its price
categories and carriers, and its own bank accounts. Organization administrators change
the defaults and the bank accounts; members who may edit manage the two lists."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.core import identifiers
from carnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from carnet.core.history import diff, record_change
from carnet.core.ids import parse_id

from .models import Carrier, OrganizationBankAccount, PaymentMethod, PaymentSettings, PriceCategory
from .validation import clean_payment_preferences, legal_terms_warning

OBJECT_TYPE = "payment_settings"


# --- Defaults ---------------------------------------------------------------------------
def settings_for(organization: Organization | int) -> PaymentSettings:
    """The organization's defaults: Carnet's own (unsaved) until an administrator changes
    them. Reading them never writes."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    found = PaymentSettings.objects.filter(organization_id=organization_id).first()
    return found or PaymentSettings(organization_id=organization_id)


@dataclass(frozen=True)
class Effective:
    """A client's payment preferences as they apply: its own, else the defaults;
    ``inherited`` names the fields that come from the defaults."""

    terms_days: int
    terms_end_of_month: bool
    method: str
    currency: str
    vat_rate: Decimal
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    inherited: frozenset[str]

    @property
    def method_label(self) -> str:
        return str(PaymentMethod(self.method).label) if self.method else ""


def effective(client: Any, defaults: PaymentSettings) -> Effective:
    inherited = set()

    def pick(own: Any, default: Any, name: str) -> Any:
        if own is None or own == "":
            inherited.add(name)
            return default
        return own

    return Effective(
        terms_days=pick(client.payment_terms_days, defaults.terms_days, "payment_terms_days"),
        terms_end_of_month=pick(
            client.payment_terms_end_of_month,
            defaults.terms_end_of_month,
            "payment_terms_end_of_month",
        ),
        method=pick(client.payment_method, defaults.method, "payment_method"),
        currency=pick(client.currency, defaults.currency, "currency"),
        vat_rate=pick(client.default_vat_rate, defaults.vat_rate, "default_vat_rate"),
        discount_percent=client.discount_percent,
        discount_amount=client.discount_amount,
        inherited=frozenset(inherited),
    )


def terms_warnings(client: Any, defaults: PaymentSettings | None = None) -> list[dict[str, str]]:
    """The warnings of a client's payment terms as they apply (its own, else the
    defaults): terms beyond the legal maximum between businesses."""
    terms = effective(client, defaults or settings_for(client.organization_id))
    warning = legal_terms_warning(
        kind=client.kind, days=terms.terms_days, end_of_month=terms.terms_end_of_month
    )
    return [warning] if warning is not None else []


def update_settings(
    organization: Organization, user: User | None, data: dict[str, Any]
) -> PaymentSettings:
    """Change the defaults (``terms_days``, ``terms_end_of_month``, ``method``,
    ``currency``, ``vat_rate``); each is required."""
    errors: list[FieldError] = []

    def fail(field: str, code: str, message: Any) -> None:
        errors.append(
            FieldError(field.replace("payment_", "").replace("default_", ""), code, message)
        )

    unknown = set(data) - {"terms_days", "terms_end_of_month", "method", "currency", "vat_rate"}
    for field in sorted(unknown):
        errors.append(FieldError(field, "unknown_field", _("Ce champ n'existe pas.")))
    with transaction.atomic():
        PaymentSettings.objects.get_or_create(organization=organization)
        current = PaymentSettings.objects.select_for_update().get(organization=organization)
        before = {
            "terms_days": current.terms_days,
            "terms_end_of_month": current.terms_end_of_month,
            "method": current.method,
            "currency": current.currency,
            "vat_rate": current.vat_rate,
        }
        merged = {**before, **{k: v for k, v in data.items() if k in before}}
        cleaned = clean_payment_preferences(
            {
                "payment_terms_days": merged["terms_days"],
                "payment_terms_end_of_month": merged["terms_end_of_month"],
                "payment_method": merged["method"],
                "currency": merged["currency"],
                "default_vat_rate": merged["vat_rate"],
            },
            fail,
        )
        after = {
            "terms_days": cleaned["payment_terms_days"],
            "terms_end_of_month": cleaned["payment_terms_end_of_month"],
            "method": cleaned["payment_method"],
            "currency": cleaned["currency"],
            "vat_rate": cleaned["default_vat_rate"],
        }
        for field, value in after.items():
            if value is None or value == "":
                errors.append(FieldError(field, "required", _("Ce champ est obligatoire.")))
        if errors:
            raise ValidationFailed(errors)
        changes = diff(before, after)
        if changes:
            for field, value in after.items():
                setattr(current, field, value)
            current.save()
            record_change(
                organization_id=organization.pk,
                object_type=OBJECT_TYPE,
                object_id=current.pk,
                action="update",
                user=user,
                changes=changes,
            )
    return current


# --- Price categories and carriers ------------------------------------------------------
def _clean_name(value: Any) -> str:
    if not isinstance(value, str) or not " ".join(value.split()):
        raise ValidationFailed([FieldError("name", "required", _("Le nom est obligatoire."))])
    name = " ".join(value.split())
    if len(name) > 100:
        raise ValidationFailed([FieldError("name", "too_long", _("100 caractères au maximum."))])
    return name


def _get(model: type[Model], organization: Organization, item_id: Any, message: Any) -> Any:
    pk = parse_id(item_id)
    found = model._default_manager.filter(organization=organization, pk=pk).first() if pk else None
    if found is None:
        raise NotFound(message)
    return found


def _save_name(model: type[Model], organization: Organization, item: Any, name: str) -> Any:
    taken = (
        model._default_manager.filter(organization=organization, name__iexact=name)
        .exclude(pk=item.pk if item is not None else None)
        .exists()
    )
    if taken:
        raise ValidationFailed(
            [FieldError("name", "duplicate", _("Ce nom existe déjà dans la liste."))]
        )
    try:
        with transaction.atomic():
            if item is None:
                return model._default_manager.create(organization=organization, name=name)
            item.name = name
            item.save(update_fields=["name"])
            return item
    except IntegrityError:  # a concurrent request took the name
        raise ValidationFailed(
            [FieldError("name", "duplicate", _("Ce nom existe déjà dans la liste."))]
        ) from None


LISTS: dict[str, tuple[type[Model], Any]] = {
    "price_category": (PriceCategory, _("Catégorie de prix introuvable.")),
    "carrier": (Carrier, _("Transporteur introuvable.")),
}


def create_item(organization: Organization, kind: str, name: Any) -> Any:
    model, _missing = LISTS[kind]
    return _save_name(model, organization, None, _clean_name(name))


def rename_item(organization: Organization, kind: str, item_id: Any, name: Any) -> Any:
    model, missing = LISTS[kind]
    item = _get(model, organization, item_id, missing)
    return _save_name(model, organization, item, _clean_name(name))


def delete_item(organization: Organization, kind: str, item_id: Any) -> int:
    """Delete a price category or carrier; its clients go back to none. Returns how many
    clients had it."""
    model, missing = LISTS[kind]
    item = _get(model, organization, item_id, missing)
    count = item.clients.count()
    item.delete()
    return int(count)


def item_named(organization: Organization | int, kind: str, name: str | None) -> Any:
    """The price category or carrier called ``name`` (any case), None when blank;
    ``ValidationFailed`` on the client's field when the list has no such name."""
    if not name:
        return None
    model, _missing = LISTS[kind]
    organization_id = organization if isinstance(organization, int) else organization.pk
    found = model._default_manager.filter(
        organization_id=organization_id, name__iexact=name
    ).first()
    if found is None:
        choices = list(
            model._default_manager.filter(organization_id=organization_id).values_list(
                "name", flat=True
            )
        )
        message = (
            _("« %(name)s » n'est pas dans la liste. Possibles : %(choices)s.")
            % {"name": name[:100], "choices": ", ".join(choices)}
            if choices
            else _(
                "« %(name)s » n'est pas dans la liste, qui est vide : créez-la dans les paramètres."
            )
            % {"name": name[:100]}
        )
        raise ValidationFailed([FieldError(kind, "unknown_choice", message)])
    return found


def item_ids(organization: Organization | int, kind: str) -> dict[str, int]:
    """The ids of the organization's price categories or carriers, by folded name."""
    model, _missing = LISTS[kind]
    organization_id = organization if isinstance(organization, int) else organization.pk
    return {
        name.casefold(): pk
        for pk, name in model._default_manager.filter(organization_id=organization_id)
        .values_list("pk", "name")
        .iterator()
    }


# --- The organization's bank accounts ----------------------------------------------------
def get_bank_account(organization: Organization, account_id: Any) -> OrganizationBankAccount:
    return _get(
        OrganizationBankAccount, organization, account_id, _("Compte bancaire introuvable.")
    )


def bank_account_for_client(
    organization: Organization, account_id: Any
) -> OrganizationBankAccount | None:
    """The account a client's ``pays_into`` designates (None when blank);
    ``ValidationFailed`` on that field when the organization has no such account."""
    if account_id in (None, ""):
        return None
    try:
        return get_bank_account(organization, account_id)
    except NotFound:
        raise ValidationFailed(
            [
                FieldError(
                    "pays_into",
                    "unknown_account",
                    _("Ce compte bancaire n'est pas l'un de ceux de l'organisation."),
                )
            ]
        ) from None


def bank_account_ids(organization: Organization, ids: set[Any]) -> set[int]:
    """Those of ``ids`` that are the organization's accounts."""
    wanted = {pk for pk in (parse_id(i) for i in ids) if pk is not None}
    return set(
        OrganizationBankAccount.objects.filter(
            organization=organization, pk__in=wanted
        ).values_list("pk", flat=True)
    )


def save_bank_account(
    organization: Organization,
    user: User | None,
    data: dict[str, Any],
    account_id: Any = None,
) -> OrganizationBankAccount:
    """Add or change one of the organization's own bank accounts (IBAN and BIC checked)."""
    errors: list[FieldError] = []
    account = get_bank_account(organization, account_id) if account_id is not None else None
    current = {
        "label": account.label if account else "",
        "iban": account.iban if account else "",
        "bic": account.bic if account else "",
        "bank_name": account.bank_name if account else "",
        "is_default": account.is_default if account else False,
    }
    for field in sorted(set(data) - set(current)):
        errors.append(FieldError(field, "unknown_field", _("Ce champ n'existe pas.")))
    merged = {**current, **{k: v for k, v in data.items() if k in current}}
    values: dict[str, Any] = {}
    for field, limit in (("label", 100), ("bank_name", 100)):
        text = " ".join(str(merged[field] or "").split())
        if len(text) > limit:
            errors.append(FieldError(field, "too_long", _("100 caractères au maximum.")))
        values[field] = text
    if not values["label"]:
        errors.append(FieldError("label", "required", _("Le libellé est obligatoire.")))
    iban = ""
    try:
        iban = identifiers.clean_iban(str(merged["iban"] or ""))
        if not iban:
            errors.append(FieldError("iban", "required", _("L'IBAN est obligatoire.")))
    except identifiers.IdentifierError as exc:
        errors.append(FieldError("iban", exc.code, exc.message))
    values["iban"] = iban
    try:
        values["bic"] = identifiers.clean_bic(
            str(merged["bic"] or ""), iban_country=iban[:2] if iban else None
        )
    except identifiers.IdentifierError as exc:
        errors.append(FieldError("bic", exc.code, exc.message))
    flag = merged["is_default"]
    values["is_default"] = (
        bool(flag) if isinstance(flag, bool) else str(flag).lower() in ("1", "true", "on", "oui")
    )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if values["is_default"]:
            others = OrganizationBankAccount.objects.filter(
                organization=organization, is_default=True
            )
            if account is not None:
                others = others.exclude(pk=account.pk)
            others.update(is_default=False)
        try:
            with transaction.atomic():
                if account is None:
                    account = OrganizationBankAccount.objects.create(
                        organization=organization, **values
                    )
                else:
                    for field, value in values.items():
                        setattr(account, field, value)
                    account.save()
        except IntegrityError:
            raise Conflict(
                _("Ce compte (même IBAN) existe déjà pour l'organisation."), code="duplicate"
            ) from None
    return account


def delete_bank_account(organization: Organization, account_id: Any) -> int:
    """Delete one of the organization's accounts; its clients go back to the default.
    Returns how many clients paid into it."""
    account = get_bank_account(organization, account_id)
    count = account.clients.count()
    account.delete()
    return int(count)
