"""Sales at scale: a client with 10,000 documents, the client list sorted by revenue at a
million clients, and gapless numbering under concurrent issuing. Not a test: run it by
hand or `make bench-sales`.

    .venv/bin/python bench/sales.py --db sqlite   --clients 1000000
    .venv/bin/python bench/sales.py --db postgres --clients 1000000
    .venv/bin/python bench/sales.py --db sqlite   --clients 20000     # a quick check

Three parts, each measured in-process through the real stack (Django test client, bearer
token or session, middleware, django-ninja or the template) after a warm-up:

1. One big client. In an organization of its own (``sales-bench``), a client with 10,000
   documents over the last three years (issued invoices of about three lines, credit
   notes, quotes) and 10,000 payments allocated to its invoices, beside 200 smaller
   clients, bulk-inserted with every stored figure the services keep (totals from
   ``compute_totals``, amounts paid, credited and used, settled days, numbers, the
   client's legal identity, the VAT breakdown, what each payment allocates), then checked
   with a few sums. Measured: ``client_statistics`` and ``GET /api/v1/clients/{id}/
   statistics``, the record page ``GET /clients/{id}/`` and the account statement over the
   three years as PDF and CSV, each beside a baseline (the bare replay of its SQL; one
   hand-written aggregate query for the statistics; the record page of a client without
   documents).
2. ``sort=revenue`` over the million clients of the data set ``bench/common.py`` builds
   (their ``revenue`` given a spread once, by a set-based UPDATE): first pages and pages
   further on through ``cursor``, without filter, with ``archived=all`` and with a
   category, beside the bare replay of their SQL; a few pages are compared with a
   brute-force query.
3. Gapless numbering: 10,000 drafts issued by 8 threads, each with its own database
   connection, through ``sales.services.issue_document``; the numbers must then be
   exactly 1..N in date order, without error.

It prints a summary and rewrites its sections of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import datetime
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import common
from common import MAIN_SLUG, Measured, RequestFailed

SCRIPT = "sales.py"
SALES_SLUG = "sales-bench"  # not "bench…": common.current_counts would count its clients
ISSUE_SLUG = "sales-bench-issue"
# Targets of issue 8.
STATISTICS_TARGET_MS = 50.0
RECORD_PAGE_TARGET_MS = 150.0
STATEMENT_TARGET_S = 3.0
LIST_TARGET_MS = 30.0
PAGE_SIZE = 50
VERIFY_PER_KIND = 3
REVENUE_MARKER = "sales_revenue"
REVENUE_SPREAD = "hash-1"  # bump when the UPDATE below changes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_common_arguments(parser)
    parser.add_argument("--documents", type=int, default=10_000, help="of the big client")
    parser.add_argument("--payments", type=int, default=10_000, help="of the big client")
    parser.add_argument("--other-sales-clients", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30, help="measured runs per request")
    parser.add_argument("--statement-runs", type=int, default=20, help="measured PDF/CSV runs")
    parser.add_argument("--drafts", type=int, default=10_000, help="issued concurrently")
    parser.add_argument(
        "--issuers",
        default="8x1,2x4",
        help="concurrent issuers, processes x threads, comma-separated (default 8x1,2x4: "
        "8 processes, then 2 processes of 4 threads as `carnet serve` runs)",
    )
    parser.add_argument("--numbering-timeout", type=float, default=600.0, help="seconds")
    parser.add_argument("--skip-big-client", action="store_true")
    parser.add_argument("--skip-revenue", action="store_true")
    parser.add_argument("--skip-numbering", action="store_true")
    return parser.parse_args()


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


# --------------------------------------------------------------------------- organizations
def remove_organization(slug: str) -> None:
    """Delete an organization this benchmark made before, sales rows first (documents
    protect their clients)."""
    from django.db import connection, transaction

    from carnet.accounts.models import Organization
    from carnet.sales.models import Allocation, Document, DocumentLine, Payment, SalesSettings

    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Allocation, DocumentLine, Payment, Document, SalesSettings):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE organization_id = %s",
                [organization.pk],
            )
        cursor.execute(
            "DELETE FROM core_changerecord WHERE organization_id = %s", [organization.pk]
        )
        organization.delete()


def new_organization(slug: str, name: str) -> tuple[Any, Any]:
    from carnet.accounts.services import create_organization
    from carnet.sales import demo, services

    remove_organization(slug)
    organization, owner = create_organization(
        slug=slug, name=name, admin_email=common.owner_email(slug)
    )
    services.update_sales_settings(organization, owner, demo.SALES_SETTINGS)
    return organization, owner


def make_clients(organization: Any, owner: Any, count: int, prefix: str) -> list[Any]:
    from carnet.clients.services import create_client

    return [
        create_client(organization, owner, {"name": f"{prefix} {i:04d}", "kind": "company"})
        for i in range(1, count + 1)
    ]


# --------------------------------------------------------------------------- documents
@dataclass
class Planned:
    """A document about to be inserted, with its lines and what settles it."""

    document: Any
    lines: list[Any]
    # (day, amount, "payment" | "credit_note") of what settles an invoice
    settlements: list[tuple[datetime.date, Decimal, str]] = field(default_factory=list)
    fate: str = ""


@dataclass
class PlannedPayment:
    payment: Any
    allocations: list[tuple[Planned, Decimal]]


class SalesFactory:
    """Builds documents, lines and payments as the services would have left them."""

    def __init__(self, organization: Any, owner: Any, rng: random.Random) -> None:
        from carnet.sales import demo, services

        self.org = organization
        self.owner = owner
        self.rng = rng
        self.today = services.today()
        self.first_day = services.add_months(self.today, -36)
        self.catalogue = demo.CATALOGUE

    def day(self) -> datetime.date:
        span = (self.today - self.first_day).days
        return self.first_day + datetime.timedelta(days=self.rng.randint(0, span))

    def line_specs(self) -> list[tuple[str, str, Decimal, Decimal, Decimal | None, Decimal]]:
        """(reference, description, quantity, unit price, unit cost, VAT rate), 1 to 5
        lines (3 on average), now and then one without a reference."""
        count = self.rng.choices((1, 2, 3, 4, 5), weights=(15, 20, 30, 20, 15))[0]
        specs = []
        for reference, description, price, cost, rate in self.rng.sample(self.catalogue, count):
            quantity = self.rng.choice((1, 1, 1, 2, 3, 5))
            if reference == "CONSEIL-H":
                quantity = self.rng.randint(2, 12)
            specs.append(
                (
                    reference,
                    description,
                    Decimal(quantity),
                    Decimal(price),
                    Decimal(cost) if cost is not None else None,
                    Decimal(rate),
                )
            )
        if self.rng.random() < 0.15:
            price = Decimal(self.rng.randint(50, 2000))
            specs.append(
                ("", "Prestation spécifique sur devis", Decimal(1), price, None, Decimal(20))
            )
        return specs

    def document(
        self,
        client: Any,
        snapshot: dict[str, Any],
        doc_type: str,
        day: datetime.date,
        specs: list[tuple[str, str, Decimal, Decimal, Decimal | None, Decimal]],
        *,
        state: str,
        related: Planned | None = None,
        discount_percent: Decimal | None = None,
    ) -> Planned:
        from django.utils import timezone

        from carnet.sales.calculation import LineAmounts, compute_totals
        from carnet.sales.models import Document, DocumentLine, DocumentType
        from carnet.sales.services import DUE_TYPES, due_date_for

        discount = Decimal("0")
        totals = compute_totals(
            [LineAmounts(q, p, discount, r) for _ref, _desc, q, p, _cost, r in specs],
            discount_percent=discount_percent,
        )
        issued = state != "draft"
        moment = datetime.datetime.combine(day, datetime.time(10), timezone.get_default_timezone())
        document = Document(
            organization=self.org,
            client=client,
            type=doc_type,
            state=state,
            date=day,
            due_date=due_date_for(day, 30, False) if doc_type in DUE_TYPES else None,
            valid_until=day + datetime.timedelta(days=30)
            if doc_type == DocumentType.QUOTE
            else None,
            currency="EUR",
            payment_terms_days=30,
            discount_percent=discount_percent,
            subject="",
            related=related.document if related is not None else None,
            client_snapshot=snapshot if issued else {},
            total_excl_vat=totals.total_excl_vat,
            total_vat=totals.total_vat,
            total_incl_vat=totals.total_incl_vat,
            vat_breakdown=totals.breakdown(),
            issued_at=moment if issued else None,
            created_by=self.owner,
            version=2 if issued else 1,
        )
        lines = [
            DocumentLine(
                organization=self.org,
                position=position,
                description=description,
                reference=reference,
                quantity=quantity,
                unit_price=price,
                discount_percent=discount,
                vat_rate=rate,
                unit_cost=cost,
                total_excl_vat=amount,
            )
            for position, ((reference, description, quantity, price, cost, rate), amount) in (
                enumerate(zip(specs, totals.lines, strict=True), 1)
            )
        ]
        return Planned(document, lines)

    def client_history(
        self, client: Any, documents: int, payments: int
    ) -> tuple[list[Planned], list[PlannedPayment]]:
        """Three years of a client's sales: 88 % invoices (about 20 % of them paid in two
        instalments, 5 % in part, 8 % not at all, some late), 4 % credit notes (half
        cancelling an invoice, half a commercial gesture, a fifth of those left as
        credit), 8 % quotes (accepted, refused, pending, expired); exactly ``payments``
        payments, a few of them advances allocated to nothing."""
        from carnet.sales.calculation import cents
        from carnet.sales.models import DocumentState, DocumentType, Payment
        from carnet.sales.services import client_identity

        rng = self.rng
        snapshot = client_identity(client)
        credit_count = max(1, documents * 4 // 100) if documents >= 25 else 0
        quote_count = documents * 8 // 100
        invoice_count = documents - credit_count - quote_count
        invoices = []
        for day in sorted(self.day() for _ in range(invoice_count)):
            discount = Decimal("5") if rng.random() < 0.1 else None
            invoices.append(
                self.document(
                    client,
                    snapshot,
                    DocumentType.INVOICE,
                    day,
                    self.line_specs(),
                    state=DocumentState.ISSUED,
                    discount_percent=discount,
                )
            )
        planned: list[Planned] = list(invoices)
        for _ in range(quote_count):
            day = self.day()
            if day + datetime.timedelta(days=30) >= self.today:
                state = DocumentState.SENT
            else:
                state = rng.choices(
                    (DocumentState.ACCEPTED, DocumentState.REFUSED, DocumentState.SENT),
                    weights=(55, 25, 20),
                )[0]
            planned.append(
                self.document(
                    client, snapshot, DocumentType.QUOTE, day, self.line_specs(), state=state
                )
            )

        # Credit notes, on invoices at least a few days old.
        old_enough = [p for p in invoices if p.document.date <= self.today - datetime.timedelta(5)]
        for target in rng.sample(old_enough, min(credit_count, len(old_enough))):
            invoice = target.document
            day = min(self.today, invoice.date + datetime.timedelta(days=rng.randint(1, 20)))
            cancelling = rng.random() < 0.5
            if cancelling:
                specs = [
                    (
                        line.reference,
                        line.description,
                        line.quantity,
                        line.unit_price,
                        line.unit_cost,
                        line.vat_rate,
                    )
                    for line in target.lines
                ]
                credit = self.document(
                    client,
                    snapshot,
                    DocumentType.CREDIT_NOTE,
                    day,
                    specs,
                    state=DocumentState.ISSUED,
                    related=target,
                    discount_percent=invoice.discount_percent,
                )
            else:
                price = Decimal(rng.randint(20, 150))
                specs = [("", "Geste commercial", Decimal(1), price, None, Decimal(20))]
                left_as_credit = rng.random() < 0.2
                credit = self.document(
                    client,
                    snapshot,
                    DocumentType.CREDIT_NOTE,
                    day,
                    specs,
                    state=DocumentState.ISSUED,
                    related=None if left_as_credit else target,
                )
            planned.append(credit)
            if credit.document.related is not None:
                amount = min(credit.document.total_incl_vat, invoice.total_incl_vat)
                target.settlements.append((day, amount, "credit_note"))
                credit.settlements.append((day, amount, "used"))
                if amount >= invoice.total_incl_vat:
                    target.fate = "cancelled"

        plans: list[PlannedPayment] = []

        def pay(
            day: datetime.date,
            allocations: list[tuple[Planned, Decimal]],
            amount: Decimal,
            method: str = "",
        ) -> None:
            payment = Payment(
                organization=self.org,
                client=client,
                date=day,
                amount=amount,
                currency="EUR",
                method=method or rng.choice(("transfer", "transfer", "transfer", "cheque", "card")),
                reference="",
                created_by=self.owner,
            )
            plans.append(PlannedPayment(payment, allocations))

        advances = payments // 1000
        for _ in range(advances):
            pay(self.day(), [], Decimal(rng.randint(100, 500)), "transfer")
        for target in invoices:
            if target.fate == "cancelled":
                continue
            invoice = target.document
            balance = invoice.total_incl_vat - sum(
                (a for _d, a, _k in target.settlements), Decimal(0)
            )
            if balance <= 0:
                continue
            fate = rng.choices(
                ("on_time", "late", "instalments", "partial", "unpaid"), weights=(55, 22, 10, 5, 8)
            )[0]
            due = invoice.due_date
            if fate == "on_time":
                days = [invoice.date + datetime.timedelta(days=rng.randint(3, 30))]
                amounts = [balance]
            elif fate == "late":
                days = [due + datetime.timedelta(days=rng.randint(3, 60))]
                amounts = [balance]
            elif fate == "instalments":
                first = cents(balance * Decimal(rng.choice(("0.4", "0.5", "0.6"))))
                days = [
                    invoice.date + datetime.timedelta(days=rng.randint(5, 15)),
                    due + datetime.timedelta(days=rng.randint(0, 30)),
                ]
                amounts = [first, balance - first]
            elif fate == "partial":
                days = [invoice.date + datetime.timedelta(days=rng.randint(10, 40))]
                amounts = [cents(balance * Decimal(rng.choice(("0.3", "0.5"))))]
            else:
                days, amounts = [], []
            target.fate = fate
            for day, amount in zip(days, amounts, strict=True):
                if day <= self.today:
                    pay(day, [(target, amount)], amount)

        # Exactly ``payments``: split full payments in two while there are too few, join
        # instalments (then drop the latest payments) while there are too many.
        singles = [
            p
            for p in plans
            if len(p.allocations) == 1
            and p.allocations[0][0].fate in ("on_time", "late")
            and (p.payment.date - p.allocations[0][0].document.date).days >= 2
        ]
        rng.shuffle(singles)
        while len(plans) < payments and singles:
            whole = singles.pop()
            target, amount = whole.allocations[0]
            first = cents(amount / 2)
            whole.payment.amount = amount - first
            whole.allocations = [(target, amount - first)]
            offset = rng.randint(1, (whole.payment.date - target.document.date).days - 1)
            pay(target.document.date + datetime.timedelta(days=offset), [(target, first)], first)
            target.fate = "instalments"
        while len(plans) < payments:  # too few invoices to split: advances
            pay(self.day(), [], Decimal(rng.randint(100, 500)), "transfer")
        if len(plans) > payments:
            by_invoice: dict[int, list[PlannedPayment]] = {}
            for plan in plans:
                if len(plan.allocations) == 1:
                    by_invoice.setdefault(id(plan.allocations[0][0]), []).append(plan)
            for pair in by_invoice.values():
                if len(plans) <= payments:
                    break
                if len(pair) == 2:
                    later = max(pair, key=lambda p: p.payment.date)
                    earlier = min(pair, key=lambda p: p.payment.date)
                    target = later.allocations[0][0]
                    total = later.payment.amount + earlier.payment.amount
                    later.payment.amount = total
                    later.allocations = [(target, total)]
                    plans.remove(earlier)
            plans.sort(key=lambda p: p.payment.date)
            del plans[payments:]
        for plan in plans:
            for target, amount in plan.allocations:
                target.settlements.append((plan.payment.date, amount, "payment"))
            plan.payment.amount_allocated = sum((a for _t, a in plan.allocations), Decimal(0))
        return planned, plans


def settle(planned: list[Planned]) -> None:
    """The figures the services keep: paid, credited, used, settled on."""
    from carnet.sales.models import DocumentType

    for item in planned:
        document = item.document
        if document.type == DocumentType.INVOICE:
            paid = sum((a for _d, a, k in item.settlements if k == "payment"), Decimal(0))
            credited = sum((a for _d, a, k in item.settlements if k == "credit_note"), Decimal(0))
            document.amount_paid = paid
            document.amount_credited = credited
            if document.total_incl_vat - paid - credited <= 0:
                days = [d for d, _a, k in item.settlements if k in ("payment", "credit_note")]
                document.settled_on = max(days) if days else document.date
        elif document.type == DocumentType.CREDIT_NOTE:
            document.amount_used = sum(
                (a for _d, a, k in item.settlements if k == "used"), Decimal(0)
            )


def number(planned: list[Planned]) -> dict[str, int]:
    """Continuous numbers per type in date order, as issuing in date order gives them."""
    from carnet.sales.models import DocumentType
    from carnet.sales.services import PREFIXES

    counts: dict[str, int] = {}
    for doc_type in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE, DocumentType.QUOTE):
        of_type = [p.document for p in planned if p.document.type == doc_type]
        of_type.sort(key=lambda d: d.date)  # stable: creation order within a day
        for sequence, document in enumerate(of_type, 1):
            document.sequence_number = sequence
            document.number = f"{PREFIXES[doc_type]}-{sequence:06d}"
        counts[str(doc_type)] = len(of_type)
    return counts


def insert(planned: list[Planned], payments: list[PlannedPayment]) -> None:
    """Bulk-insert documents (those a credit note refers to first), lines, payments and
    allocations."""
    from django.db import transaction

    from carnet.sales.models import Allocation, Document, DocumentLine, Payment

    first = [p for p in planned if p.document.related is None]
    then = [p for p in planned if p.document.related is not None]
    with transaction.atomic():
        for group in (first, then):
            for p in group:
                if p.document.related is not None:
                    p.document.related_id = p.document.related.pk
            Document.objects.bulk_create([p.document for p in group], batch_size=500)
        lines = []
        for p in planned:
            for line in p.lines:
                line.document_id = p.document.pk
                lines.append(line)
        DocumentLine.objects.bulk_create(lines, batch_size=1000)
        Payment.objects.bulk_create([p.payment for p in payments], batch_size=1000)
        allocations = [
            Allocation(
                organization_id=p.payment.organization_id,
                invoice_id=target.document.pk,
                payment_id=p.payment.pk,
                amount=amount,
            )
            for p in payments
            for target, amount in p.allocations
        ]
        for p in planned:
            for _day, amount, kind in p.settlements:
                if kind == "used":
                    allocations.append(
                        Allocation(
                            organization_id=p.document.organization_id,
                            invoice_id=p.document.related.pk,
                            credit_note_id=p.document.pk,
                            amount=amount,
                        )
                    )
        Allocation.objects.bulk_create(allocations, batch_size=1000)


@dataclass
class SalesData:
    organization: Any
    owner: Any
    big: Any
    empty: Any
    sizes: dict[str, int]
    build_s: float
    checks: list[tuple[str, bool, str]]
    expected: dict[str, Any]


def build_sales_data(args: argparse.Namespace) -> SalesData:
    from django.db import connection

    from carnet.addresses.services import create_address
    from carnet.clients.services import create_client
    from carnet.core.models import Sequence
    from carnet.sales import products, services
    from carnet.sales.models import Allocation, Document, DocumentLine, Payment
    from carnet.sales.queries import status_condition

    started = time.perf_counter()
    rng = random.Random(args.seed + 80)
    organization, owner = new_organization(SALES_SLUG, "Benchmark ventes")
    big = create_client(
        organization,
        owner,
        {
            "name": "Groupe Lefèvre Distribution",
            "kind": "company",
            "siret": "73282932000074",
            "email": "compta@lefevre-distribution.fr",
        },
    )
    create_address(
        organization,
        owner,
        big.pk,
        {"line1": "8 quai Perrache", "postcode": "69002", "city": "Lyon", "is_billing": True},
    )
    big.refresh_from_db()
    empty = create_client(organization, owner, {"name": "Boulangerie Martin", "kind": "company"})
    others = make_clients(organization, owner, args.other_sales_clients, "Client secondaire")
    factory = SalesFactory(organization, owner, rng)
    planned, payments = factory.client_history(big, args.documents, args.payments)
    big_planned = list(planned)
    big_payments = list(payments)
    for client in others:
        more, paid = factory.client_history(client, 50, 45)
        planned += more
        payments += paid
    settle(planned)
    counts = number(planned)
    insert(planned, payments)
    for doc_type, count in counts.items():
        Sequence.objects.update_or_create(
            organization=organization, name=f"document:{doc_type}", defaults={"last_value": count}
        )
    services.refresh_revenue(organization.pk)
    products.rebuild(organization.pk)  # what issuing would have counted, per month
    if connection.vendor == "postgresql":
        # As autovacuum soon would after such a load: plans follow the real row counts.
        with connection.cursor() as cursor:
            for table in (
                "sales_document",
                "sales_documentline",
                "sales_payment",
                "sales_allocation",
                "sales_productmonth",
            ):
                cursor.execute(f"ANALYZE {table}")
    build_s = time.perf_counter() - started

    # Checks: the stored figures agree with the rows they sum up.
    docs = Document.objects.filter(organization=organization)
    allocations = Allocation.objects.filter(organization=organization)
    pays = Payment.objects.filter(organization=organization)

    def total(queryset: Any, column: str) -> Decimal:
        # Added up in Decimal: SQLite's SUM adds decimal columns as floats.
        return sum(queryset.values_list(column, flat=True).iterator(), Decimal(0))

    checks: list[tuple[str, bool, str]] = []

    def check(name: str, left: Any, right: Any) -> None:
        checks.append((name, left == right, f"{left} / {right}"))

    check(
        "Σ invoices' amount_paid = Σ payment allocations",
        total(docs.filter(type="invoice"), "amount_paid"),
        total(allocations.filter(payment__isnull=False), "amount"),
    )
    check(
        "Σ payments' amount_allocated = Σ payment allocations",
        total(pays, "amount_allocated"),
        total(allocations.filter(payment__isnull=False), "amount"),
    )
    check(
        "Σ invoices' amount_credited = Σ credit notes' amount_used",
        total(docs.filter(type="invoice"), "amount_credited"),
        total(docs.filter(type="credit_note"), "amount_used"),
    )
    check(
        "Σ credit notes' amount_used = Σ credit-note allocations",
        total(docs.filter(type="credit_note"), "amount_used"),
        total(allocations.filter(credit_note__isnull=False), "amount"),
    )
    no_discount = docs.filter(discount_percent__isnull=True)
    check(
        "Σ total_excl_vat = Σ lines (documents without discount)",
        total(no_discount, "total_excl_vat"),
        total(
            DocumentLine.objects.filter(organization=organization, document__in=no_discount),
            "total_excl_vat",
        ),
    )
    # Balances in Python: SQLite adds decimal columns as floats (see ``float_misjudged``).
    invoices = list(
        docs.filter(type="invoice").values_list(
            "id",
            "client_id",
            "total_incl_vat",
            "amount_paid",
            "amount_credited",
            "settled_on",
            "due_date",
        )
    )
    left = {pk: total - paid - credited for pk, _c, total, paid, credited, _s, _d in invoices}
    check("invoices with a negative balance", sum(1 for b in left.values() if b < 0), 0)
    check(
        "invoices settled ⇔ settled_on set (mismatches)",
        sum(1 for pk, _c, _t, _p, _cr, on, _d in invoices if (left[pk] <= 0) != (on is not None)),
        0,
    )
    # The conditions the document lists filter on for "something left to pay"
    # (``sales.queries.status_condition``), against the balance in Decimal.
    open_in_sql = docs.filter(
        status_condition("issued", factory.today)
        | status_condition("partially_paid", factory.today)
        | status_condition("overdue", factory.today),
        type="invoice",
    ).values_list("id", flat=True)
    float_misjudged = len({pk for pk, b in left.items() if b > 0} ^ set(open_in_sql))
    check(
        "invoices open in the lists' status filters ⇔ balance > 0 (mismatches)", float_misjudged, 0
    )
    for doc_type, count in counts.items():
        numbered = docs.filter(type=doc_type, sequence_number__isnull=False)
        check(
            f"{doc_type} numbers distinct and 1..{count}",
            (numbered.values("sequence_number").distinct().count(), numbered.count()),
            (count, count),
        )
    check(
        "the big client's documents and payments",
        (docs.filter(client=big).count(), pays.filter(client=big).count()),
        (args.documents, args.payments),
    )
    sizes = {
        "big_documents": docs.filter(client=big).count(),
        "big_invoices": docs.filter(client=big, type="invoice").count(),
        "big_credit_notes": docs.filter(client=big, type="credit_note").count(),
        "big_quotes": docs.filter(client=big, type="quote").count(),
        "big_lines": DocumentLine.objects.filter(document__client=big).count(),
        "big_payments": pays.filter(client=big).count(),
        "big_allocations": allocations.filter(invoice__client=big).count(),
        "big_overdue": sum(
            1
            for pk, c, _t, _p, _cr, _s, due in invoices
            if c == big.pk and left[pk] > 0 and due < factory.today
        ),
        "big_partial": sum(
            1 for pk, c, _t, paid, _cr, _s, _d in invoices if c == big.pk and left[pk] > 0 and paid
        ),
        "float_misjudged": float_misjudged,
        "documents": docs.count(),
        "payments": pays.count(),
        "clients": 2 + len(others),
    }
    expected = expected_figures(organization, big_planned, big_payments, factory.today)
    return SalesData(organization, owner, big, empty, sizes, build_s, checks, expected)


def expected_figures(
    organization: Any, planned: list[Planned], payments: list[PlannedPayment], today: datetime.date
) -> dict[str, Any]:
    """A few of the fiscal year's figures of the big client, added up from what was
    generated (in Python, independently of ``statistics``)."""
    from carnet.sales import services

    start, end = services.fiscal_year(organization, today)
    revenue = outstanding = overdue = credit = received = Decimal(0)
    to_pay = overdue_count = 0
    for item in planned:
        d = item.document
        if d.type == "invoice":
            if start <= d.date <= end:
                revenue += d.total_excl_vat
            left = d.total_incl_vat - d.amount_paid - d.amount_credited
            if left > 0 and d.date <= end:
                outstanding += left
                to_pay += 1
                if d.due_date < today:
                    overdue += left
                    overdue_count += 1
        elif d.type == "credit_note":
            if start <= d.date <= end:
                revenue -= d.total_excl_vat
            credit += d.total_incl_vat - d.amount_used
    for plan in payments:
        p = plan.payment
        credit += p.amount - p.amount_allocated
        if start <= p.date <= end:
            received += p.amount
    return {
        "revenue_excl_vat": revenue,
        "outstanding": outstanding,
        "overdue_amount": overdue,
        "invoices_to_pay": to_pay,
        "overdue_count": overdue_count,
        "payments_received": received,
        "client_credit": credit,
    }


# --------------------------------------------------------------------------- measuring
@dataclass
class Timed:
    """The figures of one measured line; ``baseline`` is what it is compared with."""

    label: str
    runs: int = 0
    p50: float = 0.0
    p95: float = 0.0
    base_label: str = ""
    base_p50: float = 0.0
    base_p95: float = 0.0
    statements: float = 0.0
    target: float | None = None  # ms
    error: str = ""
    note: str = ""

    @property
    def met(self) -> bool:
        return not self.error and self.target is not None and self.p95 <= self.target


def from_measured(label: str, m: Measured, target: float | None, note: str = "") -> Timed:
    return Timed(
        label,
        runs=m.n,
        p50=m.api_p50,
        p95=m.api_p95,
        base_label="bare SQL replay",
        base_p50=m.sql_p50,
        base_p95=m.sql_p95,
        statements=m.statements,
        target=target,
        error=m.error,
        note=note,
    )


def measure_repeated(kind: str, call: Callable[[], Any], runs: int, warmup: int = 3) -> Measured:
    """``call`` ``warmup`` times (the last one's data statements recorded), then ``runs``
    times beside the bare replay of those statements, alternating which goes first."""
    from django.db import connection

    result = Measured(kind, n=runs)
    try:
        recorder = common.Recorder()
        for i in range(warmup):
            if i == warmup - 1:
                with connection.execute_wrapper(recorder):
                    call()
            else:
                call()
        timed: list[float] = []
        bare: list[float] = []
        for i in range(runs):
            if i % 2:
                started = time.perf_counter()
                call()
                timed.append(ms_since(started))
                bare.append(common.replay(recorder.statements))
            else:
                bare.append(common.replay(recorder.statements))
                started = time.perf_counter()
                call()
                timed.append(ms_since(started))
    except Exception as exc:  # a broken function must not stop the other measurements
        result.error = f"{kind} raised {exc!r}"[:500]
        return result
    result.api_p50, result.api_p95 = common.percentile(timed, 50), common.percentile(timed, 95)
    result.sql_p50, result.sql_p95 = common.percentile(bare, 50), common.percentile(bare, 95)
    result.statements = len(recorder.statements)
    return result


def time_repeated(call: Callable[[], Any], runs: int, warmup: int = 3) -> tuple[float, float]:
    """p50 and p95 of ``call`` in ms."""
    for _ in range(warmup):
        call()
    timed = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timed.append(ms_since(started))
    return common.percentile(timed, 50), common.percentile(timed, 95)


def one_aggregate_sql(organization: Any, client: Any) -> Callable[[], Any]:
    """The least any statistics must do: read the client's documents once, in one
    aggregate query (revenue of the fiscal year, outstanding, overdue, counts)."""
    from django.db import connection

    from carnet.sales import services
    from carnet.sales.models import Document

    today = services.today()
    start, end = services.fiscal_year(organization, today)
    table = Document._meta.db_table
    balance = "(total_incl_vat - amount_paid - amount_credited)"
    sql = (
        "SELECT "
        "SUM(CASE WHEN type = 'invoice' AND date BETWEEN %s AND %s THEN total_excl_vat "
        "WHEN type = 'credit_note' AND date BETWEEN %s AND %s THEN -total_excl_vat END), "
        f"SUM(CASE WHEN type = 'invoice' AND {balance} > 0 THEN {balance} END), "
        f"SUM(CASE WHEN type = 'invoice' AND {balance} > 0 AND due_date < %s THEN {balance} END), "
        f"COUNT(CASE WHEN type = 'invoice' AND {balance} > 0 THEN 1 END), "
        "COUNT(CASE WHEN type = 'quote' AND state = 'sent' AND valid_until >= %s THEN 1 END) "
        f"FROM {table} WHERE organization_id = %s AND client_id = %s "
        "AND sequence_number IS NOT NULL"
    )
    params = [start, end, start, end, today, today, organization.pk, client.pk]

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


@dataclass
class BigClientResults:
    lines: list[Timed]
    comparison: list[tuple[str, Any, Any]]
    split: list[tuple[str, float, float]]  # statement steps: label, p50, p95 (ms)
    sizes: dict[str, int]
    statement_rows: int = 0
    pdf_bytes: int = 0
    csv_bytes: int = 0
    pdf_pages: int = 0


def big_client(args: argparse.Namespace, data: SalesData) -> BigClientResults:
    import organize

    from carnet.sales import services
    from carnet.sales import statistics as sales_statistics

    org, big, empty = data.organization, data.big, data.empty
    http = organize.http_clients(org, data.owner)
    today = services.today()
    three_years = services.add_months(today, -36)
    period = urlencode({"from": three_years.isoformat(), "to": today.isoformat()})
    lines: list[Timed] = []
    comparison: list[tuple[str, Any, Any]] = []

    # Statistics, the function.
    compute = getattr(sales_statistics, "client_statistics", None)
    print("  client_statistics…", flush=True)
    if compute is None:
        lines.append(Timed("`client_statistics(organization, client)`", error="not written yet"))
    else:
        aggregate = one_aggregate_sql(org, big)
        base50, base95 = time_repeated(aggregate, args.runs)
        m = measure_repeated("statistics", lambda: compute(org, big), args.runs)
        timed = from_measured(
            "`client_statistics(organization, client)` (fiscal year)", m, STATISTICS_TARGET_MS
        )
        lines.append(timed)
        lines.append(
            Timed(
                "baseline: one hand-written aggregate over the client's documents",
                runs=args.runs,
                p50=base50,
                p95=base95,
                statements=1,
            )
        )
        m = measure_repeated(
            "statistics 3 years", lambda: compute(org, big, three_years, today), args.runs
        )
        lines.append(
            from_measured(
                "`client_statistics(…, start=3 years ago, end=today)`", m, STATISTICS_TARGET_MS
            )
        )
        try:
            stats = compute(org, big)
            for name, value in data.expected.items():
                comparison.append((name, value, getattr(stats, name, "missing")))
        except Exception as exc:
            comparison.append(("client_statistics", Decimal(0), repr(exc)[:200]))

    def get(path: str) -> Callable[[], Any]:
        return lambda: http.call(path)

    print("  GET /api/v1/clients/{id}/statistics…", flush=True)
    path = f"/api/v1/clients/{big.pk}/statistics"
    lines.append(
        from_measured(
            f"`GET {path.replace(str(big.pk), '{id}')}`",
            measure_repeated("api statistics", get(path), args.runs),
            STATISTICS_TARGET_MS,
        )
    )
    lines.append(
        from_measured(
            "`GET /api/v1/clients/{id}/statistics?from=<3 years ago>&to=<today>`",
            measure_repeated("api statistics 3y", get(f"{path}?{period}"), args.runs),
            STATISTICS_TARGET_MS,
        )
    )

    print("  GET /clients/{id}/…", flush=True)
    page = measure_repeated("record page", get(f"/clients/{big.pk}/"), args.runs)
    baseline = measure_repeated("record page empty", get(f"/clients/{empty.pk}/"), args.runs)
    timed = from_measured("`GET /clients/{id}/` (logged in, HTML)", page, RECORD_PAGE_TARGET_MS)
    lines.append(timed)
    lines.append(
        from_measured("baseline: the same page of a client without documents", baseline, None)
    )

    print("  statement CSV and PDF…", flush=True)
    results = BigClientResults(lines, comparison, [], data.sizes)
    statement_path = f"/api/v1/clients/{big.pk}/statement?{period}"
    for fmt in ("pdf", "csv"):
        full = f"{statement_path}&format={fmt}"
        m = measure_repeated(f"statement {fmt}", get(full), args.statement_runs, warmup=2)
        lines.append(
            from_measured(
                f"`GET /api/v1/clients/{{id}}/statement?format={fmt}&from=<3 years ago>"
                "&to=<today>`",
                m,
                STATEMENT_TARGET_S * 1000 if fmt == "pdf" else None,
            )
        )
        if not m.error:
            body = http.call(full).content
            if fmt == "pdf":
                results.pdf_bytes = len(body)
                results.pdf_pages = pdf_pages(body)
            else:
                results.csv_bytes = len(body)
    statement_split(org, big, three_years, today, args, results)
    return results


def pdf_pages(body: bytes) -> int:
    try:
        import io

        from pypdf import PdfReader  # a test dependency
    except ImportError:
        return 0
    return len(PdfReader(io.BytesIO(body)).pages)


def statement_split(
    org: Any,
    client: Any,
    start: datetime.date,
    end: datetime.date,
    args: argparse.Namespace,
    results: BigClientResults,
) -> None:
    """Where the statement's time goes: building it (SQL and Python), writing the CSV,
    drawing the PDF."""
    try:
        from carnet.sales.statement import build_statement, statement_csv, statement_pdf
    except ImportError as exc:
        results.split.append((f"statement module: {exc!r}", 0.0, 0.0))
        return
    runs = max(5, args.statement_runs // 2)
    try:
        statement = build_statement(org, client, start, end)
        results.statement_rows = len(statement.rows)
        results.split.append(
            ("`build_statement` (queries, rows, running balance)",)
            + time_repeated(lambda: build_statement(org, client, start, end), runs, 1)
        )
        results.split.append(
            ("`statement_csv`",) + time_repeated(lambda: statement_csv(statement), runs, 1)
        )
        results.split.append(
            ("`statement_pdf`", *time_repeated(lambda: statement_pdf(statement, org), runs, 1))
        )
    except Exception as exc:
        results.split.append((f"error: {exc!r}"[:200], 0.0, 0.0))


# --------------------------------------------------------------------------- sort=revenue
def spread_revenue(organization_id: int) -> float | None:
    """Give the organization's clients a spread of revenue (from a hash of the id: a
    fifth at 0, the rest from 0 to 100,000 €, most of them small), once: a marker row in
    the data set's table says it is done. Returns the seconds spent, or None."""
    from django.db import connection, transaction

    table = common.MARKER_TABLE
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE name = %s", [REVENUE_MARKER])
        row = cursor.fetchone()
    if row and row[0] == REVENUE_SPREAD:
        return None
    print("  giving the clients a spread of revenue (once)…", flush=True)
    started = time.perf_counter()
    h = "((id * 2654435761) %% 4294967296)"
    if connection.vendor == "sqlite":
        value = f"round(({h} %% 1000000) * ({h} %% 1000000) / 1e7, 2)"
    else:
        value = f"round(({h} %% 1000000)::numeric * ({h} %% 1000000) / 10000000, 2)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE clients_client SET revenue = CASE WHEN {h} %% 5 = 0 THEN 0 ELSE {value} END "
            "WHERE organization_id = %s",
            [organization_id],
        )
        cursor.execute(f"DELETE FROM {table} WHERE name = %s", [REVENUE_MARKER])
        cursor.execute(
            f"INSERT INTO {table} (name, value) VALUES (%s, %s)", [REVENUE_MARKER, REVENUE_SPREAD]
        )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE clients_client")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            # As after loading: the UPDATE left a dead version of every row.
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("VACUUM (FULL) clients_client")
            cursor.execute("VACUUM (ANALYZE) clients_client")
    return time.perf_counter() - started


