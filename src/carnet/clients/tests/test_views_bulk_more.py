"""Bulk tag, untag, category and owner from the list, and actions on a whole filter."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.accounts.services import add_member
from carnet.clients import services
from carnet.clients.models import Client, ClientTag
from carnet.core.models import ChangeRecord


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def many(organization, owner):
    return [
        services.create_client(
            organization, owner, {"name": f"Client {i:02d}", "tags": ["Salon"] if i % 2 else []}
        )
        for i in range(12)
    ]


def test_the_bar_offers_tags_category_and_owner(web, many):
    page = text(web.get("/clients/"))
    for action in ("tag", "untag", "set_category", "set_owner"):
        assert f'name="action" value="{action}"' in page


def test_it_tags_the_selected_clients(web, many):
    ids = [str(c.pk) for c in many[:3]]
    response = web.post(
        "/clients/bulk/", {"action": "tag", "tags": "VIP, Relance", "ids": ids}, follow=True
    )
    assert "Étiquettes ajoutées à 3 clients." in text(response)
    assert sorted(ClientTag.objects.filter(client=many[0]).values_list("tag__name", flat=True)) == [
        "Relance",
        "VIP",
    ]
    assert ChangeRecord.objects.filter(object_id=many[0].pk, source="web", action="update").exists()


def test_it_sets_the_category_and_the_owner(web, organization, many):
    seller = add_member(organization, email="vente@dupont.fr").user
    ids = [str(c.pk) for c in many[:2]]
    web.post("/clients/bulk/", {"action": "set_category", "category": "Grand compte", "ids": ids})
    web.post("/clients/bulk/", {"action": "set_owner", "owner": str(seller.pk), "ids": ids})
    client = Client.objects.get(pk=many[0].pk)
    assert client.category.name == "Grand compte" and client.owner_id == seller.pk


def test_a_missing_tag_is_reported(web, many):
    response = web.post(
        "/clients/bulk/", {"action": "tag", "tags": " ", "ids": [str(many[0].pk)]}, follow=True
    )
    assert "Indiquez au moins une étiquette." in text(response)


def test_the_whole_filter_asks_for_confirmation_with_the_count_then_acts(web, settings, many):
    settings.CARNET_PAGE_SIZE = 5
    page = text(web.get("/clients/", {"tag": "Salon"}))
    assert 'name="scope" value="filter"' in page
    confirm = web.post(
        "/clients/bulk/",
        {
            "action": "archive",
            "scope": "filter",
            "filter": "tag=Salon",
            "next": "/clients/?tag=Salon",
        },
    )
    assert confirm.status_code == 200
    assert "6 clients correspondent à la liste" in text(confirm)
    assert not Client.objects.filter(archived=True).exists()
    done = web.post(
        "/clients/bulk/",
        {
            "action": "archive",
            "scope": "filter",
            "filter": "tag=Salon",
            "confirmed": "1",
            "next": "/clients/?tag=Salon",
        },
        follow=True,
    )
    assert "6 clients archivés." in text(done)
    assert Client.objects.filter(archived=True).count() == 6


def test_a_large_result_lists_only_the_refusals(web, organization, many, monkeypatch):
    from carnet.clients import views
    from carnet.testing.models import SampleDocument

    monkeypatch.setattr(views, "MAX_LISTED_RESULTS", 3)
    SampleDocument.objects.create(organization=organization, client=many[0], number="F-1")
    response = web.post(
        "/clients/bulk/",
        {"action": "delete", "scope": "filter", "filter": "", "confirmed": "1"},
        follow=True,
    )
    page = text(response)
    assert "11 clients placés dans la corbeille, 1 refus." in page
    assert len(re.findall(r'<li class="(ok|refused)">', page)) == 1
