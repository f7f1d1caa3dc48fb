"""The only code that writes custom fields: their definitions, and the index of the values.

Definitions are changed by organization admins (the callers check the role with
``may_manage``); every change is recorded in the history (object type "custom_field").
A client's values themselves are written by ``clients.services``, which calls
``sync_values`` in its transaction to keep ``CustomFieldValue`` in step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, Func, JSONField, Model, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from carnet.accounts.models import Organization, Role, User
from carnet.clients.models import Client
from carnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from carnet.core.history import diff, record_change
from carnet.core.ids import parse_id
from carnet.core.models import ChangeRecord
from carnet.core.text import fold

from .history import HISTORY_PREFIX
from .models import MAX_FIELDS_PER_ORGANIZATION, CustomField, CustomFieldValue
from .queries import definitions_for
from .validation import MAX_SLUG, check_definition_input, choice_key, value_keys

OBJECT_TYPE = "custom_field"
CLIENT_OBJECT_TYPE = "client"  # clients.services.OBJECT_TYPE (that module imports this one)
ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})
BATCH_SIZE = 2000
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

T = TypeVar("T")


def may_manage(role: str | None) -> bool:
    """Whether a member with ``role`` may create, change or delete definitions (everyone
    in the organization may read them)."""
    return role in ADMIN_ROLES


def _batches(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _acting(user: User | None) -> User | None:
    return user if user is not None and user.pk else None


# --- The index of values ----------------------------------------------------------------
def index_rows(
    organization_id: int,
    client_id: int,
    definitions: Sequence[CustomField],
    values: Mapping[str, Any],
) -> list[CustomFieldValue]:
    """The ``CustomFieldValue`` rows of one client's values (unsaved)."""
    return [
        CustomFieldValue(
            organization_id=organization_id, field_id=field.pk, client_id=client_id, value=key
        )
        for field in definitions
        if field.slug in values
        for key in value_keys(field, values[field.slug])
    ]


def sync_values(
    organization_id: int,
    client_id: int,
    definitions: Sequence[CustomField],
    values: Mapping[str, Any],
) -> None:
    """Rewrite one client's index rows from its stored values (two queries). Call it in
    the transaction that saves the client's ``custom_fields``."""
    CustomFieldValue.objects.filter(organization_id=organization_id, client_id=client_id).delete()
    CustomFieldValue.objects.bulk_create(
        index_rows(organization_id, client_id, definitions, values)
    )