@dataclass
class ListKind:
    label: str
    paths: list[str]
    # (params, cursor row or None) for the brute-force check
    checks: list[tuple[dict[str, str], dict[str, Any] | None]] = field(default_factory=list)


def list_kinds(organization: Any, seed: int, count: int) -> list[ListKind]:
    from carnet.clients import queries
    from carnet.clients.models import Category

    rng = random.Random(seed)
    categories = dict(Category.objects.filter(organization=organization).values_list("id", "name"))
    live = common.sample_clients(organization.pk, count, rng, "revenue", "archived", "category_id")
    every = [
        c
        for c in common.sample_clients(
            organization.pk, count * 2, rng, "revenue", "archived", "deleted_at", live=False
        )
        if c["deleted_at"] is None
    ][:count]
    in_category = [c for c in live if c["category_id"]]
    while len(in_category) < count:
        more = common.sample_clients(
            organization.pk, count, rng, "revenue", "archived", "category_id"
        )
        in_category += [c for c in more if c["category_id"]]
    in_category = in_category[:count]

    def cursor(sort: str, row: dict[str, Any]) -> str:
        return queries.next_cursor(SimpleNamespace(sort=sort), row)

    def path(params: dict[str, str]) -> str:
        return "/api/v1/clients?" + urlencode(params)

    kinds = []
    for sort in ("-revenue", "revenue"):
        first = {"sort": sort}
        kinds.append(ListKind(f"sort={sort} (first page)", [path(first)] * count, [(first, None)]))
        deep = [({"sort": sort, "cursor": cursor(sort, row)}, row) for row in live]
        kinds.append(
            ListKind(
                f"sort={sort}&cursor=<anywhere>",
                [path(p) for p, _ in deep],
                deep[:VERIFY_PER_KIND],
            )
        )
    first = {"archived": "all", "sort": "-revenue"}
    kinds.append(
        ListKind("archived=all&sort=-revenue (first page)", [path(first)] * count, [(first, None)])
    )
    deep = [({**first, "cursor": cursor("-revenue", row)}, row) for row in every]
    kinds.append(
        ListKind(
            "archived=all&sort=-revenue&cursor=<anywhere>",
            [path(p) for p, _ in deep],
            deep[:VERIFY_PER_KIND],
        )
    )
    names = sorted(categories.values())
    for sort in ("-revenue", "revenue"):
        firsts = [{"category": rng.choice(names), "sort": sort} for _ in range(count)]
        kinds.append(
            ListKind(
                f"category=<c>&sort={sort} (first page)",
                [path(p) for p in firsts],
                [(p, None) for p in firsts[:VERIFY_PER_KIND]],
            )
        )
    deep = [
        (
            {
                "category": categories[row["category_id"]],
                "sort": "-revenue",
                "cursor": cursor("-revenue", row),
            },
            row,
        )
        for row in in_category
    ]
    kinds.append(
        ListKind(
            "category=<c>&sort=-revenue&cursor=<anywhere>",
            [path(p) for p, _ in deep],
            deep[:VERIFY_PER_KIND],
        )
    )
    return kinds


