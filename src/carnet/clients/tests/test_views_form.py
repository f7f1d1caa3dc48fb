"""Creating and editing a client through the web form: French field errors from the
services, derived SIREN, optimistic concurrency, duplicates."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.clients import services
from carnet.clients.models import Client


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def field_errors(response, name: str) -> list[str]:
    """The error messages shown under one field of the form."""
    html = response.content.decode()
    block = re.search(rf'<div class="form-field[^"]*" data-field="{name}">(.*?)</div>', html, re.S)
    assert block, name
    return [
        unescape(m) for m in re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', block.group(1))
    ]


COMPANY = {"kind": "company", "name": "Imprimerie Roux", "country": "FR"}


def test_the_create_form_shows_every_group_and_defaults_to_a_french_company(web):
    response = web.get("/clients/new/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "name",
        "siret",
        "siren",
        "vat_number",
        "email",
        "phone",
        "first_name",
        "linkedin_url",
        "customer_account",
        "marketing_email",
        "notes",
        "tags",
        "category",
        "owner",
        "country",
    ):
        assert f'name="{name}"' in html, name
    assert re.search(r'value="company"[^>]*checked', html)
    assert '<option value="FR" selected>France</option>' in html
    assert 'data-kind-section="individual"' in html and 'data-kind-section="company"' in html


def test_create_with_a_siret_typed_with_spaces_shows_the_derived_siren(web, organization):
    response = web.post("/clients/new/", {**COMPANY, "siret": "732 829 320 00074"}, follow=True)
    created = Client.objects.get(organization=organization, name="Imprimerie Roux")
    assert response.redirect_chain[-1][0] == f"/clients/{created.pk}/"
    assert created.siret == "73282932000074" and created.siren == "732829320"
    page = text(response)
    assert "Client « Imprimerie Roux » créé." in page
    assert "732 829 320 00074" in page
    assert "732 829 320" in page and "déduit du SIRET" in page


def test_an_invalid_siret_shows_the_french_error_under_the_field(web, organization):
    response = web.post(
        "/clients/new/", {**COMPANY, "siret": "732 829 320 00075", "email": "a@b.fr"}
    )
    assert response.status_code == 422
    assert field_errors(response, "siret") == [
        "Le SIRET 73282932000075 n'est pas valide (clé de contrôle incorrecte)."
    ]
    assert "corrigez les champs signalés" in text(response)
    # What the user typed is kept.
    assert 'value="732 829 320 00075"' in response.content.decode()
    assert 'value="a@b.fr"' in response.content.decode()
    assert not Client.objects.filter(organization=organization).exists()


def test_every_refused_field_gets_its_own_message(web, organization):
    response = web.post(
        "/clients/new/",
        {
            "kind": "company",
            "name": "",
            "email": "pas-un-email",
            "phone": "12",
            "siret": "123",
            "share_capital": "beaucoup",
            "country": "ZZ",
        },
    )
    assert response.status_code == 422
    assert field_errors(response, "name") == ["Le nom est obligatoire."]
    assert field_errors(response, "email")
    assert field_errors(response, "phone")
    assert field_errors(response, "siret") == ["Le SIRET doit comporter 14 chiffres."]
    assert field_errors(response, "share_capital")
    assert field_errors(response, "country")
    assert not Client.objects.filter(organization=organization).exists()


def test_an_individual_gets_a_name_from_first_and_last_name(web, organization):
    response = web.post(
        "/clients/new/",
        {
            "kind": "individual",
            "civility": "mr",
            "first_name": "Jean",
            "last_name": "Roche",
            "country": "FR",
        },
        follow=True,
    )
    assert Client.objects.get(organization=organization).name == "Jean Roche"
    assert "Client « Jean Roche » créé." in text(response)


def test_a_duplicate_siret_links_to_the_existing_client(web, organization, owner):
    existing = services.create_client(
        organization, owner, {"name": "Roux Existant", "siret": "73282932000074"}
    )
    response = web.post("/clients/new/", {**COMPANY, "siret": "73282932000074"})
    assert response.status_code == 409
    page = text(response)
    assert "Un client avec ce SIRET existe déjà : Roux Existant" in page
    assert f'href="/clients/{existing.pk}/"' in page
    assert "Le désarchiver" not in page
    assert field_errors(response, "siret") == ["Un autre client utilise déjà cette valeur."]
    assert Client.objects.filter(organization=organization).count() == 1


def test_a_duplicate_of_an_archived_client_offers_to_unarchive_it(web, organization, owner):
    existing = services.create_client(
        organization, owner, {"name": "Roux Archivé", "email": "roux@exemple.fr"}
    )
    services.archive_client(organization, owner, existing.pk)
    response = web.post("/clients/new/", {**COMPANY, "email": "ROUX@exemple.fr"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Un client avec cet e-mail existe déjà" in unescape(html)
    assert "Ce client est archivé." in html
    assert f'action="/clients/{existing.pk}/unarchive/"' in html
    followed = web.post(
        f"/clients/{existing.pk}/unarchive/", {"next": f"/clients/{existing.pk}/"}, follow=True
    )
    assert followed.redirect_chain[-1][0] == f"/clients/{existing.pk}/"
    assert not services.get_client(organization, existing.pk).archived


@pytest.fixture
def roux(organization, owner):
    return services.create_client(
        organization,
        owner,
        {
            "name": "Imprimerie Roux",
            "siret": "73282932000074",
            "email": "contact@roux.fr",
            "tags": ["Print"],
        },
    )


def edit_data(client_obj, **changes):
    data = {
        "kind": client_obj.kind,
        "name": client_obj.name,
        "country": client_obj.country,
        "siret": client_obj.siret,
        "siren": client_obj.siren,
        "email": client_obj.email,
        "tags": ", ".join(t.name for t in client_obj.tags.all()),
        "version": client_obj.version,
    }
    data.update(changes)
    return data


def test_the_edit_form_is_filled_with_the_current_values_and_version(web, roux):
    html = web.get(f"/clients/{roux.pk}/edit/").content.decode()
    assert 'value="Imprimerie Roux"' in html
    assert 'value="73282932000074"' in html
    assert 'value="Print"' in html
    assert f'<input type="hidden" name="version" value="{roux.version}"' in html


def test_edit_saves_only_what_changed_and_records_it(web, organization, roux):
    response = web.post(
        f"/clients/{roux.pk}/edit/", edit_data(roux, name="Imprimerie Roux & Cie"), follow=True
    )
    assert "Modifications enregistrées." in text(response)
    roux.refresh_from_db()
    assert roux.name == "Imprimerie Roux & Cie" and roux.version == 2
    assert roux.email == "contact@roux.fr" and roux.siren == "732829320"


def test_changing_the_siret_derives_the_new_siren(web, organization, roux):
    web.post(f"/clients/{roux.pk}/edit/", edit_data(roux, siret="404 833 048 00022"))
    roux.refresh_from_db()
    assert roux.siret == "40483304800022" and roux.siren == "404833048"


def test_an_invalid_value_on_edit_changes_nothing(web, roux):
    response = web.post(f"/clients/{roux.pk}/edit/", edit_data(roux, name="", email="nope"))
    assert response.status_code == 422
    assert field_errors(response, "name") == ["Le nom est obligatoire."]
    roux.refresh_from_db()
    assert roux.name == "Imprimerie Roux" and roux.version == 1


def test_a_stale_edit_is_refused_and_keeps_the_users_input(web, organization, owner, roux):
    loaded = edit_data(roux)
    services.update_client(
        organization, owner, roux.pk, {"email": "compta@roux.fr"}
    )  # someone else
    response = web.post(f"/clients/{roux.pk}/edit/", {**loaded, "name": "Mon nouveau nom"})
    assert response.status_code == 412
    page = text(response)
    assert "modifié par quelqu'un d'autre" in page
    assert "Rien n'a été enregistré" in page
    assert f'href="/clients/{roux.pk}/edit/"' in page
    assert 'value="Mon nouveau nom"' in page
    roux.refresh_from_db()
    assert roux.name == "Imprimerie Roux" and roux.email == "compta@roux.fr"


def test_a_duplicate_on_edit_is_refused_with_a_link(web, organization, owner, roux):
    other = services.create_client(
        organization, owner, {"name": "Autre", "email": "autre@exemple.fr"}
    )
    response = web.post(f"/clients/{roux.pk}/edit/", edit_data(roux, email="autre@exemple.fr"))
    assert response.status_code == 409
    assert f'href="/clients/{other.pk}/"' in response.content.decode()
    roux.refresh_from_db()
    assert roux.email == "contact@roux.fr"


def test_a_client_in_the_trash_cannot_be_edited(web, organization, owner, roux):
    services.delete_client(organization, owner, roux.pk)
    response = web.get(f"/clients/{roux.pk}/edit/", follow=True)
    assert "restaurez-le pour le modifier" in text(response)


def test_the_form_posts_with_csrf(organization, owner):
    from django.test import Client as HttpClient

    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(owner)
    assert strict.post("/clients/new/", COMPANY).status_code == 403
    assert not Client.objects.filter(organization=organization).exists()
