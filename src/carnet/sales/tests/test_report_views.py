"""The sales figures on the client record page, and the statement and document downloads."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client as HttpClient
from django.urls import reverse

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.sales import services
from carnet.sales.report_views import parse_period, revenue_chart, statistics_context

from .test_statistics import TODAY, Sales, build_sales, day, issued, line


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "today", lambda: TODAY)


@pytest.fixture
def sales(organization: Organization, owner: User) -> Sales:
    return build_sales(organization, owner)


@pytest.fixture
def web(client: HttpClient, member: User) -> HttpClient:
    client.force_login(member)
    return client


def page(web: HttpClient, sales: Sales, **params: str) -> str:
    response = web.get(reverse("clients:detail", args=[sales.client.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str) -> str:
    start = html.index('id="client-statistics"')
    return unescape(html[start : html.index("</section>", start)])


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</div>', html, re.S)
    assert match, name
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_record_page_shows_the_years_figures(web: HttpClient, sales: Sales) -> None:
    html = section(page(web, sales))
    assert "Statistiques de ventes" in html
    assert "Du 01/01/2026 au 31/12/2026" in html
    assert "970,00\u00a0€" in figure(html, "revenue")
    assert "724,00\u00a0€" in figure(html, "payments")
    assert "640,00\u00a0€ (3 factures à payer)" in figure(html, "outstanding")
    assert "160,00\u00a0€ (2 factures)" in figure(html, "overdue")
    assert figure(html, "delay") == "Délai moyen de paiement 36,5 jours"
    assert figure(html, "on-time") == "Factures réglées à l'échéance 50 %"
    assert "1 en attente, 1 expiré" in figure(html, "quotes")
    assert figure(html, "conversion").endswith("25 %")
    assert "265,00\u00a0€ (51 %)" in figure(html, "margin")
    assert "200,00\u00a0€" in figure(html, "credit")
    ageing = re.search(r'data-ageing="61_90">(.*?)</tr>', html, re.S)
    assert ageing and "100,00" in ageing.group(1)
    assert "Pain de campagne" in html and "PAIN" in html
    assert "Relevé de compte" in html
    assert reverse("sales_reports:statement", args=[sales.client.pk, "pdf"]) in html
    assert reverse("sales_reports:statement", args=[sales.client.pk, "csv"]) in html


def test_the_chart_is_an_accessible_svg(web: HttpClient, sales: Sales) -> None:
    html = section(page(web, sales))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert "aria-label=\"Chiffre d'affaires HT par mois, de janvier 2026 à décembre 2026" in svg
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert len(titles) == 13  # the chart's, then one per month
    assert "janvier 2026 : 250,00 €" in titles
    assert "mai 2026 : -50,00 €" in titles
    assert svg.count('data-negative="true"') == 1
    # Coordinates keep decimal points whatever the language.
    assert not re.search(r'(?:x|y|width|height)="\d+,\d', svg)


def test_negative_months_go_below_the_axis() -> None:
    monthly = [(datetime.date(2026, month, 1), Decimal(0)) for month in range(1, 13)]
    monthly[2] = (monthly[2][0], Decimal("300"))
    monthly[4] = (monthly[4][0], Decimal("-100"))
    chart = revenue_chart(monthly)
    axis = float(chart.axis_y)
    up, down = chart.bars[2], chart.bars[4]
    assert float(up.y) + float(up.height) == pytest.approx(axis)
    assert float(down.y) == pytest.approx(axis)
    assert float(up.height) == pytest.approx(3 * float(down.height), rel=0.01)
    assert float(chart.bars[0].height) == 0


def test_a_period_is_chosen_with_from_and_to(web: HttpClient, sales: Sales) -> None:
    html = section(page(web, sales, **{"from": "2026-03-01", "to": "2026-03-31"}))
    assert "Du 01/03/2026 au 31/03/2026" in html
    assert "150,00\u00a0€" in figure(html, "revenue")
    assert 'value="2026-03-01"' in html and 'value="2026-03-31"' in html
    assert "statistics-period-error" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "01/03/2026"}, "n'est pas valide"),
        ({"to": "2026-02-30"}, "n'est pas valide"),
        ({"from": "0001-01-01"}, "n'est pas valide"),
        ({"to": "9999-12-31"}, "n'est pas valide"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "date de début est après la date de fin"),
    ],
)
def test_bad_dates_fall_back_to_the_fiscal_year(
    web: HttpClient, sales: Sales, params: dict[str, str], message: str
) -> None:
    html = section(page(web, sales, **params))
    assert message in html
    assert "Du 01/01/2026 au 31/12/2026" in html
    assert "970,00\u00a0€" in figure(html, "revenue")


def test_parse_period_takes_a_missing_bound_from_the_fiscal_year(
    organization: Organization,
) -> None:
    period = parse_period(organization, QueryDict("from=2025-07-01"), TODAY)
    assert (period.start, period.end, period.error) == (day("2025-07-01"), day("2026-12-31"), "")


def test_the_section_takes_six_queries_whatever_the_records(
    organization: Organization, sales: Sales, django_assert_max_num_queries: Any
) -> None:
    # The settings (for the fiscal year), then the five queries of client_statistics.
    with django_assert_max_num_queries(6):
        statistics_context(organization, sales.client, QueryDict(""))


def test_an_empty_client_shows_dashes(
    web: HttpClient, organization: Organization, owner: User
) -> None:
    client = clients.create_client(organization, owner, {"kind": "company", "name": "Nouveau"})
    response = web.get(reverse("clients:detail", args=[client.pk]))
    html = section(response.content.decode())
    assert figure(html, "delay").endswith("—")
    assert "Aucune vente sur la période." in html


def test_download_the_statement_as_pdf(web: HttpClient, sales: Sales) -> None:
    url = reverse("sales_reports:statement", args=[sales.client.pk, "pdf"])
    response = web.get(url, {"from": "2026-03-01", "to": "2026-05-31"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="releve-boul-01-2026-03-01-2026-05-31.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_download_the_statement_as_csv(web: HttpClient, sales: Sales) -> None:
    url = reverse("sales_reports:statement", args=[sales.client.pk, "csv"])
    response = web.get(url, {"from": "2026-03-01", "to": "2026-05-31"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('-2026-03-01-2026-05-31.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][-1] == "144,00"
    assert rows[-1][-1] == "-40,00"


def test_a_statement_with_bad_dates_covers_the_fiscal_year(web: HttpClient, sales: Sales) -> None:
    url = reverse("sales_reports:statement", args=[sales.client.pk, "csv"])
    response = web.get(url, {"from": "n'importe quoi", "to": "2026-13-01"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-2026-01-01-2026-12-31.csv"')


def test_download_a_document(
    web: HttpClient, organization: Organization, owner: User, sales: Sales
) -> None:
    invoice = sales.documents["inv1"]
    response = web.get(reverse("sales_reports:document-pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    draft = sales.documents["q5"]
    response = web.get(reverse("sales_reports:document-pdf", args=[draft.pk]))
    assert (
        response["Content-Disposition"] == f'attachment; filename="devis-brouillon-{draft.pk}.pdf"'
    )
    assert response.content.startswith(b"%PDF")


def test_another_organizations_ids_are_404(
    client: HttpClient,
    organization: Organization,
    owner: User,
    outsider: User,
    other_organization: Organization,
) -> None:
    ours = clients.create_client(organization, owner, {"kind": "company", "name": "Nôtre"})
    invoice = issued(
        organization, owner, "invoice", ours, date="2026-02-01", lines=[line("Pain", "1", "5")]
    )
    client.force_login(outsider)
    for fmt in ("pdf", "csv"):
        assert (
            client.get(reverse("sales_reports:statement", args=[ours.pk, fmt])).status_code == 404
        )
    assert client.get(reverse("sales_reports:document-pdf", args=[invoice.pk])).status_code == 404


def test_anonymous_visitors_go_to_the_login_page(client: HttpClient, sales: Sales) -> None:
    response = client.get(reverse("sales_reports:statement", args=[sales.client.pk, "pdf"]))
    assert response.status_code == 302
    assert "login" in response["Location"]
    response = client.get(reverse("sales_reports:document-pdf", args=[sales.documents["inv1"].pk]))
    assert response.status_code == 302


def test_downloads_refuse_post(web: HttpClient, sales: Sales) -> None:
    url = reverse("sales_reports:statement", args=[sales.client.pk, "pdf"])
    assert web.post(url).status_code == 405


def test_the_section_renders_in_english_too(web: HttpClient, sales: Sales) -> None:
    web.cookies["django_language"] = "en"
    html = section(page(web, sales))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert not re.search(r'(?:x|y|width|height)="\d+,\d', svg)
    assert "970.00" in figure(html, "revenue")
    response = web.get(
        reverse("sales_reports:statement", args=[sales.client.pk, "pdf"]), {"from": "2026-01-01"}
    )
    assert response.status_code == 200