def brute_force(
    organization: Any, params: dict[str, str], after: dict[str, Any] | None
) -> list[int]:
    """The page's ids by a plain ORM query: the filters, the order, and the rows after
    the cursor's client, written apart from the list's code."""
    from django.db.models import Q

    from carnet.clients.models import Client

    clients = Client.objects.filter(organization=organization, deleted_at__isnull=True)
    archived = params.get("archived", "false")
    if archived != "all":
        clients = clients.filter(archived=archived == "true")
    if params.get("category"):
        clients = clients.filter(category__name=params["category"])
    descending = params["sort"].startswith("-")
    sign = "-" if descending else ""
    ordering = [f"{sign}revenue", f"{sign}id"]
    if archived == "all":
        ordering.insert(0, "archived")
    if after is not None:
        beyond = "lt" if descending else "gt"
        later = Q(**{f"revenue__{beyond}": after["revenue"]}) | Q(
            revenue=after["revenue"], **{f"id__{beyond}": after["id"]}
        )
        if archived == "all":
            later = Q(archived__gt=after["archived"]) | (Q(archived=after["archived"]) & later)
        clients = clients.filter(later)
    return list(clients.order_by(*ordering).values_list("id", flat=True)[:PAGE_SIZE])


@dataclass
class RevenueResults:
    lines: list[Timed]
    checked: int
    differing: list[str]
    spread_s: float | None
    distribution: dict[str, Any]
    settings_note: str


