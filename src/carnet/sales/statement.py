"""A client's account statement ("relevé de compte") for a period: the balance at its
start, every issued invoice (debit), credit note and payment (credit) dated in it with
the running balance, the balance at its end, and what of the invoices was unpaid then,
by days past due. Downloaded as CSV or PDF.

Amounts include VAT: they are what the client owes. The opening balance is issued invoices
less credit notes less payments dated before the start, however they were allocated; a
negative balance is in the client's favour.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.pdfgen.canvas import Canvas

from carnet.accounts.models import Organization
from carnet.clients.models import Client
from carnet.imports.values import neutralize
from carnet.payments.models import PaymentMethod

from . import services
from .calculation import ZERO
from .models import Allocation, Document, DocumentType, Payment
from .pdf import (
    BOLD,
    FONT,
    GREY,
    LIGHT,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    amount_text,
    date_text,
    draw_footer,
    footer_lines,
    identity_lines,
    pdf_text,
    seller_of,
)
from .statistics import AGEING_RANGES, AgeingBucket, ageing_range_of

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PAYMENT = "payment"
# Same day: invoices first, then credit notes, then payments.
_ORDER = {INVOICE: 0, CREDIT_NOTE: 1, PAYMENT: 2}


@dataclass(frozen=True)
class StatementRow:
    """One entry: ``debit`` for an invoice, ``credit`` for a credit note or a payment;
    ``balance`` is the running balance after it."""

    date: datetime.date
    kind: str
    label: str
    number: str
    due_date: datetime.date | None
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class Statement:
    client: Client
    identity: dict[str, Any]
    start: datetime.date
    end: datetime.date
    issued_on: datetime.date
    opening_balance: Decimal = ZERO
    rows: list[StatementRow] = field(default_factory=list)
    total_debit: Decimal = ZERO
    total_credit: Decimal = ZERO
    closing_balance: Decimal = ZERO
    # Invoices unpaid at ``end`` (what was settled by then), by days past due at ``end``.
    ageing: list[AgeingBucket] = field(default_factory=list)


def build_statement(
    organization: Organization,
    client: Client,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
) -> Statement:
    """The statement of ``client`` for ``start``..``end``, in seven queries whatever the
    number of entries (the rows themselves are read once, as tuples)."""
    if start > end:
        raise ValueError("start must not be after end")
    statement = Statement(
        client=client,
        identity=services.client_identity(client),
        start=start,
        end=end,
        issued_on=today or services.today(),
    )
    documents = Document.objects.filter(
        organization=organization,
        client=client,
        type__in=(DocumentType.INVOICE, DocumentType.CREDIT_NOTE),
        sequence_number__isnull=False,
    )
    payments = Payment.objects.filter(organization=organization, client=client)

    before = documents.filter(date__lt=start).aggregate(
        debit=Sum("total_incl_vat", filter=Q(type=DocumentType.INVOICE)),
        credit=Sum("total_incl_vat", filter=Q(type=DocumentType.CREDIT_NOTE)),
    )
    paid_before = payments.filter(date__lt=start).aggregate(total=Sum("amount"))["total"]
    opening = (before["debit"] or ZERO) - (before["credit"] or ZERO) - (paid_before or ZERO)
    statement.opening_balance = opening

    labels = {INVOICE: _("Facture"), CREDIT_NOTE: _("Avoir")}
    methods = {value: str(label) for value, label in PaymentMethod.choices}
    entries: list[
        tuple[datetime.date, int, int | None, str, str, str, datetime.date | None, Decimal]
    ] = []
    for day, doc_type, number, sequence, due, total in documents.filter(
        date__gte=start, date__lte=end
    ).values_list("date", "type", "number", "sequence_number", "due_date", "total_incl_vat"):
        entries.append(
            (day, _ORDER[doc_type], sequence, doc_type, labels[doc_type], number, due, total)
        )
    for day, pk, amount, method, reference in payments.filter(
        date__gte=start, date__lte=end
    ).values_list("date", "id", "amount", "method", "reference"):
        label = _("Paiement (%(method)s)") % {"method": methods.get(method, method)}
        entries.append((day, _ORDER[PAYMENT], pk, PAYMENT, label, reference, None, amount))
    entries.sort(key=lambda entry: entry[:3])

    balance = opening
    debits = credits = ZERO
    rows = []
    for day, _order, _key, kind, label, number, due, amount in entries:
        if kind == INVOICE:
            balance += amount
            debits += amount
            rows.append(StatementRow(day, kind, label, number, due, amount, ZERO, balance))
        else:
            balance -= amount
            credits += amount
            rows.append(StatementRow(day, kind, label, number, due, ZERO, amount, balance))
    statement.rows = rows
    statement.total_debit = debits
    statement.total_credit = credits
    statement.closing_balance = balance
    statement.ageing = _ageing_at(organization, client, end)
    return statement


def _ageing_at(
    organization: Organization, client: Client, end: datetime.date
) -> list[AgeingBucket]:
    """What each invoice dated up to ``end`` still owed that day (its total less the
    payments and credit notes dated up to then), by days past due that day."""
    unsettled = Q(settled_on__isnull=True) | Q(settled_on__gt=end)
    invoices = Document.objects.filter(
        organization=organization,
        client=client,
        type=DocumentType.INVOICE,
        sequence_number__isnull=False,
        date__lte=end,
    ).filter(unsettled)
    settled = dict(
        Allocation.objects.filter(
            organization=organization,
            invoice__organization=organization,
            invoice__client=client,
            invoice__type=DocumentType.INVOICE,
            invoice__sequence_number__isnull=False,
            invoice__date__lte=end,
        )
        .filter(Q(invoice__settled_on__isnull=True) | Q(invoice__settled_on__gt=end))
        .filter(Q(payment__date__lte=end) | Q(credit_note__date__lte=end))
        .values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    amounts = {ageing_range.key: ZERO for ageing_range in AGEING_RANGES}
    counts = {ageing_range.key: 0 for ageing_range in AGEING_RANGES}
    for pk, due, total in invoices.values_list("id", "due_date", "total_incl_vat"):
        owed = total - (settled.get(pk) or ZERO)
        if owed <= 0:
            continue
        key = ageing_range_of((end - due).days if due is not None else 0).key
        amounts[key] += owed
        counts[key] += 1
    return [
        AgeingBucket(
            key=ageing_range.key,
            label=ageing_range.label,
            amount=amounts[ageing_range.key],
            count=counts[ageing_range.key],
        )
        for ageing_range in AGEING_RANGES
    ]


# --- CSV --------------------------------------------------------------------------------------
def _csv_amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",") if value else ""


def statement_csv(statement: Statement) -> bytes:
    """The statement as CSV for French spreadsheets: UTF-8 with a byte-order mark, ``;``
    between cells, decimal commas, dates as dd/mm/yyyy, like the client export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [_("Date"), _("Pièce"), _("Numéro"), _("Échéance"), _("Débit"), _("Crédit"), _("Solde")]
    )
    writer.writerow(
        [
            date_text(statement.start),
            _("Solde d'ouverture"),
            "",
            "",
            "",
            "",
            f"{statement.opening_balance:.2f}".replace(".", ","),
        ]
    )
    for row in statement.rows:
        writer.writerow(
            [
                date_text(row.date),
                row.label,
                neutralize(row.number),
                date_text(row.due_date),
                _csv_amount(row.debit),
                _csv_amount(row.credit),
                f"{row.balance:.2f}".replace(".", ","),
            ]
        )
    writer.writerow(
        [
            date_text(statement.end),
            _("Solde de clôture"),
            "",
            "",
            f"{statement.total_debit:.2f}".replace(".", ","),
            f"{statement.total_credit:.2f}".replace(".", ","),
            f"{statement.closing_balance:.2f}".replace(".", ","),
        ]
    )
    return "\ufeff".encode() + buffer.getvalue().encode()


