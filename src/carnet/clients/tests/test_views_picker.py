"""The client picker of forms, and its first use: linking a contact to another client."""

from __future__ import annotations

from html import unescape

import pytest

from carnet.clients import services
from carnet.contacts import services as contact_services
from carnet.contacts.models import ClientContact


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def data(organization, owner):
    first = services.create_client(organization, owner, {"name": "Boulangerie Martin"})
    second = services.create_client(organization, owner, {"name": "Martin Frères"})
    old = services.create_client(organization, owner, {"name": "Martinez Ancien"})
    services.archive_client(organization, owner, old.pk)
    link = contact_services.create_contact_for_client(
        organization, owner, first.pk, {"first_name": "Paul", "last_name": "Comptable"}
    )
    return first, second, old, link


def test_the_picker_suggests_clients_and_greys_archived_ones_when_asked(web, data):
    page = text(web.get("/clients/picker/", {"field": "client", "client_q": "martin"}))
    assert "Boulangerie Martin" in page and "Martin Frères" in page
    assert "Martinez Ancien" not in page
    page = text(
        web.get("/clients/picker/", {"field": "client", "client_q": "martin", "archived": "all"})
    )
    assert page.index("Martinez Ancien") > page.index("Martin Frères")
    assert "is-archived" in page


def test_the_picker_says_when_nothing_matches(web, data):
    assert "Aucun client ne correspond à « zzz »." in text(
        web.get("/clients/picker/", {"field": "client", "client_q": "zzz"})
    )


def test_a_contact_is_linked_to_the_client_picked(web, organization, data):
    first, second, _old, link = data
    page = text(web.get(f"/clients/{first.pk}/contacts/{link.contact_id}/edit/"))
    assert "Lier aussi ce contact à un client" in page
    response = web.post(
        f"/clients/{first.pk}/contacts/{link.contact_id}/link-other/",
        {"client": second.pk},
        follow=True,
    )
    assert "« Paul Comptable » est aussi le contact de « Martin Frères »." in text(response)
    assert ClientContact.objects.filter(client=second, contact_id=link.contact_id).exists()
    assert "Martin Frères" in text(response)  # now among the contact's other clients


def test_without_javascript_a_single_match_of_what_was_typed_is_picked(web, data):
    first, second, _old, link = data
    web.post(
        f"/clients/{first.pk}/contacts/{link.contact_id}/link-other/",
        {"client": "", "client_q": "frères"},
    )
    assert ClientContact.objects.filter(client=second, contact_id=link.contact_id).exists()


def test_an_ambiguous_or_foreign_choice_is_refused(web, data, other_organization, outsider):
    first, _second, _old, link = data
    theirs = services.create_client(other_organization, outsider, {"name": "Chez eux"})
    url = f"/clients/{first.pk}/contacts/{link.contact_id}/link-other/"
    response = web.post(url, {"client_q": "martin"}, follow=True)
    assert "Choisissez le client dans la liste proposée." in text(response)
    response = web.post(url, {"client": theirs.pk}, follow=True)
    assert "Choisissez le client dans la liste proposée." in text(response)
    assert ClientContact.objects.filter(contact_id=link.contact_id).count() == 1
