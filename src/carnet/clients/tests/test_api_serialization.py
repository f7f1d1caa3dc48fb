"""The API's fast client serialization gives exactly what the ClientOut schema gives."""

from __future__ import annotations

import json

from pydantic_core import to_json

from carnet.clients import services
from carnet.clients.schemas import ClientOut, client_data
from carnet.customfields.services import create_custom_field


def test_fast_serialization_matches_the_schema(organization, owner, member):
    create_custom_field(organization, owner, {"name": "Secteur", "type": "text"})
    create_custom_field(organization, owner, {"name": "Score", "type": "integer"})
    client = services.create_client(
        organization,
        owner,
        {
            "name": "Fonderie Éclat",
            "siret": "73282932000074",
            "vat_number": "FR44732829320",
            "share_capital": "15000",
            "employee_count": 12,
            "tags": ["Métal", "export"],
            "category": "Industrie",
            "custom_fields": {"secteur": "fonderie", "score": 4},
            "owner": member.pk,
            "marketing_email": True,
        },
    )
    services.archive_client(organization, owner, client.pk)
    for fresh in (client, services.get_client(organization, client.pk)):
        expected = json.loads(ClientOut.from_orm(fresh).model_dump_json())
        assert json.loads(to_json(client_data(fresh))) == expected


def test_the_api_answers_the_schemas_json(api, organization, owner):
    client = services.create_client(organization, owner, {"name": "Atelier", "share_capital": "1"})
    body = api.get(f"/clients/{client.pk}").json()
    assert body == json.loads(
        ClientOut.from_orm(services.get_client(organization, client.pk)).model_dump_json()
    )
    assert body["share_capital"] == "1.00"
    assert body["revenue"] == "0.00"


def test_the_list_loader_matches_the_schema_for_every_client(organization, owner, member):
    from carnet.clients.schemas import clients_data

    create_custom_field(organization, owner, {"name": "X", "type": "integer"})
    created = [
        services.create_client(organization, owner, {"name": "Sans rien"}),
        services.create_client(
            organization,
            owner,
            {
                "name": "Tout",
                "tags": ["b", "A"],
                "category": "Cat",
                "owner": member.pk,
                "share_capital": "12.5",
                "custom_fields": {"x": 1},
            },
        ),
    ]
    ids = [c.pk for c in reversed(created)]
    loaded = clients_data(organization.pk, ids)
    assert [row["id"] for row in loaded] == ids
    for row, pk in zip(loaded, ids, strict=True):
        expected = json.loads(
            ClientOut.from_orm(services.get_client(organization, pk)).model_dump_json()
        )
        assert json.loads(to_json(row)) == expected


def test_the_list_loader_ignores_other_organizations_ids(
    organization, other_organization, owner, outsider
):
    from carnet.clients.schemas import clients_data

    theirs = services.create_client(other_organization, outsider, {"name": "Ailleurs"})
    assert clients_data(organization.pk, [theirs.pk]) == []
