"""The status a document shows, derived from what is stored, what settles it and today.

Stored states are few (draft, issued, sent, accepted, refused); "paid", "partially paid",
"overdue", "cancelled" (by credit note) and "expired" follow from the amounts settled and
the dates, so that they are always true without a nightly job.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from .models import Document, DocumentState, DocumentType

STATUS_LABELS = {
    "draft": _("Brouillon"),
    "issued": _("Émis"),
    "sent": _("Envoyé"),
    "accepted": _("Accepté"),
    "refused": _("Refusé"),
    "expired": _("Expiré"),
    "partially_paid": _("Partiellement payée"),
    "paid": _("Payée"),
    "overdue": _("En retard"),
    "cancelled": _("Annulée par avoir"),
    "to_use": _("À utiliser"),
    "used": _("Utilisé"),
}
INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "overdue", "cancelled")
QUOTE_STATUSES = ("draft", "sent", "accepted", "refused", "expired")


def status_of(document: Document, today: datetime.date) -> str:
    if document.state == DocumentState.DRAFT:
        return "draft"
    if document.type == DocumentType.QUOTE:
        if (
            document.state == DocumentState.SENT
            and document.valid_until is not None
            and document.valid_until < today
        ):
            return "expired"
        return str(document.state)
    if document.type == DocumentType.INVOICE:
        total = document.total_incl_vat
        if document.amount_credited >= total > 0:
            return "cancelled"
        if document.balance <= 0:
            return "paid"
        if document.due_date is not None and document.due_date < today:
            return "overdue"
        if document.amount_paid or document.amount_credited:
            return "partially_paid"
        return "issued"
    if document.type == DocumentType.CREDIT_NOTE:
        return "used" if document.amount_used >= document.total_incl_vat else "to_use"
    return "issued"


# French agrees the word with the document: "facture émise", "avoir émis".
FEMININE_LABELS = {
    "issued": _("Émise"),
    "sent": _("Envoyée"),
}
FEMININE_TYPES = (DocumentType.INVOICE, DocumentType.PROFORMA)


def status_label(status: str, document_type: str = "") -> str:
    if document_type in FEMININE_TYPES and status in FEMININE_LABELS:
        return str(FEMININE_LABELS[status])
    return str(STATUS_LABELS.get(status, status))
