"""Custom fields on the client pages: the form's inputs, their errors, the record's
section and the history."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.core.history import history_for
from carnet.customfields import services
from carnet.customfields.models import CustomField


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def fields(organization, owner) -> dict[str, CustomField]:
    specs: list[dict[str, Any]] = [
        {
            "name": "Niveau de service",
            "slug": "niveau",
            "type": "choice",
            "choices": ["Bronze", "Argent", "Or"],
            "default": "Bronze",
        },
        {"name": "Fin de contrat", "slug": "fin", "type": "date", "required": True},
        {"name": "Nombre de sites", "slug": "sites", "type": "integer"},
        {"name": "Client signé", "slug": "signe", "type": "boolean"},
        {"name": "Montant", "slug": "montant", "type": "decimal"},
        {
            "name": "Canaux",
            "slug": "canaux",
            "type": "multiple_choice",
            "choices": ["Web", "Salon"],
        },
        {"name": "Consignes", "slug": "consignes", "type": "long_text"},
        {"name": "Extranet", "slug": "extranet", "type": "url"},
        {"name": "E-mail compta", "slug": "compta", "type": "email"},
        {"name": "Code ERP", "slug": "erp", "type": "text"},
    ]
    return {
        f.slug: f for f in (services.create_custom_field(organization, owner, s) for s in specs)
    }


def text(response) -> str:
    return unescape(response.content.decode())


def block(response, name: str) -> str:
    """The HTML of one form field (up to the next field)."""
    html = response.content.decode()
    start = html.index(f'data-field="{name}"')
    following = html.find('data-field="', start + 1)
    return html[start : following if following != -1 else None]


def field_errors(response, name: str) -> list[str]:
    return [
        unescape(m)
        for m in re.findall(r'class="field-error"[^>]*>(.*?)</p>', block(response, name))
    ]


def record_value(response, key: str) -> str:
    match = re.search(
        rf'data-field="{key}">\s*<dt>([^<]*)</dt>\s*<dd[^>]*>(.*?)</dd>',
        response.content.decode(),
        re.S,
    )
    assert match, key
    shown = unescape(re.sub(r"<[^>]+>", " ", match.group(2)))
    return re.sub(r"[ \t\r\n]+", " ", shown).strip()  # no-break spaces kept


BASE = {"kind": "company", "name": "Garage Lemoine", "country": "FR"}


# --- The form -----------------------------------------------------------------------------
def test_the_form_has_one_input_per_custom_field(web, fields):
    response = web.get("/clients/new/")
    html = response.content.decode()
    assert "Champs personnalisés</legend>" in html
    assert re.search(
        r'<select name="cf_niveau"[^>]*>.*?<option value="Bronze" selected>', html, re.S
    )
    assert re.search(r'<input type="date" name="cf_fin"[^>]*aria-required="true"', html)
    assert re.search(r'<input type="text" name="cf_sites"[^>]*inputmode="numeric"', html)
    assert re.search(r'<input type="text" name="cf_montant"[^>]*inputmode="decimal"', html)
    assert re.search(r'<select name="cf_signe".*?<option value="true">Oui</option>', html, re.S)
    assert html.count('type="checkbox" name="cf_canaux"') == 2
    assert re.search(r'<textarea name="cf_consignes"', html)
    assert re.search(r'<input type="url" name="cf_extranet"', html)
    assert re.search(r'<input type="email" name="cf_compta"', html)
    assert 'class="required-mark"' in block(response, "cf_fin")
    assert 'class="required-mark"' not in block(response, "cf_sites")


def test_the_form_works_without_custom_fields(web, organization):
    html = web.get("/clients/new/").content.decode()
    assert "Champs personnalisés</legend>" not in html
    response = web.post("/clients/new/", BASE)
    assert response.status_code == 302
    assert Client.objects.get(organization=organization).custom_fields == {}


def test_creating_saves_the_custom_values(web, organization, fields):
    response = web.post(
        "/clients/new/",
        {
            **BASE,
            "cf_niveau": "Or",
            "cf_fin": "2026-12-31",
            "cf_sites": "12",
            "cf_signe": "true",
            "cf_montant": "1 500,50",
            "cf_canaux": ["Salon", "Web"],
            "cf_consignes": "Sonner deux fois.\r\nPortail bleu.",
            "cf_extranet": "extranet.lemoine.fr",
            "cf_compta": "",
            "cf_erp": "",
        },
    )
    assert response.status_code == 302, response.content
    created = Client.objects.get(organization=organization)
    assert created.custom_fields == {
        "niveau": "Or",
        "fin": "2026-12-31",
        "sites": 12,
        "signe": True,
        "montant": "1500.50",
        "canaux": ["Web", "Salon"],
        "consignes": "Sonner deux fois.\nPortail bleu.",
        "extranet": "https://extranet.lemoine.fr",
    }


def test_errors_show_under_the_right_input_and_keep_what_was_typed(web, organization, fields):
    response = web.post(
        "/clients/new/",
        {**BASE, "cf_fin": "", "cf_sites": "douze", "cf_montant": "1e5", "cf_extranet": "nope"},
    )
    assert response.status_code == 422
    assert field_errors(response, "cf_fin") == ["Ce champ est obligatoire."]
    assert field_errors(response, "cf_sites")[0].startswith("Un nombre entier est attendu")
    assert field_errors(response, "cf_montant")[0].startswith("Un nombre est attendu")
    assert field_errors(response, "cf_extranet")
    assert field_errors(response, "cf_niveau") == []
    assert 'value="douze"' in block(response, "cf_sites")
    assert not Client.objects.exists()


@pytest.fixture
def garage(organization, owner, fields) -> Client:
    return clients.create_client(
        organization,
        owner,
        {
            "name": "Garage Lemoine",
            "custom_fields": {
                "niveau": None,  # no default: the client has no level
                "fin": "2026-12-31",
                "sites": 3,
                "canaux": ["Web"],
                "signe": False,
            },
        },
    )


def edit_data(client: Client, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {**BASE, "version": client.version}
    for slug, value in client.custom_fields.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        data[f"cf_{slug}"] = value if isinstance(value, list) else str(value)
    data.update(changes)
    return data


def test_the_edit_form_shows_the_stored_values(web, garage):
    response = web.get(f"/clients/{garage.pk}/edit/")
    assert 'value="2026-12-31"' in block(response, "cf_fin")
    assert 'value="3"' in block(response, "cf_sites")
    assert re.search(r'value="Web"[^>]*checked', block(response, "cf_canaux"))
    assert not re.search(r'value="Salon"[^>]*checked', block(response, "cf_canaux"))
    assert re.search(r'<option value="false" selected>Non</option>', block(response, "cf_signe"))
    # A new client gets the default; an existing one without a value does not.
    assert not re.search(r'<option value="Bronze" selected>', block(response, "cf_niveau"))


def test_editing_saves_only_the_changed_custom_values(web, organization, owner, garage):
    response = web.post(f"/clients/{garage.pk}/edit/", edit_data(garage, cf_sites="4"))
    assert response.status_code == 302
    garage.refresh_from_db()
    assert garage.custom_fields["sites"] == 4 and garage.version == 2
    latest = history_for(organization.pk, "client", garage.pk).first()
    assert latest.changes == {"custom_fields.sites": {"old": 3, "new": 4}}


def test_a_stale_edit_of_custom_values_is_refused(web, organization, owner, garage):
    loaded = edit_data(garage, cf_sites="4")
    clients.update_client(organization, owner, garage.pk, {"custom_fields": {"sites": 8}})
    assert web.post(f"/clients/{garage.pk}/edit/", loaded).status_code == 412
    garage.refresh_from_db()
    assert garage.custom_fields["sites"] == 8


def test_clearing_a_required_field_shows_the_error(web, garage):
    response = web.post(f"/clients/{garage.pk}/edit/", edit_data(garage, cf_fin=""))
    assert response.status_code == 422
    assert field_errors(response, "cf_fin") == ["Ce champ est obligatoire."]


def test_unticking_every_box_clears_a_multiple_choice(web, garage):
    data = edit_data(garage)
    del data["cf_canaux"]
    assert web.post(f"/clients/{garage.pk}/edit/", data).status_code == 302
    garage.refresh_from_db()
    assert "canaux" not in garage.custom_fields


# --- The record page ----------------------------------------------------------------------
def test_the_record_page_lists_every_custom_field_in_order(web, organization, owner, fields):
    created = clients.create_client(
        organization,
        owner,
        {
            "name": "Garage Lemoine",
            "custom_fields": {
                "fin": "2026-12-31",
                "montant": "1234567.5",
                "signe": True,
                "canaux": ["Salon", "Web"],
                "extranet": "https://extranet.lemoine.fr",
                "compta": "compta@lemoine.fr",
            },
        },
    )
    response = web.get(f"/clients/{created.pk}/")
    page = text(response)
    section = page[page.index(">Champs personnalisés</h2>") :]
    labels = re.findall(r'data-field="cf_\w+">\s*<dt>([^<]*)</dt>', section)
    assert labels == [f.name for f in fields.values()]
    assert record_value(response, "cf_niveau") == "Bronze"
    assert record_value(response, "cf_fin") == "31/12/2026"
    assert record_value(response, "cf_montant") == "1\xa0234\xa0567,5"
    assert record_value(response, "cf_signe") == "Oui"
    assert record_value(response, "cf_canaux") == "Web, Salon"
    assert record_value(response, "cf_sites") == "—"
    assert 'href="https://extranet.lemoine.fr"' in page
    assert 'href="mailto:compta@lemoine.fr"' in page


def test_the_record_page_has_no_custom_section_without_definitions(web, organization, owner):
    created = clients.create_client(organization, owner, {"name": "Simple"})
    assert "Champs personnalisés</h2>" not in text(web.get(f"/clients/{created.pk}/"))


def test_the_history_names_the_field_and_formats_its_values(web, organization, owner, garage):
    clients.update_client(
        organization, owner, garage.pk, {"custom_fields": {"fin": "30/06/2027", "signe": True}}
    )
    page = text(web.get(f"/clients/{garage.pk}/"))
    history = page[page.index('id="client-history"') :]
    assert re.search(
        r"Fin de contrat</span>\s*<span class=\"change-old\">.*?31/12/2026</span>.*?"
        r"30/06/2027</span>",
        history,
        re.S,
    )
    assert re.search(
        r"Client signé</span>\s*<span class=\"change-old\">.*?Non</span>", history, re.S
    )


def test_a_deleted_field_stays_readable_in_the_history(web, organization, owner, garage, fields):
    services.delete_custom_field(organization, owner, fields["sites"].pk)
    history = text(web.get(f"/clients/{garage.pk}/"))
    history = history[history.index('id="client-history"') :]
    assert re.search(r"sites</span>\s*<span class=\"change-old\">.*?3</span>", history, re.S)


def test_custom_fields_add_one_query_to_the_record_page(
    web, organization, owner, garage, django_assert_max_num_queries
):
    for i in range(10):
        clients.update_client(organization, owner, garage.pk, {"custom_fields": {"sites": i}})
    # As many as without custom fields (clients' test_views_detail): the definitions are
    # read once for the form of the record and the history's labels.
    with django_assert_max_num_queries(27):
        response = web.get(f"/clients/{garage.pk}/")
    assert response.content.decode().count('class="event event-update"') == 10
