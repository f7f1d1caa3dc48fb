"""What each client's issued invoices and credit notes sold, per month and product
(``ProductMonth``): the statistics' top products and margin add up a few rows a month
instead of every line of the period.

Lines are grouped by reference, or by description when they have none; credit notes
subtract. ``add_document`` counts a document's lines when it is issued, the only moment
they change what was sold: an issued document never changes, and its client changes
only by a merge, which moves these rows with the documents (they refer to the client).
``rebuild`` recomputes an organization's rows from the lines, after a bulk load.
``sold`` reads a period: whole months from these rows, the days of a month begun or
ended inside the period from the lines themselves.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Greatest

from .calculation import ZERO
from .calculation import number_of as _number
from .models import Document, DocumentLine, DocumentType, ProductMonth

SIGNS = {DocumentType.INVOICE: 1, DocumentType.CREDIT_NOTE: -1}
DOCUMENTS = Document._meta.db_table
LINES = DocumentLine._meta.db_table
MONTHS = ProductMonth._meta.db_table


@dataclass
class Sold:
    """What was sold of one product (``reference``, or ``label_key`` without one)."""

    reference: str
    label_key: str
    label: str
    amount: Decimal = ZERO
    quantity: Decimal = ZERO
    costed_amount: Decimal = ZERO
    cost: Decimal = ZERO
    costed_lines: int = 0

    def row(self, model: Any, organization_id: int, client_id: int, month: datetime.date) -> Any:
        """A ``ProductMonth`` (or the migration's own model) holding these figures."""
        return model(
            organization_id=organization_id,
            client_id=client_id,
            month=month,
            reference=self.reference,
            label_key=self.label_key,
            label=self.label,
            amount=self.amount,
            quantity=self.quantity,
            costed_amount=self.costed_amount,
            cost=self.cost,
            costed_lines=self.costed_lines,
        )

    def add(self, other: Sold) -> None:
        self.amount += other.amount
        self.quantity += other.quantity
        self.costed_amount += other.costed_amount
        self.cost += other.cost
        self.costed_lines += other.costed_lines
        self.label = max(self.label, other.label)


def _group(lines: Iterable[DocumentLine], sign: int) -> dict[tuple[str, str], Sold]:
    groups: dict[tuple[str, str], Sold] = {}
    for line in lines:
        key = (line.reference, "" if line.reference else line.description)
        sold = groups.setdefault(key, Sold(key[0], key[1], line.description))
        costed = line.unit_cost is not None
        sold.add(
            Sold(
                key[0],
                key[1],
                line.description,
                amount=sign * line.total_excl_vat,
                quantity=sign * line.quantity,
                costed_amount=sign * line.total_excl_vat if costed else ZERO,
                cost=sign * line.quantity * line.unit_cost if line.unit_cost is not None else ZERO,
                costed_lines=1 if costed else 0,
            )
        )
    return groups


def add_document(document: Document) -> None:
    """Count an issued invoice's or credit note's lines in its client's month (in the
    caller's transaction)."""
    sign = SIGNS.get(DocumentType(document.type))
    if sign is None:
        return
    month = document.date.replace(day=1)
    groups = _group(DocumentLine.objects.filter(document=document), sign)
    month_rows = ProductMonth.objects.filter(
        organization_id=document.organization_id, client_id=document.client_id, month=month
    )
    existing: dict[tuple[str, str], int] = {}
    rows = month_rows.filter(reference__in={reference for reference, _key in groups})
    for row_id, reference, label_key in rows.order_by("id").values_list(
        "id", "reference", "label_key"
    ):
        existing.setdefault((reference, label_key), row_id)
    new: list[ProductMonth] = []
    for key, sold in groups.items():
        pk = existing.get(key)
        if pk is None:
            new.append(sold.row(ProductMonth, document.organization_id, document.client_id, month))
            continue
        # Added in the database: another issue may be adding to the same row.
        ProductMonth.objects.filter(id=pk).update(
            label=Greatest(F("label"), Value(sold.label)),
            amount=F("amount") + sold.amount,
            quantity=F("quantity") + sold.quantity,
            costed_amount=F("costed_amount") + sold.costed_amount,
            cost=F("cost") + sold.cost,
            costed_lines=F("costed_lines") + sold.costed_lines,
        )
    ProductMonth.objects.bulk_create(new)


def _month_sql() -> str:
    """The ``date`` column's month as ``YYYY-MM`` (SQLite keeps dates as ISO text)."""
    if connection.vendor == "postgresql":
        return "to_char(d.date, 'YYYY-MM')"
    return "substr(d.date, 1, 7)"


_SIGN = "(CASE WHEN d.type = 'credit_note' THEN -1 ELSE 1 END)"
_SOLD_COLUMNS = (
    "l.reference, CASE WHEN l.reference = '' THEN l.description ELSE '' END,"
    f" MAX(l.description), SUM({_SIGN} * l.total_excl_vat), SUM({_SIGN} * l.quantity),"
    f" SUM(CASE WHEN l.unit_cost IS NULL THEN 0 ELSE {_SIGN} * l.total_excl_vat END),"
    f" SUM({_SIGN} * l.quantity * l.unit_cost), COUNT(l.unit_cost)"
)
_ISSUED_LINES = (
    f"{DOCUMENTS} d JOIN {LINES} l ON l.document_id = d.id"
    " WHERE d.organization_id = %(organization)s AND d.sequence_number IS NOT NULL"
    " AND d.type IN ('invoice', 'credit_note')"
)


def _sold(row: tuple[Any, ...]) -> Sold:
    reference, label_key, label, amount, quantity, costed_amount, cost, costed_lines = row
    return Sold(
        reference,
        label_key or "",
        label or "",
        amount=_number(amount),
        quantity=_number(quantity),
        costed_amount=_number(costed_amount),
        cost=_number(cost),
        costed_lines=int(costed_lines or 0),
    )


def rebuild(organization_id: int, model: Any = ProductMonth) -> int:
    """Recompute the organization's rows from the lines of its issued invoices and credit
    notes (``model``: the migration passes its own); the number of rows written."""
    model.objects.filter(organization_id=organization_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.client_id, {_month_sql()}, {_SOLD_COLUMNS}"
            f" FROM {_ISSUED_LINES} GROUP BY 1, 2, 3, 4",
            {"organization": organization_id},
        )
        rows = []
        for client_id, month, *figures in cursor.fetchall():
            sold = _sold(tuple(figures))
            day = datetime.date.fromisoformat(f"{month}-01")
            rows.append(sold.row(model, organization_id, client_id, day))
    model.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def split_period(
    start: datetime.date, end: datetime.date
) -> tuple[tuple[datetime.date, datetime.date] | None, list[tuple[datetime.date, datetime.date]]]:
    """The whole months of ``start``..``end`` (first day of the first, first day after
    the last; None when there is none) and the days around them, read from the lines."""
    first = start if start.day == 1 else _next_month(start)
    after = end + datetime.timedelta(days=1)
    stop = after if after.day == 1 else end.replace(day=1)
    if first >= stop:
        return None, [(start, end)]
    edges = []
    if start < first:
        edges.append((start, first - datetime.timedelta(days=1)))
    if stop <= end:
        edges.append((stop, end))
    return (first, stop), edges


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def sold(
    organization_id: int, client_id: int, start: datetime.date, end: datetime.date
) -> list[Sold]:
    """What the client's issued invoices and credit notes dated ``start``..``end`` sold,
    per product, in no particular order.

    The days around the whole months are read in two steps, the documents then their
    lines by id: one join over a date range, PostgreSQL misjudges when other clients
    have many documents on those days (today's, say) and hands it to a parallel worker
    that costs more to start than the read."""
    months, edges = split_period(start, end)
    params: dict[str, Any] = {"organization": organization_id, "client": client_id}
    if months is not None:
        params.update(first=months[0], stop=months[1])
    for index, (low, high) in enumerate(edges):
        params.update({f"low{index}": low, f"high{index}": high})
    params = {
        key: connection.ops.adapt_datefield_value(value)
        if isinstance(value, datetime.date)
        else value
        for key, value in params.items()
    }
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if months is not None:
            cursor.execute(
                "SELECT reference, label_key, MAX(label), SUM(amount), SUM(quantity),"
                " SUM(costed_amount), SUM(cost), SUM(costed_lines)"
                f" FROM {MONTHS} WHERE organization_id = %(organization)s"
                " AND client_id = %(client)s AND month >= %(first)s AND month < %(stop)s"
                " GROUP BY 1, 2",
                params,
            )
            rows += cursor.fetchall()
        if edges:
            days = " OR ".join(
                f"(date >= %(low{index})s AND date <= %(high{index})s)"
                for index in range(len(edges))
            )
            cursor.execute(
                f"SELECT id FROM {DOCUMENTS} WHERE organization_id = %(organization)s"
                " AND client_id = %(client)s AND sequence_number IS NOT NULL"
                f" AND type IN ('invoice', 'credit_note') AND ({days})",
                params,
            )
            ids = ",".join(str(int(pk)) for (pk,) in cursor.fetchall())
            if ids:
                cursor.execute(
                    f"SELECT {_SOLD_COLUMNS} FROM {DOCUMENTS} d"
                    f" JOIN {LINES} l ON l.document_id = d.id WHERE d.id IN ({ids})"
                    " GROUP BY 1, 2"
                )
                rows += cursor.fetchall()
    found: dict[tuple[str, str], Sold] = {}
    for row in rows:
        item = _sold(row)
        key = (item.reference, item.label_key)
        if key in found:
            found[key].add(item)
        else:
            found[key] = item
    return list(found.values())
