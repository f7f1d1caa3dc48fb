"""Merging 2 to 10 clients into one, and undoing it.

A merge keeps a **survivor** and merges the **others** into it, in one transaction:

1. the others leave every list (``deleted_at`` set, ``merged_into`` pointing to the
   survivor: they are not in the trash, and their ids lead to the survivor);
2. everything attached to them moves to the survivor. Every relation to ``Client`` is
   found from the models themselves (``Client._meta.related_objects``), so a relation
   added later (documents, payments, reminders…) moves too without anyone listing it
   here; a few need more care and have their own rule (``_SPECIAL``): tags already on the
   survivor, contacts already linked or with the same e-mail as one of the survivor's,
   the one main/billing/dunning contact, the one billing/delivery address and the one
   primary bank account and card a client may have, the custom-field value index, and the
   history, which is not a foreign key;
3. the survivor takes the chosen value of each field (its own non-empty value unless
   another is chosen), through ``clients.services.update_client``: the same validation
   and history as any change;
4. ``Merge`` keeps every client's columns as they were and every record that moved or
   went, one by one, so that ``undo_merge`` puts each back. Undo is refused only when a
   record the merge moved was deleted since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client, ClientTag
from carnet.clients.validation import EDITABLE_FIELDS, current_values
from carnet.core.errors import Conflict, FieldError, NotFound, StaleVersion, ValidationFailed
from carnet.core.history import record_change, to_json
from carnet.core.ids import parse_id
from carnet.core.models import ChangeRecord
from carnet.customfields.queries import definitions_for
from carnet.customfields.services import sync_values

from .models import Merge

MAX_CLIENTS = 10
OBJECT_TYPE = "client"
# The fields a person chooses between; tags are pooled, custom fields chosen one by one.
CHOSEN_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("tags", "custom_fields"))
CUSTOM_PREFIX = "custom_fields."
# Columns a snapshot leaves out, and those undo does not put back (they record the change,
# or follow from the restored ones).
_NOT_SNAPSHOT = {"id", "organization"}
_NOT_RESTORED = {"tags", "created_at", "version", "updated_at", "search_text"}


def _blank(value: Any) -> bool:
    return value in ("", None, [], {}) or value is False


@dataclass
class FieldChoice:
    """One field of the merged record: every client's value and the one kept."""

    field: str
    values: list[tuple[int, Any]]
    chosen: int
    conflict: bool

    @property
    def value(self) -> Any:
        return dict(self.values)[self.chosen]


@dataclass
class MergePreview:
    survivor: Client
    others: list[Client]
    fields: list[FieldChoice]
    tags: list[str]
    moves: dict[str, int] = field(default_factory=dict)

    @property
    def result(self) -> dict[str, Any]:
        """The merged record's values."""
        values: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for choice in self.fields:
            if choice.field.startswith(CUSTOM_PREFIX):
                # A blank value chosen removes the survivor's.
                value = choice.value
                custom[choice.field.removeprefix(CUSTOM_PREFIX)] = "" if value is None else value
            else:
                values[choice.field] = choice.value
        values["tags"] = self.tags
        values["custom_fields"] = custom
        return values


# What other domains recompute once records moved between clients (a merge or its undo):
# each is called with the organization's id and the ids of every client involved.
_AFTER_MOVES: list[Callable[[int, list[int]], None]] = []


def register_after_moves(hook: Callable[[int, list[int]], None]) -> None:
    """Let a domain that keeps per-client figures (sales revenue) refresh them."""
    if hook not in _AFTER_MOVES:
        _AFTER_MOVES.append(hook)


def _after_moves(organization: Organization, client_ids: list[int]) -> None:
    for hook in _AFTER_MOVES:
        hook(organization.pk, client_ids)


