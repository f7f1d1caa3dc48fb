"""Bulk archive / unarchive / delete / restore from the list, with a result per client."""

from __future__ import annotations

import re
from html import unescape

import pytest

from carnet.clients import services
from carnet.testing.models import SampleDocument


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def results(response) -> list[tuple[str, str, str]]:
    """(ok|refused, name, message) per line of the bulk result panel."""
    html = response.content.decode()
    panel = html[html.index('class="card bulk-result') :]
    panel = panel[: panel.index("</section>")]
    lines = []
    for state, body in re.findall(r'<li class="(ok|refused)">(.*?)</li>', panel, re.S):
        name_match = re.search(r'class="result-name">(.*?)</span>', body, re.S)
        assert name_match is not None
        name = name_match.group(1)
        message_match = re.search(r'class="result-message">(.*?)</span>\s*(?:<form|$)', body, re.S)
        assert message_match is not None
        message = message_match.group(1)
        clean = lambda s: " ".join(unescape(re.sub(r"<[^>]+>", " ", s)).split())  # noqa: E731
        lines.append((state, clean(name), clean(message).removeprefix("Refusé : ")))
    return lines


@pytest.fixture
def three(organization, owner):
    return [
        services.create_client(organization, owner, {"name": n})
        for n in ("Alpha", "Bravo", "Charlie")
    ]


def test_the_list_has_checkboxes_select_all_and_bulk_buttons(web, three):
    html = web.get("/clients/").content.decode()
    assert html.count('name="ids"') == 3
    assert "data-select-all" in html and "Tout sélectionner" in html
    for action in ("archive", "unarchive", "delete"):
        assert f'name="action" value="{action}"' in html


def test_bulk_archive_reports_each_client(web, organization, three):
    alpha, bravo, charlie = three
    services.archive_client(organization, None, charlie.pk)
    response = web.post(
        "/clients/bulk/",
        {
            "action": "archive",
            "ids": [alpha.pk, bravo.pk, charlie.pk],
            "next": "/clients/",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/clients/"
    assert results(response) == [
        ("ok", "Alpha", "Archivé"),
        ("ok", "Bravo", "Archivé"),
        ("ok", "Charlie", "Déjà archivé"),
    ]
    assert "2 clients archivés." in text(response)
    assert all(services.get_client(organization, c.pk).archived for c in three)
    # The result is shown once.
    assert 'class="card bulk-result' not in web.get("/clients/").content.decode()


def test_bulk_unarchive(web, organization, three):
    for c in three:
        services.archive_client(organization, None, c.pk)
    response = web.post(
        "/clients/bulk/", {"action": "unarchive", "ids": [three[0].pk]}, follow=True
    )
    assert results(response) == [("ok", "Alpha", "Désarchivé")]
    assert not services.get_client(organization, three[0].pk).archived


def test_bulk_delete_lists_refusals_with_their_reason(web, organization, three):
    alpha, bravo, charlie = three
    SampleDocument.objects.create(organization=organization, client=bravo, number="F-001")
    response = web.post(
        "/clients/bulk/", {"action": "delete", "ids": [alpha.pk, bravo.pk, charlie.pk]}, follow=True
    )
    lines = results(response)
    assert lines[0] == ("ok", "Alpha", "Placé dans la corbeille")
    assert lines[1][0:2] == ("refused", "Bravo")
    assert "Impossible de supprimer « Bravo » : ce client a 1 document" in lines[1][2]
    assert "Archivez-le plutôt" in lines[1][2]
    assert lines[2] == ("ok", "Charlie", "Placé dans la corbeille")
    assert "2 clients placés dans la corbeille, 1 refus." in text(response)
    # The refusal offers to archive instead.
    assert f'action="/clients/{bravo.pk}/archive/"' in response.content.decode()
    assert not services.get_client(organization, bravo.pk).is_deleted
    assert services.get_client(organization, alpha.pk).is_deleted


def test_bulk_restore_from_the_trash(web, organization, three):
    for c in three:
        services.delete_client(organization, None, c.pk)
    response = web.post(
        "/clients/bulk/",
        {
            "action": "restore",
            "ids": [three[0].pk, three[1].pk],
            "next": "/clients/?trash=1",
        },
        follow=True,
    )
    assert results(response) == [("ok", "Alpha", "Restauré"), ("ok", "Bravo", "Restauré")]
    assert "Charlie" in text(response)
    assert not services.get_client(organization, three[0].pk).is_deleted


def test_bulk_refuses_another_organizations_ids_one_by_one(
    web, organization, other_organization, three
):
    foreign = services.create_client(other_organization, None, {"name": "Étranger"})
    response = web.post(
        "/clients/bulk/", {"action": "archive", "ids": [three[0].pk, foreign.pk]}, follow=True
    )
    lines = results(response)
    assert lines[0] == ("ok", "Alpha", "Archivé")
    assert lines[1] == ("refused", f"Client n° {foreign.pk}", "Client introuvable.")
    assert "Étranger" not in text(response)
    assert not services.get_client(other_organization, foreign.pk).archived


def test_bulk_without_selection_or_with_an_unknown_action(web, three):
    response = web.post("/clients/bulk/", {"action": "archive"}, follow=True)
    assert "Sélectionnez au moins un client." in text(response)
    response = web.post("/clients/bulk/", {"action": "purge", "ids": [three[0].pk]}, follow=True)
    assert "Action groupée inconnue." in text(response)
    assert not any(services.get_client(three[0].organization, c.pk).archived for c in three)


def test_bulk_ignores_an_outside_next_url(web, three):
    response = web.post(
        "/clients/bulk/",
        {"action": "archive", "ids": [three[0].pk], "next": "https://evil.example/"},
    )
    assert response["Location"] == "/clients/"
