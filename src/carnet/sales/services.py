"""The one write path of sales documents and payments.

Views, the API, the demo and the command line call these functions; each validates,
writes in one transaction and records history (object types ``document`` and
``payment``). Issued documents are never edited: corrections go through credit notes.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.addresses.models import Address
from carnet.clients.models import Client
from carnet.core.errors import Conflict, FieldError, NotFound, StaleVersion, ValidationFailed
from carnet.core.history import record_change, to_json
from carnet.core.identifiers import IdentifierError, clean_siret, clean_vat_number
from carnet.core.ids import parse_id
from carnet.core.sequences import next_value
from carnet.payments import services as payments

from . import products
from .calculation import ZERO, LineAmounts, compute_totals
from .models import (
    Allocation,
    Document,
    DocumentLine,
    DocumentState,
    DocumentType,
    Payment,
    SalesSettings,
    VatRegime,
)
from .validation import (
    Errors,
    LineInput,
    blank,
    clean_amount,
    clean_currency,
    clean_date,
    clean_lines,
    clean_method,
    clean_percent,
    clean_text,
    clean_type,
)

DOCUMENT_OBJECT = "document"
PAYMENT_OBJECT = "payment"
SETTINGS_OBJECT = "sales_settings"

# Number prefixes, one continuous sequence per organization and type.
PREFIXES = {
    DocumentType.QUOTE: "DE",
    DocumentType.INVOICE: "FA",
    DocumentType.CREDIT_NOTE: "AV",
    DocumentType.ORDER: "BC",
    DocumentType.DELIVERY_NOTE: "BL",
    DocumentType.PROFORMA: "PF",
}
# Types whose payment terms give a due date.
DUE_TYPES = (DocumentType.INVOICE, DocumentType.PROFORMA)
# Types that count in revenue (credit notes subtract).
REVENUE_TYPES = (DocumentType.INVOICE, DocumentType.CREDIT_NOTE)


def today() -> datetime.date:
    return timezone.localdate()


# --- Settings and the fiscal year -------------------------------------------------------
def sales_settings_for(organization: Organization | int) -> SalesSettings:
    """The organization's sales settings: Carnet's defaults (unsaved) until changed."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    found = SalesSettings.objects.filter(organization_id=organization_id).first()
    return found or SalesSettings(organization_id=organization_id)


