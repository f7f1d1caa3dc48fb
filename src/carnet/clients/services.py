"""The only code that writes clients. UI, API, importer and CLI all call these functions.

Each function takes the acting organization and user explicitly, validates, writes in
one transaction and records the change in the history.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carnet.accounts.models import Membership, Organization, User
from carnet.core import identifiers
from carnet.core.db import allocate_ids, insert_rows
from carnet.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from carnet.core.history import diff, record_change, record_changes
from carnet.core.ids import parse_id
from carnet.core.sequences import next_value, reserve_values
from carnet.core.text import fold
from carnet.customfields.history import field_changes
from carnet.customfields.queries import definitions_for
from carnet.customfields.services import sync_values
from carnet.payments import services as payments

from . import search
from .models import Category, CategoryGroup, Client, ClientTag, SavedView, Tag
from .validation import EDITABLE_FIELDS as EDITABLE_COLUMNS_ORDER
from .validation import RELATION_FIELDS, clean_client_input, current_values

OBJECT_TYPE = "client"


# --- Delete blockers --------------------------------------------------------------------
@dataclass(frozen=True)
class DeleteBlocker:
    """Something attached to a client that forbids deleting it (documents, payments…)."""

    code: str
    label: Callable[[int], str]
    count: Callable[[Client], int]
    # {client id: count} for many clients of one organization at once (bulk delete);
    # without it, ``count`` is called client by client.
    count_many: Callable[[int, list[int]], dict[int, int]] | None = None


_DELETE_BLOCKERS: list[DeleteBlocker] = []


def register_delete_blocker(blocker: DeleteBlocker) -> None:
    """Let another domain (sales, payments) forbid deleting a client it still refers to."""
    if all(b.code != blocker.code for b in _DELETE_BLOCKERS):
        _DELETE_BLOCKERS.append(blocker)


def unregister_delete_blocker(code: str) -> None:
    _DELETE_BLOCKERS[:] = [b for b in _DELETE_BLOCKERS if b.code != code]


def delete_blockers(client: Client) -> dict[str, int]:
    """What forbids deleting ``client``: ``{code: count}`` for every non-zero blocker."""
    found = {}
    for blocker in _DELETE_BLOCKERS:
        count = blocker.count(client)
        if count:
            found[blocker.code] = count
    return found


def _describe_blockers(blockers: dict[str, int]) -> str:
    labels = {b.code: b.label for b in _DELETE_BLOCKERS}
    return ", ".join(labels[code](count) for code, count in blockers.items())


# --- Helpers ----------------------------------------------------------------------------
def get_client(organization: Organization, client_id: Any, *, for_update: bool = False) -> Client:
    """The organization's client with this id (trash included), else ``NotFound``."""
    pk = parse_id(client_id)
    if pk is None:
        raise NotFound(_("Client introuvable."))
    queryset = Client.objects.filter(organization=organization, pk=pk)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    client = queryset.select_related("category", "owner", "price_category", "carrier").first()
    if client is None:
        raise NotFound(_("Client introuvable."))
    return client


def refuse_merged(client: Client) -> None:
    """A merged client is changed only by undoing its merge (``Conflict``, code
    ``merged``)."""
    if client.merged_into_id is not None:
        raise Conflict(
            _(
                "Ce client a été fusionné dans un autre : modifiez ce dernier, ou annulez la "
                "fusion."
            ),
            code="merged",
            merged_into=client.merged_into_id,
        )


def _derived(values: dict[str, Any], contact_names: list[str] | None = None) -> dict[str, Any]:
    """Columns computed from the editable values (and the names of the client's contacts,
    which the client is found by too)."""
    return {
        "vat_regime": identifiers.vat_regime(
            kind=values["kind"], country=values["country"], vat_number=values["vat_number"]
        ),
        "search_text": search.search_text(values, contact_names or ()),
        "sort_name": fold(values["name"])[:100],
    }


def contact_names(organization_id: int, client_ids: list[int]) -> dict[int, list[str]]:
    """The display names of each client's contacts, for ``search_text``."""
    from carnet.contacts.models import ClientContact

    names: dict[int, list[str]] = {}
    for client_id, first, last, email in ClientContact.objects.filter(
        organization_id=organization_id, client_id__in=client_ids
    ).values_list("client_id", "contact__first_name", "contact__last_name", "contact__email"):
        name = f"{first} {last}".strip() or email
        if name:
            names.setdefault(client_id, []).append(name)
    return names


def refresh_search_text(organization_id: int, client_ids: list[int]) -> None:
    """Recompute ``search_text`` of these clients after something it holds changed
    outside the client record (a contact renamed, linked or unlinked). Called inside the
    caller's transaction; the version does not change, since the record itself did not."""
    if not client_ids:
        return
    names = contact_names(organization_id, client_ids)
    fields = ("id", "search_text", *search.SEARCHED_FIELDS, *search.PHONE_FIELDS)
    for row in Client.objects.filter(organization_id=organization_id, pk__in=client_ids).values(
        *dict.fromkeys(fields)
    ):
        text = search.search_text(row, names.get(row["id"], ()))
        if text != row["search_text"]:
            Client.objects.filter(pk=row["id"]).update(search_text=text)


def _check_duplicates(
    organization: Organization, values: dict[str, Any], *, exclude_id: int | None = None
) -> None:
    """Refuse a second live client with the same e-mail (any case) or SIRET."""
    conditions = Q()
    if values.get("email"):
        conditions |= Q(email_lower=values["email"].lower())
    if values.get("siret"):
        conditions |= Q(siret=values["siret"])
    if not conditions:
        return
    queryset = (
        Client.objects.annotate(email_lower=Lower("email"))
        .filter(conditions, organization=organization, deleted_at__isnull=True)
        .order_by("id")
    )
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    existing = queryset.first()
    if existing is None:
        return
    same_email = bool(values.get("email")) and existing.email.lower() == values["email"].lower()
    field = "email" if same_email else "siret"
    if field == "email":
        detail = _("Un client avec cet e-mail existe déjà : %(name)s (%(reference)s).")
    else:
        detail = _("Un client avec ce SIRET existe déjà : %(name)s (%(reference)s).")
    raise Conflict(
        detail % {"name": existing.name, "reference": existing.reference},
        code="duplicate",
        field=field,
        existing_client_id=existing.pk,
        existing_client_name=existing.name,
        existing_client_archived=existing.archived,
    )


def _check_owner(organization: Organization, owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=organization, user_id=owner_id)
        .first()
    )
    if membership is None:
        raise ValidationFailed(
            [
                FieldError(
                    "owner",
                    "unknown_user",
                    _("Cet utilisateur n'est pas membre de l'organisation."),
                )
            ]
        )
    return membership.user


def _check_reference_free(
    organization: Organization, reference: str, *, exclude_id: int | None = None
) -> None:
    queryset = Client.objects.filter(organization=organization, reference=reference)
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    if queryset.exists():
        raise ValidationFailed(
            [
                FieldError(
                    "reference",
                    "duplicate",
                    _("Cette référence est déjà utilisée par un autre client."),
                )
            ]
        )


def _generate_reference(organization: Organization) -> str:
    while True:
        reference = f"CLI-{next_value(organization.pk, 'client_reference'):05d}"
        if not Client.objects.filter(organization=organization, reference=reference).exists():
            return reference


def _tag_named(organization_id: int, name: str, *, create: bool) -> Tag | None:
    """The organization's tag called ``name`` (any case), created when asked."""
    tag: Tag | None = (
        Tag.objects.annotate(name_lower=Lower("name"))
        .filter(organization_id=organization_id, name_lower=Lower(Value(name)))
        .first()
    )
    if tag is None and create:
        tag = Tag.objects.create(organization_id=organization_id, name=name)
    return tag


def _set_tags(client: Client, names: list[str]) -> None:
    organization_id = client.organization_id
    tags = [tag for name in names if (tag := _tag_named(organization_id, name, create=True))]
    ClientTag.objects.filter(organization_id=organization_id, client=client).exclude(
        tag__in=tags
    ).delete()
    existing = set(
        ClientTag.objects.filter(organization_id=organization_id, client=client).values_list(
            "tag_id", flat=True
        )
    )
    ClientTag.objects.bulk_create(
        ClientTag(organization_id=organization_id, client=client, tag=tag)
        for tag in tags
        if tag.pk not in existing
    )


