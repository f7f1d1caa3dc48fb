"""REST endpoints for custom field definitions: parse, authorize, call a service, answer.

Every member may read the definitions; only the organization's owners and admins may
change them. A client's values are read and written through ``/clients``
(``custom_fields``, keyed by slug).
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from carnet.accounts.models import Organization, User
from carnet.clients.schemas import Problem
from carnet.core.errors import PermissionDenied

from . import services
from .queries import definitions_for
from .schemas import (
    CustomFieldDeleted,
    CustomFieldIn,
    CustomFieldList,
    CustomFieldOut,
    CustomFieldPatch,
    custom_field_data,
)

router = Router(tags=["custom fields"])

SOURCE = "api"
LIST_ERRORS: dict[int | tuple[int, ...], Any] = {401: Problem}
READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 415, 422): Problem}
DELETE_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 403, 404): Problem}


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # set by TokenAuth


def _require_admin(request: HttpRequest) -> None:
    """Only the organization's owners and admins define custom fields."""
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # set by TokenAuth
    if not services.may_manage(role):
        raise PermissionDenied(
            _(
                "Seuls les administrateurs de l'organisation peuvent modifier les champs "
                "personnalisés."
            )
        )


@router.get(
    "",
    response={200: CustomFieldList, **LIST_ERRORS},
    summary="List the custom fields",
    description="The fields every client record of the organization has, in display order.",
)
def list_custom_fields(request: HttpRequest) -> Any:
    return {"items": [custom_field_data(f) for f in definitions_for(_organization(request))]}


@router.post(
    "",
    response={201: CustomFieldOut, **WRITE_ERRORS},
    summary="Create a custom field",
    description="Owners and admins only. At most 100 fields per organization (409).",
)
def create_custom_field(
    request: HttpRequest, payload: CustomFieldIn, response: HttpResponse
) -> Any:
    _require_admin(request)
    field = services.create_custom_field(
        _organization(request), _user(request), payload.dict(exclude_unset=True), source=SOURCE
    )
    response["Location"] = f"{request.path.rstrip('/')}/{field.pk}"
    return Status(201, custom_field_data(field))


@router.get(
    "/{field_id}", response={200: CustomFieldOut, **READ_ERRORS}, summary="Read a custom field"
)
def get_custom_field(request: HttpRequest, field_id: int) -> Any:
    return custom_field_data(services.get_custom_field(_organization(request), field_id))


@router.patch(
    "/{field_id}",
    response={200: CustomFieldOut, **WRITE_ERRORS},
    summary="Change a custom field",
    description="Owners and admins only; only the fields sent change. The slug never "
    "changes; the type only while no client has a value; a choice a client has stays.",
)
def update_custom_field(request: HttpRequest, field_id: int, payload: CustomFieldPatch) -> Any:
    _require_admin(request)
    field = services.update_custom_field(
        _organization(request),
        _user(request),
        field_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return custom_field_data(field)


@router.delete(
    "/{field_id}",
    response={200: CustomFieldDeleted, **DELETE_ERRORS},
    summary="Delete a custom field and its values",
    description="Owners and admins only. Every client loses its value for the field (the "
    "change is in each client's history); `clients_affected` says how many.",
)
def delete_custom_field(request: HttpRequest, field_id: int) -> Any:
    _require_admin(request)
    count = services.delete_custom_field(
        _organization(request), _user(request), field_id, source=SOURCE
    )
    return {"deleted": True, "clients_affected": count}
