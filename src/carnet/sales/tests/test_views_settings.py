"""The sales settings page: the organization's legal identity printed on documents, the
late-payment penalty rate, the quotes' validity and the fiscal year; admins change them,
other members read them, each organization has its own."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from carnet.accounts.models import Role, User
from carnet.accounts.services import add_member
from carnet.conftest import PASSWORD
from carnet.sales import services
from carnet.sales.models import SalesSettings

URL = "/settings/sales/"


def text(response: Any) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def found(pattern: str, html: str) -> str:
    """The part of the page ``pattern`` matches (the test fails when there is none)."""
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match.group(0)


def field_block(response: Any, name: str) -> str:
    html = unescape(response.content.decode())
    return found(rf'data-field="{name}".*?</div>', html)


@pytest.fixture
def web(client: HttpClient, owner: User) -> HttpClient:
    client.force_login(owner)
    return client


def values(**extra: str) -> dict[str, str]:
    return {
        "legal_name": "Dupont & Associés SARL",
        "legal_form": "SARL",
        "address": "12 rue de la Paix\n75002 Paris",
        "siret": "732 829 320 00074",
        "vat_number": "FR44732829320",
        "rcs": "RCS Paris 732 829 320",
        "share_capital": "10 000",
        "late_penalty_rate": "12,5",
        "quote_validity_days": "45",
        "fiscal_year_start_month": "7",
        **extra,
    }


def test_the_url_is_the_settings_page() -> None:
    assert reverse("sales:settings") == URL


def test_an_owner_sets_what_documents_print(web, organization) -> None:
    page = web.get(URL)
    assert page.status_code == 200
    assert 'href="/settings/sales/" aria-current="page"' in page.content.decode()  # its tab
    assert '<option value="1" selected>Janvier</option>' in page.content.decode()
    response = web.post(URL, values(), follow=True)
    assert "Paramètres des ventes enregistrés." in text(response)
    saved = SalesSettings.objects.get(organization=organization)
    assert saved.legal_name == "Dupont & Associés SARL"
    assert saved.siret == "73282932000074"
    assert saved.share_capital == Decimal("10000")
    assert saved.late_penalty_rate == Decimal("12.5")
    assert saved.quote_validity_days == 45
    assert saved.fiscal_year_start_month == 7
    page = web.get(URL).content.decode()
    assert 'value="12,5"' in page and '<option value="7" selected>Juillet</option>' in page


def test_bad_values_are_shown_next_to_their_field_and_nothing_is_saved(web, organization) -> None:
    response = web.post(URL, values(siret="732 829 320 00075", quote_validity_days="0"))
    assert response.status_code == 422
    assert "n'est pas valide" in field_block(response, "siret")
    assert "Un nombre de jours de 1 à 365." in field_block(response, "quote_validity_days")
    assert "Les paramètres n'ont pas été enregistrés" in text(response)
    assert 'value="732 829 320 00075"' in response.content.decode()  # kept as typed
    assert not SalesSettings.objects.filter(organization=organization).exists()


def test_a_member_reads_the_settings_but_cannot_change_them(
    client, organization, owner, member
) -> None:
    services.update_sales_settings(organization, owner, {"legal_name": "Dupont SARL"})
    client.force_login(member)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Dupont SARL" in text(page)
    assert "Seuls les administrateurs" in text(page)
    assert 'name="legal_name"' not in page.content.decode()
    assert client.post(URL, values(legal_name="Pirate")).status_code == 403
    assert services.sales_settings_for(organization).legal_name == "Dupont SARL"


def test_a_viewer_cannot_change_them_either(client, organization) -> None:
    viewer = add_member(
        organization, email="viewer@dupont.fr", password=PASSWORD, role=Role.VIEWER
    ).user
    client.force_login(viewer)
    assert client.get(URL).status_code == 200
    assert client.post(URL, values()).status_code == 403
    assert not SalesSettings.objects.exists()


def test_each_organization_has_its_own(
    client, organization, owner, other_organization, outsider
) -> None:
    services.update_sales_settings(organization, owner, {"legal_name": "Dupont SARL"})
    client.force_login(outsider)
    assert "Dupont SARL" not in text(client.get(URL))
    client.post(URL, values(legal_name="Martin SARL"))
    assert services.sales_settings_for(organization).legal_name == "Dupont SARL"
    assert services.sales_settings_for(other_organization).legal_name == "Martin SARL"


def test_the_navigation_leads_to_sales_pages(web) -> None:
    html = web.get(URL).content.decode()
    assert f'href="{reverse("sales:document-list")}"' in html
    assert f'href="{reverse("sales:payment-list")}"' in html
    page = web.get(reverse("sales:payment-list")).content.decode()
    assert f'href="{reverse("sales:payment-list")}" aria-current="page"' in page
