"""The client record through the REST API: create, read, change, archive, trash, history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from stdnum import luhn

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients import services
from carnet.clients.models import Client
from carnet.conftest import ApiClient
from carnet.core.models import ChangeRecord
from carnet.customfields.services import create_custom_field
from carnet.testing.models import SampleDocument


def valid_siret(n: int) -> str:
    """A SIRET with valid checksums, different for each ``n``."""
    base = f"{73282900 + n:08d}"
    siren = base + luhn.calc_check_digit(base)
    nic = siren + "0001"
    return nic + luhn.calc_check_digit(nic)


def create(api: ApiClient, **fields: Any) -> dict[str, Any]:
    response = api.post("/clients", {"name": "Client", **fields})
    assert response.status_code == 201, response.content
    return response.json()


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


# --- Create -------------------------------------------------------------------------------
def test_it_creates_a_company_and_stores_normalized_values(api, organization, owner):
    create_custom_field(organization, owner, {"name": "Code client", "type": "text"})
    response = api.post(
        "/clients",
        {
            "name": "Boulangerie Martin",
            "siret": "732 829 320 00074",
            "vat_number": "fr 44 732829320",
            "email": "Contact@Boulangerie-MARTIN.FR",
            "phone": "01 42 68 53 00",
            "mobile": "06.12.34.56.78",
            "naf_code": "1071c",
            "share_capital": "10000.5",
            "tags": ["Boulangerie", "VIP"],
            "category": "Commerce",
            "custom_fields": {"code_client": "B-12"},
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["siret"] == "73282932000074"
    assert body["siren"] == "732829320"
    assert body["vat_number"] == "FR44732829320"
    assert body["email"] == "Contact@boulangerie-martin.fr"
    assert body["phone"] == "+33142685300"
    assert body["mobile"] == "+33612345678"
    assert body["naf_code"] == "10.71C"
    assert body["share_capital"] == "10000.50"
    assert body["tags"] == ["Boulangerie", "VIP"]
    assert body["category"] == "Commerce"
    assert body["custom_fields"] == {"code_client": "B-12"}
    assert body["kind"] == "company"
    assert body["country"] == "FR"
    assert body["vat_regime"] == "standard"
    assert body["reference"].startswith("CLI-")
    assert body["version"] == 1
    assert body["archived"] is False
    assert response["Location"] == f"/api/v1/clients/{body['id']}"
    assert response["ETag"] == '"1"'
    stored = Client.objects.get(pk=body["id"])
    assert (stored.siret, stored.siren, stored.phone) == (
        "73282932000074",
        "732829320",
        "+33142685300",
    )


def test_it_names_an_individual_from_first_and_last_name(api):
    response = api.post(
        "/clients",
        {"kind": "individual", "civility": "mrs", "first_name": "Élise", "last_name": "Faure"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Élise Faure"
    assert body["civility"] == "mrs"


def test_it_keeps_a_reference_given_and_refuses_it_twice(api):
    assert create(api, name="A", reference="C-001")["reference"] == "C-001"
    body = assert_problem(api.post("/clients", {"name": "B", "reference": "C-001"}), 422)
    assert body["errors"][0]["field"] == "reference"
    assert body["errors"][0]["code"] == "duplicate"


def test_it_reports_invalid_values_per_field_in_french(api):
    response = api.post(
        "/clients", {"name": "", "siret": "732 829 320 00075", "email": "pas-un-mail"}
    )
    body = assert_problem(response, 422)
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"name", "siret", "email"}
    assert fields["name"]["code"] == "required"
    assert fields["name"]["message"] == "Le nom est obligatoire."
    assert fields["siret"]["code"] == "invalid_checksum"
    assert "SIRET" in fields["siret"]["message"]
    assert Client.objects.count() == 0


def test_it_refuses_a_siren_that_does_not_match_the_siret(api):
    body = assert_problem(
        api.post("/clients", {"name": "X", "siret": "73282932000074", "siren": valid_siret(1)[:9]}),
        422,
    )
    assert [e["field"] for e in body["errors"]] == ["siren"]


@pytest.mark.parametrize(
    ("fields", "regime"),
    [
        ({"country": "FR"}, "standard"),
        ({"kind": "individual", "country": "DE"}, "standard"),
        ({"country": "DE", "vat_number": "DE136695976"}, "reverse_charge"),
        ({"country": "DE"}, "standard"),
        ({"country": "US"}, "export"),
    ],
)
def test_it_derives_the_vat_regime(api, fields, regime):
    assert create(api, **fields)["vat_regime"] == regime


def test_the_vat_regime_is_read_only(api):
    body = assert_problem(api.post("/clients", {"name": "X", "vat_regime": "export"}), 422)
    assert body["errors"] == [
        {"field": "vat_regime", "code": "unknown_field", "message": "Ce champ n'existe pas."}
    ]


# --- Read ---------------------------------------------------------------------------------
def test_it_reads_a_client_with_its_version_as_etag(api):
    created = create(api, name="Atelier Rivière", email="atelier@riviere.fr")
    response = api.get(f"/clients/{created['id']}")
    assert response.status_code == 200
    assert created.pop("warnings") == []  # only a creation's answer says what it looks like
    assert response.json() == created
    assert response["ETag"] == '"1"'


def test_an_unknown_id_is_not_found(api):
    body = assert_problem(api.get("/clients/999999"), 404)
    assert body["detail"] == "Client introuvable."


# --- Change -------------------------------------------------------------------------------
def test_patch_changes_only_the_fields_sent(api):
    created = create(api, name="Garage Lemoine", email="g@lemoine.fr", phone="0142685300")
    response = api.patch(f"/clients/{created['id']}", {"name": "Garage Lemoine & Fils"})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Garage Lemoine & Fils"
    assert body["email"] == "g@lemoine.fr"
    assert body["phone"] == "+33142685300"
    assert body["version"] == 2
    assert response["ETag"] == '"2"'


def test_patch_can_clear_a_field(api):
    created = create(api, name="X", phone="0142685300")
    assert api.patch(f"/clients/{created['id']}", {"phone": None}).json()["phone"] == ""


def test_patch_without_change_keeps_the_version(api):
    created = create(api, name="X")
    response = api.patch(f"/clients/{created['id']}", {})
    assert response.status_code == 200
    assert response.json()["version"] == 1


@pytest.mark.parametrize("header", ["1", '"1"', 'W/"1"'])
def test_patch_with_a_fresh_if_match_is_applied(api, header):
    created = create(api, name="X")
    response = api.patch(f"/clients/{created['id']}", {"name": "Y"}, headers={"If-Match": header})
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_patch_with_a_stale_if_match_is_refused_without_overwriting(api):
    created = create(api, name="Version A")
    api.patch(f"/clients/{created['id']}", {"name": "Version B"}, headers={"If-Match": "1"})

    response = api.patch(
        f"/clients/{created['id']}", {"name": "Version C"}, headers={"If-Match": "1"}
    )

    body = assert_problem(response, 412)
    assert body["current_version"] == 2
    assert "modifié par quelqu'un d'autre" in body["detail"]
    assert Client.objects.get(pk=created["id"]).name == "Version B"


@pytest.mark.parametrize("header", ["abc", "-1", "1.5", '"', "²", "1, 2", "9" * 40])
def test_patch_with_a_malformed_if_match_is_refused(api, header):
    created = create(api, name="X")
    response = api.patch(f"/clients/{created['id']}", {"name": "Y"}, headers={"If-Match": header})
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "If-Match"
    assert Client.objects.get(pk=created["id"]).name == "X"


def test_patch_refuses_another_clients_email(api):
    create(api, name="A", email="a@exemple.fr")
    other = create(api, name="B", email="b@exemple.fr")
    body = assert_problem(api.patch(f"/clients/{other['id']}", {"email": "A@EXEMPLE.FR"}), 409)
    assert body["code"] == "duplicate"
    assert Client.objects.get(pk=other["id"]).email == "b@exemple.fr"


# --- Duplicates ---------------------------------------------------------------------------
def test_it_refuses_a_second_client_with_the_same_email_in_another_case(api):
    first = create(api, name="Dupont", email="contact@dupont.fr")
    body = assert_problem(
        api.post("/clients", {"name": "Dupont bis", "email": "CONTACT@Dupont.FR"}), 409
    )
    assert body["code"] == "duplicate"
    assert body["existing_client_id"] == first["id"]
    assert "Dupont" in body["detail"]
    assert Client.objects.count() == 1


def test_it_refuses_a_second_client_with_the_same_siret(api):
    first = create(api, name="Dupont", siret="73282932000074")
    body = assert_problem(
        api.post("/clients", {"name": "Autre", "siret": "732 829 320 00074"}), 409
    )
    assert body["existing_client_id"] == first["id"]
    assert Client.objects.count() == 1


def test_an_archived_client_still_counts_as_a_duplicate(api):
    first = create(api, name="Dupont", email="contact@dupont.fr")
    api.post(f"/clients/{first['id']}/archive")
    body = assert_problem(
        api.post("/clients", {"name": "Dupont", "email": "contact@dupont.fr"}), 409
    )
    assert body["existing_client_id"] == first["id"]
    assert body["existing_client_archived"] is True


def test_a_client_in_the_trash_is_not_a_duplicate(api):
    first = create(api, name="Dupont", email="contact@dupont.fr")
    api.delete(f"/clients/{first['id']}")
    assert api.post("/clients", {"name": "Dupont", "email": "contact@dupont.fr"}).status_code == 201


# --- Archive, trash, restore --------------------------------------------------------------
def test_archive_and_unarchive(api):
    created = create(api, name="Garage Lemoine")

    archived = api.post(f"/clients/{created['id']}/archive")
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert archived.json()["archived_at"] is not None
    assert archived.json()["version"] == 2
    assert api.get("/clients").json()["items"] == []
    assert [c["id"] for c in api.get("/clients", archived="true").json()["items"]] == [
        created["id"]
    ]
    assert api.get(f"/clients/{created['id']}").status_code == 200

    unarchived = api.post(f"/clients/{created['id']}/unarchive")
    assert unarchived.json()["archived"] is False
    assert [c["id"] for c in api.get("/clients").json()["items"]] == [created["id"]]


def test_delete_moves_to_the_trash_and_restore_brings_back(api):
    created = create(api, name="Garage Lemoine")

    deleted = api.delete(f"/clients/{created['id']}")
    assert deleted.status_code == 200
    assert deleted.json()["deleted_at"] is not None
    assert api.get("/clients", archived="all").json()["items"] == []
    assert [c["id"] for c in api.get("/clients", trash="true").json()["items"]] == [created["id"]]

    restored = api.post(f"/clients/{created['id']}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    assert [c["id"] for c in api.get("/clients").json()["items"]] == [created["id"]]


def test_a_client_in_the_trash_cannot_be_changed_or_archived(api):
    created = create(api, name="X")
    api.delete(f"/clients/{created['id']}")
    assert (
        assert_problem(api.patch(f"/clients/{created['id']}", {"name": "Y"}), 409)["code"]
        == "deleted"
    )
    assert assert_problem(api.post(f"/clients/{created['id']}/archive"), 409)["code"] == "deleted"


def test_restore_is_refused_when_a_live_client_took_the_email(api):
    first = create(api, name="Dupont", email="contact@dupont.fr")
    api.delete(f"/clients/{first['id']}")
    second = create(api, name="Dupont 2", email="contact@dupont.fr")
    body = assert_problem(api.post(f"/clients/{first['id']}/restore"), 409)
    assert body["existing_client_id"] == second["id"]
    assert Client.objects.get(pk=first["id"]).deleted_at is not None


@pytest.fixture
def blocked_ids() -> Iterator[set[int]]:
    """Client ids a test-registered blocker refuses to delete."""
    ids: set[int] = set()
    services.register_delete_blocker(
        services.DeleteBlocker(
            code="test_invoices",
            label=services.blocker_label("%(count)d facture", "%(count)d factures"),
            count=lambda client: 2 if client.pk in ids else 0,
        )
    )
    yield ids
    services.unregister_delete_blocker("test_invoices")


def test_delete_is_refused_while_a_blocker_counts_documents(api, blocked_ids):
    created = create(api, name="Garage Lemoine")
    blocked_ids.add(created["id"])
    records = ChangeRecord.objects.count()

    body = assert_problem(api.delete(f"/clients/{created['id']}"), 409)

    assert body["code"] == "has_documents"
    assert body["blockers"] == {"test_invoices": 2}
    assert body["can_archive"] is True
    assert "2 factures" in body["detail"]
    assert "Archivez-le" in body["detail"]
    assert Client.objects.get(pk=created["id"]).deleted_at is None
    assert ChangeRecord.objects.count() == records


def test_delete_is_refused_while_documents_are_attached(api, organization):
    created = create(api, name="Garage Lemoine")
    SampleDocument.objects.create(
        organization=organization, client_id=created["id"], number="F-2026-001"
    )
    body = assert_problem(api.delete(f"/clients/{created['id']}"), 409)
    assert body["blockers"] == {"sample_documents": 1}
    assert "1 document" in body["detail"]
    assert Client.objects.get(pk=created["id"]).deleted_at is None


# --- History ------------------------------------------------------------------------------
def test_history_lists_changes_newest_first_with_values_and_user(api, owner):
    created = create(api, name="Garage Lemoine", email="g@lemoine.fr")
    api.patch(f"/clients/{created['id']}", {"name": "Garage Lemoine & Fils", "phone": "0142685300"})
    api.post(f"/clients/{created['id']}/archive")
    api.post(f"/clients/{created['id']}/unarchive")
    api.delete(f"/clients/{created['id']}")
    api.post(f"/clients/{created['id']}/restore")

    response = api.get(f"/clients/{created['id']}/history")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["action"] for i in items] == [
        "restore",
        "delete",
        "unarchive",
        "archive",
        "update",
        "create",
    ]
    update = items[4]
    assert update["changes"]["name"] == {"old": "Garage Lemoine", "new": "Garage Lemoine & Fils"}
    assert update["changes"]["phone"] == {"old": "", "new": "+33142685300"}
    assert update["user"] == owner.email
    assert update["source"] == "api"
    assert items[-1]["changes"]["email"] == {"old": None, "new": "g@lemoine.fr"}
    assert items[3]["changes"]["archived"] == {"old": False, "new": True}


# --- Roles and language -------------------------------------------------------------------
def test_a_read_only_member_can_read_but_not_write(organization, api):
    created = create(api, name="X")
    viewer = add_member(organization, email="lecteur@dupont.fr", role=Role.VIEWER).user
    viewer_api = ApiClient(create_api_token(organization, viewer))

    assert viewer_api.get(f"/clients/{created['id']}").status_code == 200
    assert viewer_api.get("/clients").status_code == 200
    assert_problem(viewer_api.post("/clients", {"name": "Y"}), 403)
    assert_problem(viewer_api.patch(f"/clients/{created['id']}", {"name": "Y"}), 403)
    assert_problem(viewer_api.delete(f"/clients/{created['id']}"), 403)
    assert_problem(viewer_api.post(f"/clients/{created['id']}/archive"), 403)
    assert Client.objects.get().name == "X"


def test_errors_follow_the_requested_language(organization, owner):
    english = ApiClient(create_api_token(organization, owner), language="en")
    response = english.post("/clients", {"name": ""})
    body = assert_problem(response, 422)
    assert response["Content-Language"] == "en"
    # The English catalogue comes later; the code that programs rely on does not change.
    assert body["errors"][0]["code"] == "required"

    french = ApiClient(create_api_token(organization, owner), language="fr")
    response = french.post("/clients", {"name": ""})
    assert response["Content-Language"] == "fr"
    assert assert_problem(response, 422)["errors"][0]["message"] == "Le nom est obligatoire."
