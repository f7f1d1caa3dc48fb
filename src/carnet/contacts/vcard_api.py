"""REST endpoints that download vCard 4.0 files of a client and of a contact."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import Router

from carnet.accounts.models import Organization
from carnet.clients.schemas import Problem
from carnet.clients.services import get_client

from . import services, vcards

router = Router(tags=["vcards"])

READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
VCARD_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "A vCard 4.0 file (RFC 6350), UTF-8, sent as an attachment.",
            "content": {"text/vcard": {"schema": {"type": "string"}}},
        }
    }
}


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


@router.get(
    "/clients/{client_id}/vcard",
    response=READ_ERRORS,
    summary="Download a client's vCard",
    description="The client's card (`KIND:org`, or `KIND:individual` for a private person) "
    "with its e-mail, phones, website and addresses; when the client has a main contact, "
    "a second card for that person follows, pointed to by `RELATED;TYPE=contact`.",
    openapi_extra=VCARD_RESPONSE,
)
def client_vcard(request: HttpRequest, client_id: int) -> HttpResponse:
    organization = _organization(request)
    client = get_client(organization, client_id)
    return vcards.vcard_response(vcards.client_vcard(organization, client), client.name)


@router.get(
    "/contacts/{contact_id}/vcard",
    response=READ_ERRORS,
    summary="Download a contact's vCard",
    description="The contact's card (`KIND:individual`); `ORG` is the first client it serves.",
    openapi_extra=VCARD_RESPONSE,
)
def contact_vcard(request: HttpRequest, contact_id: int) -> HttpResponse:
    organization = _organization(request)
    contact = services.get_contact(organization, contact_id)
    return vcards.vcard_response(
        vcards.contact_vcard(organization, contact), contact.display_name()
    )
