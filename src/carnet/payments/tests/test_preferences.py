"""A client's payment preferences through the API: defaults until overridden, the French
rules on every value, the lists and accounts of the organization only, the legal limit."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.core.models import ChangeRecord
from carnet.payments import services
from carnet.payments.models import OrganizationBankAccount

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def lists(organization: Any) -> dict[str, Any]:
    return {
        "reseller": services.create_item(organization, "price_category", "Tarif revendeur"),
        "carrier": services.create_item(organization, "carrier", "Colissimo"),
        "account": services.save_bank_account(
            organization, None, {"label": "Compte courant", "iban": IBAN, "is_default": True}
        ),
    }


def _codes(response: Any) -> dict[str, str]:
    return {error["field"]: error["code"] for error in response.json()["errors"]}


def test_a_new_client_follows_the_defaults_until_its_record_says_otherwise(api: Any) -> None:
    created = api.post("/clients", {"name": "Boulangerie Martin"})
    assert created.status_code == 201
    body = created.json()
    assert body["payment_terms_days"] is None
    assert body["payment_method"] == ""
    assert body["currency"] == ""
    assert body["default_vat_rate"] is None
    assert body["warnings"] == []

    changed = api.patch(
        f"/clients/{body['id']}",
        {
            "payment_terms_days": 45,
            "payment_terms_end_of_month": True,
            "payment_method": "direct_debit",
            "currency": "chf",
            "default_vat_rate": 5.5,
            "discount_percent": "12.5",
        },
    )
    assert changed.status_code == 200, changed.json()
    out = changed.json()
    assert out["payment_terms_days"] == 45
    assert out["payment_terms_end_of_month"] is True
    assert out["payment_method"] == "direct_debit"
    assert out["currency"] == "CHF"
    assert out["default_vat_rate"] == "5.50"
    assert out["discount_percent"] == "12.50"
    assert out["warnings"] == []  # 45 days end of month is the legal maximum, not beyond

    # null puts a field back on the organization's default.
    back = api.patch(f"/clients/{body['id']}", {"currency": None, "payment_terms_days": None})
    assert back.json()["currency"] == ""
    assert back.json()["payment_terms_days"] is None
    client = Client.objects.get(pk=body["id"])
    terms = services.effective(client, services.settings_for(client.organization_id))
    assert (terms.terms_days, terms.currency, terms.method) == (30, "EUR", "direct_debit")
    assert terms.inherited == {"payment_terms_days", "currency"}


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"discount_percent": "150"}, "discount_percent", "out_of_range"),
        ({"discount_percent": "-5"}, "discount_percent", "out_of_range"),
        ({"discount_amount": "-10"}, "discount_amount", "out_of_range"),
        ({"discount_amount": "dix euros"}, "discount_amount", "invalid_number"),
        ({"discount_percent": "10", "discount_amount": "50"}, "discount_amount", "both_discounts"),
        ({"currency": "ZZZ"}, "currency", "invalid_currency"),
        ({"currency": "EURO"}, "currency", None),
        ({"default_vat_rate": "19.6"}, "default_vat_rate", "invalid_choice"),
        ({"payment_terms_days": 400}, "payment_terms_days", None),
        ({"payment_method": "bitcoin"}, "payment_method", None),
        ({"price_category": "Tarif inconnu"}, "price_category", "unknown_choice"),
        ({"carrier": "DHL"}, "carrier", "unknown_choice"),
        ({"pays_into": 999999}, "pays_into", "unknown_account"),
    ],
)
def test_bad_payment_values_are_refused_and_nothing_is_written(
    api: Any, lists: dict[str, Any], payload: dict[str, Any], field: str, code: str | None
) -> None:
    client = api.post("/clients", {"name": "Martin"}).json()
    history = ChangeRecord.objects.count()
    response = api.patch(f"/clients/{client['id']}", payload)
    assert response.status_code in (400, 422)
    if response.status_code == 422 and code is not None:
        assert _codes(response)[field] == code
        message = next(e["message"] for e in response.json()["errors"] if e["field"] == field)
        assert " " in message and code not in message  # a sentence in French, not a code
    assert ChangeRecord.objects.count() == history
    assert Client.objects.get(pk=client["id"]).version == client["version"]
    created = api.post("/clients", {"name": "Durand", **payload})
    assert created.status_code in (400, 422)
    assert not Client.objects.filter(name="Durand").exists()


def test_lists_and_accounts_are_named_and_checked_in_the_organization(
    api: Any, lists: dict[str, Any], other_organization: Any
) -> None:
    elsewhere = services.save_bank_account(
        other_organization, None, {"label": "Autre", "iban": "DE89370400440532013000"}
    )
    created = api.post(
        "/clients",
        {
            "name": "Martin",
            "price_category": "tarif REVENDEUR",
            "carrier": "colissimo",
            "pays_into": lists["account"].pk,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["price_category"], body["carrier"], body["pays_into"]) == (
        "Tarif revendeur",
        "Colissimo",
        lists["account"].pk,
    )
    refused = api.patch(f"/clients/{body['id']}", {"pays_into": elsewhere.pk})
    assert refused.status_code == 422
    assert _codes(refused) == {"pays_into": "unknown_account"}
    # Deleting a list's item leaves its clients with none; deleting an account, with the
    # default one.
    assert api.delete(f"/payment-settings/price-categories/{lists['reseller'].pk}").status_code in (
        200,
        204,
    )
    assert api.get(f"/clients/{body['id']}").json()["price_category"] is None
    assert api.delete(f"/payment-settings/bank-accounts/{lists['account'].pk}").status_code in (
        200,
        204,
    )
    assert api.get(f"/clients/{body['id']}").json()["pays_into"] is None
    assert not OrganizationBankAccount.objects.filter(pk=lists["account"].pk).exists()


@pytest.mark.parametrize(
    ("kind", "days", "end_of_month", "warned"),
    [
        ("company", 60, False, False),
        ("company", 61, False, True),
        ("company", 45, True, False),
        ("company", 50, True, True),
        ("company", 90, False, True),
        ("individual", 90, False, False),
    ],
)
def test_terms_beyond_the_legal_maximum_between_businesses_are_warned_not_refused(
    api: Any, kind: str, days: int, end_of_month: bool, warned: bool
) -> None:
    name = (
        {"name": "Martin"} if kind == "company" else {"first_name": "Élise", "last_name": "Faure"}
    )
    created = api.post(
        "/clients",
        {
            "kind": kind,
            **name,
            "payment_terms_days": days,
            "payment_terms_end_of_month": end_of_month,
        },
    )
    assert created.status_code == 201
    warnings = [w for w in created.json()["warnings"] if w["code"].startswith("payment")]
    assert bool(warnings) == warned
    if warned:
        assert "L. 441-10" in warnings[0]["message"]
    changed = api.patch(f"/clients/{created.json()['id']}", {"notes": "Relu"})
    assert bool(changed.json()["warnings"]) == warned


def test_the_defaults_themselves_can_put_clients_beyond_the_limit(api: Any, organization) -> None:
    services.update_settings(organization, None, {"terms_days": 75})
    created = api.post("/clients", {"name": "Martin"})
    assert [w["code"] for w in created.json()["warnings"]] == ["payment_terms_over_legal_limit"]


def test_every_change_is_in_the_history_with_names_not_ids(
    api: Any, lists: dict[str, Any], organization: Any, owner: Any
) -> None:
    client = clients.create_client(organization, owner, {"name": "Martin"})
    clients.update_client(
        organization,
        owner,
        client.pk,
        {"payment_method": "cheque", "price_category": "Tarif revendeur", "discount_amount": "50"},
    )
    record = ChangeRecord.objects.filter(object_id=client.pk, action="update").latest("id")
    assert record.changes["payment_method"] == {"old": "", "new": "cheque"}
    assert record.changes["price_category"] == {"old": None, "new": "Tarif revendeur"}
    assert record.changes["discount_amount"] == {"old": None, "new": "50.00"}


def test_defaults_are_changed_by_administrators_only(
    api: Any, organization: Any, member: Any
) -> None:
    from carnet.accounts.services import create_api_token
    from carnet.conftest import ApiClient

    as_member = ApiClient(create_api_token(organization, member))
    assert as_member.get("/payment-settings/defaults").json()["terms_days"] == 30
    assert as_member.patch("/payment-settings/defaults", {"terms_days": 45}).status_code == 403
    changed = api.patch("/payment-settings/defaults", {"terms_days": 45, "method": "cheque"})
    assert changed.status_code == 200
    assert changed.json()["terms_days"] == 45
    refused = api.patch("/payment-settings/defaults", {"currency": "XYZ", "vat_rate": "7"})
    assert refused.status_code == 422
    assert set(_codes(refused)) == {"currency", "vat_rate"}
    assert api.get("/payment-settings/defaults").json()["currency"] == "EUR"


def test_the_organizations_lists_refuse_duplicates_and_stay_private(
    api: Any, outsider_api: Any
) -> None:
    first = api.post("/payment-settings/carriers", {"name": "Colissimo"})
    assert first.status_code == 201
    again = api.post("/payment-settings/carriers", {"name": "  colissimo "})
    assert again.status_code == 422
    assert _codes(again) == {"name": "duplicate"}
    assert outsider_api.get("/payment-settings/carriers").json()["items"] == []
    item = first.json()["id"]
    assert (
        outsider_api.patch(f"/payment-settings/carriers/{item}", {"name": "X"}).status_code == 404
    )
    assert outsider_api.delete(f"/payment-settings/carriers/{item}").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"label": "Banque", "iban": "FR7630006000011234567890188"}, "iban", None),
        ({"label": "Banque", "iban": "FR76300060000112345678901"}, "iban", None),
        ({"label": "Banque", "iban": IBAN, "bic": "DEUTDEFF"}, "bic", None),
        ({"label": "", "iban": IBAN}, "label", "required"),
    ],
)
def test_the_organizations_own_accounts_are_checked(
    api: Any, payload: dict[str, Any], field: str, code: str | None
) -> None:
    response = api.post("/payment-settings/bank-accounts", payload)
    assert response.status_code == 422
    assert field in _codes(response)
    if code:
        assert _codes(response)[field] == code
    assert not OrganizationBankAccount.objects.exists()


def test_an_account_is_listed_masked_and_one_default_at_most(api: Any) -> None:
    first = api.post(
        "/payment-settings/bank-accounts",
        {"label": "Courant", "iban": "fr76 3000 6000 0112 3456 7890 189", "is_default": True},
    )
    assert first.status_code == 201, first.json()
    assert first.json()["iban"] == "FR76 3000 6000 0112 3456 7890 189"
    assert first.json()["iban_masked"].endswith("0 189")
    second = api.post(
        "/payment-settings/bank-accounts",
        {"label": "Épargne", "iban": "DE89370400440532013000", "is_default": True},
    )
    assert second.status_code == 201
    accounts = {a["label"]: a for a in api.get("/payment-settings/bank-accounts").json()["items"]}
    assert [a["is_default"] for a in (accounts["Courant"], accounts["Épargne"])] == [False, True]
    duplicate = api.post("/payment-settings/bank-accounts", {"label": "Bis", "iban": IBAN})
    assert duplicate.status_code == 409
