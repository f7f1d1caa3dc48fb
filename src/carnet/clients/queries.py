"""Reading clients: the filtered, sorted, keyset-paginated list shared by UI and API, the
client picker, and every id a filter matches (for bulk actions).

``ClientFilter`` reads and checks the list's parameters; ``resolve`` turns names (tags,
category) and custom-field filters into ids; the conditions are the same on every
database, and ``planner`` picks the access path on SQLite.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization
from carnet.core.errors import FieldError, ValidationFailed

from . import planner, search
from .models import Category, Client, ClientTag, Kind, Tag

if TYPE_CHECKING:
    from carnet.customfields.queries import CustomFieldFilter

# sort parameter -> (column, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "name": ("sort_name", False),
    "-name": ("sort_name", True),
    "created_at": ("created_at", False),
    "-created_at": ("created_at", True),
    "revenue": ("revenue", False),
    "-revenue": ("revenue", True),
}
# The SQLite index that serves each sort column for live clients.
SORT_INDEXES = {
    "sort_name": "client_list_name",
    "created_at": "client_list_created",
    "revenue": "client_list_revenue",
}
SEARCH_WALK_INDEX = "client_search_walk"
# A category's (a country's) live clients in name order: a rare one lists by name without
# sorting, a common one without reading the other clients' entries.
CATEGORY_WALK_INDEX = "client_list_category_name"
COUNTRY_WALK_INDEX = "client_list_country_name"
ARCHIVED_CHOICES = ("false", "true", "all")
MAX_LIMIT = 200
# Each tag filter is a subquery; SQLite allows 64 tables in one query.
MAX_TAG_FILTERS = 10
MAX_CUSTOM_FILTERS = 10
MAX_ID = 2**63 - 1
# On PostgreSQL, a search term this short is first looked for by walking the name index
# (its trigrams are too common for the trigram index to be quick); a longer one is left
# to PostgreSQL's plan.
BOUNDED_WALK_TERM = 4
# Exact identifier matches ranked before the other results, at most.
MAX_EXACT = 10
CUSTOM_PREFIX = "cf_"
# Every parameter a list takes (besides cf_<slug>); the API refuses any other.
LIST_PARAMS = frozenset(
    {
        "q",
        "archived",
        "kind",
        "country",
        "tag",
        "category",
        "owner",
        "created_after",
        "created_before",
        "sort",
        "limit",
        "cursor",
        "trash",
    }
)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$|^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass
class ClientFilter:
    """What a client list asks for. Built from query parameters by ``from_params``.

    ``created_after`` and ``created_before`` are the bounds of the creation time (the
    first inclusive, the second exclusive: a day given as ``created_before`` is included).
    ``custom`` holds the checked ``cf_<slug>`` filters, ``custom_params`` their raw values.
    """

    q: str = ""
    archived: str = "false"
    kind: str = ""
    country: str = ""
    tag: list[str] = field(default_factory=list)
    category: str = ""
    owner: int | None = None
    created_after: datetime.datetime | None = None
    created_before: datetime.datetime | None = None
    created_after_param: str = ""
    created_before_param: str = ""
    custom: list[CustomFieldFilter] = field(default_factory=list)
    custom_params: dict[str, str] = field(default_factory=dict)
    sort: str = "name"
    limit: int = 50
    cursor: str = ""
    trash: bool = False

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, Any],
        *,
        organization: Organization | None = None,
        default_limit: int = 50,
        strict: bool = False,
    ) -> ClientFilter:
        """Check raw parameters; every problem is a ``FieldError`` in one
        ``ValidationFailed``. ``strict`` refuses unknown parameters (the API); custom-field
        filters need the ``organization`` whose fields they name."""
        errors: list[FieldError] = []
        clean: dict[str, Any] = {}
        for name, raw in params.items():
            values = raw if isinstance(raw, list | tuple) else [raw]
            # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the query.
            if any("\x00" in str(v) for v in values):
                errors.append(FieldError(name, "invalid_character", _("Caractère nul interdit.")))
                continue
            if name in LIST_PARAMS or name.startswith(CUSTOM_PREFIX):
                clean[name] = raw
            elif strict:
                errors.append(
                    FieldError(
                        name,
                        "unknown_filter",
                        _("Paramètre inconnu : « %(name)s ».") % {"name": name[:60]},
                    )
                )

        def one(name: str) -> str:
            value = clean.get(name)
            if isinstance(value, list | tuple):
                value = value[-1] if value else ""
            return str(value).strip() if value is not None else ""

        result = cls(limit=default_limit)
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
        if country and (len(country) != 2 or not country.isascii() or not country.isalpha()):
            errors.append(
                FieldError(
                    "country",
                    "invalid_country",
                    _("Code pays ISO à deux lettres attendu (FR, BE…)."),
                )
            )
        result.country = country
        tags = clean.get("tag") or []
        names = [tags] if isinstance(tags, str) else list(tags)
        result.tag = list(
            dict.fromkeys(" ".join(str(t).split()) for t in names if t and str(t).strip())
        )
        if len(result.tag) > MAX_TAG_FILTERS:
            message = _("10 étiquettes au maximum dans un filtre.")
            errors.append(FieldError("tag", "too_many", message))
            result.tag = []
        result.category = one("category")[:100]
        owner = one("owner")
        if owner:
            if owner.isascii() and owner.isdigit() and 0 < int(owner) <= MAX_ID:
                result.owner = int(owner)
            else:
                errors.append(
                    FieldError("owner", "invalid_type", _("Identifiant d'utilisateur attendu."))
                )
        for name in ("created_after", "created_before"):
            text = one(name)
            if not text:
                continue
            bound = _parse_bound(text, upper=name == "created_before")
            if bound is None:
                errors.append(
                    FieldError(
                        name,
                        "invalid_date",
                        _("Date attendue : AAAA-MM-JJ ou JJ/MM/AAAA (ou une date et heure ISO)."),
                    )
                )
            else:
                setattr(result, name, bound)
                setattr(result, f"{name}_param", text)
        if (
            result.created_after
            and result.created_before
            and result.created_after >= result.created_before
        ):
            errors.append(
                FieldError(
                    "created_before",
                    "invalid_range",
                    _("La date de fin précède la date de début."),
                )
            )
        custom = {k: v for k, v in clean.items() if k.startswith(CUSTOM_PREFIX)}
        if custom:
            if len(custom) > MAX_CUSTOM_FILTERS:
                errors.append(
                    FieldError(
                        "cf", "too_many", _("10 filtres de champs personnalisés au maximum.")
                    )
                )
            elif organization is None:  # pragma: no cover - every caller passes it
                raise ValueError("custom-field filters need the organization")
            else:
                from carnet.customfields.queries import parse_filters

                result.custom, custom_errors = parse_filters(organization, custom)
                errors.extend(custom_errors)
                result.custom_params = {
                    name: one(name)
                    for name in custom
                    if one(name) and not any(e.field == name for e in custom_errors)
                }
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

    def params(self) -> dict[str, Any]:
        """The filter and sort as query parameters, defaults left out (no cursor or
        limit): what a saved view keeps and a URL carries."""
        values: dict[str, Any] = {
            "q": self.q,
            "archived": "" if self.archived == "false" else self.archived,
            "kind": self.kind,
            "country": self.country,
            "tag": list(self.tag),
            "category": self.category,
            "owner": str(self.owner) if self.owner else "",
            "created_after": self.created_after_param,
            "created_before": self.created_before_param,
            **self.custom_params,
            "sort": "" if self.sort == "name" else self.sort,
            "trash": "1" if self.trash else "",
        }
        return {k: v for k, v in values.items() if v not in ("", None, [])}

    @property
    def is_filtered(self) -> bool:
        """Whether anything narrows the list beyond the archived toggle and the sort."""
        return bool(self.q) or self.has_filters

    @property
    def has_filters(self) -> bool:
        """Whether a filter other than the search narrows the list."""
        return bool(
            self.kind
            or self.country
            or self.tag
            or self.category
            or self.owner
            or self.created_after
            or self.created_before
            or self.custom
        )


def _parse_bound(text: str, *, upper: bool) -> datetime.datetime | None:
    """A creation-time bound: a day (in the organization's time zone; an upper day bound
    includes that day) or an ISO date and time."""
    match = _DAY.match(text)
    if match:
        if match.group(1):
            year, month, day = (int(match.group(i)) for i in (1, 2, 3))
        else:
            day, month, year = (int(match.group(i)) for i in (4, 5, 6))
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            return None
        if not 1900 <= year <= 2200:
            return None
        if upper:
            date += datetime.timedelta(days=1)
        start = datetime.datetime.combine(date, datetime.time())
        return timezone.make_aware(start, timezone.get_default_timezone())
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is None or not 1900 <= moment.year <= 2200:
        return None
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment + datetime.timedelta(microseconds=1) if upper else moment


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


# --- Conditions -------------------------------------------------------------------------
@dataclass
class Resolved:
    """A filter with its names turned into ids; ``empty`` when a name matches nothing
    (an unknown tag or category), so no client can match."""

    tag_ids: list[int] = field(default_factory=list)
    category_id: int | None = None
    empty: bool = False


def resolve(organization: Organization, spec: ClientFilter) -> Resolved:
    resolved = Resolved()
    if spec.tag:
        ids = [_named_id(Tag, organization, name) for name in spec.tag]
        resolved.empty = None in ids
        resolved.tag_ids = sorted({pk for pk in ids if pk is not None})
    if spec.category:
        resolved.category_id = _named_id(Category, organization, spec.category)
        resolved.empty = resolved.empty or resolved.category_id is None
    return resolved


def _named_id(
    model: type[Tag] | type[Category], organization: Organization, name: str
) -> int | None:
    """The id of the organization's tag or category called ``name``, whatever the case
    and accents' case (SQLite's lower() only folds ASCII letters, so compare here)."""
    exact = model.objects.filter(organization=organization, name=name).values_list("id", flat=True)
    found = exact.first()
    if found is not None:
        return found
    wanted = name.casefold()
    candidates = model.objects.filter(organization=organization, name__iexact=name)
    if not name.isascii():
        candidates = model.objects.filter(organization=organization)
    for pk, other in candidates.values_list("id", "name")[:10_000]:
        if other.casefold() == wanted:
            return pk
    return None


def _archived_values(spec: ClientFilter) -> list[bool]:
    return {"false": [False], "true": [True]}.get(spec.archived, [False, True])


def _name_prefix_range(term: str) -> tuple[str, str]:
    """``sort_name`` values starting with ``term`` are those in [term, upper)."""
    return term, term[:-1] + chr(ord(term[-1]) + 1)


def _base(organization: Organization, spec: ClientFilter) -> QuerySet[Client]:
    queryset = Client.objects.filter(organization=organization)
    queryset = queryset.filter(deleted_at__isnull=not spec.trash)
    if spec.trash:  # merged clients are out of the trash too: undoing the merge brings them back
        queryset = queryset.filter(merged_into__isnull=True)
    # "archived IN (x)" rather than "archived = x": Django writes the latter as "NOT
    # archived", which SQLite cannot match to the (organization, archived, …) indexes;
    # "IN (false, true)" for all of them still lets it seek past ``archived`` into them.
    return queryset.filter(archived__in=_archived_values(spec))


def _filtered(
    organization: Organization,
    spec: ClientFilter,
    resolved: Resolved,
    query: search.SearchQuery | None,
) -> QuerySet[Client]:
    """The clients matching ``spec``, on any database (unsorted, unpaginated)."""
    queryset = _base(organization, spec)
    if spec.kind:
        queryset = queryset.filter(kind=spec.kind)
    if spec.country:
        queryset = queryset.filter(country=spec.country)
    if resolved.category_id is not None:
        queryset = queryset.filter(category_id=resolved.category_id)
    if spec.owner is not None:
        queryset = queryset.filter(owner_id=spec.owner)
    if spec.created_after is not None:
        queryset = queryset.filter(created_at__gte=spec.created_after)
    if spec.created_before is not None:
        queryset = queryset.filter(created_at__lt=spec.created_before)
    for tag_id in resolved.tag_ids:
        queryset = queryset.filter(
            Exists(
                ClientTag.objects.filter(
                    organization_id=organization.pk, tag_id=tag_id, client_id=OuterRef("pk")
                )
            )
        )
    if spec.custom:
        from carnet.customfields.models import CustomFieldValue

        for flt in spec.custom:
            queryset = queryset.filter(
                Exists(
                    CustomFieldValue.objects.filter(
                        organization_id=organization.pk,
                        field_id=flt.field_id,
                        value=flt.key,
                        client_id=OuterRef("pk"),
                    )
                )
            )
    if query is not None and query.identifier:
        queryset = queryset.filter(siren=query.term[:9])
        if len(query.term) == 14:
            queryset = queryset.filter(siret=query.term)
    elif query is not None and query.term:
        if query.name_prefix:
            # A range on the name indexes (sort_name is in byte order on both databases).
            low, high = _name_prefix_range(query.term)
            queryset = queryset.filter(sort_name__gte=low, sort_name__lt=high)
        else:
            # The trigram index serves it on PostgreSQL; on SQLite the planner drives
            # from the FTS table or walks an index holding search_text.
            queryset = queryset.filter(search_text__contains=query.term)
    return queryset


def _drivers(
    organization: Organization,
    spec: ClientFilter,
    resolved: Resolved,
    query: search.SearchQuery | None,
) -> list[planner.Driver]:
    """The filters that can list their clients from an index (SQLite plans with them)."""
    drivers: list[planner.Driver] = []
    if query is not None and query.identifier:
        drivers.append(
            planner.Driver(
                "siren",
                "SELECT id FROM clients_client WHERE organization_id = %s AND siren = %s",
                (organization.pk, query.term[:9]),
            )
        )
    if query is not None and query.trigram:
        fts = search.FTS_TABLE
        drivers.append(
            planner.Driver(
                "search",
                f"SELECT rowid & {search.NAME_KEY_ID_MASK} FROM {fts} WHERE {fts} MATCH %s",
                (search.fts_query(query.term),),
                limit=planner.FEW_HITS,
            )
        )
    for flt in spec.custom:
        drivers.append(
            planner.Driver(
                "custom_field",
                "SELECT client_id FROM customfields_customfieldvalue "
                "WHERE organization_id = %s AND field_id = %s AND value = %s",
                (organization.pk, flt.field_id, flt.key),
            )
        )
    for tag_id in resolved.tag_ids:
        drivers.append(
            planner.Driver(
                "tag",
                "SELECT client_id FROM clients_clienttag "
                "WHERE organization_id = %s AND tag_id = %s",
                (organization.pk, tag_id),
            )
        )
    live_only = not spec.trash
    if resolved.category_id is not None:
        drivers.append(
            planner.Driver(
                "category",
                "SELECT id FROM clients_client WHERE category_id = %s",
                (resolved.category_id,),
                walk_index=CATEGORY_WALK_INDEX if live_only else "",
            )
        )
    if spec.country:
        drivers.append(
            planner.Driver(
                "country",
                "SELECT id FROM clients_client WHERE organization_id = %s AND country = %s",
                (organization.pk, spec.country),
                walk_index=COUNTRY_WALK_INDEX if live_only else "",
            )
        )
    if spec.owner is not None:
        drivers.append(
            planner.Driver(
                "owner", "SELECT id FROM clients_client WHERE owner_id = %s", (spec.owner,)
            )
        )
    live = _live_conditions(organization, spec)
    column = SORTS[spec.sort][0]
    if (spec.created_after or spec.created_before) and column != "created_at" and live:
        sql, params = live
        adapt = connection.ops.adapt_datetimefield_value
        if spec.created_after:
            sql += " AND created_at >= %s"
            params += (adapt(spec.created_after),)
        if spec.created_before:
            sql += " AND created_at < %s"
            params += (adapt(spec.created_before),)
        drivers.append(
            planner.Driver("created", sql.replace("{index}", SORT_INDEXES["created_at"]), params)
        )
    if query is not None and query.name_prefix and column != "sort_name" and live:
        sql, params = live
        low, high = _name_prefix_range(query.term)
        drivers.append(
            planner.Driver(
                "name_prefix",
                sql.replace("{index}", SORT_INDEXES["sort_name"])
                + " AND sort_name >= %s AND sort_name < %s",
                (*params, low, high),
            )
        )
    return drivers


def _live_conditions(
    organization: Organization, spec: ClientFilter
) -> tuple[str, tuple[Any, ...]] | None:
    """SQL selecting the ids of the list's live clients through one of the list indexes
    (``{index}`` is replaced by its name); None for the trash."""
    if spec.trash:
        return None
    archived = _archived_values(spec)
    marks = ", ".join(["%s"] * len(archived))
    return (
        "SELECT id FROM clients_client INDEXED BY {index} WHERE organization_id = %s "
        f"AND archived IN ({marks}) AND deleted_at IS NULL",
        (organization.pk, *archived),
    )


def _sort_index(spec: ClientFilter, query: search.SearchQuery | None) -> str | None:
    if spec.trash:
        return None  # the trash is small: SQLite reads it from its own index
    column = SORTS[spec.sort][0]
    if column == "sort_name" and query is not None and query.trigram:
        return SEARCH_WALK_INDEX  # tests search_text inside the index, no row reads
    return SORT_INDEXES[column]


def _ordering(spec: ClientFilter) -> list[str]:
    column, descending = SORTS[spec.sort]
    sign = "-" if descending else ""
    order = [f"{sign}{column}", f"{sign}id"]
    if spec.archived == "all":
        order.insert(0, "archived")  # archived clients last, greyed
    return order


def _exact_ids(
    organization: Organization,
    spec: ClientFilter,
    filtered: QuerySet[Client],
    query: search.SearchQuery,
    cap: int,
) -> list[int]:
    """Clients whose identifier equals the query (e-mail, SIRET, SIREN, telephone,
    reference, VAT number) and that pass the filters, in the list's order, at most ``cap``."""
    if not query.exact or cap <= 0 or spec.trash:
        return []
    candidates: set[int] = set()
    live = Client.objects.filter(organization=organization, deleted_at__isnull=True)
    for column, values in query.exact.items():
        lookup: QuerySet[Any]
        if column == "email":
            # The unique index on lower(email) serves this lookup.
            lookup = live.annotate(email_lower=Lower("email")).filter(email_lower__in=values)
        else:
            lookup = live.filter(**{f"{column}__in": values})
        lookup = lookup.exclude(**{column: ""})
        candidates.update(lookup.values_list("id", flat=True)[: cap * 4])
    if not candidates:
        return []
    return planner.ids_among(filtered.filter(id__in=candidates).order_by(*_ordering(spec)), cap)