def sync_values_bulk(
    organization_id: int,
    definitions: Sequence[CustomField],
    values_by_client: Mapping[int, Mapping[str, Any]],
    *,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Rewrite the index rows of many clients at once: ``{client_id: custom_fields}``.

    For code that writes clients in bulk (import, bulk edit): call it in the same
    transaction, after the clients' ``custom_fields`` are saved, with the values as
    ``clean_custom_values`` returned them. Deletes in chunks of ids, inserts with
    ``bulk_create`` in batches.
    """
    for ids in _batches(values_by_client, 500):
        CustomFieldValue.objects.filter(organization_id=organization_id, client_id__in=ids).delete()
    rows = (
        row
        for client_id, values in values_by_client.items()
        for row in index_rows(organization_id, client_id, definitions, values)
    )
    for batch in _batches(rows, batch_size):
        CustomFieldValue.objects.bulk_create(batch)


def usage_count(organization: Organization, field: CustomField) -> int:
    """How many clients (trash included) have a value for ``field``."""
    return (
        CustomFieldValue.objects.filter(organization=organization, field=field)
        .values("client_id")
        .distinct()
        .count()
    )


def _choice_usage(organization: Organization, field: CustomField, choice: str) -> int:
    """How many clients have ``choice`` as (one of) their value(s) for ``field``."""
    return (
        CustomFieldValue.objects.filter(
            organization=organization, field=field, value=choice_key(choice)
        )
        .values("client_id")
        .distinct()
        .count()
    )


# --- Definitions ------------------------------------------------------------------------
def get_custom_field(
    organization: Organization, field_id: Any, *, for_update: bool = False
) -> CustomField:
    """The organization's custom field with this id, else ``NotFound``."""
    pk = parse_id(field_id)
    if pk is None:
        raise NotFound(_("Champ personnalisé introuvable."))
    queryset = CustomField.objects.filter(organization=organization, pk=pk)
    if for_update:
        queryset = queryset.select_for_update()
    field = queryset.first()
    if field is None:
        raise NotFound(_("Champ personnalisé introuvable."))
    return field


def generate_slug(name: str, taken: Iterable[str]) -> str:
    """A slug for ``name``: folded, non-alphanumerics as "_", "f_" before a leading
    digit, then _2, _3… until it is free. "Niveau de service" -> "niveau_de_service"."""
    base = _NOT_SLUG.sub("_", fold(name)).strip("_") or "champ"
    if base[0].isdigit():
        base = f"f_{base}"
    base = base[:MAX_SLUG].rstrip("_")
    used = set(taken)
    slug, number = base, 1
    while slug in used:
        number += 1
        suffix = f"_{number}"
        slug = base[: MAX_SLUG - len(suffix)].rstrip("_") + suffix
    return slug


def _snapshot(field: CustomField) -> dict[str, Any]:
    return {
        "name": field.name,
        "slug": field.slug,
        "type": field.type,
        "choices": list(field.choices),
        "required": field.required,
        "default": field.default,
        "position": field.position,
    }


def _name_taken(
    definitions: Sequence[CustomField], name: str, *, exclude_id: int | None = None
) -> FieldError | None:
    for other in definitions:
        if other.pk != exclude_id and other.name.casefold() == name.casefold():
            return FieldError(
                "name",
                "duplicate",
                _("Un champ personnalisé s'appelle déjà « %(name)s ».") % {"name": other.name},
            )
    return None


def _lock_organization(organization: Organization) -> None:
    """Serialize the definition changes of one organization (the count limit, unique
    names and slugs are checked against the others)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _adopt_existing_values(organization: Organization, field: CustomField) -> None:
    """Index the values clients already hold under the new field's slug (written before
    a definition existed, by an import or an older version)."""
    rows = Client.objects.filter(
        organization=organization, custom_fields__has_key=field.slug
    ).values_list("id", "custom_fields")
    for batch in _batches(rows.iterator(chunk_size=BATCH_SIZE)):
        CustomFieldValue.objects.bulk_create(
            row
            for client_id, values in batch
            for row in index_rows(organization.pk, client_id, [field], values)
        )


def create_custom_field(
    organization: Organization, user: User | None, data: Mapping[str, Any], *, source: str = ""
) -> CustomField:
    """Define a new custom field. The slug is generated from the name when not given.

    Refused with ``ValidationFailed`` (bad input, name or slug taken) or ``Conflict``
    (the organization has the maximum number of fields).
    """
    values, errors = check_definition_input(data, existing=None)
    with transaction.atomic():
        _lock_organization(organization)
        definitions = definitions_for(organization)
        if len(definitions) >= MAX_FIELDS_PER_ORGANIZATION:
            raise Conflict(
                _("%(max)d champs personnalisés au maximum par organisation.")
                % {"max": MAX_FIELDS_PER_ORGANIZATION},
                code="too_many_fields",
            )
        if "name" in values and (taken := _name_taken(definitions, values["name"])) is not None:
            errors.append(taken)
        slugs = {d.slug for d in definitions}
        slug = values.get("slug") or generate_slug(values.get("name", ""), slugs)
        if "slug" in values and slug in slugs:
            errors.append(
                FieldError(
                    "slug", "duplicate", _("Un autre champ personnalisé a déjà cet identifiant.")
                )
            )
        if errors:
            raise ValidationFailed(errors)
        position = values.get("position")
        if position is None:
            position = max((d.position for d in definitions), default=-1) + 1
        field = CustomField(
            organization=organization,
            name=values["name"],
            slug=slug,
            type=values["type"],
            choices=values["choices"],
            required=values["required"],
            default=values["default"],
            position=position,
        )
        try:
            with transaction.atomic():
                field.save()
        except IntegrityError:
            raise Conflict(
                _("Un champ personnalisé avec ce nom ou cet identifiant vient d'être créé."),
                code="conflict",
            ) from None
        _adopt_existing_values(organization, field)
        record_change(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            object_id=field.pk,
            action="create",
            user=user,
            changes=diff({}, _snapshot(field)),
            source=source,
        )
    return field


def update_custom_field(
    organization: Organization,
    user: User | None,
    field_id: Any,
    data: Mapping[str, Any],
    *,
    source: str = "",
) -> CustomField:
    """Change a definition (only the keys given). The slug never changes; the type only
    while no client has a value; a choice only leaves the list when no client has it."""
    with transaction.atomic():
        _lock_organization(organization)
        field = get_custom_field(organization, field_id, for_update=True)
        values, errors = check_definition_input(data, existing=field)
        if "name" in values:
            taken = _name_taken(definitions_for(organization), values["name"], exclude_id=field.pk)
            if taken is not None:
                errors.append(taken)
        new_type = values.get("type", field.type)
        if new_type != field.type:
            count = usage_count(organization, field)
            if count:
                errors.append(
                    FieldError(
                        "type",
                        "type_locked",
                        ngettext(
                            "Le type ne peut plus changer : %(count)d client a une valeur "
                            "pour ce champ. Videz ses valeurs ou créez un autre champ.",
                            "Le type ne peut plus changer : %(count)d clients ont une valeur "
                            "pour ce champ. Videz leurs valeurs ou créez un autre champ.",
                            count,
                        )
                        % {"count": count},
                    )
                )
        elif "choices" in values and field.has_choices:
            kept = {fold(choice) for choice in values["choices"]}
            for choice in field.choices:
                if fold(choice) in kept:
                    continue
                count = _choice_usage(organization, field, choice)
                if count:
                    errors.append(
                        FieldError(
                            "choices",
                            "choice_in_use",
                            ngettext(
                                "Le choix « %(choice)s » ne peut pas être retiré : "
                                "%(count)d client l'a.",
                                "Le choix « %(choice)s » ne peut pas être retiré : "
                                "%(count)d clients l'ont.",
                                count,
                            )
                            % {"choice": choice, "count": count},
                        )
                    )
        if errors:
            raise ValidationFailed(errors)
        before = _snapshot(field)
        for key, value in values.items():
            setattr(field, key, value)
        changes = diff(before, _snapshot(field))
        if not changes:
            return field
        try:
            with transaction.atomic():
                field.save()
        except IntegrityError:
            raise Conflict(
                _("Un champ personnalisé avec ce nom vient d'être créé."), code="conflict"
            ) from None
        record_change(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            object_id=field.pk,
            action="update",
            user=user,
            changes=changes,
            source=source,
        )
    return field


def _without_key(slug: str) -> Func:
    """``custom_fields`` without the top-level key ``slug``, computed by the database."""
    if connection.vendor == "postgresql":
        return Func(
            F("custom_fields"),
            Cast(Value(slug), TextField()),
            template="(%(expressions)s)",
            arg_joiner=" - ",
            output_field=JSONField(),
        )
    # Slugs are [a-z0-9_]: nothing to escape in the JSON path.
    return Func(
        F("custom_fields"), Value(f'$."{slug}"'), function="JSON_REMOVE", output_field=JSONField()
    )


def _column(model: type[Model], name: str) -> str:
    """The quoted column of a model's field, for hand-written SQL."""
    column = cast("Field[Any, Any]", model._meta.get_field(name)).column
    return connection.ops.quote_name(column or name)


