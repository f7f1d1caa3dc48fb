"""The only code that writes clients. UI, API, importer and CLI all call these functions.

Each function takes the acting organization and user explicitly, validates, writes in
one transaction and records the change in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carnet.accounts.models import Membership, Organization, User
from carnet.core import identifiers
from carnet.core.errors import Conflict, FieldError, NotFound, StaleVersion, ValidationFailed
from carnet.core.history import diff, record_change
from carnet.core.ids import parse_id
from carnet.core.sequences import next_value
from carnet.core.text import fold

from . import search
from .models import Category, Client, ClientTag, Tag
from .validation import clean_client_input, current_values

OBJECT_TYPE = "client"


# --- Delete blockers --------------------------------------------------------------------
@dataclass(frozen=True)
class DeleteBlocker:
    """Something attached to a client that forbids deleting it (documents, payments…)."""

    code: str
    label: Callable[[int], str]
    count: Callable[[Client], int]


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
    client = queryset.select_related("category", "owner").first()
    if client is None:
        raise NotFound(_("Client introuvable."))
    return client


def _derived(values: dict[str, Any]) -> dict[str, Any]:
    """Columns computed from the editable values."""
    return {
        "vat_regime": identifiers.vat_regime(
            kind=values["kind"], country=values["country"], vat_number=values["vat_number"]
        ),
        "search_text": search.search_text(values),
        "sort_name": fold(values["name"])[:100],
    }


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


def _set_tags(client: Client, names: list[str]) -> None:
    organization_id = client.organization_id
    tags = []
    for name in names:
        tag: Tag | None = (
            Tag.objects.annotate(name_lower=Lower("name"))
            .filter(organization_id=organization_id, name_lower=Lower(Value(name)))
            .first()
        )
        if tag is None:
            tag = Tag.objects.create(organization_id=organization_id, name=name)
        tags.append(tag)
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


def _model_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The values that are plain columns (not tags, category, owner)."""
    return {k: v for k, v in values.items() if k not in {"tags", "category", "owner"}}


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
    values = clean_client_input(data)
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
                **_model_fields(values),
                **_derived(values),
            )
            client.save()
            _set_tags(client, values["tags"])
            record_change(
                organization_id=organization.pk,
                object_type=OBJECT_TYPE,
                object_id=client.pk,
                action="create",
                user=user,
                changes=diff(
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
) -> Client:
    """Apply a partial change. With ``expected_version``, refuse with ``StaleVersion`` when
    someone else changed the client since that version was read."""
    with transaction.atomic():
        client = get_client(organization, client_id, for_update=True)
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
        values = clean_client_input(data, existing=before)
        if not values["reference"]:
            values["reference"] = before["reference"]
        changes = diff(before, values)
        if not changes:
            return client
        if "owner" in changes:
            client.owner = _check_owner(organization, values["owner"])
        _check_duplicates(organization, values, exclude_id=client.pk)
        if "reference" in changes:
            _check_reference_free(organization, values["reference"], exclude_id=client.pk)
        if "category" in changes:
            client.category = _category(organization, values["category"])
        for field, value in {**_model_fields(values), **_derived(values)}.items():
            setattr(client, field, value)
        # The version check in the WHERE clause makes the update safe even where the
        # database ignores row locks (SQLite): a concurrent winner leaves 0 rows here.
        try:
            with transaction.atomic():
                fields = {**_model_fields(values), **_derived(values)}
                updated = Client.objects.filter(pk=client.pk, version=client.version).update(
                    **fields,
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
        except IntegrityError:
            _integrity_to_conflict(organization, values, client.pk)
        client.refresh_from_db()
        record_change(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            object_id=client.pk,
            action="update",
            user=user,
            changes=changes,
            source=source,
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