def _category(organization: Organization, name: str | None) -> Category | None:
    if not name:
        return None
    category = (
        Category.objects.annotate(name_lower=Lower("name"))
        .filter(organization=organization, name_lower=Lower(Value(name)))
        .first()
    )
    return category or Category.objects.create(organization=organization, name=name)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The history entry's changes: each changed field, and each changed custom field on
    its own ("custom_fields.<slug>")."""
    changes = diff(
        {k: v for k, v in before.items() if k != "custom_fields"},
        {k: v for k, v in after.items() if k != "custom_fields"},
    )
    changes.update(field_changes(before.get("custom_fields"), after.get("custom_fields")))
    return changes


def _model_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The values that are plain columns (not tags, category, owner and the other
    relations)."""
    return {k: v for k, v in values.items() if k not in RELATION_FIELDS}


# Payment relations: the values hold a price category's or carrier's name, a bank
# account's id; the row holds their ids.
_PAYMENT_RELATIONS = ("price_category", "carrier", "pays_into")


def _payment_relation(organization: Organization, field: str, value: Any) -> int | None:
    """The id a payment relation's value designates in the organization (``ValidationFailed``
    on the field when there is none)."""
    if field == "pays_into":
        account = payments.bank_account_for_client(organization, value)
        return account.pk if account is not None else None
    item = payments.item_named(organization, field, value)
    return item.pk if item is not None else None


def _integrity_to_conflict(
    organization: Organization, values: dict[str, Any], exclude_id: int | None
) -> None:
    """After a unique-constraint failure (a concurrent write won), explain it."""
    _check_duplicates(organization, values, exclude_id=exclude_id)
    _check_reference_free(organization, values["reference"], exclude_id=exclude_id)
    raise Conflict(
        _("Le client a été modifié en même temps par quelqu'un d'autre."), code="conflict"
    )


# --- Lifecycle --------------------------------------------------------------------------
def create_client(
    organization: Organization, user: User | None, data: dict[str, Any], *, source: str = ""
) -> Client:
    """Create a client from raw input. Refuses exact duplicates with ``Conflict``."""
    definitions = definitions_for(organization)
    values = clean_client_input(data, definitions=definitions)
    owner = _check_owner(organization, values["owner"])
    _check_duplicates(organization, values)
    try:
        with transaction.atomic():
            if values["reference"]:
                _check_reference_free(organization, values["reference"])
            else:
                values["reference"] = _generate_reference(organization)
            client = Client(
                organization=organization,
                created_by=user if user is not None and user.pk else None,
                owner=owner,
                category=_category(organization, values["category"]),
                **{
                    f"{field}_id": _payment_relation(organization, field, values[field])
                    for field in _PAYMENT_RELATIONS
                },
                **_model_fields(values),
                **_derived(values),
            )
            client.save()
            _set_tags(client, values["tags"])
            if values["custom_fields"]:
                sync_values(organization.pk, client.pk, definitions, values["custom_fields"])
            record_change(
                organization_id=organization.pk,
                object_type=OBJECT_TYPE,
                object_id=client.pk,
                action="create",
                user=user,
                changes=_changes(
                    {}, {k: v for k, v in values.items() if v not in ("", None, [], {}, False)}
                ),
                source=source,
            )
    except IntegrityError:
        _integrity_to_conflict(organization, values, None)
    return client


def update_client(
    organization: Organization,
    user: User | None,
    client_id: Any,
    data: dict[str, Any],
    *,
    expected_version: int | None = None,
    source: str = "",
    action: str = "update",
    context: str = "",
    extra_changes: dict[str, dict[str, Any]] | None = None,
) -> Client:
    """Apply a partial change. With ``expected_version``, refuse with ``StaleVersion`` when
    someone else changed the client since that version was read. ``action``, ``context``
    and ``extra_changes`` name the change in the history when it is part of something
    larger (a merge records its sources beside the values the survivor took)."""
    with transaction.atomic():
        client = get_client(organization, client_id, for_update=True)
        refuse_merged(client)
        if client.is_deleted:
            raise Conflict(
                _("Ce client est dans la corbeille : restaurez-le pour le modifier."),
                code="deleted",
            )
        if expected_version is not None and client.version != expected_version:
            raise StaleVersion(
                _(
                    "Ce client a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert "
                    "(version %(current)d, vous aviez la version %(yours)d). Rechargez la fiche "
                    "pour voir ses modifications."
                )
                % {"current": client.version, "yours": expected_version},
                current_version=client.version,
            )
        before = current_values(client)
        definitions = definitions_for(organization)
        values = clean_client_input(data, existing=before, definitions=definitions)
        if not values["reference"]:
            values["reference"] = before["reference"]
        changes = _changes(before, values)
        if not changes and not extra_changes:
            return client
        if "owner" in changes:
            client.owner = _check_owner(organization, values["owner"])
        _check_duplicates(organization, values, exclude_id=client.pk)
        if "reference" in changes:
            _check_reference_free(organization, values["reference"], exclude_id=client.pk)
        if "category" in changes:
            client.category = _category(organization, values["category"])
        relations = {
            f"{field}_id": _payment_relation(organization, field, values[field])
            if field in changes
            else getattr(client, f"{field}_id")
            for field in _PAYMENT_RELATIONS
        }
        derived = _derived(values, contact_names(organization.pk, [client.pk]).get(client.pk))
        for field, value in {**_model_fields(values), **derived}.items():
            setattr(client, field, value)
        # The version check in the WHERE clause makes the update safe even where the
        # database ignores row locks (SQLite): a concurrent winner leaves 0 rows here.
        try:
            with transaction.atomic():
                fields = {**_model_fields(values), **derived}
                updated = Client.objects.filter(pk=client.pk, version=client.version).update(
                    **fields,
                    **relations,
                    category=client.category,
                    owner=client.owner,
                    version=client.version + 1,
                    updated_at=timezone.now(),
                )
                if not updated:
                    current = Client.objects.get(pk=client.pk).version
                    raise StaleVersion(
                        _(
                            "Ce client vient d'être modifié par quelqu'un d'autre. "
                            "Rechargez la fiche."
                        ),
                        current_version=current,
                    )
                if "tags" in changes:
                    _set_tags(client, values["tags"])
                if any(name.startswith("custom_fields.") for name in changes):
                    sync_values(organization.pk, client.pk, definitions, values["custom_fields"])
        except IntegrityError:
            _integrity_to_conflict(organization, values, client.pk)
        client.refresh_from_db()
        record_change(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            object_id=client.pk,
            action=action,
            user=user,
            changes={**changes, **(extra_changes or {})},
            source=source,
            context=context,
        )
    return client


def _set_state(
    organization: Organization,
    user: User | None,
    client_id: Any,
    *,
    action: str,
    fields: dict[str, Any],
    source: str,
) -> Client:
    client = get_client(organization, client_id, for_update=True)
    refuse_merged(client)
    before = {f: getattr(client, f) for f in fields}
    changes = diff(before, fields)
    if not changes:
        return client
    Client.objects.filter(pk=client.pk).update(
        **fields, version=client.version + 1, updated_at=timezone.now()
    )
    client.refresh_from_db()
    record_change(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        object_id=client.pk,
        action=action,
        user=user,
        changes={k: v for k, v in changes.items() if not k.endswith("_at")},
        source=source,
    )
    return client


@transaction.atomic
def archive_client(
    organization: Organization, user: User | None, client_id: Any, *, source: str = ""
) -> Client:
    """Take a client out of the default list and the pickers; it stays on its documents."""
    client = get_client(organization, client_id)
    refuse_merged(client)
    if client.is_deleted:
        raise Conflict(_("Ce client est dans la corbeille."), code="deleted")
    return _set_state(
        organization,
        user,
        client.pk,
        action="archive",
        fields={"archived": True, "archived_at": client.archived_at or timezone.now()},
        source=source,
    )


@transaction.atomic
def unarchive_client(
    organization: Organization, user: User | None, client_id: Any, *, source: str = ""
) -> Client:
    client = get_client(organization, client_id)
    refuse_merged(client)
    if client.is_deleted:
        raise Conflict(_("Ce client est dans la corbeille."), code="deleted")
    return _set_state(
        organization,
        user,
        client.pk,
        action="unarchive",
        fields={"archived": False, "archived_at": None},
        source=source,
    )


