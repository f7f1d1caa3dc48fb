"""Inline rename on the record page (htmx), and its plain-form fallback."""

from __future__ import annotations

from html import unescape

import pytest

from carnet.clients import services

HTMX = {"HX-Request": "true", "HX-Target": "client-rename"}


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def girard(organization, owner):
    return services.create_client(organization, owner, {"name": "Menuiserie Girard"})


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_record_page_offers_the_name_as_an_editable_heading(web, girard):
    html = web.get(f"/clients/{girard.pk}/").content.decode()
    assert "data-inline-rename" in html
    assert f'hx-post="/clients/{girard.pk}/rename/"' in html
    assert 'hx-trigger="change"' in html
    assert 'name="version" value="1"' in html


def test_rename_saves_and_answers_with_the_new_name_and_version(web, organization, girard):
    response = web.post(
        f"/clients/{girard.pk}/rename/",
        {"name": "Menuiserie Girard & Fils", "version": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = text(response)
    assert 'value="Menuiserie Girard & Fils"' in html
    assert 'name="version" value="2"' in html
    assert "Nom enregistré." in html
    # The identity row and the history are refreshed out of band.
    assert '<dd id="identity-name" hx-swap-oob="true">Menuiserie Girard & Fils</dd>' in html
    assert 'id="client-history"' in html and "Modification" in html
    assert services.get_client(organization, girard.pk).name == "Menuiserie Girard & Fils"


def test_a_stale_rename_shows_the_conflict_and_overwrites_nothing(web, organization, owner, girard):
    services.update_client(organization, owner, girard.pk, {"name": "Girard SAS"})  # someone else
    response = web.post(
        f"/clients/{girard.pk}/rename/", {"name": "Mon nom", "version": "1"}, headers=HTMX
    )
    assert response.status_code == 412
    html = text(response)
    assert "modifié par quelqu'un d'autre" in html
    assert "Recharger la fiche" in html
    assert 'value="Mon nom"' in html  # what the user typed stays on screen
    assert "hx-swap-oob" not in html
    assert services.get_client(organization, girard.pk).name == "Girard SAS"


def test_an_empty_name_shows_the_french_error(web, organization, girard):
    response = web.post(
        f"/clients/{girard.pk}/rename/", {"name": "   ", "version": "1"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Le nom est obligatoire." in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    client_now = services.get_client(organization, girard.pk)
    assert client_now.name == "Menuiserie Girard" and client_now.version == 1


def test_a_too_long_name_is_refused(web, organization, girard):
    response = web.post(
        f"/clients/{girard.pk}/rename/", {"name": "x" * 201, "version": "1"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "200 caractères au maximum" in text(response)


def test_a_missing_version_is_refused(web, organization, girard):
    response = web.post(f"/clients/{girard.pk}/rename/", {"name": "Autre"}, headers=HTMX)
    assert response.status_code == 400
    assert services.get_client(organization, girard.pk).name == "Menuiserie Girard"


def test_without_javascript_the_form_posts_and_redirects(web, organization, girard):
    response = web.post(
        f"/clients/{girard.pk}/rename/", {"name": "Girard Frères", "version": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/clients/{girard.pk}/"
    assert "Nom enregistré." in text(response)
    assert services.get_client(organization, girard.pk).name == "Girard Frères"


def test_without_javascript_a_conflict_is_flashed(web, organization, owner, girard):
    services.update_client(organization, owner, girard.pk, {"name": "Girard SAS"})
    response = web.post(
        f"/clients/{girard.pk}/rename/", {"name": "Mon nom", "version": "1"}, follow=True
    )
    assert "modifié par quelqu'un d'autre" in text(response)
    assert services.get_client(organization, girard.pk).name == "Girard SAS"


def test_rename_needs_a_post(web, girard):
    assert web.get(f"/clients/{girard.pk}/rename/").status_code == 405
