"""Managing tags, categories and category groups: /api/v1/tags, /categories,
/category-groups. Renames show at once, merges and deletes are recorded on every client."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients import services
from carnet.clients.models import Category, CategoryGroup, Client, ClientTag, Tag
from carnet.conftest import ApiClient
from carnet.core.models import ChangeRecord


@pytest.fixture
def tagged(organization, owner) -> dict[str, Client]:
    return {
        name: services.create_client(organization, owner, {"name": name, **fields})
        for name, fields in [
            ("Alpha", {"tags": ["VIP", "Export"], "category": "Commerce"}),
            ("Bravo", {"tags": ["vip client"], "category": "Industrie"}),
            ("Charlie", {"tags": ["Export"], "category": "Commerce"}),
            ("Delta", {}),
        ]
    }


def tag_id(organization, name: str) -> int:
    return Tag.objects.get(organization=organization, name=name).pk


def tags_of(client: Client) -> list[str]:
    return sorted(ClientTag.objects.filter(client=client).values_list("tag__name", flat=True))


def test_it_lists_tags_with_their_client_counts(api, tagged):
    items = api.get("/tags").json()["items"]
    assert [(i["name"], i["client_count"]) for i in items] == [
        ("Export", 2),
        ("VIP", 1),
        ("vip client", 1),
    ]


def test_it_creates_a_tag_and_refuses_the_same_name_in_another_case(api, organization, tagged):
    response = api.post("/tags", {"name": "  Salon   2026 "})
    assert response.status_code == 201, response.content
    assert response.json() == {"id": response.json()["id"], "name": "Salon 2026", "client_count": 0}
    duplicate = api.post("/tags", {"name": "vip"})
    assert duplicate.status_code == 409
    assert duplicate.json()["existing_id"] == tag_id(organization, "VIP")


def test_renaming_a_tag_shows_on_every_client(api, organization, tagged):
    response = api.patch(f"/tags/{tag_id(organization, 'Export')}", {"name": "International"})
    assert response.status_code == 200, response.content
    assert api.get(f"/clients/{tagged['Alpha'].pk}").json()["tags"] == ["International", "VIP"]
    history = ChangeRecord.objects.get(object_type="tag", action="update")
    assert history.changes == {"name": {"old": "Export", "new": "International"}}


def test_renaming_onto_another_tags_name_is_refused_with_a_hint_to_merge(api, organization, tagged):
    response = api.patch(f"/tags/{tag_id(organization, 'vip client')}", {"name": "VIP"})
    assert response.status_code == 409
    assert "fusionnez" in response.json()["detail"]


def test_merging_tags_moves_their_clients_and_records_each(api, organization, owner, tagged):
    # Alpha has both; Bravo only the merged one.
    services.update_client(organization, owner, tagged["Alpha"].pk, {"tags": ["VIP", "vip client"]})
    source, target = tag_id(organization, "vip client"), tag_id(organization, "VIP")
    response = api.post(f"/tags/{source}/merge", {"into": target})
    assert response.status_code == 200, response.content
    assert response.json()["clients_affected"] == 2
    assert response.json()["merged_into"]["client_count"] == 2
    assert tags_of(tagged["Alpha"]) == ["VIP"]
    assert tags_of(tagged["Bravo"]) == ["VIP"]
    assert not Tag.objects.filter(pk=source).exists()
    bravo = (
        ChangeRecord.objects.filter(object_type="client", object_id=tagged["Bravo"].pk)
        .order_by("-id")
        .first()
    )
    assert bravo.changes == {"tags": {"old": ["vip client"], "new": ["VIP"]}}
    assert bravo.source == "api"
    assert Client.objects.get(pk=tagged["Bravo"].pk).version == 2


def test_a_tag_cannot_merge_into_itself(api, organization, tagged):
    pk = tag_id(organization, "VIP")
    assert api.post(f"/tags/{pk}/merge", {"into": pk}).status_code == 422


def test_deleting_a_tag_takes_it_off_its_clients(api, organization, tagged):
    response = api.delete(f"/tags/{tag_id(organization, 'Export')}")
    assert response.json() == {"deleted": True, "clients_affected": 2}
    assert tags_of(tagged["Alpha"]) == ["VIP"]
    record = (
        ChangeRecord.objects.filter(object_type="client", object_id=tagged["Charlie"].pk)
        .order_by("-id")
        .first()
    )
    assert record.changes == {"tags": {"old": ["Export"], "new": []}}


def test_categories_in_groups(api, organization, tagged):
    group = api.post("/category-groups", {"name": "Secteur"}).json()
    commerce = Category.objects.get(organization=organization, name="Commerce").pk
    moved = api.patch(f"/categories/{commerce}", {"group": group["id"]})
    assert moved.status_code == 200, moved.content
    assert moved.json()["group"] == {"id": group["id"], "name": "Secteur"}
    created = api.post("/categories", {"name": "Services", "group": group["id"]})
    assert created.status_code == 201
    groups = api.get("/category-groups").json()["items"]
    assert groups == [
        {"id": group["id"], "name": "Secteur", "categories": ["Commerce", "Services"]}
    ]
    listed = {c["name"]: c for c in api.get("/categories").json()["items"]}
    assert listed["Commerce"]["client_count"] == 2
    assert listed["Industrie"]["group"] is None


def test_deleting_a_group_keeps_its_categories(api, organization, tagged):
    group = services.create_category_group(organization, None, "Zone")
    Category.objects.filter(organization=organization).update(group=group)
    response = api.delete(f"/category-groups/{group.pk}")
    assert response.json()["categories_affected"] == 2
    assert Category.objects.filter(organization=organization, group__isnull=True).count() == 2


def test_merging_and_deleting_categories(api, organization, tagged):
    commerce = Category.objects.get(organization=organization, name="Commerce").pk
    industrie = Category.objects.get(organization=organization, name="Industrie").pk
    response = api.post(f"/categories/{industrie}/merge", {"into": commerce})
    assert response.json()["clients_affected"] == 1
    assert api.get(f"/clients/{tagged['Bravo'].pk}").json()["category"] == "Commerce"
    response = api.delete(f"/categories/{commerce}")
    assert response.json()["clients_affected"] == 3
    assert api.get(f"/clients/{tagged['Alpha'].pk}").json()["category"] is None
    record = (
        ChangeRecord.objects.filter(object_type="client", object_id=tagged["Alpha"].pk)
        .order_by("-id")
        .first()
    )
    assert record.changes == {"category": {"old": "Commerce", "new": None}}


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "/tags", {"name": ""}),
        ("post", "/tags", {"name": "x" * 65}),
        ("post", "/tags", {"name": "a\u0000b"}),
        ("post", "/tags", {"name": 12}),
        ("post", "/tags", {"nom": "VIP"}),
        ("post", "/categories", {}),
        ("post", "/categories", {"name": "Neuve", "group": 999999}),
        ("post", "/category-groups", {"name": "   "}),
    ],
)
def test_bad_names_are_refused(api, tagged, method, path, payload):
    before = Tag.objects.count(), Category.objects.count(), CategoryGroup.objects.count()
    response = getattr(api, method)(path, payload)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["message"]
    assert (Tag.objects.count(), Category.objects.count(), CategoryGroup.objects.count()) == before


def test_another_organizations_tags_and_categories_are_not_found(
    outsider_api, organization, tagged
):
    tag = tag_id(organization, "VIP")
    category = Category.objects.filter(organization=organization).first().pk
    assert outsider_api.get("/tags").json()["items"] == []
    assert outsider_api.patch(f"/tags/{tag}", {"name": "X"}).status_code == 404
    assert outsider_api.delete(f"/tags/{tag}").status_code == 404
    assert outsider_api.delete(f"/categories/{category}").status_code == 404
    assert Tag.objects.filter(pk=tag, name="VIP").exists()


def test_merging_into_another_organizations_tag_is_not_found(
    api, organization, tagged, other_organization
):
    theirs = Tag.objects.create(organization=other_organization, name="Theirs")
    response = api.post(f"/tags/{tag_id(organization, 'VIP')}/merge", {"into": theirs.pk})
    assert response.status_code == 404
    assert tags_of(tagged["Alpha"]) == ["Export", "VIP"]


def test_read_only_members_can_list_but_not_change(organization, tagged):
    viewer = add_member(organization, email="lecture@dupont.fr", role=Role.VIEWER).user
    api = ApiClient(create_api_token(organization, viewer))
    assert api.get("/tags").status_code == 200
    assert api.post("/tags", {"name": "Nouveau"}).status_code == 403
    assert api.delete(f"/tags/{tag_id(organization, 'VIP')}").status_code == 403


def history(organization: Any, object_type: str) -> list[str]:
    return list(
        ChangeRecord.objects.filter(organization=organization, object_type=object_type)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_every_list_change_is_in_the_lists_history(api, organization, tagged):
    created = api.post("/tags", {"name": "Temporaire"}).json()
    api.patch(f"/tags/{created['id']}", {"name": "Provisoire"})
    api.delete(f"/tags/{created['id']}")
    assert history(organization, "tag") == ["create", "update", "delete"]
