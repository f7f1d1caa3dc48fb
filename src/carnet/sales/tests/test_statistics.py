"""A client's sales figures, checked against values computed by hand on a small,
realistic year of sales (``build_sales``, shared with the statement and view tests)."""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.sales import products, services
from carnet.sales.models import Document, DocumentLine, Payment, ProductMonth
from carnet.sales.statistics import (
    AGEING_RANGES,
    ageing_range_of,
    client_statistics,
    month_starts,
    statistics_data,
)

D = Decimal
TODAY = datetime.date(2026, 6, 15)
YEAR = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def line(description: str, quantity: str, unit_price: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "quantity": quantity,
        "unit_price": unit_price,
        "vat_rate": "20",
        **extra,
    }


@dataclass
class Sales:
    client: Client
    documents: dict[str, Document] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)


def issued(
    organization: Organization, owner: User, doc_type: str, client: Client, **data: Any
) -> Document:
    draft = services.create_document(
        organization, owner, {"type": doc_type, "client": client.pk, **data}
    )
    return services.issue_document(organization, owner, draft.pk)


def build_sales(organization: Organization, owner: User) -> Sales:
    """One baker's year (VAT 20 %), today being 15 June 2026:

    ========  ==========  ==========  ===========  ======================================
    invoice   date        HT / TTC    due          settled by
    ========  ==========  ==========  ===========  ======================================
    inv0      2025-11-10  100 / 120   2025-12-10   p0 120 on 2025-12-05
    inv1      2026-01-15  250 / 300   2026-02-14   p1 300 on 2026-02-10 (26 days, on time)
    inv2      2026-02-01  120 / 144   2026-03-03   p2 144 on 2026-03-20 (47 days, late)
    inv3      2026-03-01  150 / 180   2026-03-31   p3 80 on 2026-04-10: owes 100, 76 days late
    inv4      2026-04-01  100 / 120   2026-05-01   cn1 60 on 2026-05-05: owes 60, 45 days late
    inv6      2026-05-10  100 / 120   2026-06-09   cn2 120 on 2026-05-12 (cancelled)
    inv5      2026-06-01  400 / 480   2026-07-01   nothing: not due
    ========  ==========  ==========  ===========  ======================================

    p4 (200 on 2026-05-20) is left as credit. Quotes: q1 accepted, q2 expired, q4
    refused, q3 pending, q5 a draft.
    """
    client = clients.create_client(
        organization,
        owner,
        {"kind": "company", "name": "Boulangerie Martin", "reference": "BOUL-01"},
    )
    sales = Sales(client=client)
    docs = sales.documents

    def invoice(name: str, date: str, due: str, *lines: dict[str, Any]) -> None:
        docs[name] = issued(
            organization, owner, "invoice", client, date=date, due_date=due, lines=list(lines)
        )

    def quote(name: str, date: str, valid_until: str, status: str | None = None) -> None:
        docs[name] = issued(
            organization,
            owner,
            "quote",
            client,
            date=date,
            valid_until=valid_until,
            lines=[line("Pièce montée", "1", "300")],
        )
        if status:
            services.set_quote_status(organization, owner, docs[name].pk, status)

    invoice(
        "inv0",
        "2025-11-10",
        "2025-12-10",
        line("Pain de campagne", "10", "10", reference="PAIN", unit_cost="6"),
    )
    invoice(
        "inv1",
        "2026-01-15",
        "2026-02-14",
        line("Pain de campagne", "20", "10", reference="PAIN", unit_cost="6"),
        line("Livraison", "1", "50"),
    )
    invoice(
        "inv2",
        "2026-02-01",
        "2026-03-03",
        line("Croissants", "100", "1.20", reference="CROI", unit_cost="0.45"),
    )
    invoice(
        "inv3",
        "2026-03-01",
        "2026-03-31",
        line("Gâteau", "5", "30", reference="GAT", unit_cost="12"),
    )
    invoice(
        "inv4",
        "2026-04-01",
        "2026-05-01",
        line("Pain de campagne", "10", "10", reference="PAIN", unit_cost="6"),
    )
    invoice("inv6", "2026-05-10", "2026-06-09", line("Erreur de saisie", "1", "100"))
    invoice("inv5", "2026-06-01", "2026-07-01", line("Formation", "2", "200"))
    docs["cn1"] = issued(
        organization,
        owner,
        "credit_note",
        client,
        date="2026-05-05",
        related=docs["inv4"].pk,
        lines=[line("Pain de campagne", "5", "10", reference="PAIN", unit_cost="6")],
    )
    docs["cn2"] = issued(
        organization,
        owner,
        "credit_note",
        client,
        date="2026-05-12",
        related=docs["inv6"].pk,
        lines=[line("Erreur de saisie", "1", "100")],
    )
    quote("q1", "2026-01-05", "2026-02-04", "accepted")
    quote("q2", "2026-02-10", "2026-03-12")
    quote("q4", "2026-03-01", "2026-03-31", "refused")
    quote("q3", "2026-06-01", "2026-07-01")
    docs["q5"] = services.create_document(
        organization,
        owner,
        {
            "type": "quote",
            "client": client.pk,
            "date": "2026-06-10",
            "lines": [line("Tarte", "1", "20")],
        },
    )

    def payment(name: str, date: str, amount: str, invoice: str | None = None) -> None:
        data: dict[str, Any] = {
            "client": client.pk,
            "date": date,
            "amount": amount,
            "method": "transfer",
            "reference": f"VIR {name.upper()}",
        }
        if invoice:
            data["allocations"] = [{"document": docs[invoice].pk, "amount": amount}]
        sales.payments[name] = services.create_payment(organization, owner, data)

    payment("p0", "2025-12-05", "120", "inv0")
    payment("p1", "2026-02-10", "300", "inv1")
    payment("p2", "2026-03-20", "144", "inv2")
    payment("p3", "2026-04-10", "80", "inv3")
    payment("p4", "2026-05-20", "200")
    for name in docs:
        docs[name].refresh_from_db()
    return sales