# --- PDF --------------------------------------------------------------------------------------
ROW_HEIGHT = 11.0
FONT_SIZE = 8.0
BOTTOM = MARGIN + 20.0
# Left edges of the text columns, right edges of the amounts (points from the left margin).
_DATE_X = 0.0
_LABEL_X = 52.0
_NUMBER_X = 150.0
_DUE_X = 250.0
_DEBIT_RIGHT = 355.0
_CREDIT_RIGHT = 425.0
_BALANCE_RIGHT = PAGE_WIDTH - 2 * MARGIN
_LABEL_CHARS = 24
_NUMBER_CHARS = 22


class _StatementPages:
    """Draws the statement's rows straight on the canvas, a new page (with the column
    headings again) when the current one is full: fast enough for tens of thousands
    of rows, where a platypus table would measure every cell."""

    def __init__(self, canvas: Canvas, title: str, footer: list[str]) -> None:
        self.canvas = canvas
        self.title = title
        self.footer = footer
        self.y = PAGE_HEIGHT - MARGIN
        self.left = MARGIN
        self.headings = [
            pdf_text(text)
            for text in (
                _("Date"),
                _("Pièce"),
                _("Numéro"),
                _("Échéance"),
                _("Débit"),
                _("Crédit"),
                _("Solde"),
            )
        ]

    def finish_page(self) -> None:
        draw_footer(self.canvas, self.footer)

    def new_page(self) -> None:
        self.finish_page()
        self.canvas.showPage()
        self.y = PAGE_HEIGHT - MARGIN
        self.canvas.setFont(FONT, FONT_SIZE)
        self.canvas.drawString(self.left, self.y, self.title)
        self.y -= 2 * ROW_HEIGHT
        self.column_headings()

    def need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.new_page()

    def column_headings(self) -> None:
        canvas = self.canvas
        left = self.left
        canvas.setFillColor(LIGHT)
        canvas.rect(left - 2, self.y - 3, PAGE_WIDTH - 2 * MARGIN + 4, ROW_HEIGHT + 1, 0, 1)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(BOLD, FONT_SIZE)
        date, label, number, due, debit, credit, balance = self.headings
        canvas.drawString(left + _DATE_X, self.y, date)
        canvas.drawString(left + _LABEL_X, self.y, label)
        canvas.drawString(left + _NUMBER_X, self.y, number)
        canvas.drawString(left + _DUE_X, self.y, due)
        canvas.drawRightString(left + _DEBIT_RIGHT, self.y, debit)
        canvas.drawRightString(left + _CREDIT_RIGHT, self.y, credit)
        canvas.drawRightString(left + _BALANCE_RIGHT, self.y, balance)
        canvas.setFont(FONT, FONT_SIZE)
        self.y -= ROW_HEIGHT + 2

    def row(
        self,
        date: str,
        label: str,
        number: str,
        due: str,
        debit: str,
        credit: str,
        balance: str,
        *,
        bold: bool = False,
    ) -> None:
        if self.y < BOTTOM:
            self.new_page()
        canvas = self.canvas
        left = self.left
        y = self.y
        if bold:
            canvas.setFont(BOLD, FONT_SIZE)
        canvas.drawString(left + _DATE_X, y, date)
        canvas.drawString(left + _LABEL_X, y, label)
        if number:
            canvas.drawString(left + _NUMBER_X, y, number)
        if due:
            canvas.drawString(left + _DUE_X, y, due)
        if debit:
            canvas.drawRightString(left + _DEBIT_RIGHT, y, debit)
        if credit:
            canvas.drawRightString(left + _CREDIT_RIGHT, y, credit)
        canvas.drawRightString(left + _BALANCE_RIGHT, y, balance)
        if bold:
            canvas.setFont(FONT, FONT_SIZE)
        self.y -= ROW_HEIGHT


