"""A client's addresses through the REST API: create, list, change, delete, bad input,
read-only members, tenancy and history."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.addresses import services
from carnet.addresses.models import Address
from carnet.clients import services as client_services
from carnet.conftest import ApiClient
from carnet.core.models import ChangeRecord

HEAD_OFFICE = {
    "label": "Siège",
    "line1": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "is_billing": True,
}
WAREHOUSE = {
    "label": "Entrepôt",
    "line1": "4 rue Denis-Papin",
    "line2": "ZI des Bruyères",
    "postcode": "69800",
    "city": "Saint-Priest",
    "is_delivery": True,
}
OUTPUT_FIELDS = {
    "id",
    "label",
    "line1",
    "line2",
    "line3",
    "postcode",
    "city",
    "region",
    "country",
    "is_billing",
    "is_delivery",
    "created_at",
    "updated_at",
}


@pytest.fixture
def company(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Menuiserie Girard"})


@pytest.fixture
def foreign(other_organization, outsider):
    """Another organization's client with an address."""
    client = client_services.create_client(other_organization, outsider, {"name": "Ailleurs SA"})
    address = services.create_address(other_organization, outsider, client.pk, HEAD_OFFICE)
    return client, address


def url(client_id: int, address_id: int | None = None) -> str:
    base = f"/clients/{client_id}/addresses"
    return base if address_id is None else f"{base}/{address_id}"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def errors_of(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {error["field"]: error for error in body["errors"]}


def create(api: ApiClient, client_id: int, **fields: Any) -> dict[str, Any]:
    response = api.post(url(client_id), fields)
    assert response.status_code == 201, response.content
    return response.json()


# --- Create and list ----------------------------------------------------------------------
def test_it_creates_an_address_with_normalized_values(api, company):
    response = api.post(
        url(company.pk),
        {"label": "  Siège ", "line1": "12  rue de la Paix", "postcode": "75 002", "city": "Paris"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == OUTPUT_FIELDS
    assert body["label"] == "Siège"
    assert body["line1"] == "12 rue de la Paix"
    assert body["postcode"] == "75002"
    assert body["country"] == "FR"  # the client's country by default
    assert body["is_billing"] is False
    assert response["Location"].endswith(f"/api/v1/clients/{company.pk}/addresses/{body['id']}")
    assert Address.objects.get(pk=body["id"]).client_id == company.pk


def test_the_list_puts_the_billing_address_first(api, company):
    other = create(api, company.pk, line1="1 place Bellecour", postcode="69002", city="Lyon")
    delivery = create(api, company.pk, **WAREHOUSE)
    billing = create(api, company.pk, **HEAD_OFFICE)
    response = api.get(url(company.pk))
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [billing["id"], delivery["id"], other["id"]]
    assert items[0]["is_billing"] and items[1]["is_delivery"]


def test_an_empty_list_is_an_empty_list(api, company):
    assert api.get(url(company.pk)).json() == {"items": []}


def test_a_new_billing_address_takes_the_flag_from_the_old_one(api, company):
    first = create(api, company.pk, **HEAD_OFFICE)
    second = create(api, company.pk, **{**WAREHOUSE, "is_billing": True})
    flags = {a["id"]: a["is_billing"] for a in api.get(url(company.pk)).json()["items"]}
    assert flags == {first["id"]: False, second["id"]: True}


# --- Change -------------------------------------------------------------------------------
def test_a_patch_changes_only_the_fields_sent(api, company):
    address = create(api, company.pk, **HEAD_OFFICE)
    response = api.patch(url(company.pk, address["id"]), {"line2": "Bâtiment B"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["line2"] == "Bâtiment B"
    assert body["line1"] == HEAD_OFFICE["line1"]
    assert body["is_billing"] is True


def test_patch_moves_the_billing_and_delivery_flags_between_addresses(api, company):
    head = create(api, company.pk, **HEAD_OFFICE)
    warehouse = create(api, company.pk, **WAREHOUSE)

    response = api.patch(url(company.pk, warehouse["id"]), {"is_billing": True})
    assert response.status_code == 200, response.content
    response = api.patch(url(company.pk, head["id"]), {"is_delivery": True})
    assert response.status_code == 200, response.content

    items = {a["id"]: a for a in api.get(url(company.pk)).json()["items"]}
    assert (items[warehouse["id"]]["is_billing"], items[warehouse["id"]]["is_delivery"]) == (
        True,
        False,
    )
    assert (items[head["id"]]["is_billing"], items[head["id"]]["is_delivery"]) == (False, True)


def test_clearing_the_billing_flag_leaves_no_billing_address(api, company):
    head = create(api, company.pk, **HEAD_OFFICE)
    response = api.patch(url(company.pk, head["id"]), {"is_billing": False})
    assert response.status_code == 200
    assert not Address.objects.filter(client=company, is_billing=True).exists()


# --- Delete -------------------------------------------------------------------------------
def test_it_deletes_an_address(api, company):
    head = create(api, company.pk, **HEAD_OFFICE)
    keep = create(api, company.pk, **WAREHOUSE)
    response = api.delete(url(company.pk, head["id"]))
    assert response.status_code == 204
    assert [a["id"] for a in api.get(url(company.pk)).json()["items"]] == [keep["id"]]
    assert_problem(api.delete(url(company.pk, head["id"])), 404)


def test_an_address_of_a_client_in_the_trash_cannot_change(api, organization, owner, company):
    head = create(api, company.pk, **HEAD_OFFICE)
    client_services.delete_client(organization, owner, company.pk)
    assert api.get(url(company.pk)).status_code == 200
    body = assert_problem(api.patch(url(company.pk, head["id"]), {"city": "Lyon"}), 409)
    assert body["code"] == "deleted"
    assert_problem(api.post(url(company.pk), WAREHOUSE), 409)
    assert_problem(api.delete(url(company.pk, head["id"])), 409)
    assert Address.objects.get(pk=head["id"]).city == "Paris"


# --- Bad input ----------------------------------------------------------------------------
def test_a_bad_french_postcode_is_refused_in_french(api, company):
    body = assert_problem(api.post(url(company.pk), {**HEAD_OFFICE, "postcode": "7500"}), 422)
    error = errors_of(body)["postcode"]
    assert error["code"] == "invalid_postcode"
    assert error["message"].startswith("Le code postal doit compter 5 chiffres (par exemple ")
    assert not Address.objects.exists()


def test_missing_required_fields_are_all_listed(api, company):
    body = assert_problem(api.post(url(company.pk), {"label": "Vide"}), 422)
    errors = errors_of(body)
    assert errors["line1"]["message"] == "Saisissez au moins la première ligne de l'adresse."
    assert errors["city"]["message"] == "La ville est obligatoire."
    assert errors["postcode"]["code"] == "required"


def test_unknown_fields_are_refused(api, company):
    body = assert_problem(api.post(url(company.pk), {**HEAD_OFFICE, "street": "x"}), 422)
    assert errors_of(body)["street"]["code"] == "unknown_field"
    head = create(api, company.pk, **HEAD_OFFICE)
    body = assert_problem(api.patch(url(company.pk, head["id"]), {"client": 3}), 422)
    assert errors_of(body)["client"]["code"] == "unknown_field"
    assert Address.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("line1", 12, "invalid_type"),
        ("city", ["Paris"], "invalid_type"),
        ("is_billing", "peut-être", "invalid_type"),
        ("is_delivery", 3, "invalid_type"),
        ("line1", "x" * 201, "too_long"),
        ("country", "France", "too_long"),
        ("country", "ZZ", "invalid_country"),
        ("line2", "ligne\x00nulle", "invalid_character"),
    ],
)
def test_wrong_types_and_values_are_refused(api, company, field, value, code):
    body = assert_problem(api.post(url(company.pk), {**HEAD_OFFICE, field: value}), 422)
    assert errors_of(body)[field]["code"] == code
    assert not Address.objects.exists()


def test_a_foreign_postcode_is_checked_against_its_country(api, company):
    body = assert_problem(
        api.post(url(company.pk), {**HEAD_OFFICE, "country": "NL", "postcode": "75002"}), 422
    )
    assert errors_of(body)["postcode"]["code"] == "invalid_postcode"
    address = create(api, company.pk, **{**HEAD_OFFICE, "country": "nl", "postcode": "1015cj"})
    assert (address["country"], address["postcode"]) == ("NL", "1015 CJ")


def test_malformed_json_and_non_objects_are_refused(api, company):
    body = assert_problem(api.post(url(company.pk), raw='{"line1": '), 400)
    assert "JSON" in body["detail"]
    assert_problem(api.post(url(company.pk), ["line1"]), 422)
    head = create(api, company.pk, **HEAD_OFFICE)
    assert_problem(api.patch(url(company.pk, head["id"]), raw="{'city': 'Lyon'}"), 400)
    assert Address.objects.get(pk=head["id"]).city == "Paris"


def test_garbage_ids_are_not_found(api, company):
    assert_problem(api.patch(f"/clients/{company.pk}/addresses/abc", {"city": "Lyon"}), 404)
    assert_problem(api.patch(url(company.pk, 2**70), {"city": "Lyon"}), 404)
    assert_problem(api.delete(url(company.pk, 0)), 404)
    assert_problem(api.get(url(2**70)), 404)


def test_an_address_of_another_client_is_not_found_under_this_one(
    api, organization, owner, company
):
    sibling = client_services.create_client(organization, owner, {"name": "Autre client"})
    theirs = create(api, sibling.pk, **HEAD_OFFICE)
    assert_problem(api.patch(url(company.pk, theirs["id"]), {"city": "Lyon"}), 404)
    assert_problem(api.delete(url(company.pk, theirs["id"])), 404)
    assert Address.objects.get(pk=theirs["id"]).city == "Paris"


# --- Roles and tenancy --------------------------------------------------------------------
def test_a_viewer_reads_addresses_but_cannot_change_them(api, organization, company):
    head = create(api, company.pk, **HEAD_OFFICE)
    viewer = add_member(organization, email="lecteur@dupont.fr", role=Role.VIEWER).user
    viewer_api = ApiClient(create_api_token(organization, viewer))
    assert viewer_api.get(url(company.pk)).status_code == 200
    assert_problem(viewer_api.post(url(company.pk), WAREHOUSE), 403)
    assert_problem(viewer_api.patch(url(company.pk, head["id"]), {"city": "Lyon"}), 403)
    assert_problem(viewer_api.delete(url(company.pk, head["id"])), 403)
    assert Address.objects.count() == 1


def test_another_organization_gets_404_on_every_path_and_writes_nothing(
    api, outsider_api, company, foreign
):
    mine = create(api, company.pk, **HEAD_OFFICE)
    foreign_client, foreign_address = foreign
    before = list(Address.objects.order_by("pk").values())
    changes_before = ChangeRecord.objects.count()
    # The outsider on our client and address…
    assert_problem(outsider_api.get(url(company.pk)), 404)
    assert_problem(outsider_api.post(url(company.pk), WAREHOUSE), 404)
    assert_problem(outsider_api.patch(url(company.pk, mine["id"]), {"city": "Lyon"}), 404)
    assert_problem(outsider_api.delete(url(company.pk, mine["id"])), 404)
    # …its own client with our address…
    assert_problem(outsider_api.patch(url(foreign_client.pk, mine["id"]), {"city": "X"}), 404)
    assert_problem(outsider_api.delete(url(foreign_client.pk, mine["id"])), 404)
    # …and we on theirs.
    assert_problem(api.get(url(foreign_client.pk)), 404)
    assert_problem(api.post(url(foreign_client.pk), WAREHOUSE), 404)
    assert_problem(api.patch(url(foreign_client.pk, foreign_address.pk), {"city": "X"}), 404)
    assert_problem(api.patch(url(company.pk, foreign_address.pk), {"city": "X"}), 404)
    assert_problem(api.delete(url(company.pk, foreign_address.pk)), 404)
    assert list(Address.objects.order_by("pk").values()) == before
    assert ChangeRecord.objects.count() == changes_before


# --- History ------------------------------------------------------------------------------
def test_address_changes_appear_in_the_client_history(api, company):
    head = create(api, company.pk, **HEAD_OFFICE)
    warehouse = create(api, company.pk, **WAREHOUSE)
    api.patch(url(company.pk, warehouse["id"]), {"is_billing": True})
    api.delete(url(company.pk, head["id"]))

    items = api.get(f"/clients/{company.pk}/history").json()["items"]
    actions = [item["action"] for item in items]
    assert actions[:4] == ["address_delete", "address_change", "address_add", "address_add"]
    assert all(item["source"] == "api" for item in items[:4])
    assert all(item["user"] == "owner@dupont.fr" for item in items[:4])
    moved = items[1]["changes"]["billing_address"]
    assert moved["old"] == "Siège : 12 rue de la Paix, 75002 Paris"
    assert moved["new"].startswith("Entrepôt : 4 rue Denis-Papin")
    assert items[0]["changes"]["address"] == {
        "old": "Siège : 12 rue de la Paix, 75002 Paris",
        "new": None,
    }
