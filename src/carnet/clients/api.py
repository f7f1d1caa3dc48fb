"""REST endpoints for clients: parse, call a service or a query, answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.history import history_for

from . import queries, services
from .schemas import ChangeList, ClientIn, ClientList, ClientOut, Problem

router = Router(tags=["clients"])
ERRORS: dict[int | tuple[int, ...], Any] = {
    (400, 401, 404, 409, 412, 422): Problem,
}


class ListParams(Schema):
    q: str | None = None
    archived: str | None = None
    kind: str | None = None
    tag: list[str] | None = None
    category: str | None = None
    country: str | None = None
    owner: str | None = None
    sort: str | None = None
    limit: str | None = None
    cursor: str | None = None
    trash: str | None = None


def _parse_if_match(request: HttpRequest) -> int | None:
    """The version in ``If-Match`` ("3", '"3"' or 'W/"3"'), None when absent."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationFailed(
            [FieldError("If-Match", "invalid_version", _("L'en-tête If-Match doit contenir la version du client."))]
        )
    return int(value)



@router.get("", response={200: ClientList, **ERRORS}, summary="List and search clients")
def list_clients(request: HttpRequest, params: Query[ListParams]) -> Any:
    spec = queries.ClientFilter.from_params(params.dict(exclude_none=True))
    page = queries.list_clients(request.organization, spec)  # type: ignore[attr-defined]
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("", response={201: ClientOut, **ERRORS}, summary="Create a client")
def create_client(request: HttpRequest, payload: ClientIn) -> Any:
    client = services.create_client(
        request.organization, request.user, payload.dict(exclude_unset=True), source="api"  # type: ignore[attr-defined,arg-type]
    )
    return 201, client


@router.get("/{client_id}", response={200: ClientOut, **ERRORS}, summary="Read a client")
def get_client(request: HttpRequest, response: HttpResponse, client_id: int) -> Any:
    client = services.get_client(request.organization, client_id)  # type: ignore[attr-defined]
    response["ETag"] = f'"{client.version}"'
    return client


@router.patch("/{client_id}", response={200: ClientOut, **ERRORS}, summary="Change a client")
def update_client(request: HttpRequest, response: HttpResponse, client_id: int, payload: ClientIn) -> Any:
    client = services.update_client(
        request.organization,  # type: ignore[attr-defined]
        request.user,  # type: ignore[arg-type]
        client_id,
        payload.dict(exclude_unset=True),
        expected_version=_parse_if_match(request),
        source="api",
    )
    response["ETag"] = f'"{client.version}"'
    return client


@router.delete("/{client_id}", response={200: ClientOut, **ERRORS}, summary="Move a client to the trash")
def delete_client(request: HttpRequest, client_id: int) -> Any:
    return services.delete_client(request.organization, request.user, client_id, source="api")  # type: ignore[attr-defined,arg-type]


@router.post("/{client_id}/archive", response={200: ClientOut, **ERRORS}, summary="Archive a client")
def archive_client(request: HttpRequest, client_id: int) -> Any:
    return services.archive_client(request.organization, request.user, client_id, source="api")  # type: ignore[attr-defined,arg-type]


@router.post("/{client_id}/unarchive", response={200: ClientOut, **ERRORS}, summary="Unarchive a client")
def unarchive_client(request: HttpRequest, client_id: int) -> Any:
    return services.unarchive_client(request.organization, request.user, client_id, source="api")  # type: ignore[attr-defined,arg-type]


@router.post("/{client_id}/restore", response={200: ClientOut, **ERRORS}, summary="Restore a client from the trash")
def restore_client(request: HttpRequest, client_id: int) -> Any:
    return services.restore_client(request.organization, request.user, client_id, source="api")  # type: ignore[attr-defined,arg-type]


@router.get("/{client_id}/history", response={200: ChangeList, **ERRORS}, summary="History of a client, newest first")
def client_history(request: HttpRequest, client_id: int) -> Any:
    client = services.get_client(request.organization, client_id)  # type: ignore[attr-defined]
    return {"items": list(history_for(client.organization_id, services.OBJECT_TYPE, client.pk)[:500])}
