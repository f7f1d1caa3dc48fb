"""Scanning for duplicates, the review, dismissals, warnings on create, and the API."""

from __future__ import annotations

import pytest

from carnet.addresses.services import create_address
from carnet.cli import main
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.duplicates import services
from carnet.duplicates.models import Dismissal, DuplicateGroup


@pytest.fixture
def alike(organization, owner):
    """Two establishments of one company, a near-identical name in the same town, a phone
    shared, and an unrelated client."""
    a = clients.create_client(
        organization, owner, {"name": "Boulangerie Martin", "siret": "73282932000074"}
    )
    b = clients.create_client(
        organization, owner, {"name": "Boulangerie Martin - Nord", "siret": "73282932000090"}
    )
    c = clients.create_client(organization, owner, {"name": "SARL Garage Dupont"})
    d = clients.create_client(organization, owner, {"name": "Garage Dupont"})
    for client in (c, d):
        create_address(
            organization,
            owner,
            client.pk,
            {"line1": "1 rue A", "postcode": "69001", "city": "Lyon", "is_billing": True},
        )
    e = clients.create_client(
        organization, owner, {"name": "Fleuriste Rose", "phone": "0142685300"}
    )
    f = clients.create_client(
        organization, owner, {"name": "Rose et Fleurs", "phone": "+33142685300"}
    )
    other = clients.create_client(organization, owner, {"name": "Plomberie Lefèvre"})
    return a, b, c, d, e, f, other


def _group_of(groups, client):
    return next(item for item in groups if client.pk in [m.pk for m in item["members"]])


def test_a_scan_finds_each_kind_of_likely_duplicate(organization, alike):
    a, b, c, d, e, f, other = alike
    counts = services.scan(organization)
    assert counts["groups"] == 3
    groups = services.review_groups(organization)
    assert {m.pk for m in _group_of(groups, a)["members"]} == {a.pk, b.pk}
    assert {m.pk for m in _group_of(groups, c)["members"]} == {c.pk, d.pk}
    assert {m.pk for m in _group_of(groups, e)["members"]} == {e.pk, f.pk}
    codes = {r["code"] for r in _group_of(groups, a)["pairs"][0]["reasons"]}
    assert "same_siren" in codes
    assert all(other.pk not in [m.pk for m in item["members"]] for item in groups)
    scores = [item["group"].score for item in groups]
    assert scores == sorted(scores, reverse=True)


def test_dismissed_clients_are_not_proposed_again(organization, owner, alike):
    a, *_rest = alike
    services.scan(organization)
    group = _group_of(services.review_groups(organization), a)["group"]
    services.dismiss_group(organization, owner, group.pk)
    assert Dismissal.objects.count() == 1
    services.scan(organization)
    groups = services.review_groups(organization)
    assert all(a.pk not in [m.pk for m in item["members"]] for item in groups)


def test_another_organizations_clients_are_never_compared(
    organization, owner, other_organization, outsider, alike
):
    clients.create_client(
        other_organization, outsider, {"name": "Boulangerie Martin", "siret": "73282932000082"}
    )
    services.scan(organization)
    ids = {pk for g in DuplicateGroup.objects.all() for pk in g.members}
    assert not ids & set(
        Client.objects.filter(organization=other_organization).values_list("pk", flat=True)
    )


def test_the_scan_command_prints_what_it_found(organization, alike, capsys):
    assert main(["duplicates", "scan", "--org", organization.slug]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "groups=3 pairs=3"


def test_likely_duplicates_do_not_block_a_creation_but_are_warned(api, organization, owner, alike):
    a, *_rest = alike
    response = api.post("/clients", {"name": "Boulangerie Martin Sud", "siret": "73282932000017"})
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert warnings and warnings[0]["code"] == "likely_duplicate"
    assert a.pk in [w["client"] for w in warnings]
    assert "same_siren" in warnings[0]["reasons"]


def test_the_api_lists_groups_and_dismisses_them(api, organization, alike):
    scanned = api.post("/duplicates/scan")
    assert scanned.status_code == 200 and scanned.json()["counts"]["groups"] == 3
    groups = api.get("/duplicates").json()["items"]
    assert len(groups) == 3
    assert groups[0]["pairs"][0]["reasons"][0]["label"]
    assert api.post(f"/duplicates/{groups[0]['id']}/dismiss").status_code == 204
    assert len(api.get("/duplicates").json()["items"]) == 2


def test_another_organizations_group_is_not_found(api, outsider_api, organization, alike):
    api.post("/duplicates/scan")
    group = api.get("/duplicates").json()["items"][0]
    assert outsider_api.post(f"/duplicates/{group['id']}/dismiss").status_code == 404
    assert outsider_api.get("/duplicates").json()["items"] == []


def test_merge_and_undo_through_the_api(api, organization, alike):
    a, b, *_rest = alike
    preview = api.post("/clients/merge/preview", {"survivor": a.pk, "others": [b.pk]})
    assert preview.status_code == 200
    fields = {f["field"]: f for f in preview.json()["fields"]}
    assert fields["name"]["conflict"] and fields["name"]["chosen"] == a.pk
    merged = api.post(
        "/clients/merge",
        {"survivor": a.pk, "others": [b.pk], "values": {"name": b.pk}},
        headers={"If-Match": '"1"'},
    )
    assert merged.status_code == 201, merged.content
    merge = merged.json()
    assert api.get(f"/clients/{a.pk}").json()["name"] == "Boulangerie Martin - Nord"
    gone = api.get(f"/clients/{b.pk}").json()
    assert gone["merged_into"] == a.pk
    assert b.pk not in [c["id"] for c in api.get("/clients").json()["items"]]
    assert api.get(f"/merges/{merge['id']}").json()["others"] == [b.pk]
    undone = api.post(f"/merges/{merge['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert api.get(f"/clients/{b.pk}").json()["merged_into"] is None
    assert api.post(f"/merges/{merge['id']}/undo").status_code == 409


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"survivor": "self", "others": ["self"]}, 422),
        ({"survivor": "a", "others": []}, 422),
        ({"survivor": "a", "others": [999999]}, 404),
        ({"survivor": "a", "others": ["b"], "values": {"password": "b"}}, 422),
        ({"survivor": "a", "others": ["b"], "values": {"name": 999999}}, 422),
        ({"survivor": "a", "others": ["b"], "color": "red"}, 422),
    ],
)
def test_bad_merges_are_refused_through_the_api(api, alike, payload, status):
    a, b, *_rest = alike
    ids = {"self": a.pk, "a": a.pk, "b": b.pk}
    body = {
        key: (ids.get(value, value) if not isinstance(value, list | dict) else value)
        for key, value in payload.items()
    }
    body["others"] = [ids.get(v, v) for v in payload.get("others", [])]
    if "values" in payload:
        body["values"] = {k: ids.get(v, v) for k, v in payload["values"].items()}
    assert api.post("/clients/merge", body).status_code == status
    assert not Client.objects.filter(merged_into__isnull=False).exists()


def test_a_stale_survivor_is_refused_with_412(api, organization, owner, alike):
    a, b, *_rest = alike
    clients.update_client(organization, owner, a.pk, {"notes": "changé"})
    response = api.post(
        "/clients/merge", {"survivor": a.pk, "others": [b.pk]}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 412


def test_another_organizations_client_cannot_be_merged(
    api, organization, other_organization, outsider, alike
):
    a, *_rest = alike
    theirs = clients.create_client(other_organization, outsider, {"name": "Chez eux"})
    assert api.post("/clients/merge", {"survivor": a.pk, "others": [theirs.pk]}).status_code == 404
