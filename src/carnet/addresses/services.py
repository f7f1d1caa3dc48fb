"""The only code that writes addresses. UI, API, importer and demo all call these functions.

Each function takes the acting organization and user explicitly, validates, writes in one
transaction and records the change in the history of the client the address belongs to
(``object_type="client"``): people read an address change as a change to the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pycountry
from django.db import connection, transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.clients.models import Client
from carnet.clients.services import get_client
from carnet.core.db import insert_rows
from carnet.core.errors import Conflict, NotFound
from carnet.core.history import record_change
from carnet.core.ids import parse_id

from .models import Address
from .validation import EDITABLE_FIELDS, FLAG_FIELDS, clean_address_input, current_values

OBJECT_TYPE = "client"
OPENSTREETMAP_SEARCH = "https://www.openstreetmap.org/search"

# The history key naming the default address each flag designates.
_HOLDER_KEYS = {"is_billing": "billing_address", "is_delivery": "delivery_address"}


# --- Reading ----------------------------------------------------------------------------
def get_address(organization: Organization, client_id: Any, address_id: Any) -> Address:
    """The address ``address_id`` of the organization's client ``client_id``, else
    ``NotFound`` (another organization's or another client's address included)."""
    client = get_client(organization, client_id)
    return _address_of(organization, client, address_id)


def list_addresses(organization: Organization, client_id: Any) -> list[Address]:
    """The addresses of the organization's client ``client_id`` (``NotFound`` otherwise):
    the default billing address first, then the delivery one, then the others."""
    client = get_client(organization, client_id)
    return list(Address.objects.filter(organization=organization, client=client))


def prefetch_addresses(organization: Organization, clients: Iterable[Client]) -> None:
    """Load the addresses of ``clients`` in one query: ``client.addresses.all()`` then
    reads them without touching the database."""
    prefetch_related_objects(
        list(clients),
        Prefetch("addresses", queryset=Address.objects.filter(organization=organization)),
    )


def map_url(address: Address) -> str:
    """An OpenStreetMap search for the address (the country by its English name, which
    the geocoder knows best)."""
    country = pycountry.countries.get(alpha_2=address.country)
    parts = [address.line1, address.line2, address.line3]
    parts += [f"{address.postcode} {address.city}".strip(), address.region]
    parts.append(country.name if country is not None else address.country)
    query = ", ".join(part for part in parts if part)
    return f"{OPENSTREETMAP_SEARCH}?{urlencode({'query': query})}"


# --- Helpers ----------------------------------------------------------------------------
def _client_for_change(organization: Organization, client_id: Any) -> Client:
    """The client, locked for the rest of the transaction so that two changes to its
    addresses (moving a flag) happen one after the other."""
    client = get_client(organization, client_id, for_update=True)
    if client.is_deleted:
        raise Conflict(
            _("Ce client est dans la corbeille : restaurez-le pour modifier ses adresses."),
            code="deleted",
        )
    return client


def _address_of(organization: Organization, client: Client, address_id: Any) -> Address:
    pk = parse_id(address_id)
    if pk is None:
        raise NotFound(_("Adresse introuvable."))
    address = Address.objects.filter(organization=organization, client=client, pk=pk).first()
    if address is None:
        raise NotFound(_("Adresse introuvable."))
    return address


def _flag_holders(client: Client) -> dict[str, Address | None]:
    """The client's current default billing and delivery addresses, as stored now."""
    holders: dict[str, Address | None] = dict.fromkeys(FLAG_FIELDS)
    flagged = Address.objects.filter(
        Q(is_billing=True) | Q(is_delivery=True),
        organization_id=client.organization_id,
        client=client,
    )
    for address in flagged:
        for flag in FLAG_FIELDS:
            if getattr(address, flag):
                holders[flag] = address
    return holders


def _release_flags(client: Client, values: dict[str, Any], keep: Address | None) -> None:
    """Take the flags ``values`` gives from the client's other addresses, before saving
    (the unique constraints would refuse a second holder)."""
    for flag in FLAG_FIELDS:
        if values.get(flag):
            others = Address.objects.filter(
                organization_id=client.organization_id, client=client, **{flag: True}
            )
            if keep is not None:
                others = others.exclude(pk=keep.pk)
            others.update(**{flag: False})


def _holder_changes(
    before: dict[str, Address | None], after: dict[str, Address | None]
) -> dict[str, dict[str, Any]]:
    """``billing_address``/``delivery_address`` history entries for each default address
    that changed hands: the old holder as it was, the new one as it is."""
    changes = {}
    for flag, key in _HOLDER_KEYS.items():
        old, new = before[flag], after[flag]
        if (old.pk if old else None) != (new.pk if new else None):
            changes[key] = {
                "old": old.one_line() if old else None,
                "new": new.one_line() if new else None,
            }
    return changes


