"""The account statement: opening balance, running balance, closing balance, ageing as of
the end of the period, and its CSV and PDF."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.sales.statement import build_statement, statement_csv, statement_pdf

from .test_statistics import Sales, build_sales, day

D = Decimal


@pytest.fixture
def sales(organization: Organization, owner: User) -> Sales:
    return build_sales(organization, owner)


def test_it_runs_the_balance_from_the_opening_one(
    organization: Organization, sales: Sales, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(7):
        statement = build_statement(
            organization, sales.client, day("2026-03-01"), day("2026-05-31")
        )
    # Before 1 March: inv0 120 + inv1 300 + inv2 144 less p0 120 and p1 300.
    assert statement.opening_balance == D("144.00")
    assert [
        (r.date.isoformat(), r.kind, r.number, r.debit, r.credit, r.balance) for r in statement.rows
    ] == [
        ("2026-03-01", "invoice", "FA-000004", D("180.00"), D("0"), D("324.00")),
        ("2026-03-20", "payment", "VIR P2", D("0"), D("144.00"), D("180.00")),
        ("2026-04-01", "invoice", "FA-000005", D("120.00"), D("0"), D("300.00")),
        ("2026-04-10", "payment", "VIR P3", D("0"), D("80.00"), D("220.00")),
        ("2026-05-05", "credit_note", "AV-000001", D("0"), D("60.00"), D("160.00")),
        ("2026-05-10", "invoice", "FA-000006", D("120.00"), D("0"), D("280.00")),
        ("2026-05-12", "credit_note", "AV-000002", D("0"), D("120.00"), D("160.00")),
        ("2026-05-20", "payment", "VIR P4", D("0"), D("200.00"), D("-40.00")),
    ]
    assert statement.rows[0].due_date == day("2026-03-31")
    assert statement.rows[1].label == "Paiement (Virement)"
    assert statement.total_debit == D("420.00")
    assert statement.total_credit == D("604.00")
    assert statement.closing_balance == D("-40.00")
    ageing = {bucket.key: (bucket.amount, bucket.count) for bucket in statement.ageing}
    # On 31 May: inv4 owes 60 (30 days late), inv3 owes 100 (61 days late).
    assert ageing["1_30"] == (D("60.00"), 1)
    assert ageing["61_90"] == (D("100.00"), 1)
    assert ageing["not_due"] == (D("0"), 0)


def test_the_ageing_counts_what_was_owed_at_the_end(
    organization: Organization, sales: Sales
) -> None:
    statement = build_statement(organization, sales.client, day("2026-01-01"), day("2026-03-15"))
    ageing = {bucket.key: (bucket.amount, bucket.count) for bucket in statement.ageing}
    # inv2 was paid on 20 March: on 15 March it owed its 144, 12 days late; inv3 not yet due.
    assert ageing["1_30"] == (D("144.00"), 1)
    assert ageing["not_due"] == (D("180.00"), 1)
    assert statement.opening_balance == D("0.00")
    assert statement.closing_balance == D("324.00")  # 300 + 144 + 180 - 300


def test_an_empty_client_has_an_empty_statement(organization: Organization, owner: User) -> None:
    client = clients.create_client(organization, owner, {"kind": "company", "name": "Nouveau"})
    statement = build_statement(organization, client, day("2026-01-01"), day("2026-12-31"))
    assert statement.rows == []
    assert statement.opening_balance == statement.closing_balance == D("0")
    assert len(statement.ageing) == 5


def test_the_csv_reads_back(organization: Organization, sales: Sales) -> None:
    statement = build_statement(organization, sales.client, day("2026-03-01"), day("2026-05-31"))
    content = statement_csv(statement)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Pièce", "Numéro", "Échéance", "Débit", "Crédit", "Solde"]
    assert rows[1] == ["01/03/2026", "Solde d'ouverture", "", "", "", "", "144,00"]
    assert rows[2] == ["01/03/2026", "Facture", "FA-000004", "31/03/2026", "180,00", "", "324,00"]
    assert rows[3] == ["20/03/2026", "Paiement (Virement)", "VIR P2", "", "", "144,00", "180,00"]
    assert rows[-1] == ["31/05/2026", "Solde de clôture", "", "", "420,00", "604,00", "-40,00"]
    assert len(rows) == 2 + len(statement.rows) + 1


def test_the_csv_neutralizes_formulas(organization: Organization, owner: User) -> None:
    from carnet.sales import services

    client = clients.create_client(organization, owner, {"kind": "company", "name": "Formules"})
    services.create_payment(
        organization,
        owner,
        {
            "client": client.pk,
            "date": "2026-02-01",
            "amount": "10",
            "method": "cheque",
            "reference": '=HYPERLINK("x")',
        },
    )
    statement = build_statement(organization, client, day("2026-01-01"), day("2026-12-31"))
    rows = list(
        csv.reader(io.StringIO(statement_csv(statement).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[2][2].startswith("'=")


def test_the_pdf_lists_the_rows_and_the_balances(organization: Organization, sales: Sales) -> None:
    statement = build_statement(organization, sales.client, day("2026-03-01"), day("2026-05-31"))
    content = statement_pdf(statement, organization)
    assert content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Relevé de compte" in text
    assert "Boulangerie Martin" in text
    assert "du 01/03/2026 au 31/05/2026" in text
    assert "FA-000004" in text and "AV-000002" in text and "VIR P4" in text
    assert "Solde d'ouverture" in text and "144,00" in text
    assert "-40,00" in text
    assert "61 à 90 jours" in text
    assert "Dupont & Associés" in text


def test_a_long_statement_breaks_into_pages(organization: Organization, owner: User) -> None:
    from carnet.sales import services

    client = clients.create_client(organization, owner, {"kind": "company", "name": "Régulier"})
    for index in range(150):
        services.create_payment(
            organization,
            owner,
            {
                "client": client.pk,
                "date": "2026-02-01",
                "amount": "1",
                "method": "cash",
                "reference": f"R{index:03d}",
            },
        )
    statement = build_statement(organization, client, day("2026-01-01"), day("2026-12-31"))
    reader = PdfReader(io.BytesIO(statement_pdf(statement, organization)))
    assert len(reader.pages) >= 3
    last = reader.pages[-1].extract_text()
    assert "R149" in "\n".join(page.extract_text() for page in reader.pages)
    assert "-150,00" in last
    assert "Page 1" in reader.pages[0].extract_text()
