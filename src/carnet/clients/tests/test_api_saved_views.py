"""Saved views: /api/v1/saved-views."""

from __future__ import annotations

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients.models import SavedView
from carnet.conftest import ApiClient


@pytest.fixture
def member_api(organization, member):
    return ApiClient(create_api_token(organization, member))


def test_it_saves_a_view_with_its_checked_parameters(api):
    response = api.post(
        "/saved-views",
        {"name": "VIP à relancer", "params": {"tag": ["VIP"], "sort": "-revenue", "limit": "10"}},
    )
    assert response.status_code == 201, response.content
    view = response.json()
    assert view["params"] == {"tag": ["VIP"], "sort": "-revenue"}  # no limit or cursor
    assert view["url"] == "/clients/?tag=VIP&sort=-revenue"
    assert view["mine"] is True and view["shared"] is False


def test_private_views_are_the_authors_shared_ones_everyones(api, member_api):
    api.post("/saved-views", {"name": "Perso", "params": {"q": "dupont"}})
    api.post("/saved-views", {"name": "Équipe", "params": {"kind": "company"}, "shared": True})
    names = [v["name"] for v in member_api.get("/saved-views").json()["items"]]
    assert names == ["Équipe"]
    assert [v["name"] for v in api.get("/saved-views").json()["items"]] == ["Équipe", "Perso"]


def test_only_the_author_or_an_admin_changes_a_shared_view(api, member_api, organization):
    shared = api.post("/saved-views", {"name": "Équipe", "params": {}, "shared": True}).json()
    assert member_api.patch(f"/saved-views/{shared['id']}", {"name": "Moi"}).status_code == 403
    assert member_api.delete(f"/saved-views/{shared['id']}").status_code == 403
    mine = member_api.post("/saved-views", {"name": "À moi", "params": {}, "shared": True}).json()
    # The owner of the organization is an administrator.
    assert api.patch(f"/saved-views/{mine['id']}", {"name": "Renommée"}).status_code == 200
    assert api.delete(f"/saved-views/{mine['id']}").status_code == 204
    assert not SavedView.objects.filter(pk=mine["id"]).exists()


def test_a_private_view_is_invisible_to_others(api, member_api):
    private = api.post("/saved-views", {"name": "Perso", "params": {}}).json()
    assert member_api.get(f"/saved-views/{private['id']}").status_code == 404
    assert member_api.delete(f"/saved-views/{private['id']}").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "params": {}}, "name"),
        ({"name": "X", "params": {"colour": "red"}}, "params.colour"),
        ({"name": "X", "params": {"sort": "price"}}, "params.sort"),
        ({"name": "X", "params": {"created_after": "hier"}}, "params.created_after"),
        ({"name": "X", "params": {"cf_nope": "1"}}, "params.cf_nope"),
        ({"name": "X", "params": "q=dupont"}, "params"),
    ],
)
def test_bad_views_are_refused(api, payload, field):
    response = api.post("/saved-views", payload)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not SavedView.objects.exists()


def test_two_views_of_one_author_cannot_share_a_name(api):
    api.post("/saved-views", {"name": "Prospects", "params": {}})
    assert api.post("/saved-views", {"name": "PROSPECTS", "params": {}}).status_code == 409


def test_another_organizations_views_are_not_found(api, outsider_api):
    view = api.post("/saved-views", {"name": "Équipe", "params": {}, "shared": True}).json()
    assert outsider_api.get("/saved-views").json()["items"] == []
    assert outsider_api.get(f"/saved-views/{view['id']}").status_code == 404
    assert outsider_api.delete(f"/saved-views/{view['id']}").status_code == 404


def test_read_only_members_may_keep_their_own_views(organization):
    viewer = add_member(organization, email="lecture@dupont.fr", role=Role.VIEWER).user
    api = ApiClient(create_api_token(organization, viewer))
    assert api.post("/saved-views", {"name": "Mes clients", "params": {}}).status_code == 201
