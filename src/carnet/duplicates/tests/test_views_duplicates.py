"""The duplicates page, the merge page, undo, and what the client pages do around them."""

from __future__ import annotations

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.duplicates import services
from carnet.duplicates.models import Merge


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def pair(organization, owner):
    first = clients.create_client(
        organization,
        owner,
        {"name": "Boulangerie Martin", "siret": "73282932000074", "email": "a@martin.fr"},
    )
    second = clients.create_client(
        organization,
        owner,
        {"name": "Boulangerie Martin Nord", "siret": "73282932000090", "email": "b@martin.fr"},
    )
    return first, second


def test_the_review_page_lists_the_groups_with_their_reasons(web, organization, pair):
    first, second = pair
    assert "Aucun doublon possible" in web.get("/duplicates/").content.decode()
    web.post("/duplicates/scan/")
    page = web.get("/duplicates/").content.decode()
    assert "Boulangerie Martin Nord" in page
    assert "même SIREN" in page
    assert f"/clients/merge/?ids={first.pk}&amp;ids={second.pk}" in page


def test_dismissing_a_group_from_the_page(web, organization, pair):
    services.scan(organization)
    group = services.review_groups(organization)[0]["group"]
    web.post(f"/duplicates/{group.pk}/dismiss/")
    assert "Aucun doublon possible" in web.get("/duplicates/").content.decode()


def test_the_merge_page_previews_then_merges_then_undoes(web, organization, pair):
    first, second = pair
    page = web.get(f"/clients/merge/?ids={first.pk}&ids={second.pk}").content.decode()
    assert 'name="value_email"' in page  # a conflict to choose
    assert "Fusionner 2 clients" in page
    response = web.post(
        "/clients/merge/",
        {
            "ids": [first.pk, second.pk],
            "survivor": first.pk,
            "version": "1",
            "value_email": second.pk,
            "confirm": "1",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/clients/{first.pk}/"
    assert Client.objects.get(pk=first.pk).email == "b@martin.fr"
    record = web.get(f"/clients/{first.pk}/").content.decode()
    assert "Annuler la fusion" in record
    # The merged client's address leads to the survivor.
    followed = web.get(f"/clients/{second.pk}/")
    assert followed.status_code == 302 and followed["Location"] == f"/clients/{first.pk}/"
    merge = Merge.objects.get()
    web.post(f"/merges/{merge.pk}/undo/")
    assert Client.objects.get(pk=second.pk).merged_into_id is None
    assert Client.objects.get(pk=first.pk).email == "a@martin.fr"


def test_a_stale_preview_is_refused(web, organization, owner, pair):
    first, second = pair
    clients.update_client(organization, owner, first.pk, {"notes": "entre-temps"})
    web.post(
        "/clients/merge/",
        {"ids": [first.pk, second.pk], "survivor": first.pk, "version": "1", "confirm": "1"},
    )
    assert Client.objects.get(pk=second.pk).merged_into_id is None


def test_a_creation_that_looks_like_an_archived_client_offers_to_unarchive_it(
    web, organization, owner
):
    old = clients.create_client(
        organization, owner, {"name": "Garage Dupont", "phone": "0142685300"}
    )
    clients.archive_client(organization, owner, old.pk)
    form = {"kind": "company", "name": "Garage Dupont", "phone": "01 42 68 53 00", "country": "FR"}
    offer = web.post("/clients/new/", form).content.decode()
    assert "ressemble à un client archivé" in offer
    assert f'action="/clients/{old.pk}/unarchive/"' in offer
    assert Client.objects.count() == 1
    created = web.post("/clients/new/", {**form, "confirm_new": "1"})
    assert created.status_code == 302
    assert Client.objects.count() == 2
    record = web.get(created["Location"]).content.decode()
    assert "Ce client ressemble à" in record


def test_readers_cannot_merge(organization, client, pair):
    reader = add_member(
        organization, email="lecteur@dupont.fr", password="x" * 12, role=Role.VIEWER
    )
    client.force_login(reader.user)
    first, second = pair
    assert client.get(f"/clients/merge/?ids={first.pk}&ids={second.pk}").status_code == 403


def test_another_organizations_clients_cannot_be_merged_from_the_page(
    web, organization, other_organization, outsider, pair
):
    first, _second = pair
    theirs = clients.create_client(other_organization, outsider, {"name": "Chez eux"})
    response = web.get(f"/clients/merge/?ids={first.pk}&ids={theirs.pk}")
    assert response.status_code == 302
    assert Client.objects.get(pk=theirs.pk).merged_into_id is None
