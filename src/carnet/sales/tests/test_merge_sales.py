"""A merge moves documents and payments to the survivor, with their revenue; undo puts
them back."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.duplicates.merging import merge_clients, preview_merge, undo_merge
from carnet.sales import services
from carnet.sales.models import Document, Payment
from carnet.sales.statistics import client_statistics


def invoiced(organization: Organization, owner: User, name: str, price: str) -> Client:
    client = clients.create_client(organization, owner, {"kind": "company", "name": name})
    draft = services.create_document(
        organization,
        owner,
        {
            "type": "invoice",
            "client": client.pk,
            "date": "2026-06-01",
            "lines": [{"description": "Prestation", "unit_price": price}],
        },
    )
    invoice = services.issue_document(organization, owner, draft.pk)
    services.create_payment(
        organization,
        owner,
        {
            "client": client.pk,
            "date": "2026-06-10",
            "amount": "10",
            "method": "cash",
            "allocations": [{"document": invoice.pk, "amount": "10"}],
        },
    )
    return client


def test_merge_moves_documents_payments_and_revenue(
    organization: Organization, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "today", lambda: datetime.date(2026, 12, 7))
    first = invoiced(organization, owner, "Menuiserie Blanc", "100")
    second = invoiced(organization, owner, "Menuiserie Blanc SARL", "250")
    moves = preview_merge(organization, first.pk, [second.pk]).moves
    assert moves == {"document de vente": 1, "paiement": 1}  # not the figures they give
    merge = merge_clients(organization, owner, first.pk, [second.pk])
    assert Document.objects.filter(client=first).count() == 2
    assert Payment.objects.filter(client=first).count() == 2
    first.refresh_from_db()
    assert first.revenue == Decimal("350.00")
    assert products_sold(organization, first) == [("Prestation", Decimal("350.00"))]
    undo_merge(organization, owner, merge.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert Document.objects.filter(client=second).count() == 1
    assert Payment.objects.filter(client=second).count() == 1
    assert (first.revenue, second.revenue) == (Decimal("100.00"), Decimal("250.00"))
    assert products_sold(organization, first) == [("Prestation", Decimal("100.00"))]
    assert products_sold(organization, second) == [("Prestation", Decimal("250.00"))]


def products_sold(organization: Organization, client: Client) -> list[tuple[str, Decimal]]:
    """The client's best-selling products of 2026, as its statistics show them."""
    stats = client_statistics(
        organization, client, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
    )
    return [(product.label, product.amount) for product in stats.top_products]