def revenue_lists(args: argparse.Namespace) -> RevenueResults:
    import organize

    from carnet.accounts.models import Organization, User
    from carnet.clients.models import Client
    from carnet.sales import services
    from carnet.sales.models import SalesSettings

    organization = Organization.objects.get(slug=MAIN_SLUG)
    user = User.objects.get(email=common.owner_email(MAIN_SLUG))
    spread_s = spread_revenue(organization.pk)
    clients = Client.objects.filter(organization=organization, deleted_at__isnull=True)
    distribution = {
        "zero": clients.filter(revenue=0).count(),
        "distinct": clients.values("revenue").distinct().count(),
        "max": clients.order_by("-revenue").values_list("revenue", flat=True).first(),
    }
    # The list recomputes a million revenues when the stored fiscal year is not the
    # current one (``ensure_revenue_year``): store the current one, as a real organization
    # has it after its first list of the year, and put back what was there afterwards.
    before = SalesSettings.objects.filter(organization=organization).first()
    previous = before.revenue_year_start if before is not None else None
    start, _end = services.fiscal_year(organization)
    SalesSettings.objects.update_or_create(
        organization=organization, defaults={"revenue_year_start": start}
    )
    note = f"`SalesSettings.revenue_year_start` stored as {start.isoformat()} for the measure"
    try:
        http = organize.http_clients(organization, user)
        kinds = list_kinds(organization, args.seed + 81, args.queries)
        lines = []
        for kind in kinds:
            print(f"  {kind.label}", flush=True)
            m = common.measure(kind.label, kind.paths, http.call, is_empty=organize.no_items)
            note_empty = f"{m.empty} empty" if m.empty else ""
            lines.append(from_measured(f"`{kind.label}`", m, LIST_TARGET_MS, note_empty))
            if m.error:
                print(f"    ERROR {m.error}", flush=True)
        checked, differing = 0, []
        for kind in kinds:
            for params, row in kind.checks:
                path = "/api/v1/clients?" + urlencode(params)
                try:
                    got = [item["id"] for item in http.call(path).json()["items"]]
                except (RequestFailed, KeyError, ValueError) as exc:
                    differing.append(f"{path}: {exc!r}"[:300])
                    continue
                checked += 1
                if got != brute_force(organization, params, row):
                    differing.append(f"differs from the brute-force query: {path}")
    finally:
        if before is None:
            SalesSettings.objects.filter(organization=organization).delete()
            note += ", then removed (the data set had none)"
        else:
            SalesSettings.objects.filter(pk=before.pk).update(revenue_year_start=previous)
            note += f", then put back to {previous}"
    return RevenueResults(lines, checked, differing, spread_s, distribution, note)


