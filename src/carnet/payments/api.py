"""REST endpoints for the organization's payment settings: defaults, price categories,
carriers and its own bank accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from carnet.accounts.models import Organization, Role, User
from carnet.clients.schemas import Problem
from carnet.core import identifiers
from carnet.core.errors import PermissionDenied

from . import services
from .models import Carrier, OrganizationBankAccount, PriceCategory

router = Router(tags=["payment settings"])

READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 415, 422): Problem}


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _role(request: HttpRequest) -> str | None:
    return getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # TokenAuth


def _require_editor(request: HttpRequest) -> None:
    if _role(request) in (None, Role.VIEWER):
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas de modifier ces listes.")
        )


def _require_admin(request: HttpRequest) -> None:
    if _role(request) not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied(
            _("Seuls les administrateurs de l'organisation changent ces paramètres.")
        )


class SettingsOut(Schema):
    terms_days: int
    terms_end_of_month: bool
    method: str
    currency: str
    vat_rate: Decimal


class SettingsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    terms_days: int | str | None = None
    terms_end_of_month: bool | str | None = None
    method: str | None = Field(None, max_length=20)
    currency: str | None = Field(None, max_length=10)
    vat_rate: Decimal | str | None = None


class NameIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)


class ItemOut(Schema):
    id: int
    name: str


class ItemList(Schema):
    items: list[ItemOut]


class AccountIn(Schema):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(None, max_length=200)
    iban: str | None = Field(None, max_length=60)
    bic: str | None = Field(None, max_length=20)
    bank_name: str | None = Field(None, max_length=200)
    is_default: bool | None = None


class AccountOut(Schema):
    id: int
    label: str
    iban: str
    iban_masked: str
    bic: str
    bank_name: str
    is_default: bool


class AccountList(Schema):
    items: list[AccountOut]


def _settings_data(organization: Organization) -> dict[str, Any]:
    found = services.settings_for(organization)
    return {
        "terms_days": found.terms_days,
        "terms_end_of_month": found.terms_end_of_month,
        "method": found.method,
        "currency": found.currency,
        "vat_rate": found.vat_rate,
    }


@router.get("/defaults", response={200: SettingsOut, **READ_ERRORS}, summary="Payment defaults")
def get_defaults(request: HttpRequest) -> Any:
    return _settings_data(_organization(request))


@router.patch(
    "/defaults",
    response={200: SettingsOut, **WRITE_ERRORS},
    summary="Change the payment defaults (administrators)",
)
def update_defaults(request: HttpRequest, payload: SettingsIn) -> Any:
    _require_admin(request)
    organization = _organization(request)
    services.update_settings(organization, _user(request), payload.dict(exclude_unset=True))
    return _settings_data(organization)


def _list(kind: str, organization: Organization) -> dict[str, Any]:
    model = PriceCategory if kind == "price_category" else Carrier
    return {
        "items": [
            {"id": i.pk, "name": i.name} for i in model.objects.filter(organization=organization)
        ]
    }


def _create(request: HttpRequest, kind: str, payload: NameIn) -> Any:
    _require_editor(request)
    item = services.create_item(_organization(request), kind, payload.name)
    return Status(201, {"id": item.pk, "name": item.name})


def _rename(request: HttpRequest, kind: str, item_id: int, payload: NameIn) -> Any:
    _require_editor(request)
    item = services.rename_item(_organization(request), kind, item_id, payload.name)
    return {"id": item.pk, "name": item.name}


def _delete(request: HttpRequest, kind: str, item_id: int) -> Any:
    _require_editor(request)
    services.delete_item(_organization(request), kind, item_id)
    return HttpResponse(status=204)


@router.get(
    "/price-categories", response={200: ItemList, **READ_ERRORS}, summary="Price categories"
)
def list_price_categories(request: HttpRequest) -> Any:
    return _list("price_category", _organization(request))


@router.post(
    "/price-categories", response={201: ItemOut, **WRITE_ERRORS}, summary="Add a price category"
)
def create_price_category(request: HttpRequest, payload: NameIn) -> Any:
    return _create(request, "price_category", payload)


@router.patch(
    "/price-categories/{item_id}",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="Rename a price category",
)
def rename_price_category(request: HttpRequest, item_id: int, payload: NameIn) -> Any:
    return _rename(request, "price_category", item_id, payload)


@router.delete(
    "/price-categories/{item_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a price category (its clients go back to none)",
)
def delete_price_category(request: HttpRequest, item_id: int) -> Any:
    return _delete(request, "price_category", item_id)


@router.get("/carriers", response={200: ItemList, **READ_ERRORS}, summary="Carriers")
def list_carriers(request: HttpRequest) -> Any:
    return _list("carrier", _organization(request))


@router.post("/carriers", response={201: ItemOut, **WRITE_ERRORS}, summary="Add a carrier")
def create_carrier(request: HttpRequest, payload: NameIn) -> Any:
    return _create(request, "carrier", payload)


@router.patch(
    "/carriers/{item_id}", response={200: ItemOut, **WRITE_ERRORS}, summary="Rename a carrier"
)
def rename_carrier(request: HttpRequest, item_id: int, payload: NameIn) -> Any:
    return _rename(request, "carrier", item_id, payload)


@router.delete(
    "/carriers/{item_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a carrier (its clients go back to none)",
)
def delete_carrier(request: HttpRequest, item_id: int) -> Any:
    return _delete(request, "carrier", item_id)


def _account_data(account: OrganizationBankAccount) -> dict[str, Any]:
    return {
        "id": account.pk,
        "label": account.label,
        "iban": identifiers.format_iban(account.iban),
        "iban_masked": identifiers.mask_iban(account.iban),
        "bic": account.bic,
        "bank_name": account.bank_name,
        "is_default": account.is_default,
    }


@router.get(
    "/bank-accounts",
    response={200: AccountList, **READ_ERRORS},
    summary="The organization's own bank accounts",
)
def list_accounts(request: HttpRequest) -> Any:
    accounts = OrganizationBankAccount.objects.filter(organization=_organization(request))
    return {"items": [_account_data(a) for a in accounts]}


@router.post(
    "/bank-accounts",
    response={201: AccountOut, **WRITE_ERRORS},
    summary="Add one of the organization's bank accounts (administrators)",
)
def create_account(request: HttpRequest, payload: AccountIn) -> Any:
    _require_admin(request)
    account = services.save_bank_account(
        _organization(request), _user(request), payload.dict(exclude_unset=True)
    )
    return Status(201, _account_data(account))


@router.patch(
    "/bank-accounts/{account_id}",
    response={200: AccountOut, **WRITE_ERRORS},
    summary="Change one of the organization's bank accounts (administrators)",
)
def update_account(request: HttpRequest, account_id: int, payload: AccountIn) -> Any:
    _require_admin(request)
    account = services.save_bank_account(
        _organization(request), _user(request), payload.dict(exclude_unset=True), account_id
    )
    return _account_data(account)


@router.delete(
    "/bank-accounts/{account_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete one of the organization's bank accounts (administrators)",
)
def delete_account(request: HttpRequest, account_id: int) -> Any:
    _require_admin(request)
    services.delete_bank_account(_organization(request), account_id)
    return HttpResponse(status=204)
