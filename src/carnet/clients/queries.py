"""Reading clients: the filtered, sorted, keyset-paginated list shared by UI and API."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization
from carnet.core.errors import FieldError, ValidationFailed

from . import search
from .models import Client, Kind

# sort parameter -> (column, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "name": ("sort_name", False),
    "-name": ("sort_name", True),
    "created_at": ("created_at", False),
    "-created_at": ("created_at", True),
    "revenue": ("revenue", False),
    "-revenue": ("revenue", True),
}
ARCHIVED_CHOICES = ("false", "true", "all")
MAX_LIMIT = 200
# Each tag filter is a join; SQLite allows 64 tables in one query.
MAX_TAG_FILTERS = 10
MAX_ID = 2**63 - 1


@dataclass
class ClientFilter:
    """What a client list asks for. Built from query parameters by ``from_params``."""

    q: str = ""
    archived: str = "false"
    kind: str = ""
    country: str = ""
    tag: list[str] = field(default_factory=list)
    category: str = ""
    owner: int | None = None
    sort: str = "name"
    limit: int = 50
    cursor: str = ""
    trash: bool = False

    @classmethod
    def from_params(cls, params: dict[str, Any], *, default_limit: int = 50) -> ClientFilter:
        """Check raw parameters; every problem is a ``FieldError`` in one ``ValidationFailed``."""
        errors: list[FieldError] = []

        def one(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list):
                value = value[-1] if value else ""
            return str(value).strip() if value is not None else ""

        result = cls(limit=default_limit)
        for name, raw in params.items():
            # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the query.
            if any("\x00" in str(v) for v in (raw if isinstance(raw, list) else [raw])):
                errors.append(FieldError(name, "invalid_character", _("Caractère nul interdit.")))
                params = {**params, name: ""}
        result.q = one("q")[:200]
        archived = one("archived").lower() or "false"
        if archived not in ARCHIVED_CHOICES:
            errors.append(
                FieldError("archived", "invalid_choice", _("« archived » vaut false, true ou all."))
            )
        result.archived = archived
        kind = one("kind")
        if kind and kind not in Kind.values:
            errors.append(
                FieldError("kind", "invalid_choice", _("« kind » vaut individual ou company."))
            )
        result.kind = kind
        country = one("country").upper()
        if country and (len(country) != 2 or not country.isalpha()):
            errors.append(
                FieldError(
                    "country",
                    "invalid_country",
                    _("Code pays ISO à deux lettres attendu (FR, BE…)."),
                )
            )
        result.country = country
        tags = params.get("tag") or []
        result.tag = [
            t.strip() for t in ([tags] if isinstance(tags, str) else tags) if t and t.strip()
        ]
        if len(result.tag) > MAX_TAG_FILTERS:
            message = _("10 étiquettes au maximum dans un filtre.")
            errors.append(FieldError("tag", "too_many", message))
            result.tag = []
        result.category = one("category")
        owner = one("owner")
        if owner:
            if owner.isascii() and owner.isdigit() and 0 < int(owner) <= MAX_ID:
                result.owner = int(owner)
            else:
                errors.append(
                    FieldError("owner", "invalid_type", _("Identifiant d'utilisateur attendu."))
                )
        sort = one("sort") or "name"
        if sort not in SORTS:
            errors.append(
                FieldError(
                    "sort",
                    "invalid_choice",
                    _("Tri possible : name, -name, created_at, -created_at, revenue, -revenue."),
                )
            )
        result.sort = sort
        limit = one("limit")
        if limit:
            try:
                result.limit = int(limit)
            except ValueError:
                result.limit = 0
            if not 1 <= result.limit <= MAX_LIMIT:
                errors.append(
                    FieldError(
                        "limit", "out_of_range", _("« limit » doit être compris entre 1 et 200.")
                    )
                )
        result.cursor = one("cursor")
        result.trash = one("trash").lower() in {"1", "true"}
        if errors:
            raise ValidationFailed(errors)
        return result


@dataclass
class ClientPage:
    items: list[Client]
    next_cursor: str | None


def _encode_cursor(sort: str, value: Any, pk: int, archived: bool) -> str:
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([sort, value, pk, archived], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int, bool]:
    invalid = ValidationFailed(
        [
            FieldError(
                "cursor",
                "invalid_cursor",
                _("Curseur de pagination invalide : repartez de la première page."),
            )
        ]
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise invalid from None
    if not (
        isinstance(data, list)
        and len(data) == 4
        and data[0] == sort
        and isinstance(data[2], int)
        and not isinstance(data[2], bool)
        and 0 < data[2] <= MAX_ID
        and isinstance(data[3], bool)
    ):
        raise invalid
    column = SORTS[sort][0]
    value = data[1]
    try:
        if column == "created_at":
            value = parse_datetime(value) if isinstance(value, str) else None
            if value is None or value.tzinfo is None:
                raise invalid
            value = value.astimezone(datetime.UTC)
        elif column == "revenue":
            value = Decimal(value) if isinstance(value, str) else None
            if value is None or not value.is_finite() or abs(value) >= Decimal("1e13"):
                raise invalid
        elif not isinstance(value, str) or "\x00" in value:
            raise invalid
    except (InvalidOperation, TypeError, ValueError, OverflowError):
        raise invalid from None
    return value, data[2], data[3]


def filtered_clients(
    organization: Organization, spec: ClientFilter, *, search_plan: search.SearchPlan | None = None
) -> QuerySet[Client]:
    """The organization's clients matching ``spec`` (unsorted, unpaginated).

    ``search_plan`` lets ``list_clients`` reuse the plan it made for ``spec.q``.
    """
    queryset = Client.objects.filter(organization=organization)
    queryset = queryset.filter(deleted_at__isnull=not spec.trash)
    # "archived IN (x)" rather than "archived = x": Django writes the latter as "NOT
    # archived", which SQLite cannot match to the (organization, archived, sort_name)
    # indexes, so it would sort every match instead of reading them in order.
    if spec.archived == "false":
        queryset = queryset.filter(archived__in=[False])
    elif spec.archived == "true":
        queryset = queryset.filter(archived__in=[True])
    if spec.kind:
        queryset = queryset.filter(kind=spec.kind)
    if spec.country:
        queryset = queryset.filter(country=spec.country)
    for tag in spec.tag:
        queryset = queryset.filter(tags__name__iexact=tag)
    if spec.category:
        queryset = queryset.filter(category__name__iexact=spec.category)
    if spec.owner is not None:
        queryset = queryset.filter(owner_id=spec.owner)
    if spec.q:
        queryset = search.apply_plan(queryset, search_plan or search.plan_search(spec.q))
    return queryset


def page_ids(organization: Organization, spec: ClientFilter) -> list[int]:
    """The ids of one page, in order, plus one more when a next page exists.

    A narrow query the search planner can steer onto the right index; callers then load
    those rows in the shape they need (model instances for pages, dicts for the API).
    """
    column, descending = SORTS[spec.sort]
    plan = search.plan_search(spec.q) if spec.q else None
    queryset = filtered_clients(organization, spec, search_plan=plan)
    sign = "-" if descending else ""
    order = [f"{sign}{column}", f"{sign}id"]
    leading_archived = spec.archived == "all"
    if leading_archived:
        order.insert(0, "archived")
    if spec.cursor:
        value, pk, archived_value = _decode_cursor(spec.cursor, spec.sort)
        op = "lt" if descending else "gt"
        after = Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"id__{op}": pk})
        if leading_archived:
            after = (Q(archived=archived_value) & after) | Q(archived__gt=archived_value)
        queryset = queryset.filter(after)
    return search.ordered_ids(
        queryset.order_by(*order),
        spec.limit + 1,
        plan,
        walkable=column == "sort_name" and not spec.trash,
    )


def next_cursor(spec: ClientFilter, last: Any) -> str:
    """The cursor of the page after the one ending with ``last`` (a client or its dict)."""
    column = SORTS[spec.sort][0]

    def read(name: str) -> Any:
        return last[name] if isinstance(last, dict) else getattr(last, name)

    return _encode_cursor(spec.sort, read(column), read("id"), read("archived"))


def list_clients(organization: Organization, spec: ClientFilter) -> ClientPage:
    """One page of clients, keyset-paginated on (sort column, id).

    With ``archived=all``, archived clients come after the active ones (shown greyed at
    the bottom), so ``archived`` leads the ordering.
    """
    ids = page_ids(organization, spec)
    found = (
        Client.objects.filter(organization=organization, pk__in=ids)
        .select_related("category")
        .prefetch_related("tags")
        .in_bulk()
    )
    rows = [found[pk] for pk in ids if pk in found]
    cursor = None
    if len(rows) > spec.limit:
        rows = rows[: spec.limit]
        cursor = next_cursor(spec, rows[-1])
    return ClientPage(items=rows, next_cursor=cursor)
