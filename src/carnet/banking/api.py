"""REST endpoints for a client's bank accounts, SEPA mandates and cards, and the
organization's SEPA creditor identifier: parse, authorize, call a service, answer.

``router`` is mounted under ``/clients`` (paths ``/api/v1/clients/{client_id}/bank-accounts``,
``…/mandates``, ``…/cards``); ``creditor_router`` under ``/payment-settings``
(``/api/v1/payment-settings/creditor``). Read-only members (role ``viewer``) may read but
not write (403), and get IBANs masked only; the creditor identifier is changed by the
organization's owners and admins.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from carnet.accounts.models import Organization, Role, User
from carnet.clients.schemas import Problem
from carnet.core.errors import PermissionDenied

from . import services
from .models import BankAccount, Card, Mandate, MandateStatus
from .schemas import (
    BankAccountIn,
    BankAccountList,
    BankAccountOut,
    CardIn,
    CardList,
    CardOut,
    CreditorIn,
    CreditorOut,
    MandateChangeIn,
    MandateIn,
    MandateList,
    MandateOut,
)

router = Router(tags=["payment means"])
creditor_router = Router(tags=["payment settings"])

SOURCE = "api"
READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 415, 422): Problem}
DELETE_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 403, 404, 409): Problem}
ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # set by TokenAuth


def _role(request: HttpRequest) -> str | None:
    return getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # set by TokenAuth


def _may_edit(request: HttpRequest) -> bool:
    role = _role(request)
    return role is not None and role != Role.VIEWER


def _require_editor(request: HttpRequest) -> None:
    """Read-only members may read a client's means of payment but not change them."""
    if not _may_edit(request):
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas de modifier les clients.")
        )


