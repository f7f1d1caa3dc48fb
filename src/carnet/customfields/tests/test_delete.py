"""Deleting a custom field: its value leaves every client, with a history entry each."""

from __future__ import annotations

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.core.history import history_for
from carnet.customfields import services
from carnet.customfields.models import CustomField, CustomFieldValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def level(organization, owner) -> CustomField:
    return services.create_custom_field(
        organization,
        owner,
        {"name": "Niveau", "type": "choice", "choices": ["Bronze", "Or"]},
    )


@pytest.fixture
def sites(organization, owner) -> CustomField:
    return services.create_custom_field(organization, owner, {"name": "Sites", "type": "integer"})


def make(organization, owner, name: str, values: dict) -> Client:
    return clients.create_client(organization, owner, {"name": name, "custom_fields": values})


def test_it_removes_the_value_from_every_client_and_records_it(
    organization, owner, member, level, sites
):
    gold = make(organization, owner, "Or SA", {"niveau": "Or", "sites": 3})
    bronze = make(organization, owner, "Bronze SARL", {"niveau": "Bronze"})
    without = make(organization, owner, "Sans niveau", {"sites": 1})
    clients.delete_client(organization, owner, bronze.pk)  # the trash loses it too
    bronze.refresh_from_db()

    affected = services.delete_custom_field(organization, member, level.pk, source="web")

    assert affected == 2
    assert not CustomField.objects.filter(pk=level.pk).exists()
    assert not CustomFieldValue.objects.filter(field_id=level.pk).exists()
    for client, before in ((gold, gold.version), (bronze, bronze.version)):
        client.refresh_from_db()
        assert "niveau" not in client.custom_fields
        assert client.version == before + 1
        latest = history_for(organization.pk, "client", client.pk).first()
        assert latest.action == "update" and latest.user == member and latest.source == "web"
        assert list(latest.changes) == ["custom_fields.niveau"]
    gold_history = history_for(organization.pk, "client", gold.pk).first()
    assert gold_history.changes["custom_fields.niveau"] == {"old": "Or", "new": None}
    assert gold.custom_fields == {"sites": 3}
    assert set(CustomFieldValue.objects.values_list("client_id", "value")) == {
        (gold.pk, "3"),
        (without.pk, "1"),
    }
    untouched = Client.objects.get(pk=without.pk)
    assert untouched.version == 1 and untouched.custom_fields == {"sites": 1}
    assert history_for(organization.pk, "client", without.pk).count() == 1
    deletion = history_for(organization.pk, "custom_field", level.pk).first()
    assert deletion.action == "delete"
    assert deletion.changes["slug"] == {"old": "niveau", "new": None}
    assert deletion.changes["clients_affected"] == {"old": None, "new": 2}


def test_a_field_nobody_uses_deletes_quietly(organization, owner, level):
    make(organization, owner, "Client", {})
    assert services.delete_custom_field(organization, owner, level.pk) == 0
    assert Client.objects.get().version == 1


def test_the_slug_is_free_again_after_a_delete(organization, owner, level):
    make(organization, owner, "Client", {"niveau": "Or"})
    services.delete_custom_field(organization, owner, level.pk)
    again = services.create_custom_field(organization, owner, {"name": "Niveau", "type": "text"})
    assert again.slug == "niveau"
    assert services.usage_count(organization, again) == 0


def test_other_organizations_keep_their_values(
    organization, owner, other_organization, outsider, level
):
    theirs = services.create_custom_field(
        other_organization, outsider, {"name": "Niveau", "type": "text"}
    )
    client = make(other_organization, outsider, "Ailleurs", {"niveau": "Or"})
    services.delete_custom_field(organization, owner, level.pk)
    client.refresh_from_db()
    assert client.custom_fields == {"niveau": "Or"} and client.version == 1
    assert CustomFieldValue.objects.filter(field=theirs).count() == 1


@pytest.mark.parametrize(
    ("kind", "extra", "value"),
    [
        ("boolean", {}, True),
        ("boolean", {}, False),
        ("integer", {}, 12),
        ("decimal", {}, "12.50"),
        ("multiple_choice", {"choices": ["Web", "Salon"]}, ["Web", "Salon"]),
        ("long_text", {}, "Deux\nlignes « citées »"),
    ],
)
def test_the_history_keeps_the_removed_value_with_its_json_type(
    organization, owner, kind, extra, value
):
    field = services.create_custom_field(
        organization, owner, {"name": "Champ", "type": kind, **extra}
    )
    client = make(organization, owner, "Client", {"champ": value})
    services.delete_custom_field(organization, owner, field.pk)
    latest = history_for(organization.pk, "client", client.pk).first()
    assert latest.changes == {"custom_fields.champ": {"old": value, "new": None}}
    assert latest.user == owner and latest.created_at is not None
