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

from . import queries, services
from .models import Client
from .schemas import (
    ChangeList,
    ClientIn,
    ClientList,
    ClientOut,
    ListParams,
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


@router.get(
    "",
    response={200: ClientList, **LIST_ERRORS},
    summary="List and search clients",
    description="Keyset-paginated: pass `next_cursor` back as `cursor` for the next page.",
)
def list_clients(request: HttpRequest, params: Query[ListParams]) -> Any:
    spec = queries.ClientFilter.from_params(params.dict(exclude_none=True))
    organization = _organization(request)
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


@router.post(
    "",
    response={201: ClientOut, **WRITE_ERRORS},
    summary="Create a client",
    description="Refused with 409 (`existing_client_id`) when a client has the same e-mail "
    "or SIRET.",
)
def create_client(request: HttpRequest, payload: ClientIn) -> Any:
    _require_editor(request)
    client = services.create_client(
        _organization(request),
        _user(request),
        payload.dict(exclude_unset=True),
        source="api",
    )
    return _client_response(client, status=201, location=f"{request.path.rstrip('/')}/{client.pk}")


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
    response={200: ClientOut, **WRITE_ERRORS},
    summary="Change a client",
    description="Only the fields sent change. Send `If-Match` to refuse overwriting someone "
    "else's change (412 with `current_version`).",
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
    return _client_response(client)


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
