"""Settings pages for tags and categories."""

from __future__ import annotations

from html import unescape

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.clients import services
from carnet.clients.models import Category, CategoryGroup, ClientTag, Tag

PASSWORD = "correct-horse-battery"


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def data(organization, owner):
    services.create_client(
        organization, owner, {"name": "Alpha", "tags": ["VIP"], "category": "Commerce"}
    )
    services.create_client(organization, owner, {"name": "Bravo", "tags": ["vip2", "Export"]})


def test_the_tag_page_lists_tags_with_counts_linking_to_the_list(web, data):
    page = text(web.get("/settings/tags/"))
    assert 'href="/clients/?tag=VIP">1</a>' in page
    assert "Champs personnalisés" in page  # the settings tabs


def test_settings_redirects_to_the_tags(web):
    assert web.get("/settings/")["Location"] == "/settings/tags/"


def test_create_rename_merge_and_delete_a_tag(web, organization, data):
    web.post("/settings/tags/new/", {"name": "Nouveau"})
    assert Tag.objects.filter(organization=organization, name="Nouveau").exists()
    vip2 = Tag.objects.get(name="vip2")
    response = web.post(f"/settings/tags/{vip2.pk}/rename/", {"name": "VIP"}, follow=True)
    assert "fusionnez" in text(response)
    vip = Tag.objects.get(name="VIP")
    response = web.post(f"/settings/tags/{vip2.pk}/merge/", {"into": vip.pk}, follow=True)
    assert "« vip2 » est fusionnée dans « VIP ». 1 client concerné." in text(response)
    confirm = web.get(f"/settings/tags/{vip.pk}/delete/")
    assert "2 clients sont concernés." in text(confirm)
    web.post(f"/settings/tags/{vip.pk}/delete/")
    assert not ClientTag.objects.filter(tag__name="VIP").exists()


def test_categories_page_shows_groups_and_moves_categories(web, organization, owner, data):
    web.post("/settings/groups/new/", {"name": "Secteur"})
    group = CategoryGroup.objects.get(name="Secteur")
    commerce = Category.objects.get(name="Commerce")
    web.post(
        f"/settings/categories/{commerce.pk}/edit/",
        {"name": "Commerce de détail", "group": group.pk},
    )
    commerce.refresh_from_db()
    assert commerce.name == "Commerce de détail" and commerce.group == group
    page = text(web.get("/settings/categories/"))
    assert 'data-group="Secteur"' in page and "Commerce de détail" in page
    web.post(f"/settings/groups/{group.pk}/delete/")
    commerce.refresh_from_db()
    assert commerce.group is None


def test_a_bad_name_is_reported_and_nothing_is_created(web, organization):
    response = web.post("/settings/categories/new/", {"name": "x" * 101}, follow=True)
    assert "100 caractères au maximum" in text(response)
    assert not Category.objects.exists()


def test_read_only_members_see_the_lists_without_forms_and_cannot_post(client, organization, data):
    viewer = add_member(
        organization, email="lecture@dupont.fr", password=PASSWORD, role=Role.VIEWER
    ).user
    client.force_login(viewer)
    page = text(client.get("/settings/tags/"))
    assert "VIP" in page and "/settings/tags/new/" not in page
    assert client.post("/settings/tags/new/", {"name": "X"}).status_code == 403
    tag = Tag.objects.get(name="VIP")
    assert client.post(f"/settings/tags/{tag.pk}/delete/").status_code == 403
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_another_organizations_tags_are_not_found(client, outsider, organization, data):
    client.force_login(outsider)
    tag = Tag.objects.get(name="VIP")
    assert client.post(f"/settings/tags/{tag.pk}/rename/", {"name": "X"}).status_code == 404
    assert client.get(f"/settings/tags/{tag.pk}/delete/").status_code == 404
    assert "VIP" not in text(client.get("/settings/tags/"))
