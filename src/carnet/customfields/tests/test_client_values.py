"""A client's custom values through ``clients.services``: checked against the
definitions, merged, recorded field by field, and indexed for the list filters."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.core.errors import ValidationFailed
from carnet.core.history import history_for
from carnet.core.models import ChangeRecord
from carnet.customfields import services
from carnet.customfields.models import CustomField, CustomFieldValue

pytestmark = pytest.mark.django_db


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
        {"name": "Fin de contrat", "slug": "fin_contrat", "type": "date", "required": True},
        {"name": "Nombre de sites", "slug": "sites", "type": "integer"},
        {"name": "Client signé", "slug": "signe", "type": "boolean"},
        {"name": "Montant annuel", "slug": "montant", "type": "decimal"},
        {
            "name": "Canaux",
            "type": "multiple_choice",
            "choices": ["Web", "Salon", "Presse"],
        },
    ]
    return {
        f.slug: f for f in (services.create_custom_field(organization, owner, s) for s in specs)
    }


def index(client: Client) -> set[tuple[str, str]]:
    return set(CustomFieldValue.objects.filter(client=client).values_list("field__slug", "value"))


def create(organization, owner, values: dict[str, Any], **data: Any) -> Client:
    return clients.create_client(
        organization, owner, {"name": "Garage Lemoine", "custom_fields": values, **data}
    )


def test_it_stores_normalized_values_and_defaults_on_create(organization, owner, fields):
    client = create(
        organization,
        owner,
        {
            "fin_contrat": "31/12/2026",
            "sites": "3",
            "signe": "oui",
            "montant": "1 200,50",
            "canaux": "salon, web",
        },
    )
    assert client.custom_fields == {
        "niveau": "Bronze",
        "fin_contrat": "2026-12-31",
        "sites": 3,
        "signe": True,
        "montant": "1200.50",
        "canaux": ["Web", "Salon"],
    }
    assert index(client) == {
        ("niveau", "bronze"),
        ("fin_contrat", "2026-12-31"),
        ("sites", "3"),
        ("signe", "true"),
        ("montant", "1200.5"),
        ("canaux", "web"),
        ("canaux", "salon"),
    }


def test_the_creation_history_has_one_entry_per_custom_field(organization, owner, fields):
    client = create(organization, owner, {"fin_contrat": "2026-12-31", "sites": 2})
    (entry,) = history_for(organization.pk, "client", client.pk)
    assert entry.changes["custom_fields.fin_contrat"] == {"old": None, "new": "2026-12-31"}
    assert entry.changes["custom_fields.sites"] == {"old": None, "new": 2}
    assert entry.changes["custom_fields.niveau"] == {"old": None, "new": "Bronze"}
    assert "custom_fields" not in entry.changes


def test_it_refuses_a_missing_required_field_on_create(organization, owner, fields):
    with pytest.raises(ValidationFailed) as exc:
        create(organization, owner, {"sites": 2})
    assert [(e.field, e.code, str(e.message)) for e in exc.value.errors] == [
        ("custom_fields.fin_contrat", "required", "Ce champ est obligatoire.")
    ]
    assert not Client.objects.exists()
    assert not CustomFieldValue.objects.exists()


def test_it_refuses_bad_values_and_writes_nothing(organization, owner, fields):
    history = ChangeRecord.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        create(
            organization,
            owner,
            {
                "fin_contrat": "2026-13-45",
                "niveau": "Platine",
                "sites": "beaucoup",
                "signe": "peut-être",
                "montant": "1e5",
                "canaux": ["Radio"],
                "couleur": "bleu",
            },
            email="pas-un-mail",
        )
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("email", "invalid_email"),
        ("custom_fields.fin_contrat", "invalid_date"),
        ("custom_fields.niveau", "invalid_choice"),
        ("custom_fields.sites", "invalid_number"),
        ("custom_fields.signe", "invalid_type"),
        ("custom_fields.montant", "invalid_number"),
        ("custom_fields.canaux", "invalid_choice"),
        ("custom_fields.couleur", "unknown_custom_field"),
    }
    assert not Client.objects.exists()
    assert ChangeRecord.objects.count() == history


@pytest.fixture
def client(organization, owner, fields) -> Client:
    return create(
        organization,
        owner,
        {"fin_contrat": "2026-12-31", "niveau": "Or", "sites": 2, "canaux": ["Web"]},
    )


def test_a_change_merges_and_records_each_field_with_who_old_and_new(
    organization, owner, member, client
):
    changed = clients.update_client(
        organization,
        member,
        client.pk,
        {"custom_fields": {"sites": "5", "niveau": None, "signe": False}},
    )
    assert changed.custom_fields == {
        "fin_contrat": "2026-12-31",
        "sites": 5,
        "signe": False,
        "canaux": ["Web"],
    }
    assert changed.version == 2
    latest = history_for(organization.pk, "client", client.pk).first()
    assert latest.action == "update" and latest.user == member
    assert latest.changes == {
        "custom_fields.sites": {"old": 2, "new": 5},
        "custom_fields.signe": {"old": None, "new": False},
        "custom_fields.niveau": {"old": "Or", "new": None},
    }
    assert index(changed) == {
        ("fin_contrat", "2026-12-31"),
        ("sites", "5"),
        ("signe", "false"),
        ("canaux", "web"),
    }


def test_a_change_to_other_fields_keeps_the_custom_values_and_their_index(
    organization, owner, client
):
    before = index(client)
    changed = clients.update_client(organization, owner, client.pk, {"sector": "Garage"})
    assert changed.custom_fields == client.custom_fields
    assert index(changed) == before
    latest = history_for(organization.pk, "client", client.pk).first()
    assert list(latest.changes) == ["sector"]


def test_the_same_values_again_change_nothing(organization, owner, client):
    same = clients.update_client(
        organization, owner, client.pk, {"custom_fields": {"sites": "2", "niveau": "or"}}
    )
    assert same.version == 1
    assert history_for(organization.pk, "client", client.pk).count() == 1


def test_clearing_a_required_field_is_refused(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        clients.update_client(
            organization, owner, client.pk, {"custom_fields": {"fin_contrat": ""}}
        )
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("custom_fields.fin_contrat", "required")
    ]
    client.refresh_from_db()
    assert client.custom_fields["fin_contrat"] == "2026-12-31"


def test_a_required_field_added_later_does_not_block_other_changes(organization, owner, client):
    services.create_custom_field(
        organization, owner, {"name": "Code ERP", "type": "text", "required": True}
    )
    changed = clients.update_client(organization, owner, client.pk, {"custom_fields": {"sites": 9}})
    assert changed.custom_fields["sites"] == 9
    assert "code_erp" not in changed.custom_fields


def test_an_unknown_custom_field_on_update_is_refused(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        clients.update_client(organization, owner, client.pk, {"custom_fields": {"inconnu": 1}})
    assert exc.value.errors[0].field == "custom_fields.inconnu"
    assert exc.value.errors[0].code == "unknown_custom_field"


def test_values_of_another_organization_s_fields_are_unknown(other_organization, outsider, fields):
    with pytest.raises(ValidationFailed) as exc:
        clients.create_client(
            other_organization, outsider, {"name": "X", "custom_fields": {"sites": 2}}
        )
    assert exc.value.errors[0].code == "unknown_custom_field"


def test_sync_values_bulk_rewrites_many_clients_index(organization, owner, fields, client):
    other = create(organization, owner, {"fin_contrat": "2027-01-31"}, name="Autre")
    services.sync_values_bulk(
        organization.pk,
        list(fields.values()),
        {client.pk: {"sites": 7}, other.pk: {"niveau": "Argent", "canaux": ["Web", "Presse"]}},
        batch_size=2,
    )
    assert index(client) == {("sites", "7")}
    assert index(other) == {("niveau", "argent"), ("canaux", "web"), ("canaux", "presse")}


def test_a_full_card_number_in_a_custom_text_is_refused(organization, owner) -> None:
    services.create_custom_field(organization, owner, {"name": "Remarque", "type": "long_text"})
    with pytest.raises(ValidationFailed) as refused:
        clients.create_client(
            organization,
            owner,
            {"name": "Martin", "custom_fields": {"remarque": "Payé avec 4970 1012 3456 7893"}},
        )
    [error] = refused.value.errors
    assert (error.field, error.code) == ("custom_fields.remarque", "card_number")
    assert "7893" in str(error.message)
    assert not Client.objects.exists()
    # A SIRET is not a card number.
    clients.create_client(
        organization, owner, {"name": "Martin", "custom_fields": {"remarque": "73282932000074"}}
    )
