"""The contacts API: /api/v1/contacts and /api/v1/clients/{id}/contacts."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients import services as client_services
from carnet.conftest import PASSWORD, ApiClient
from carnet.contacts.models import ClientContact, Contact
from carnet.core.history import history_for


@pytest.fixture
def client_id(organization: Any, owner: Any) -> int:
    return client_services.create_client(organization, owner, {"name": "Boulangerie Martin"}).pk


def _add(api: ApiClient, client_id: int, **data: Any) -> Any:
    return api.post(f"/clients/{client_id}/contacts", data)


def test_it_creates_a_contact_for_a_client_and_lists_it_with_its_roles(api, client_id):
    response = _add(
        api,
        client_id,
        first_name="Marie",
        last_name="Durand",
        email="marie@exemple.fr",
        phone="01 42 68 53 00",
        roles=["billing", "main"],
        favorite=True,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+33142685300"
    assert body["roles"] == ["main", "billing"]
    assert body["favorite"] is True
    assert response["Location"].endswith(f"/clients/{client_id}/contacts/{body['id']}")
    listed = api.get(f"/clients/{client_id}/contacts").json()["items"]
    assert [(c["last_name"], c["roles"], c["favorite"]) for c in listed] == [
        ("Durand", ["main", "billing"], True)
    ]


def test_moving_a_role_through_the_api(api, client_id):
    first = _add(api, client_id, last_name="Durand", roles=["billing"]).json()
    second = _add(api, client_id, last_name="Leroy").json()
    response = api.patch(f"/clients/{client_id}/contacts/{second['id']}", {"roles": ["billing"]})
    assert response.status_code == 200
    assert response.json()["roles"] == ["billing"]
    listed = {
        c["id"]: c["roles"] for c in api.get(f"/clients/{client_id}/contacts").json()["items"]
    }
    assert listed == {first["id"]: [], second["id"]: ["billing"]}


def test_a_second_billing_contact_given_at_creation_takes_the_role(api, client_id):
    _add(api, client_id, last_name="Durand", roles=["billing"])
    _add(api, client_id, last_name="Leroy", roles=["billing"])
    assert ClientContact.objects.filter(is_billing=True).get().contact.last_name == "Leroy"


def test_it_links_an_existing_contact_to_another_client(api, organization, owner, client_id):
    contact = api.post("/contacts", {"last_name": "Durand"}).json()
    assert api.get(f"/contacts/{contact['id']}").status_code == 200
    response = _add(api, client_id, contact_id=contact["id"], roles=["dunning"])
    assert response.status_code == 201
    assert response.json()["roles"] == ["dunning"]
    again = _add(api, client_id, contact_id=contact["id"])
    assert again.status_code == 409
    assert again.json()["code"] == "already_linked"
    assert ClientContact.objects.count() == 1


def test_it_refuses_contact_fields_sent_with_contact_id(api, client_id):
    contact = api.post("/contacts", {"last_name": "Durand"}).json()
    response = _add(api, client_id, contact_id=contact["id"], last_name="Autre")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "last_name"


def test_unlinking_keeps_the_contact(api, client_id, organization):
    contact = _add(api, client_id, last_name="Durand", roles=["main"]).json()
    response = api.delete(f"/clients/{client_id}/contacts/{contact['id']}")
    assert response.status_code == 204
    assert api.get(f"/clients/{client_id}/contacts").json()["items"] == []
    assert api.get(f"/contacts/{contact['id']}").status_code == 200
    assert api.delete(f"/clients/{client_id}/contacts/{contact['id']}").status_code == 404
    actions = [c.action for c in history_for(organization.pk, "client", client_id)]
    assert actions[:2] == ["contact_remove", "contact_add"]


def test_contact_crud_and_search(api):
    created = api.post("/contacts", {"first_name": "Élodie", "last_name": "Durand"})
    assert created.status_code == 201
    contact_id = created.json()["id"]
    api.post("/contacts", {"email": "compta@exemple.fr"})
    found = api.get("/contacts", q="ELODIE").json()["items"]
    assert [c["id"] for c in found] == [contact_id]
    assert len(api.get("/contacts").json()["items"]) == 2
    changed = api.patch(f"/contacts/{contact_id}", {"job_title": "Comptable"})
    assert changed.status_code == 200
    assert changed.json()["job_title"] == "Comptable"
    assert changed.json()["last_name"] == "Durand"
    assert api.delete(f"/contacts/{contact_id}").status_code == 204
    assert api.get(f"/contacts/{contact_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"first_name": "Marie"}, "last_name", "required"),
        ({"last_name": "Durand", "email": "non"}, "email", "invalid_email"),
        ({"last_name": "Durand", "phone": "123"}, "phone", "invalid_phone"),
        ({"last_name": "Du\u0000rand"}, "last_name", "invalid_character"),
        ({"last_name": "x" * 101}, "last_name", "too_long"),
        ({"last_name": "Durand", "roles": ["boss"]}, "roles", "invalid_choice"),
        ({"last_name": "Durand", "age": 3}, "age", "unknown_field"),
        ({"last_name": 3}, "last_name", "invalid_type"),
    ],
)
def test_it_refuses_bad_input_with_field_errors(api, client_id, body, field, code):
    response = _add(api, client_id, **body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in errors
    ]
    assert all(e["message"] for e in errors)
    assert not Contact.objects.exists()


def test_it_refuses_a_bad_role_in_patch(api, client_id):
    contact = _add(api, client_id, last_name="Durand").json()
    response = api.patch(f"/clients/{client_id}/contacts/{contact['id']}", {"roles": "main"})
    assert response.status_code == 422


def test_a_viewer_may_read_but_not_write(organization, client_id, api):
    viewer = add_member(
        organization, email="viewer@dupont.fr", password=PASSWORD, role=Role.VIEWER
    ).user
    viewer_api = ApiClient(create_api_token(organization, viewer))
    contact = _add(api, client_id, last_name="Durand").json()
    assert viewer_api.get(f"/clients/{client_id}/contacts").status_code == 200
    assert viewer_api.get("/contacts").status_code == 200
    writes = [
        viewer_api.post(f"/clients/{client_id}/contacts", {"last_name": "X"}),
        viewer_api.patch(f"/clients/{client_id}/contacts/{contact['id']}", {"roles": ["main"]}),
        viewer_api.delete(f"/clients/{client_id}/contacts/{contact['id']}"),
        viewer_api.post("/contacts", {"last_name": "X"}),
        viewer_api.patch(f"/contacts/{contact['id']}", {"last_name": "X"}),
        viewer_api.delete(f"/contacts/{contact['id']}"),
    ]
    assert [r.status_code for r in writes] == [403] * 6
    assert Contact.objects.count() == 1


def test_other_organizations_get_404_everywhere(api, outsider_api, client_id):
    contact = _add(api, client_id, last_name="Durand").json()
    cid = contact["id"]
    calls = [
        outsider_api.get(f"/clients/{client_id}/contacts"),
        outsider_api.post(f"/clients/{client_id}/contacts", {"last_name": "X"}),
        outsider_api.patch(f"/clients/{client_id}/contacts/{cid}", {"roles": ["main"]}),
        outsider_api.delete(f"/clients/{client_id}/contacts/{cid}"),
        outsider_api.get(f"/contacts/{cid}"),
        outsider_api.patch(f"/contacts/{cid}", {"last_name": "X"}),
        outsider_api.delete(f"/contacts/{cid}"),
    ]
    assert [r.status_code for r in calls] == [404] * 7
    assert outsider_api.get("/contacts", q="durand").json()["items"] == []
    assert Contact.objects.get().last_name == "Durand"


def test_an_outsider_cannot_link_our_contact_to_their_client(
    api, outsider_api, client_id, other_organization, outsider
):
    contact = _add(api, client_id, last_name="Durand").json()
    theirs = client_services.create_client(other_organization, outsider, {"name": "Ailleurs"})
    response = outsider_api.post(f"/clients/{theirs.pk}/contacts", {"contact_id": contact["id"]})
    assert response.status_code == 404
