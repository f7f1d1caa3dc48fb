"""The only code that writes contacts and their links to clients.

Each function takes the acting organization and user explicitly, validates, writes in one
transaction and records the change in the history of the client(s) concerned
(``object_type="client"``): people read a contact change as a change to the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.clients.models import Client
from carnet.clients.services import get_client, refresh_search_text
from carnet.core.db import allocate_ids, insert_rows
from carnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from carnet.core.history import diff, record_change
from carnet.core.ids import parse_id
from carnet.core.text import fold

from .models import ROLE_FIELDS, ClientContact, Contact, Role
from .validation import EDITABLE_FIELDS, clean_contact_input, current_values

OBJECT_TYPE = "client"


# --- Reading ----------------------------------------------------------------------------
def get_contact(organization: Organization, contact_id: Any) -> Contact:
    """The organization's contact with this id, else ``NotFound``."""
    pk = parse_id(contact_id)
    contact = Contact.objects.filter(organization=organization, pk=pk).first() if pk else None
    if contact is None:
        raise NotFound(_("Contact introuvable."))
    return contact


def get_link(organization: Organization, client_id: Any, contact_id: Any) -> ClientContact:
    """The link between the organization's client and contact, else ``NotFound``."""
    client = get_client(organization, client_id)
    pk = parse_id(contact_id)
    link = (
        ClientContact.objects.filter(organization=organization, client=client, contact_id=pk)
        .select_related("contact")
        .first()
        if pk
        else None
    )
    if link is None:
        raise NotFound(_("Ce contact n'est pas lié à ce client."))
    return link


def client_links(organization: Organization, client: Client) -> list[ClientContact]:
    """The client's contacts with their roles, main contact first."""
    return list(
        ClientContact.objects.filter(organization=organization, client=client).select_related(
            "contact"
        )
    )


# --- Labels for the history -------------------------------------------------------------
def role_label(role: str) -> str:
    return str(Role(role).label)


def link_label(contact: Contact, roles: Iterable[str] = (), favorite: bool = False) -> str:
    """ "Marie Durand (facturation, favori)": the contact and its roles, for the history."""
    parts = [role_label(r) for r in roles]
    if favorite:
        parts.append(gettext("favori"))
    name = contact.display_name()
    return f"{name} ({', '.join(parts)})" if parts else name


# --- Contacts ---------------------------------------------------------------------------
def _search_text(values: dict[str, Any]) -> str:
    return fold(
        " ".join(
            values[f]
            for f in ("first_name", "last_name", "email", "phone", "mobile", "job_title")
            if values[f]
        )
    )


def _new_contact(organization: Organization, values: dict[str, Any]) -> Contact:
    contact = Contact(organization=organization, search_text=_search_text(values), **values)
    contact.save()
    return contact


@transaction.atomic
def create_contact(organization: Organization, user: User | None, data: dict[str, Any]) -> Contact:
    """Create a contact linked to no client yet."""
    values = clean_contact_input(data)
    return _new_contact(organization, values)


@transaction.atomic
def update_contact(
    organization: Organization, user: User | None, contact_id: Any, data: dict[str, Any]
) -> Contact:
    """Change a contact's fields (only those in ``data``); every client it serves records
    the change."""
    contact = get_contact(organization, contact_id)
    before = current_values(contact)
    old_name = contact.display_name()
    values = clean_contact_input(data, existing=before)
    changes = diff(before, values)
    if not changes:
        return contact
    for field, value in values.items():
        setattr(contact, field, value)
    contact.search_text = _search_text(values)
    contact.save()
    changes["contact"] = {"old": old_name, "new": contact.display_name()}
    client_ids = []
    for link in ClientContact.objects.filter(organization=organization, contact=contact):
        client_ids.append(link.client_id)
        record_change(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            object_id=link.client_id,
            action="contact_change",
            user=user,
            changes=changes,
        )
    if old_name != contact.display_name():
        refresh_search_text(organization.pk, client_ids)  # clients are found by contact names
    return contact


@transaction.atomic
def delete_contact(organization: Organization, user: User | None, contact_id: Any) -> None:
    """Delete a contact and its links; each client it served records the removal."""
    contact = get_contact(organization, contact_id)
    client_ids = []
    for link in ClientContact.objects.filter(organization=organization, contact=contact):
        client_ids.append(link.client_id)
        record_change(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            object_id=link.client_id,
            action="contact_remove",
            user=user,
            changes={
                "contact": {"old": link_label(contact, link.roles, link.favorite), "new": None}
            },
        )
    contact.delete()
    refresh_search_text(organization.pk, client_ids)


