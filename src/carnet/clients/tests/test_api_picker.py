"""GET /api/v1/clients/picker: what a form's client picker proposes."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.addresses import services as address_services
from carnet.clients import services


@pytest.fixture
def clients(organization, owner) -> dict[str, Any]:
    made = {
        name: services.create_client(organization, owner, {"name": name, **fields})
        for name, fields in [
            ("Boulangerie Martin", {"email": "contact@martin.fr"}),
            ("Martin Frères", {}),
            ("Garage Martinez", {}),
            ("Martine Durand", {"kind": "individual"}),
            ("Sans Rapport", {}),
        ]
    }
    address_services.create_address(
        organization,
        owner,
        made["Martin Frères"].pk,
        {"line1": "1 rue Neuve", "postcode": "69001", "city": "Lyon", "is_billing": True},
    )
    services.archive_client(organization, owner, made["Garage Martinez"].pk)
    return made


def test_it_proposes_matching_clients_by_name_with_their_city(api, clients):
    response = api.get("/clients/picker", q="martin")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [i["name"] for i in items] == ["Boulangerie Martin", "Martin Frères", "Martine Durand"]
    freres = items[1]
    assert freres["city"] == "Lyon"
    assert set(freres) == {
        "id",
        "name",
        "reference",
        "kind",
        "email",
        "siren",
        "country",
        "city",
        "archived",
    }


def test_archived_clients_come_last_only_when_asked(api, clients):
    items = api.get("/clients/picker", q="martin", archived="all").json()["items"]
    assert [i["name"] for i in items][-1] == "Garage Martinez"
    assert items[-1]["archived"] is True
    assert not any(i["archived"] for i in items[:-1])


def test_an_exact_identifier_comes_first(api, clients):
    items = api.get("/clients/picker", q="contact@martin.fr").json()["items"]
    assert items[0]["name"] == "Boulangerie Martin"


def test_it_answers_ten_at_most_by_default_and_takes_a_limit(api, organization, owner):
    for i in range(15):
        services.create_client(organization, owner, {"name": f"Dupont {i:02d}"})
    assert len(api.get("/clients/picker", q="dupont").json()["items"]) == 10
    assert len(api.get("/clients/picker", q="dupont", limit="3").json()["items"]) == 3
    assert len(api.get("/clients/picker").json()["items"]) == 10  # no query: by name


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"archived": "true"}, "archived"),
        ({"limit": "0"}, "limit"),
        ({"limit": "51"}, "limit"),
        ({"limit": "dix"}, "limit"),
        ({"sort": "name"}, "sort"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_parameters_are_refused(api, clients, params, field):
    response = api.get("/clients/picker", **params)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]


def test_it_never_proposes_another_organizations_clients(outsider_api, clients):
    assert outsider_api.get("/clients/picker", q="martin").json()["items"] == []


def test_it_needs_a_token(clients):
    from carnet.conftest import ApiClient

    assert ApiClient(None).get("/clients/picker", q="martin").status_code == 401