def page_ids(organization: Organization, spec: ClientFilter) -> list[int]:
    """The ids of one page, in order, plus one more when a next page exists.

    Clients whose identifier equals the query come first on the first page (and are left
    out of the following ones). A narrow query the planner steers onto the right index;
    callers then load those rows in the shape they need (model instances for pages,
    dicts for the API).
    """
    if spec.sort in ("revenue", "-revenue"):
        # The revenue column holds the current fiscal year's: the first list of a new
        # year recomputes it (sales imports this module).
        from carnet.sales.services import ensure_revenue_year

        ensure_revenue_year(organization.pk)
    resolved = resolve(organization, spec)
    if resolved.empty:
        return []
    query = search.parse_query(spec.q) if spec.q else None
    filtered = _filtered(organization, spec, resolved, query)
    exact: list[int] = []
    if query is not None and spec.limit > 1:
        exact = _exact_ids(organization, spec, filtered, query, min(MAX_EXACT, spec.limit - 1))
    rest = filtered.exclude(id__in=exact) if exact else filtered
    cursor = _decode_cursor(spec.cursor, spec.sort) if spec.cursor else None
    first_page = cursor is None
    column, descending = SORTS[spec.sort]
    limit = spec.limit + 1 - (len(exact) if first_page else 0)
    ids_args: dict[str, Any] = {
        "drivers": _drivers(organization, spec, resolved, query),
        "sort_index": _sort_index(spec, query),
        "by_name": column == "sort_name",
        "organization_id": organization.pk,
    }
    by_name_search = query is not None and query.trigram and column == "sort_name"
    if not spec.trash and not (by_name_search and spec.archived != "all"):
        ids: list[int] = []
        for condition, order in _segments(spec, cursor):
            if len(ids) < limit:
                part = rest.filter(condition).order_by(*order)
                ids += planner.page_ids(part, limit - len(ids), **ids_args)
        return (exact if first_page else []) + ids
    # The trash (small) and a search by name (read in name order from the search index)
    # are one query each.
    after = Q()
    if cursor is not None:
        value, pk, archived_value = cursor
        op = "lt" if descending else "gt"
        after = Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"id__{op}": pk})
        if spec.archived == "all":
            after = (Q(archived=archived_value) & after) | Q(archived__gt=archived_value)
    rest = rest.filter(after)
    ordered = None
    if query is not None and by_name_search and not spec.trash:
        unsearched = None
        if connection.vendor != "sqlite" and len(query.term) <= BOUNDED_WALK_TERM:
            unsearched = _filtered(organization, spec, resolved, None)
            if exact:
                unsearched = unsearched.exclude(id__in=exact)
            unsearched = unsearched.filter(after)
        ordered = planner.OrderedSearch(
            search.fts_query(query.term),
            descending=descending,
            after=cursor[0] if cursor is not None else None,
            unsearched=unsearched,
            term=query.term,
        )
    ids = planner.page_ids(rest.order_by(*_ordering(spec)), limit, **ids_args, ordered=ordered)
    return (exact if first_page else []) + ids


