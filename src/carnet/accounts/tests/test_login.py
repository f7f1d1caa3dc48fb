"""Logging in and out of the web UI, and which organization a user works in."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from carnet.accounts.middleware import SESSION_KEY
from carnet.accounts.models import Role, User
from carnet.accounts.services import add_member
from carnet.clients import services
from carnet.conftest import PASSWORD


def test_the_login_page_asks_for_an_email_and_a_password(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="email"' in html and 'name="username"' in html
    assert 'type="password"' in html
    assert "Connexion" in html
    assert '<html lang="fr">' in html


def test_it_logs_in_and_shows_the_client_list(client, owner):
    response = client.post("/login/", {"username": "owner@dupont.fr", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:list")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Dupont &amp; Associés" in page.content.decode()


def test_it_accepts_the_email_in_any_case(client, owner):
    response = client.post("/login/", {"username": "  Owner@Dupont.FR ", "password": PASSWORD})
    assert response.status_code == 302


def test_it_refuses_a_wrong_password_with_a_french_message(client, owner):
    response = client.post("/login/", {"username": "owner@dupont.fr", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez" in html and "mot de passe" in html
    assert "_auth_user_id" not in client.session


def test_it_goes_back_to_the_page_asked_for_after_login(client, owner):
    response = client.get("/clients/?q=dupont")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    login = client.post(
        "/login/",
        {"username": "owner@dupont.fr", "password": PASSWORD, "next": "/clients/?q=dupont"},
    )
    assert login["Location"] == "/clients/?q=dupont"


def test_every_page_requires_login(client, organization, owner):
    created = services.create_client(organization, owner, {"name": "Boulangerie Morel"})
    for url in (
        "/clients/",
        "/clients/new/",
        f"/clients/{created.pk}/",
        f"/clients/{created.pk}/edit/",
        f"/clients/{created.pk}/delete/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    response = client.post(f"/clients/{created.pk}/archive/")
    assert response.status_code == 302
    assert not services.get_client(organization, created.pk).archived


def test_an_htmx_request_without_session_is_sent_to_the_login_page(client, db):
    response = client.get(
        "/clients/?q=a", headers={"HX-Request": "true", "HX-Target": "client-results"}
    )
    assert response["HX-Redirect"].startswith("/login/")


def test_logout_needs_a_post(client, owner):
    client.force_login(owner)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get("/clients/").status_code == 302


def test_the_logout_button_is_in_the_header(client, owner):
    client.force_login(owner)
    html = client.get("/clients/").content.decode()
    assert 'action="/logout/"' in html
    assert "Se déconnecter" in html


def test_a_user_without_organization_gets_a_clear_403(client, db):
    user = User.objects.create_user("nobody@example.fr", PASSWORD)
    client.force_login(user)
    response = client.get("/clients/")
    assert response.status_code == 403
    assert "membre d'aucune organisation" in response.content.decode()
    assert "nobody@example.fr" in response.content.decode()


@pytest.fixture
def two_organizations_user(organization, other_organization, owner):
    add_member(other_organization, email=owner.email, role=Role.MEMBER)
    return owner


def test_a_member_of_two_organizations_can_switch(
    client, two_organizations_user, organization, other_organization, outsider
):
    services.create_client(organization, None, {"name": "Client de Dupont"})
    services.create_client(other_organization, None, {"name": "Client de Martin"})
    client.force_login(two_organizations_user)
    html = client.get("/clients/").content.decode()
    assert 'name="organization"' in html
    assert "Martin SARL" in html
    assert "Client de Dupont" in html and "Client de Martin" not in html

    response = client.post("/organization/switch/", {"organization": other_organization.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == other_organization.pk
    html = client.get("/clients/").content.decode()
    assert "Client de Martin" in html and "Client de Dupont" not in html


def test_it_refuses_to_switch_to_an_organization_the_user_is_not_in(
    client, owner, other_organization
):
    client.force_login(owner)
    response = client.post(
        "/organization/switch/", {"organization": other_organization.pk}, follow=True
    )
    assert "n'êtes pas membre" in unescape(response.content.decode())
    assert client.session.get(SESSION_KEY) is None
    assert "Martin SARL" not in response.content.decode()


def test_a_single_organization_user_sees_no_switcher(client, owner):
    client.force_login(owner)
    html = client.get("/clients/").content.decode()
    assert 'name="organization"' not in html


def test_the_language_switch_is_offered_and_works(client, owner):
    client.force_login(owner)
    html = client.get("/clients/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/clients/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/clients/").content.decode()
