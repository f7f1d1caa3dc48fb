"""vCard 4.0 downloads of a client and of a contact, through the API and the web pages."""

from __future__ import annotations

import pytest
import vobject

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.addresses import services as address_services
from carnet.clients import services as client_services
from carnet.conftest import PASSWORD
from carnet.contacts import services
from carnet.contacts.vcards import filename_for

COMPANY = "Société Générale d'Éclairage"


@pytest.fixture
def company(organization, owner):
    client = client_services.create_client(
        organization,
        owner,
        {
            "name": COMPANY,
            "email": "contact@sge-eclairage.fr",
            "phone": "04 78 12 34 56",
            "fax": "04 78 12 34 57",
            "website": "https://www.sge-eclairage.fr",
        },
    )
    address_services.create_address(
        organization,
        owner,
        client.pk,
        {
            "label": "Siège",
            "line1": "12 rue de l'Église",
            "line2": "Bâtiment « A »; 2e étage",
            "postcode": "69002",
            "city": "Lyon",
            "is_billing": True,
        },
    )
    return client


@pytest.fixture
def helene(organization, owner, company):
    link = services.create_contact_for_client(
        organization,
        owner,
        company.pk,
        {
            "civility": "mrs",
            "first_name": "Hélène",
            "last_name": "Müller",
            "job_title": "Directrice financière",
            "email": "helene.muller@sge-eclairage.fr",
            "phone": "04 78 12 34 58",
            "mobile": "06 12 34 56 78",
        },
        roles=["main"],
    )
    return link.contact


def parse_all(response) -> list:
    return list(vobject.readComponents(response.content.decode("utf-8")))


def tels(card) -> set[str]:
    return {line.value for line in card.contents.get("tel", [])}