@transaction.atomic
def delete_client(
    organization: Organization, user: User | None, client_id: Any, *, source: str = ""
) -> Client:
    """Move a client to the trash, unless documents or payments still refer to it."""
    client = get_client(organization, client_id, for_update=True)
    if client.is_deleted:
        return client
    blockers = delete_blockers(client)
    if blockers:
        raise Conflict(
            _(
                "Impossible de supprimer « %(name)s » : ce client a %(what)s. "
                "Archivez-le plutôt : il disparaîtra des listes et restera sur ses documents."
            )
            % {"name": client.name, "what": _describe_blockers(blockers)},
            code="has_documents",
            blockers=blockers,
            can_archive=not client.archived,
        )
    return _set_state(
        organization,
        user,
        client.pk,
        action="delete",
        fields={"deleted_at": timezone.now()},
        source=source,
    )


@transaction.atomic
def restore_client(
    organization: Organization, user: User | None, client_id: Any, *, source: str = ""
) -> Client:
    """Bring a client back from the trash, unless a live client took its e-mail or SIRET."""
    client = get_client(organization, client_id, for_update=True)
    refuse_merged(client)
    if not client.is_deleted:
        return client
    _check_duplicates(organization, current_values(client), exclude_id=client.pk)
    return _set_state(
        organization,
        user,
        client.pk,
        action="restore",
        fields={"deleted_at": None},
        source=source,
    )


@transaction.atomic
def purge_client(organization: Organization, user: User | None, client_id: Any) -> None:
    """Delete a trashed client for good (its history stays)."""
    client = get_client(organization, client_id, for_update=True)
    refuse_merged(client)
    if not client.is_deleted:
        raise Conflict(
            _("Seul un client de la corbeille peut être supprimé définitivement."),
            code="not_deleted",
        )
    record_change(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        object_id=client.pk,
        action="purge",
        user=user,
    )
    client.delete()


def blocker_label(singular: str, plural: str) -> Callable[[int], str]:
    """A label function for ``DeleteBlocker``: "3 factures"."""
    return lambda count: ngettext(singular, plural, count) % {"count": count}


# --- Bulk actions -----------------------------------------------------------------------
BULK_ACTIONS = ("tag", "untag", "set_category", "set_owner", "archive", "unarchive", "delete")
MAX_BULK = 250_000
_BULK_CHUNK = 10_000  # clients per round of statements


@dataclass
class BulkOutcome:
    """What a bulk action did to one client: ``done``, ``unchanged``, ``refused`` (with
    the reason's code and message) or ``not_found`` (not a client of the organization)."""

    client_id: int
    status: str
    code: str = ""
    message: str = ""
    name: str = ""
    reference: str = ""


@dataclass
class BulkResult:
    action: str
    outcomes: list[BulkOutcome]

    def counts(self) -> dict[str, int]:
        counts = {"done": 0, "unchanged": 0, "refused": 0, "not_found": 0}
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts


def _bulk_argument(
    organization: Organization,
    action: str,
    tags: Any,
    category: Any,
    owner: Any,
) -> Any:
    """The action's checked argument: tag names, a category name (or None to clear it),
    an owner (or None)."""
    from .validation import clean_tag_names

    if action in ("tag", "untag"):
        names = clean_tag_names(tags)
        if not names:
            raise ValidationFailed(
                [FieldError("tags", "required", _("Indiquez au moins une étiquette."))]
            )
        return names
    if action == "set_category":
        if category is not None and not isinstance(category, str):
            raise ValidationFailed(
                [FieldError("category", "invalid_type", _("Nom de catégorie attendu."))]
            )
        name = " ".join((category or "").split())
        if len(name) > 100:
            raise ValidationFailed(
                [FieldError("category", "too_long", _("100 caractères au maximum."))]
            )
        return name or None
    if action == "set_owner":
        if owner in (None, ""):
            return None
        owner_id = parse_id(owner) if not isinstance(owner, bool) else None
        if owner_id is None:
            raise ValidationFailed(
                [FieldError("owner", "invalid_type", _("Identifiant d'utilisateur attendu."))]
            )
        return _check_owner(organization, owner_id)
    return None


def bulk_change_clients(
    organization: Organization,
    user: User | None,
    action: str,
    client_ids: list[int],
    *,
    tags: Any = None,
    category: Any = None,
    owner: Any = None,
    source: str = "",
) -> BulkResult:
    """Apply one action to many clients in one transaction, with set-based statements;
    each changed client gets a new version and an entry in its history, and the result
    says what happened to each id, in the order given (another organization's ids are
    ``not_found`` and left untouched)."""
    if action not in BULK_ACTIONS:
        raise ValidationFailed(
            [
                FieldError(
                    "action",
                    "invalid_choice",
                    _("Action possible : %(actions)s.") % {"actions": ", ".join(BULK_ACTIONS)},
                )
            ]
        )
    ids = list(dict.fromkeys(client_ids))
    impossible = [pk for pk in ids if parse_id(pk) is None]  # 0, negative, beyond 64 bits
    if len(ids) > MAX_BULK:
        raise ValidationFailed(
            [
                FieldError(
                    "ids",
                    "too_many",
                    _("%(max)s clients au plus par action groupée : affinez la sélection.")
                    % {"max": f"{MAX_BULK:,}".replace(",", "\u202f")},
                )
            ]
        )
    argument = _bulk_argument(organization, action, tags, category, owner)
    outcomes: dict[int, BulkOutcome] = {}
    with transaction.atomic():
        if action in ("tag", "untag"):
            tag_objects = [
                _tag_named(organization.pk, name, create=action == "tag") for name in argument
            ]
            argument = [t for t in tag_objects if t is not None]
        elif action == "set_category":
            argument = _category(organization, argument)
        for pk in impossible:
            outcomes[pk] = BulkOutcome(pk, "not_found", "not_found", str(_("Client introuvable.")))
        possible = [pk for pk in ids if pk not in outcomes]
        for start in range(0, len(possible), _BULK_CHUNK):
            chunk = possible[start : start + _BULK_CHUNK]
            outcomes.update(_bulk_chunk(organization, user, action, chunk, argument, source))
    return BulkResult(action, [outcomes[pk] for pk in ids])


_DONE = {
    "tag": _("Étiquettes ajoutées"),
    "untag": _("Étiquettes retirées"),
    "set_category": _("Catégorie changée"),
    "set_owner": _("Responsable changé"),
    "archive": _("Archivé"),
    "unarchive": _("Désarchivé"),
    "delete": _("Placé dans la corbeille"),
}
_UNCHANGED = {
    "tag": _("Avait déjà ces étiquettes"),
    "untag": _("N'avait pas ces étiquettes"),
    "set_category": _("Avait déjà cette catégorie"),
    "set_owner": _("Avait déjà ce responsable"),
    "archive": _("Déjà archivé"),
    "unarchive": _("N'était pas archivé"),
    "delete": _("Déjà dans la corbeille"),
}