# --- Loading and checking ---------------------------------------------------------------
def _ids(survivor_id: Any, other_ids: Any) -> tuple[int, list[int]]:
    errors: list[FieldError] = []
    survivor = parse_id(survivor_id) if not isinstance(survivor_id, bool) else None
    if survivor is None:
        errors.append(FieldError("survivor", "invalid", _("Identifiant de client attendu.")))
    others: list[int] = []
    if not isinstance(other_ids, list | tuple) or not other_ids:
        errors.append(
            FieldError("others", "required", _("Indiquez au moins un client à fusionner."))
        )
    else:
        for value in other_ids:
            pk = parse_id(value) if not isinstance(value, bool) else None
            if pk is None:
                errors.append(FieldError("others", "invalid", _("Identifiant de client attendu.")))
                break
            if pk not in others:
                others.append(pk)
    if survivor is not None and survivor in others:
        errors.append(
            FieldError(
                "others", "same_client", _("Un client ne peut pas être fusionné avec lui-même.")
            )
        )
    if len(others) + 1 > MAX_CLIENTS:
        errors.append(
            FieldError(
                "others",
                "too_many",
                _("%(max)d clients au plus par fusion.") % {"max": MAX_CLIENTS},
            )
        )
    if errors:
        raise ValidationFailed(errors)
    assert survivor is not None
    return survivor, others


