"""The Addresses section of the client record page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carnet.addresses import services
from carnet.clients import services as client_services


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def company(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Menuiserie Girard"})


def section(response) -> str:
    """The Addresses section's HTML."""
    match = re.search(
        r'<section[^>]*id="client-addresses".*?</section>', response.content.decode(), re.S
    )
    assert match
    return unescape(match.group(0))


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_record_page_lists_the_addresses_with_badges_and_map_links(
    web, organization, owner, company
):
    services.create_address(
        organization,
        owner,
        company.pk,
        {
            "label": "Entrepôt",
            "line1": "4 rue Denis-Papin",
            "line2": "ZI des Bruyères",
            "postcode": "69800",
            "city": "Saint-Priest",
            "is_delivery": True,
        },
    )
    services.create_address(
        organization,
        owner,
        company.pk,
        {
            "label": "Siège",
            "line1": "12 rue de la Paix",
            "postcode": "75002",
            "city": "Paris",
            "is_billing": True,
        },
    )
    services.create_address(
        organization,
        owner,
        company.pk,
        {"line1": "Keizersgracht 123", "postcode": "1015cj", "city": "Amsterdam", "country": "NL"},
    )

    html = section(web.get(f"/clients/{company.pk}/"))

    assert ">Adresses</h2>" in html
    text = visible(html)
    # Billing first, then delivery, then the others.
    assert text.index("Siège") < text.index("Entrepôt") < text.index("Keizersgracht")
    assert "Siège Facturation 12 rue de la Paix 75002 Paris France" in text
    assert "Entrepôt Livraison 4 rue Denis-Papin ZI des Bruyères 69800 Saint-Priest France" in text
    assert "Keizersgracht 123 1015 CJ Amsterdam Pays-Bas" in text
    assert html.count('data-badge="billing"') == 1 and html.count('data-badge="delivery"') == 1
    links = re.findall(
        r'<a class="address-map" href="([^"]+)" target="_blank" rel="noopener[^"]*">'
        r"Voir sur la carte</a>",
        html,
    )
    assert links == [
        "https://www.openstreetmap.org/search?query=12+rue+de+la+Paix%2C+75002+Paris%2C+France",
        "https://www.openstreetmap.org/search?query=4+rue+Denis-Papin%2C+ZI+des+Bruy%C3%A8res%2C+69800+Saint-Priest%2C+France",
        "https://www.openstreetmap.org/search?query=Keizersgracht+123%2C+1015+CJ+Amsterdam%2C+Netherlands",
    ]


def test_a_client_without_addresses_says_so(web, company):
    assert "Aucune adresse." in section(web.get(f"/clients/{company.pk}/"))


def test_addresses_are_escaped(web, organization, owner, company):
    services.create_address(
        organization,
        owner,
        company.pk,
        {
            "label": "<script>alert(1)</script>",
            "line1": "1 rue <b>Haute</b>",
            "postcode": "69002",
            "city": "Lyon",
        },
    )

    page = web.get(f"/clients/{company.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in page and "<b>Haute</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_history_names_address_changes_in_french(web, organization, owner, company):
    address = services.create_address(
        organization,
        owner,
        company.pk,
        {
            "label": "Siège",
            "line1": "12 rue de la Paix",
            "postcode": "75002",
            "city": "Paris",
            "is_billing": True,
        },
    )
    services.update_address(organization, owner, company.pk, address.pk, {"city": "Paris 2e"})

    page = unescape(web.get(f"/clients/{company.pk}/").content.decode())
    history = page[page.index('id="client-history"') :]

    actions = re.findall(r'class="event-action">([^<]+)<', history)
    assert actions == ["Modification d'une adresse", "Ajout d'une adresse", "Création"]
    assert "Adresse de facturation" in history
    assert "Siège : 12 rue de la Paix, 75002 Paris 2e" in history


def test_the_query_count_does_not_grow_with_the_addresses(web, organization, owner, company):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert web.get(f"/clients/{company.pk}/").status_code == 200
        return len(queries)

    services.create_address(
        organization,
        owner,
        company.pk,
        {"line1": "1 rue Haute", "postcode": "69002", "city": "Lyon", "is_billing": True},
    )
    with_one = count()
    for number in range(2, 12):
        services.create_address(
            organization,
            owner,
            company.pk,
            {"line1": f"{number} rue Haute", "postcode": "69002", "city": "Lyon"},
        )
    assert count() == with_one


def test_another_organization_never_sees_the_addresses(
    client, organization, owner, company, outsider
):
    services.create_address(
        organization,
        owner,
        company.pk,
        {"line1": "12 rue de la Paix", "postcode": "75002", "city": "Paris"},
    )
    client.force_login(outsider)

    response = client.get(f"/clients/{company.pk}/")

    assert response.status_code == 404
    assert "rue de la Paix" not in response.content.decode()
