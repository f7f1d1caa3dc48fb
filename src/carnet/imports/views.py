"""Web pages of imports (upload → mapping → preview → commit → report) and exports.

Views parse the request, check access, call ``services``, and turn the errors services
raise into messages on the page. They never write models themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carnet.accounts.access import (
    can_edit,
    current_organization,
    current_user,
    member_required,
    not_found_as_404,
    require_editor,
)
from carnet.clients import queries
from carnet.clients.views import _list_spec, _safe_next
from carnet.core.errors import DomainError, ValidationFailed
from carnet.core.inputs import parse_flag

from . import report, services
from .api import _csv_response, _xlsx_response
from .export import export_csv, export_xlsx
from .models import ImportBatch, ImportKey, RowAction, SavedMapping, Status
from .template import template_csv, template_xlsx

SOURCE = "web"
ROWS_PER_PAGE = 50
ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 (BOM)"),
    ("cp1252", "Windows-1252 (Excel)"),
    ("latin-1", "Latin-1 (ISO-8859-1)"),
    ("utf-16", "UTF-16"),
]
DELIMITERS = [(";", "; (point-virgule)"), (",", ", (virgule)"), ("\t", "tabulation"), ("|", "|")]


def _batch_or_404(request: HttpRequest, batch_id: int) -> ImportBatch:
    with not_found_as_404():
        return services.get_batch(current_organization(request), batch_id)


def _page(batch: ImportBatch) -> str:
    return reverse("imports:detail", args=[batch.pk])


def _show_errors(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for error in exc.errors:
            messages.error(request, str(error.message))
    else:
        messages.error(request, str(exc.detail))


@require_http_methods(["GET", "POST"])
@member_required
def import_list(request: HttpRequest) -> HttpResponse:
    """Past imports, the upload form and the templates."""
    organization = current_organization(request)
    if request.method == "POST":
        require_editor(request)
        try:
            upload = request.FILES.get("file")
        except (MultiPartParserError, RequestDataTooBig, TooManyFilesSent):
            upload = None
        if upload is None:
            messages.error(request, _("Choisissez un fichier CSV ou XLSX à importer."))
            return redirect("imports:list")
        try:
            batch = services.start_import(
                organization,
                current_user(request),
                upload,
                filename=upload.name or "import",
                source=SOURCE,
                saved_mapping=request.POST.get("saved_mapping") or None,
            )
        except DomainError as exc:
            _show_errors(request, exc)
            return redirect("imports:list")
        return redirect(_page(batch))
    batches = ImportBatch.objects.filter(organization=organization).order_by("-created_at", "-id")[
        :30
    ]
    return render(
        request,
        "imports/import_list.html",
        {
            "batches": [services.refresh(b) for b in batches],
            "saved_mappings": SavedMapping.objects.filter(organization=organization),
            "can_edit": can_edit(request),
            "max_mb": services.max_import_bytes() // (1024 * 1024),
        },
    )


def _mapping_rows(batch: ImportBatch) -> list[dict[str, Any]]:
    sample = (batch.info or {}).get("sample") or []
    rows = []
    for index, header in enumerate(batch.header):
        values = [row[index] for row in sample if index < len(row) and row[index]]
        rows.append(
            {
                "index": index,
                "header": header,
                "key": batch.mapping[index] if index < len(batch.mapping) else None,
                "sample": values[:3],
            }
        )
    return rows


def _errors_of(row: Any, *, warnings: bool = False) -> list[dict[str, str]]:
    english = translation.get_language() == "en"
    return [
        {
            "column": e.get("column", ""),
            "message": (e.get("message_en") if english else e.get("message")) or "",
            "client": e.get("client"),
        }
        for e in (row.warnings if warnings else row.errors)
    ]


@require_GET
@member_required
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One import, at whatever step it is: progress, mapping and preview, or result."""
    batch = _batch_or_404(request, batch_id)
    organization = current_organization(request)
    action = request.GET.get("action") or ""
    if action not in RowAction.values:
        action = ""
    if not action and batch.counts.get("error"):
        action = RowAction.ERROR
    counts = batch.counts or {}
    shown = counts.get(action, 0) if action else counts.get("total", 0)
    page = Paginator(range(shown), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    offset = page.start_index() - 1 if shown else 0
    rows = services.rows_of(batch, action=action or None, offset=offset, limit=ROWS_PER_PAGE)
    columns = services.columns_of(organization)
    labels = {c.key: c.label for c in columns}
    return render(
        request,
        "imports/import_detail.html",
        {
            "batch": batch,
            "busy": batch.status in (Status.ANALYZING, Status.COMMITTING, Status.ROLLING_BACK),
            "snapshot": services.live_progress(batch),
            "mapping_rows": _mapping_rows(batch),
            "columns": [c for c in columns if c.importable or c.key == "id"],
            "groups": _column_groups(columns),
            "keys": [(k, label) for k, label in ImportKey.choices],
            "encodings": ENCODINGS,
            "delimiters": DELIMITERS,
            "counts": counts,
            "action": action,
            "actions": RowAction.choices,
            "rows": [_row_item(row, labels) for row in rows],
            "page": page,
            "can_edit": can_edit(request),
            "unmapped": [h for h, k in zip(batch.header, batch.mapping, strict=False) if not k],
        },
    )


SHOWN_CHANGES = 6


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return str(value)


def _row_item(row: Any, labels: dict[str, str]) -> dict[str, Any]:
    """A row of the preview table: its errors, or its changes named as the columns are."""
    changes = []
    for name, change in (row.changes or {}).items():
        key = (
            "cf." + name.removeprefix("custom_fields.")
            if name.startswith("custom_fields.")
            else name
        )
        changes.append(
            (labels.get(key, name), _shown(change.get("old")), _shown(change.get("new")))
        )
    return {
        "row": row,
        "errors": _errors_of(row),
        "warnings": _errors_of(row, warnings=True),
        "changes": changes[:SHOWN_CHANGES],
        "more_changes": max(0, len(changes) - SHOWN_CHANGES),
    }


def _column_groups(columns: list[Any]) -> list[tuple[str, list[Any]]]:
    names = {
        "info": _("Carnet"),
        "client": _("Client"),
        "payment": _("Paiement"),
        "bank": _("Compte bancaire principal"),
        "contact": _("Contact principal"),
        "billing": _("Adresse de facturation"),
        "delivery": _("Adresse de livraison"),
        "custom": _("Champs personnalisés"),
    }
    groups: dict[str, list[Any]] = {}
    for column in columns:
        if column.importable or column.key == "id":
            groups.setdefault(column.group, []).append(column)
    return [(names.get(group, group), items) for group, items in groups.items()]


@require_GET
@member_required
def import_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress bar, polled by the page while a step runs; when it ends, the page
    reloads."""
    batch = _batch_or_404(request, batch_id)
    busy = batch.status in (Status.ANALYZING, Status.COMMITTING, Status.ROLLING_BACK)
    if not busy:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "imports/_progress.html",
        {"batch": batch, "snapshot": services.live_progress(batch), "busy": busy},
    )


@require_POST
@member_required
def import_configure(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_editor(request)
    batch = _batch_or_404(request, batch_id)
    mapping = [request.POST.get(f"column_{i}") or None for i in range(len(batch.header))]
    clear = parse_flag(request.POST.get("clear_blanks"))
    try:
        services.configure(
            batch,
            current_user(request),
            mapping=mapping,
            key=request.POST.get("key", batch.key),
            clear_blanks=bool(clear),
            encoding=request.POST.get("encoding"),
            delimiter=request.POST.get("delimiter"),
            sheet=request.POST.get("sheet"),
        )
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Correspondance appliquée : le fichier a été revérifié."))
    return redirect(_page(batch))


@require_POST
@member_required
def import_save_mapping(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_editor(request)
    batch = _batch_or_404(request, batch_id)
    try:
        saved = services.save_mapping(batch, current_user(request), request.POST.get("name"))
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        messages.success(
            request, _("Correspondance enregistrée sous « %(name)s ».") % {"name": saved.name}
        )
    return redirect(_page(batch))


def _step(request: HttpRequest, batch_id: int, step: str, done: str) -> HttpResponse:
    require_editor(request)
    batch = _batch_or_404(request, batch_id)
    try:
        batch = services.schedule(batch, step, current_user(request))
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        if batch.status not in (Status.ANALYZING, Status.COMMITTING, Status.ROLLING_BACK):
            messages.success(request, done)
    return redirect(_page(batch))


@require_POST
@member_required
def import_commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _step(request, batch_id, "commit", _("Import enregistré."))


@require_POST
@member_required
def import_rollback(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _step(request, batch_id, "rollback", _("Import annulé."))


@require_POST
@member_required
def import_cancel(request: HttpRequest, batch_id: int) -> HttpResponse:
    require_editor(request)
    batch = _batch_or_404(request, batch_id)
    try:
        services.cancel(batch)
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        messages.info(request, _("Arrêt demandé : rien de ce qui était en cours n'est conservé."))
    return redirect(_page(batch))


@require_GET
@member_required
def import_errors(request: HttpRequest, batch_id: int, extension: str) -> HttpResponse:
    batch = _batch_or_404(request, batch_id)
    language = translation.get_language() or "fr"
    name = f"erreurs-import-{batch.pk}"
    if extension == "xlsx":
        return _xlsx_response(  # type: ignore[no-any-return]
            lambda path: report.report_xlsx(batch, path, language=language), name
        )
    return _csv_response(report.report_csv(batch, language=language), name)  # type: ignore[no-any-return]


@require_GET
@member_required
def import_template(request: HttpRequest, extension: str) -> HttpResponse:
    organization = current_organization(request)
    if extension == "xlsx":
        return _xlsx_response(  # type: ignore[no-any-return]
            lambda path: template_xlsx(organization, path), "modele-clients"
        )
    return _csv_response(template_csv(organization), "modele-clients")  # type: ignore[no-any-return]


@require_GET
@member_required
def export_clients(request: HttpRequest) -> HttpResponse:
    """The client list's export: the clients its filters show, or those ticked (``ids``)."""
    organization = current_organization(request)
    chosen = request.GET.get("export_selection") or request.GET.get("format")
    extension = "xlsx" if chosen == "xlsx" else "csv"
    delimiter = "," if request.GET.get("delimiter") == "," else ";"
    selected = request.GET.getlist("ids")
    ids: list[int] | None = None
    archived = False
    if "export_selection" in request.GET and not selected:
        messages.error(request, _("Cochez les clients à exporter."))
        return redirect(_safe_next(request, reverse("clients:list")))
    if selected:
        ids = [int(pk) for pk in selected if pk.isascii() and pk.isdigit() and len(pk) < 19]
    else:
        spec, _problems = _list_spec(organization, request.GET)
        if spec.is_filtered or spec.archived == "true":
            ids = queries.matching_ids(organization, spec)
        archived = spec.archived == "all"
    if extension == "xlsx":
        return _xlsx_response(  # type: ignore[no-any-return]
            lambda path: export_xlsx(
                organization, path, archived=archived, ids=ids, full_ibans=can_edit(request)
            ),
            "clients",
        )
    return _csv_response(  # type: ignore[no-any-return]
        export_csv(
            organization,
            delimiter=delimiter,
            archived=archived,
            ids=ids,
            full_ibans=can_edit(request),
        ),
        "clients",
    )