def _holders_after(
    before: dict[str, Address | None], address: Address, *, deleted: bool = False
) -> dict[str, Address | None]:
    after: dict[str, Address | None] = {}
    for flag in FLAG_FIELDS:
        holder = before[flag]
        if not deleted and getattr(address, flag):
            after[flag] = address
        elif holder is not None and holder.pk == address.pk:
            after[flag] = None
        else:
            after[flag] = holder
    return after


def _record(
    organization: Organization,
    user: User | None,
    client: Client,
    action: str,
    changes: dict[str, dict[str, Any]],
    source: str,
) -> None:
    record_change(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        object_id=client.pk,
        action=action,
        user=user,
        changes=changes,
        source=source,
    )


# --- Changes ----------------------------------------------------------------------------
@transaction.atomic
def create_address(
    organization: Organization,
    user: User | None,
    client_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> Address:
    """Add an address to a client. Its country defaults to the client's. Giving it the
    billing or delivery flag takes the flag from the address that had it."""
    client = _client_for_change(organization, client_id)
    values = clean_address_input(data, default_country=client.country)
    holders = _flag_holders(client)
    _release_flags(client, values, keep=None)
    address = Address.objects.create(organization=organization, client=client, **values)
    changes = {"address": {"old": None, "new": address.one_line()}}
    changes.update(_holder_changes(holders, _holders_after(holders, address)))
    _record(organization, user, client, "address_add", changes, source)
    return address


@transaction.atomic
def update_address(
    organization: Organization,
    user: User | None,
    client_id: Any,
    address_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> Address:
    """Apply a partial change to an address. Setting ``is_billing`` or ``is_delivery``
    takes the flag from the client's other address; clearing it leaves the client without
    a default address of that kind."""
    client = _client_for_change(organization, client_id)
    address = _address_of(organization, client, address_id)
    before = current_values(address)
    values = clean_address_input(data, existing=before, default_country=client.country)
    if values == before:
        return address
    holders = _flag_holders(client)
    old_line = address.one_line()
    _release_flags(client, values, keep=address)
    for field, value in values.items():
        setattr(address, field, value)
    address.save()
    changes: dict[str, dict[str, Any]] = {}
    if address.one_line() != old_line:
        changes["address"] = {"old": old_line, "new": address.one_line()}
    changes.update(_holder_changes(holders, _holders_after(holders, address)))
    _record(organization, user, client, "address_change", changes, source)
    return address


@transaction.atomic
def delete_address(
    organization: Organization,
    user: User | None,
    client_id: Any,
    address_id: Any,
    *,
    source: str = "",
) -> None:
    """Delete an address. When it was the default billing or delivery address, the client
    has none of that kind afterwards (no other address is promoted behind the user's back)."""
    client = _client_for_change(organization, client_id)
    address = _address_of(organization, client, address_id)
    holders = _flag_holders(client)
    changes = {"address": {"old": address.one_line(), "new": None}}
    changes.update(_holder_changes(holders, _holders_after(holders, address, deleted=True)))
    address.delete()
    _record(organization, user, client, "address_delete", changes, source)


# --- Default addresses of many clients at once (imports) --------------------------------
@dataclass
class DefaultAddressWrite:
    """An address an import gives a client: new (``address_id`` None) or one of its
    addresses with new values. ``values`` come from ``clean_address_input``, flags
    included (the default billing and delivery addresses are what imports write)."""

    client_id: int
    address_id: int | None
    values: dict[str, Any]


def write_default_addresses(organization: Organization, items: list[DefaultAddressWrite]) -> None:
    """Create or update many clients' addresses in the caller's transaction.

    The importer records these changes in the clients' own history entries, so nothing is
    recorded here. A new address taking a flag its client's other address holds is the
    caller's to avoid (the unique indexes refuse it)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    created = [item for item in items if item.address_id is None]
    if created:
        insert_rows(
            Address._meta.db_table,
            ("organization_id", "client_id", *EDITABLE_FIELDS, "created_at", "updated_at"),
            [
                (
                    organization.pk,
                    item.client_id,
                    *(item.values[f] for f in EDITABLE_FIELDS),
                    now,
                    now,
                )
                for item in created
            ],
        )
    updated = [item for item in items if item.address_id is not None]
    if updated:
        sets = ", ".join(f"{f} = %s" for f in (*EDITABLE_FIELDS, "updated_at"))
        stamp = now  # already adapted
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Address._meta.db_table} SET {sets} "
                "WHERE id = %s AND organization_id = %s AND client_id = %s",
                [
                    [
                        *(item.values[f] for f in EDITABLE_FIELDS),
                        stamp,
                        item.address_id,
                        organization.pk,
                        item.client_id,
                    ]
                    for item in updated
                ],
            )