def assert_download(response, filename: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f'filename="{filename}"' in response["Content-Disposition"]


# --- API --------------------------------------------------------------------------------
def test_the_client_card_keeps_names_phones_and_address_intact(api, company, helene):
    response = api.get(f"/api/v1/clients/{company.pk}/vcard")
    assert_download(response, "societe-generale-declairage.vcf")
    org, person = parse_all(response)

    assert org.version.value == "4.0"
    assert org.kind.value == "org"
    assert org.fn.value == COMPANY
    assert org.org.value == [COMPANY]
    assert org.email.value == "contact@sge-eclairage.fr"
    assert tels(org) == {"tel:+33478123456", "tel:+33478123457"}
    fax = next(line for line in org.tel_list if line.value == "tel:+33478123457")
    assert "fax" in fax.params["TYPE"]
    assert org.url.value == "https://www.sge-eclairage.fr"
    adr = org.adr.value
    assert adr.street == ["12 rue de l'Église", "Bâtiment « A »; 2e étage"]
    assert (adr.code, adr.city, adr.country) == ("69002", "Lyon", "France")
    assert org.adr.params["X-CARNET-USE"] == ["billing"]
    assert "12 rue de l'Église" in org.adr.params["LABEL"][0]

    # The main contact: a second card, pointed to by RELATED.
    assert person.kind.value == "individual"
    assert org.related.value == person.uid.value
    assert org.related.params["TYPE"] == ["contact"]
    assert person.fn.value == "Hélène Müller"
    assert (person.n.value.family, person.n.value.given) == ("Müller", "Hélène")
    assert person.org.value == [COMPANY]
    assert person.email.value == "helene.muller@sge-eclairage.fr"


def test_a_client_without_main_contact_has_one_card(api, organization, owner):
    client = client_services.create_client(
        organization,
        owner,
        {"kind": "individual", "civility": "mrs", "first_name": "Zoé", "last_name": "Lefèvre"},
    )
    cards = parse_all(api.get(f"/api/v1/clients/{client.pk}/vcard"))
    assert len(cards) == 1
    assert cards[0].kind.value == "individual"
    assert (cards[0].n.value.family, cards[0].n.value.given) == ("Lefèvre", "Zoé")
    assert "org" not in cards[0].contents


def test_the_contact_card_names_its_first_client(api, company, helene):
    response = api.get(f"/api/v1/contacts/{helene.pk}/vcard")
    assert_download(response, "helene-muller.vcf")
    (card,) = parse_all(response)
    assert card.fn.value == "Hélène Müller"
    assert card.n.value.prefix == "Mme"
    assert card.title.value == "Directrice financière"
    assert card.org.value == [COMPANY]
    assert card.email.value == "helene.muller@sge-eclairage.fr"
    assert tels(card) == {"tel:+33478123458", "tel:+33612345678"}
    mobile = next(line for line in card.tel_list if line.value == "tel:+33612345678")
    assert "cell" in mobile.params["TYPE"]


def test_values_with_separators_and_newlines_survive(api, organization, owner, company):
    link = services.create_contact_for_client(
        organization,
        owner,
        company.pk,
        {"first_name": "Anne-Sophie", "last_name": "d'Arc; Dupont", "job_title": "R&D, achats"},
    )
    (card,) = parse_all(api.get(f"/api/v1/contacts/{link.contact_id}/vcard"))
    assert card.n.value.family == "d'Arc; Dupont"
    assert card.title.value == "R&D, achats"


def test_the_api_answers_404_for_another_organizations_records(outsider_api, company, helene):
    for path in (f"/api/v1/clients/{company.pk}/vcard", f"/api/v1/contacts/{helene.pk}/vcard"):
        response = outsider_api.get(path)
        assert response.status_code == 404
        assert "BEGIN:VCARD" not in response.content.decode()


def test_the_api_answers_404_for_unknown_ids(api):
    assert api.get("/api/v1/clients/999999/vcard").status_code == 404
    assert api.get("/api/v1/contacts/999999/vcard").status_code == 404


def test_the_api_requires_a_token(client, company):
    assert client.get(f"/api/v1/clients/{company.pk}/vcard").status_code == 401


# --- Web --------------------------------------------------------------------------------
def test_the_record_page_offers_both_downloads(client, owner, company, helene):
    client.force_login(owner)
    page = client.get(f"/clients/{company.pk}/").content.decode()
    assert f'href="/clients/{company.pk}/contacts/vcard/"' in page
    assert f'href="/clients/{company.pk}/contacts/{helene.pk}/vcard/"' in page
    assert "Télécharger la vCard" in page


def test_the_web_downloads_are_attachments(client, owner, company, helene):
    client.force_login(owner)
    response = client.get(f"/clients/{company.pk}/contacts/vcard/")
    assert_download(response, "societe-generale-declairage.vcf")
    assert len(parse_all(response)) == 2
    response = client.get(f"/clients/{company.pk}/contacts/{helene.pk}/vcard/")
    assert_download(response, "helene-muller.vcf")
    assert parse_all(response)[0].fn.value == "Hélène Müller"


def test_a_viewer_may_download(client, organization, company, helene):
    viewer = add_member(
        organization, email="viewer@dupont.fr", password=PASSWORD, role=Role.VIEWER
    ).user
    client.force_login(viewer)
    assert client.get(f"/clients/{company.pk}/contacts/vcard/").status_code == 200


def test_the_web_answers_404_for_another_organizations_records(
    client, organization, owner, company, helene, outsider
):
    client.force_login(outsider)
    assert client.get(f"/clients/{company.pk}/contacts/vcard/").status_code == 404
    assert client.get(f"/clients/{company.pk}/contacts/{helene.pk}/vcard/").status_code == 404


def test_the_web_refuses_a_contact_not_linked_to_the_client(
    client, organization, owner, company, helene
):
    other = client_services.create_client(organization, owner, {"name": "Boulangerie Roux"})
    client.force_login(owner)
    assert client.get(f"/clients/{other.pk}/contacts/{helene.pk}/vcard/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, company):
    response = client.get(f"/clients/{company.pk}/contacts/vcard/")
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_file_names_are_safe():
    assert filename_for("../../etc/passwd\r\n") == "etcpasswd.vcf"
    assert filename_for("Café «Ô» & Cie") == "cafe-o-cie.vcf"
    assert filename_for("日本") == "contact.vcf"