def _segments(
    spec: ClientFilter, cursor: tuple[Any, int, bool] | None
) -> list[tuple[Q, list[str]]]:
    """The parts of a page, each a condition with its order, read one after the other
    until the page is full, each one seek into the sort index.

    With ``archived=all``, live clients then archived ones: "archived, -revenue" in one
    query would sort them all. After a cursor, the clients tied with it at its sort value
    (in id order), then those beyond that value: "column < value OR (column = value AND
    id < pk)" would walk every client tied at the value before the cursor, a fifth of an
    organization at a revenue of 0.
    """
    column, descending = SORTS[spec.sort]
    op = "lt" if descending else "gt"
    order = _ordering(spec)
    parts = [Q()]
    if spec.archived == "all":
        order = order[1:]  # one value of "archived" per part
        start = cursor[2] if cursor is not None else False
        parts = [Q(archived__in=[archived]) for archived in (False, True) if archived >= start]
    segments = []
    for index, part in enumerate(parts):
        if cursor is not None and index == 0:
            value, pk, _archived = cursor
            segments.append((part & Q(**{column: value, f"id__{op}": pk}), order))
            segments.append((part & Q(**{f"{column}__{op}": value}), order))
        else:
            segments.append((part, order))
    return segments


def matching_ids(organization: Organization, spec: ClientFilter) -> list[int]:
    """Every client the filter matches, in id order (no pagination): the target of a bulk
    action over the results of a filter."""
    resolved = resolve(organization, spec)
    if resolved.empty:
        return []
    query = search.parse_query(spec.q) if spec.q else None
    filtered = _filtered(organization, spec, resolved, query).order_by("id")
    return planner.all_ids(filtered, _drivers(organization, spec, resolved, query))


