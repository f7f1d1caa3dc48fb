"""POST /api/v1/clients/bulk: one action on many clients, with a result for each."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients import services
from carnet.clients.models import Client, ClientTag
from carnet.conftest import ApiClient
from carnet.core.models import ChangeRecord
from carnet.testing.models import SampleDocument


@pytest.fixture
def five(organization, owner) -> list[Client]:
    return [
        services.create_client(organization, owner, {"name": name, "tags": tags})
        for name, tags in [
            ("Alpha", ["VIP"]),
            ("Bravo", []),
            ("Charlie", ["Export"]),
            ("Delta", ["VIP", "Export"]),
            ("Echo", []),
        ]
    ]


def tags_of(client: Client) -> list[str]:
    return sorted(ClientTag.objects.filter(client=client).values_list("tag__name", flat=True))


def statuses(response: Any) -> dict[int, str]:
    assert response.status_code == 200, response.content
    return {r["id"]: r["status"] for r in response.json()["results"]}


def test_it_tags_the_given_clients_and_says_what_changed(api, five):
    alpha, bravo, *_ = five
    response = api.post(
        "/clients/bulk", {"action": "tag", "tags": ["VIP"], "ids": [alpha.pk, bravo.pk]}
    )
    assert statuses(response) == {alpha.pk: "unchanged", bravo.pk: "done"}
    assert response.json()["counts"] == {"done": 1, "unchanged": 1, "refused": 0, "not_found": 0}
    assert tags_of(bravo) == ["VIP"]
    bravo.refresh_from_db()
    assert bravo.version == 2
    record = ChangeRecord.objects.filter(object_id=bravo.pk).order_by("-id").first()
    assert record.action == "update" and record.source == "api"
    assert record.changes == {"tags": {"old": [], "new": ["VIP"]}}
    assert record.user is not None


def test_it_untags(api, five):
    delta = five[3]
    assert statuses(
        api.post("/clients/bulk", {"action": "untag", "tags": ["vip"], "ids": [delta.pk]})
    ) == {delta.pk: "done"}
    assert tags_of(delta) == ["Export"]


def test_it_sets_and_clears_the_category_and_the_owner(api, organization, owner, five):
    alpha, bravo = five[0], five[1]
    seller = add_member(organization, email="vente@dupont.fr").user
    ids = [alpha.pk, bravo.pk]
    assert set(
        statuses(
            api.post(
                "/clients/bulk", {"action": "set_category", "category": "Grand compte", "ids": ids}
            )
        ).values()
    ) == {"done"}
    assert set(
        statuses(
            api.post("/clients/bulk", {"action": "set_owner", "owner": seller.pk, "ids": ids})
        ).values()
    ) == {"done"}
    alpha.refresh_from_db()
    assert alpha.category.name == "Grand compte" and alpha.owner_id == seller.pk
    history = ChangeRecord.objects.filter(object_id=alpha.pk).order_by("id")
    assert history.last().changes == {"owner": {"old": None, "new": seller.pk}}
    api.post("/clients/bulk", {"action": "set_category", "category": None, "ids": ids})
    alpha.refresh_from_db()
    assert alpha.category is None


def test_an_owner_outside_the_organization_is_refused(api, five, outsider):
    response = api.post(
        "/clients/bulk", {"action": "set_owner", "owner": outsider.pk, "ids": [five[0].pk]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "owner"
    five[0].refresh_from_db()
    assert five[0].owner_id is None


def test_it_archives_and_unarchives(api, five):
    ids = [c.pk for c in five[:2]]
    assert set(statuses(api.post("/clients/bulk", {"action": "archive", "ids": ids})).values()) == {
        "done"
    }
    assert Client.objects.filter(pk__in=ids, archived=True).count() == 2
    assert set(statuses(api.post("/clients/bulk", {"action": "archive", "ids": ids})).values()) == {
        "unchanged"
    }
    assert set(
        statuses(api.post("/clients/bulk", {"action": "unarchive", "ids": ids})).values()
    ) == {"done"}
    assert ChangeRecord.objects.filter(object_id=ids[0], action="archive").count() == 1


def test_delete_is_refused_client_by_client_while_documents_are_attached(api, organization, five):
    alpha, bravo = five[0], five[1]
    SampleDocument.objects.create(organization=organization, client=alpha, number="F-1")
    response = api.post("/clients/bulk", {"action": "delete", "ids": [alpha.pk, bravo.pk]})
    assert statuses(response) == {alpha.pk: "refused", bravo.pk: "done"}
    refusal = response.json()["results"][0]
    assert refusal["code"] == "has_documents"
    assert "Alpha" in refusal["message"] and "1 document" in refusal["message"]
    alpha.refresh_from_db()
    bravo.refresh_from_db()
    assert alpha.deleted_at is None and bravo.deleted_at is not None


def test_a_client_in_the_trash_is_refused(api, organization, owner, five):
    services.delete_client(organization, owner, five[0].pk)
    response = api.post("/clients/bulk", {"action": "tag", "tags": ["X"], "ids": [five[0].pk]})
    assert response.json()["results"][0]["code"] == "deleted"


def test_another_organizations_ids_are_refused_one_by_one_and_left_alone(
    api, five, other_organization, outsider
):
    theirs = services.create_client(other_organization, outsider, {"name": "Chez eux"})
    response = api.post(
        "/clients/bulk",
        {"action": "tag", "tags": ["Pirate"], "ids": [five[1].pk, theirs.pk, 10**12]},
    )
    assert statuses(response) == {five[1].pk: "done", theirs.pk: "not_found", 10**12: "not_found"}
    assert tags_of(theirs) == []
    theirs.refresh_from_db()
    assert theirs.version == 1
    assert not ChangeRecord.objects.filter(object_id=theirs.pk, action="update").exists()


def test_it_acts_on_every_client_a_filter_matches(api, five):
    response = api.post(
        "/clients/bulk", {"action": "tag", "tags": ["Salon"], "filter": {"tag": ["VIP"]}}
    )
    assert statuses(response) == {five[0].pk: "done", five[3].pk: "done"}
    response = api.post("/clients/bulk", {"action": "archive", "filter": {"q": "bravo"}})
    assert statuses(response) == {five[1].pk: "done"}


def test_a_bad_filter_is_refused_and_nothing_changes(api, five):
    response = api.post("/clients/bulk", {"action": "archive", "filter": {"colour": "red"}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "filter.colour"
    assert not Client.objects.filter(archived=True).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "tag", "ids": [1]},  # no tags
        {"action": "tag", "tags": [], "ids": [1]},
        {"action": "tag", "tags": ["x" * 65], "ids": [1]},
        {"action": "explode", "ids": [1]},
        {"action": "archive"},  # neither ids nor filter
        {"action": "archive", "ids": [1], "filter": {}},  # both
        {"action": "archive", "ids": ["un"]},
        {"action": "archive", "ids": [1], "extra": True},
        {"action": "set_owner", "owner": "moi", "ids": [1]},
    ],
)
def test_bad_requests_are_refused_with_422(api, five, payload):
    response = api.post("/clients/bulk", payload)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]
    assert not ChangeRecord.objects.filter(action__in=["archive"]).exists()


def test_read_only_members_may_not_act(organization, five):
    viewer = add_member(organization, email="lecture@dupont.fr", role=Role.VIEWER).user
    api = ApiClient(create_api_token(organization, viewer))
    response = api.post("/clients/bulk", {"action": "archive", "ids": [five[0].pk]})
    assert response.status_code == 403
    assert not Client.objects.filter(archived=True).exists()


def test_a_failure_midway_leaves_nothing_half_done(api, five, monkeypatch):
    from carnet.clients import services as client_services

    calls = {"n": 0}
    original = client_services._bulk_chunk

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(client_services, "_BULK_CHUNK", 2)
    monkeypatch.setattr(client_services, "_bulk_chunk", failing)
    with pytest.raises(RuntimeError):
        client_services.bulk_change_clients(
            five[0].organization, None, "archive", [c.pk for c in five]
        )
    assert not Client.objects.filter(archived=True).exists()
    assert not ChangeRecord.objects.filter(action="archive").exists()
