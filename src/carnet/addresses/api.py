"""REST endpoints for a client's addresses: parse, authorize, call a service, answer.

Mounted under ``/clients`` next to the clients router, so the paths read
``/api/v1/clients/{client_id}/addresses``. Validation lives in ``validation.py``; the
schemas refuse what is not even the right shape (unknown fields, wrong JSON types).
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
from .schemas import AddressIn, AddressList, AddressOut

router = Router(tags=["addresses"])

SOURCE = "api"
READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 415, 422): Problem}
DELETE_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 403, 404, 409): Problem}


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # set by TokenAuth


def _require_editor(request: HttpRequest) -> None:
    """Read-only members (role ``viewer``) may read addresses through the API but not
    change them."""
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # set by TokenAuth
    if role is None or role == Role.VIEWER:
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas de modifier les clients.")
        )


@router.get(
    "/{client_id}/addresses",
    response={200: AddressList, **READ_ERRORS},
    summary="List a client's addresses",
)
def list_addresses(request: HttpRequest, client_id: int) -> Any:
    return {"items": services.list_addresses(_organization(request), client_id)}


@router.post(
    "/{client_id}/addresses",
    response={201: AddressOut, **WRITE_ERRORS},
    summary="Add an address to a client",
    description="`is_billing` / `is_delivery` make it the client's default billing or "
    "delivery address, taking the flag from the address that had it. Refused with 409 "
    "(`code: deleted`) while the client is in the trash.",
)
def create_address(
    request: HttpRequest, client_id: int, payload: AddressIn, response: HttpResponse
) -> Any:
    _require_editor(request)
    address = services.create_address(
        _organization(request),
        _user(request),
        client_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    response["Location"] = f"{request.path.rstrip('/')}/{address.pk}"
    return Status(201, address)


@router.patch(
    "/{client_id}/addresses/{address_id}",
    response={200: AddressOut, **WRITE_ERRORS},
    summary="Change an address",
    description="Only the fields sent change. Setting `is_billing` or `is_delivery` takes the "
    "flag from the client's other address; clearing it leaves the client without one.",
)
def update_address(
    request: HttpRequest, client_id: int, address_id: int, payload: AddressIn
) -> Any:
    _require_editor(request)
    return services.update_address(
        _organization(request),
        _user(request),
        client_id,
        address_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )


@router.delete(
    "/{client_id}/addresses/{address_id}",
    response={204: None, **DELETE_ERRORS},
    summary="Delete an address",
    description="When it was the default billing or delivery address, the client has none "
    "of that kind afterwards.",
)
def delete_address(request: HttpRequest, client_id: int, address_id: int) -> Any:
    _require_editor(request)
    services.delete_address(
        _organization(request), _user(request), client_id, address_id, source=SOURCE
    )
    return HttpResponse(status=204)
