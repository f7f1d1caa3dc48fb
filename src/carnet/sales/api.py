"""REST endpoints of documents, payments, a client's statistics and account statement, and
the sales settings: parse, authorize, call a service or a query, answer.

Routers: ``documents_router`` (``/api/v1/documents``), ``payments_router``
(``/api/v1/payments``), ``client_reports_router`` (``/api/v1/clients/{id}/statistics``
and ``/statement``), ``settings_router`` (``/api/v1/sales-settings``). Read-only members
(role ``viewer``) may read, not write (403).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal, cast

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from carnet.accounts.models import Organization, Role, User
from carnet.clients import services as client_services
from carnet.clients.schemas import Problem
from carnet.core.errors import FieldError, PermissionDenied, ValidationFailed
from carnet.core.ids import parse_id

from . import queries, services
from .models import Allocation, Document, Payment
from .schemas import (
    ConvertIn,
    CreditAllocationsIn,
    DocumentIn,
    DocumentList,
    DocumentOut,
    PaymentIn,
    PaymentList,
    PaymentOut,
    QuoteStatusIn,
    SalesSettingsIn,
    SalesSettingsOut,
)
from .status import status_label, status_of

documents_router = Router(tags=["documents"])
payments_router = Router(tags=["payments"])
client_reports_router = Router(tags=["statistics"])
settings_router = Router(tags=["sales settings"])

READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404, 422): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 412, 415, 422): Problem}
MAX_LIMIT = 500


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # set by TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _require_editor(request: HttpRequest) -> None:
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]
    if role is None or role == Role.VIEWER:
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas cette modification.")
        )


def _require_admin(request: HttpRequest) -> None:
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]
    if role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied(
            _("Seuls les administrateurs de l'organisation changent ces réglages.")
        )


def _version(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    version = value.strip().removeprefix("W/").strip('"')
    if not (version.isascii() and version.isdigit() and len(version) <= 18):
        raise ValidationFailed(
            [FieldError("If-Match", "invalid_version", _("En-tête If-Match : version attendue."))]
        )
    return int(version)


def _allocation_out(allocation: Allocation) -> dict[str, Any]:
    return {
        "document": allocation.invoice_id,
        "number": allocation.invoice.number,
        "amount": allocation.amount,
        "payment": allocation.payment_id,
        "credit_note": allocation.credit_note_id,
    }


def _client_name(document: Document) -> str:
    if document.client_snapshot:
        return str(document.client_snapshot.get("name", ""))
    return document.client.name


def document_data(document: Document) -> dict[str, Any]:
    today = services.today()
    status = status_of(document, today)
    allocations = Allocation.objects.filter(
        organization_id=document.organization_id
    ).select_related("invoice")
    if document.type == "credit_note":
        allocations = allocations.filter(credit_note=document)
    else:
        allocations = allocations.filter(invoice=document)
    return {
        "id": document.pk,
        "type": document.type,
        "client": document.client_id,
        "client_name": _client_name(document),
        "number": document.number,
        "status": status,
        "status_label": status_label(status, document.type),
        "date": document.date,
        "due_date": document.due_date,
        "valid_until": document.valid_until,
        "currency": document.currency,
        "vat_regime": document.vat_regime,
        "payment_terms_days": document.payment_terms_days,
        "payment_terms_end_of_month": document.payment_terms_end_of_month,
        "discount_percent": document.discount_percent,
        "discount_amount": document.discount_amount,
        "subject": document.subject,
        "notes": document.notes,
        "related": document.related_id,
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "reference": line.reference,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "vat_rate": line.vat_rate,
                "unit_cost": line.unit_cost,
                "total_excl_vat": line.total_excl_vat,
            }
            for line in document.lines.all()  # type: ignore[attr-defined]
        ],
        "vat": document.vat_breakdown,
        "total_excl_vat": document.total_excl_vat,
        "total_vat": document.total_vat,
        "total_incl_vat": document.total_incl_vat,
        "amount_paid": document.amount_paid,
        "amount_credited": document.amount_credited,
        "balance": document.balance
        if document.type == "invoice"
        else document.total_incl_vat - document.amount_used,
        "allocations": [_allocation_out(a) for a in allocations],
        "client_snapshot": document.client_snapshot,
        "issued_at": document.issued_at,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
        "version": document.version,
    }


def _summary(document: Document, today: datetime.date) -> dict[str, Any]:
    return {
        "id": document.pk,
        "type": document.type,
        "client": document.client_id,
        "client_name": _client_name(document),
        "number": document.number,
        "status": status_of(document, today),
        "date": document.date,
        "due_date": document.due_date,
        "currency": document.currency,
        "total_excl_vat": document.total_excl_vat,
        "total_vat": document.total_vat,
        "total_incl_vat": document.total_incl_vat,
        "balance": document.balance,
        "version": document.version,
    }


def _document_response(document: Document, *, status: int = 200) -> Any:
    document = services.get_document(document.organization, document.pk)
    return Status(status, document_data(document))


# --- Keyset pages ---------------------------------------------------------------------------
def _cursor(value: str | None) -> tuple[datetime.date, int] | None:
    if not value:
        return None
    day, _sep, pk = value.partition("~")
    try:
        parsed = (datetime.date.fromisoformat(day), int(pk))
    except ValueError:
        parsed = None
    if parsed is None or parse_id(parsed[1]) is None:
        raise ValidationFailed([FieldError("cursor", "invalid", _("Curseur invalide."))])
    return parsed


def _page(queryset: Any, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            [
                FieldError(
                    "limit", "out_of_range", _("limit va de 1 à %(max)d.") % {"max": MAX_LIMIT}
                )
            ]
        )
    after = _cursor(cursor)
    if after is not None:
        day, pk = after
        queryset = queryset.filter(Q(date__lt=day) | Q(date=day, id__lt=pk))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (f"{rows[-1].date.isoformat()}~{rows[-1].pk}" if more and rows else None)


# --- Documents ------------------------------------------------------------------------------
@documents_router.get(
    "",
    response={200: DocumentList, **READ_ERRORS},
    summary="List documents",
    description="Newest first. Filters: `type`, `status` (derived: paid, overdue, expired…), "
    "`client`, `from`, `to` (document date). Keyset-paginated with `cursor`.",
)
def list_documents(
    request: HttpRequest,
    type: str | None = None,
    status: str | None = None,
    client: str | None = None,
    date_from: str | None = Query(None, alias="from"),  # type: ignore[type-arg]
    to: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Any:
    today = services.today()
    queryset = queries.documents(
        _organization(request),
        type=type,
        status=status,
        client=client,
        start=date_from,
        end=to,
        today=today,
    )
    rows, next_cursor = _page(queryset, cursor, limit)
    return {"items": [_summary(d, today) for d in rows], "next_cursor": next_cursor}


@documents_router.post(
    "",
    response={201: DocumentOut, **WRITE_ERRORS},
    summary="Create a draft document",
    description="Totals are computed (VAT per rate, rounded half up to the cent). A "
    "document for another organization's client is refused with 422 on `client`.",
)
def create_document(request: HttpRequest, payload: DocumentIn, response: HttpResponse) -> Any:
    _require_editor(request)
    document = services.create_document(
        _organization(request), _user(request), payload.dict(exclude_unset=True), source="api"
    )
    response["Location"] = f"/api/v1/documents/{document.pk}"
    return _document_response(document, status=201)


@documents_router.get(
    "/{document_id}", response={200: DocumentOut, **READ_ERRORS}, summary="A document"
)
def get_document(request: HttpRequest, document_id: int) -> Any:
    return document_data(services.get_document(_organization(request), document_id))


@documents_router.patch(
    "/{document_id}",
    response={200: DocumentOut, **WRITE_ERRORS},
    summary="Change a draft",
    description="Drafts only (409 `not_draft` otherwise: correct an issued invoice with a "
    "credit note). `If-Match: <version>` refuses a stale change with 412.",
)
def update_document(request: HttpRequest, document_id: int, payload: DocumentIn) -> Any:
    _require_editor(request)
    document = services.update_document(
        _organization(request),
        _user(request),
        document_id,
        payload.dict(exclude_unset=True),
        version=_version(request.headers.get("If-Match")),
    )
    return _document_response(document)


@documents_router.delete(
    "/{document_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a draft",
    description="Drafts only; an issued document is corrected by a credit note.",
)
def delete_document(request: HttpRequest, document_id: int) -> Any:
    _require_editor(request)
    services.delete_document(
        _organization(request),
        _user(request),
        document_id,
        version=_version(request.headers.get("If-Match")),
    )
    return Status(204, None)


@documents_router.post(
    "/{document_id}/issue",
    response={200: DocumentOut, **WRITE_ERRORS},
    summary="Issue a draft",
    description="Gives the next number of the type's continuous sequence (FA-000001…), "
    "freezes the document and copies the client's legal identity onto it. A quote becomes "
    "`sent`. The date may not precede the last issued document's of the same type.",
)
def issue_document(request: HttpRequest, document_id: int) -> Any:
    _require_editor(request)
    return _document_response(
        services.issue_document(_organization(request), _user(request), document_id)
    )


@documents_router.post(
    "/{document_id}/status",
    response={200: DocumentOut, **WRITE_ERRORS},
    summary="Record a quote's answer",
)
def set_quote_status(request: HttpRequest, document_id: int, payload: QuoteStatusIn) -> Any:
    _require_editor(request)
    return _document_response(
        services.set_quote_status(
            _organization(request), _user(request), document_id, payload.status
        )
    )


@documents_router.post(
    "/{document_id}/convert",
    response={201: DocumentOut, **WRITE_ERRORS},
    summary="A new draft from a document",
    description="A quote becomes an invoice, an invoice gets its credit note: a new draft "
    "with the same client and lines, `related` to the source.",
)
def convert_document(request: HttpRequest, document_id: int, payload: ConvertIn) -> Any:
    _require_editor(request)
    document = services.convert_document(
        _organization(request), _user(request), document_id, payload.type
    )
    return _document_response(document, status=201)


@documents_router.put(
    "/{document_id}/allocations",
    response={200: DocumentOut, **WRITE_ERRORS},
    summary="Allocate a credit note to invoices",
    description="Replaces the credit note's allocations; what is left stays as credit.",
)
def allocate_credit_note(
    request: HttpRequest, document_id: int, payload: CreditAllocationsIn
) -> Any:
    _require_editor(request)
    document = services.allocate_credit_note(
        _organization(request),
        _user(request),
        document_id,
        [a.dict() for a in payload.allocations],
    )
    return _document_response(document)


@documents_router.get(
    "/{document_id}/pdf",
    response={200: None, **READ_ERRORS},
    summary="The document as a PDF",
    description="A4, with the French legal mentions; drafts marked as such.",
    openapi_extra={
        "responses": {"200": {"content": {"application/pdf": {"schema": {"type": "string"}}}}}
    },
)
def document_pdf(request: HttpRequest, document_id: int) -> Any:
    from .pdf import document_pdf as render

    document = services.get_document(_organization(request), document_id)
    response = HttpResponse(render(document), content_type="application/pdf")
    name = document.number or f"brouillon-{document.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


# --- Payments -------------------------------------------------------------------------------
def payment_data(payment: Payment) -> dict[str, Any]:
    allocations = Allocation.objects.filter(payment=payment).select_related("invoice")
    return {
        "id": payment.pk,
        "client": payment.client_id,
        "client_name": payment.client.name,
        "date": payment.date,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "reference": payment.reference,
        "notes": payment.notes,
        "allocations": [_allocation_out(a) for a in allocations],
        "unallocated": payment.unallocated,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
        "version": payment.version,
    }


@payments_router.get(
    "",
    response={200: PaymentList, **READ_ERRORS},
    summary="List payments",
    description="Newest first; filters `client`, `from`, `to`. Keyset-paginated.",
)
def list_payments(
    request: HttpRequest,
    client: str | None = None,
    date_from: str | None = Query(None, alias="from"),  # type: ignore[type-arg]
    to: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Any:
    queryset = queries.payments(_organization(request), client=client, start=date_from, end=to)
    rows, next_cursor = _page(queryset.prefetch_related("allocations__invoice"), cursor, limit)
    return {"items": [payment_data(p) for p in rows], "next_cursor": next_cursor}


@payments_router.post(
    "",
    response={201: PaymentOut, **WRITE_ERRORS},
    summary="Record a payment",
)
def create_payment(request: HttpRequest, payload: PaymentIn, response: HttpResponse) -> Any:
    _require_editor(request)
    payment = services.create_payment(
        _organization(request), _user(request), _payment_input(payload)
    )
    response["Location"] = f"/api/v1/payments/{payment.pk}"
    return Status(201, payment_data(payment))


def _payment_input(payload: PaymentIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    if payload.allocations is not None:
        data["allocations"] = [a.dict() for a in payload.allocations]
    return data


@payments_router.get(
    "/{payment_id}", response={200: PaymentOut, **READ_ERRORS}, summary="A payment"
)
def get_payment(request: HttpRequest, payment_id: int) -> Any:
    return payment_data(services.get_payment(_organization(request), payment_id))


@payments_router.patch(
    "/{payment_id}",
    response={200: PaymentOut, **WRITE_ERRORS},
    summary="Change a payment",
    description="Only the fields sent; `allocations` replaces them all. `If-Match` refuses "
    "a stale change with 412.",
)
def update_payment(request: HttpRequest, payment_id: int, payload: PaymentIn) -> Any:
    _require_editor(request)
    payment = services.update_payment(
        _organization(request),
        _user(request),
        payment_id,
        _payment_input(payload),
        version=_version(request.headers.get("If-Match")),
    )
    return payment_data(payment)


@payments_router.delete(
    "/{payment_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a payment",
    description="The invoices it settled are due again.",
)
def delete_payment(request: HttpRequest, payment_id: int) -> Any:
    _require_editor(request)
    services.delete_payment(
        _organization(request),
        _user(request),
        payment_id,
        version=_version(request.headers.get("If-Match")),
    )
    return Status(204, None)


# --- A client's statistics and statement ----------------------------------------------------
def _period(organization: Organization, start: str | None, end: str | None) -> tuple[Any, Any]:
    errors: list[FieldError] = []
    days = []
    for field, value in (("from", start), ("to", end)):
        day = None
        if value:
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                errors.append(
                    FieldError(field, "invalid_date", _("Date attendue au format AAAA-MM-JJ."))
                )
        days.append(day)
    if errors:
        raise ValidationFailed(errors)
    first, last = services.fiscal_year(organization)
    period = (days[0] or first, days[1] or last)
    if period[0] > period[1]:
        raise ValidationFailed(
            [FieldError("to", "before_from", _("La fin de la période précède son début."))]
        )
    return period


@client_reports_router.get(
    "/{client_id}/statistics",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="A client's statistics",
    description="Over the fiscal year (its first month is a sales setting) or `from`–`to`: "
    "`revenue_excl_vat`, `payments_received`, `outstanding`, `overdue_amount`, "
    "`overdue_count`, invoices to pay, average payment delay, on-time rate, quotes, top "
    "products, margin, ageing buckets and monthly revenue. Amounts as decimal strings.",
)
def client_statistics(
    request: HttpRequest,
    client_id: int,
    date_from: str | None = Query(None, alias="from"),  # type: ignore[type-arg]
    to: str | None = None,
) -> Any:
    from .statistics import client_statistics as compute
    from .statistics import statistics_data

    organization = _organization(request)
    client = client_services.get_client(organization, client_id)
    start, end = _period(organization, date_from, to)
    return statistics_data(compute(organization, client, start, end))


@client_reports_router.get(
    "/{client_id}/statement",
    response={200: None, **READ_ERRORS},
    summary="A client's account statement",
    description="Opening balance, documents and payments in date order with a running "
    "balance, closing balance and ageing table; `format=pdf` (default) or `csv`.",
    openapi_extra={
        "responses": {
            "200": {
                "content": {
                    "application/pdf": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}},
                }
            }
        }
    },
)
def client_statement(
    request: HttpRequest,
    client_id: int,
    date_from: str | None = Query(None, alias="from"),  # type: ignore[type-arg]
    to: str | None = None,
    format: Literal["pdf", "csv"] = "pdf",
) -> Any:
    from .statement import build_statement, statement_csv, statement_pdf

    organization = _organization(request)
    client = client_services.get_client(organization, client_id)
    start, end = _period(organization, date_from, to)
    statement = build_statement(organization, client, start, end)
    name = f"releve-{client.reference or client.pk}-{start.isoformat()}-{end.isoformat()}"
    if format == "csv":
        response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            statement_pdf(statement, organization), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


# --- Settings -------------------------------------------------------------------------------
def _settings_data(organization: Organization) -> dict[str, Any]:
    settings = services.sales_settings_for(organization)
    start, end = services.fiscal_year(organization)
    return {
        "fiscal_year_start_month": settings.fiscal_year_start_month,
        "fiscal_year_start": start,
        "fiscal_year_end": end,
        "legal_name": settings.legal_name,
        "legal_form": settings.legal_form,
        "address": settings.address,
        "siret": settings.siret,
        "vat_number": settings.vat_number,
        "rcs": settings.rcs,
        "share_capital": settings.share_capital,
        "late_penalty_rate": settings.late_penalty_rate,
        "quote_validity_days": settings.quote_validity_days,
    }


@settings_router.get("", response={200: SalesSettingsOut, **READ_ERRORS}, summary="Sales settings")
def get_settings(request: HttpRequest) -> Any:
    return _settings_data(_organization(request))


@settings_router.patch(
    "",
    response={200: SalesSettingsOut, **WRITE_ERRORS},
    summary="Change the sales settings",
    description="Owners and admins. A new first month of the fiscal year recomputes every "
    "client's revenue (the client list's `sort=revenue`).",
)
def update_settings(request: HttpRequest, payload: SalesSettingsIn) -> Any:
    _require_admin(request)
    services.update_sales_settings(
        _organization(request), _user(request), payload.dict(exclude_unset=True)
    )
    return _settings_data(_organization(request))