# --------------------------------------------------------------------------- numbering
@dataclass
class NumberingResults:
    """One way of issuing concurrently: ``processes`` × ``threads`` issuers."""

    drafts: int
    processes: int
    threads: int
    issued: int = 0
    errors: list[str] = field(default_factory=list)
    stalled: str = ""
    wall_s: float = 0.0
    latency_p50: float = 0.0
    latency_p95: float = 0.0
    latency_max: float = 0.0
    over_1s: int = 0
    first_rate: float = 0.0
    last_rate: float = 0.0
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    prepare_s: float = 0.0

    @property
    def label(self) -> str:
        if self.threads == 1:
            return f"{self.processes} processes"
        if self.processes == 1:
            return f"{self.threads} threads in one process"
        return f"{self.processes} processes × {self.threads} threads"

    @property
    def rate(self) -> float:
        return self.issued / self.wall_s if self.wall_s else 0.0

    @property
    def met(self) -> bool:
        return not self.errors and not self.stalled and all(ok for _n, ok, _d in self.checks)


def issuer_modes(text: str) -> list[tuple[int, int]]:
    """ "8x1,2x4" → [(8, 1), (2, 4)]: processes × threads."""
    modes = []
    for part in text.split(","):
        processes, threads = part.lower().split("x")
        modes.append((int(processes), int(threads)))
    return modes