# --- Links and roles --------------------------------------------------------------------
def _clean_roles(roles: Any) -> list[str]:
    """The roles asked for, in a fixed order; ``ValidationFailed`` for anything else."""
    if not isinstance(roles, list | tuple | set) or not all(isinstance(r, str) for r in roles):
        raise ValidationFailed(
            [FieldError("roles", "invalid_type", _("Une liste de rôles est attendue."))]
        )
    unknown = [r for r in roles if r not in ROLE_FIELDS]
    if unknown:
        raise ValidationFailed(
            [
                FieldError(
                    "roles",
                    "invalid_choice",
                    _("Rôles possibles : main, billing, dunning."),
                )
            ]
        )
    return [r for r in ROLE_FIELDS if r in roles]


def _assign(
    organization: Organization,
    user: User | None,
    client: Client,
    link: ClientContact,
    roles: list[str] | None,
    favorite: bool | None,
    *,
    action: str,
    old_label: str | None,
) -> None:
    """Give ``link`` exactly ``roles`` (when not None) and ``favorite`` (when not None),
    taking each role from the contact that held it; save and record the change."""
    # Lock the client's links so that two concurrent moves of a role queue up.
    others = list(
        ClientContact.objects.select_for_update()
        .filter(organization=organization, client=client)
        .exclude(pk=link.pk)
        .select_related("contact")
    )
    changes: dict[str, dict[str, Any]] = {}
    if roles is not None:
        for role, field in ROLE_FIELDS.items():
            wanted = role in roles
            if wanted and not getattr(link, field):
                for other in others:
                    if getattr(other, field):
                        setattr(other, field, False)
                        other.save(update_fields=[field])
                        changes[f"{role}_contact"] = {
                            "old": other.contact.display_name(),
                            "new": link.contact.display_name(),
                        }
                changes.setdefault(
                    f"{role}_contact", {"old": None, "new": link.contact.display_name()}
                )
            elif not wanted and getattr(link, field):
                changes[f"{role}_contact"] = {"old": link.contact.display_name(), "new": None}
            setattr(link, field, wanted)
    if favorite is not None:
        link.favorite = favorite
    new_label = link_label(link.contact, link.roles, link.favorite)
    if link.pk is None:
        link.save()
    elif old_label == new_label:
        return
    else:
        link.save()
    changes["contact"] = {"old": old_label, "new": new_label}
    record_change(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        object_id=client.pk,
        action=action,
        user=user,
        changes=changes,
    )


def _link(
    organization: Organization,
    user: User | None,
    client: Client,
    contact: Contact,
    roles: Any,
    favorite: bool,
) -> ClientContact:
    clean_roles = _clean_roles(roles)
    if ClientContact.objects.filter(
        organization=organization, client=client, contact=contact
    ).exists():
        raise Conflict(_("Ce contact est déjà lié à ce client."), code="already_linked")
    link = ClientContact(organization=organization, client=client, contact=contact)
    try:
        with transaction.atomic():
            _assign(
                organization,
                user,
                client,
                link,
                clean_roles,
                bool(favorite),
                action="contact_add",
                old_label=None,
            )
    except IntegrityError:  # a concurrent request linked it first
        raise Conflict(_("Ce contact est déjà lié à ce client."), code="already_linked") from None
    refresh_search_text(organization.pk, [client.pk])
    return link


def _client_for_change(organization: Organization, client_id: Any) -> Client:
    """The client, locked for the change; a client in the trash keeps its contacts as they
    are (``Conflict``, code ``deleted``)."""
    client = get_client(organization, client_id, for_update=True)
    if client.is_deleted:
        raise Conflict(
            _("Ce client est dans la corbeille : restaurez-le pour modifier ses contacts."),
            code="deleted",
        )
    return client


@transaction.atomic
def link_contact(
    organization: Organization,
    user: User | None,
    client_id: Any,
    contact_id: Any,
    *,
    roles: Any = (),
    favorite: bool = False,
) -> ClientContact:
    """Link an existing contact to a client (``Conflict`` when it already is)."""
    client = _client_for_change(organization, client_id)
    contact = get_contact(organization, contact_id)
    return _link(organization, user, client, contact, list(roles), favorite)


