"""The custom field settings pages: admins create, edit and delete; members only read."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.clients import services as clients
from carnet.customfields import services
from carnet.customfields.models import CustomField

LIST = "/settings/custom-fields/"


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def level(organization, owner) -> CustomField:
    return services.create_custom_field(
        organization,
        owner,
        {"name": "Niveau de service", "type": "choice", "choices": ["Bronze", "Argent", "Or"]},
    )


def text(response) -> str:
    return unescape(response.content.decode())


def field_errors(response, name: str) -> list[str]:
    html = response.content.decode()
    block = re.search(rf'data-field="{name}">(.*?)</div>', html, re.S)
    assert block, name
    return [unescape(m) for m in re.findall(r'class="field-error"[^>]*>(.*?)</p>', block.group(1))]


def test_the_settings_link_to_the_custom_fields(web, db):
    page = text(web.get(LIST))
    assert re.search(r'<a href="[^"]*"[^>]*aria-current="page">Paramètres</a>', page)
    assert re.search(rf'<a href="{LIST}" aria-current="page">Champs personnalisés</a>', page)


def test_the_list_shows_each_field_with_its_type_and_usage(web, organization, owner, level):
    for name in ("A", "B"):
        clients.create_client(
            organization, owner, {"name": name, "custom_fields": {"niveau_de_service": "Or"}}
        )
    response = web.get(LIST)
    assert response.status_code == 200
    page = text(response)
    row = re.search(r'data-custom-field="niveau_de_service">(.*?)</tr>', page, re.S).group(1)
    assert "Niveau de service" in row and "niveau_de_service" in row
    assert "Choix dans une liste" in row and "Bronze, Argent, Or" in row
    assert re.search(r'class="num"[^>]*>2</td>', row)
    assert f'href="/settings/custom-fields/{level.pk}/edit/"' in row
    assert 'id="new-custom-field"' in page


def test_an_admin_creates_a_field(web, organization):
    response = web.post(
        "/settings/custom-fields/new/",
        {
            "name": "Niveau",
            "type": "choice",
            "choices": "Bronze\r\nArgent\r\n\r\nOr",
            "default": "argent",
            "required": "on",
            "position": "",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == LIST
    assert "Champ « Niveau » créé." in text(response)
    field = CustomField.objects.get(organization=organization)
    assert (field.slug, field.type, field.choices, field.default, field.required) == (
        "niveau",
        "choice",
        ["Bronze", "Argent", "Or"],
        "Argent",
        True,
    )


def test_a_refused_field_shows_each_error_under_its_input(web, level):
    response = web.post(
        "/settings/custom-fields/new/",
        {"name": "niveau de SERVICE", "type": "integer", "default": "beaucoup", "slug": "Mauvais"},
    )
    assert response.status_code == 422
    assert field_errors(response, "name") == [
        "Un champ personnalisé s'appelle déjà « Niveau de service »."
    ]
    assert field_errors(response, "default")[0].startswith("Un nombre entier est attendu")
    assert field_errors(response, "slug")[0].startswith("L'identifiant commence par")
    assert 'value="niveau de SERVICE"' in text(response)
    assert CustomField.objects.count() == 1


def test_choices_typed_for_another_type_are_ignored(web, organization):
    web.post("/settings/custom-fields/new/", {"name": "Code", "type": "text", "choices": "A\nB"})
    assert CustomField.objects.get(organization=organization).choices == []


def test_an_admin_edits_a_field_but_not_its_slug(web, organization, level):
    page = text(web.get(f"/settings/custom-fields/{level.pk}/edit/"))
    assert 'value="Niveau de service"' in page
    assert "Bronze\nArgent\nOr" in page
    assert re.search(r'name="slug"[^>]*disabled', page)
    response = web.post(
        f"/settings/custom-fields/{level.pk}/edit/",
        {
            "name": "Niveau",
            "slug": "pirate",
            "type": "choice",
            "choices": "Bronze\nArgent\nOr\nPlatine",
            "position": "3",
        },
    )
    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.name, level.slug, level.position) == ("Niveau", "niveau_de_service", 3)
    assert level.choices == ["Bronze", "Argent", "Or", "Platine"]


def test_editing_shows_why_a_choice_in_use_stays(web, organization, owner, level):
    clients.create_client(
        organization, owner, {"name": "A", "custom_fields": {"niveau_de_service": "Or"}}
    )
    page = text(web.get(f"/settings/custom-fields/{level.pk}/edit/"))
    assert "1 client a une valeur pour ce champ" in page
    response = web.post(
        f"/settings/custom-fields/{level.pk}/edit/",
        {"name": "Niveau de service", "type": "text", "choices": ""},
    )
    assert response.status_code == 422
    assert field_errors(response, "type")[0].startswith("Le type ne peut plus changer : 1 client")
    response = web.post(
        f"/settings/custom-fields/{level.pk}/edit/",
        {"name": "Niveau de service", "type": "choice", "choices": "Bronze\nArgent"},
    )
    assert field_errors(response, "choices") == [
        "Le choix « Or » ne peut pas être retiré : 1 client l'a."
    ]


def test_the_delete_page_says_how_many_clients_lose_their_value(web, organization, owner, level):
    for name in ("A", "B", "C"):
        clients.create_client(
            organization, owner, {"name": name, "custom_fields": {"niveau_de_service": "Or"}}
        )
    page = text(web.get(f"/settings/custom-fields/{level.pk}/delete/"))
    assert "3 clients perdront leur valeur pour ce champ." in page
    response = web.post(f"/settings/custom-fields/{level.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Champ « Niveau de service » supprimé ; 3 clients ont perdu leur valeur." in text(
        response
    )
    assert not CustomField.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_members_see_the_list_without_buttons_and_cannot_change(client, organization, level, role):
    user = add_member(organization, email=f"{role}@dupont.fr", password="x", role=role).user
    client.force_login(user)
    page = text(client.get(LIST))
    assert "Niveau de service" in page
    assert "/settings/custom-fields/new/" not in page and "/edit/" not in page
    assert "/delete/" not in page
    assert client.get("/settings/custom-fields/new/").status_code == 403
    assert client.post(
        "/settings/custom-fields/new/", {"name": "X", "type": "text"}
    ).status_code == (403)
    assert (
        client.post(f"/settings/custom-fields/{level.pk}/edit/", {"name": "X"}).status_code == 403
    )
    assert client.post(f"/settings/custom-fields/{level.pk}/delete/").status_code == 403
    level.refresh_from_db()
    assert level.name == "Niveau de service" and CustomField.objects.count() == 1


def test_another_organizations_field_is_a_404(client, outsider, level):
    client.force_login(outsider)
    assert "Niveau de service" not in text(client.get(LIST))
    for url in (
        f"/settings/custom-fields/{level.pk}/edit/",
        f"/settings/custom-fields/{level.pk}/delete/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "X"}).status_code == 404
    assert CustomField.objects.filter(pk=level.pk).exists()


def test_anonymous_visitors_go_to_the_login_page(client, db):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]
