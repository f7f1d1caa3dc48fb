"""Archive, unarchive, trash, restore, purge — and the delete refusal."""

from __future__ import annotations

import pytest

from carnet.clients import services
from carnet.clients.models import Client
from carnet.clients.queries import ClientFilter, list_clients
from carnet.core.errors import Conflict, NotFound
from carnet.core.history import history_for
from carnet.testing.models import SampleDocument


@pytest.fixture
def client(organization, owner):
    return services.create_client(
        organization, owner, {"name": "Garage Lemoine", "email": "g@lemoine.fr"}
    )


def names(organization, **params):
    return [c.name for c in list_clients(organization, ClientFilter.from_params(params)).items]


def test_an_archived_client_leaves_the_default_list_but_stays_reachable(
    organization, owner, client
):
    services.create_client(organization, owner, {"name": "Zèbre SARL"})
    services.archive_client(organization, owner, client.pk)
    assert names(organization) == ["Zèbre SARL"]
    assert names(organization, archived="true") == ["Garage Lemoine"]
    assert names(organization, archived="all") == ["Zèbre SARL", "Garage Lemoine"]
    assert services.get_client(organization, client.pk).archived


def test_unarchive_brings_it_back(organization, owner, client):
    services.archive_client(organization, owner, client.pk)
    services.unarchive_client(organization, owner, client.pk)
    assert names(organization) == ["Garage Lemoine"]
    actions = [h.action for h in history_for(organization.pk, "client", client.pk)]
    assert actions == ["unarchive", "archive", "create"]


def test_archiving_twice_records_once(organization, owner, client):
    services.archive_client(organization, owner, client.pk)
    services.archive_client(organization, owner, client.pk)
    assert [h.action for h in history_for(organization.pk, "client", client.pk)] == [
        "archive",
        "create",
    ]


def test_delete_moves_to_the_trash_and_restore_brings_back(organization, owner, client):
    services.delete_client(organization, owner, client.pk)
    assert names(organization, archived="all") == []
    assert names(organization, trash="1") == ["Garage Lemoine"]
    services.restore_client(organization, owner, client.pk)
    assert names(organization) == ["Garage Lemoine"]
    actions = [h.action for h in history_for(organization.pk, "client", client.pk)]
    assert actions == ["restore", "delete", "create"]


def test_delete_is_refused_while_documents_are_attached(organization, owner, client):
    SampleDocument.objects.create(organization=organization, client=client, number="F-2026-001")
    SampleDocument.objects.create(organization=organization, client=client, number="F-2026-002")
    with pytest.raises(Conflict) as caught:
        services.delete_client(organization, owner, client.pk)
    assert caught.value.code == "has_documents"
    assert caught.value.extra["blockers"] == {"sample_documents": 2}
    assert caught.value.extra["can_archive"] is True
    message = str(caught.value.detail)
    assert "2 documents" in message and "Archivez-le" in message
    assert Client.objects.get(pk=client.pk).deleted_at is None


def test_restore_is_refused_when_a_live_client_took_its_email(organization, owner, client):
    services.delete_client(organization, owner, client.pk)
    services.create_client(organization, owner, {"name": "Nouveau garage", "email": "G@lemoine.fr"})
    with pytest.raises(Conflict) as caught:
        services.restore_client(organization, owner, client.pk)
    assert caught.value.code == "duplicate"
    assert Client.objects.get(pk=client.pk).deleted_at is not None


def test_purge_removes_a_trashed_client_for_good(organization, owner, client):
    with pytest.raises(Conflict):
        services.purge_client(organization, owner, client.pk)
    services.delete_client(organization, owner, client.pk)
    services.purge_client(organization, owner, client.pk)
    with pytest.raises(NotFound):
        services.get_client(organization, client.pk)
    assert history_for(organization.pk, "client", client.pk).first().action == "purge"


def test_lifecycle_actions_ignore_other_organizations_ids(other_organization, outsider, client):
    for action in (
        services.archive_client,
        services.delete_client,
        services.restore_client,
        services.unarchive_client,
        services.purge_client,
    ):
        with pytest.raises(NotFound):
            action(other_organization, outsider, client.pk)
    fresh = Client.objects.get(pk=client.pk)
    assert not fresh.archived and fresh.deleted_at is None


@pytest.mark.parametrize("bad_id", ["abc", -1, 0, 2**70, None, "1; DROP TABLE"])
def test_garbage_ids_are_not_found(organization, bad_id):
    with pytest.raises(NotFound):
        services.get_client(organization, bad_id)