def prepare_drafts(args: argparse.Namespace) -> tuple[Any, Any, list[int]]:
    """A fresh organization with ``--drafts`` draft invoices of 100 clients, all dated
    today (issuing refuses a date before the last issued one)."""
    from django.db import connection, transaction

    from carnet.sales.models import Document, DocumentLine, DocumentState, DocumentType

    organization, owner = new_organization(ISSUE_SLUG, "Benchmark numérotation")
    clients = make_clients(organization, owner, 100, "Client numérotation")
    factory = SalesFactory(organization, owner, random.Random(args.seed + 82))
    drafts = [
        factory.document(
            clients[i % len(clients)],
            {},
            DocumentType.INVOICE,
            factory.today,
            factory.line_specs(),
            state=DocumentState.DRAFT,
        )
        for i in range(args.drafts)
    ]
    with transaction.atomic():
        Document.objects.bulk_create([p.document for p in drafts], batch_size=500)
        lines = []
        for p in drafts:
            for line in p.lines:
                line.document_id = p.document.pk
                lines.append(line)
        DocumentLine.objects.bulk_create(lines, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sales_document")
            cursor.execute("ANALYZE sales_documentline")
    return organization, owner, [p.document.pk for p in drafts]


def issuer_process(organization_id: int, user_id: int, threads: int, todo: Any, out: Any) -> None:
    """A forked worker: ``threads`` threads, each with its own database connection,
    issuing the drafts ``todo`` hands out until it hands out None; each issue reported
    to ``out`` as ("done", finished at, ms) or ("error", id, text)."""
    from django.db import connection

    from carnet.accounts.models import Organization, User
    from carnet.sales import services

    organization = Organization.objects.get(pk=organization_id)
    user = User.objects.get(pk=user_id)
    connection.close()

    def work() -> None:
        from django.db import connection as own

        try:
            while (pk := todo.get()) is not None:
                began = time.monotonic()
                try:
                    services.issue_document(organization, user, pk)
                except Exception as exc:  # counted: there must be none
                    out.put(("error", pk, f"{exc!r}"[:300]))
                    continue
                finished = time.monotonic()
                out.put(("done", finished, (finished - began) * 1000))
        finally:
            own.close()

    if threads == 1:
        work()
        return
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def issue_concurrently(args: argparse.Namespace, processes: int, threads: int) -> NumberingResults:
    """Issue the drafts with ``processes`` forked processes of ``threads`` threads; a run
    still going after ``--numbering-timeout`` seconds is stopped and reported as stalled.
    Then check the numbers."""
    import multiprocessing

    from django.db import connections

    result = NumberingResults(args.drafts, processes, threads)
    started = time.perf_counter()
    organization, owner, ids = prepare_drafts(args)
    result.prepare_s = time.perf_counter() - started
    context = multiprocessing.get_context("fork")
    todo = context.Queue()
    out = context.Queue()
    for pk in ids:
        todo.put(pk)
    for _ in range(processes * threads):
        todo.put(None)
    connections.close_all()  # no connection may cross the fork
    print(f"  issuing {args.drafts:,} drafts with {result.label}…", flush=True)
    workers = [
        context.Process(target=issuer_process, args=(organization.pk, owner.pk, threads, todo, out))
        for _ in range(processes)
    ]
    began = time.monotonic()
    for worker in workers:
        worker.start()
    deadline = began + args.numbering_timeout
    done: list[tuple[float, float]] = []
    last_report = began
    while True:
        try:
            message = out.get(timeout=1)
        except queue.Empty:
            message = None
        if message is not None:
            if message[0] == "done":
                done.append((message[1], message[2]))
            else:
                result.errors.append(f"{message[1]}: {message[2]}")
            continue
        now = time.monotonic()
        if not any(w.is_alive() for w in workers):
            break
        if now - last_report >= 60:
            print(f"    {len(done):,} issued, {len(result.errors)} errors…", flush=True)
            last_report = now
        if now > deadline:
            result.stalled = (
                f"stopped after {args.numbering_timeout:.0f} s with {len(done):,} issued"
            )
            for worker in workers:
                worker.kill()
            break
    for worker in workers:
        worker.join()
    result.issued = len(done)
    if done:
        moments = sorted(t for t, _ms in done)
        result.wall_s = moments[-1] - began
        latencies = [ms for _t, ms in done]
        result.latency_p50 = common.percentile(latencies, 50)
        result.latency_p95 = common.percentile(latencies, 95)
        result.latency_max = max(latencies)
        result.over_1s = sum(1 for ms in latencies if ms > 1000)
        chunk = min(1000, len(moments) // 2) or 1
        first = moments[chunk - 1] - began
        last = moments[-1] - moments[-chunk - 1] if len(moments) > chunk else 0
        result.first_rate = chunk / first if first else 0.0
        result.last_rate = chunk / last if last else 0.0
    result.checks = numbering_checks(organization, args.drafts)
    return result


def numbering_checks(organization: Any, drafts: int) -> list[tuple[str, bool, str]]:
    from carnet.core.models import Sequence
    from carnet.sales.models import Document, DocumentType

    rows = list(
        Document.objects.filter(organization=organization, type=DocumentType.INVOICE)
        .exclude(sequence_number=None)
        .order_by("sequence_number")
        .values_list("sequence_number", "number", "date", "issued_at")
    )
    numbers = [r[0] for r in rows]
    n = len(rows)
    pairs = list(zip(rows, rows[1:], strict=False))
    counter = Sequence.objects.filter(organization=organization, name="document:invoice").first()
    return [
        ("every draft issued", n == drafts, f"{n:,} of {drafts:,}"),
        (
            "numbers exactly 1..N, no gap, no duplicate",
            numbers == list(range(1, n + 1)),
            f"{len(set(numbers)):,} distinct, {numbers[0] if numbers else '-'} to "
            f"{numbers[-1] if numbers else '-'}",
        ),
        ("printed numbers FA-000001…", all(r[1] == f"FA-{r[0]:06d}" for r in rows), ""),
        ("dates in number order", all(a[2] <= b[2] for a, b in pairs), ""),
        ("issue times in number order", all(a[3] <= b[3] for a, b in pairs), ""),
        (
            "the counter at N",
            counter is not None and counter.last_value == n,
            f"{counter.last_value if counter else '-'}",
        ),
    ]


# --------------------------------------------------------------------------- report
def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def fmt_ms(value: float) -> str:
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def timed_rows(lines: list[Timed]) -> list[str]:
    rows = [
        "| what | runs | p50 | p95 | bare SQL p50 | bare SQL p95 | statements | target p95 | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for t in lines:
        target = fmt_ms(t.target) if t.target is not None else ""
        if t.error:
            rows.append(f"| {t.label} | | error: {t.error[:160]} | | | | | {target} | **no** |")
            continue
        base = f"{fmt_ms(t.base_p50)} | {fmt_ms(t.base_p95)}" if t.base_label else " | "
        met = yes(t.met) if t.target is not None else ""
        note = f" ({t.note})" if t.note else ""
        rows.append(
            f"| {t.label}{note} | {t.runs} | {fmt_ms(t.p50)} | {fmt_ms(t.p95)} | {base} | "
            f"{t.statements:g} | {target} | {met} |"
        )
    return rows


def intro() -> str:
    return """## Sales: a big client, sorting by revenue, concurrent numbering (`bench/sales.py`)

```sh
make bench-sales      # SQLite then PostgreSQL, 1,000,000 clients
.venv/bin/python bench/sales.py --db sqlite   --clients 1000000
.venv/bin/python bench/sales.py --db postgres --clients 1000000   # database carnet_bench
.venv/bin/python bench/sales.py --db sqlite   --clients 20000     # a quick check
```

Three parts, on the benchmark database (`bench/common.py`'s data set, generated once):

1. **One big client.** In an organization of its own (`sales-bench`, rebuilt at each
   run), a client with 10,000 documents dated over the last three years (88 % issued
   invoices of one to five lines, three on average, some with a 5 % discount; 4 % credit
   notes, half cancelling an invoice, half a commercial gesture, a fifth of those left as
   credit; 8 % quotes accepted, refused, pending or expired) and 10,000 payments (on
   time, late, in two instalments, in part; a few advances allocated to nothing; 8 % of
   the invoices left unpaid, overdue when past due), beside 200 clients with 50
   documents each. The rows are bulk-inserted (`bulk_create`) with what the services
   keep on them: totals and VAT breakdown from `sales.calculation.compute_totals`,
   `amount_paid`, `amount_credited`, `amount_used`, `settled_on`, `Payment.amount_allocated`,
   numbers continuous per type in date order (and the counters), the client's legal
   identity in `client_snapshot`; the clients' `revenue` by `refresh_revenue`, what each
   month sold by `products.rebuild`; on PostgreSQL the sales tables are then analyzed,
   as autovacuum soon would. A few sums check that the stored figures agree with the
   allocations and lines, and the statistics are compared with figures added up from
   the generated rows in Python.
   Each request runs 3 times as warm-up (2 for the statement), then 30 times (20 for the
   statement) beside the bare replay of the SQL it sent (authentication left out).
2. **`sort=revenue` at a million clients.** The data set's clients are given, once, a
   spread of `revenue` by one set-based UPDATE (from a hash of the id: a fifth at 0, the
   rest from 0 to 100,000 €, most of them small; a marker row keeps it from running
   again; on PostgreSQL the table is then rewritten with `VACUUM FULL`, as after
   loading). The list calls `sales.services.ensure_revenue_year`, which recomputes every
   client's revenue from the documents when the stored fiscal year is not the current
   one: the benchmark stores the current fiscal year's first day in
   `SalesSettings.revenue_year_start` first, as an organization has it after its first
   list of the year, and puts back what was there afterwards. 200 requests per line:
   first pages, and pages further on through a `cursor` made from a client drawn at
   random (anywhere in the order), without filter, with `archived=all`, with a category;
   beside the bare replay of their SQL. A few pages are compared with a plain ORM query.
3. **Gapless numbering under concurrency.** In an organization of its own
   (`sales-bench-issue`, rebuilt for each way), 10,000 draft invoices of 100 clients, all
   dated today, are issued by 8 concurrent issuers calling
   `sales.services.issue_document`, each with its own database connection: 8 forked
   processes, then 2 processes of 4 threads each, as `carnet serve` runs (gunicorn,
   2 workers × 4 threads). SQLite: WAL, `BEGIN IMMEDIATE` retried in turn up to 20 s
   (`core.sqlite`); PostgreSQL: the counter's row locked until commit. Then the numbers
   must be exactly 1..N without gap or duplicate, in date order, with no error; a run
   still going after 10 minutes is stopped and reported. The drafts share one date
   because issuing refuses a date before the last issued one: concurrent issuers of
   drafts of different days would refuse each other's late comers, which is the rule
   working, not a numbering error.

Targets (issue 8): `client_statistics` ≤ 50 ms, the record page ≤ 150 ms, the
statement PDF of about 20,000 rows ≤ 3 s, sorted lists p95 ≤ 30 ms; numbering without
gap, duplicate or error. Times are judged on their p95.

The statistics' top products and margin read what each month sold (`ProductMonth`,
kept at issue by `sales.products`) and, for the days of a month the period begins or
ends in, the lines themselves. Read from every line, they took 23–25 ms of the 45 ms
the three years' statistics took on SQLite (a join of the 9,200 invoices and credit
notes with their 28,700 lines, grouped by product).
"""


def render(
    args: argparse.Namespace,
    info: dict[str, str],
    big: BigClientResults | None,
    revenue: RevenueResults | None,
    issues: list[NumberingResults],
    data: SalesData | None,
) -> str:
    lines = [
        f"### {info['database']}",
        "",
        *common.environment_lines(args, info, SCRIPT),
        "",
    ]
    if big is not None and data is not None:
        s = big.sizes
        lines += [
            "**One big client.** "
            f"{s['big_documents']:,} documents ({s['big_invoices']:,} invoices, "
            f"{s['big_credit_notes']:,} credit notes, {s['big_quotes']:,} quotes), "
            f"{s['big_lines']:,} lines, {s['big_payments']:,} payments, "
            f"{s['big_allocations']:,} allocations; {s['big_overdue']:,} invoices overdue, "
            f"{s['big_partial']:,} partly paid. The organization: {s['clients']:,} clients, "
            f"{s['documents']:,} documents, {s['payments']:,} payments, built in "
            f"{data.build_s:.0f} s. Times in ms.",
            "",
            *timed_rows(big.lines),
            "",
        ]
        if big.split:
            lines.append(
                f"The statement: {big.statement_rows:,} rows; PDF {big.pdf_bytes / 1e6:.1f} MB"
                + (f", {big.pdf_pages:,} pages" if big.pdf_pages else "")
                + f"; CSV {big.csv_bytes / 1e6:.1f} MB. Its steps in process (p50 / p95, ms): "
                + "; ".join(f"{label} {p50:,.0f} / {p95:,.0f}" for label, p50, p95 in big.split)
                + "."
            )
            lines.append("")
        if s["float_misjudged"]:
            lines.append(
                f"For {s['float_misjudged']} invoices the status filters of the lists "
                "(`sales.queries.status_condition`) disagree with the balance in `Decimal`."
            )
            lines.append("")
        failed = [c for c in data.checks if not c[1]]
        lines.append(
            f"Consistency of the generated rows: {len(data.checks) - len(failed)} of "
            f"{len(data.checks)} sums agree"
            + ("." if not failed else ": " + "; ".join(f"{n} ({d})" for n, ok, d in failed) + ".")
        )
        if big.comparison:
            differ = [(n, e, g) for n, e, g in big.comparison if e != g]
            lines.append(
                "The statistics of the fiscal year against the generator's figures: "
                + (
                    "all equal (" + ", ".join(f"{n} {e}" for n, e, _g in big.comparison) + ")."
                    if not differ
                    else "; ".join(f"{n}: expected {e}, got {g}" for n, e, g in differ) + "."
                )
            )
        lines.append("")
    if revenue is not None:
        d = revenue.distribution
        lines += [
            "**`sort=revenue` at a million clients.** Live and archived clients: "
            f"{d['zero']:,} at 0, {d['distinct']:,} distinct values, the highest {d['max']}"
            + (
                f" (spread given in {revenue.spread_s:.0f} s)"
                if revenue.spread_s is not None
                else " (spread given by an earlier run)"
            )
            + f"; {revenue.settings_note}. First pages of 50, times in ms.",
            "",
            *timed_rows(revenue.lines),
            "",
            f"Pages checked against a brute-force query: {revenue.checked}, "
            + (
                "all equal."
                if not revenue.differing
                else f"{len(revenue.differing)} differ: " + "; ".join(revenue.differing[:5])
            ),
            "",
        ]
    if issues:
        lines += [
            f"**Gapless numbering.** {issues[0].drafts:,} drafts issued concurrently "
            f"(made in {issues[0].prepare_s:.0f} s for each way):",
            "",
            "| issuers | issued | errors | wall time (s) | invoices/s | first 1,000 (/s) "
            "| last 1,000 (/s) | latency p50 (ms) | p95 | max | over 1 s | gapless, no error |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for issue in issues:
            lines.append(
                f"| {issue.label} | {issue.issued:,} | {len(issue.errors)} | "
                f"{issue.wall_s:.1f} | {issue.rate:.0f} | {issue.first_rate:.0f} | "
                f"{issue.last_rate:.0f} | {issue.latency_p50:.1f} | {issue.latency_p95:.1f} | "
                f"{issue.latency_max:,.0f} | {issue.over_1s} | {yes(issue.met)} |"
            )
        lines.append("")
        for issue in issues:
            lines.append(
                f"{issue.label}: "
                + (f"**{issue.stalled}**; " if issue.stalled else "")
                + "; ".join(
                    f"{name} {yes(ok)}" + (f" ({d})" if d else "") for name, ok, d in issue.checks
                )
                + "."
                + (
                    " Errors (first three): " + "; ".join(f"`{e}`" for e in issue.errors[:3])
                    if issue.errors
                    else ""
                )
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def show(lines: list[Timed]) -> None:
    print(f"{'what':<78}{'p50':>9}{'p95':>9}{'SQL p50':>9}{'SQL p95':>9}{'stmts':>7}  met")
    for t in lines:
        if t.error:
            print(f"{t.label[:78]:<78}  ERROR {t.error}")
            continue
        met = ("yes" if t.met else "NO") if t.target is not None else ""
        base = f"{t.base_p50:>9.2f}{t.base_p95:>9.2f}" if t.base_label else " " * 18
        print(f"{t.label[:78]:<78}{t.p50:>9.2f}{t.p95:>9.2f}{base}{t.statements:>7g}  {met}")


def print_big_client(big: BigClientResults, data: SalesData) -> None:
    print("-- One big client (ms)")
    show(big.lines)
    for label, p50, p95 in big.split:
        print(f"   {label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    print(
        f"   statement rows {big.statement_rows:,}, PDF {big.pdf_bytes:,} bytes "
        f"({big.pdf_pages} pages), CSV {big.csv_bytes:,} bytes"
    )
    print(f"   sizes {big.sizes}")
    for name, ok, detail in data.checks:
        print(f"   check {'ok ' if ok else 'BAD'} {name}: {detail}")
    for name, expected, got in big.comparison:
        print(
            f"   statistics {'ok ' if expected == got else 'BAD'} {name}: "
            f"expected {expected}, got {got}"
        )


def print_revenue(revenue: RevenueResults) -> None:
    print("-- sort=revenue (ms)")
    show(revenue.lines)
    print(f"   {revenue.distribution}; {revenue.settings_note}")
    print(f"   pages checked {revenue.checked}, differing {len(revenue.differing)}")
    for problem in revenue.differing:
        print(f"   {problem}")


def print_numbering(issue: NumberingResults) -> None:
    print(f"-- Gapless numbering, {issue.label}")
    if issue.stalled:
        print(f"   STALLED: {issue.stalled}")
    print(
        f"   issued {issue.issued:,} in {issue.wall_s:.1f} s ({issue.rate:.0f}/s; first 1,000 "
        f"{issue.first_rate:.0f}/s, last 1,000 {issue.last_rate:.0f}/s), errors "
        f"{len(issue.errors)}, latency p50 {issue.latency_p50:.1f} ms p95 "
        f"{issue.latency_p95:.1f} ms max {issue.latency_max:.0f} ms, {issue.over_1s} over 1 s"
    )
    for name, ok, detail in issue.checks:
        print(f"   check {'ok ' if ok else 'BAD'} {name} {detail}")
    for error in issue.errors[:5]:
        print(f"   error {error}")


def main() -> None:
    args = parse_args()
    common.start(args)
    data = big = revenue = None
    issues: list[NumberingResults] = []
    if not args.skip_big_client:
        print("building the big client…", flush=True)
        data = build_sales_data(args)
        print(f"  built in {data.build_s:.0f} s", flush=True)
        print("measuring the big client…", flush=True)
        big = big_client(args, data)
        print_big_client(big, data)
    if not args.skip_revenue:
        print("measuring sort=revenue…", flush=True)
        revenue = revenue_lists(args)
        print_revenue(revenue)
    if not args.skip_numbering:
        print("gapless numbering…", flush=True)
        for processes, threads in issuer_modes(args.issuers):
            issues.append(issue_concurrently(args, processes, threads))
            print_numbering(issues[-1])
    info = common.machine()
    print(
        "targets: p95 ≤ "
        f"{STATISTICS_TARGET_MS:.0f} ms statistics, {RECORD_PAGE_TARGET_MS:.0f} ms record page, "
        f"{STATEMENT_TARGET_S:.0f} s statement PDF, {LIST_TARGET_MS:.0f} ms sorted lists; "
        f"load average {info['load']}"
    )
    if not args.no_doc:
        common.update_doc("sales", intro(), after=("duplicates-scan-postgres",))
        common.update_doc(
            f"sales-{args.db}",
            render(args, info, big, revenue, issues, data),
            after=("sales", "sales-sqlite"),
        )
        print(f"updated {common.DOC.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
