"""The client list page's filters panel and saved views."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.accounts.services import add_member
from carnet.clients import services
from carnet.clients.models import SavedView


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def listed(response) -> list[str]:
    return [
        unescape(n)
        for n in re.findall(
            r'class="client-link" href="[^"]+">([^<]+)</a>', response.content.decode()
        )
    ]


@pytest.fixture
def clients(organization, owner):
    group = services.create_category_group(organization, owner, "Secteur")
    services.create_category(organization, owner, "Commerce", group=group.pk)
    seller = add_member(organization, email="vente@dupont.fr").user
    for name, fields in [
        ("Alpha", {"category": "Commerce", "tags": ["VIP"], "owner": seller.pk}),
        ("Bravo", {"category": "Industrie", "tags": ["VIP", "Export"]}),
        ("Charlie", {"kind": "individual", "country": "BE"}),
    ]:
        services.create_client(organization, owner, {"name": name, **fields})
    return seller


def test_the_panel_offers_every_filter_with_categories_in_their_groups(web, clients):
    page = text(web.get("/clients/"))
    assert '<optgroup label="Secteur">' in page
    for name in (
        'name="kind"',
        'name="category"',
        'name="country"',
        'name="owner"',
        'name="created_after"',
        'name="created_before"',
        'name="tag"',
    ):
        assert name in page
    assert "Étiquettes (toutes celles cochées)" in page


def test_filters_in_the_query_string_narrow_the_list(web, clients):
    assert listed(web.get("/clients/", {"category": "commerce"})) == ["Alpha"]
    assert listed(web.get("/clients/", {"tag": ["VIP", "Export"]})) == ["Bravo"]
    assert listed(web.get("/clients/", {"kind": "individual"})) == ["Charlie"]
    assert listed(web.get("/clients/", {"owner": str(clients.pk)})) == ["Alpha"]
    assert listed(web.get("/clients/", {"country": "BE"})) == ["Charlie"]


def test_the_panel_opens_when_a_filter_is_set_and_keeps_its_values(web, clients):
    closed = text(web.get("/clients/", {"q": "alpha"}))
    assert '<details class="filter-panel">' in closed
    opened = text(web.get("/clients/", {"tag": "VIP", "kind": "company"}))
    assert '<details class="filter-panel" open>' in opened
    assert 'value="VIP" class="filter-auto" checked' in opened
    assert '<option value="company" selected>' in opened


def test_a_bad_filter_is_dropped_with_a_message(web, clients):
    response = web.get("/clients/", {"created_after": "hier", "category": "Commerce"})
    assert response.status_code == 200
    assert listed(response) == ["Alpha"]
    assert "Date attendue" in text(response)


def test_pagination_links_keep_the_filters(web, organization, owner, settings):
    settings.CARNET_PAGE_SIZE = 2
    for i in range(5):
        services.create_client(organization, owner, {"name": f"Client {i}", "tags": ["VIP"]})
    page = text(web.get("/clients/", {"tag": "VIP"}))
    next_url = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    assert "tag=VIP" in next_url and "cursor=" in next_url


def test_it_saves_the_current_view_and_lists_it(web, clients):
    response = web.post(
        "/clients/views/",
        {"view_name": "VIP", "view_params": "tag=VIP&sort=-created_at", "view_shared": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/clients/?tag=VIP&sort=-created_at"
    view = SavedView.objects.get()
    assert view.params == {"tag": ["VIP"], "sort": "-created_at"} and view.shared
    page = text(web.get("/clients/"))
    assert "Vues enregistrées" in page
    assert (
        'href="/clients/?tag=VIP&amp;sort=-created_at"'
        in response.client.get("/clients/").content.decode()
    )
    assert "partagée" in page


def test_a_view_with_a_bad_name_is_refused_with_a_message(web, clients):
    response = web.post("/clients/views/", {"view_name": "", "view_params": "tag=VIP"}, follow=True)
    assert "Le nom est obligatoire." in text(response)
    assert not SavedView.objects.exists()


def test_a_member_sees_shared_views_but_cannot_delete_them(
    client, organization, owner, member, clients
):
    view = services.save_view(organization, owner, "Équipe", {"kind": "company"}, shared=True)
    client.force_login(member)
    page = text(client.get("/clients/"))
    assert "Équipe" in page
    assert f"/clients/views/{view.pk}/delete/" not in page
    client.post(f"/clients/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_the_author_deletes_a_view(web, organization, owner, clients):
    view = services.save_view(organization, owner, "Perso", {})
    response = web.post(f"/clients/views/{view.pk}/delete/", follow=True)
    assert "Vue « Perso » supprimée." in text(response)
    assert not SavedView.objects.exists()


def test_another_organizations_view_is_not_found(client, outsider, organization, owner, clients):
    view = services.save_view(organization, owner, "Équipe", {}, shared=True)
    client.force_login(outsider)
    assert client.post(f"/clients/views/{view.pk}/delete/").status_code == 404