def fiscal_year(
    organization: Organization | int, on: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """First and last day of the fiscal year that holds ``on`` (today by default)."""
    return fiscal_year_of(sales_settings_for(organization).fiscal_year_start_month, on or today())


def fiscal_year_of(start_month: int, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    year = on.year if on.month >= start_month else on.year - 1
    start = datetime.date(year, start_month, 1)
    end = add_months(start, 12) - datetime.timedelta(days=1)
    return start, end


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def due_date_for(issued: datetime.date, days: int, end_of_month: bool) -> datetime.date:
    """The due date of payment terms: ``days`` after the date, then, for "end of month",
    the last day of that month (the usual reading of "45 jours fin de mois")."""
    due = issued + datetime.timedelta(days=days)
    if end_of_month:
        due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
    return due


SETTINGS_FIELDS = (
    "fiscal_year_start_month",
    "legal_name",
    "legal_form",
    "address",
    "siret",
    "vat_number",
    "rcs",
    "share_capital",
    "late_penalty_rate",
    "quote_validity_days",
)


def update_sales_settings(
    organization: Organization, user: User | None, data: dict[str, Any]
) -> SalesSettings:
    """Change the organization's sales settings (only the keys given). A new first month
    of the fiscal year recomputes every client's revenue."""
    settings = sales_settings_for(organization)
    errors = Errors()
    values: dict[str, Any] = {}
    for key in data:
        if key not in SETTINGS_FIELDS:
            errors.add(key, "unknown_field", _("Champ inconnu."))
    if "fiscal_year_start_month" in data:
        month = data["fiscal_year_start_month"]
        if isinstance(month, str) and month.strip().isdigit():
            month = int(month)
        if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
            errors.add(
                "fiscal_year_start_month", "invalid", _("Un mois de 1 (janvier) à 12 est attendu.")
            )
        else:
            values["fiscal_year_start_month"] = month
    for key, length in (("legal_name", 200), ("legal_form", 50), ("rcs", 100)):
        if key in data:
            values[key] = clean_text(errors, key, data[key], max_length=length)
    if "address" in data:
        values["address"] = clean_text(errors, "address", data["address"], max_length=1000)
    if "siret" in data:
        values["siret"] = _identifier(errors, "siret", data["siret"], clean_siret)
    if "vat_number" in data:
        values["vat_number"] = _identifier(
            errors, "vat_number", data["vat_number"], clean_vat_number
        )
    if "share_capital" in data:
        values["share_capital"] = clean_amount(
            errors, "share_capital", data["share_capital"], required=False
        )
    if "late_penalty_rate" in data:
        rate = clean_percent(errors, "late_penalty_rate", data["late_penalty_rate"])
        values["late_penalty_rate"] = rate if rate is not None else Decimal("10")
    if "quote_validity_days" in data:
        days = data["quote_validity_days"]
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            errors.add("quote_validity_days", "invalid", _("Un nombre de jours de 1 à 365."))
        else:
            values["quote_validity_days"] = days
    if errors:
        raise ValidationFailed(list(errors))
    before = {key: getattr(settings, key) for key in values}
    with transaction.atomic():
        for key, value in values.items():
            setattr(settings, key, value)
        settings.save()
        changes = {
            key: {"old": to_json(before[key]), "new": to_json(value)}
            for key, value in values.items()
            if to_json(before[key]) != to_json(value)
        }
        if changes:
            record_change(
                organization_id=organization.pk,
                object_type=SETTINGS_OBJECT,
                object_id=settings.pk,
                action="update",
                user=user,
                changes=changes,
            )
        if "fiscal_year_start_month" in changes:
            refresh_revenue(organization.pk)
    return settings


def _identifier(errors: Errors, field: str, value: Any, clean: Any) -> str:
    if blank(value):
        return ""
    if not isinstance(value, str):
        errors.add(field, "invalid_type", _("Texte attendu."))
        return ""
    try:
        return str(clean(value))
    except IdentifierError as error:
        errors.add(field, error.code, error.message)
        return ""


# --- Reading ------------------------------------------------------------------------------
def get_document(
    organization: Organization, document_id: Any, *, for_update: bool = False
) -> Document:
    pk = parse_id(document_id)
    if pk is None:
        raise NotFound(_("Document introuvable."))
    queryset = Document.objects.filter(organization=organization, pk=pk)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    document = queryset.select_related("client").first()
    if document is None:
        raise NotFound(_("Document introuvable."))
    return document


def get_payment(
    organization: Organization, payment_id: Any, *, for_update: bool = False
) -> Payment:
    pk = parse_id(payment_id)
    if pk is None:
        raise NotFound(_("Paiement introuvable."))
    queryset = Payment.objects.filter(organization=organization, pk=pk)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    payment = queryset.select_related("client").first()
    if payment is None:
        raise NotFound(_("Paiement introuvable."))
    return payment


def _check_version(record: Document | Payment, version: Any) -> None:
    if version is None:
        return
    expected = parse_id(version)
    if expected != record.version:
        raise StaleVersion(
            _("Ce document a été modifié entre-temps : rechargez-le avant de le changer.")
            if isinstance(record, Document)
            else _("Ce paiement a été modifié entre-temps : rechargez-le avant de le changer."),
            current_version=record.version,
        )


def _client_of(organization: Organization, value: Any, errors: Errors) -> Client | None:
    """The document's or payment's client: one of the organization's, not deleted
    (archived clients may be picked on purpose)."""
    pk = parse_id(value)
    client = (
        Client.objects.filter(organization=organization, pk=pk, deleted_at__isnull=True).first()
        if pk is not None
        else None
    )
    if client is None:
        errors.add("client", "not_found", _("Client introuvable."))
    return client


# --- Documents ----------------------------------------------------------------------------
@dataclass
class _DocumentValues:
    client: Client
    type: str
    date: datetime.date
    due_date: datetime.date | None
    valid_until: datetime.date | None
    currency: str
    vat_regime: str
    payment_terms_days: int
    payment_terms_end_of_month: bool
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    subject: str
    notes: str
    related: Document | None
    lines: list[LineInput]


def _clean_document(
    organization: Organization, data: dict[str, Any], current: Document | None
) -> _DocumentValues:
    """Validate a new document, or a draft's change (``current``): the keys given over
    the draft's values; what is not given comes from the client's payment preferences."""
    errors = Errors()
    known = {
        "type",
        "client",
        "date",
        "due_date",
        "valid_until",
        "currency",
        "payment_terms_days",
        "payment_terms_end_of_month",
        "discount_percent",
        "discount_amount",
        "subject",
        "notes",
        "related",
        "lines",
        "version",
    }
    for key in data:
        if key not in known:
            errors.add(key, "unknown_field", _("Champ inconnu."))

    if current is not None and "type" in data and data["type"] != current.type:
        errors.add("type", "read_only", _("Le type d'un document ne change pas."))
    doc_type = current.type if current is not None else clean_type(errors, data.get("type"))

    client: Client | None
    if current is None or "client" in data:
        client = _client_of(organization, data.get("client"), errors)
    else:
        client = current.client
    new_client = current is None or (client is not None and client.pk != current.client_id)
    defaults = payments.settings_for(organization)
    terms = payments.effective(client, defaults) if client is not None else None
    settings = sales_settings_for(organization)

    def given(key: str) -> bool:
        return key in data

    date = (
        clean_date(errors, "date", data["date"])
        if given("date")
        else (current.date if current is not None else today())
    )
    if terms is not None:
        currency: str | None = (
            clean_currency(errors, "currency", data["currency"])
            if given("currency") and not blank(data["currency"])
            else (current.currency if current is not None and not new_client else terms.currency)
        )
    else:
        currency = None

    terms_days = current.payment_terms_days if current is not None else 30
    end_of_month = current.payment_terms_end_of_month if current is not None else False
    if terms is not None and new_client:
        terms_days, end_of_month = terms.terms_days, terms.terms_end_of_month
    if given("payment_terms_days"):
        days = data["payment_terms_days"]
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days)
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
            errors.add("payment_terms_days", "invalid", _("Un nombre de jours de 0 à 365."))
        else:
            terms_days = days
    if given("payment_terms_end_of_month"):
        end_of_month = bool(data["payment_terms_end_of_month"])

    discount_percent = current.discount_percent if current is not None else None
    discount_amount = current.discount_amount if current is not None else None
    if terms is not None and new_client:
        discount_percent, discount_amount = terms.discount_percent, terms.discount_amount
    if given("discount_percent") or given("discount_amount"):
        discount_percent = clean_percent(errors, "discount_percent", data.get("discount_percent"))
        discount_amount = clean_amount(
            errors, "discount_amount", data.get("discount_amount"), required=False
        )
        if discount_percent and discount_amount:
            errors.add(
                "discount_amount",
                "both_discounts",
                _(
                    "Une remise est soit un pourcentage, soit un montant : "
                    "choisissez l'un des deux."
                ),
            )

    regime = client.vat_regime if client is not None else VatRegime.STANDARD
    if regime not in VatRegime.values:
        regime = VatRegime.STANDARD
    default_rate = terms.vat_rate if terms is not None else Decimal("20")
    if given("lines"):
        lines = clean_lines(errors, data["lines"], doc_type=doc_type, default_vat_rate=default_rate)
    elif current is not None:
        lines = [
            LineInput(
                description=line.description,
                reference=line.reference,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                unit_cost=line.unit_cost,
            )
            for line in current.lines.all()
        ]
    else:
        lines = clean_lines(
            errors, data.get("lines"), doc_type=doc_type, default_vat_rate=default_rate
        )
    if regime != VatRegime.STANDARD:
        # Reverse charge and export: no French VAT on any line.
        lines = [_zero_rated(line) for line in lines]

    subject = (
        clean_text(errors, "subject", data["subject"], max_length=200)
        if given("subject")
        else (current.subject if current is not None else "")
    )
    notes = (
        clean_text(errors, "notes", data["notes"], max_length=5000)
        if given("notes")
        else (current.notes if current is not None else "")
    )

    related: Document | None = current.related if current is not None else None
    if given("related"):
        related = None
        if not blank(data["related"]):
            pk = parse_id(data["related"])
            related = (
                Document.objects.filter(organization=organization, pk=pk).first()
                if pk is not None
                else None
            )
            if related is None:
                errors.add("related", "not_found", _("Document lié introuvable."))
    if related is not None and doc_type == DocumentType.CREDIT_NOTE:
        if related.type != DocumentType.INVOICE or related.state != DocumentState.ISSUED:
            errors.add("related", "not_invoice", _("Un avoir se rapporte à une facture émise."))
        elif client is not None and related.client_id != client.pk:
            errors.add("related", "other_client", _("Cette facture est celle d'un autre client."))

    due_date = current.due_date if current is not None else None
    if given("due_date"):
        due_date = clean_date(errors, "due_date", data["due_date"], required=False)
    elif doc_type in DUE_TYPES and date is not None:
        due_date = due_date_for(date, terms_days, end_of_month)
    if due_date is not None and date is not None and due_date < date:
        errors.add("due_date", "before_date", _("L'échéance ne peut précéder la date du document."))

    valid_until = current.valid_until if current is not None else None
    if given("valid_until"):
        valid_until = clean_date(errors, "valid_until", data["valid_until"], required=False)
    elif doc_type == DocumentType.QUOTE and date is not None and (current is None or given("date")):
        valid_until = date + datetime.timedelta(days=settings.quote_validity_days)

    if not errors and lines:
        totals = _totals(lines, discount_percent, discount_amount, regime)
        if doc_type == DocumentType.CREDIT_NOTE and totals.total_incl_vat <= 0:
            errors.add(
                "lines", "not_positive", _("Le montant d'un avoir doit être supérieur à zéro.")
            )
    if errors:
        raise ValidationFailed(list(errors))
    assert client is not None and date is not None and currency is not None
    return _DocumentValues(
        client=client,
        type=doc_type,
        date=date,
        due_date=due_date,
        valid_until=valid_until,
        currency=currency,
        vat_regime=regime,
        payment_terms_days=terms_days,
        payment_terms_end_of_month=end_of_month,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        subject=subject,
        notes=notes,
        related=related,
        lines=lines,
    )


def _zero_rated(line: LineInput) -> LineInput:
    return LineInput(
        description=line.description,
        reference=line.reference,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        vat_rate=ZERO,
        unit_cost=line.unit_cost,
    )


def _totals(
    lines: list[LineInput],
    discount_percent: Decimal | None,
    discount_amount: Decimal | None,
    regime: str,
) -> Any:
    return compute_totals(
        [
            LineAmounts(line.quantity, line.unit_price, line.discount_percent, line.vat_rate)
            for line in lines
        ],
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        zero_vat=regime != VatRegime.STANDARD,
    )


def _document_state(document: Document) -> dict[str, Any]:
    """What the history compares: the document's fields and its lines."""
    lines = [
        {
            "description": line.description,
            "reference": line.reference,
            "quantity": to_json(line.quantity),
            "unit_price": to_json(line.unit_price),
            "discount_percent": to_json(line.discount_percent),
            "vat_rate": to_json(line.vat_rate),
            "unit_cost": to_json(line.unit_cost),
        }
        for line in document.lines.all()
    ]
    return {
        "client": document.client_id,
        "date": document.date,
        "due_date": document.due_date,
        "valid_until": document.valid_until,
        "currency": document.currency,
        "payment_terms_days": document.payment_terms_days,
        "payment_terms_end_of_month": document.payment_terms_end_of_month,
        "discount_percent": document.discount_percent,
        "discount_amount": document.discount_amount,
        "subject": document.subject,
        "notes": document.notes,
        "related": document.related_id,
        "lines": lines,
        "total_excl_vat": document.total_excl_vat,
        "total_incl_vat": document.total_incl_vat,
    }


def _write_document(document: Document, values: _DocumentValues) -> None:
    totals = _totals(
        values.lines, values.discount_percent, values.discount_amount, values.vat_regime
    )
    document.client = values.client
    document.date = values.date
    document.due_date = values.due_date
    document.valid_until = values.valid_until
    document.currency = values.currency
    document.vat_regime = values.vat_regime
    document.payment_terms_days = values.payment_terms_days
    document.payment_terms_end_of_month = values.payment_terms_end_of_month
    document.discount_percent = values.discount_percent
    document.discount_amount = values.discount_amount
    document.subject = values.subject
    document.notes = values.notes
    document.related = values.related
    document.total_excl_vat = totals.total_excl_vat
    document.total_vat = totals.total_vat
    document.total_incl_vat = totals.total_incl_vat
    document.vat_breakdown = totals.breakdown()
    document.save()
    DocumentLine.objects.filter(document=document).delete()
    DocumentLine.objects.bulk_create(
        DocumentLine(
            organization_id=document.organization_id,
            document=document,
            position=position,
            description=line.description,
            reference=line.reference,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            unit_cost=line.unit_cost,
            total_excl_vat=amount,
        )
        for position, (line, amount) in enumerate(zip(values.lines, totals.lines, strict=True), 1)
    )


def create_document(
    organization: Organization, user: User | None, data: dict[str, Any], *, source: str = ""
) -> Document:
    """A new draft document for one of the organization's clients."""
    values = _clean_document(organization, data, None)
    with transaction.atomic():
        document = Document(
            organization=organization,
            type=values.type,
            state=DocumentState.DRAFT,
            created_by=user if user is not None and user.pk else None,
        )
        _write_document(document, values)
        record_change(
            organization_id=organization.pk,
            object_type=DOCUMENT_OBJECT,
            object_id=document.pk,
            action="create",
            user=user,
            changes={
                key: {"old": None, "new": to_json(value)}
                for key, value in _document_state(document).items()
                if value not in (None, "", [])
            },
            source=source,
        )
    return document


def _refuse_unless_draft(document: Document) -> None:
    if document.state != DocumentState.DRAFT:
        raise Conflict(
            _(
                "%(number)s est émis : il ne se modifie plus. Corrigez-le par un avoir."
                if document.type == DocumentType.INVOICE
                else "%(number)s n'est plus un brouillon : il ne se modifie plus."
            )
            % {"number": document.number or document.get_type_display()},
            code="not_draft",
        )


def update_document(
    organization: Organization,
    user: User | None,
    document_id: Any,
    data: dict[str, Any],
    *,
    version: Any = None,
) -> Document:
    """Change a draft (the keys given; ``lines`` replaces every line)."""
    with transaction.atomic():
        document = get_document(organization, document_id, for_update=True)
        _check_version(document, version if version is not None else data.get("version"))
        _refuse_unless_draft(document)
        before = _document_state(document)
        values = _clean_document(organization, data, document)
        document.version += 1
        _write_document(document, values)
        after = _document_state(document)
        changes = {
            key: {"old": to_json(before[key]), "new": to_json(after[key])}
            for key in after
            if to_json(before[key]) != to_json(after[key])
        }
        if changes:
            record_change(
                organization_id=organization.pk,
                object_type=DOCUMENT_OBJECT,
                object_id=document.pk,
                action="update",
                user=user,
                changes=changes,
            )
    return document


def delete_document(
    organization: Organization, user: User | None, document_id: Any, *, version: Any = None
) -> None:
    """Delete a draft. An issued document stays: it is corrected by a credit note."""
    with transaction.atomic():
        document = get_document(organization, document_id, for_update=True)
        _check_version(document, version)
        _refuse_unless_draft(document)
        if document.derived.exists():  # type: ignore[attr-defined]
            raise Conflict(
                _("D'autres documents se rapportent à ce brouillon."), code="has_derived"
            )
        record_change(
            organization_id=organization.pk,
            object_type=DOCUMENT_OBJECT,
            object_id=document.pk,
            action="delete",
            user=user,
            changes={"type": {"old": document.type, "new": None}},
        )
        document.delete()


def _billing_address(client: Client) -> dict[str, str]:
    address = (
        Address.objects.filter(client=client, organization_id=client.organization_id)
        .order_by("-is_billing", "id")
        .first()
    )
    if address is None:
        return {}
    return {
        "line1": address.line1,
        "line2": address.line2,
        "line3": address.line3,
        "postcode": address.postcode,
        "city": address.city,
        "country": address.country,
    }


def client_identity(client: Client) -> dict[str, Any]:
    """The client's legal identity as a document prints it."""
    return {
        "name": client.name,
        "reference": client.reference,
        "legal_form": client.legal_form,
        "siret": client.siret,
        "siren": client.siren,
        "vat_number": client.vat_number,
        "country": client.country,
        "address": _billing_address(client),
    }


def issue_document(organization: Organization, user: User | None, document_id: Any) -> Document:
    """Give a draft its number and freeze it: the next of its type's continuous sequence,
    taken in this transaction (a failure gives it back), and the client's legal identity
    copied onto it. A quote becomes "sent". A credit note for an invoice settles it."""
    with transaction.atomic():
        document = get_document(organization, document_id, for_update=True)
        _refuse_unless_draft(document)
        if not document.lines.exists():  # type: ignore[attr-defined]
            raise ValidationFailed(
                [FieldError("lines", "required", _("Ajoutez au moins une ligne."))]
            )
        client = Client.objects.get(pk=document.client_id)
        if client.deleted_at is not None:
            raise Conflict(_("Le client de ce document est supprimé."), code="client_deleted")
        if document.type in REVENUE_TYPES and document.date > today():
            # A typo in the year would hold every later invoice back (dates follow numbers).
            raise ValidationFailed(
                [
                    FieldError(
                        "date",
                        "in_future",
                        _("Une facture ou un avoir s'émet à sa date : celle-ci est à venir."),
                    )
                ]
            )
        # The sequence row is locked until commit: issuers of one type take turns.
        number = next_value(organization.pk, f"document:{document.type}")
        latest = (
            Document.objects.filter(
                organization=organization, type=document.type, sequence_number__isnull=False
            )
            .aggregate(latest=Max("date"))
            .get("latest")
        )
        if latest is not None and document.date < latest:
            raise ValidationFailed(
                [
                    FieldError(
                        "date",
                        "before_last_issued",
                        _(
                            "La numérotation suit l'ordre chronologique : la date doit être "
                            "le %(date)s ou après, date du dernier document émis."
                        )
                        % {"date": latest.strftime("%d/%m/%Y")},
                    )
                ]
            )
        document.sequence_number = number
        document.number = f"{PREFIXES[DocumentType(document.type)]}-{number:06d}"
        document.state = (
            DocumentState.SENT if document.type == DocumentType.QUOTE else DocumentState.ISSUED
        )
        document.client_snapshot = client_identity(client)
        document.issued_at = timezone.now()
        document.version += 1
        document.save()
        record_change(
            organization_id=organization.pk,
            object_type=DOCUMENT_OBJECT,
            object_id=document.pk,
            action="issue",
            user=user,
            changes={
                "number": {"old": "", "new": document.number},
                "state": {"old": DocumentState.DRAFT, "new": document.state},
            },
        )
        if document.type == DocumentType.CREDIT_NOTE and document.related_id is not None:
            invoice = Document.objects.select_for_update().get(pk=document.related_id)
            amount = min(document.total_incl_vat, max(invoice.balance, ZERO))
            if amount > 0:
                Allocation.objects.create(
                    organization=organization, invoice=invoice, credit_note=document, amount=amount
                )
                _refresh_invoices([invoice.pk])
                _refresh_credit_notes([document.pk])
        if document.type in REVENUE_TYPES:
            products.add_document(document)
            refresh_revenue(organization.pk, [document.client_id])
        document.refresh_from_db()
    return document


QUOTE_DECISIONS = (DocumentState.ACCEPTED, DocumentState.REFUSED, DocumentState.SENT)


def set_quote_status(
    organization: Organization, user: User | None, document_id: Any, status: Any
) -> Document:
    """Record the client's answer to a sent quote (accepted, refused), or take it back."""
    with transaction.atomic():
        document = get_document(organization, document_id, for_update=True)
        if document.type != DocumentType.QUOTE or document.state == DocumentState.DRAFT:
            raise Conflict(
                _("Seul un devis envoyé peut être accepté ou refusé."), code="not_sent_quote"
            )
        if status not in QUOTE_DECISIONS:
            raise ValidationFailed(
                [FieldError("status", "invalid", _("Statut attendu : sent, accepted ou refused."))]
            )
        if document.state != status:
            record_change(
                organization_id=organization.pk,
                object_type=DOCUMENT_OBJECT,
                object_id=document.pk,
                action="update",
                user=user,
                changes={"state": {"old": document.state, "new": status}},
            )
            document.state = status
            document.version += 1
            document.save(update_fields=["state", "version", "updated_at"])
    return document


def convert_document(
    organization: Organization, user: User | None, document_id: Any, to_type: str
) -> Document:
    """A new draft of ``to_type`` with another document's client and lines (a quote
    becomes an invoice, an invoice gets its credit note)."""
    source = get_document(organization, document_id)
    lines = [
        {
            "description": line.description,
            "reference": line.reference,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate,
            "unit_cost": line.unit_cost,
        }
        for line in source.lines.all()  # type: ignore[attr-defined]
    ]
    data: dict[str, Any] = {
        "type": to_type,
        "client": source.client_id,
        "lines": lines,
        "subject": source.subject,
        "related": source.pk,
    }
    if source.discount_percent is not None or source.discount_amount is not None:
        data["discount_percent"] = source.discount_percent
        data["discount_amount"] = source.discount_amount
    return create_document(organization, user, data)


# --- Allocations --------------------------------------------------------------------------
def _refresh_invoices(invoice_ids: Iterable[int]) -> None:
    """Recompute what payments and credit notes settle of these invoices, and the day
    they were settled in full."""
    for invoice in Document.objects.filter(pk__in=list(invoice_ids)):
        sums = Allocation.objects.filter(invoice=invoice).aggregate(
            paid=Sum("amount", filter=Q(payment__isnull=False)),
            credited=Sum("amount", filter=Q(credit_note__isnull=False)),
            last_payment=Max("payment__date"),
            last_credit=Max("credit_note__date"),
        )
        invoice.amount_paid = sums["paid"] or ZERO
        invoice.amount_credited = sums["credited"] or ZERO
        if invoice.balance <= 0:
            days = [d for d in (sums["last_payment"], sums["last_credit"]) if d is not None]
            invoice.settled_on = max(days) if days else invoice.date
        else:
            invoice.settled_on = None
        invoice.save(update_fields=["amount_paid", "amount_credited", "settled_on", "updated_at"])


def _refresh_credit_notes(credit_note_ids: Iterable[int]) -> None:
    for credit_note in Document.objects.filter(pk__in=list(credit_note_ids)):
        used = Allocation.objects.filter(credit_note=credit_note).aggregate(s=Sum("amount"))["s"]
        credit_note.amount_used = used or ZERO
        credit_note.save(update_fields=["amount_used", "updated_at"])


def _clean_allocations(
    organization: Organization,
    errors: Errors,
    value: Any,
    *,
    client_id: int | None,
    currency: str | None,
    available: Decimal | None,
    replacing: dict[int, Decimal],
) -> list[tuple[Document, Decimal]]:
    """``[{"document": id, "amount": "…"}]`` against the client's issued invoices: each
    amount positive, within the invoice's balance (plus what ``replacing`` gives back), in
    the same currency, and all of them within ``available``."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("allocations", "invalid_type", _("Une liste d'affectations est attendue."))
        return []
    found: list[tuple[Document, Decimal]] = []
    seen: set[int] = set()
    wanted: list[tuple[int, int, Decimal]] = []
    for index, item in enumerate(value):
        field = f"allocations[{index}]"
        if not isinstance(item, dict):
            errors.add(field, "invalid_type", _("Une affectation est un objet."))
            continue
        pk = parse_id(item.get("document"))
        amount = clean_amount(errors, field + ".amount", item.get("amount"), positive=True)
        if pk is None:
            errors.add(field + ".document", "invalid", _("Identifiant de facture attendu."))
            continue
        if pk in seen:
            errors.add(field + ".document", "repeated", _("Cette facture est déjà affectée."))
            continue
        seen.add(pk)
        if amount is not None:
            wanted.append((index, pk, amount))
    invoices = {
        invoice.pk: invoice
        for invoice in Document.objects.select_for_update()
        .filter(organization=organization, pk__in=sorted(pk for _, pk, _ in wanted))
        .order_by("pk")
    }
    total = ZERO
    for index, pk, amount in wanted:
        field = f"allocations[{index}]"
        invoice = invoices.get(pk)
        if invoice is None:
            errors.add(field + ".document", "not_found", _("Facture introuvable."))
            continue
        if invoice.type != DocumentType.INVOICE or invoice.state != DocumentState.ISSUED:
            errors.add(
                field + ".document",
                "not_issued_invoice",
                _("%(number)s n'est pas une facture émise.")
                % {"number": invoice.number or invoice.get_type_display()},
            )
            continue
        if client_id is not None and invoice.client_id != client_id:
            errors.add(
                field + ".document",
                "other_client",
                _("%(number)s est la facture d'un autre client.") % {"number": invoice.number},
            )
            continue
        if currency is not None and invoice.currency != currency:
            errors.add(
                field + ".document",
                "currency_mismatch",
                _("%(number)s est en %(invoice)s, ce paiement en %(payment)s.")
                % {"number": invoice.number, "invoice": invoice.currency, "payment": currency},
            )
            continue
        balance = invoice.balance + replacing.get(pk, ZERO)
        if amount > balance:
            errors.add(
                field + ".amount",
                "above_balance",
                _("%(number)s n'a plus que %(balance)s %(currency)s à payer.")
                % {
                    "number": invoice.number,
                    "balance": _money(balance),
                    "currency": invoice.currency,
                },
            )
            continue
        total += amount
        found.append((invoice, amount))
    if available is not None and total > available:
        errors.add(
            "allocations",
            "above_amount",
            _("Les affectations (%(total)s) dépassent le montant disponible (%(available)s).")
            % {"total": _money(total), "available": _money(available)},
        )
    return found


def _money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")


def allocate_credit_note(
    organization: Organization,
    user: User | None,
    credit_note_id: Any,
    allocations: Any,
) -> Document:
    """Set which invoices of its client an issued credit note settles (replacing its
    allocations); what is left stays as the client's credit."""
    with transaction.atomic():
        credit_note = get_document(organization, credit_note_id, for_update=True)
        if (
            credit_note.type != DocumentType.CREDIT_NOTE
            or credit_note.state != DocumentState.ISSUED
        ):
            raise Conflict(
                _("Seul un avoir émis s'affecte à des factures."), code="not_credit_note"
            )
        previous = {
            a.invoice_id: a.amount for a in Allocation.objects.filter(credit_note=credit_note)
        }
        errors = Errors()
        found = _clean_allocations(
            organization,
            errors,
            allocations,
            client_id=credit_note.client_id,
            currency=credit_note.currency,
            available=credit_note.total_incl_vat,
            replacing=previous,
        )
        if errors:
            raise ValidationFailed(list(errors))
        Allocation.objects.filter(credit_note=credit_note).delete()
        Allocation.objects.bulk_create(
            Allocation(organization=organization, invoice=inv, credit_note=credit_note, amount=amt)
            for inv, amt in found
        )
        _refresh_invoices({*previous, *(inv.pk for inv, _ in found)})
        _refresh_credit_notes([credit_note.pk])
        record_change(
            organization_id=organization.pk,
            object_type=DOCUMENT_OBJECT,
            object_id=credit_note.pk,
            action="allocate",
            user=user,
            changes={
                "allocations": {
                    "old": {str(k): to_json(v) for k, v in previous.items()},
                    "new": {str(inv.pk): to_json(amt) for inv, amt in found},
                }
            },
        )
        credit_note.refresh_from_db()
    return credit_note


# --- Payments -----------------------------------------------------------------------------
PAYMENT_FIELDS = {
    "client",
    "date",
    "amount",
    "currency",
    "method",
    "reference",
    "notes",
    "allocations",
    "version",
}


def _payment_state(payment: Payment) -> dict[str, Any]:
    return {
        "client": payment.client_id,
        "date": payment.date,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "reference": payment.reference,
        "notes": payment.notes,
        "allocations": {
            str(a.invoice_id): to_json(a.amount)
            for a in Allocation.objects.filter(payment_id=payment.pk).order_by("invoice_id")
        }
        if payment.pk
        else {},
    }


def _save_payment(
    organization: Organization,
    user: User | None,
    payment: Payment,
    data: dict[str, Any],
) -> Payment:
    creating = payment.pk is None
    errors = Errors()
    for key in data:
        if key not in PAYMENT_FIELDS:
            errors.add(key, "unknown_field", _("Champ inconnu."))
    client: Client | None = payment.client if not creating else None
    if creating or "client" in data:
        client = _client_of(organization, data.get("client"), errors)
        if not creating and client is not None and client.pk != payment.client_id:
            errors.add("client", "read_only", _("Le client d'un paiement ne change pas."))
    date = (
        clean_date(errors, "date", data.get("date")) if creating or "date" in data else payment.date
    )
    amount = (
        clean_amount(errors, "amount", data.get("amount"), positive=True)
        if creating or "amount" in data
        else payment.amount
    )
    if creating or "method" in data:
        method = clean_method(errors, "method", data.get("method"))
    else:
        method = payment.method
    currency: str | None = payment.currency
    if "currency" in data and not blank(data["currency"]):
        currency = clean_currency(errors, "currency", data["currency"])
    elif creating and client is not None:
        currency = payments.effective(client, payments.settings_for(organization)).currency
    reference = (
        clean_text(errors, "reference", data["reference"], max_length=100)
        if "reference" in data
        else payment.reference
    )
    notes = (
        clean_text(errors, "notes", data["notes"], max_length=5000)
        if "notes" in data
        else payment.notes
    )
    previous = (
        {a.invoice_id: a.amount for a in Allocation.objects.filter(payment_id=payment.pk)}
        if not creating
        else {}
    )
    found: list[tuple[Document, Decimal]] = []
    if "allocations" in data and client is not None:
        found = _clean_allocations(
            organization,
            errors,
            data["allocations"],
            client_id=client.pk,
            currency=currency,
            available=amount,
            replacing=previous,
        )
    elif not creating and amount is not None and amount < payment.amount_allocated:
        errors.add(
            "amount",
            "below_allocated",
            _(
                "Ce paiement est déjà affecté pour %(allocated)s : "
                "réduisez d'abord ses affectations."
            )
            % {"allocated": _money(payment.amount_allocated)},
        )
    elif not creating and currency != payment.currency and previous:
        errors.add(
            "currency",
            "currency_mismatch",
            _("Ce paiement est affecté à des factures en %(c)s.") % {"c": payment.currency},
        )
    if errors:
        raise ValidationFailed(list(errors))
    assert client is not None and date is not None and amount is not None and currency is not None
    before = _payment_state(payment) if not creating else {}
    payment.client = client
    payment.date = date
    payment.amount = amount
    payment.currency = currency
    payment.method = method
    payment.reference = reference
    payment.notes = notes
    if creating:
        payment.organization = organization
        payment.created_by = user if user is not None and user.pk else None
    else:
        payment.version += 1
    payment.save()
    touched = set(previous)
    if "allocations" in data:
        Allocation.objects.filter(payment=payment).delete()
        Allocation.objects.bulk_create(
            Allocation(organization=organization, invoice=inv, payment=payment, amount=amt)
            for inv, amt in found
        )
        touched |= {inv.pk for inv, _ in found}
        payment.amount_allocated = sum((amt for _, amt in found), ZERO)
        payment.save(update_fields=["amount_allocated"])
    if touched and (("allocations" in data) or "date" in data):
        _refresh_invoices(touched)
    after = _payment_state(payment)
    changes = {
        key: {"old": to_json(before.get(key)), "new": to_json(value)}
        for key, value in after.items()
        if to_json(before.get(key)) != to_json(value) and not (creating and value in ("", {}, None))
    }
    if changes:
        record_change(
            organization_id=organization.pk,
            object_type=PAYMENT_OBJECT,
            object_id=payment.pk,
            action="create" if creating else "update",
            user=user,
            changes=changes,
        )
    return payment


def create_payment(organization: Organization, user: User | None, data: dict[str, Any]) -> Payment:
    """Record money received, allocated to invoices of the client or kept as credit."""
    with transaction.atomic():
        return _save_payment(organization, user, Payment(), data)


def update_payment(
    organization: Organization,
    user: User | None,
    payment_id: Any,
    data: dict[str, Any],
    *,
    version: Any = None,
) -> Payment:
    """Change a payment; ``allocations``, when given, replaces all of them."""
    with transaction.atomic():
        payment = get_payment(organization, payment_id, for_update=True)
        _check_version(payment, version if version is not None else data.get("version"))
        return _save_payment(organization, user, payment, data)


def delete_payment(
    organization: Organization, user: User | None, payment_id: Any, *, version: Any = None
) -> None:
    """Delete a payment: the invoices it settled are due again."""
    with transaction.atomic():
        payment = get_payment(organization, payment_id, for_update=True)
        _check_version(payment, version)
        invoices = list(
            Allocation.objects.filter(payment=payment).values_list("invoice_id", flat=True)
        )
        record_change(
            organization_id=organization.pk,
            object_type=PAYMENT_OBJECT,
            object_id=payment.pk,
            action="delete",
            user=user,
            changes={
                key: {"old": to_json(value), "new": None}
                for key, value in _payment_state(payment).items()
            },
        )
        payment.delete()
        _refresh_invoices(invoices)


# --- Revenue on the client list -----------------------------------------------------------
def refresh_revenue(organization_id: int, client_ids: list[int] | None = None) -> None:
    """Set ``Client.revenue`` to the current fiscal year's revenue excl. VAT (issued
    invoices less credit notes) for these clients, or all of the organization's."""
    start, end = fiscal_year(organization_id)
    table = Client._meta.db_table
    docs = Document._meta.db_table
    params: list[Any] = [
        DocumentType.INVOICE,
        DocumentType.CREDIT_NOTE,
        organization_id,
        start,
        end,
        organization_id,
    ]
    where = "organization_id = %s"
    if client_ids is not None:
        if not client_ids:
            return
        where += f" AND id IN ({', '.join(str(int(pk)) for pk in client_ids)})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET revenue = COALESCE(("
            f"  SELECT SUM(CASE WHEN d.type = %s THEN d.total_excl_vat"
            f"                  WHEN d.type = %s THEN -d.total_excl_vat END)"
            f"  FROM {docs} d WHERE d.organization_id = %s AND d.client_id = {table}.id"
            f"  AND d.sequence_number IS NOT NULL AND d.date BETWEEN %s AND %s), 0)"
            f" WHERE {where}",
            params,
        )
    if client_ids is None:
        SalesSettings.objects.update_or_create(
            organization_id=organization_id, defaults={"revenue_year_start": start}
        )


