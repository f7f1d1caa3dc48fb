"""Reading documents and payments: lists filtered by type, derived status, client and
period, shared by the pages and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization
from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.ids import parse_id

from .models import Document, DocumentState, DocumentType, Payment
from .status import STATUS_LABELS
from .validation import date_of

# SQLite keeps decimals as floating point numbers: 0.70 + 0.10 comes out a hair under
# 0.80. A cent being the smallest amount, half of one tells open from settled on both
# databases (as ``statistics`` does).
_HALF_CENT = Value(Decimal("0.005"), output_field=DecimalField(max_digits=4, decimal_places=3))
_OPEN = Q(total_incl_vat__gte=F("amount_paid") + F("amount_credited") + _HALF_CENT)
_CANCELLED = Q(amount_credited__gt=F("total_incl_vat") - _HALF_CENT, total_incl_vat__gt=0)
_CREDIT_LEFT = Q(total_incl_vat__gte=F("amount_used") + _HALF_CENT)
_ISSUED_INVOICE = Q(type=DocumentType.INVOICE, state=DocumentState.ISSUED)


def status_condition(status: str, today: datetime.date) -> Q:
    """The documents whose derived status (``status.status_of``) is ``status``."""
    not_due = Q(due_date__isnull=True) | Q(due_date__gte=today)
    settled = Q(amount_paid__gt=0) | Q(amount_credited__gt=0)
    expired = Q(type=DocumentType.QUOTE, state=DocumentState.SENT, valid_until__lt=today)
    conditions = {
        "draft": Q(state=DocumentState.DRAFT),
        "sent": Q(type=DocumentType.QUOTE, state=DocumentState.SENT) & ~expired,
        "accepted": Q(type=DocumentType.QUOTE, state=DocumentState.ACCEPTED),
        "refused": Q(type=DocumentType.QUOTE, state=DocumentState.REFUSED),
        "expired": expired,
        "cancelled": _ISSUED_INVOICE & _CANCELLED,
        "paid": _ISSUED_INVOICE & ~_CANCELLED & ~_OPEN,
        "overdue": _ISSUED_INVOICE & _OPEN & Q(due_date__lt=today),
        "partially_paid": _ISSUED_INVOICE & _OPEN & not_due & settled & ~_CANCELLED,
        "issued": (_ISSUED_INVOICE & _OPEN & not_due & ~settled)
        | Q(
            type__in=[DocumentType.ORDER, DocumentType.DELIVERY_NOTE, DocumentType.PROFORMA],
            state=DocumentState.ISSUED,
        ),
        "to_use": Q(type=DocumentType.CREDIT_NOTE, state=DocumentState.ISSUED) & _CREDIT_LEFT,
        "used": Q(type=DocumentType.CREDIT_NOTE, state=DocumentState.ISSUED) & ~_CREDIT_LEFT,
    }
    return conditions[status]


def _bad(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed([FieldError(field, "invalid", message)])


def documents(
    organization: Organization,
    *,
    type: str | None = None,
    status: str | None = None,
    client: Any = None,
    start: Any = None,
    end: Any = None,
    today: datetime.date,
) -> QuerySet[Document]:
    """The organization's documents, newest first, filtered. Unknown filter values are
    refused (``ValidationFailed``)."""
    queryset = Document.objects.filter(organization=organization)
    if type:
        if type not in DocumentType.values:
            raise _bad("type", _("Type de document inconnu."))
        queryset = queryset.filter(type=type)
    if status:
        if status not in STATUS_LABELS:
            raise _bad("status", _("Statut inconnu."))
        queryset = queryset.filter(status_condition(status, today))
    queryset = _common(queryset, client, start, end)
    return queryset.select_related("client").order_by("-date", "-id")


def payments(
    organization: Organization, *, client: Any = None, start: Any = None, end: Any = None
) -> QuerySet[Payment]:
    queryset = _common(Payment.objects.filter(organization=organization), client, start, end)
    return queryset.select_related("client").order_by("-date", "-id")


def _common(queryset: Any, client: Any, start: Any, end: Any) -> Any:
    if client not in (None, ""):
        pk = parse_id(client)
        if pk is None:
            raise _bad("client", _("Identifiant de client attendu."))
        queryset = queryset.filter(client_id=pk)
    for field, value, lookup in (("from", start, "date__gte"), ("to", end, "date__lte")):
        if value in (None, ""):
            continue
        day = date_of(value)
        if day is None:
            raise _bad(field, _("Date attendue au format AAAA-MM-JJ."))
        queryset = queryset.filter(**{lookup: day})
    return queryset


def open_invoices(organization: Organization, client_id: int) -> QuerySet[Document]:
    """A client's issued invoices with something left to pay, oldest first."""
    return Document.objects.filter(
        _ISSUED_INVOICE & _OPEN, organization=organization, client_id=client_id
    ).order_by("date", "id")
