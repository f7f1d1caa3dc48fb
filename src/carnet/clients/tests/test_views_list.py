"""The client list page: search, archived toggle, sort, pagination, trash, query count."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.clients import services
from carnet.clients.models import Client


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def listed(response) -> list[str]:
    """Client names in the table, in order."""
    return [
        unescape(n)
        for n in re.findall(
            r'class="client-link" href="[^"]+">([^<]+)</a>', response.content.decode()
        )
    ]


def make(organization, owner, name, **fields):
    return services.create_client(organization, owner, {"name": name, **fields})


def test_it_lists_the_organizations_clients_by_name(web, organization, owner, other_organization):
    make(organization, owner, "Zoé Fleurs")
    make(organization, owner, "Atelier Bénard")
    services.create_client(other_organization, None, {"name": "Client d'une autre organisation"})
    response = web.get("/clients/")
    assert response.status_code == 200
    assert listed(response) == ["Atelier Bénard", "Zoé Fleurs"]


def test_search_ignores_case_and_accents(web, organization, owner):
    make(organization, owner, "Boulangerie Hélène")
    make(organization, owner, "Garage Martin")
    assert listed(web.get("/clients/", {"q": "HELENE"})) == ["Boulangerie Hélène"]
    assert listed(web.get("/clients/", {"q": "bou"})) == ["Boulangerie Hélène"]


def test_search_finds_email_siret_siren_and_reference(web, organization, owner):
    found = make(
        organization,
        owner,
        "Transports Lucas",
        email="contact@lucas-transports.fr",
        siret="732 829 320 00074",
        reference="TR-77",
    )
    make(organization, owner, "Autre client")
    for q in ("lucas-transports", "73282932000074", "732 829 320", "TR-77"):
        assert listed(web.get("/clients/", {"q": q})) == [found.name], q


def test_search_says_when_nothing_matches(web, organization, owner):
    make(organization, owner, "Garage Martin")
    response = web.get("/clients/", {"q": "introuvable"})
    assert listed(response) == []
    assert "Aucun client ne correspond à « introuvable »" in text(response)


def test_search_as_you_type_answers_with_the_table_only(web, organization, owner):
    make(organization, owner, "Garage Martin")
    response = web.get(
        "/clients/", {"q": "gar"}, headers={"HX-Request": "true", "HX-Target": "client-results"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="client-results"')
    assert "<html" not in html
    assert listed(response) == ["Garage Martin"]


def test_the_search_box_works_without_javascript(web, organization, owner):
    html = web.get("/clients/").content.decode()
    assert re.search(r'<form id="client-filters"[^>]*method="get" action="/clients/"', html)
    assert 'name="q"' in html and 'hx-get="/clients/"' in html


def test_archived_clients_are_hidden_unless_asked_then_greyed_at_the_bottom(
    web, organization, owner
):
    archived = make(organization, owner, "Atelier Ancien")
    services.archive_client(organization, owner, archived.pk)
    make(organization, owner, "Zèbre Actif")
    assert listed(web.get("/clients/")) == ["Zèbre Actif"]
    response = web.get("/clients/", {"archived": "all"})
    assert listed(response) == ["Zèbre Actif", "Atelier Ancien"]
    html = response.content.decode()
    assert re.search(rf'<tr class="is-archived" data-client-id="{archived.pk}"', html)
    assert re.search(r'name="archived" value="all" class="filter-auto" checked', html)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("created_at", ["Bravo", "Charlie", "Alpha"]),
        ("-created_at", ["Alpha", "Charlie", "Bravo"]),
    ],
)
def test_it_sorts(web, organization, owner, sort, expected):
    for name in ("Bravo", "Charlie", "Alpha"):
        make(organization, owner, name)
    assert listed(web.get("/clients/", {"sort": sort})) == expected


def test_it_sorts_by_revenue(web, organization, owner):
    for name, revenue in (("Petit", "10"), ("Gros", "5000"), ("Moyen", "300")):
        created = make(organization, owner, name)
        Client.objects.filter(pk=created.pk).update(revenue=revenue)  # set by sales later
    assert listed(web.get("/clients/", {"sort": "-revenue"})) == ["Gros", "Moyen", "Petit"]
    assert listed(web.get("/clients/", {"sort": "revenue"})) == ["Petit", "Moyen", "Gros"]


def test_column_headers_toggle_the_sort(web, organization, owner):
    make(organization, owner, "Alpha")
    html = web.get("/clients/", {"sort": "name"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="/clients/?sort=-name"' in html


def test_a_bad_sort_is_ignored_with_a_message(web, organization, owner):
    make(organization, owner, "Alpha")
    response = web.get("/clients/", {"sort": "secret"})
    assert response.status_code == 200
    assert listed(response) == ["Alpha"]
    assert "Tri possible" in text(response)


def test_it_paginates_with_a_cursor_and_a_link_to_the_first_page(
    web, organization, owner, settings
):
    settings.CARNET_PAGE_SIZE = 2
    for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo"):
        make(organization, owner, name)
    first = web.get("/clients/", {"sort": "-name"})
    assert listed(first) == ["Echo", "Delta"]
    assert "Première page" not in text(first)
    next_url = unescape(
        re.search(r'<a class="button" href="([^"]+)" rel="next"', first.content.decode()).group(1)
    )
    assert "cursor=" in next_url and "sort=-name" in next_url
    second = web.get(next_url)
    assert listed(second) == ["Charlie", "Bravo"]
    assert 'href="/clients/?sort=-name">« Première page' in second.content.decode()
    third_url = unescape(re.search(r'href="([^"]+)" rel="next"', second.content.decode()).group(1))
    third = web.get(third_url)
    assert listed(third) == ["Alpha"]
    assert 'rel="next"' not in third.content.decode()


def test_a_garbage_cursor_starts_again_from_the_first_page(web, organization, owner):
    make(organization, owner, "Alpha")
    response = web.get("/clients/", {"cursor": "n'importe quoi"})
    assert response.status_code == 200
    assert listed(response) == ["Alpha"]
    assert "Curseur de pagination invalide" in text(response)


def _populate(organization, owner, count, offset=0):
    for i in range(count):
        make(
            organization,
            owner,
            f"Client {offset + i:03d}",
            tags=["VIP", f"t{i}"],
            category="Artisans",
        )


def test_the_query_count_does_not_grow_with_the_rows(
    web, organization, owner, django_assert_max_num_queries
):
    _populate(organization, owner, 3)
    # Session, user, membership; page ids, rows, tags; the filter panel's lists (members,
    # custom fields, categories, tags) and the saved views.
    with django_assert_max_num_queries(12) as small:
        assert web.get("/clients/").status_code == 200
    _populate(organization, owner, 30, offset=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = web.get("/clients/")
    assert len(listed(response)) == 33
    assert "Artisans" in text(response) and "VIP" in text(response)


def test_the_trash_lists_deleted_clients_with_a_restore_button(web, organization, owner):
    deleted = make(organization, owner, "Ancien Client")
    archived_then_deleted = make(organization, owner, "Archivé Supprimé")
    make(organization, owner, "Client Vivant")
    services.delete_client(organization, owner, deleted.pk)
    services.archive_client(organization, owner, archived_then_deleted.pk)
    services.delete_client(organization, owner, archived_then_deleted.pk)
    assert listed(web.get("/clients/", {"archived": "all"})) == ["Client Vivant"]
    response = web.get("/clients/", {"trash": "1"})
    assert listed(response) == ["Ancien Client", "Archivé Supprimé"]
    html = response.content.decode()
    assert f'formaction="/clients/{deleted.pk}/restore/"' in html
    assert "Corbeille" in html


def test_restore_from_the_trash_brings_the_client_back(web, organization, owner):
    deleted = make(organization, owner, "Ancien Client")
    services.delete_client(organization, owner, deleted.pk)
    response = web.post(
        f"/clients/{deleted.pk}/restore/", {"next": "/clients/?trash=1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/clients/?trash=1"
    assert "« Ancien Client » est restauré depuis la corbeille." in text(response)
    assert listed(response) == []
    assert listed(web.get("/clients/")) == ["Ancien Client"]


def test_the_trash_says_when_it_is_empty(web, organization):
    assert "La corbeille est vide." in text(web.get("/clients/", {"trash": "1"}))