def _lines(canvas: Canvas, x: float, y: float, lines: list[str], size: float = 9) -> float:
    canvas.setFont(FONT, size)
    for line in lines:
        canvas.drawString(x, y, pdf_text(line))
        y -= size + 2.5
    return y


def statement_pdf(statement: Statement, organization: Organization) -> bytes:
    """The statement as a printable A4 PDF: the organization and the client, the
    period, the rows with their running balance, the totals and the unpaid invoices by
    days past due at the end of the period."""
    seller = seller_of(organization)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    title = _("Relevé de compte")
    client_name = str(statement.identity.get("name") or statement.client.name)
    canvas.setTitle(pdf_text(" – ".join((title, client_name))))
    canvas.setAuthor(pdf_text(seller.name))
    canvas.setCreator("Carnet")
    period = _("du %(start)s au %(end)s") % {
        "start": date_text(statement.start),
        "end": date_text(statement.end),
    }

    top = PAGE_HEIGHT - MARGIN
    canvas.setFont(BOLD, 12)
    canvas.drawString(MARGIN, top, pdf_text(seller.name))
    left_y = _lines(canvas, MARGIN, top - 14, seller.lines, 8)
    canvas.setFont(BOLD, 16)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top, pdf_text(title))
    canvas.setFont(FONT, 9)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 16, pdf_text(period))
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN,
        top - 28,
        pdf_text(_("Édité le %(date)s") % {"date": date_text(statement.issued_on)}),
    )
    client_lines = identity_lines(statement.identity)
    if statement.identity.get("reference"):
        client_lines.append(
            _("Réf. client : %(reference)s") % {"reference": statement.identity["reference"]}
        )
    box_x = PAGE_WIDTH / 2 + 10
    box_top = min(left_y, top - 44) - 6
    canvas.setFont(BOLD, 10)
    canvas.drawString(box_x + 8, box_top - 14, pdf_text(client_lines[0]))
    box_bottom = _lines(canvas, box_x + 8, box_top - 27, client_lines[1:], 8.5) - 2
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.5)
    canvas.rect(box_x, box_bottom, PAGE_WIDTH - MARGIN - box_x, box_top - box_bottom)

    footer = footer_lines(seller, PAGE_WIDTH - 2 * MARGIN)
    running_title = pdf_text(" – ".join((title, client_name, period)))
    pages = _StatementPages(canvas, running_title, footer)
    pages.y = box_bottom - 2 * ROW_HEIGHT
    pages.column_headings()

    pages.row(
        pdf_text(date_text(statement.start)),
        pdf_text(_("Solde d'ouverture")),
        "",
        "",
        "",
        "",
        amount_text(statement.opening_balance),
        bold=True,
    )
    cache: dict[str, str] = {}
    for row in statement.rows:
        label = cache.get(row.label)
        if label is None:
            label = cache[row.label] = pdf_text(row.label)[:_LABEL_CHARS]
        pages.row(
            row.date.strftime("%d/%m/%Y"),
            label,
            pdf_text(row.number[:_NUMBER_CHARS]) if row.number else "",
            row.due_date.strftime("%d/%m/%Y") if row.due_date is not None else "",
            amount_text(row.debit) if row.debit else "",
            amount_text(row.credit) if row.credit else "",
            amount_text(row.balance),
        )
    pages.need(3 * ROW_HEIGHT)
    canvas.setStrokeColor(GREY)
    canvas.line(MARGIN, pages.y + ROW_HEIGHT - 2, PAGE_WIDTH - MARGIN, pages.y + ROW_HEIGHT - 2)
    pages.row(
        "",
        pdf_text(_("Totaux de la période")),
        "",
        "",
        amount_text(statement.total_debit),
        amount_text(statement.total_credit),
        "",
        bold=True,
    )
    pages.row(
        pdf_text(date_text(statement.end)),
        pdf_text(_("Solde de clôture")),
        "",
        "",
        "",
        "",
        amount_text(statement.closing_balance),
        bold=True,
    )
    if statement.closing_balance < 0:
        pages.row("", pdf_text(_("Solde en votre faveur")), "", "", "", "", "")

    pages.need((len(statement.ageing) + 4) * ROW_HEIGHT)
    pages.y -= ROW_HEIGHT
    canvas.setFont(BOLD, 9)
    canvas.drawString(
        MARGIN,
        pages.y,
        pdf_text(
            _("Factures non réglées au %(date)s, par retard") % {"date": date_text(statement.end)}
        ),
    )
    pages.y -= ROW_HEIGHT + 2
    canvas.setFont(FONT, FONT_SIZE)
    total = ZERO
    for bucket in statement.ageing:
        canvas.drawString(MARGIN, pages.y, pdf_text(bucket.label))
        canvas.drawRightString(
            MARGIN + _DEBIT_RIGHT,
            pages.y,
            pdf_text(
                ngettext("%(count)d facture", "%(count)d factures", bucket.count)
                % {"count": bucket.count}
            ),
        )
        canvas.drawRightString(MARGIN + _CREDIT_RIGHT, pages.y, amount_text(bucket.amount))
        total += bucket.amount
        pages.y -= ROW_HEIGHT
    canvas.setFont(BOLD, FONT_SIZE)
    canvas.drawString(MARGIN, pages.y, pdf_text(_("Total dû")))
    canvas.drawRightString(MARGIN + _CREDIT_RIGHT, pages.y, amount_text(total))
    pages.finish_page()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