def _account_out(account: BankAccount, *, full: bool) -> dict[str, Any]:
    """An account as the API shows it: the full IBAN only to members who may edit."""
    return {
        "id": account.pk,
        "iban": account.iban if full else None,
        "iban_masked": account.iban_masked,
        "bic": account.bic,
        "holder": account.holder,
        "bank_name": account.bank_name,
        "label": account.label,
        "primary": account.primary,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def _mandate_out(mandate: Mandate) -> dict[str, Any]:
    status = mandate.effective_status()
    live = status in (MandateStatus.PENDING, MandateStatus.ACTIVE)
    return {
        "id": mandate.pk,
        "reference": mandate.reference,
        "signed_on": mandate.signed_on,
        "scheme": mandate.scheme,
        "sequence": mandate.sequence,
        "status": status,
        "expires_on": mandate.expires_on() if live else None,
        "last_used_on": mandate.last_used_on,
        "revoked_at": mandate.revoked_at,
        "bank_account": mandate.bank_account_id,
        "iban_masked": mandate.iban_masked,
        "creditor_identifier": mandate.creditor_identifier,
        "file": mandate.file_id,
        "created_at": mandate.created_at,
        "updated_at": mandate.updated_at,
    }


def _card_out(card: Card) -> dict[str, Any]:
    return {
        "id": card.pk,
        "brand": card.brand,
        "last4": card.last4,
        "expiry_month": card.expiry_month,
        "expiry_year": card.expiry_year,
        "expired": card.is_expired(),
        "holder": card.holder,
        "primary": card.primary,
        "created_at": card.created_at,
        "updated_at": card.updated_at,
    }


def _created(request: HttpRequest, response: HttpResponse, pk: int, body: Any) -> Any:
    response["Location"] = f"{request.path.rstrip('/')}/{pk}"
    return Status(201, body)


# --- Bank accounts ----------------------------------------------------------------------
@router.get(
    "/{client_id}/bank-accounts",
    response={200: BankAccountList, **READ_ERRORS},
    summary="List a client's bank accounts",
    description="Each IBAN masked in `iban_masked`; the full `iban` for members who may "
    "edit clients, null for read-only members.",
)
def list_bank_accounts(request: HttpRequest, client_id: int) -> Any:
    full = _may_edit(request)
    accounts = services.list_bank_accounts(_organization(request), client_id)
    return {"items": [_account_out(account, full=full) for account in accounts]}


@router.post(
    "/{client_id}/bank-accounts",
    response={201: BankAccountOut, **WRITE_ERRORS},
    summary="Add a bank account to a client",
    description="The IBAN is checked (format, length and check digits of its country) and "
    "stored compact; the BIC must be of the IBAN's country. The first account, or one sent "
    "with `primary: true`, is the primary account.",
)
def create_bank_account(
    request: HttpRequest, client_id: int, payload: BankAccountIn, response: HttpResponse
) -> Any:
    _require_editor(request)
    account = services.create_bank_account(
        _organization(request),
        _user(request),
        client_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return _created(request, response, account.pk, _account_out(account, full=True))


@router.get(
    "/{client_id}/bank-accounts/{account_id}",
    response={200: BankAccountOut, **READ_ERRORS},
    summary="A bank account",
)
def get_bank_account(request: HttpRequest, client_id: int, account_id: int) -> Any:
    account = services.get_bank_account(_organization(request), client_id, account_id)
    return _account_out(account, full=_may_edit(request))


@router.patch(
    "/{client_id}/bank-accounts/{account_id}",
    response={200: BankAccountOut, **WRITE_ERRORS},
    summary="Change a bank account",
    description="Only the fields sent change. `primary: true` takes the flag from the "
    "client's other account.",
)
def update_bank_account(
    request: HttpRequest, client_id: int, account_id: int, payload: BankAccountIn
) -> Any:
    _require_editor(request)
    account = services.update_bank_account(
        _organization(request),
        _user(request),
        client_id,
        account_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return _account_out(account, full=True)


@router.delete(
    "/{client_id}/bank-accounts/{account_id}",
    response={204: None, **DELETE_ERRORS},
    summary="Delete a bank account",
    description="Refused with 409 (`code: active_mandate`) while a pending or active "
    "mandate debits it: revoke the mandate first.",
)
def delete_bank_account(request: HttpRequest, client_id: int, account_id: int) -> Any:
    _require_editor(request)
    services.delete_bank_account(
        _organization(request), _user(request), client_id, account_id, source=SOURCE
    )
    return HttpResponse(status=204)


# --- Mandates ---------------------------------------------------------------------------
@router.get(
    "/{client_id}/mandates",
    response={200: MandateList, **READ_ERRORS},
    summary="List a client's SEPA mandates",
    description="`status` is the status as it stands today: a mandate unused for 36 "
    "months is `expired`.",
)
def list_mandates(request: HttpRequest, client_id: int) -> Any:
    mandates = services.list_mandates(_organization(request), client_id)
    return {"items": [_mandate_out(mandate) for mandate in mandates]}


@router.post(
    "/{client_id}/mandates",
    response={201: MandateOut, **WRITE_ERRORS},
    summary="Record a SEPA mandate the client signed",
    description="The RUM must be unique in the organization (409, `code: "
    "duplicate_reference`); the signature date may not be in the future.",
)
def create_mandate(
    request: HttpRequest, client_id: int, payload: MandateIn, response: HttpResponse
) -> Any:
    _require_editor(request)
    mandate = services.create_mandate(
        _organization(request),
        _user(request),
        client_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return _created(request, response, mandate.pk, _mandate_out(mandate))


@router.get(
    "/{client_id}/mandates/{mandate_id}",
    response={200: MandateOut, **READ_ERRORS},
    summary="A SEPA mandate",
)
def get_mandate(request: HttpRequest, client_id: int, mandate_id: int) -> Any:
    return _mandate_out(services.get_mandate(_organization(request), client_id, mandate_id))


@router.patch(
    "/{client_id}/mandates/{mandate_id}",
    response={200: MandateOut, **WRITE_ERRORS},
    summary="Revoke, activate or amend a SEPA mandate",
    description='`{"status": "revoked"}` revokes it, for good (a revoked or expired mandate '
    "then answers 409). A pending mandate becomes `active`; `bank_account` moves it to "
    "another of the client's accounts; `file` attaches its signed copy.",
)
def update_mandate(
    request: HttpRequest, client_id: int, mandate_id: int, payload: MandateChangeIn
) -> Any:
    _require_editor(request)
    mandate = services.update_mandate(
        _organization(request),
        _user(request),
        client_id,
        mandate_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return _mandate_out(mandate)


# --- Cards ------------------------------------------------------------------------------
@router.get(
    "/{client_id}/cards",
    response={200: CardList, **READ_ERRORS},
    summary="List a client's payment cards",
)
def list_cards(request: HttpRequest, client_id: int) -> Any:
    cards = services.list_cards(_organization(request), client_id)
    return {"items": [_card_out(card) for card in cards]}


@router.post(
    "/{client_id}/cards",
    response={201: CardOut, **WRITE_ERRORS},
    summary="Add a payment card to a client",
    description="Brand, last 4 digits, expiry and holder only: a full card number is never "
    "stored, and refused (422, `code: card_number`) in any field.",
)
def create_card(
    request: HttpRequest, client_id: int, payload: CardIn, response: HttpResponse
) -> Any:
    _require_editor(request)
    card = services.create_card(
        _organization(request),
        _user(request),
        client_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return _created(request, response, card.pk, _card_out(card))


@router.patch(
    "/{client_id}/cards/{card_id}",
    response={200: CardOut, **WRITE_ERRORS},
    summary="Change a payment card",
)
def update_card(request: HttpRequest, client_id: int, card_id: int, payload: CardIn) -> Any:
    _require_editor(request)
    card = services.update_card(
        _organization(request),
        _user(request),
        client_id,
        card_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return _card_out(card)


@router.delete(
    "/{client_id}/cards/{card_id}",
    response={204: None, **DELETE_ERRORS},
    summary="Delete a payment card",
)
def delete_card(request: HttpRequest, client_id: int, card_id: int) -> Any:
    _require_editor(request)
    services.delete_card(_organization(request), _user(request), client_id, card_id, source=SOURCE)
    return HttpResponse(status=204)


# --- SEPA creditor identifier -----------------------------------------------------------
def _creditor_out(organization: Organization) -> dict[str, Any]:
    settings = services.get_creditor_settings(organization)
    return {
        "creditor_identifier": settings.creditor_identifier,
        "updated_at": settings.updated_at if settings.pk else None,
    }


@creditor_router.get(
    "/creditor",
    response={200: CreditorOut, **READ_ERRORS},
    summary="The organization's SEPA creditor identifier (ICS)",
)
def get_creditor(request: HttpRequest) -> Any:
    return _creditor_out(_organization(request))


@creditor_router.put(
    "/creditor",
    response={200: CreditorOut, **WRITE_ERRORS},
    summary="Set the organization's SEPA creditor identifier (ICS)",
    description="Checked (layout and check digits; 13 characters for a French ICS). Owners "
    "and admins only.",
)
def set_creditor(request: HttpRequest, payload: CreditorIn) -> Any:
    if _role(request) not in ADMIN_ROLES:
        raise PermissionDenied(
            _(
                "Seuls les administrateurs de l'organisation peuvent modifier l'identifiant "
                "créancier SEPA."
            )
        )
    organization = _organization(request)
    services.set_creditor_identifier(
        organization, _user(request), payload.dict(exclude_unset=True), source=SOURCE
    )
    return _creditor_out(organization)
