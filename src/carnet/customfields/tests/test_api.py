"""Custom fields through the REST API: definitions CRUD with roles and tenancy, and the
values on /clients."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.conftest import ApiClient
from carnet.customfields import services
from carnet.customfields.models import CustomField


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def errors(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {e["field"]: (e["code"], e["message"]) for e in body["errors"]}


def api_as(organization, role: str) -> ApiClient:
    user = add_member(organization, email=f"{role}@dupont.fr", password="x", role=role).user
    return ApiClient(create_api_token(organization, user))


@pytest.fixture
def level(organization, owner) -> CustomField:
    return services.create_custom_field(
        organization,
        owner,
        {"name": "Niveau de service", "type": "choice", "choices": ["Bronze", "Argent", "Or"]},
    )


# --- Definitions --------------------------------------------------------------------------
def test_it_creates_reads_lists_changes_and_deletes_a_field(api, organization):
    response = api.post(
        "/custom-fields",
        {"name": "Fin de contrat", "type": "date", "required": True, "default": "31/12/2026"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"] == f"/api/v1/custom-fields/{created['id']}"
    assert {k: v for k, v in created.items() if k not in ("id", "created_at", "updated_at")} == {
        "name": "Fin de contrat",
        "slug": "fin_de_contrat",
        "type": "date",
        "choices": [],
        "required": True,
        "default": "2026-12-31",
        "position": 0,
    }
    assert api.get(f"/custom-fields/{created['id']}").json() == created

    api.post("/custom-fields", {"name": "Avant", "type": "text", "position": 0})
    listed = api.get("/custom-fields").json()["items"]
    assert [f["name"] for f in listed] == ["Avant", "Fin de contrat"]

    changed = api.patch(f"/custom-fields/{created['id']}", {"name": "Échéance", "default": None})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["default"]) == ("Échéance", None)
    assert changed.json()["required"] is True  # what was not sent did not change

    deleted = api.delete(f"/custom-fields/{created['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"deleted": True, "clients_affected": 0}
    assert_problem(api.get(f"/custom-fields/{created['id']}"), 404)


def test_deleting_a_field_says_how_many_clients_lost_their_value(api, organization, owner, level):
    for name in ("A", "B"):
        clients.create_client(
            organization, owner, {"name": name, "custom_fields": {"niveau_de_service": "Or"}}
        )
    assert api.delete(f"/custom-fields/{level.pk}").json() == {
        "deleted": True,
        "clients_affected": 2,
    }
    assert all(c.custom_fields == {} for c in Client.objects.all())


def test_it_refuses_bad_definitions_with_french_messages(api, level):
    body = assert_problem(
        api.post(
            "/custom-fields",
            {"name": "niveau DE service", "type": "choice", "choices": ["A", "a"], "default": 3},
        ),
        422,
    )
    assert errors(body) == {
        "choices": ("duplicate_choice", "Le choix « a » est en double (« A »)."),
        "name": ("duplicate", "Un champ personnalisé s'appelle déjà « Niveau de service »."),
    }
    body = assert_problem(
        api.post("/custom-fields", {"name": "Niveau de service", "type": "text"}), 422
    )
    assert errors(body) == {
        "name": ("duplicate", "Un champ personnalisé s'appelle déjà « Niveau de service ».")
    }
    body = assert_problem(api.post("/custom-fields", {"type": "couleur"}), 422)
    assert errors(body)["name"] == ("required", "Ce champ est obligatoire.")
    assert errors(body)["type"][0] == "invalid_choice"
    body = assert_problem(api.post("/custom-fields", {"name": "X", "type": "text", "id": 4}), 422)
    assert errors(body)["id"] == ("unknown_field", "Ce champ n'existe pas.")


def test_it_refuses_to_change_the_slug_or_a_locked_type(api, organization, owner, level):
    clients.create_client(
        organization, owner, {"name": "A", "custom_fields": {"niveau_de_service": "Or"}}
    )
    body = assert_problem(api.patch(f"/custom-fields/{level.pk}", {"slug": "niveau"}), 422)
    assert errors(body)["slug"][0] == "immutable"
    body = assert_problem(api.patch(f"/custom-fields/{level.pk}", {"type": "text"}), 422)
    assert errors(body)["type"] == (
        "type_locked",
        "Le type ne peut plus changer : 1 client a une valeur pour ce champ. Videz ses "
        "valeurs ou créez un autre champ.",
    )
    body = assert_problem(api.patch(f"/custom-fields/{level.pk}", {"choices": ["Bronze"]}), 422)
    assert errors(body)["choices"][0] == "choice_in_use"
    level.refresh_from_db()
    assert (level.slug, level.type, len(level.choices)) == ("niveau_de_service", "choice", 3)


def test_errors_are_in_english_when_asked(organization, owner):
    english = ApiClient(create_api_token(organization, owner), language="en")
    body = assert_problem(english.post("/custom-fields", {"type": "text"}), 422)
    assert body["title"] == "Invalid data"
    assert errors(body)["name"] == ("required", "This field is required.")


def test_the_hundred_and_first_field_is_a_conflict(api, organization, owner):
    for i in range(100):
        services.create_custom_field(organization, owner, {"name": f"Champ {i}", "type": "text"})
    body = assert_problem(api.post("/custom-fields", {"name": "Un de trop", "type": "text"}), 409)
    assert body["code"] == "too_many_fields"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
def test_members_and_viewers_read_but_cannot_write(organization, level, role):
    reader = api_as(organization, role)
    assert reader.get("/custom-fields").json()["items"][0]["slug"] == "niveau_de_service"
    assert reader.get(f"/custom-fields/{level.pk}").status_code == 200
    for response in (
        reader.post("/custom-fields", {"name": "X", "type": "text"}),
        reader.patch(f"/custom-fields/{level.pk}", {"name": "Y"}),
        reader.delete(f"/custom-fields/{level.pk}"),
    ):
        body = assert_problem(response, 403)
        assert "administrateurs" in body["detail"]
    level.refresh_from_db()
    assert level.name == "Niveau de service"
    assert CustomField.objects.count() == 1


def test_an_admin_may_write(organization, level):
    admin = api_as(organization, Role.ADMIN)
    assert admin.patch(f"/custom-fields/{level.pk}", {"name": "Rang"}).status_code == 200


def test_another_organizations_field_is_a_404_on_every_endpoint(outsider_api, level):
    assert outsider_api.get("/custom-fields").json() == {"items": []}
    for response in (
        outsider_api.get(f"/custom-fields/{level.pk}"),
        outsider_api.patch(f"/custom-fields/{level.pk}", {"name": "Piraté"}),
        outsider_api.delete(f"/custom-fields/{level.pk}"),
    ):
        assert_problem(response, 404)
    level.refresh_from_db()
    assert level.name == "Niveau de service"


@pytest.mark.parametrize(
    "path", ["/custom-fields/abc", f"/custom-fields/{2**70}", "/custom-fields/0"]
)
def test_a_bad_id_is_a_404(api, db, path):
    assert_problem(api.get(path), 404)


# --- Values on /clients -------------------------------------------------------------------
def test_client_values_are_set_merged_and_cleared_through_the_api(api, organization, owner, level):
    services.create_custom_field(organization, owner, {"name": "Sites", "type": "integer"})
    created = api.post(
        "/clients", {"name": "Garage", "custom_fields": {"niveau_de_service": "or", "sites": "2"}}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["custom_fields"] == {"niveau_de_service": "Or", "sites": 2}

    patched = api.patch(f"/clients/{body['id']}", {"custom_fields": {"sites": 5}})
    assert patched.json()["custom_fields"] == {"niveau_de_service": "Or", "sites": 5}
    cleared = api.patch(f"/clients/{body['id']}", {"custom_fields": {"niveau_de_service": None}})
    assert cleared.json()["custom_fields"] == {"sites": 5}

    history = api.get(f"/clients/{body['id']}/history").json()["items"]
    assert history[0]["changes"] == {"custom_fields.niveau_de_service": {"old": "Or", "new": None}}
    assert history[0]["user"] == "owner@dupont.fr"


def test_bad_client_values_are_named_per_field(api, level):
    body = assert_problem(
        api.post(
            "/clients",
            {"name": "Garage", "custom_fields": {"niveau_de_service": "Platine", "x": 1}},
        ),
        422,
    )
    assert errors(body) == {
        "custom_fields.niveau_de_service": (
            "invalid_choice",
            "« Platine » n'est pas un choix possible. Choix possibles : Bronze, Argent, Or.",
        ),
        "custom_fields.x": ("unknown_custom_field", "Champ personnalisé inconnu : « x »."),
    }
    assert not Client.objects.exists()


def test_a_required_field_is_required_on_create_in_english_too(organization, owner):
    services.create_custom_field(
        organization, owner, {"name": "Code", "type": "text", "required": True}
    )
    english = ApiClient(create_api_token(organization, owner), language="en")
    body = assert_problem(english.post("/clients", {"name": "Garage"}), 422)
    assert errors(body) == {"custom_fields.code": ("required", "This field is required.")}
