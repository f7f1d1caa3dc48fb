"""REST endpoints for imports, their template and error report, and client exports.

An import is created by uploading a file (``multipart/form-data``); the answer is its
preview when the file is small, or its status (202) while a large file is checked in the
background: poll ``GET /imports/{id}`` for its progress. Commit and rollback behave alike.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema, Status

from carnet.accounts.models import Organization, Role, User
from carnet.clients import queries
from carnet.clients.schemas import Problem
from carnet.core.errors import DomainError, FieldError, PermissionDenied, ValidationFailed
from carnet.core.inputs import parse_flag

from . import export, report, services
from .models import ImportBatch, RowAction, SavedMapping
from .models import Status as BatchStatus
from .schemas import (
    ImportList,
    ImportOut,
    ImportPatch,
    ImportRows,
    SavedMappingIn,
    SavedMappingList,
    SavedMappingOut,
)
from .template import template_csv, template_xlsx

router = Router(tags=["imports"])
exports_router = Router(tags=["exports"])

SOURCE = "api"
ERROR_ROWS = 100
READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
LIST_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 422): Problem}
UPLOAD_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 409, 413, 415, 422): Problem}
STEP_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 412, 415, 422): Problem}
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSES = {
    "responses": {
        200: {
            "description": "The file, as an attachment.",
            "content": {CSV_TYPE: _BINARY, XLSX_TYPE: _BINARY},
        }
    }
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mapping": {
                            "type": "string",
                            "description": "JSON: one Carnet column key (or null) per column, "
                            "or an object {header: key}. Proposed from the headers when absent.",
                        },
                        "key": {
                            "type": "string",
                            "enum": ["", "id", "reference", "siret", "vat_number", "email"],
                        },
                        "clear_blanks": {"type": "boolean", "default": False},
                        "encoding": {"type": "string"},
                        "delimiter": {"type": "string", "enum": [",", ";", "\t", "|"]},
                        "sheet": {"type": "string"},
                        "saved_mapping": {"type": "integer"},
                    },
                }
            }
        },
    }
}


class FormatParam(Schema):
    format: str = NinjaField("csv", pattern="^(csv|xlsx)$")


class RowsParams(Schema):
    action: str | None = NinjaField(None, pattern="^(create|update|unchanged|error)$")
    offset: int = NinjaField(0, ge=0, le=10_000_000)
    limit: int = NinjaField(100, ge=1, le=1000)


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _require_editor(request: HttpRequest) -> None:
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # TokenAuth
    if role is None or role == Role.VIEWER:
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas d'importer des clients.")
        )


def _english() -> bool:
    return translation.get_language() == "en"


def _error_out(error: dict[str, str]) -> dict[str, Any]:
    message = error.get("message_en") if _english() else error.get("message")
    return {
        "column": error.get("column", ""),
        "field": error.get("field", ""),
        "code": error.get("code", ""),
        "message": message or error.get("message", ""),
        "client": error.get("client"),
    }


def row_data(row: Any) -> dict[str, Any]:
    return {
        "line": row.line,
        "action": row.action,
        "client": row.client_id,
        "errors": [_error_out(e) for e in row.errors],
        "warnings": [_error_out(e) for e in row.warnings],
        "changes": row.changes,
    }


def batch_data(batch: ImportBatch, *, rows: bool = True) -> dict[str, Any]:
    """``ImportOut`` as a plain dict."""
    labels = {c.key: c.label for c in services.columns_of(batch.organization)}
    info = batch.info or {}
    snapshot = services.live_progress(batch)
    mapping = [
        {"index": i, "header": header, "field": key, "label": labels.get(key) if key else None}
        for i, (header, key) in enumerate(zip(batch.header, batch.mapping, strict=False))
    ]
    return {
        "id": batch.pk,
        "status": batch.status,
        "filename": batch.filename,
        "size": batch.size,
        "format": info.get("format"),
        "encoding": info.get("encoding"),
        "encoding_detected": info.get("encoding_detected"),
        "delimiter": info.get("delimiter"),
        "sheet": info.get("sheet"),
        "sheets": info.get("sheets") or [],
        "mapping": mapping,
        "unmapped": [m["header"] for m in mapping if not m["field"]],
        "key": batch.key,
        "clear_blanks": batch.clear_blanks,
        "counts": batch.counts or {},
        "progress": (
            {"phase": snapshot.phase, "fraction": snapshot.fraction, "done": snapshot.done}
            if snapshot is not None
            else None
        ),
        "error": batch.error,
        "rows": [
            row_data(row)
            for row in (
                services.rows_of(batch, action=RowAction.ERROR, limit=ERROR_ROWS) if rows else []
            )
        ],
        "rollback": batch.rollback_result or None,
        "created_at": batch.created_at,
        "committed_at": batch.committed_at,
        "rolled_back_at": batch.rolled_back_at,
    }


def _answer(batch: ImportBatch, *, created: bool = False) -> Any:
    busy = batch.status in (BatchStatus.ANALYZING, BatchStatus.COMMITTING, BatchStatus.ROLLING_BACK)
    status = 202 if busy else 201 if created else 200
    return Status(status, batch_data(batch))


def _form_json(value: str | None, name: str) -> Any:
    if value in (None, ""):
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise ValidationFailed(
            [FieldError(name, "invalid_json", _("Du JSON est attendu."))]
        ) from None


@router.post(
    "",
    response={201: ImportOut, 202: ImportOut, **UPLOAD_ERRORS},
    summary="Upload a client file and preview its import",
    description="`multipart/form-data` with the `file` (CSV or XLSX) and optional settings. "
    "Nothing is written to clients: the answer says, per row, what the import would do. A "
    "small file is previewed at once (201); a large one in the background (202): poll the "
    "import for its progress.",
    openapi_extra=UPLOAD_BODY,
)
def create_import(request: HttpRequest) -> Any:
    _require_editor(request)
    if not (request.content_type or "").lower().startswith("multipart/form-data"):
        raise _UnsupportedMedia(_("Envoyez le fichier en multipart/form-data (champ « file »)."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > services.max_import_bytes() + 1024 * 1024:
        raise _TooLarge(
            _("Le fichier dépasse la taille maximale d'un import (%(limit)s Mo).")
            % {"limit": services.max_import_bytes() // (1024 * 1024)}
        )
    try:
        upload = request.FILES.get("file")
        form = request.POST
    except (MultiPartParserError, RequestDataTooBig, TooManyFilesSent):
        raise ValidationFailed(
            [FieldError("file", "malformed", _("L'envoi du fichier est illisible ou incomplet."))]
        ) from None
    if upload is None:
        raise ValidationFailed([FieldError("file", "required", _("Joignez un fichier."))])
    clear = parse_flag(form.get("clear_blanks"))
    if clear is None:
        raise ValidationFailed(
            [FieldError("clear_blanks", "invalid_type", _("true ou false est attendu."))]
        )
    batch = services.start_import(
        _organization(request),
        _user(request),
        upload,
        filename=upload.name or "import",
        source=SOURCE,
        mapping=_form_json(form.get("mapping"), "mapping"),
        key=form.get("key"),
        clear_blanks=clear,
        encoding=form.get("encoding") or None,
        delimiter=form.get("delimiter") or None,
        sheet=form.get("sheet") or None,
        saved_mapping=form.get("saved_mapping") or None,
    )
    return _answer(batch, created=True)


class _UnsupportedMedia(DomainError):
    status = 415


class _TooLarge(DomainError):
    status = 413


@router.get("", response={200: ImportList, **READ_ERRORS}, summary="Recent imports")
def list_imports(request: HttpRequest) -> Any:
    batches = ImportBatch.objects.filter(organization=_organization(request)).order_by(
        "-created_at", "-id"
    )[:50]
    return {"items": [batch_data(services.refresh(b), rows=False) for b in batches]}


@router.get(
    "/template",
    response={200: None, **LIST_ERRORS},
    summary="The blank client file to fill in",
    description="French headers and an example row; the XLSX file explains every column "
    "on a second sheet. The organization's custom fields are columns too.",
    openapi_extra=FILE_RESPONSES,
)
def import_template(request: HttpRequest, params: Query[FormatParam]) -> Any:
    organization = _organization(request)
    if params.format == "xlsx":
        return _xlsx_response(lambda path: template_xlsx(organization, path), "modele-clients")
    return _csv_response(template_csv(organization), "modele-clients")


@router.get(
    "/mappings",
    response={200: SavedMappingList, **READ_ERRORS},
    summary="Saved column mappings",
)
def list_mappings(request: HttpRequest) -> Any:
    mappings = SavedMapping.objects.filter(organization=_organization(request))
    return {"items": [_mapping_data(m) for m in mappings]}


@router.post(
    "/mappings",
    response={201: SavedMappingOut, **STEP_ERRORS},
    summary="Keep an import's mapping under a name",
)
def create_mapping(request: HttpRequest, payload: SavedMappingIn) -> Any:
    _require_editor(request)
    batch = services.get_batch(_organization(request), payload.batch)
    saved = services.save_mapping(batch, _user(request), payload.name)
    return Status(201, _mapping_data(saved))


@router.delete(
    "/mappings/{mapping_id}",
    response={204: None, **STEP_ERRORS},
    summary="Delete a saved mapping",
)
def delete_mapping(request: HttpRequest, mapping_id: int) -> Any:
    _require_editor(request)
    services.delete_saved_mapping(_organization(request), mapping_id)
    return HttpResponse(status=204)


def _mapping_data(saved: SavedMapping) -> dict[str, Any]:
    return {"id": saved.pk, "name": saved.name, "key": saved.key, "columns": saved.columns}


@router.get("/{import_id}", response={200: ImportOut, **READ_ERRORS}, summary="An import")
def get_import(request: HttpRequest, import_id: int) -> Any:
    return batch_data(services.get_batch(_organization(request), import_id))


@router.patch(
    "/{import_id}",
    response={200: ImportOut, 202: ImportOut, **STEP_ERRORS},
    summary="Correct the mapping, the key or how the file is read, and preview again",
)
def update_import(request: HttpRequest, import_id: int, payload: ImportPatch) -> Any:
    _require_editor(request)
    batch = services.get_batch(_organization(request), import_id)
    data = payload.dict(exclude_unset=True)
    batch = services.configure(
        batch,
        _user(request),
        mapping=data.get("mapping"),
        key=data.get("key"),
        clear_blanks=data.get("clear_blanks"),
        encoding=data.get("encoding"),
        delimiter=data.get("delimiter"),
        sheet=data.get("sheet"),
    )
    return _answer(batch)


@router.get(
    "/{import_id}/rows",
    response={200: ImportRows, **READ_ERRORS, 422: Problem},
    summary="What each row does (or would do)",
)
def import_rows(request: HttpRequest, import_id: int, params: Query[RowsParams]) -> Any:
    batch = services.get_batch(_organization(request), import_id)
    rows = services.rows_of(batch, action=params.action, offset=params.offset, limit=params.limit)
    return {"items": [row_data(row) for row in rows]}


@router.post(
    "/{import_id}/commit",
    response={200: ImportOut, 202: ImportOut, **STEP_ERRORS},
    summary="Import the valid rows",
    description="In one transaction: every valid row, or none. The rows are checked again "
    "first (the clients may have changed since the preview).",
)
def commit_import(request: HttpRequest, import_id: int) -> Any:
    _require_editor(request)
    batch = services.get_batch(_organization(request), import_id)
    return _answer(services.schedule(batch, "commit", _user(request)))


@router.post(
    "/{import_id}/rollback",
    response={200: ImportOut, 202: ImportOut, **STEP_ERRORS},
    summary="Undo a committed import",
    description="Removes the clients it created (unless changed since) and gives the fields "
    "it updated their previous values back (unless changed since).",
)
def rollback_import(request: HttpRequest, import_id: int) -> Any:
    _require_editor(request)
    batch = services.get_batch(_organization(request), import_id)
    return _answer(services.schedule(batch, "rollback", _user(request)))


@router.post(
    "/{import_id}/cancel",
    response={200: ImportOut, 202: ImportOut, **STEP_ERRORS},
    summary="Stop a preview, commit or rollback running in the background",
)
def cancel_import(request: HttpRequest, import_id: int) -> Any:
    _require_editor(request)
    batch = services.get_batch(_organization(request), import_id)
    return _answer(services.cancel(batch))


@router.get(
    "/{import_id}/errors",
    response={200: None, **READ_ERRORS, 422: Problem},
    summary="The refused rows with the reason, to fix and import again",
    openapi_extra=FILE_RESPONSES,
)
def import_errors(request: HttpRequest, import_id: int, params: Query[FormatParam]) -> Any:
    batch = services.get_batch(_organization(request), import_id)
    language = "en" if _english() else "fr"
    name = f"erreurs-import-{batch.pk}"
    if params.format == "xlsx":
        return _xlsx_response(lambda path: report.report_xlsx(batch, path, language=language), name)
    return _csv_response(report.report_csv(batch, language=language), name)


# --- Files ------------------------------------------------------------------------------
def _attachment(response: HttpResponse | StreamingHttpResponse | FileResponse, name: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _csv_response(chunks: Any, stem: str) -> Any:
    day = timezone.localdate().isoformat()
    return _attachment(StreamingHttpResponse(chunks, content_type=CSV_TYPE), f"{stem}-{day}.csv")


def _xlsx_response(write: Any, stem: str) -> Any:
    """Write the workbook to a temporary file of the data dir and send it; the file is
    unlinked once open, so nothing stays behind."""
    folder = settings.DATA_DIR / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=".xlsx", delete=False)
    handle.close()
    path = Path(handle.name)
    try:
        write(path)
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    day = timezone.localdate().isoformat()
    return _attachment(FileResponse(stream, content_type=XLSX_TYPE), f"{stem}-{day}.xlsx")


class ExportParams(Schema):
    format: str = NinjaField("csv", pattern="^(csv|xlsx)$")
    delimiter: str = NinjaField(
        ";", pattern="^[;,]$", description="CSV: `;` (French Excel) or `,`."
    )
    ids: str | None = NinjaField(
        None,
        pattern=r"^\d{1,18}(,\d{1,18})*$",
        max_length=200_000,
        description="Selected clients: 1,2,3.",
    )


EXPORT_PARAMETERS = {"format", "delimiter", "ids"}


@exports_router.get(
    "/clients",
    response={200: None, **LIST_ERRORS},
    summary="Export clients to CSV or XLSX",
    description="Every field of every client, or of the selected ones (`ids`), or of those "
    "the list's filters match (the parameters of `GET /clients`: `q`, `archived`, `tag`, "
    "`category`, `cf_<slug>`…). Archived clients with `archived=all` (or `true`). Carnet "
    "re-imports the file exactly. IBANs are masked for members who may not edit clients.",
    openapi_extra=FILE_RESPONSES,
)
def export_clients(request: HttpRequest, params: Query[ExportParams]) -> Any:
    organization = _organization(request)
    list_params = {
        key: request.GET.getlist(key) if key == "tag" else request.GET.get(key)
        for key in request.GET
        if key not in EXPORT_PARAMETERS
    }
    for unwanted in ("sort", "limit", "cursor", "trash"):
        if unwanted in list_params:
            raise ValidationFailed(
                [FieldError(unwanted, "unknown_filter", _("Paramètre inconnu pour un export."))]
            )
    ids: list[int] | None = None
    archived = False
    if params.ids:
        ids = [int(pk) for pk in params.ids.split(",")]
    else:
        spec = queries.ClientFilter.from_params(list_params, organization=organization, strict=True)
        if spec.is_filtered or spec.archived == "true":
            ids = queries.matching_ids(organization, spec)
        archived = spec.archived == "all"
    # IBANs in full for those who may edit clients, masked for the others.
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # TokenAuth
    full = role is not None and role != Role.VIEWER
    if params.format == "xlsx":
        return _xlsx_response(
            lambda path: export.export_xlsx(
                organization, path, archived=archived, ids=ids, full_ibans=full
            ),
            "clients",
        )
    return _csv_response(
        export.export_csv(
            organization, delimiter=params.delimiter, archived=archived, ids=ids, full_ibans=full
        ),
        "clients",
    )
