"""Rolling an import back: what it created goes, what it changed comes back, what people
changed since stays."""

from __future__ import annotations

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.contacts.models import ClientContact, Contact
from carnet.contacts.services import create_contact_for_client
from carnet.core.errors import Conflict
from carnet.core.models import ChangeRecord
from carnet.imports import services
from carnet.imports.models import Status

from .helpers import commit, csv_bytes, upload


def rollback(batch, user):
    return services.schedule(batch, "rollback", user)


def test_the_clients_an_import_created_are_removed_unless_changed_since(organization, owner):
    rows = [["Nom", "E-mail"], ["Martin", "m@martin.fr"], ["Durand", "d@durand.fr"]]
    batch = commit(upload(organization, owner, csv_bytes(rows)), owner)
    durand = Client.objects.get(name="Durand")
    clients.update_client(organization, owner, durand.pk, {"notes": "Appelé le 3"})
    batch = rollback(batch, owner)
    assert batch.status == Status.ROLLED_BACK
    assert batch.rollback_result == {"removed": 1, "restored": 0, "kept": 1}
    assert list(Client.objects.values_list("name", flat=True)) == ["Durand"]
    with pytest.raises(Conflict):
        rollback(batch, owner)


def test_a_client_given_a_file_or_contact_since_counts_as_changed(organization, owner):
    batch = commit(upload(organization, owner, csv_bytes([["Nom"], ["Martin"]])), owner)
    martin = Client.objects.get()
    create_contact_for_client(organization, owner, martin.pk, {"last_name": "Martin"})
    assert rollback(batch, owner).rollback_result["kept"] == 1
    assert Client.objects.filter(pk=martin.pk).exists()


def test_updated_fields_get_their_previous_values_back(organization, owner):
    client = clients.create_client(
        organization,
        owner,
        {
            "name": "Martin",
            "reference": "R1",
            "sector": "Boulangerie",
            "notes": "ancienne note",
            "tags": ["VIP"],
        },
    )
    rows = [
        ["Référence", "Secteur d'activité", "Notes", "Étiquettes"],
        ["R1", "Pâtisserie", "nouvelle note", "Salon"],
    ]
    batch = commit(upload(organization, owner, csv_bytes(rows)), owner)
    client.refresh_from_db()
    assert (client.sector, client.notes) == ("Pâtisserie", "nouvelle note")
    # Someone changes the notes after the import: that change stays.
    clients.update_client(organization, owner, client.pk, {"notes": "note du commercial"})
    batch = rollback(batch, owner)
    client.refresh_from_db()
    assert client.sector == "Boulangerie"
    assert client.notes == "note du commercial"
    assert [t.name for t in client.tags.all()] == ["VIP"]
    assert batch.rollback_result == {"removed": 0, "restored": 1, "kept": 0}
    record = ChangeRecord.objects.filter(object_id=client.pk).latest("id")
    assert record.context == f"{batch.context}:rollback"
    assert record.changes["sector"] == {"old": "Pâtisserie", "new": "Boulangerie"}


def test_a_main_contact_and_an_address_the_import_added_are_removed(organization, owner):
    client = clients.create_client(organization, owner, {"name": "Martin", "reference": "R1"})
    rows = [
        ["Référence", "Contact - Prénom", "Contact - Nom", "Adresse", "Code postal", "Ville"],
        ["R1", "Claire", "Martin", "1 rue A", "75001", "Paris"],
    ]
    batch = commit(upload(organization, owner, csv_bytes(rows)), owner)
    assert ClientContact.objects.filter(client=client, is_main=True).exists()
    assert client.addresses.count() == 1
    rollback(batch, owner)
    assert not ClientContact.objects.filter(client=client).exists()
    assert not Contact.objects.exists()
    assert client.addresses.count() == 0
    client.refresh_from_db()
    assert "claire" not in client.search_text


def test_a_main_contacts_changed_field_comes_back(organization, owner):
    client = clients.create_client(organization, owner, {"name": "Martin", "reference": "R1"})
    create_contact_for_client(
        organization,
        owner,
        client.pk,
        {"first_name": "Claire", "last_name": "Martin"},
        roles=["main"],
    )
    rows = [["Référence", "Contact - Nom"], ["R1", "Dupont"]]
    batch = commit(upload(organization, owner, csv_bytes(rows)), owner)
    assert Contact.objects.get().last_name == "Dupont"
    rollback(batch, owner)
    assert Contact.objects.get().last_name == "Martin"
