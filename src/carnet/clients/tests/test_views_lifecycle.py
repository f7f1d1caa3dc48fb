"""Archive, unarchive, delete (with confirmation and refusal) and restore from the record page."""

from __future__ import annotations

from html import unescape

import pytest

from carnet.clients import services
from carnet.testing.models import SampleDocument


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def girard(organization, owner):
    return services.create_client(organization, owner, {"name": "Menuiserie Girard"})


def text(response) -> str:
    return unescape(response.content.decode())


def test_archive_then_unarchive(web, organization, girard):
    response = web.post(f"/clients/{girard.pk}/archive/", follow=True)
    assert response.redirect_chain[-1][0] == f"/clients/{girard.pk}/"
    assert "« Menuiserie Girard » est archivé." in text(response)
    assert services.get_client(organization, girard.pk).archived
    response = web.post(f"/clients/{girard.pk}/unarchive/", follow=True)
    assert "« Menuiserie Girard » est désarchivé." in text(response)
    assert not services.get_client(organization, girard.pk).archived


def test_archive_needs_a_post(web, organization, girard):
    assert web.get(f"/clients/{girard.pk}/archive/").status_code == 405
    assert not services.get_client(organization, girard.pk).archived


def test_delete_asks_for_confirmation_then_moves_to_the_trash(web, organization, girard):
    confirm = web.get(f"/clients/{girard.pk}/delete/")
    assert confirm.status_code == 200
    assert "Supprimer « Menuiserie Girard » ?" in text(confirm)
    assert not services.get_client(organization, girard.pk).is_deleted
    response = web.post(f"/clients/{girard.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/clients/"
    assert "placé dans la corbeille" in text(response)
    assert services.get_client(organization, girard.pk).is_deleted


def test_a_refused_delete_explains_why_and_offers_to_archive(web, organization, girard):
    SampleDocument.objects.create(organization=organization, client=girard, number="F-2026-001")
    response = web.post(f"/clients/{girard.pk}/delete/")
    assert response.status_code == 409
    page = text(response)
    assert "Impossible de supprimer « Menuiserie Girard » : ce client a 1 document." in page
    assert "Archivez-le plutôt" in page
    assert f'action="/clients/{girard.pk}/archive/"' in page and ">Archiver</button>" in page
    assert not services.get_client(organization, girard.pk).is_deleted


def test_restore_from_the_record_page(web, organization, girard):
    services.delete_client(organization, None, girard.pk)
    response = web.post(f"/clients/{girard.pk}/restore/", follow=True)
    assert response.redirect_chain[-1][0] == f"/clients/{girard.pk}/"
    assert "restauré depuis la corbeille" in text(response)
    assert not services.get_client(organization, girard.pk).is_deleted


def test_restore_is_refused_when_a_live_client_took_the_email(web, organization, owner):
    first = services.create_client(
        organization, owner, {"name": "Premier", "email": "x@exemple.fr"}
    )
    services.delete_client(organization, owner, first.pk)
    services.create_client(organization, owner, {"name": "Second", "email": "x@exemple.fr"})
    response = web.post(f"/clients/{first.pk}/restore/", follow=True)
    assert "Un client avec cet e-mail existe déjà : Second" in text(response)
    assert services.get_client(organization, first.pk).is_deleted
