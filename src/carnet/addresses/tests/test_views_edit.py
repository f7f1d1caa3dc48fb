"""Adding, editing, making default and deleting addresses from the client record page."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.addresses import services
from carnet.addresses.models import Address
from carnet.clients import services as client_services
from carnet.core.history import history_for
from carnet.core.models import ChangeRecord

HEAD_OFFICE = {
    "label": "Siège",
    "line1": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "is_billing": True,
}
WAREHOUSE = {
    "label": "Entrepôt",
    "line1": "4 rue Denis-Papin",
    "postcode": "69800",
    "city": "Saint-Priest",
    "is_delivery": True,
}


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def company(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Menuiserie Girard"})


@pytest.fixture
def head(organization, owner, company):
    return services.create_address(organization, owner, company.pk, HEAD_OFFICE)


@pytest.fixture
def warehouse(organization, owner, company):
    return services.create_address(organization, owner, company.pk, WAREHOUSE)


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def form_data(**fields: str) -> dict[str, str]:
    data = {
        "label": "",
        "line1": "",
        "line2": "",
        "line3": "",
        "postcode": "",
        "city": "",
        "region": "",
        "country": "FR",
    }
    data.update(fields)
    return data


def record(company) -> str:
    return f"/clients/{company.pk}/"


def base(company) -> str:
    return f"/clients/{company.pk}/addresses"


# --- The record page ----------------------------------------------------------------------
def test_the_record_page_offers_to_add_and_a_menu_per_address(web, company, head, warehouse):
    page = web.get(record(company)).content.decode()
    assert f'href="{base(company)}/new/"' in page
    assert "Ajouter une adresse" in page
    assert page.count('class="row-menu"') == 2
    assert f'action="{base(company)}/{warehouse.pk}/billing/"' in page
    assert f'action="{base(company)}/{head.pk}/delivery/"' in page
    # The billing address is not offered to become what it already is.
    assert f'action="{base(company)}/{head.pk}/billing/"' not in page
    assert f'href="{base(company)}/{head.pk}/edit/"' in page
    assert f'href="{base(company)}/{head.pk}/delete/"' in page
    assert "Définir comme adresse de livraison" in page
    assert "Définir comme adresse de facturation" in page


# --- Add ----------------------------------------------------------------------------------
def test_it_adds_an_address_and_returns_to_the_record(web, company):
    page = web.get(f"{base(company)}/new/")
    assert page.status_code == 200
    assert 'name="line1"' in page.content.decode()
    response = web.post(
        f"{base(company)}/new/",
        form_data(label="Siège", line1="12 rue de la Paix", postcode="75 002", city="Paris")
        | {"is_billing": "on"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{record(company)}#client-addresses"
    assert "Adresse ajoutée." in text(response)
    address = Address.objects.get(client=company)
    assert (address.postcode, address.is_billing, address.is_delivery) == ("75002", True, False)
    entry = history_for(company.organization_id, "client", company.pk).first()
    assert (entry.action, entry.source) == ("address_add", "web")


def test_a_new_address_uses_the_client_country_by_default(web, organization, owner):
    berlin = client_services.create_client(organization, owner, {"name": "Berlin", "country": "DE"})
    page = web.get(f"/clients/{berlin.pk}/addresses/new/").content.decode()
    assert re.search(r'<option value="DE" selected>', page)


def test_bad_input_is_shown_under_each_field_in_french_and_kept(web, company):
    response = web.post(
        f"{base(company)}/new/", form_data(label="Dépôt", line1="", postcode="7500", city="")
    )
    assert response.status_code == 422
    page = text(response)
    assert "L'adresse n'a pas été enregistrée : corrigez les champs signalés." in page
    assert "Saisissez au moins la première ligne de l'adresse." in page
    assert "La ville est obligatoire." in page
    assert "Le code postal doit compter 5 chiffres" in page
    assert 'value="Dépôt"' in unescape(response.content.decode())
    assert not Address.objects.exists()


# --- Edit ---------------------------------------------------------------------------------
def test_it_edits_an_address(web, company, head):
    page = web.get(f"{base(company)}/{head.pk}/edit/").content.decode()
    assert 'value="12 rue de la Paix"' in page
    response = web.post(
        f"{base(company)}/{head.pk}/edit/",
        form_data(label="Siège social", line1="14 rue de la Paix", postcode="75002", city="Paris")
        | {"is_billing": "on"},
    )
    assert response.status_code == 302
    head.refresh_from_db()
    assert (head.label, head.line1, head.is_billing) == ("Siège social", "14 rue de la Paix", True)


def test_editing_with_bad_values_shows_french_errors_and_changes_nothing(web, company, head):
    response = web.post(
        f"{base(company)}/{head.pk}/edit/",
        form_data(line1="12 rue de la Paix", postcode="ABCDE", city="Paris", country="FR"),
    )
    assert response.status_code == 422
    assert "Le code postal doit compter 5 chiffres" in text(response)
    head.refresh_from_db()
    assert head.postcode == "75002" and head.is_billing


def test_an_unknown_country_is_reported_on_the_country_field(web, company, head):
    response = web.post(
        f"{base(company)}/{head.pk}/edit/",
        form_data(line1="12 rue de la Paix", postcode="75002", city="Paris", country="ZZ"),
    )
    assert response.status_code == 422
    assert re.search(r'data-field="country".*?field-error', response.content.decode(), re.S)


# --- Default addresses --------------------------------------------------------------------
def test_set_billing_moves_the_flag_from_the_other_address(web, company, head, warehouse):
    response = web.post(f"{base(company)}/{warehouse.pk}/billing/", follow=True)
    assert "Adresse de facturation par défaut définie." in text(response)
    head.refresh_from_db()
    warehouse.refresh_from_db()
    assert (head.is_billing, warehouse.is_billing) == (False, True)
    assert warehouse.is_delivery  # the other flag is untouched
    entry = history_for(company.organization_id, "client", company.pk).first()
    assert entry.changes["billing_address"]["old"].startswith("Siège")


def test_set_delivery_moves_the_flag_from_the_other_address(web, company, head, warehouse):
    web.post(f"{base(company)}/{head.pk}/delivery/")
    head.refresh_from_db()
    warehouse.refresh_from_db()
    assert (head.is_delivery, warehouse.is_delivery) == (True, False)
    assert head.is_billing


def test_the_flag_actions_refuse_get(web, company, head):
    assert web.get(f"{base(company)}/{head.pk}/billing/").status_code == 405


# --- Delete -------------------------------------------------------------------------------
def test_delete_asks_for_confirmation_then_deletes(web, company, head, warehouse):
    page = web.get(f"{base(company)}/{head.pk}/delete/")
    assert page.status_code == 200
    assert "Siège : 12 rue de la Paix, 75002 Paris" in text(page)
    assert "C'est l'adresse de facturation par défaut : le client n'en aura plus." in text(page)
    assert Address.objects.filter(pk=head.pk).exists()
    response = web.post(f"{base(company)}/{head.pk}/delete/", follow=True)
    assert "Adresse supprimée." in text(response)
    assert list(Address.objects.filter(client=company)) == [warehouse]


def test_a_post_without_the_csrf_token_is_refused(client, owner, company, head):
    client.handler.enforce_csrf_checks = True
    client.force_login(owner)
    assert client.post(f"{base(company)}/{head.pk}/delete/").status_code == 403
    assert Address.objects.filter(pk=head.pk).exists()


def test_addresses_of_a_client_in_the_trash_cannot_change(web, organization, owner, company, head):
    client_services.delete_client(organization, owner, company.pk)
    page = web.get(record(company)).content.decode()
    assert "Ajouter une adresse" not in page and 'class="row-menu"' not in page
    response = web.post(f"{base(company)}/{head.pk}/delete/", follow=True)
    assert "restaurez-le pour modifier ses adresses" in text(response)
    response = web.post(f"{base(company)}/new/", form_data(line1="1 rue", city="Lyon"))
    assert response.status_code == 302
    assert list(Address.objects.all()) == [head]


# --- Access -------------------------------------------------------------------------------
def test_another_organizations_ids_are_not_found(
    web, organization, owner, company, head, other_organization, outsider
):
    theirs = client_services.create_client(other_organization, outsider, {"name": "Ailleurs"})
    their_address = services.create_address(other_organization, outsider, theirs.pk, HEAD_OFFICE)
    sibling = client_services.create_client(organization, owner, {"name": "Autre client"})
    changes = ChangeRecord.objects.count()
    urls = [
        f"/clients/{theirs.pk}/addresses/new/",
        f"/clients/{theirs.pk}/addresses/{their_address.pk}/edit/",
        f"/clients/{company.pk}/addresses/{their_address.pk}/edit/",
        f"/clients/{sibling.pk}/addresses/{head.pk}/edit/",
        f"/clients/{company.pk}/addresses/{their_address.pk}/billing/",
        f"/clients/{company.pk}/addresses/{their_address.pk}/delivery/",
        f"/clients/{company.pk}/addresses/{their_address.pk}/delete/",
        f"/clients/{company.pk}/addresses/{2**70}/delete/",
    ]
    for url in urls:
        assert web.post(url, form_data(line1="Pris", city="Paris")).status_code == 404, url
    for url in urls[:4]:
        assert web.get(url).status_code == 404, url
    their_address.refresh_from_db()
    assert their_address.line1 == "12 rue de la Paix"
    assert ChangeRecord.objects.count() == changes


def test_a_viewer_sees_no_actions_and_gets_403(client, organization, company, head):
    viewer = add_member(organization, email="lecteur@dupont.fr", password="x", role=Role.VIEWER)
    client.force_login(viewer.user)
    page = client.get(record(company)).content.decode()
    assert "12 rue de la Paix" in page
    assert "Ajouter une adresse" not in page and 'class="row-menu"' not in page
    assert client.get(f"{base(company)}/new/").status_code == 403
    new = form_data(line1="1 rue", city="Lyon")
    assert client.post(f"{base(company)}/new/", new).status_code == 403
    assert client.post(f"{base(company)}/{head.pk}/edit/", form_data()).status_code == 403
    assert client.post(f"{base(company)}/{head.pk}/delivery/").status_code == 403
    assert client.post(f"{base(company)}/{head.pk}/delete/").status_code == 403
    assert list(Address.objects.all()) == [head]


def test_anonymous_visitors_are_sent_to_the_login_page(client, company, head):
    response = client.post(f"{base(company)}/{head.pk}/delete/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert Address.objects.filter(pk=head.pk).exists()