def next_cursor(spec: ClientFilter, last: Any) -> str:
    """The cursor of the page after the one ending with ``last`` (a client or its dict)."""
    column = SORTS[spec.sort][0]

    def read(name: str) -> Any:
        return last[name] if isinstance(last, dict) else getattr(last, name)

    return _encode_cursor(spec.sort, read(column), read("id"), read("archived"))


# What the list page shows of each client (and the sort keys of its cursor): loading
# only these makes a page of 50 model instances several times cheaper.
LIST_PAGE_FIELDS = (
    "id",
    "organization_id",
    "name",
    "reference",
    "kind",
    "country",
    "email",
    "phone",
    "mobile",
    "siren",
    "vat_number",
    "category__name",
    "created_at",
    "revenue",
    "sort_name",
    "archived",
    "deleted_at",
)


def list_clients(organization: Organization, spec: ClientFilter) -> ClientPage:
    """One page of clients, keyset-paginated on (sort column, id).

    With ``archived=all``, archived clients come after the active ones (shown greyed at
    the bottom), so ``archived`` leads the ordering.
    """
    ids = page_ids(organization, spec)
    found = (
        Client.objects.filter(organization=organization, pk__in=ids)
        .only(*LIST_PAGE_FIELDS)
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


# --- Picker -----------------------------------------------------------------------------
PICKER_LIMIT = 10
MAX_PICKER_LIMIT = 50
PICKER_FIELDS = ("id", "name", "reference", "kind", "email", "siren", "country", "archived")


def pick_clients(
    organization: Organization, q: str, *, archived: str = "false", limit: int = PICKER_LIMIT
) -> list[dict[str, Any]]:
    """The few clients a form's client picker proposes for ``q``, by name (exact
    identifier matches first), archived ones excluded unless ``archived="all"``, then
    last. Each is a small dict with the billing address's city."""
    spec = ClientFilter(q=q[:200], archived=archived, limit=limit)
    ids = page_ids(organization, spec)[:limit]
    rows = {
        row["id"]: row
        for row in Client.objects.filter(organization=organization, pk__in=ids).values(
            *PICKER_FIELDS
        )
    }
    from carnet.addresses.models import Address

    cities: dict[int, str] = {}
    for client_id, city in (
        Address.objects.filter(organization=organization, client_id__in=ids)
        .order_by("client_id", "-is_billing", "id")
        .values_list("client_id", "city")
    ):
        cities.setdefault(client_id, city)
    items = []
    for pk in ids:
        row = rows.get(pk)
        if row is not None:
            row["city"] = cities.get(pk, "")
            items.append(row)
    return items
