"""vCard 4.0 (RFC 6350) files for a client and for a contact, built with ``vobject``.

A client's file holds the organization card (``KIND:org``; ``KIND:individual`` for a
private person) with its e-mail, phones as ``tel:`` URIs in E.164, website and every postal
address. When the client has a main contact, the file holds a second card for that person
(``KIND:individual``, ``ORG`` = the client) and the organization card points to it with
``RELATED;TYPE=contact:urn:uuid:…``. ``MEMBER`` would be the other candidate but RFC 6350
reserves it for ``KIND:group`` cards, and address books import both cards of the file.

UIDs are stable (UUID 5 of the organization, the kind of record and its id), so importing
the same card twice updates the entry instead of duplicating it.

``vobject`` 0.9 escapes property values (``,`` ``;`` ``\\`` and newlines) but not parameter
values (RFC 6868): ``_param_text`` keeps parameter values on one line and without double
quotes so the file always parses back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

import pycountry
import vobject
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from vobject.base import Component
from vobject.vcard import Address as AdrValue
from vobject.vcard import Name

from carnet.accounts.models import Organization
from carnet.addresses.models import Address
from carnet.clients.models import Client, Kind

from .models import ClientContact, Contact

CONTENT_TYPE = "text/vcard; charset=utf-8"
# Namespace of the cards' UIDs; never change it, or address books would see new people.
_UID_NAMESPACE = uuid.UUID("5b0e6c8e-5d0c-4a53-9f57-2f6f4c1b8a3d")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_CIVILITY_PREFIX = {"mr": "M.", "mrs": "Mme"}


# --- Small helpers ----------------------------------------------------------------------
def _uid(organization_id: int, kind: str, pk: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, f'carnet:{organization_id}:{kind}:{pk}')}"


def _param_text(text: str) -> str:
    """A parameter value vobject can write: one line, no double quote (see module doc)."""
    return _CONTROL.sub(" ", text.replace('"', "'")).strip()


def _new_card(kind: str, uid: str, full_name: str) -> Component:
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("kind").value = kind
    card.add("uid").value = uid
    card.add("fn").value = full_name
    return card


def _add_tel(card: Component, number: str, types: Iterable[str]) -> None:
    """A telephone as a ``tel:`` URI (numbers are stored in E.164)."""
    if not number:
        return
    line = card.add("tel")
    line.value = f"tel:{number}"
    line.params["VALUE"] = ["uri"]
    line.params["TYPE"] = list(types)


def _add_email(card: Component, email: str) -> None:
    if email:
        line = card.add("email")
        line.value = email
        line.params["TYPE"] = ["work"]


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country is not None else code


def _add_address(card: Component, address: Address) -> None:
    street = [line for line in (address.line1, address.line2, address.line3) if line]
    line = card.add("adr")
    line.value = AdrValue(
        street=street,
        city=address.city,
        region=address.region,
        code=address.postcode,
        country=_country_name(address.country),
    )
    line.params["TYPE"] = ["work"]
    # LABEL: the formatted address, as RFC 6350 defines it (with the record's own label).
    line.params["LABEL"] = [_param_text(address.one_line())]
    flags = (("billing", address.is_billing), ("delivery", address.is_delivery))
    uses = [use for use, flag in flags if flag]
    if uses:
        line.params["X-CARNET-USE"] = uses
    if address.is_billing:
        line.params["PREF"] = ["1"]


def _person_name(card: Component, civility: str, first_name: str, last_name: str) -> None:
    card.add("n").value = Name(
        family=last_name, given=first_name, prefix=_CIVILITY_PREFIX.get(civility, "")
    )


def _contact_card(contact: Contact, organization_name: str) -> Component:
    card = _new_card(
        "individual",
        _uid(contact.organization_id, "contact", contact.pk),
        contact.display_name() or organization_name,
    )
    _person_name(card, contact.civility, contact.first_name, contact.last_name)
    if contact.job_title:
        card.add("title").value = contact.job_title
    if organization_name:
        card.add("org").value = [organization_name]
    _add_email(card, contact.email)
    _add_tel(card, contact.phone, ["work", "voice"])
    _add_tel(card, contact.mobile, ["cell", "voice"])
    return card


# --- Cards ------------------------------------------------------------------------------
def client_vcard(organization: Organization, client: Client) -> str:
    """The client's vCard file: its card, then its main contact's card when it has one."""
    is_company = client.kind == Kind.COMPANY
    card = _new_card(
        "org" if is_company else "individual",
        _uid(organization.pk, "client", client.pk),
        client.name,
    )
    if is_company:
        card.add("org").value = [client.name]
    else:
        _person_name(card, client.civility, client.first_name, client.last_name)
    _add_email(card, client.email)
    _add_tel(card, client.phone, ["work", "voice"])
    _add_tel(card, client.mobile, ["cell", "voice"])
    _add_tel(card, client.fax, ["work", "fax"])
    if client.website:
        card.add("url").value = client.website
    for address in Address.objects.filter(organization=organization, client=client):
        _add_address(card, address)
    main = (
        ClientContact.objects.filter(organization=organization, client=client, is_main=True)
        .select_related("contact")
        .first()
    )
    cards = [card]
    if main is not None:
        related = card.add("related")
        related.value = _uid(organization.pk, "contact", main.contact_id)
        related.params["TYPE"] = ["contact"]
        cards.append(_contact_card(main.contact, client.name))
    return "".join(c.serialize() for c in cards)


def contact_vcard(organization: Organization, contact: Contact) -> str:
    """The contact's card; ``ORG`` is the first client it serves (its main-contact clients
    first), since a vCard names one organization."""
    first = (
        ClientContact.objects.filter(organization=organization, contact=contact)
        .select_related("client")
        .order_by("-is_main", "id")
        .first()
    )
    return _contact_card(contact, first.client.name if first is not None else "").serialize()


# --- Download ---------------------------------------------------------------------------
def filename_for(name: str) -> str:
    """A safe ASCII file name: "Société Générale" -> "societe-generale.vcf"."""
    return f"{slugify(name)[:80] or 'contact'}.vcf"


def vcard_response(text: str, name: str) -> HttpResponse:
    """The card as a download, never shown inline."""
    response = HttpResponse(text.encode("utf-8"), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename_for(name))
    response["X-Content-Type-Options"] = "nosniff"
    return response
