"""Contacts and their roles through the service layer."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from carnet.clients import services as client_services
from carnet.contacts import services
from carnet.contacts.models import ClientContact, Contact
from carnet.contacts.queries import search_contacts
from carnet.core.errors import Conflict, NotFound, ValidationFailed
from carnet.core.history import history_for


@pytest.fixture
def client(organization: Any, owner: Any) -> Any:
    return client_services.create_client(organization, owner, {"name": "Boulangerie Martin"})


@pytest.fixture
def other_client(organization: Any, owner: Any) -> Any:
    return client_services.create_client(organization, owner, {"name": "Garage Leroy"})


def _add(organization: Any, owner: Any, client: Any, last_name: str, **kwargs: Any) -> Any:
    return services.create_contact_for_client(
        organization, owner, client.pk, {"first_name": "Marie", "last_name": last_name}, **kwargs
    )


def test_it_creates_a_contact_for_a_client_with_normalized_values(organization, owner, client):
    link = services.create_contact_for_client(
        organization,
        owner,
        client.pk,
        {
            "civility": "mrs",
            "first_name": " Marie ",
            "last_name": "Durand",
            "email": "Marie@Exemple.FR",
            "phone": "01 42 68 53 00",
            "mobile": "06.12.34.56.78",
        },
        roles=["billing"],
        favorite=True,
    )
    contact = link.contact
    assert contact.first_name == "Marie"
    assert contact.email == "Marie@exemple.fr"
    assert contact.phone == "+33142685300"
    assert contact.mobile == "+33612345678"
    assert link.roles == ["billing"]
    assert link.favorite


def test_it_reads_phones_in_the_clients_country(organization, owner):
    belgian = client_services.create_client(
        organization, owner, {"name": "Bruxelles SA", "country": "BE"}
    )
    link = services.create_contact_for_client(
        organization, owner, belgian.pk, {"last_name": "Peeters", "phone": "02 555 12 12"}
    )
    assert link.contact.phone == "+3225551212"


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"first_name": "Marie"}, "last_name", "required"),
        ({"last_name": "Durand", "email": "pas-un-email"}, "email", "invalid_email"),
        ({"last_name": "Durand", "phone": "12"}, "phone", "invalid_phone"),
        ({"last_name": "D" * 101}, "last_name", "too_long"),
        ({"last_name": "Du\x00rand"}, "last_name", "invalid_character"),
        ({"last_name": "Du\x07rand"}, "last_name", "invalid_character"),
        ({"last_name": "Durand", "civility": "dr"}, "civility", "invalid_choice"),
        ({"last_name": "Durand", "age": "3"}, "age", "unknown_field"),
        ({"last_name": 12}, "last_name", "invalid_type"),
    ],
)
def test_it_refuses_bad_input_with_a_french_message(organization, owner, data, field, code):
    with pytest.raises(ValidationFailed) as caught:
        services.create_contact(organization, owner, data)
    errors = caught.value.for_field(field)
    assert [e.code for e in errors] == [code]
    assert str(errors[0].message)
    assert not Contact.objects.exists()


def test_a_contact_with_only_an_email_is_accepted(organization, owner):
    contact = services.create_contact(organization, owner, {"email": "compta@exemple.fr"})
    assert contact.display_name() == "compta@exemple.fr"


def test_notes_keep_their_line_breaks(organization, owner):
    contact = services.create_contact(
        organization, owner, {"last_name": "Durand", "notes": "Ligne 1\nLigne 2"}
    )
    assert contact.notes == "Ligne 1\nLigne 2"


def test_giving_a_role_takes_it_from_its_holder(organization, owner, client):
    first = _add(organization, owner, client, "Durand", roles=["billing", "main"])
    second = _add(organization, owner, client, "Leroy")
    services.update_link(organization, owner, client.pk, second.contact_id, roles=["billing"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.roles == ["main"]
    assert second.roles == ["billing"]
    change = history_for(organization.pk, "client", client.pk).first()
    assert change.action == "contact_role"
    assert change.changes["billing_contact"] == {"old": "Marie Durand", "new": "Marie Leroy"}
    assert change.changes["contact"] == {"old": "Marie Leroy", "new": "Marie Leroy (facturation)"}


def test_roles_are_replaced_by_the_list_given(organization, owner, client):
    link = _add(organization, owner, client, "Durand", roles=["main", "dunning"])
    services.update_link(organization, owner, client.pk, link.contact_id, roles=[])
    link.refresh_from_db()
    assert link.roles == []


def test_favorite_alone_keeps_the_roles(organization, owner, client):
    link = _add(organization, owner, client, "Durand", roles=["main"])
    services.update_link(organization, owner, client.pk, link.contact_id, favorite=True)
    link.refresh_from_db()
    assert link.roles == ["main"]
    assert link.favorite


def test_it_refuses_unknown_roles(organization, owner, client):
    link = _add(organization, owner, client, "Durand")
    with pytest.raises(ValidationFailed) as caught:
        services.update_link(organization, owner, client.pk, link.contact_id, roles=["boss"])
    assert caught.value.errors[0].field == "roles"


def test_the_database_refuses_a_second_main_contact(organization, owner, client):
    _add(organization, owner, client, "Durand", roles=["main"])
    other = services.create_contact(organization, owner, {"last_name": "Leroy"})
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientContact.objects.create(
            organization=organization, client=client, contact=other, is_main=True
        )


@pytest.mark.parametrize("field", ["is_billing", "is_dunning"])
def test_the_database_refuses_a_second_holder_of_each_role(organization, owner, client, field):
    first = _add(organization, owner, client, "Durand")
    second = _add(organization, owner, client, "Leroy")
    ClientContact.objects.filter(pk=first.pk).update(**{field: True})
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientContact.objects.filter(pk=second.pk).update(**{field: True})


def test_a_contact_can_serve_several_clients(organization, owner, client, other_client):
    link = _add(organization, owner, client, "Durand", roles=["main"])
    services.link_contact(organization, owner, other_client.pk, link.contact_id, roles=["main"])
    assert ClientContact.objects.filter(contact=link.contact, is_main=True).count() == 2


def test_it_refuses_linking_the_same_contact_twice(organization, owner, client):
    link = _add(organization, owner, client, "Durand")
    with pytest.raises(Conflict) as caught:
        services.link_contact(organization, owner, client.pk, link.contact_id)
    assert caught.value.code == "already_linked"
    assert ClientContact.objects.count() == 1


def test_unlinking_keeps_the_contact_and_records_it(organization, owner, client):
    link = _add(organization, owner, client, "Durand", roles=["billing"])
    services.unlink_contact(organization, owner, client.pk, link.contact_id)
    assert not ClientContact.objects.exists()
    assert Contact.objects.filter(pk=link.contact_id).exists()
    change = history_for(organization.pk, "client", client.pk).first()
    assert change.action == "contact_remove"
    assert change.changes["contact"]["old"] == "Marie Durand (facturation)"


def test_history_records_adding_and_changing_a_contact(organization, owner, client):
    link = _add(organization, owner, client, "Durand", roles=["billing"])
    added = history_for(organization.pk, "client", client.pk).first()
    assert added.action == "contact_add"
    assert added.changes["contact"] == {"old": None, "new": "Marie Durand (facturation)"}
    services.update_contact(organization, owner, link.contact_id, {"job_title": "Comptable"})
    changed = history_for(organization.pk, "client", client.pk).first()
    assert changed.action == "contact_change"
    assert changed.changes["job_title"] == {"old": "", "new": "Comptable"}


def test_deleting_a_contact_removes_it_from_every_client(organization, owner, client, other_client):
    link = _add(organization, owner, client, "Durand")
    services.link_contact(organization, owner, other_client.pk, link.contact_id)
    services.delete_contact(organization, owner, link.contact_id)
    assert not Contact.objects.exists()
    for c in (client, other_client):
        assert history_for(organization.pk, "client", c.pk).first().action == "contact_remove"


def test_other_organizations_ids_are_not_found(
    organization, owner, client, other_organization, outsider
):
    theirs = client_services.create_client(other_organization, outsider, {"name": "Ailleurs"})
    their_link = _add(other_organization, outsider, theirs, "Secret")
    mine = _add(organization, owner, client, "Durand")
    calls = [
        lambda: services.get_contact(organization, their_link.contact_id),
        lambda: services.update_contact(organization, owner, their_link.contact_id, {}),
        lambda: services.delete_contact(organization, owner, their_link.contact_id),
        lambda: services.link_contact(organization, owner, client.pk, their_link.contact_id),
        lambda: services.link_contact(organization, owner, theirs.pk, mine.contact_id),
        lambda: services.update_link(
            organization, owner, theirs.pk, their_link.contact_id, roles=["main"]
        ),
        lambda: services.unlink_contact(organization, owner, theirs.pk, their_link.contact_id),
        lambda: services.create_contact_for_client(
            organization, owner, theirs.pk, {"last_name": "X"}
        ),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert Contact.objects.filter(organization=other_organization).count() == 1


def test_search_ignores_case_and_accents(organization, owner, client):
    services.create_contact(organization, owner, {"first_name": "Élodie", "last_name": "DURAND"})
    services.create_contact(organization, owner, {"last_name": "Leroy", "mobile": "06 12 34 56 78"})
    services.create_contact(organization, owner, {"email": "compta@boulangerie.fr"})

    def names(q: str) -> list[str]:
        return [c.display_name() for c in search_contacts(organization, q)]

    assert names("elodie durand") == ["Élodie DURAND"]
    assert names("06 12 34") == ["Leroy"]
    assert names("BOULANGERIE") == ["compta@boulangerie.fr"]
    assert names("100%_") == []
    assert len(names("")) == 3


def test_search_stays_in_the_organization(organization, other_organization, outsider):
    services.create_contact(other_organization, outsider, {"last_name": "Durand"})
    assert not search_contacts(organization, "durand").exists()


def test_a_trashed_clients_contacts_cannot_change(organization, owner):
    import pytest

    from carnet.clients import services as client_services
    from carnet.contacts import services
    from carnet.contacts.models import ClientContact
    from carnet.core.errors import Conflict

    client = client_services.create_client(organization, owner, {"name": "Corbeille SA"})
    link = services.create_contact_for_client(
        organization, owner, client.pk, {"first_name": "Léa", "last_name": "Roux"}
    )
    client_services.delete_client(organization, owner, client.pk)
    for change in (
        lambda: services.create_contact_for_client(
            organization, owner, client.pk, {"last_name": "X"}
        ),
        lambda: services.update_link(
            organization, owner, client.pk, link.contact_id, roles=["main"]
        ),
        lambda: services.unlink_contact(organization, owner, client.pk, link.contact_id),
    ):
        with pytest.raises(Conflict) as caught:
            change()
        assert caught.value.code == "deleted"
    assert ClientContact.objects.filter(client=client).count() == 1
