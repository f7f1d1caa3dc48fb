"""Changing clients: partial updates, optimistic concurrency, history."""

from __future__ import annotations

import pytest

from carnet.clients import services
from carnet.clients.models import Client
from carnet.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from carnet.core.history import history_for


@pytest.fixture
def client(organization, owner):
    return services.create_client(
        organization,
        owner,
        {"name": "Atelier Bois", "siret": "73282932000074", "email": "a@bois.fr", "tags": ["bois"]},
    )


def test_it_changes_only_what_is_sent_and_bumps_the_version(organization, owner, client):
    updated = services.update_client(organization, owner, client.pk, {"name": "Atelier du Bois"})
    assert updated.name == "Atelier du Bois"
    assert updated.siret == "73282932000074"
    assert updated.email == "a@bois.fr"
    assert updated.version == 2


def test_it_records_each_changed_field_with_old_and_new_values(organization, owner, member, client):
    services.update_client(
        organization,
        member,
        client.pk,
        {"name": "Atelier du Bois", "email": "b@bois.fr", "phone": ""},
    )
    latest = history_for(organization.pk, "client", client.pk).first()
    assert latest.action == "update"
    assert latest.user == member
    assert latest.changes == {
        "name": {"old": "Atelier Bois", "new": "Atelier du Bois"},
        "email": {"old": "a@bois.fr", "new": "b@bois.fr"},
    }


def test_an_unchanged_update_records_nothing(organization, owner, client):
    services.update_client(
        organization, owner, client.pk, {"name": "Atelier Bois", "siret": "732 829 320 00074"}
    )
    assert history_for(organization.pk, "client", client.pk).count() == 1
    assert Client.objects.get(pk=client.pk).version == 1


def test_a_stale_version_is_refused_and_nothing_is_overwritten(organization, owner, member, client):
    services.update_client(
        organization, member, client.pk, {"name": "Nom de Paul"}, expected_version=1
    )
    with pytest.raises(StaleVersion) as caught:
        services.update_client(
            organization, owner, client.pk, {"name": "Nom de Marie"}, expected_version=1
        )
    assert caught.value.current_version == 2
    assert "modifié par quelqu'un d'autre" in str(caught.value.detail)
    assert Client.objects.get(pk=client.pk).name == "Nom de Paul"


def test_changing_the_siret_carries_its_siren(organization, owner, client):
    updated = services.update_client(organization, owner, client.pk, {"siret": "55212022200013"})
    assert updated.siren == "552120222"


def test_it_refuses_taking_another_clients_email(organization, owner, client):
    services.create_client(organization, owner, {"name": "Other", "email": "o@other.fr"})
    with pytest.raises(Conflict):
        services.update_client(organization, owner, client.pk, {"email": "O@OTHER.fr"})


def test_invalid_input_changes_nothing(organization, owner, client):
    with pytest.raises(ValidationFailed):
        services.update_client(organization, owner, client.pk, {"name": "Nouveau", "siret": "123"})
    fresh = Client.objects.get(pk=client.pk)
    assert (fresh.name, fresh.version) == ("Atelier Bois", 1)


def test_tags_are_replaced(organization, owner, client):
    updated = services.update_client(organization, owner, client.pk, {"tags": ["chêne", "Export"]})
    assert sorted((t.name for t in updated.tags.all()), key=str.casefold) == ["chêne", "Export"]
    change = history_for(organization.pk, "client", client.pk).first().changes
    assert change == {"tags": {"old": ["bois"], "new": ["chêne", "Export"]}}


def test_another_organizations_client_is_not_found(other_organization, outsider, client):
    with pytest.raises(NotFound):
        services.update_client(other_organization, outsider, client.pk, {"name": "Piraté"})
    assert Client.objects.get(pk=client.pk).name == "Atelier Bois"


def test_a_trashed_client_cannot_be_edited(organization, owner, client):
    services.delete_client(organization, owner, client.pk)
    with pytest.raises(Conflict) as caught:
        services.update_client(organization, owner, client.pk, {"name": "X"})
    assert caught.value.code == "deleted"


def test_the_search_text_follows_a_rename(organization, owner, client):
    services.update_client(organization, owner, client.pk, {"name": "Menuiserie Éclair"})
    assert "menuiserie eclair" in Client.objects.get(pk=client.pk).search_text
