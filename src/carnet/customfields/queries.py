"""Reading custom fields: the definitions, and the list filters on their values.

The client list (``clients.queries``) calls ``parse_filters`` on its parameters and
narrows its query with ``id__in=matching_client_ids(...)`` for each filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization
from carnet.core.errors import FieldError

from .models import CustomField, CustomFieldValue, FieldType
from .validation import InvalidValue, match_choice, parse_value, value_keys

FILTER_PREFIX = "cf_"


def definitions_for(organization: Organization | int) -> list[CustomField]:
    """The organization's custom fields in display order (position, then name): one query."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    return list(
        CustomField.objects.filter(organization_id=organization_id).order_by(
            "position", "name", "id"
        )
    )


def usage_counts(organization: Organization) -> dict[int, int]:
    """How many clients have a value, per field id (fields without any are left out)."""
    rows = (
        CustomFieldValue.objects.filter(organization=organization)
        .values("field_id")
        .annotate(clients=Count("client_id", distinct=True))
        .values_list("field_id", "clients")
    )
    return dict(rows)


@dataclass(frozen=True)
class CustomFieldFilter:
    """One ``cf_<slug>=<value>`` list filter, checked: the field and the index key."""

    field_id: int
    slug: str
    key: str


def _filter_value(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else ""
    return raw if isinstance(raw, str) else str(raw)


def parse_filters(
    organization: Organization, params: Mapping[str, Any]
) -> tuple[list[CustomFieldFilter], list[FieldError]]:
    """The ``cf_<slug>`` parameters of a client list, checked against the definitions.

    A value must be one the field can hold ("12" for an integer, one of the choices…);
    for a multiple-choice field it is one of the choices, and the filter keeps the
    clients that have it among theirs. Blank values are ignored. Loads the definitions
    (one query) only when there is such a parameter.
    """
    wanted = {
        name: _filter_value(raw)
        for name, raw in params.items()
        if isinstance(name, str) and name.startswith(FILTER_PREFIX)
    }
    wanted = {name: value for name, value in wanted.items() if value.strip()}
    if not wanted:
        return [], []
    by_slug = {field.slug: field for field in definitions_for(organization)}
    filters: list[CustomFieldFilter] = []
    errors: list[FieldError] = []
    for name, value in wanted.items():
        slug = name[len(FILTER_PREFIX) :]
        field = by_slug.get(slug)
        if field is None:
            errors.append(
                FieldError(
                    name[:100],
                    "unknown_filter",
                    _("Filtre inconnu : aucun champ personnalisé « %(slug)s ».")
                    % {"slug": slug[:64]},
                )
            )
            continue
        try:
            if field.type == FieldType.MULTIPLE_CHOICE:
                parsed: Any = [match_choice(field.choices, " ".join(value.split()))]
            else:
                parsed = parse_value(field, value)
        except InvalidValue as exc:
            errors.append(FieldError(name, "invalid_value", exc.message))
            continue
        keys = value_keys(field, parsed)
        if keys:
            filters.append(CustomFieldFilter(field_id=field.pk, slug=slug, key=keys[0]))
    return filters, errors


def matching_client_ids(organization_id: int, flt: CustomFieldFilter) -> QuerySet[Any]:
    """The ids of the clients whose value matches ``flt``, as a subquery for ``id__in``
    (an index range of ``cfv_lookup``)."""
    return CustomFieldValue.objects.filter(
        organization_id=organization_id, field_id=flt.field_id, value=flt.key
    ).values_list("client_id", flat=True)
