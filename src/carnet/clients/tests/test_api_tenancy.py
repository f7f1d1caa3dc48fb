"""Another organization's clients do not exist for an API caller: 404 everywhere, never listed."""

from __future__ import annotations

import pytest

from carnet.clients import services
from carnet.clients.models import Client
from carnet.core.models import ChangeRecord


@pytest.fixture
def owners_client(organization, owner) -> Client:
    client = services.create_client(
        organization,
        owner,
        {
            "name": "Secret SAS",
            "email": "secret@dupont.fr",
            "siret": "73282932000074",
            "tags": ["VIP"],
        },
    )
    services.update_client(organization, owner, client.pk, {"notes": "confidentiel"})
    return client


@pytest.fixture
def trashed_client(organization, owner) -> Client:
    client = services.create_client(organization, owner, {"name": "Corbeille SARL"})
    services.delete_client(organization, owner, client.pk)
    return client


ENDPOINTS = [
    ("get", "/clients/{id}"),
    ("patch", "/clients/{id}"),
    ("delete", "/clients/{id}"),
    ("post", "/clients/{id}/archive"),
    ("post", "/clients/{id}/unarchive"),
    ("post", "/clients/{id}/restore"),
    ("get", "/clients/{id}/history"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_an_outsider_gets_404_for_every_endpoint(
    outsider_api, owners_client, trashed_client, method, path
):
    before = (Client.objects.count(), ChangeRecord.objects.count())
    for client in (owners_client, trashed_client):
        call = getattr(outsider_api, method)
        response = (
            call(path.format(id=client.pk), {"name": "Piraté"})
            if method == "patch"
            else call(path.format(id=client.pk))
        )
        assert response.status_code == 404, response.content
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["detail"] == "Client introuvable."
        assert "Secret" not in response.content.decode()
    assert (Client.objects.count(), ChangeRecord.objects.count()) == before
    owners_client.refresh_from_db()
    assert (owners_client.name, owners_client.version, owners_client.archived) == (
        "Secret SAS",
        2,
        False,
    )


def test_an_unknown_id_and_another_organizations_id_answer_the_same(outsider_api, owners_client):
    mine = outsider_api.get(f"/clients/{owners_client.pk}")
    unknown = outsider_api.get("/clients/987654321")
    assert mine.status_code == unknown.status_code == 404
    assert mine.json() == unknown.json()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"archived": "all"},
        {"archived": "true"},
        {"trash": "true"},
        {"q": "secret"},
        {"q": "73282932000074"},
        {"tag": "VIP"},
        {"sort": "-created_at"},
    ],
)
def test_an_outsider_never_sees_them_in_lists(outsider_api, owners_client, trashed_client, params):
    response = outsider_api.get("/clients", **params)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_an_outsider_filtering_by_an_owner_of_another_organization_finds_nothing(
    outsider_api, owners_client, owner
):
    response = outsider_api.get("/clients", owner=str(owner.pk))
    assert response.json()["items"] == []


def test_the_same_email_and_siret_are_free_in_another_organization(outsider_api, owners_client):
    response = outsider_api.post(
        "/clients", {"name": "Homonyme", "email": "secret@dupont.fr", "siret": "73282932000074"}
    )
    assert response.status_code == 201
    assert "existing_client_id" not in response.json()


def test_an_outsider_cannot_give_a_client_to_a_user_of_another_organization(outsider_api, owner):
    response = outsider_api.post("/clients", {"name": "X", "owner": owner.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unknown_user"


def test_a_cursor_from_another_organization_reveals_nothing(api, outsider_api, organization, owner):
    for i in range(3):
        services.create_client(organization, owner, {"name": f"Client {i}"})
    cursor = api.get("/clients", limit=1).json()["next_cursor"]
    response = outsider_api.get("/clients", cursor=cursor)
    assert response.status_code == 200
    assert response.json()["items"] == []