def _load(
    organization: Organization, survivor_id: Any, other_ids: Any, *, lock: bool = False
) -> tuple[Client, list[Client]]:
    survivor_pk, other_pks = _ids(survivor_id, other_ids)
    queryset = Client.objects.filter(organization=organization, pk__in=[survivor_pk, *other_pks])
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = {c.pk: c for c in queryset.select_related("category").prefetch_related("tags")}
    missing = [pk for pk in [survivor_pk, *other_pks] if pk not in found]
    if missing:
        raise NotFound(_("Client introuvable : %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    members = [found[survivor_pk], *(found[pk] for pk in other_pks)]
    for client in members:
        if client.merged_into_id is not None:
            raise Conflict(
                _("« %(name)s » a déjà été fusionné dans un autre client.") % {"name": client.name},
                code="merged",
                client=client.pk,
            )
        if client.deleted_at is not None:
            raise Conflict(
                _("« %(name)s » est dans la corbeille : restaurez-le avant de le fusionner.")
                % {"name": client.name},
                code="deleted",
                client=client.pk,
            )
    return members[0], members[1:]


# --- Preview ----------------------------------------------------------------------------
def preview_merge(
    organization: Organization,
    survivor_id: Any,
    other_ids: Any,
    values: Any = None,
) -> MergePreview:
    """What merging would give, field by field: every client's value, the one kept (the
    survivor's non-empty value unless ``values`` chooses another client's:
    ``{field: client id}``), and the records that would move."""
    survivor, others = _load(organization, survivor_id, other_ids)
    return _preview(organization, survivor, others, values)


def _preview(
    organization: Organization, survivor: Client, others: list[Client], values: Any
) -> MergePreview:
    members = [survivor, *others]
    member_ids = {c.pk for c in members}
    wanted = _clean_choices(values, member_ids, organization)
    current = {c.pk: current_values(c) for c in members}
    fields: list[FieldChoice] = []
    slugs: list[str] = []
    for client in members:
        for slug in client.custom_fields or {}:
            if slug not in slugs:
                slugs.append(slug)
    names = [*CHOSEN_FIELDS, *(f"{CUSTOM_PREFIX}{slug}" for slug in slugs)]
    for name in names:
        options = [(c.pk, _value_of(current[c.pk], name)) for c in members]
        distinct = {to_json_key(v) for _pk, v in options if not _blank(v)}
        if name in wanted:
            chosen = wanted[name]
        else:
            chosen = next((pk for pk, v in options if not _blank(v)), survivor.pk)
        fields.append(FieldChoice(name, options, chosen, conflict=len(distinct) > 1))
    tags = sorted({t for c in members for t in current[c.pk]["tags"]}, key=str.casefold)
    preview = MergePreview(survivor, others, fields, tags)
    preview.moves = _move_counts(organization, [c.pk for c in others])
    return preview


def to_json_key(value: Any) -> str:
    import json

    return json.dumps(to_json(value), sort_keys=True, default=str)


def _value_of(values: dict[str, Any], name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return (values.get("custom_fields") or {}).get(name.removeprefix(CUSTOM_PREFIX))
    return values.get(name)


def _clean_choices(values: Any, member_ids: set[int], organization: Organization) -> dict[str, int]:
    if values in (None, {}):
        return {}
    if not isinstance(values, dict):
        raise ValidationFailed(
            [FieldError("values", "invalid_type", _("Un objet {champ: identifiant} est attendu."))]
        )
    known_slugs = {f.slug for f in definitions_for(organization)}
    chosen: dict[str, int] = {}
    errors: list[FieldError] = []
    for name, client_id in values.items():
        name = str(name)
        is_custom = (
            name.startswith(CUSTOM_PREFIX) and name.removeprefix(CUSTOM_PREFIX) in known_slugs
        )
        if name not in CHOSEN_FIELDS and not is_custom:
            errors.append(
                FieldError(f"values.{name[:100]}", "unknown_field", _("Ce champ n'existe pas."))
            )
            continue
        pk = parse_id(client_id) if not isinstance(client_id, bool) else None
        if pk is None or pk not in member_ids:
            errors.append(
                FieldError(
                    f"values.{name}",
                    "not_a_member",
                    _("Choisissez la valeur de l'un des clients fusionnés."),
                )
            )
            continue
        chosen[name] = pk
    if errors:
        raise ValidationFailed(errors)
    return chosen


# --- What moves -------------------------------------------------------------------------
def _relations() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to ``Client``, and that key's column."""
    found = []
    for relation in Client._meta.related_objects:
        if relation.related_model is Client:
            continue  # merged_into itself
        if relation.one_to_many or relation.one_to_one:
            found.append((relation.related_model, relation.field.attname))
    return found


def _label(model: type[models.Model]) -> str:
    return model._meta.label


# How the merge page names what will join the survivor (a relation added later without a
# name here shows its model's name); figures derived from other records are not counted.
_MOVE_NAMES: dict[str, Any] = {
    "clients.ClientTag": ngettext_lazy("étiquette", "étiquettes"),
    "addresses.Address": ngettext_lazy("adresse", "adresses"),
    "contacts.ClientContact": ngettext_lazy("contact", "contacts"),
    "files.ClientFile": ngettext_lazy("fichier", "fichiers"),
    "banking.BankAccount": ngettext_lazy("compte bancaire", "comptes bancaires"),
    "banking.Mandate": ngettext_lazy("mandat SEPA", "mandats SEPA"),
    "banking.Card": ngettext_lazy("carte", "cartes"),
    "sales.Document": ngettext_lazy("document de vente", "documents de vente"),
    "sales.Payment": ngettext_lazy("paiement", "paiements"),
}
_NOT_COUNTED = {"sales.ProductMonth"}


def _move_name(model: type[models.Model], count: int) -> str:
    name = _MOVE_NAMES.get(_label(model))
    if name is None:
        return str(model._meta.verbose_name_plural)
    return str(name % count)


def _move_counts(organization: Organization, loser_ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for model, column in _relations():
        if _label(model) in _NOT_COUNTED:
            continue
        rows = model._default_manager.filter(**{f"{column}__in": loser_ids})
        if any(f.name == "organization" for f in model._meta.fields):
            rows = rows.filter(organization=organization)
        count = rows.count()
        if count:
            counts[_move_name(model, count)] = count
    return counts


# --- Merge ------------------------------------------------------------------------------
def _snapshot(client: Client) -> dict[str, Any]:
    """Every column of a client (as JSON), to put back on undo."""
    data: dict[str, Any] = {}
    for f in Client._meta.concrete_fields:
        if f.name in _NOT_SNAPSHOT:
            continue
        data[f.attname] = to_json(getattr(client, f.attname))
    data["tags"] = sorted(ClientTag.objects.filter(client=client).values_list("tag_id", flat=True))
    return data


def merge_clients(
    organization: Organization,
    user: User | None,
    survivor_id: Any,
    other_ids: Any,
    values: Any = None,
    *,
    expected_version: int | None = None,
    source: str = "",
) -> Merge:
    """Merge ``other_ids`` into ``survivor_id`` (see the module's docstring). With
    ``expected_version``, refused (``StaleVersion``) when the survivor changed since."""
    with transaction.atomic():
        survivor, others = _load(organization, survivor_id, other_ids, lock=True)
        if expected_version is not None and survivor.version != expected_version:
            raise StaleVersion(
                _(
                    "« %(name)s » a été modifié par quelqu'un d'autre depuis l'aperçu : "
                    "vérifiez la fusion à nouveau."
                )
                % {"name": survivor.name},
                current_version=survivor.version,
            )
        preview = _preview(organization, survivor, others, values)
        loser_ids = [c.pk for c in others]
        merge = Merge.objects.create(
            organization=organization,
            survivor=survivor,
            others=loser_ids,
            values={
                choice.field: {"from": choice.chosen, "value": to_json(choice.value)}
                for choice in preview.fields
                if choice.chosen != survivor.pk
            },
            snapshot={str(c.pk): _snapshot(c) for c in [survivor, *others]},
            created_by=user if user is not None and user.pk else None,
        )
        now = timezone.now()
        Client.objects.filter(pk__in=loser_ids).update(
            deleted_at=now, merged_into=survivor, version=models.F("version") + 1, updated_at=now
        )
        moves = _move_everything(organization, survivor, loser_ids)
        merge.moves = moves
        merge.save(update_fields=["moves"])
        result = preview.result
        data = {
            name: result[name]
            for name in (*CHOSEN_FIELDS, "custom_fields")
            if to_json(result[name]) != to_json(current_values(survivor).get(name))
        }
        data.pop("tags", None)
        clients.update_client(
            organization,
            user,
            survivor.pk,
            data,
            source=source,
            action="merge",
            context=merge.context,
            extra_changes={"merged": {"old": None, "new": loser_ids}},
        )
        clients.refresh_search_text(organization.pk, [survivor.pk])
        _after_moves(organization, [survivor.pk, *loser_ids])
        for loser in others:
            record_change(
                organization_id=organization.pk,
                object_type=OBJECT_TYPE,
                object_id=loser.pk,
                action="merged",
                user=user,
                changes={"merged_into": {"old": None, "new": survivor.pk}},
                source=source,
                context=merge.context,
            )
    return merge


def _move_everything(
    organization: Organization, survivor: Client, loser_ids: list[int]
) -> dict[str, Any]:
    moves: dict[str, Any] = {}
    for model, column in _relations():
        label = _label(model)
        special = _SPECIAL.get(label)
        if special is not None:
            moves[label] = special.move(organization, survivor, loser_ids)
        else:
            moves[label] = _move_rows(model, column, organization, survivor, loser_ids)
    moves["history"] = _move_history(organization, survivor, loser_ids)
    return moves


def _scoped(model: type[models.Model], organization: Organization) -> Any:
    manager = model._default_manager
    if any(f.name == "organization" for f in model._meta.fields):
        return manager.filter(organization=organization)
    return manager.all()


def _move_rows(
    model: type[models.Model],
    column: str,
    organization: Organization,
    survivor: Client,
    loser_ids: list[int],
) -> dict[str, list[int]]:
    """Point the rows of a plain relation at the survivor; returns {loser id: row ids}."""
    moved: dict[str, list[int]] = {}
    rows = _scoped(model, organization).filter(**{f"{column}__in": loser_ids})
    for pk, owner in rows.values_list("pk", column):
        moved.setdefault(str(owner), []).append(pk)
    if moved:
        rows.update(**{column: survivor.pk})
    return moved


def _move_history(
    organization: Organization, survivor: Client, loser_ids: list[int]
) -> dict[str, list[int]]:
    """The merged clients' history joins the survivor's (it is not a foreign key)."""
    moved: dict[str, list[int]] = {}
    rows = ChangeRecord.objects.filter(
        organization=organization, object_type=OBJECT_TYPE, object_id__in=loser_ids
    )
    for pk, owner in rows.values_list("pk", "object_id"):
        moved.setdefault(str(owner), []).append(pk)
    rows.update(object_id=survivor.pk)
    return moved


class _Tags:
    """Tag links: a tag the survivor already has is not linked twice."""

    @staticmethod
    def move(organization: Organization, survivor: Client, loser_ids: list[int]) -> dict[str, Any]:
        have = set(ClientTag.objects.filter(client=survivor).values_list("tag_id", flat=True))
        moved: dict[str, list[int]] = {}
        dropped: dict[str, list[int]] = {}
        for pk, owner, tag_id in ClientTag.objects.filter(
            organization=organization, client_id__in=loser_ids
        ).values_list("pk", "client_id", "tag_id"):
            if tag_id in have:
                dropped.setdefault(str(owner), []).append(tag_id)
            else:
                have.add(tag_id)
                moved.setdefault(str(owner), []).append(pk)
        ClientTag.objects.filter(organization=organization, client_id__in=loser_ids).exclude(
            pk__in=[pk for pks in moved.values() for pk in pks]
        ).delete()
        _update_ids(ClientTag, [pk for pks in moved.values() for pk in pks], client=survivor)
        return {"moved": moved, "dropped": dropped}

    @staticmethod
    def undo(organization: Organization, survivor: Client, record: dict[str, Any]) -> None:
        for owner, pks in record.get("moved", {}).items():
            _update_ids(ClientTag, pks, client_id=int(owner))
        for owner, tag_ids in record.get("dropped", {}).items():
            ClientTag.objects.bulk_create(
                [
                    ClientTag(organization=organization, client_id=int(owner), tag_id=tag_id)
                    for tag_id in tag_ids
                ]
            )

    @staticmethod
    def missing(record: dict[str, Any]) -> int:
        pks = [pk for pks in record.get("moved", {}).values() for pk in pks]
        return len(pks) - _count_ids(ClientTag, pks)


class _CustomValues:
    """The value index of custom fields follows the clients' values: rebuilt, not moved."""

    @staticmethod
    def move(organization: Organization, survivor: Client, loser_ids: list[int]) -> dict[str, Any]:
        from carnet.customfields.models import CustomFieldValue

        CustomFieldValue.objects.filter(organization=organization, client_id__in=loser_ids).delete()
        return {}

    @staticmethod
    def undo(organization: Organization, survivor: Client, record: dict[str, Any]) -> None:
        return None  # rebuilt with each client's restored values

    @staticmethod
    def missing(record: dict[str, Any]) -> int:
        return 0


class _ContactLinks:
    """Contacts: a contact already linked to the survivor, or with the same e-mail as one
    of the survivor's contacts, is not linked twice (the survivor's contact stands for
    both; the other one is removed when no client is left to it); a role (main, billing,
    dunning) the survivor's contacts hold stays theirs. Links move in bulk; only the few
    holding a role are written one by one."""

    FLAGS = ("is_main", "is_billing", "is_dunning")

    @classmethod
    def move(
        cls, organization: Organization, survivor: Client, loser_ids: list[int]
    ) -> dict[str, Any]:
        from carnet.contacts.models import ClientContact, Contact

        mine = ClientContact.objects.filter(client=survivor).values_list(
            "contact_id", "contact__email", *cls.FLAGS
        )
        linked: set[int] = set()
        emails: set[str] = set()
        held: set[str] = set()
        for contact_id, email, *flags in mine:
            linked.add(contact_id)
            if email:
                emails.add(email.lower())
            held.update(flag for flag, on in zip(cls.FLAGS, flags, strict=True) if on)
        moved: dict[str, list[int]] = {}
        roles: dict[str, dict[str, bool]] = {}
        dropped: list[dict[str, Any]] = []
        links = (
            ClientContact.objects.filter(organization=organization, client_id__in=loser_ids)
            .values_list(
                "pk",
                "client_id",
                "contact_id",
                "favorite",
                "created_at",
                "contact__email",
                *cls.FLAGS,
            )
            .order_by("id")
        )
        for pk, owner, contact_id, favorite, created_at, email, *flags in links:
            on = {flag: value for flag, value in zip(cls.FLAGS, flags, strict=True)}
            email = (email or "").lower()
            if contact_id in linked or (email and email in emails):
                dropped.append(
                    {
                        "id": pk,
                        "client": owner,
                        "contact": contact_id,
                        "favorite": favorite,
                        "created_at": to_json(created_at),
                        **on,
                    }
                )
                continue
            moved.setdefault(str(owner), []).append(pk)
            if any(on.values()):
                roles[str(pk)] = on
            linked.add(contact_id)
            if email:
                emails.add(email)
        if dropped:
            ClientContact.objects.filter(pk__in=[d["id"] for d in dropped]).delete()
            orphans = set(
                Contact.objects.filter(
                    organization=organization, pk__in=[d["contact"] for d in dropped]
                )
                .exclude(links__isnull=False)
                .values_list("pk", flat=True)
            )
            rows = {
                contact.pk: {
                    f.attname: to_json(getattr(contact, f.attname))
                    for f in Contact._meta.concrete_fields
                }
                for contact in Contact.objects.filter(pk__in=orphans)
            }
            for state in dropped:
                state["contact_row"] = rows.pop(state["contact"], None)
            Contact.objects.filter(pk__in=orphans).delete()
        ids = [pk for pks in moved.values() for pk in pks]
        # The roles first off, then moved; then each role the survivor lacks given back.
        if roles:
            ClientContact.objects.filter(pk__in=[int(pk) for pk in roles]).update(
                **dict.fromkeys(cls.FLAGS, False)
            )
        _update_ids(ClientContact, ids, client=survivor)
        for pk, on in roles.items():
            kept = {flag: True for flag, value in on.items() if value and flag not in held}
            held.update(kept)
            if kept:
                ClientContact.objects.filter(pk=int(pk)).update(**kept)
        return {"moved": moved, "roles": roles, "dropped": dropped}

    @classmethod
    def undo(cls, organization: Organization, survivor: Client, record: dict[str, Any]) -> None:
        from carnet.contacts.models import ClientContact, Contact

        for state in record.get("dropped", []):
            if state.get("contact_row"):
                row = state["contact_row"]
                Contact.objects.bulk_create([Contact(**_python_values(Contact, row))])
        roles = record.get("roles", {})
        if roles:
            ClientContact.objects.filter(pk__in=[int(pk) for pk in roles]).update(
                **dict.fromkeys(cls.FLAGS, False)
            )
        for owner, pks in record.get("moved", {}).items():
            _update_ids(ClientContact, pks, client_id=int(owner))
        for pk, on in roles.items():
            ClientContact.objects.filter(pk=int(pk)).update(**on)
        ClientContact.objects.bulk_create(
            [
                ClientContact(
                    id=state["id"],
                    organization=organization,
                    client_id=state["client"],
                    contact_id=state["contact"],
                    favorite=state["favorite"],
                    created_at=_python_value(ClientContact, "created_at", state["created_at"]),
                    **{flag: state[flag] for flag in cls.FLAGS},
                )
                for state in record.get("dropped", [])
            ]
        )
        # created_at is set on insert (auto_now_add): put the original moment back.
        for state in record.get("dropped", []):
            ClientContact.objects.filter(pk=state["id"]).update(
                created_at=_python_value(ClientContact, "created_at", state["created_at"])
            )

    @staticmethod
    def missing(record: dict[str, Any]) -> int:
        from carnet.contacts.models import ClientContact

        pks = [pk for pks in record.get("moved", {}).values() for pk in pks]
        return len(pks) - _count_ids(ClientContact, pks)


class _Flagged:
    """Rows that move in bulk, but whose flags a client holds at most once (the default
    billing or delivery address, the primary bank account or card): the survivor keeps
    its own, a moved row takes a flag only the survivor did not have."""

    def __init__(self, label: str, flags: tuple[str, ...]) -> None:
        self.label = label
        self.flags = flags

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    def move(
        self, organization: Organization, survivor: Client, loser_ids: list[int]
    ) -> dict[str, Any]:
        model = self.model
        held = {
            flag
            for flag in self.flags
            if model._default_manager.filter(client=survivor, **{flag: True}).exists()
        }
        moved: dict[str, list[int]] = {}
        flagged: dict[str, dict[str, bool]] = {}
        for pk, owner, *flags in (
            _scoped(model, organization)
            .filter(client_id__in=loser_ids)
            .order_by("id")
            .values_list("pk", "client_id", *self.flags)
        ):
            moved.setdefault(str(owner), []).append(pk)
            if any(flags):
                flagged[str(pk)] = dict(zip(self.flags, flags, strict=True))
        if flagged:
            model._default_manager.filter(pk__in=[int(pk) for pk in flagged]).update(
                **dict.fromkeys(self.flags, False)
            )
        _update_ids(model, [pk for pks in moved.values() for pk in pks], client=survivor)
        for pk, on in flagged.items():
            kept = {flag: True for flag, value in on.items() if value and flag not in held}
            held.update(kept)
            if kept:
                model._default_manager.filter(pk=int(pk)).update(**kept)
        return {"moved": moved, "flags": flagged}

    def undo(self, organization: Organization, survivor: Client, record: dict[str, Any]) -> None:
        model = self.model
        flagged = record.get("flags", {})
        if flagged:
            model._default_manager.filter(pk__in=[int(pk) for pk in flagged]).update(
                **dict.fromkeys(self.flags, False)
            )
        for owner, pks in record.get("moved", {}).items():
            _update_ids(model, pks, client_id=int(owner))
        for pk, on in flagged.items():
            model._default_manager.filter(pk=int(pk)).update(**on)

    def missing(self, record: dict[str, Any]) -> int:
        pks = [pk for pks in record.get("moved", {}).values() for pk in pks]
        return len(pks) - _count_ids(self.model, pks)


_SPECIAL: dict[str, Any] = {
    "clients.ClientTag": _Tags,
    "customfields.CustomFieldValue": _CustomValues,
    "contacts.ClientContact": _ContactLinks,
    "addresses.Address": _Flagged("addresses.Address", ("is_billing", "is_delivery")),
    "banking.BankAccount": _Flagged("banking.BankAccount", ("primary",)),
    "banking.Card": _Flagged("banking.Card", ("primary",)),
}


_ID_BATCH = 5000  # ids per statement: SQLite limits a statement's parameters


def _update_ids(model: type[models.Model], ids: Sequence[int], **values: Any) -> None:
    """``UPDATE model SET values WHERE pk IN ids``, by batches."""
    for start in range(0, len(ids), _ID_BATCH):
        model._default_manager.filter(pk__in=ids[start : start + _ID_BATCH]).update(**values)


def _count_ids(model: type[models.Model], ids: Sequence[int]) -> int:
    return sum(
        model._default_manager.filter(pk__in=ids[start : start + _ID_BATCH]).count()
        for start in range(0, len(ids), _ID_BATCH)
    )


def _python_value(model: type[models.Model], attname: str, value: Any) -> Any:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.to_python(value) if value is not None else None
    return value


def _python_values(model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
    return {attname: _python_value(model, attname, value) for attname, value in row.items()}


# --- Undo -------------------------------------------------------------------------------
def get_merge(organization: Organization, merge_id: Any) -> Merge:
    pk = parse_id(merge_id)
    merge = Merge.objects.filter(organization=organization, pk=pk).first() if pk else None
    if merge is None:
        raise NotFound(_("Fusion introuvable."))
    return merge


def merge_of(organization: Organization, client: Client) -> Merge | None:
    """The merge that merged ``client`` into another (not undone), if any."""
    if client.merged_into_id is None:
        return None
    return (
        Merge.objects.filter(
            organization=organization, survivor_id=client.merged_into_id, undone_at__isnull=True
        )
        .filter(others__contains=client.pk)
        .order_by("-id")
        .first()
        if connection.vendor == "postgresql"
        else next(
            (
                m
                for m in Merge.objects.filter(
                    organization=organization,
                    survivor_id=client.merged_into_id,
                    undone_at__isnull=True,
                ).order_by("-id")
                if client.pk in m.others
            ),
            None,
        )
    )


def _missing_records(merge: Merge) -> int:
    missing = 0
    for label, record in (merge.moves or {}).items():
        if label == "history":
            continue
        special = _SPECIAL.get(label)
        if special is not None:
            missing += special.missing(record)
            continue
        model = apps.get_model(label)
        pks = [pk for pks in record.values() for pk in pks]
        missing += len(pks) - _count_ids(model, pks)
    return missing


def undo_merge(
    organization: Organization, user: User | None, merge_id: Any, *, source: str = ""
) -> Merge:
    """Put the merged clients, their values and their links back as they were before the
    merge. Refused when a record the merge moved was deleted since (nothing is changed)."""
    with transaction.atomic():
        merge = get_merge(organization, merge_id)
        merge = Merge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise Conflict(_("Cette fusion a déjà été annulée."), code="undone")
        ids = [merge.survivor_id, *merge.others]
        members = {
            c.pk: c
            for c in Client.objects.select_for_update(of=("self",)).filter(
                organization=organization, pk__in=ids
            )
        }
        if len(members) != len(ids):
            raise Conflict(
                _(
                    "Un des clients de cette fusion a été supprimé définitivement : elle ne "
                    "peut plus être annulée."
                ),
                code="gone",
            )
        missing = _missing_records(merge)
        if missing:
            raise Conflict(
                ngettext_lazy(
                    "%(count)s élément déplacé par la fusion a été supprimé depuis : elle ne "
                    "peut plus être annulée.",
                    "%(count)s éléments déplacés par la fusion ont été supprimés depuis : elle "
                    "ne peut plus être annulée.",
                    missing,
                )
                % {"count": missing},
                code="records_deleted",
            )
        survivor = members[merge.survivor_id]
        for label, record in (merge.moves or {}).items():
            if label == "history":
                for owner, pks in record.items():
                    _update_ids(ChangeRecord, pks, object_id=int(owner))
                continue
            special = _SPECIAL.get(label)
            if special is not None:
                special.undo(organization, survivor, record)
                continue
            model = apps.get_model(label)
            column = next(c for m, c in _relations() if _label(m) == label)
            for owner, pks in record.items():
                _update_ids(model, pks, **{column: int(owner)})
        definitions = definitions_for(organization)
        for pk in ids:
            _restore_client(organization, members[pk], merge.snapshot[str(pk)], definitions)
        clients.refresh_search_text(organization.pk, ids)
        _after_moves(organization, ids)
        now = timezone.now()
        merge.undone_at = now
        merge.undone_by = user if user is not None and user.pk else None
        merge.save(update_fields=["undone_at", "undone_by"])
        for pk in ids:
            record_change(
                organization_id=organization.pk,
                object_type=OBJECT_TYPE,
                object_id=pk,
                action="unmerge",
                user=user,
                changes={"merge": {"old": merge.pk, "new": None}},
                source=source,
                context=merge.context,
            )
    return merge


def _restore_client(
    organization: Organization, client: Client, snapshot: dict[str, Any], definitions: Sequence[Any]
) -> None:
    values: dict[str, Any] = {}
    for attname, value in snapshot.items():
        if attname in _NOT_RESTORED:
            continue
        values[attname] = _python_value(Client, attname, value)
    Client.objects.filter(pk=client.pk).update(
        **values, version=client.version + 1, updated_at=timezone.now()
    )
    # Tags the survivor got from elsewhere since the merge stay; the snapshot's come back.
    for tag_id in snapshot.get("tags", []):
        ClientTag.objects.get_or_create(
            organization=organization, client_id=client.pk, tag_id=tag_id
        )
    sync_values(organization.pk, client.pk, definitions, values.get("custom_fields") or {})


def merge_history(organization: Organization) -> Iterable[Merge]:
    return Merge.objects.filter(organization=organization).order_by("-created_at", "-id")
