"""Web downloads of vCard files: the client's and a contact's, from the client record.

Any member of the organization may download them (viewers included); another
organization's client or contact is a 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from carnet.accounts.access import current_organization, member_required, not_found_as_404
from carnet.clients.services import get_client

from . import services, vcards


@member_required
@require_GET
def client_vcard(request: HttpRequest, client_id: int) -> HttpResponse:
    organization = current_organization(request)
    with not_found_as_404():
        client = get_client(organization, client_id)
    return vcards.vcard_response(vcards.client_vcard(organization, client), client.name)


@member_required
@require_GET
def contact_vcard(request: HttpRequest, client_id: int, contact_id: int) -> HttpResponse:
    """The card of a contact linked to the client (the page it is downloaded from)."""
    organization = current_organization(request)
    with not_found_as_404():
        link = services.get_link(organization, client_id, contact_id)
    contact = link.contact
    return vcards.vcard_response(
        vcards.contact_vcard(organization, contact), contact.display_name()
    )
