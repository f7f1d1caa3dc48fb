"""REST endpoints for clients: parse, authorize, call a service or a query, answer.

Validation lives in ``validation.py`` (fields) and ``queries.ClientFilter`` (list
parameters); the schemas in ``schemas.py`` describe the API and refuse what is not even
the right shape (unknown fields, wrong JSON types).
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Query, Router
from pydantic import WithJsonSchema
from pydantic_core import to_json

from carnet.accounts.models import Organization, Role, User
from carnet.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from carnet.core.history import history_for
from carnet.core.ids import parse_id
from carnet.payments import services as payments

from . import queries, services
from .models import Client
from .schemas import (
    BulkIn,
    BulkOut,
    ChangeList,
    ClientCreated,
    ClientIn,
    ClientList,
    ClientOut,
    ClientUpdated,
    ListParams,
    PickerList,
    PickerParams,
    Problem,
    client_data,
    clients_data,
)

router = Router(tags=["clients"])

# Error responses each kind of endpoint can give (documented in the OpenAPI document).
READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
LIST_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 422): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 412, 415, 422): Problem}
STATE_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 403, 404, 409): Problem}
MAX_HISTORY = 500
IF_MATCH_PATTERN = r'^(\*|(W/)?"?[0-9]{1,18}"?)$'
IF_MATCH_DESCRIPTION = (
    "The `version` (or `ETag`) the change is based on: refused with 412 when the client "
    "changed since."
)


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # set by TokenAuth


def _require_editor(request: HttpRequest) -> None:
    """Read-only members (role ``viewer``) may read through the API but not write."""
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # set by TokenAuth
    if role is None or role == Role.VIEWER:
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas de modifier les clients.")
        )


def _parse_if_match(value: str | None) -> int | None:
    """The version in ``If-Match`` ("3", '"3"' or 'W/"3"'), None when absent or ``*``."""
    if value is None or value.strip() == "*":
        return None
    version = value.strip().removeprefix("W/").strip('"')
    if not (version.isascii() and version.isdigit() and len(version) <= 18):
        raise ValidationFailed(
            [
                FieldError(
                    "If-Match",
                    "invalid_version",
                    _('L\'en-tête If-Match doit contenir la version du client, par exemple "3".'),
                )
            ]
        )
    return int(version)


def _json(data: Any, *, status: int = 200) -> HttpResponse:
    return HttpResponse(to_json(data), status=status, content_type="application/json")


def _client_response(client: Client, *, status: int = 200, location: str = "") -> HttpResponse:
    """One client as ``ClientOut`` JSON, with its version as ``ETag``."""
    response = _json(client_data(client), status=status)
    response["ETag"] = f'"{client.version}"'
    if location:
        response["Location"] = location
    return response


def list_params(request: HttpRequest) -> dict[str, Any]:
    """The query string as ``ClientFilter.from_params`` takes it (``tag`` repeated)."""
    return {
        key: request.GET.getlist(key) if key == "tag" else request.GET.get(key)
        for key in request.GET
    }


@router.get(
    "",
    response={200: ClientList, **LIST_ERRORS},
    summary="List, search and filter clients",
    description="Keyset-paginated: pass `next_cursor` back as `cursor` for the next page. "
    "Custom fields filter with `cf_<slug>=<value>` (a `multiple_choice` field: one of its "
    "choices). Clients whose e-mail, SIRET, SIREN, telephone number, reference or VAT "
    "number equals `q` come first. An unknown parameter is refused (422).",
)
def list_clients(request: HttpRequest, params: Query[ListParams]) -> Any:
    organization = _organization(request)
    spec = queries.ClientFilter.from_params(
        list_params(request), organization=organization, strict=True
    )
    ids = queries.page_ids(organization, spec)
    sort_column = queries.SORTS[spec.sort][0]
    extra = (sort_column,) if sort_column not in ClientOut.model_fields else ()
    items = clients_data(organization.pk, ids, extra=extra)
    cursor = None
    if len(items) > spec.limit:
        items = items[: spec.limit]
        cursor = queries.next_cursor(spec, items[-1])
    for item in items:
        for column in extra:
            del item[column]
    return _json({"items": items, "next_cursor": cursor})


@router.get(
    "/picker",
    response={200: PickerList, **LIST_ERRORS},
    summary="Suggest clients for a form's client picker",
    description="The first clients by name matching `q` (exact identifier matches first), "
    "with their billing city. Archived clients are left out, unless `archived=all`: then "
    "they come last, to be shown greyed.",
)
def pick_clients(request: HttpRequest, params: Query[PickerParams]) -> Any:
    organization = _organization(request)
    unknown = sorted(set(request.GET) - {"q", "archived", "limit"})
    errors = [
        FieldError(name, "unknown_filter", _("Paramètre inconnu : « %(name)s ».") % {"name": name})
        for name in unknown
    ]
    archived = (request.GET.get("archived") or "false").strip().lower()
    if archived not in ("false", "all"):
        errors.append(
            FieldError("archived", "invalid_choice", _("« archived » vaut false ou all."))
        )
    raw_limit = (request.GET.get("limit") or str(queries.PICKER_LIMIT)).strip()
    limit = int(raw_limit) if raw_limit.isascii() and raw_limit.isdigit() else 0
    if not 1 <= limit <= queries.MAX_PICKER_LIMIT:
        errors.append(
            FieldError("limit", "out_of_range", _("« limit » doit être compris entre 1 et 50."))
        )
    q = request.GET.get("q") or ""
    if "\x00" in q:
        errors.append(FieldError("q", "invalid_character", _("Caractère nul interdit.")))
    if errors:
        raise ValidationFailed(errors)
    items = queries.pick_clients(organization, q, archived=archived, limit=limit)
    return _json({"items": items})


@router.post(
    "",
    response={201: ClientCreated, **WRITE_ERRORS},
    summary="Create a client",
    description="Refused with 409 (`existing_client_id`) when a client has the same e-mail "
    "or SIRET. Likely duplicates (same SIREN, phone or VAT number, a very close name in the "
    "same town) do not refuse it: they are listed in `warnings`, as are payment terms beyond "
    "the legal maximum between businesses (60 days, or 45 days end of month).",
)
def create_client(request: HttpRequest, payload: ClientIn) -> Any:
    from carnet.duplicates.services import warnings_for

    _require_editor(request)
    organization = _organization(request)
    client = services.create_client(
        organization,
        _user(request),
        payload.dict(exclude_unset=True),
        source="api",
    )
    data = {
        **client_data(client),
        "warnings": [*warnings_for(organization, client), *payments.terms_warnings(client)],
    }
    response = _json(data, status=201)
    response["ETag"] = f'"{client.version}"'
    response["Location"] = f"{request.path.rstrip('/')}/{client.pk}"
    return response


@router.post(
    "/bulk",
    response={200: BulkOut, **WRITE_ERRORS},
    summary="Apply one action to many clients",
    description="Tag, untag, set the category or the owner, archive, unarchive or delete "
    "the clients `ids`, or every client `filter` matches, in one transaction. The answer "
    "says what happened to each: `done`, `unchanged`, `refused` (with `code` and "
    "`message`, e.g. a delete refused while documents are attached) or `not_found` (an id "
    "that is not one of the organization's clients: nothing is done to it).",
)
def bulk_clients(request: HttpRequest, payload: BulkIn) -> Any:
    _require_editor(request)
    organization = _organization(request)
    if (payload.ids is None) == (payload.filter is None):
        raise ValidationFailed(
            [FieldError("ids", "required", _("Donnez soit « ids », soit « filter »."))]
        )
    if payload.ids is not None:
        ids = [pk for pk in payload.ids]
    else:
        try:
            spec = queries.ClientFilter.from_params(
                payload.filter or {}, organization=organization, strict=True
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                [FieldError(f"filter.{e.field}", e.code, e.message) for e in exc.errors]
            ) from None
        ids = queries.matching_ids(organization, spec)
    result = services.bulk_change_clients(
        organization,
        _user(request),
        payload.action,
        ids,
        tags=payload.tags,
        category=payload.category,
        owner=payload.owner,
        source="api",
    )
    results = []
    for outcome in result.outcomes:
        item: dict[str, Any] = {"id": outcome.client_id, "status": outcome.status}
        if outcome.status in ("refused", "not_found"):
            item["code"] = outcome.code
            item["message"] = outcome.message
        results.append(item)
    return _json({"action": result.action, "counts": result.counts(), "results": results})


@router.get("/{client_id}", response={200: ClientOut, **READ_ERRORS}, summary="Read a client")
def get_client(request: HttpRequest, client_id: int) -> Any:
    # The list's loader: two plain queries, no model instance (the hot read path).
    pk = parse_id(client_id)
    found = clients_data(_organization(request).pk, [pk]) if pk is not None else []
    if not found:
        raise NotFound(_("Client introuvable."))
    response = _json(found[0])
    response["ETag"] = f'"{found[0]["version"]}"'
    return response


@router.patch(
    "/{client_id}",
    response={200: ClientUpdated, **WRITE_ERRORS},
    summary="Change a client",
    description="Only the fields sent change. Send `If-Match` to refuse overwriting someone "
    "else's change (412 with `current_version`). Payment terms beyond the legal maximum "
    "between businesses are accepted, with a warning in `warnings`.",
)
def update_client(
    request: HttpRequest,
    client_id: int,
    payload: ClientIn,
    # Documented with its pattern; _parse_if_match checks it, with a French message.
    if_match: Annotated[
        str | None, WithJsonSchema({"type": "string", "pattern": IF_MATCH_PATTERN})
    ] = Header(None, alias="If-Match", description=IF_MATCH_DESCRIPTION),
) -> Any:
    _require_editor(request)
    client = services.update_client(
        _organization(request),
        _user(request),
        client_id,
        payload.dict(exclude_unset=True),
        expected_version=_parse_if_match(if_match),
        source="api",
    )
    response = _json({**client_data(client), "warnings": payments.terms_warnings(client)})
    response["ETag"] = f'"{client.version}"'
    return response


@router.delete(
    "/{client_id}",
    response={200: ClientOut, **STATE_ERRORS},
    summary="Move a client to the trash",
    description="Refused with 409 (`code: has_documents`) while documents or payments refer "
    "to the client: archive it instead.",
)
def delete_client(request: HttpRequest, client_id: int) -> Any:
    _require_editor(request)
    client = services.delete_client(_organization(request), _user(request), client_id, source="api")
    return _client_response(client)


@router.post(
    "/{client_id}/archive", response={200: ClientOut, **STATE_ERRORS}, summary="Archive a client"
)
def archive_client(request: HttpRequest, client_id: int) -> Any:
    _require_editor(request)
    client = services.archive_client(
        _organization(request), _user(request), client_id, source="api"
    )
    return _client_response(client)


@router.post(
    "/{client_id}/unarchive",
    response={200: ClientOut, **STATE_ERRORS},
    summary="Unarchive a client",
)
def unarchive_client(request: HttpRequest, client_id: int) -> Any:
    _require_editor(request)
    client = services.unarchive_client(
        _organization(request), _user(request), client_id, source="api"
    )
    return _client_response(client)


@router.post(
    "/{client_id}/restore",
    response={200: ClientOut, **STATE_ERRORS},
    summary="Restore a client from the trash",
    description="Refused with 409 when a live client took its e-mail or SIRET meanwhile.",
)
def restore_client(request: HttpRequest, client_id: int) -> Any:
    _require_editor(request)
    client = services.restore_client(
        _organization(request), _user(request), client_id, source="api"
    )
    return _client_response(client)


@router.get(
    "/{client_id}/history",
    response={200: ChangeList, **READ_ERRORS},
    summary="History of a client, newest first",
    description=f"The {MAX_HISTORY} most recent changes.",
)
def client_history(request: HttpRequest, client_id: int) -> Any:
    organization = _organization(request)
    client = services.get_client(organization, client_id)
    changes = history_for(organization.pk, services.OBJECT_TYPE, client.pk)
    return {"items": list(changes[:MAX_HISTORY])}