def _bulk_chunk(
    organization: Organization,
    user: User | None,
    action: str,
    ids: list[int],
    argument: Any,
    source: str,
) -> dict[int, BulkOutcome]:
    columns = ("id", "name", "reference", "archived", "deleted_at", "category_id", "owner_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {Client._meta.db_table} "
            f"WHERE organization_id = %s AND id IN ({_id_list(ids)})",
            [organization.pk],
        )
        rows = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    outcomes: dict[int, BulkOutcome] = {}
    candidates: list[int] = []
    not_found = str(_("Client introuvable."))
    in_trash = str(_("Ce client est dans la corbeille."))
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            outcomes[pk] = BulkOutcome(pk, "not_found", "not_found", not_found)
            continue
        outcome = BulkOutcome(pk, "unchanged", name=row["name"], reference=row["reference"])
        outcomes[pk] = outcome
        if row["deleted_at"] is not None:
            if action != "delete":
                outcome.status, outcome.code = "refused", "deleted"
                outcome.message = in_trash
            continue
        candidates.append(pk)

    changes: dict[int, dict[str, dict[str, Any]]] = {}
    history_action = "update"
    updates: dict[str, Any] = {}
    if action in ("tag", "untag"):
        changes = _bulk_tags(organization.pk, candidates, argument, add=action == "tag")
    elif action == "set_category":
        target = argument.pk if argument is not None else None
        names = dict(
            Category.objects.filter(
                organization=organization,
                pk__in={rows[pk]["category_id"] for pk in candidates} - {None},
            ).values_list("id", "name")
        )
        new_name = argument.name if argument is not None else None
        for pk in candidates:
            old = rows[pk]["category_id"]
            if old != target:
                changes[pk] = {"category": {"old": names.get(old), "new": new_name}}
        updates = {"category_id": target}
    elif action == "set_owner":
        target = argument.pk if argument is not None else None
        for pk in candidates:
            old = rows[pk]["owner_id"]
            if old != target:
                changes[pk] = {"owner": {"old": old, "new": target}}
        updates = {"owner_id": target}
    elif action in ("archive", "unarchive"):
        wanted = action == "archive"
        history_action = action
        for pk in candidates:
            if rows[pk]["archived"] != wanted:
                changes[pk] = {"archived": {"old": not wanted, "new": wanted}}
        updates = {"archived": wanted, "archived_at": timezone.now() if wanted else None}
    elif action == "delete":
        history_action = "delete"
        blocked = _blockers_of_many(organization, candidates)
        for pk in candidates:
            if pk in blocked:
                outcome = outcomes[pk]
                outcome.status, outcome.code = "refused", "has_documents"
                outcome.message = str(
                    _(
                        "Impossible de supprimer « %(name)s » : ce client a %(what)s. "
                        "Archivez-le plutôt : il disparaîtra des listes et restera sur ses "
                        "documents."
                    )
                    % {"name": rows[pk]["name"], "what": _describe_blockers(blocked[pk])}
                )
            else:
                changes[pk] = {}
        updates = {"deleted_at": timezone.now()}
    changed = list(changes)
    if changed:
        _update_clients(organization.pk, changed, updates)
        record_changes(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            action=history_action,
            user=user,
            changes=changes,
            source=source,
        )
    for pk in changed:
        outcomes[pk].status = "done"
    messages = {"done": str(_DONE[action]), "unchanged": str(_UNCHANGED[action])}
    for outcome in outcomes.values():
        if outcome.status in messages:
            outcome.message = messages[outcome.status]
    return outcomes


def _bulk_tags(
    organization_id: int, client_ids: list[int], tags: list[Tag], *, add: bool
) -> dict[int, dict[str, dict[str, Any]]]:
    """Add (or remove) ``tags`` on the clients; returns the history changes of those
    whose tags changed."""
    current: dict[int, dict[int, str]] = {pk: {} for pk in client_ids}
    if not client_ids:
        return {}
    for client_id, tag_id, name in _client_tags(organization_id, client_ids):
        current[client_id][tag_id] = name
    wanted = {t.pk: t.name for t in tags}
    changes: dict[int, dict[str, dict[str, Any]]] = {}
    links: list[tuple[int, int, int]] = []
    removed: list[int] = []
    for pk, had in current.items():
        after = {**had, **wanted} if add else {k: v for k, v in had.items() if k not in wanted}
        if after.keys() == had.keys():
            continue
        if add:
            links += [(organization_id, pk, tag_id) for tag_id in wanted.keys() - had.keys()]
        else:
            removed.append(pk)
        changes[pk] = {
            "tags": {
                "old": sorted(had.values(), key=str.casefold),
                "new": sorted(after.values(), key=str.casefold),
            }
        }
    if links:
        insert_rows(ClientTag._meta.db_table, ("organization_id", "client_id", "tag_id"), links)
    if removed:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {ClientTag._meta.db_table} WHERE organization_id = %s "
                f"AND client_id IN ({_id_list(removed)}) AND tag_id IN ({_id_list(wanted)})",
                [organization_id],
            )
    return changes


# Bulk statements name their ids inline: they are integers checked by the caller, and a
# query with a hundred thousand parameters costs Django more to build than to run.
def _id_list(ids: Any) -> str:
    return ",".join(str(int(pk)) for pk in ids)