@transaction.atomic
def create_contact_for_client(
    organization: Organization,
    user: User | None,
    client_id: Any,
    data: dict[str, Any],
    *,
    roles: Any = (),
    favorite: bool = False,
) -> ClientContact:
    """Create a contact and link it to the client; phones are read in the client's country."""
    client = _client_for_change(organization, client_id)
    clean_roles = _clean_roles(list(roles) if isinstance(roles, list | tuple) else roles)
    values = clean_contact_input(data, country=client.country or "FR")
    contact = _new_contact(organization, values)
    return _link(organization, user, client, contact, clean_roles, favorite)


@transaction.atomic
def update_link(
    organization: Organization,
    user: User | None,
    client_id: Any,
    contact_id: Any,
    *,
    roles: Any = None,
    favorite: bool | None = None,
) -> ClientContact:
    """Set the contact's roles for the client (the whole list: roles not in it are
    dropped) and/or its favorite flag. A role given is taken from its previous holder."""
    clean_roles = _clean_roles(roles) if roles is not None else None
    client = _client_for_change(organization, client_id)
    link = get_link(organization, client.pk, contact_id)
    old_label = link_label(link.contact, link.roles, link.favorite)
    _assign(
        organization,
        user,
        client,
        link,
        clean_roles,
        favorite,
        action="contact_role",
        old_label=old_label,
    )
    return link


@transaction.atomic
def unlink_contact(
    organization: Organization, user: User | None, client_id: Any, contact_id: Any
) -> None:
    """Remove the contact from the client (the contact itself stays)."""
    _client_for_change(organization, client_id)
    link = get_link(organization, client_id, contact_id)
    record_change(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        object_id=link.client_id,
        action="contact_remove",
        user=user,
        changes={
            "contact": {"old": link_label(link.contact, link.roles, link.favorite), "new": None}
        },
    )
    link.delete()
    refresh_search_text(organization.pk, [link.client_id])


# --- Main contacts of many clients at once (imports) ------------------------------------
@dataclass
class MainContactWrite:
    """The main contact an import gives a client: a new one (``contact_id`` None: the
    client has none yet, it is created and linked as main) or the client's current main
    contact with new values. ``values`` come from ``clean_contact_input``."""

    client_id: int
    contact_id: int | None
    values: dict[str, Any]


def write_main_contacts(organization: Organization, items: list[MainContactWrite]) -> None:
    """Create or update the main contacts of many clients in the caller's transaction.

    The importer records these changes in the clients' own history entries (one per client
    and import), so nothing is recorded here; the clients' ``search_text`` is the
    caller's to refresh (it passes the names to ``create_clients_bulk``, and
    ``update_clients_bulk`` reads them back)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    created = [item for item in items if item.contact_id is None]
    if created:
        ids = allocate_ids(Contact._meta.db_table, len(created))
        columns = (
            "id",
            "organization_id",
            *EDITABLE_FIELDS,
            "search_text",
            "created_at",
            "updated_at",
        )
        insert_rows(
            Contact._meta.db_table,
            columns,
            [
                (
                    contact_id,
                    organization.pk,
                    *(item.values[f] for f in EDITABLE_FIELDS),
                    _search_text(item.values),
                    now,
                    now,
                )
                for contact_id, item in zip(ids, created, strict=True)
            ],
        )
        insert_rows(
            ClientContact._meta.db_table,
            (
                "organization_id",
                "client_id",
                "contact_id",
                "is_main",
                "is_billing",
                "is_dunning",
                "favorite",
                "created_at",
            ),
            [
                (organization.pk, item.client_id, contact_id, True, False, False, False, now)
                for contact_id, item in zip(ids, created, strict=True)
            ],
        )
    updated = [item for item in items if item.contact_id is not None]
    if updated:
        sets = ", ".join(f"{f} = %s" for f in (*EDITABLE_FIELDS, "search_text", "updated_at"))
        stamp = now  # already adapted
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Contact._meta.db_table} SET {sets} "
                "WHERE id = %s AND organization_id = %s",
                [
                    [
                        *(item.values[f] for f in EDITABLE_FIELDS),
                        _search_text(item.values),
                        stamp,
                        item.contact_id,
                        organization.pk,
                    ]
                    for item in updated
                ],
            )
