"""The Contacts section of the client record page and its actions."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.clients import services as client_services
from carnet.conftest import PASSWORD
from carnet.contacts import services
from carnet.contacts.models import ClientContact, Contact
from carnet.core.history import history_for


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def company(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Menuiserie Girard"})


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _add(organization, owner, company, last_name, **kwargs):
    return services.create_contact_for_client(
        organization, owner, company.pk, {"first_name": "Marie", "last_name": last_name}, **kwargs
    )


def test_the_record_page_lists_contacts_with_roles_and_favorite(web, organization, owner, company):
    _add(organization, owner, company, "Durand", roles=["billing"], favorite=True)
    _add(organization, owner, company, "Leroy")
    response = web.get(f"/clients/{company.pk}/")
    html = response.content.decode()
    assert 'id="client-contacts"' in html
    assert 'data-badge="billing"' in html
    assert "data-favorite" in html
    assert "Marie Durand" in text(response)
    assert "Marie Leroy" in text(response)


def test_adding_a_contact_from_the_record(web, company):
    page = web.get(f"/clients/{company.pk}/contacts/new/")
    assert page.status_code == 200
    response = web.post(
        f"/clients/{company.pk}/contacts/new/",
        {
            "civility": "mrs",
            "first_name": "Marie",
            "last_name": "Durand",
            "phone": "01 42 68 53 00",
            "roles": ["billing", "main"],
            "favorite": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#client-contacts")
    link = ClientContact.objects.get()
    assert link.roles == ["main", "billing"]
    assert link.favorite
    assert link.contact.phone == "+33142685300"


def test_bad_input_keeps_the_form_with_french_errors(web, company):
    response = web.post(
        f"/clients/{company.pk}/contacts/new/", {"first_name": "Marie", "email": "non"}
    )
    assert response.status_code == 422
    assert "Saisissez une adresse e-mail valide" in text(response)
    assert not Contact.objects.exists()


def test_moving_the_billing_role_from_the_menu(web, organization, owner, company):
    first = _add(organization, owner, company, "Durand", roles=["billing"])
    second = _add(organization, owner, company, "Leroy", roles=["main"])
    response = web.post(f"/clients/{company.pk}/contacts/{second.contact_id}/role/billing/")
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.roles == []
    assert second.roles == ["main", "billing"]
    page = text(web.get(f"/clients/{company.pk}/"))
    assert "Rôles d'un contact" in page


def test_an_unknown_role_is_not_found(web, organization, owner, company):
    link = _add(organization, owner, company, "Durand")
    response = web.post(f"/clients/{company.pk}/contacts/{link.contact_id}/role/boss/")
    assert response.status_code == 404


def test_linking_an_existing_contact_found_by_search(web, organization, owner, company):
    other = client_services.create_client(organization, owner, {"name": "Garage Leroy"})
    link = _add(organization, owner, other, "Dürand")
    page = web.get(f"/clients/{company.pk}/contacts/new/", {"q": "durand"})
    assert f'data-suggestion="{link.contact_id}"' in page.content.decode()
    response = web.post(f"/clients/{company.pk}/contacts/link/", {"contact_id": link.contact_id})
    assert response.status_code == 302
    assert ClientContact.objects.filter(contact=link.contact).count() == 2
    again = web.post(
        f"/clients/{company.pk}/contacts/link/", {"contact_id": link.contact_id}, follow=True
    )
    assert "déjà lié" in text(again)
    assert ClientContact.objects.filter(contact=link.contact).count() == 2


def test_editing_and_unlinking_a_contact(web, organization, owner, company):
    link = _add(organization, owner, company, "Durand")
    edited = web.post(
        f"/clients/{company.pk}/contacts/{link.contact_id}/edit/",
        {"first_name": "Marie", "last_name": "Durand", "job_title": "Comptable"},
    )
    assert edited.status_code == 302
    assert Contact.objects.get().job_title == "Comptable"
    confirm = web.get(f"/clients/{company.pk}/contacts/{link.contact_id}/unlink/")
    assert confirm.status_code == 200
    web.post(f"/clients/{company.pk}/contacts/{link.contact_id}/unlink/")
    assert not ClientContact.objects.exists()
    assert Contact.objects.exists()
    actions = [c.action for c in history_for(organization.pk, "client", company.pk)]
    assert actions[:3] == ["contact_remove", "contact_change", "contact_add"]


def test_favorite_is_toggled_from_the_menu(web, organization, owner, company):
    link = _add(organization, owner, company, "Durand")
    web.post(f"/clients/{company.pk}/contacts/{link.contact_id}/favorite/")
    link.refresh_from_db()
    assert link.favorite


def test_a_viewer_sees_contacts_but_no_actions(client, organization, owner, company):
    link = _add(organization, owner, company, "Durand")
    viewer = add_member(
        organization, email="viewer@dupont.fr", password=PASSWORD, role=Role.VIEWER
    ).user
    client.force_login(viewer)
    page = client.get(f"/clients/{company.pk}/").content.decode()
    assert "Marie Durand" in page
    # The menu only offers the vCard download.
    assert f"/contacts/{link.contact_id}/vcard/" in page
    assert f"/contacts/{link.contact_id}/edit/" not in page
    assert "/role/" not in page and "/unlink/" not in page
    assert client.get(f"/clients/{company.pk}/contacts/new/").status_code == 403


def test_another_organizations_contacts_are_not_found(
    client, organization, owner, company, outsider
):
    link = _add(organization, owner, company, "Durand")
    client.force_login(outsider)
    base = f"/clients/{company.pk}/contacts"
    assert client.get(f"{base}/new/").status_code == 404
    assert client.get(f"{base}/{link.contact_id}/edit/").status_code == 404
    assert client.post(f"{base}/{link.contact_id}/role/main/").status_code == 404
    assert client.post(f"{base}/{link.contact_id}/unlink/").status_code == 404
    assert ClientContact.objects.get().roles == []