def _client_tags(organization_id: int, client_ids: list[int]) -> list[tuple[int, int, str]]:
    """(client id, tag id, tag name) of these clients' tags."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT link.client_id, link.tag_id, tag.name FROM {ClientTag._meta.db_table} link "
            f"JOIN {Tag._meta.db_table} tag ON tag.id = link.tag_id "
            f"WHERE link.organization_id = %s AND link.client_id IN ({_id_list(client_ids)})",
            [organization_id],
        )
        return cursor.fetchall()


def _update_clients(organization_id: int, ids: list[int], values: dict[str, Any]) -> None:
    """Set ``values`` (columns of the client table) on these clients, with a new version."""
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    assignments = ["version = version + 1", "updated_at = %s"]
    params: list[Any] = [adapt(now)]
    for column, value in values.items():
        assignments.append(f"{column} = %s")
        params.append(adapt(value) if isinstance(value, datetime.datetime) else value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Client._meta.db_table} SET {', '.join(assignments)} "
            f"WHERE organization_id = %s AND id IN ({_id_list(ids)})",
            [*params, organization_id],
        )


def _blockers_of_many(
    organization: Organization, client_ids: list[int]
) -> dict[int, dict[str, int]]:
    """What forbids deleting each of these clients: {client id: {code: count}}."""
    found: dict[int, dict[str, int]] = {}
    if not client_ids:
        return found
    for blocker in _DELETE_BLOCKERS:
        if blocker.count_many is not None:
            counts = blocker.count_many(organization.pk, client_ids)
        else:
            counts = {
                client.pk: blocker.count(client)
                for client in Client.objects.filter(organization=organization, pk__in=client_ids)
            }
        for pk, count in counts.items():
            if count:
                found.setdefault(pk, {})[blocker.code] = count
    return found


# --- Tags, categories and their groups --------------------------------------------------
TAG_OBJECT = "tag"
CATEGORY_OBJECT = "category"
CATEGORY_GROUP_OBJECT = "category_group"


def _label_name(value: Any, *, field: str, max_length: int) -> str:
    """A tag, category or group name: one line, single spaces, 1 to ``max_length``
    characters."""
    if not isinstance(value, str):
        raise ValidationFailed([FieldError(field, "invalid_type", _("Un nom est attendu."))])
    if "\x00" in value:
        raise ValidationFailed(
            [FieldError(field, "invalid_character", _("Caractère nul interdit."))]
        )
    name = " ".join(value.split())
    if not name:
        raise ValidationFailed([FieldError(field, "required", _("Le nom est obligatoire."))])
    if len(name) > max_length:
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    "too_long",
                    _("%(max)d caractères au maximum (%(length)d saisis).")
                    % {"max": max_length, "length": len(name)},
                )
            ]
        )
    return name


def _same_name(
    model: type[Tag] | type[Category] | type[CategoryGroup],
    organization: Organization,
    name: str,
    *,
    exclude_id: int | None = None,
) -> Any:
    """Another of the organization's tags (or categories, or groups) with this name, in
    any case ("vip" and "VIP" are one tag)."""
    wanted = name.casefold()
    candidates = model.objects.filter(organization=organization)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    if name.isascii():
        candidates = candidates.filter(name__iexact=name)
    return next((other for other in candidates[:10_000] if other.name.casefold() == wanted), None)


def _check_name_free(
    model: type[Tag] | type[Category] | type[CategoryGroup],
    organization: Organization,
    name: str,
    message: Any,
    *,
    exclude_id: int | None = None,
) -> None:
    """``Conflict`` (code ``duplicate``, with the other one's id) when another of the
    organization's tags (categories, groups) has this name; ``message`` names it."""
    existing = _same_name(model, organization, name, exclude_id=exclude_id)
    if existing is not None:
        raise Conflict(message % {"name": existing.name}, code="duplicate", existing_id=existing.pk)


def get_tag(organization: Organization, tag_id: Any) -> Tag:
    pk = parse_id(tag_id)
    tag = Tag.objects.filter(organization=organization, pk=pk).first() if pk else None
    if tag is None:
        raise NotFound(_("Étiquette introuvable."))
    return tag


def get_category(organization: Organization, category_id: Any) -> Category:
    pk = parse_id(category_id)
    category = (
        Category.objects.filter(organization=organization, pk=pk).select_related("group").first()
        if pk
        else None
    )
    if category is None:
        raise NotFound(_("Catégorie introuvable."))
    return category


def get_category_group(organization: Organization, group_id: Any) -> CategoryGroup:
    pk = parse_id(group_id)
    group = CategoryGroup.objects.filter(organization=organization, pk=pk).first() if pk else None
    if group is None:
        raise NotFound(_("Groupe de catégories introuvable."))
    return group


def _record_label_change(
    organization: Organization,
    user: User | None,
    object_type: str,
    object_id: int,
    action: str,
    changes: dict[str, dict[str, Any]],
    source: str,
) -> None:
    record_change(
        organization_id=organization.pk,
        object_type=object_type,
        object_id=object_id,
        action=action,
        user=user,
        changes=changes,
        source=source,
    )


def _tag_lists(organization_id: int, client_ids: list[int]) -> dict[int, list[str]]:
    """Each client's tag names, sorted as the record shows them."""
    lists: dict[int, list[str]] = {pk: [] for pk in client_ids}
    for start in range(0, len(client_ids), _BULK_CHUNK):
        chunk = client_ids[start : start + _BULK_CHUNK]
        for client_id, _tag_id, name in _client_tags(organization_id, chunk):
            lists[client_id].append(name)
    return {pk: sorted(names, key=str.casefold) for pk, names in lists.items()}


def _touch_clients(
    organization: Organization,
    user: User | None,
    changes: dict[int, dict[str, dict[str, Any]]],
    source: str,
) -> None:
    """New versions and history entries for clients a list change (merge, delete)
    changed."""
    ids = list(changes)
    for start in range(0, len(ids), _BULK_CHUNK):
        _update_clients(organization.pk, ids[start : start + _BULK_CHUNK], {})
    record_changes(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        action="update",
        user=user,
        changes=changes,
        source=source,
    )


@transaction.atomic
def create_tag(
    organization: Organization, user: User | None, name: Any, *, source: str = ""
) -> Tag:
    """A new tag, refused (``Conflict``) when one with the same name exists."""
    clean = _label_name(name, field="name", max_length=64)
    _check_name_free(Tag, organization, clean, _("L'étiquette « %(name)s » existe déjà."))
    tag = Tag.objects.create(organization=organization, name=clean)
    _record_label_change(
        organization,
        user,
        TAG_OBJECT,
        tag.pk,
        "create",
        {"name": {"old": None, "new": clean}},
        source,
    )
    return tag


@transaction.atomic
def rename_tag(
    organization: Organization, user: User | None, tag_id: Any, name: Any, *, source: str = ""
) -> Tag:
    """Rename a tag everywhere at once. Another tag already has the name: ``Conflict``
    (merge them instead)."""
    tag = get_tag(organization, tag_id)
    clean = _label_name(name, field="name", max_length=64)
    _check_name_free(
        Tag,
        organization,
        clean,
        _(
            "L'étiquette « %(name)s » existe déjà : fusionnez les deux étiquettes plutôt "
            "que de les renommer pareil."
        ),
        exclude_id=tag.pk,
    )
    if clean != tag.name:
        _record_label_change(
            organization,
            user,
            TAG_OBJECT,
            tag.pk,
            "update",
            {"name": {"old": tag.name, "new": clean}},
            source,
        )
        tag.name = clean
        tag.save(update_fields=["name"])
    return tag


@transaction.atomic
def merge_tags(
    organization: Organization,
    user: User | None,
    tag_id: Any,
    into_id: Any,
    *,
    source: str = "",
) -> int:
    """Give the clients of ``tag_id`` the tag ``into_id`` instead, then delete
    ``tag_id``. Returns how many clients changed; each records it in its history."""
    tag = get_tag(organization, tag_id)
    into = get_tag(organization, into_id)
    if tag.pk == into.pk:
        raise ValidationFailed(
            [FieldError("into", "same_tag", _("Choisissez une autre étiquette que celle-ci."))]
        )
    client_ids = list(
        ClientTag.objects.filter(organization=organization, tag=tag).values_list(
            "client_id", flat=True
        )
    )
    before = _tag_lists(organization.pk, client_ids)
    changes: dict[int, dict[str, dict[str, Any]]] = {}
    for pk, names in before.items():
        after = sorted({n for n in names if n != tag.name} | {into.name}, key=str.casefold)
        changes[pk] = {"tags": {"old": names, "new": after}}
    both = ClientTag.objects.filter(organization=organization, tag=into).values("client_id")
    ClientTag.objects.filter(organization=organization, tag=tag, client_id__in=both).delete()
    ClientTag.objects.filter(organization=organization, tag=tag).update(tag=into)
    _touch_clients(organization, user, changes, source)
    _record_label_change(
        organization,
        user,
        TAG_OBJECT,
        tag.pk,
        "merge",
        {
            "name": {"old": tag.name, "new": into.name},
            "clients": {"old": None, "new": len(changes)},
        },
        source,
    )
    tag.delete()
    return len(changes)


@transaction.atomic
def delete_tag(
    organization: Organization, user: User | None, tag_id: Any, *, source: str = ""
) -> int:
    """Delete a tag and take it off its clients. Returns how many clients lost it; each
    records it in its history."""
    tag = get_tag(organization, tag_id)
    client_ids = list(
        ClientTag.objects.filter(organization=organization, tag=tag).values_list(
            "client_id", flat=True
        )
    )
    before = _tag_lists(organization.pk, client_ids)
    changes = {
        pk: {"tags": {"old": names, "new": [n for n in names if n != tag.name]}}
        for pk, names in before.items()
    }
    ClientTag.objects.filter(organization=organization, tag=tag).delete()
    _touch_clients(organization, user, changes, source)
    _record_label_change(
        organization,
        user,
        TAG_OBJECT,
        tag.pk,
        "delete",
        {"name": {"old": tag.name, "new": None}, "clients": {"old": len(changes), "new": None}},
        source,
    )
    tag.delete()
    return len(changes)


def _group_for(organization: Organization, group: Any) -> CategoryGroup | None:
    if group in (None, ""):
        return None
    pk = parse_id(group) if not isinstance(group, bool) else None
    found = CategoryGroup.objects.filter(organization=organization, pk=pk).first() if pk else None
    if found is None:
        raise ValidationFailed(
            [FieldError("group", "unknown_group", _("Ce groupe de catégories n'existe pas."))]
        )
    return found


@transaction.atomic
def create_category(
    organization: Organization,
    user: User | None,
    name: Any,
    *,
    group: Any = None,
    source: str = "",
) -> Category:
    clean = _label_name(name, field="name", max_length=100)
    in_group = _group_for(organization, group)
    _check_name_free(Category, organization, clean, _("La catégorie « %(name)s » existe déjà."))
    category = Category.objects.create(organization=organization, name=clean, group=in_group)
    _record_label_change(
        organization,
        user,
        CATEGORY_OBJECT,
        category.pk,
        "create",
        {
            "name": {"old": None, "new": clean},
            "group": {"old": None, "new": in_group.name if in_group else None},
        },
        source,
    )
    return category


@transaction.atomic
def update_category(
    organization: Organization,
    user: User | None,
    category_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> Category:
    """Rename a category or move it to another group (``data``: ``name``, ``group``: a
    group id or None)."""
    category = get_category(organization, category_id)
    unknown = sorted(set(data) - {"name", "group"})
    if unknown:
        raise ValidationFailed(
            [FieldError(f, "unknown_field", _("Ce champ n'existe pas.")) for f in unknown]
        )
    changes: dict[str, dict[str, Any]] = {}
    if "name" in data:
        clean = _label_name(data["name"], field="name", max_length=100)
        existing = _same_name(Category, organization, clean, exclude_id=category.pk)
        if existing is not None:
            raise Conflict(
                _(
                    "La catégorie « %(name)s » existe déjà : fusionnez les deux catégories "
                    "plutôt que de les renommer pareil."
                )
                % {"name": existing.name},
                code="duplicate",
                existing_id=existing.pk,
            )
        if clean != category.name:
            changes["name"] = {"old": category.name, "new": clean}
            category.name = clean
    if "group" in data:
        group = _group_for(organization, data["group"])
        if (group.pk if group else None) != category.group_id:
            changes["group"] = {
                "old": category.group.name if category.group else None,
                "new": group.name if group else None,
            }
            category.group = group
    if changes:
        category.save(update_fields=["name", "group"])
        _record_label_change(
            organization, user, CATEGORY_OBJECT, category.pk, "update", changes, source
        )
    return category


def _move_category_clients(
    organization: Organization,
    user: User | None,
    category: Category,
    into: Category | None,
    source: str,
) -> int:
    client_ids = list(
        Client.objects.filter(organization=organization, category=category).values_list(
            "id", flat=True
        )
    )
    changes = {
        pk: {"category": {"old": category.name, "new": into.name if into else None}}
        for pk in client_ids
    }
    Client.objects.filter(organization=organization, category=category).update(category=into)
    _touch_clients(organization, user, changes, source)
    return len(changes)


@transaction.atomic
def merge_categories(
    organization: Organization,
    user: User | None,
    category_id: Any,
    into_id: Any,
    *,
    source: str = "",
) -> int:
    """Move the clients of ``category_id`` to ``into_id``, then delete ``category_id``."""
    category = get_category(organization, category_id)
    into = get_category(organization, into_id)
    if category.pk == into.pk:
        raise ValidationFailed(
            [FieldError("into", "same_category", _("Choisissez une autre catégorie que celle-ci."))]
        )
    count = _move_category_clients(organization, user, category, into, source)
    _record_label_change(
        organization,
        user,
        CATEGORY_OBJECT,
        category.pk,
        "merge",
        {"name": {"old": category.name, "new": into.name}, "clients": {"old": None, "new": count}},
        source,
    )
    category.delete()
    return count


@transaction.atomic
def delete_category(
    organization: Organization, user: User | None, category_id: Any, *, source: str = ""
) -> int:
    """Delete a category; its clients are left without one. Returns how many."""
    category = get_category(organization, category_id)
    count = _move_category_clients(organization, user, category, None, source)
    _record_label_change(
        organization,
        user,
        CATEGORY_OBJECT,
        category.pk,
        "delete",
        {"name": {"old": category.name, "new": None}, "clients": {"old": count, "new": None}},
        source,
    )
    category.delete()
    return count


@transaction.atomic
def create_category_group(
    organization: Organization, user: User | None, name: Any, *, source: str = ""
) -> CategoryGroup:
    clean = _label_name(name, field="name", max_length=100)
    _check_name_free(CategoryGroup, organization, clean, _("Le groupe « %(name)s » existe déjà."))
    group = CategoryGroup.objects.create(organization=organization, name=clean)
    _record_label_change(
        organization,
        user,
        CATEGORY_GROUP_OBJECT,
        group.pk,
        "create",
        {"name": {"old": None, "new": clean}},
        source,
    )
    return group


@transaction.atomic
def rename_category_group(
    organization: Organization, user: User | None, group_id: Any, name: Any, *, source: str = ""
) -> CategoryGroup:
    group = get_category_group(organization, group_id)
    clean = _label_name(name, field="name", max_length=100)
    _check_name_free(
        CategoryGroup,
        organization,
        clean,
        _("Le groupe « %(name)s » existe déjà."),
        exclude_id=group.pk,
    )
    if clean != group.name:
        _record_label_change(
            organization,
            user,
            CATEGORY_GROUP_OBJECT,
            group.pk,
            "update",
            {"name": {"old": group.name, "new": clean}},
            source,
        )
        group.name = clean
        group.save(update_fields=["name"])
    return group


@transaction.atomic
def delete_category_group(
    organization: Organization, user: User | None, group_id: Any, *, source: str = ""
) -> int:
    """Delete a group; its categories stay, outside any group. Returns how many."""
    group = get_category_group(organization, group_id)
    count = Category.objects.filter(organization=organization, group=group).update(group=None)
    _record_label_change(
        organization,
        user,
        CATEGORY_GROUP_OBJECT,
        group.pk,
        "delete",
        {"name": {"old": group.name, "new": None}, "categories": {"old": count, "new": None}},
        source,
    )
    group.delete()
    return count


# --- Saved views ------------------------------------------------------------------------
def _visible(organization: Organization, user: User) -> QuerySet[SavedView]:
    return (
        SavedView.objects.filter(organization=organization)
        .filter(Q(user=user) | Q(shared=True))
        .select_related("user")
    )


def visible_views(organization: Organization, user: User) -> list[SavedView]:
    """The user's own saved views and those shared with the organization, by name."""
    return sorted(_visible(organization, user), key=lambda v: (fold(v.name), v.pk))


def get_saved_view(organization: Organization, user: User, view_id: Any) -> SavedView:
    """A saved view the user can see (their own or a shared one), else ``NotFound``."""
    pk = parse_id(view_id)
    view = _visible(organization, user).filter(pk=pk).first() if pk else None
    if view is None:
        raise NotFound(_("Vue introuvable."))
    return view


def can_change_view(view: SavedView, user: User, *, is_admin: bool) -> bool:
    """Only its author changes a view; an administrator may also change a shared one."""
    return view.user_id == user.pk or (view.shared and is_admin)


def _view_params(organization: Organization, params: Any) -> dict[str, Any]:
    from .queries import ClientFilter

    if not isinstance(params, dict):
        raise ValidationFailed(
            [
                FieldError(
                    "params", "invalid_type", _("Un objet de paramètres de liste est attendu.")
                )
            ]
        )
    kept = {k: v for k, v in params.items() if k not in ("cursor", "limit")}
    try:
        spec = ClientFilter.from_params(kept, organization=organization, strict=True)
    except ValidationFailed as exc:
        raise ValidationFailed(
            [FieldError(f"params.{e.field}", e.code, e.message) for e in exc.errors]
        ) from None
    return spec.params()


def _check_view_name_free(
    organization: Organization, user: User, name: str, *, exclude_id: int | None = None
) -> None:
    others = SavedView.objects.filter(organization=organization, user=user)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    if any(other.casefold() == name.casefold() for other in others.values_list("name", flat=True)):
        raise Conflict(
            _("Vous avez déjà une vue nommée « %(name)s ».") % {"name": name}, code="duplicate"
        )


@transaction.atomic
def save_view(
    organization: Organization,
    user: User,
    name: Any,
    params: Any,
    *,
    shared: bool = False,
) -> SavedView:
    """Keep a list's filters and sort under a name, for the user or for everyone."""
    clean = _label_name(name, field="name", max_length=100)
    values = _view_params(organization, params)
    _check_view_name_free(organization, user, clean)
    return SavedView.objects.create(
        organization=organization, user=user, name=clean, params=values, shared=bool(shared)
    )


@transaction.atomic
def update_view(
    organization: Organization,
    user: User,
    view_id: Any,
    data: dict[str, Any],
    *,
    is_admin: bool = False,
) -> SavedView:
    view = get_saved_view(organization, user, view_id)
    if not can_change_view(view, user, is_admin=is_admin):
        raise PermissionDenied(_("Seul l'auteur de cette vue peut la modifier."))
    if "name" in data:
        view.name = _label_name(data["name"], field="name", max_length=100)
        _check_view_name_free(organization, view.user, view.name, exclude_id=view.pk)
    if "params" in data:
        view.params = _view_params(organization, data["params"])
    if "shared" in data:
        view.shared = bool(data["shared"])
    view.save()
    return view


@transaction.atomic
def delete_view(
    organization: Organization, user: User, view_id: Any, *, is_admin: bool = False
) -> None:
    view = get_saved_view(organization, user, view_id)
    if not can_change_view(view, user, is_admin=is_admin):
        raise PermissionDenied(_("Seul l'auteur de cette vue peut la supprimer."))
    view.delete()


# --- Many clients at once (imports) -----------------------------------------------------
# The importer validates each row with ``clean_client_input`` like a form does, then hands
# the clean values here by thousands: the same rules (owners of the organization,
# categories and tags by name, generated references, derived columns, the value index of
# custom fields, one history entry per client) applied with set-based statements.

_CLIENT_TABLE = Client._meta.db_table
_CREATED_COLUMNS: tuple[str, ...] = (
    "id",
    "organization_id",
    *(f for f in EDITABLE_COLUMNS_ORDER if f not in RELATION_FIELDS),
    "category_id",
    "owner_id",
    *(f"{field}_id" for field in _PAYMENT_RELATIONS),
    "vat_regime",
    "search_text",
    "sort_name",
    "revenue",
    "archived",
    "version",
    "created_at",
    "updated_at",
    "created_by_id",
)
# Plain columns an update may change (tags are links, the other relations are ids).
_UPDATED_COLUMNS = frozenset(EDITABLE_COLUMNS_ORDER) - set(RELATION_FIELDS)


def _payment_relations_of(
    organization: Organization, items: list[dict[str, Any]]
) -> dict[str, dict[Any, int]]:
    """For many clients' values at once: each payment relation's ids by the values that
    name them (a folded name, an account id). Refuses a value the organization has no
    row for (the importer checks them per row; this guards every other caller)."""
    found: dict[str, dict[Any, int]] = {}
    for field in _PAYMENT_RELATIONS:
        wanted = {v[field] for v in items if v[field] not in (None, "")}
        ids: dict[Any, int] = {}
        if wanted:
            if field == "pays_into":
                ids = {pk: pk for pk in payments.bank_account_ids(organization, wanted)}
            else:
                ids = payments.item_ids(organization, field)
                wanted = {name.casefold() for name in wanted}
            missing = sorted(str(value) for value in wanted - set(ids))
            if missing:
                _payment_relation(organization, field, missing[0])  # raises on the field
        found[field] = ids
    return found


def _payment_relation_id(relations: dict[str, dict[Any, int]], field: str, value: Any) -> Any:
    if value in (None, ""):
        return None
    return relations[field][value.casefold() if isinstance(value, str) else value]


def _owners_of(organization: Organization, owner_ids: set[int]) -> None:
    """Refuse owners who are not members of the organization (the importer checks them
    per row; this guards every other caller)."""
    if not owner_ids:
        return
    members = set(
        Membership.objects.filter(organization=organization, user_id__in=owner_ids).values_list(
            "user_id", flat=True
        )
    )
    if owner_ids - members:
        raise ValidationFailed(
            [
                FieldError(
                    "owner",
                    "unknown_user",
                    _("Cet utilisateur n'est pas membre de l'organisation."),
                )
            ]
        )


LabelT = TypeVar("LabelT", Tag, Category)


def _labels_named(
    model: type[LabelT], organization: Organization, names: set[str]
) -> dict[str, LabelT]:
    """The organization's tags or categories by folded name, created when missing."""
    found: dict[str, LabelT] = {}
    if not names:
        return found
    wanted = {name.casefold(): name for name in names}
    for label in model.objects.filter(organization=organization):
        if label.name.casefold() in wanted:
            found[label.name.casefold()] = label
    missing = [name for folded, name in wanted.items() if folded not in found]
    for label in model.objects.bulk_create(
        model(organization=organization, name=n) for n in missing
    ):
        found[label.name.casefold()] = label
    return found


def _generated_references(organization: Organization, count: int) -> list[str]:
    """``count`` free references of the form CLI-00042, in one go."""
    references: list[str] = []
    while len(references) < count:
        wanted = count - len(references)
        candidates = [
            f"CLI-{value:05d}"
            for value in reserve_values(organization.pk, "client_reference", wanted)
        ]
        taken = set(
            Client.objects.filter(organization=organization, reference__in=candidates).values_list(
                "reference", flat=True
            )
        )
        references += [reference for reference in candidates if reference not in taken]
    return references


def _custom_index_rows(
    organization_id: int, client_id: int, definitions: Any, values: dict[str, Any]
) -> list[tuple[int, int, int, str]]:
    from carnet.customfields.validation import value_keys

    return [
        (organization_id, field.pk, client_id, key)
        for field in definitions
        if field.slug in values
        for key in value_keys(field, values[field.slug])
    ]


# One encoder for the many values of a bulk write (``json.dumps`` with options builds one
# per call).
_JSON = DjangoJSONEncoder(ensure_ascii=False)


def _json_text(value: Any) -> str:
    return _JSON.encode(value)


def create_clients_bulk(
    organization: Organization,
    user: User | None,
    items: list[dict[str, Any]],
    *,
    definitions: Any,
    contact_names: list[list[str]] | None = None,
    extra_changes: list[dict[str, dict[str, Any]]] | None = None,
    prepared: list[PreparedCreation | None] | None = None,
    source: str = "",
    context: str = "",
) -> list[int]:
    """Create many clients from values ``clean_client_input`` returned, in the caller's
    transaction; returns their ids in the order given.

    The caller has checked exact duplicates (e-mail, SIRET) and references against the
    base and between the items; the unique indexes still stand guard (an
    ``IntegrityError`` then undoes the caller's whole transaction). ``contact_names``
    (per item) are the names of contacts created with them, for search;
    ``extra_changes`` (per item) join the creation's history entry (the main contact,
    the addresses written alongside). ``prepared`` (per item, or None) is what
    ``prepare_creation`` computed beforehand for an item with its reference, perhaps in
    another process: the importer validates rows on every core.
    """
    if not items:
        return []
    from carnet.customfields.models import CustomFieldValue

    _owners_of(organization, {v["owner"] for v in items if v["owner"] is not None})
    categories = _labels_named(
        Category, organization, {v["category"] for v in items if v["category"]}
    )
    tags = _labels_named(Tag, organization, {name for v in items for name in v["tags"]})
    relations = _payment_relations_of(organization, items)
    references = iter(_generated_references(organization, sum(not v["reference"] for v in items)))
    ids = allocate_ids(_CLIENT_TABLE, len(items))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = user.pk if user is not None and user.pk else None
    rows = []
    links: list[tuple[int, int, int]] = []
    index_rows: list[tuple[int, int, int, str]] = []
    changes: dict[int, str] = {}
    for position, (client_id, values) in enumerate(zip(ids, items, strict=True)):
        ready = prepared[position] if prepared else None
        if not values["reference"]:
            values = {**values, "reference": next(references)}
            ready = None  # the reference is part of what was prepared
        if ready is None:
            ready = prepare_creation(
                values,
                contact_names[position] if contact_names else [],
                extra_changes[position] if extra_changes else None,
            )
        derived = ready.derived
        category = categories[values["category"].casefold()] if values["category"] else None
        row: list[Any] = [client_id, organization.pk]
        for field in _CREATED_COLUMNS[2:]:
            if field == "category_id":
                row.append(category.pk if category else None)
            elif field == "owner_id":
                row.append(values["owner"])
            elif field in ("price_category_id", "carrier_id", "pays_into_id"):
                row.append(_payment_relation_id(relations, field[:-3], values[field[:-3]]))
            elif field in derived:
                row.append(derived[field])
            elif field == "custom_fields":
                row.append(_json_text(values["custom_fields"]))
            elif field == "revenue":
                row.append(0)
            elif field == "archived":
                row.append(False)
            elif field == "version":
                row.append(1)
            elif field in ("created_at", "updated_at"):
                row.append(now)
            elif field == "created_by_id":
                row.append(user_id)
            else:
                row.append(values[field])
        rows.append(row)
        links += [(organization.pk, client_id, tags[n.casefold()].pk) for n in values["tags"]]
        if values["custom_fields"]:
            index_rows += _custom_index_rows(
                organization.pk, client_id, definitions, values["custom_fields"]
            )
        changes[client_id] = ready.history
    if connection.vendor == "sqlite":
        # The search index (FTS5) takes its entries fastest in the order of its keys: a
        # key lower than the previous one makes it write what it holds in memory first
        # (``search_index_deferred`` does better for many chunks).
        sort_at, id_at = _CREATED_COLUMNS.index("sort_name"), _CREATED_COLUMNS.index("id")
        rows.sort(key=lambda row: search.name_key(row[sort_at], row[id_at]))
    insert_rows(_CLIENT_TABLE, _CREATED_COLUMNS, rows, adapted=True)
    if links:
        insert_rows(
            ClientTag._meta.db_table,
            ("organization_id", "client_id", "tag_id"),
            links,
            adapted=True,
        )
    if index_rows:
        insert_rows(
            CustomFieldValue._meta.db_table,
            ("organization_id", "field_id", "client_id", "value"),
            index_rows,
            adapted=True,
        )
    record_changes(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        action="create",
        user=user,
        changes=changes,
        source=source,
        context=context,
    )
    return ids


_BLANKS: tuple[Any, ...] = ("", None, [], {}, False)


@dataclass
class PreparedCreation:
    """What creating a client derives from its values: its computed columns and its history
    entry, as JSON text."""

    derived: dict[str, Any]
    history: str


def prepare_creation(
    values: dict[str, Any],
    contact_names: list[str],
    extra_changes: dict[str, dict[str, Any]] | None = None,
) -> PreparedCreation:
    """The computed columns and the history entry of a client created from ``values``
    (with its reference): pure computation, done once per client."""
    history = _creation_changes(values)
    if extra_changes:
        history.update(extra_changes)
    return PreparedCreation(_derived(values, contact_names), _json_text(history))


def _creation_changes(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The history of a creation, as ``create_client`` records it (every value given,
    each custom field on its own), built directly: a hundred thousand at a time."""
    from carnet.core.history import to_json

    changes = {
        field: {"old": None, "new": value if type(value) is str else to_json(value)}
        for field, value in values.items()
        if field != "custom_fields" and value not in _BLANKS
    }
    for slug, value in (values.get("custom_fields") or {}).items():
        if value is not None:
            changes[f"custom_fields.{slug}"] = {"old": None, "new": value}
    return changes


@dataclass
class ClientUpdate:
    """One client's change in a bulk update: its values before (``current_values`` shape,
    as read with the ``version`` the change is based on) and after (from
    ``clean_client_input``)."""

    client_id: int
    version: int
    before: dict[str, Any]
    after: dict[str, Any]
    extra_changes: dict[str, dict[str, Any]] | None = None


def update_clients_bulk(
    organization: Organization,
    user: User | None,
    items: list[ClientUpdate],
    *,
    definitions: Any,
    source: str = "",
    context: str = "",
) -> dict[int, int]:
    """Apply many clients' changes in the caller's transaction, each client with a new
    version and one history entry listing its changed fields. Returns the new version of
    each client that changed.

    Refuses with ``StaleVersion`` (and the caller's transaction rolls back) when a client
    is no longer at the version its change was computed from, or went to the trash.
    """
    from carnet.customfields.models import CustomFieldValue

    changed: dict[int, tuple[ClientUpdate, dict[str, dict[str, Any]]]] = {}
    for item in items:
        changes = _changes(item.before, item.after)
        if item.extra_changes:
            changes.update(item.extra_changes)
        if changes:
            changed[item.client_id] = (item, changes)
    if not changed:
        return {}
    afters = [item.after for item, _c in changed.values()]
    _owners_of(organization, {v["owner"] for v in afters if v["owner"] is not None})
    categories = _labels_named(
        Category, organization, {v["category"] for v in afters if v["category"]}
    )
    tags = _labels_named(Tag, organization, {name for v in afters for name in v["tags"]})
    relations = _payment_relations_of(organization, afters)
    names = contact_names(organization.pk, list(changed))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # One statement per set of changed columns, run for every client that shares it.
    statements: dict[tuple[str, ...], list[list[Any]]] = {}
    tag_changes: dict[int, list[str]] = {}
    custom_changes: dict[int, dict[str, Any]] = {}
    for client_id, (item, changes) in changed.items():
        after = item.after
        columns = sorted(
            {f for f in changes if f in _UPDATED_COLUMNS}
            | ({"custom_fields"} if any(f.startswith("custom_fields.") for f in changes) else set())
        )
        assignments: list[Any] = []
        for column in columns:
            value = after[column]
            assignments.append(_json_text(value) if column == "custom_fields" else value)
        if "category" in changes:
            columns.append("category_id")
            category = categories[after["category"].casefold()] if after["category"] else None
            assignments.append(category.pk if category else None)
        if "owner" in changes:
            columns.append("owner_id")
            assignments.append(after["owner"])
        for field in _PAYMENT_RELATIONS:
            if field in changes:
                columns.append(f"{field}_id")
                assignments.append(_payment_relation_id(relations, field, after[field]))
        derived = _derived(after, names.get(client_id))
        columns += list(derived)
        assignments += list(derived.values())
        statements.setdefault(tuple(columns), []).append(
            [*assignments, now, client_id, organization.pk, item.version]
        )
        if "tags" in changes:
            tag_changes[client_id] = after["tags"]
        if any(f.startswith("custom_fields.") for f in changes):
            custom_changes[client_id] = after["custom_fields"]
    with connection.cursor() as cursor:
        for statement_columns, params in statements.items():
            sets = ", ".join(f"{column} = %s" for column in statement_columns)
            total = 0
            for start in range(0, len(params), 1000):
                batch = params[start : start + 1000]
                cursor.executemany(
                    f"UPDATE {_CLIENT_TABLE} SET {sets}, version = version + 1, "
                    "updated_at = %s WHERE id = %s AND organization_id = %s AND version = %s "
                    "AND deleted_at IS NULL",
                    batch,
                )
                total += cursor.rowcount
            if total != len(params):
                raise StaleVersion(
                    _(
                        "Des clients ont été modifiés par quelqu'un d'autre pendant l'import : "
                        "relancez la vérification."
                    ),
                    current_version=0,
                )
    if tag_changes:
        ClientTag.objects.filter(
            organization=organization, client_id__in=list(tag_changes)
        ).delete()
        insert_rows(
            ClientTag._meta.db_table,
            ("organization_id", "client_id", "tag_id"),
            [
                (organization.pk, client_id, tags[name.casefold()].pk)
                for client_id, tag_names in tag_changes.items()
                for name in tag_names
            ],
        )
    if custom_changes:
        CustomFieldValue.objects.filter(
            organization=organization, client_id__in=list(custom_changes)
        ).delete()
        insert_rows(
            CustomFieldValue._meta.db_table,
            ("organization_id", "field_id", "client_id", "value"),
            [
                row
                for client_id, values in custom_changes.items()
                for row in _custom_index_rows(organization.pk, client_id, definitions, values)
            ],
        )
    record_changes(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        action="update",
        user=user,
        changes={client_id: changes for client_id, (_item, changes) in changed.items()},
        source=source,
        context=context,
    )
    return {client_id: item.version + 1 for client_id, (item, _c) in changed.items()}


def purge_clients_bulk(
    organization: Organization,
    user: User | None,
    client_ids: list[int],
    *,
    source: str = "",
    context: str = "",
) -> None:
    """Delete clients for good, in the caller's transaction (an import rolled back removes
    the clients it created): their tags, addresses, custom values and contact links go
    with them, and their contacts too when no other client has them. The history keeps
    a "purge" entry for each."""
    from carnet.contacts.models import ClientContact, Contact

    if not client_ids:
        return
    record_changes(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        action="purge",
        user=user,
        changes={pk: {} for pk in client_ids},
        source=source,
        context=context,
    )
    contact_ids = set(
        ClientContact.objects.filter(
            organization=organization, client_id__in=client_ids
        ).values_list("contact_id", flat=True)
    )
    Client.objects.filter(organization=organization, pk__in=client_ids).delete()
    if contact_ids:
        Contact.objects.filter(organization=organization, pk__in=contact_ids).exclude(
            links__isnull=False
        ).delete()


@contextmanager
def search_index_deferred() -> Iterator[None]:
    """Inside the caller's transaction, let many new clients into the search index at
    the end, in one sorted pass, instead of one by one (SQLite only; PostgreSQL's index
    needs nothing).

    The FTS5 trigram index takes rows fastest in the order of its keys; clients inserted
    chunk after chunk arrive in every order. So the insertion trigger is dropped for the
    duration, and put back before the clients created meanwhile are indexed. Both are
    part of the caller's transaction: a rollback (a crash, a cancellation) restores the
    trigger, and no other connection writes clients in between (SQLite has one writer).
    """
    if connection.vendor != "sqlite":
        yield
        return
    trigger = f"{search.FTS_TABLE}_insert"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger]
        )
        row = cursor.fetchone()
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_CLIENT_TABLE}")
        highest = cursor.fetchone()[0]
        if row is None:  # already deferred by an enclosing caller
            yield
            return
        cursor.execute(f"DROP TRIGGER {trigger}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(row[0])
        cursor.execute(
            f"INSERT INTO {search.FTS_TABLE}(rowid, search_text) "
            f"SELECT carnet_name_key(sort_name, id) AS key, search_text FROM {_CLIENT_TABLE} "
            "WHERE id > %s ORDER BY key",
            [highest],
        )
