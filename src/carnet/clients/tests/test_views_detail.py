"""The record page: identity, badges, actions, history; another organization's id is a 404."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.clients import services


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def field(response, key: str) -> str:
    """The displayed value of the identity row marked ``data-field=key``, tags stripped."""
    match = re.search(
        rf'data-field="{key}">\s*<dt>[^<]*</dt>\s*<dd[^>]*>(.*?)</dd>',
        response.content.decode(),
        re.S,
    )
    assert match, key
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


@pytest.fixture
def company(organization, owner):
    return services.create_client(
        organization,
        owner,
        {
            "name": "Menuiserie Girard",
            "kind": "company",
            "email": "Contact@Girard.FR",
            "phone": "01 42 68 53 00",
            "siret": "73282932000074",
            "vat_number": "FR44732829320",
            "legal_form": "SARL",
            "naf_code": "1623Z",
            "share_capital": "15000",
            "website": "girard.fr",
            "linkedin_url": "linkedin.com/company/girard",
            "customer_account": "411GIRARD",
            "marketing_email": True,
            "notes": "Livraison le matin.\nPortail bleu.",
            "tags": ["Bois", "Fidèle"],
            "category": "Artisans",
        },
    )


def test_the_record_page_shows_every_group_of_fields(web, company):
    response = web.get(f"/clients/{company.pk}/")
    assert response.status_code == 200
    page = text(response)
    for heading in (
        "Identité",
        "Coordonnées",
        "Numéros légaux et TVA",
        "Réseaux sociaux",
        "Comptabilité",
        "Marketing",
        "Classement",
        "Notes",
        "Historique",
    ):
        assert f">{heading}</h2>" in page, heading
    assert field(response, "siret") == "732 829 320 00074"
    assert field(response, "siren") == "732 829 320 (déduit du SIRET)"
    assert field(response, "vat_regime") == "TVA française"
    assert field(response, "tags") == "Bois Fidèle"
    assert "Contact@girard.fr" in page  # the domain is lower-cased, not the local part
    assert 'href="tel:+33142685300"' in page
    assert "01 42 68 53 00" in page
    assert "https://girard.fr" in page
    assert "411GIRARD" in page and "Artisans" in page
    assert "Livraison le matin.<br>Portail bleu." in page
    assert "15\xa0000,00 €" in page


def test_an_eu_company_shows_the_reverse_charge_regime(web, organization, owner):
    created = services.create_client(
        organization,
        owner,
        {
            "name": "Brouwerij Peeters",
            "country": "BE",
            "vat_number": "BE0403019261",
        },
    )
    response = web.get(f"/clients/{created.pk}/")
    assert field(response, "vat_regime") == "Autoliquidation (UE)"
    assert "Belgique (BE)" in text(response)


def test_an_individual_does_not_show_empty_company_fields(web, organization, owner):
    person = services.create_client(
        organization,
        owner,
        {
            "kind": "individual",
            "civility": "mrs",
            "first_name": "Élise",
            "last_name": "Moreau",
        },
    )
    response = web.get(f"/clients/{person.pk}/")
    page = text(response)
    assert "Élise Moreau" in page and "Particulier" in page and "Mme" in page
    assert 'data-field="siret"' not in page
    assert field(response, "vat_regime") == "TVA française"


def test_the_actions_match_the_state(web, organization, owner, company):
    page = text(web.get(f"/clients/{company.pk}/"))
    assert f'action="/clients/{company.pk}/archive/"' in page
    assert f'href="/clients/{company.pk}/edit/"' in page
    assert f'href="/clients/{company.pk}/delete/"' in page
    assert 'data-badge="archived"' not in page

    services.archive_client(organization, owner, company.pk)
    page = text(web.get(f"/clients/{company.pk}/"))
    assert 'data-badge="archived"' in page
    assert f'action="/clients/{company.pk}/unarchive/"' in page

    services.delete_client(organization, owner, company.pk)
    page = text(web.get(f"/clients/{company.pk}/"))
    assert 'data-badge="deleted"' in page and "Dans la corbeille" in page
    assert f'action="/clients/{company.pk}/restore/"' in page
    assert f'href="/clients/{company.pk}/edit/"' not in page
    assert "data-inline-rename" not in page


def test_the_history_shows_who_when_and_each_change(web, organization, owner, company):
    owner.full_name = "Claire Dupont"
    owner.save()
    services.update_client(
        organization,
        owner,
        company.pk,
        {"name": "Menuiserie Girard & Fils", "marketing_email": False},
    )
    services.archive_client(organization, owner, company.pk)
    services.unarchive_client(organization, None, company.pk, source="api")
    page = text(web.get(f"/clients/{company.pk}/"))
    history = page[page.index('id="client-history"') :]
    actions = re.findall(r'class="event-action">([^<]+)<', history)
    assert actions == ["Désarchivage", "Archivage", "Modification", "Création"]
    assert "par Claire Dupont" in history
    assert "par Système (API)" in history
    assert re.search(
        r"Nom</span>\s*<span class=\"change-old\">.*?Menuiserie Girard</span>.*?"
        r"Menuiserie Girard & Fils</span>",
        history,
        re.S,
    )
    assert re.search(
        r"Accepte les e-mails commerciaux</span>\s*<span class=\"change-old\">.*?Oui</span>"
        r".*?Non</span>",
        history,
        re.S,
    )


def test_another_organizations_client_is_a_404(client, outsider, company):
    client.force_login(outsider)
    for url in (
        f"/clients/{company.pk}/",
        f"/clients/{company.pk}/edit/",
        f"/clients/{company.pk}/delete/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page introuvable" in text(response)
    for url in ("archive", "unarchive", "delete", "restore", "rename"):
        assert (
            client.post(f"/clients/{company.pk}/{url}/", {"name": "x", "version": "1"}).status_code
            == 404
        )
    assert company.name not in text(client.get("/clients/"))


def test_an_unknown_or_huge_id_is_a_404(web, db):
    assert web.get("/clients/999999/").status_code == 404
    assert web.get(f"/clients/{2**70}/").status_code == 404


def test_a_viewer_sees_the_record_without_actions_and_cannot_change_it(
    client, organization, company
):
    viewer = add_member(
        organization, email="lecteur@dupont.fr", password="x", role=Role.VIEWER
    ).user
    client.force_login(viewer)
    page = text(client.get(f"/clients/{company.pk}/"))
    assert "Menuiserie Girard" in page
    assert "/archive/" not in page and "data-inline-rename" not in page
    assert client.post(f"/clients/{company.pk}/archive/").status_code == 403
    assert client.get("/clients/new/").status_code == 403
    assert not services.get_client(organization, company.pk).archived


def test_the_record_page_query_count_does_not_grow_with_the_history(
    web, organization, owner, company, django_assert_max_num_queries
):
    for i in range(25):
        services.update_client(organization, owner, company.pk, {"sector": f"Secteur {i}"})
    # 27 = 9 + the client's files (one query for the Documents section) + the custom field
    # definitions (one query for their section and the history's labels) + the payment
    # defaults and the default account the client pays into (Payment section) + the bank
    # accounts, mandates, cards and creditor identifier (means of payment) + the sales
    # section's figures and latest documents and payments (4) + the sales statistics (6).
    with django_assert_max_num_queries(27):
        response = web.get(f"/clients/{company.pk}/")
    assert response.content.decode().count('class="event event-update"') == 25
