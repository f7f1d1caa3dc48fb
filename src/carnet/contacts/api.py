"""REST endpoints for contacts and the contacts of a client: parse, authorize, call a
service or a query, answer. Validation lives in ``validation.py`` and the services."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from carnet.accounts.models import Organization, Role, User
from carnet.clients.schemas import Problem
from carnet.clients.services import get_client
from carnet.core.errors import FieldError, PermissionDenied, ValidationFailed

from . import queries, services
from .schemas import (
    ClientContactIn,
    ClientContactList,
    ClientContactOut,
    ContactIn,
    ContactList,
    ContactOut,
    LinkIn,
    contact_data,
    link_data,
)

router = Router(tags=["contacts"])

READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
LIST_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 422): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 415, 422): Problem}
DELETE_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 403, 404): Problem}
MAX_RESULTS = 200


class SearchParams(Schema):
    model_config = ConfigDict(extra="forbid")

    q: str = Field("", max_length=200, description="Words of the name, e-mail or phone.")


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # set by TokenAuth


def _require_editor(request: HttpRequest) -> None:
    """Read-only members (role ``viewer``) may read through the API but not write."""
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # set by TokenAuth
    if role is None or role == Role.VIEWER:
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas de modifier les contacts.")
        )


# --- The contacts of a client -----------------------------------------------------------
@router.get(
    "/clients/{client_id}/contacts",
    response={200: ClientContactList, **READ_ERRORS},
    summary="Contacts of a client, with their roles",
)
def list_client_contacts(request: HttpRequest, client_id: int) -> Any:
    organization = _organization(request)
    client = get_client(organization, client_id)
    return {"items": [link_data(link) for link in services.client_links(organization, client)]}


@router.post(
    "/clients/{client_id}/contacts",
    response={201: ClientContactOut, **WRITE_ERRORS},
    summary="Add a contact to a client",
    description="Creates a contact from the fields sent, or links the existing contact "
    "`contact_id` (409 `already_linked` when it already is). Each role given is taken from "
    "the contact that held it.",
)
def add_client_contact(
    request: HttpRequest, client_id: int, payload: ClientContactIn, response: HttpResponse
) -> Any:
    _require_editor(request)
    data = payload.dict(exclude_unset=True)
    contact_id = data.pop("contact_id", None)
    roles = data.pop("roles", [])
    favorite = data.pop("favorite", False)
    organization, user = _organization(request), _user(request)
    if contact_id is not None:
        # Fields would be silently ignored: say so.
        if data:
            raise ValidationFailed(
                [
                    FieldError(
                        field,
                        "not_allowed",
                        _("Ne pas envoyer les champs du contact avec contact_id."),
                    )
                    for field in sorted(data)
                ]
            )
        link = services.link_contact(
            organization, user, client_id, contact_id, roles=roles, favorite=favorite
        )
    else:
        link = services.create_contact_for_client(
            organization, user, client_id, data, roles=roles, favorite=favorite
        )
    response["Location"] = f"{request.path.rstrip('/')}/{link.contact_id}"
    return Status(201, link_data(link))


@router.patch(
    "/clients/{client_id}/contacts/{contact_id}",
    response={200: ClientContactOut, **WRITE_ERRORS},
    summary="Change a contact's roles or favorite flag for a client",
    description="`roles` is the whole list; each role given is taken from its holder.",
)
def change_client_contact(
    request: HttpRequest, client_id: int, contact_id: int, payload: LinkIn
) -> Any:
    _require_editor(request)
    data = payload.dict(exclude_unset=True)
    link = services.update_link(
        _organization(request),
        _user(request),
        client_id,
        contact_id,
        roles=data.get("roles"),
        favorite=data.get("favorite"),
    )
    return link_data(link)


@router.delete(
    "/clients/{client_id}/contacts/{contact_id}",
    response={204: None, **DELETE_ERRORS},
    summary="Remove a contact from a client (the contact stays)",
)
def unlink_client_contact(request: HttpRequest, client_id: int, contact_id: int) -> Any:
    _require_editor(request)
    services.unlink_contact(_organization(request), _user(request), client_id, contact_id)
    return Status(204, None)


# --- Contacts ---------------------------------------------------------------------------
@router.get(
    "/contacts",
    response={200: ContactList, **LIST_ERRORS},
    summary="List and search contacts",
    description=f"Matches every word of `q` in the name, e-mail or phones, whatever the case "
    f"and accents. At most {MAX_RESULTS} contacts.",
)
def list_contacts(request: HttpRequest, params: Query[SearchParams]) -> Any:
    found = queries.search_contacts(_organization(request), params.q)[:MAX_RESULTS]
    return {"items": [contact_data(c) for c in found]}


@router.post(
    "/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Create a contact (linked to no client)",
)
def create_contact(request: HttpRequest, payload: ContactIn, response: HttpResponse) -> Any:
    _require_editor(request)
    contact = services.create_contact(
        _organization(request), _user(request), payload.dict(exclude_unset=True)
    )
    response["Location"] = f"{request.path.rstrip('/')}/{contact.pk}"
    return Status(201, contact_data(contact))


@router.get(
    "/contacts/{contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Read a contact"
)
def get_contact(request: HttpRequest, contact_id: int) -> Any:
    return contact_data(services.get_contact(_organization(request), contact_id))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Change a contact",
    description="Only the fields sent change; every client it serves records the change.",
)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactIn) -> Any:
    _require_editor(request)
    contact = services.update_contact(
        _organization(request), _user(request), contact_id, payload.dict(exclude_unset=True)
    )
    return contact_data(contact)


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **DELETE_ERRORS},
    summary="Delete a contact (and remove it from its clients)",
)
def delete_contact(request: HttpRequest, contact_id: int) -> Any:
    _require_editor(request)
    services.delete_contact(_organization(request), _user(request), contact_id)
    return Status(204, None)