@pytest.fixture
def sales(organization: Organization, owner: User) -> Sales:
    return build_sales(organization, owner)


def test_the_year_figures_match_the_hand_computed_ones(
    organization: Organization, sales: Sales, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(5):
        stats = client_statistics(organization, sales.client, *YEAR, today=TODAY)
    # 250 + 120 + 150 + 100 + 100 + 400 invoiced, less 50 + 100 credited
    assert stats.revenue_excl_vat == D("970.00")
    assert stats.payments_received == D("724.00")  # 300 + 144 + 80 + 200
    assert stats.outstanding == D("640.00")  # inv3 100 + inv4 60 + inv5 480
    assert stats.invoices_to_pay == 3
    assert stats.overdue_amount == D("160.00")
    assert stats.overdue_count == 2
    assert stats.average_payment_delay_days == D("36.5")  # (26 + 47) / 2, inv6 cancelled
    assert stats.on_time_rate == D("0.5")
    assert stats.quotes_pending == 1
    assert stats.quotes_expired == 1
    assert stats.quote_conversion_rate == D("0.25")  # q1 of q1, q2, q3, q4
    assert stats.client_credit == D("200.00")
    # Costed lines: 200 + 120 + 150 + 100 - 50 sold for 120 + 45 + 60 + 60 - 30.
    assert stats.margin == D("265.00")
    assert stats.margin_rate == D("0.5096")
    ageing = {bucket.key: (bucket.amount, bucket.count) for bucket in stats.ageing}
    assert ageing == {
        "not_due": (D("480.00"), 1),
        "1_30": (D("0.00"), 0),
        "31_60": (D("60.00"), 1),
        "61_90": (D("100.00"), 1),
        "over_90": (D("0.00"), 0),
    }
    assert [(p.reference, p.label, p.amount, p.quantity) for p in stats.top_products] == [
        ("", "Formation", D("400.00"), D("2")),
        ("PAIN", "Pain de campagne", D("250.00"), D("25")),
        ("GAT", "Gâteau", D("150.00"), D("5")),
        ("CROI", "Croissants", D("120.00"), D("100")),
        ("", "Livraison", D("50.00"), D("1")),
        ("", "Erreur de saisie", D("0.00"), D("0")),
    ]
    assert stats.monthly_revenue == [
        (datetime.date(2026, month, 1), amount)
        for month, amount in zip(
            range(1, 13),
            [
                D(a)
                for a in ("250", "120", "150", "100", "-50", "400", "0", "0", "0", "0", "0", "0")
            ],
            strict=True,
        )
    ]
    assert all(amount.as_tuple().exponent == -2 for _, amount in stats.monthly_revenue)


def test_the_default_period_is_the_fiscal_year(
    organization: Organization, owner: User, sales: Sales
) -> None:
    services.update_sales_settings(organization, owner, {"fiscal_year_start_month": 4})
    stats = client_statistics(organization, sales.client, today=TODAY)
    assert (stats.start, stats.end) == (day("2026-04-01"), day("2027-03-31"))
    assert stats.revenue_excl_vat == D("450.00")  # 100 + 100 + 400 - 50 - 100
    assert stats.monthly_revenue[0][0] == day("2026-04-01")
    assert stats.monthly_revenue[-1][0] == day("2027-03-01")


def test_a_period_filters_the_figures(organization: Organization, sales: Sales) -> None:
    stats = client_statistics(
        organization, sales.client, day("2026-03-01"), day("2026-03-31"), today=TODAY
    )
    assert stats.revenue_excl_vat == D("150.00")
    assert stats.payments_received == D("144.00")
    # Today's balances of the invoices dated up to 31 March: inv3 only.
    assert stats.outstanding == D("100.00")
    assert stats.invoices_to_pay == 1
    assert stats.average_payment_delay_days is None  # inv3 is not settled
    assert stats.on_time_rate is None
    assert stats.quote_conversion_rate == D("0")  # q4, refused
    assert [p.reference for p in stats.top_products] == ["GAT"]
    assert stats.margin == D("90.00")
    assert stats.margin_rate == D("0.6")
    assert stats.monthly_revenue[-1] == (day("2026-03-01"), D("150.00"))
    assert stats.monthly_revenue[0] == (day("2025-04-01"), D("0.00"))
    assert stats.client_credit == D("200.00")  # credit is as of today


def test_an_empty_client_has_zeros_and_no_rates(organization: Organization, owner: User) -> None:
    client = clients.create_client(organization, owner, {"kind": "company", "name": "Nouveau"})
    stats = client_statistics(organization, client, *YEAR, today=TODAY)
    assert stats.revenue_excl_vat == D("0.00")
    assert stats.payments_received == D("0.00")
    assert stats.outstanding == D("0.00")
    assert (stats.invoices_to_pay, stats.overdue_count, stats.quotes_pending) == (0, 0, 0)
    assert stats.average_payment_delay_days is None
    assert stats.on_time_rate is None
    assert stats.quote_conversion_rate is None
    assert stats.margin is None and stats.margin_rate is None
    assert stats.top_products == []
    assert [bucket.amount for bucket in stats.ageing] == [D("0.00")] * 5
    assert len(stats.monthly_revenue) == 12
    assert {amount for _, amount in stats.monthly_revenue} == {D("0.00")}


def test_lines_without_cost_give_no_margin(organization: Organization, owner: User) -> None:
    client = clients.create_client(organization, owner, {"kind": "company", "name": "Sans coût"})
    issued(
        organization,
        owner,
        "invoice",
        client,
        date="2026-02-01",
        lines=[line("Conseil", "1", "500")],
    )
    stats = client_statistics(organization, client, *YEAR, today=TODAY)
    assert stats.revenue_excl_vat == D("500.00")
    assert stats.margin is None and stats.margin_rate is None


@pytest.mark.parametrize(
    ("days_late", "expected"),
    [
        (-5, "not_due"),
        (0, "not_due"),
        (1, "1_30"),
        (30, "1_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
)
def test_ageing_range_boundaries(days_late: int, expected: str) -> None:
    assert ageing_range_of(days_late).key == expected


def test_ageing_buckets_in_the_database_follow_the_same_boundaries(
    organization: Organization, owner: User
) -> None:
    client = clients.create_client(organization, owner, {"kind": "company", "name": "Retards"})
    today = day("2026-12-31")
    late_by = [0, 1, 30, 31, 60, 61, 90, 91]
    for days_late in sorted(late_by, reverse=True):
        due = today - datetime.timedelta(days=days_late)
        issued(
            organization,
            owner,
            "invoice",
            client,
            date=(due - datetime.timedelta(days=30)).isoformat(),
            due_date=due.isoformat(),
            lines=[line("Prestation", "1", str(100 + days_late))],
        )
    stats = client_statistics(organization, client, *YEAR, today=today)
    by_key = {bucket.key: bucket for bucket in stats.ageing}
    expected = {
        "not_due": [0],
        "1_30": [1, 30],
        "31_60": [31, 60],
        "61_90": [61, 90],
        "over_90": [91],
    }
    for key, days in expected.items():
        assert by_key[key].count == len(days), key
        assert by_key[key].amount == sum(D(100 + d) * D("1.2") for d in days), key
    assert stats.overdue_count == 7
    assert [r.key for r in AGEING_RANGES] == list(by_key)


def test_another_client_and_another_organization_stay_apart(
    organization: Organization,
    owner: User,
    sales: Sales,
    other_organization: Organization,
    outsider: User,
) -> None:
    neighbour = clients.create_client(organization, owner, {"kind": "company", "name": "Voisin"})
    issued(
        organization,
        owner,
        "invoice",
        neighbour,
        date="2026-06-01",
        lines=[line("Pain", "1", "999")],
    )
    stranger = clients.create_client(
        other_organization, outsider, {"kind": "company", "name": "Autre"}
    )
    issued(
        other_organization,
        outsider,
        "invoice",
        stranger,
        date="2026-06-01",
        lines=[line("Pain", "1", "777")],
    )
    assert client_statistics(organization, sales.client, *YEAR, today=TODAY).revenue_excl_vat == D(
        "970.00"
    )
    # The organization cannot read another organization's client through its own.
    assert client_statistics(organization, stranger, *YEAR, today=TODAY).revenue_excl_vat == D(
        "0.00"
    )


def test_month_starts_cross_the_year() -> None:
    months = month_starts(day("2026-02-28"))
    assert months[0] == day("2025-03-01")
    assert months[-1] == day("2026-02-01")
    assert len(months) == 12


def test_a_start_after_the_end_is_refused(organization: Organization, sales: Sales) -> None:
    with pytest.raises(ValueError):
        client_statistics(organization, sales.client, day("2026-05-01"), day("2026-04-01"))


def test_the_api_gets_the_figures_as_strings(organization: Organization, sales: Sales) -> None:
    data = statistics_data(client_statistics(organization, sales.client, *YEAR, today=TODAY))
    assert data["from"] == "2026-01-01" and data["to"] == "2026-12-31"
    assert data["revenue_excl_vat"] == "970.00"
    assert data["average_payment_delay_days"] == "36.5"
    assert data["on_time_rate"] == "0.5000"
    assert data["top_products"][3] == {
        "reference": "CROI",
        "label": "Croissants",
        "amount": "120.00",
        "quantity": "100",
    }
    assert data["ageing"][3] == {
        "key": "61_90",
        "label": "61 à 90 jours",
        "amount": "100.00",
        "count": 1,
    }
    assert data["monthly_revenue"][4] == {"month": "2026-05", "amount": "-50.00"}
    assert data["client_credit"] == "200.00"


def _sold_from_lines(client: Client, start: datetime.date, end: datetime.date) -> dict[Any, Any]:
    """What the lines of the client's issued invoices and credit notes of the period
    sold, added up in Python: the reference the monthly figures are checked against."""
    found: dict[Any, list[Decimal]] = {}
    lines = DocumentLine.objects.filter(
        document__client=client,
        document__sequence_number__isnull=False,
        document__type__in=["invoice", "credit_note"],
        document__date__gte=start,
        document__date__lte=end,
    ).select_related("document")
    for line in lines:
        sign = -1 if line.document.type == "credit_note" else 1
        key = (line.reference, "" if line.reference else line.description)
        figures = found.setdefault(key, [D(0), D(0), D(0), D(0)])
        figures[0] += sign * line.total_excl_vat
        figures[1] += sign * line.quantity
        if line.unit_cost is not None:
            figures[2] += sign * line.total_excl_vat
            figures[3] += sign * line.quantity * line.unit_cost
    return {key: [value.quantize(D("0.001")) for value in values] for key, values in found.items()}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-01-01", "2026-12-31"),  # whole months only
        ("2025-11-10", "2026-05-05"),  # begun and ended inside a month, on a document's day
        ("2025-11-11", "2026-05-04"),  # the day after and the day before
        ("2026-01-20", "2026-06-30"),  # the first whole month begins with a document
        ("2026-03-01", "2026-03-01"),  # one day
        ("2026-04-02", "2026-04-30"),  # the end of a month
        ("2025-01-01", "2027-01-31"),  # across years, with empty months
    ],
)
def test_products_of_any_period_add_up_like_the_lines(
    organization: Organization, sales: Sales, start: str, end: str
) -> None:
    sold = products.sold(organization.pk, sales.client.pk, day(start), day(end))
    by_key = {
        (item.reference, item.label_key): [
            value.quantize(D("0.001"))
            for value in (item.amount, item.quantity, item.costed_amount, item.cost)
        ]
        for item in sold
    }
    assert by_key == _sold_from_lines(sales.client, day(start), day(end))


def _product_rows(organization: Organization) -> list[tuple[Any, ...]]:
    return sorted(
        ProductMonth.objects.filter(organization=organization)
        .values_list("client_id", "month", "reference", "label_key", "label")
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"), lines=Sum("costed_lines"))
        .values_list(
            "client_id", "month", "reference", "label_key", "label", "amount", "quantity", "lines"
        )
    )


def test_rebuilding_gives_what_issuing_kept(organization: Organization, sales: Sales) -> None:
    kept = _product_rows(organization)
    assert kept  # issuing counted the lines
    assert products.rebuild(organization.pk) == len(kept)
    assert _product_rows(organization) == kept


def test_the_migration_counts_what_was_issued_before_it(
    organization: Organization, sales: Sales
) -> None:
    migration = importlib.import_module("carnet.sales.migrations.0002_product_months")
    kept = _product_rows(organization)
    ProductMonth.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        migration.count_issued_documents(django_apps, None)
    assert _product_rows(organization) == kept
    deletes = [q for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 1  # one rebuild per organization, whatever its documents
