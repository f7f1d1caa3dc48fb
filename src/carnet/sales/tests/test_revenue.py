"""The client list's revenue: the fiscal year's issued invoices less credit notes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.conftest import ApiClient
from carnet.sales import services
from carnet.sales.models import SalesSettings


def new_client(organization: Organization, owner: User, name: str) -> Client:
    return clients.create_client(organization, owner, {"kind": "company", "name": name})


def issue(
    organization: Organization, owner: User, client: Client, kind: str, day: str, price: str
) -> None:
    draft = services.create_document(
        organization,
        owner,
        {
            "type": kind,
            "client": client.pk,
            "date": day,
            "lines": [{"description": "Prestation", "unit_price": price}],
        },
    )
    services.issue_document(organization, owner, draft.pk)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    day = datetime.date(2026, 12, 7)
    monkeypatch.setattr(services, "today", lambda: day)
    return day


def test_sort_by_revenue_follows_issued_documents(
    api: ApiClient, organization: Organization, owner: User, today: Any
) -> None:
    small = new_client(organization, owner, "Petit client")
    big = new_client(organization, owner, "Gros client")
    new_client(organization, owner, "Sans facture")
    issue(organization, owner, small, "invoice", "2026-02-01", "300")
    issue(organization, owner, big, "invoice", "2026-03-01", "1000")
    issue(organization, owner, big, "credit_note", "2026-03-02", "100")
    # A draft and last year's invoice do not count.
    services.create_document(
        organization,
        owner,
        {
            "type": "invoice",
            "client": small.pk,
            "lines": [{"description": "x", "unit_price": "5000"}],
        },
    )
    big.refresh_from_db()
    small.refresh_from_db()
    assert big.revenue == Decimal("900.00") and small.revenue == Decimal("300.00")
    names = [c["name"] for c in api.get("/clients", sort="-revenue").json()["items"]]
    assert names == ["Gros client", "Petit client", "Sans facture"]
    assert api.get(f"/clients/{big.pk}").json()["revenue"] == "900.00"


def test_a_new_fiscal_year_starts_from_zero(
    api: ApiClient,
    organization: Organization,
    owner: User,
    monkeypatch: pytest.MonkeyPatch,
    today: Any,
) -> None:
    client = new_client(organization, owner, "Client fidèle")
    issue(organization, owner, client, "invoice", "2026-11-01", "400")
    monkeypatch.setattr(services, "today", lambda: datetime.date(2027, 1, 3))
    api.get("/clients", sort="-revenue")
    client.refresh_from_db()
    assert client.revenue == Decimal("0.00")
    assert SalesSettings.objects.get(organization=organization).revenue_year_start == datetime.date(
        2027, 1, 1
    )


def test_changing_the_fiscal_year_recomputes(
    api: ApiClient, organization: Organization, owner: User, today: Any
) -> None:
    client = new_client(organization, owner, "Client")
    issue(organization, owner, client, "invoice", "2026-05-01", "400")
    issue(organization, owner, client, "invoice", "2026-08-01", "100")
    assert api.patch("/sales-settings", {"fiscal_year_start_month": 7}).status_code == 200
    client.refresh_from_db()
    assert client.revenue == Decimal("100.00")  # 1 July 2026 – 30 June 2027
