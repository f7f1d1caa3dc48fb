"""Merging clients: everything moves to the survivor, nothing is lost, undo puts back
exactly what was there."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from carnet.addresses.models import Address
from carnet.addresses.services import create_address
from carnet.clients import services as clients
from carnet.clients.models import Client, ClientTag
from carnet.contacts.models import ClientContact, Contact
from carnet.contacts.services import create_contact_for_client, link_contact
from carnet.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from carnet.core.models import ChangeRecord
from carnet.customfields.models import CustomFieldValue
from carnet.customfields.services import create_custom_field
from carnet.duplicates.merging import merge_clients, preview_merge, undo_merge
from carnet.files.models import ClientFile
from carnet.files.services import upload_file
from carnet.testing.models import SampleDocument


def snapshot(client_id: int) -> dict[str, Any]:
    """Everything a person sees of a client and what hangs off it."""
    client = Client.objects.get(pk=client_id)
    columns = {
        f.attname: getattr(client, f.attname)
        for f in Client._meta.concrete_fields
        if f.attname not in ("version", "updated_at")
    }
    return {
        "columns": columns,
        "tags": sorted(ClientTag.objects.filter(client=client).values_list("tag_id", flat=True)),
        "links": sorted(
            ClientContact.objects.filter(client=client).values_list(
                "id", "contact_id", "is_main", "is_billing", "is_dunning", "favorite", "created_at"
            )
        ),
        "contacts": sorted(
            Contact.objects.filter(links__client=client).values_list(
                "id", "first_name", "last_name", "email", "phone", "job_title"
            )
        ),
        "addresses": sorted(
            Address.objects.filter(client=client).values_list(
                "id", "line1", "postcode", "city", "is_billing", "is_delivery"
            )
        ),
        "files": sorted(ClientFile.objects.filter(client=client).values_list("id", "name")),
        "documents": sorted(
            SampleDocument.objects.filter(client=client).values_list("id", flat=True)
        ),
        "custom_index": sorted(
            CustomFieldValue.objects.filter(client_id=client.pk).values_list("field_id", "value")
        ),
        "history": sorted(
            ChangeRecord.objects.filter(object_type="client", object_id=client.pk)
            .exclude(context__startswith="merge:")
            .values_list("id", flat=True)
        ),
    }


@pytest.fixture
def pair(organization, owner, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    create_custom_field(
        organization, owner, {"name": "Niveau", "type": "choice", "choices": ["Or", "Argent"]}
    )
    first = clients.create_client(
        organization,
        owner,
        {
            "name": "Boulangerie Martin",
            "email": "contact@martin.fr",
            "phone": "01 42 68 53 00",
            "tags": ["VIP", "Salon"],
            "custom_fields": {"niveau": "Or"},
            "notes": "première",
        },
    )
    second = clients.create_client(
        organization,
        owner,
        {
            "name": "SARL Boulangerie Martin",
            "email": "compta@martin.fr",
            "siret": "73282932000074",
            "tags": ["VIP", "Export"],
            "notes": "",
        },
    )
    shared = create_contact_for_client(
        organization,
        owner,
        first.pk,
        {"first_name": "Claire", "last_name": "Martin", "email": "claire@martin.fr"},
        roles=["main"],
    )
    link_contact(organization, owner, second.pk, shared.contact_id, roles=["billing"])
    create_contact_for_client(
        organization,
        owner,
        second.pk,
        {"first_name": "Claire", "last_name": "M.", "email": "CLAIRE@martin.fr"},
        roles=["main"],
    )
    create_contact_for_client(
        organization,
        owner,
        second.pk,
        {"first_name": "Paul", "last_name": "Durand", "email": "paul@martin.fr"},
        roles=["dunning"],
    )
    create_address(
        organization,
        owner,
        first.pk,
        {"line1": "1 rue A", "postcode": "75001", "city": "Paris", "is_billing": True},
    )
    create_address(
        organization,
        owner,
        second.pk,
        {
            "line1": "2 rue B",
            "postcode": "75002",
            "city": "Paris",
            "is_billing": True,
            "is_delivery": True,
        },
    )
    upload_file(
        organization,
        owner,
        second.pk,
        ContentFile(b"%PDF-1.4 contrat", name="contrat.pdf"),
        "contract",
    )
    SampleDocument.objects.create(organization=organization, client=second)
    return first, second


def test_everything_of_the_other_client_moves_to_the_survivor(organization, owner, pair):
    first, second = pair
    merge = merge_clients(organization, owner, first.pk, [second.pk], {"email": second.pk})
    survivor = Client.objects.get(pk=first.pk)
    merged = Client.objects.get(pk=second.pk)
    assert merged.merged_into_id == first.pk and merged.deleted_at is not None
    assert survivor.email == "compta@martin.fr"  # chosen
    assert survivor.siret == "73282932000074"  # the survivor had none
    assert survivor.notes == "première"  # the survivor's non-empty value
    assert sorted(t.name for t in survivor.tags.all()) == ["Export", "Salon", "VIP"]
    assert ClientFile.objects.get().client_id == first.pk
    assert SampleDocument.objects.get().client_id == first.pk
    links = ClientContact.objects.filter(client=survivor)
    emails = sorted(link.contact.email for link in links)
    # The shared contact is linked once; the one with the same e-mail is not kept twice.
    assert emails == ["claire@martin.fr", "paul@martin.fr"]
    assert links.filter(is_main=True).count() == 1
    assert links.get(contact__email="paul@martin.fr").is_dunning
    addresses = Address.objects.filter(client=survivor)
    assert addresses.count() == 2
    assert addresses.filter(is_billing=True).get().line1 == "1 rue A"
    assert addresses.filter(is_delivery=True).get().line1 == "2 rue B"
    record = ChangeRecord.objects.filter(
        object_type="client", object_id=first.pk, action="merge"
    ).get()
    assert record.context == merge.context
    assert record.changes["merged"]["new"] == [second.pk]
    assert record.changes["email"] == {"old": "contact@martin.fr", "new": "compta@martin.fr"}
    assert merge.values["email"] == {"from": second.pk, "value": "compta@martin.fr"}
    # The merged client's history now shows on the survivor's page.
    assert (
        ChangeRecord.objects.filter(
            object_type="client", object_id=first.pk, action="create"
        ).count()
        == 2
    )
    assert not Client.objects.filter(deleted_at__isnull=True, pk=second.pk).exists()


def test_undo_puts_everything_back_exactly(organization, owner, pair):
    first, second = pair
    before = {pk: snapshot(pk) for pk in (first.pk, second.pk)}
    merge = merge_clients(organization, owner, first.pk, [second.pk], {"email": second.pk})
    undo_merge(organization, owner, merge.pk)
    after = {pk: snapshot(pk) for pk in (first.pk, second.pk)}
    assert after == before
    with pytest.raises(Conflict):
        undo_merge(organization, owner, merge.pk)


def test_undo_is_refused_when_a_moved_record_was_deleted_since(organization, owner, pair):
    first, second = pair
    merge = merge_clients(organization, owner, first.pk, [second.pk])
    ClientFile.objects.get().delete()
    with pytest.raises(Conflict) as refused:
        undo_merge(organization, owner, merge.pk)
    assert refused.value.code == "records_deleted"
    assert Client.objects.get(pk=second.pk).merged_into_id == first.pk


def test_the_preview_shows_every_conflict_and_the_default_choice(organization, owner, pair):
    first, second = pair
    preview = preview_merge(organization, first.pk, [second.pk])
    by_field = {choice.field: choice for choice in preview.fields}
    assert by_field["email"].conflict and by_field["email"].chosen == first.pk
    assert by_field["name"].conflict
    assert not by_field["siret"].conflict and by_field["siret"].chosen == second.pk
    assert by_field["custom_fields.niveau"].value == "Or"
    assert preview.tags == ["Export", "Salon", "VIP"]
    # What joins the survivor, named in French with the count's plural.
    assert {k: v for k, v in preview.moves.items() if k != "sample documents"} == {
        "étiquettes": 2,
        "contacts": 3,
        "adresse": 1,
        "fichier": 1,
    }
    assert Client.objects.filter(merged_into__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("others", "code"),
    [([], "required"), (["self"], "same_client"), (list(range(100, 110)), "too_many")],
)
def test_bad_merges_are_refused_and_nothing_changes(organization, owner, pair, others, code):
    first, _second = pair
    ids = [first.pk if o == "self" else o for o in others]
    with pytest.raises(ValidationFailed) as refused:
        merge_clients(organization, owner, first.pk, ids)
    assert refused.value.errors[0].code == code


def test_a_client_of_another_organization_cannot_be_merged(
    organization, owner, other_organization, outsider, pair
):
    first, _second = pair
    theirs = clients.create_client(other_organization, outsider, {"name": "Chez eux"})
    with pytest.raises(NotFound):
        merge_clients(organization, owner, first.pk, [theirs.pk])
    assert Client.objects.get(pk=theirs.pk).merged_into_id is None


def test_merged_or_trashed_clients_cannot_be_merged_again(organization, owner, pair):
    first, second = pair
    third = clients.create_client(organization, owner, {"name": "Martin bis"})
    merge_clients(organization, owner, first.pk, [second.pk])
    with pytest.raises(Conflict) as merged:
        merge_clients(organization, owner, third.pk, [second.pk])
    assert merged.value.code == "merged"
    clients.delete_client(organization, owner, third.pk)
    with pytest.raises(Conflict) as trashed:
        merge_clients(organization, owner, first.pk, [third.pk])
    assert trashed.value.code == "deleted"


def test_a_stale_survivor_version_is_refused(organization, owner, pair):
    first, second = pair
    clients.update_client(organization, owner, first.pk, {"notes": "changé entre-temps"})
    with pytest.raises(StaleVersion):
        merge_clients(organization, owner, first.pk, [second.pk], expected_version=1)
    assert Client.objects.get(pk=second.pk).merged_into_id is None


def test_a_merged_client_cannot_be_edited_restored_or_purged(organization, owner, pair):
    first, second = pair
    merge_clients(organization, owner, first.pk, [second.pk])
    for action in (
        lambda: clients.update_client(organization, owner, second.pk, {"name": "X"}),
        lambda: clients.restore_client(organization, owner, second.pk),
        lambda: clients.archive_client(organization, owner, second.pk),
    ):
        with pytest.raises(Conflict) as refused:
            action()
        assert refused.value.code == "merged"