def _record_removals(
    organization_id: int, slug: str, user: User | None, source: str, now: Any
) -> None:
    """One history entry per client losing its value for ``slug`` ("custom_fields.<slug>",
    old value -> None), written by a single INSERT … SELECT: at 100,000 clients, model
    instances through ``bulk_create`` take seconds where the database takes a fraction."""
    columns = ", ".join(
        _column(ChangeRecord, name)
        for name in (
            "organization",
            "object_type",
            "object_id",
            "action",
            "changes",
            "user",
            "source",
            "created_at",
        )
    )
    values_column = _column(Client, "custom_fields")
    key = f"{HISTORY_PREFIX}{slug}"
    if connection.vendor == "postgresql":
        change = (
            "jsonb_build_object(%s::text, "
            f"jsonb_build_object('old', c.{values_column} -> %s::text, 'new', NULL))"
        )
        has_key = f"c.{values_column} ? %s"
        change_params: list[Any] = [key, slug]
        key_params: list[Any] = [slug]
    else:
        # "->" keeps the JSON type of the value (json_extract would turn true into 1).
        change = f"json_object(%s, json_object('old', c.{values_column} -> %s, 'new', NULL))"
        has_key = f"json_type(c.{values_column}, %s) IS NOT NULL"
        path = f'$."{slug}"'  # slugs are [a-z0-9_]: nothing to escape
        change_params, key_params = [key, path], [path]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(ChangeRecord._meta.db_table)} ({columns}) "
        f"SELECT %s, %s, c.{_column(Client, 'id')}, %s, {change}, %s, %s, %s "
        f"FROM {quote(Client._meta.db_table)} c "
        f"WHERE c.{_column(Client, 'organization')} = %s AND {has_key}"
    )
    acting = _acting(user)
    params = [
        organization_id,
        CLIENT_OBJECT_TYPE,
        "update",
        *change_params,
        acting.pk if acting is not None else None,
        source,
        connection.ops.adapt_datetimefield_value(now),
        organization_id,
        *key_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def delete_custom_field(
    organization: Organization,
    user: User | None,
    field_id: Any,
    *,
    source: str = "",
) -> int:
    """Delete a definition and its value on every client; returns how many clients lost
    a value.

    Set-based, for organizations with many clients: one INSERT … SELECT writes each
    affected client's history entry, one UPDATE removes the key from the clients' JSON
    and bumps their version, one DELETE empties the index (about a second for 100,000
    clients).
    """
    with transaction.atomic():
        _lock_organization(organization)
        field = get_custom_field(organization, field_id, for_update=True)
        slug = field.slug
        affected = Client.objects.filter(organization=organization, custom_fields__has_key=slug)
        # PostgreSQL: hold the affected rows, so that the history and the update below see
        # the same clients (SQLite transactions already exclude other writers).
        if connection.vendor == "postgresql":
            list(affected.select_for_update().order_by().values_list("id", flat=True))
        now = timezone.now()
        _record_removals(organization.pk, slug, user, source, now)
        count = affected.update(
            custom_fields=_without_key(slug),
            version=F("version") + 1,
            updated_at=now,
        )
        CustomFieldValue.objects.filter(organization=organization, field=field).delete()
        record_change(
            organization_id=organization.pk,
            object_type=OBJECT_TYPE,
            object_id=field.pk,
            action="delete",
            user=user,
            changes={
                **{name: {"old": old, "new": None} for name, old in _snapshot(field).items()},
                "clients_affected": {"old": None, "new": count},
            },
            source=source,
        )
        field.delete()
    return count