def ensure_revenue_year(organization_id: int) -> None:
    """At the turn of the fiscal year, the revenue column starts the new year (one read
    otherwise)."""
    settings = sales_settings_for(organization_id)
    start, _ = fiscal_year_of(settings.fiscal_year_start_month, today())
    if settings.revenue_year_start != start:
        has_documents = Document.objects.filter(organization_id=organization_id).exists()
        if has_documents or settings.revenue_year_start is not None:
            with transaction.atomic():
                refresh_revenue(organization_id)


# --- Delete rule ----------------------------------------------------------------------------
def _count_many(model: Any) -> Any:
    def count(organization_id: int, client_ids: list[int]) -> dict[int, int]:
        return dict(
            model.objects.filter(organization_id=organization_id, client_id__in=client_ids)
            .values_list("client_id")
            .annotate(n=Count("id"))
            .values_list("client_id", "n")
        )

    return count


def register_client_hooks() -> None:
    """A client with documents or payments cannot be deleted (it can be archived); a
    merge (or its undo) moves documents, and the revenue they give follows them."""
    from carnet.clients.services import DeleteBlocker, blocker_label, register_delete_blocker
    from carnet.duplicates.merging import register_after_moves

    register_after_moves(refresh_revenue)

    register_delete_blocker(
        DeleteBlocker(
            code="documents",
            label=blocker_label("%(count)d document", "%(count)d documents"),
            count=lambda client: Document.objects.filter(
                organization_id=client.organization_id, client=client
            ).count(),
            count_many=_count_many(Document),
        )
    )
    register_delete_blocker(
        DeleteBlocker(
            code="payments",
            label=blocker_label("%(count)d paiement", "%(count)d paiements"),
            count=lambda client: Payment.objects.filter(
                organization_id=client.organization_id, client=client
            ).count(),
            count_many=_count_many(Payment),
        )
    )
