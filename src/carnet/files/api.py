"""REST endpoints for client files: parse, authorize, call a service, answer.

Uploads are ``multipart/form-data`` with one or several ``file`` parts and a
``category``; the request size is checked before the body is read. Downloads are always
attachments (``downloads.file_response``).
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from carnet.accounts.models import Organization, Role, User
from carnet.clients.schemas import Problem
from carnet.clients.services import get_client
from carnet.core.errors import NotFound, PermissionDenied

from . import services
from .downloads import SAFE_CONTENT_TYPES, file_response
from .schemas import FileFilter, FileList, FileOut, FilePatch, file_data
from .uploads import read_upload

router = Router(tags=["files"])

SOURCE = "api"
MAX_RESULTS = 200
READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
LIST_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 422): Problem}
UPLOAD_ERRORS: dict[int | tuple[int, ...], Any] = {
    (400, 401, 403, 404, 409, 413, 415, 422): Problem
}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 415, 422): Problem}
DELETE_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 403, 404, 409): Problem}

_BINARY = {"schema": {"type": "string", "format": "binary"}}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "minItems": 1,
                            "maxItems": services.MAX_FILES_PER_UPLOAD,
                            "description": "One or several files (repeat the part).",
                        },
                        "category": {
                            "type": "string",
                            "enum": ["contract", "terms", "bank_details", "other"],
                            "default": "other",
                        },
                    },
                }
            }
        },
    }
}
DOWNLOAD_RESPONSE = {
    "responses": {
        200: {
            "description": "The file, as an attachment (`Content-Disposition: attachment`). "
            "Types outside a short safe list are sent as `application/octet-stream`.",
            "content": {
                content_type: _BINARY
                for content_type in sorted(SAFE_CONTENT_TYPES | {"application/octet-stream"})
            },
        }
    }
}


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # set by TokenAuth


def _require_editor(request: HttpRequest) -> None:
    """Read-only members (role ``viewer``) may list and download files but not change them."""
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # set by TokenAuth
    if role is None or role == Role.VIEWER:
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas de modifier les documents.")
        )


@router.get(
    "/clients/{client_id}/files",
    response={200: FileList, **READ_ERRORS},
    summary="List a client's files",
)
def list_client_files(request: HttpRequest, client_id: int) -> Any:
    files = services.list_files(_organization(request), client_id)
    return {"items": [file_data(item) for item in files]}


@router.post(
    "/clients/{client_id}/files",
    response={201: FileList, **UPLOAD_ERRORS},
    summary="Upload files to a client",
    description="`multipart/form-data` with one or several `file` parts (at most "
    f"{services.MAX_FILES_PER_UPLOAD}) and a `category`. Each file is limited in size "
    "(`CARNET_MAX_UPLOAD_MB`, 20 MB by default); its type is detected from its content "
    "and must match its extension; programs, scripts, HTML and SVG are refused (422). "
    "All files are stored, or none.",
    openapi_extra=UPLOAD_BODY,
)
def upload_client_files(request: HttpRequest, client_id: int) -> Any:
    _require_editor(request)
    organization = _organization(request)
    get_client(organization, client_id)  # another organization's id: 404 before reading
    uploads, category = read_upload(request)
    files = services.upload_files(
        organization, _user(request), client_id, uploads, category, source=SOURCE
    )
    return Status(201, {"items": [file_data(item) for item in files]})


@router.get(
    "/files",
    response={200: FileList, **LIST_ERRORS},
    summary="Files of every client",
    description=f"Newest first, at most {MAX_RESULTS}; narrowed by client, category and "
    "words of the name (accents and case ignored).",
)
def list_files(request: HttpRequest, filters: Query[FileFilter]) -> Any:
    files = services.search_files(
        _organization(request),
        client_id=filters.client,
        category=filters.category or "",
        q=filters.q,
    ).select_related("uploaded_by")[:MAX_RESULTS]
    return {"items": [file_data(item) for item in files]}


@router.get(
    "/files/{file_id}",
    response={200: FileOut, **READ_ERRORS},
    summary="A file's details",
)
def get_file(request: HttpRequest, file_id: int) -> Any:
    return file_data(services.get_file(_organization(request), file_id))


@router.get(
    "/files/{file_id}/download",
    response={200: None, **READ_ERRORS},
    summary="Download a file",
    openapi_extra=DOWNLOAD_RESPONSE,
)
def download_file(request: HttpRequest, file_id: int) -> Any:
    item = services.get_file(_organization(request), file_id)
    try:
        return file_response(item)
    except OSError:
        raise NotFound(_("Le fichier stocké est introuvable.")) from None


@router.patch(
    "/files/{file_id}",
    response={200: FileOut, **WRITE_ERRORS},
    summary="Rename a file or change its category",
    description="A new name keeps the file's extension (added when missing).",
)
def update_file(request: HttpRequest, file_id: int, payload: FilePatch) -> Any:
    _require_editor(request)
    item = services.update_file(
        _organization(request),
        _user(request),
        file_id,
        payload.dict(exclude_unset=True),
        source=SOURCE,
    )
    return file_data(item)


@router.delete(
    "/files/{file_id}",
    response={204: None, **DELETE_ERRORS},
    summary="Delete a file",
)
def delete_file(request: HttpRequest, file_id: int) -> Any:
    _require_editor(request)
    services.delete_file(_organization(request), _user(request), file_id, source=SOURCE)
    return HttpResponse(status=204)
