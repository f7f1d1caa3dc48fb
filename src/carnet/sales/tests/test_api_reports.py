"""A client's statistics and account statement through the API: periods, formats, bad
dates, other organizations."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.conftest import ApiClient
from carnet.sales import services

from .test_statistics import TODAY, Sales, build_sales


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "today", lambda: TODAY)


@pytest.fixture
def sales(organization: Organization, owner: User) -> Sales:
    return build_sales(organization, owner)


def errors(response: Any) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_statistics_of_the_fiscal_year_by_default(api: ApiClient, sales: Sales) -> None:
    response = api.get(f"/clients/{sales.client.pk}/statistics")
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-12-31")
    assert body["revenue_excl_vat"] == "970.00"
    assert body["outstanding"] == "640.00"
    assert body["overdue_amount"] == "160.00"
    assert body["overdue_count"] == 2
    assert body["payments_received"] == "724.00"


def test_statistics_of_a_chosen_period(api: ApiClient, sales: Sales) -> None:
    body = api.get(
        f"/clients/{sales.client.pk}/statistics", **{"from": "2026-01-01", "to": "2026-01-31"}
    ).json()
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-01-31")
    assert body["revenue_excl_vat"] == "250.00"  # inv1 alone
    assert body["payments_received"] == "0.00"


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"from": "01/03/2026"}, "from", "invalid_date"),
        ({"to": "2026-02-30"}, "to", "invalid_date"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to", "before_from"),
    ],
)
@pytest.mark.parametrize("report", ["statistics", "statement"])
def test_bad_periods_are_refused_in_french(
    api: ApiClient, sales: Sales, report: str, params: dict[str, str], field: str, code: str
) -> None:
    response = api.get(f"/clients/{sales.client.pk}/{report}", **params)
    assert response.status_code == 422
    assert errors(response) == {field: code}
    assert response.json()["errors"][0]["message"].endswith(".")


def test_the_statement_as_csv_and_pdf(api: ApiClient, sales: Sales) -> None:
    url = f"/clients/{sales.client.pk}/statement"
    period = {"from": "2026-01-01", "to": "2026-06-30"}
    as_csv = api.get(url, format="csv", **period)
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    assert "releve-BOUL-01-2026-01-01-2026-06-30.csv" in as_csv["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    text = "\n".join(";".join(row) for row in rows)
    assert sales.documents["inv1"].number in text and "VIR P1" in text
    assert sales.documents["inv0"].number not in text  # before the period: in the opening
    as_pdf = api.get(url, **period)
    assert as_pdf.status_code == 200
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    assert api.get(url, format="xlsx").status_code == 422


def test_another_organizations_client_has_no_reports(
    api: ApiClient, outsider_api: ApiClient, sales: Sales, other_organization: Organization
) -> None:
    for report in ("statistics", "statement"):
        assert outsider_api.get(f"/clients/{sales.client.pk}/{report}").status_code == 404
    theirs = clients.create_client(other_organization, None, {"name": "Ailleurs"})
    assert api.get(f"/clients/{theirs.pk}/statistics").status_code == 404
    assert api.get(f"/clients/{theirs.pk}/statement", format="csv").status_code == 404
