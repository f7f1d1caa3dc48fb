"""The means of payment through the REST API: every endpoint, the bad input of the issue
(each a French 4xx and nothing written), read-only members (IBANs masked, writes 403),
outsiders (404), and the SEPA creditor identifier."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from carnet.banking import services
from carnet.banking.models import BankAccount, Card, CreditorSettings, Mandate
from carnet.core.models import ChangeRecord

from .conftest import IBAN, IBAN_2, IBAN_MASKED, ICS, VISA, days_ago, next_year


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["detail"] or body.get("errors")
    return body


def errors_of(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {error["field"]: error for error in body["errors"]}


def accounts_url(client_id: int, account_id: int | None = None) -> str:
    base = f"/clients/{client_id}/bank-accounts"
    return base if account_id is None else f"{base}/{account_id}"


def mandates_url(client_id: int, mandate_id: int | None = None) -> str:
    base = f"/clients/{client_id}/mandates"
    return base if mandate_id is None else f"{base}/{mandate_id}"


def cards_url(client_id: int, card_id: int | None = None) -> str:
    base = f"/clients/{client_id}/cards"
    return base if card_id is None else f"{base}/{card_id}"


@pytest.fixture
def mandate(organization, owner, company, account) -> Mandate:
    return services.create_mandate(
        organization,
        owner,
        company.pk,
        {"reference": "RUM-1", "signed_on": days_ago(3), "bank_account": account.pk},
    )


@pytest.fixture
def card(organization, owner, company) -> Card:
    return services.create_card(
        organization,
        owner,
        company.pk,
        {"brand": "visa", "last4": "4242", "expiry_month": 9, "expiry_year": next_year()},
    )


# --- Bank accounts ----------------------------------------------------------------------
def test_create_list_change_and_delete_a_bank_account(api, company) -> None:
    response = api.post(
        accounts_url(company.pk),
        {"iban": "fr76 3000 6000 0112 3456 7890 189", "bic": "agrifrpp", "label": "Courant"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["iban"] == IBAN
    assert body["iban_masked"] == IBAN_MASKED
    assert body["bic"] == "AGRIFRPP"
    assert body["primary"] is True
    assert response["Location"].endswith(accounts_url(company.pk, body["id"]))

    second = api.post(accounts_url(company.pk), {"iban": IBAN_2, "primary": True}).json()
    listed = api.get(accounts_url(company.pk)).json()["items"]
    assert [item["id"] for item in listed] == [second["id"], body["id"]]
    assert [item["primary"] for item in listed] == [True, False]

    single = api.get(accounts_url(company.pk, body["id"])).json()
    assert single["iban"] == IBAN

    changed = api.patch(accounts_url(company.pk, body["id"]), {"holder": "Girard SARL"})
    assert changed.status_code == 200
    assert changed.json()["holder"] == "Girard SARL"

    response = api.delete(accounts_url(company.pk, body["id"]))
    assert response.status_code == 204
    assert list(BankAccount.objects.values_list("pk", flat=True)) == [second["id"]]


@pytest.mark.parametrize(
    ("payload", "field", "code", "words"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "iban", "invalid_checksum", "clé"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 18"}, "iban", "invalid_length", "27"),
        ({"iban": "DE89 3704 0044 0532 0130"}, "iban", "invalid_length", "22"),
        ({"iban": IBAN, "bic": "DEUTDEFF"}, "bic", "country_mismatch", "autre pays"),
        ({"iban": IBAN, "label": VISA}, "label", "card_number", "carte bancaire"),
        ({"bic": "AGRIFRPP"}, "iban", "required", "obligatoire"),
        ({"iban": IBAN, "colour": "bleu"}, "colour", "unknown_field", "n'existe pas"),
        ({"iban": 42}, "iban", "invalid_type", "texte"),
    ],
)
def test_bad_accounts_get_a_french_422_and_nothing_is_written(
    api, company, payload, field, code, words
) -> None:
    body = assert_problem(api.post(accounts_url(company.pk), payload), 422)
    error = errors_of(body)[field]
    assert error["code"] == code
    assert words in error["message"]
    assert not BankAccount.objects.exists()
    assert not ChangeRecord.objects.filter(action__startswith="bank_account").exists()


def test_deleting_an_account_an_active_mandate_debits_is_a_409(api, company, account, mandate):
    body = assert_problem(api.delete(accounts_url(company.pk, account.pk)), 409)
    assert body["code"] == "active_mandate"
    assert "RUM-1" in body["detail"]
    assert BankAccount.objects.filter(pk=account.pk).exists()


def test_read_only_members_see_masked_ibans_and_may_not_write(viewer_api, company, account) -> None:
    listed = viewer_api.get(accounts_url(company.pk)).json()["items"]
    assert listed[0]["iban"] is None
    assert listed[0]["iban_masked"] == IBAN_MASKED
    single = viewer_api.get(accounts_url(company.pk, account.pk)).json()
    assert single["iban"] is None
    assert IBAN not in viewer_api.get(accounts_url(company.pk)).content.decode()

    body = assert_problem(viewer_api.post(accounts_url(company.pk), {"iban": IBAN_2}), 403)
    assert "rôle" in body["detail"]
    assert_problem(viewer_api.patch(accounts_url(company.pk, account.pk), {"label": "x"}), 403)
    assert_problem(viewer_api.delete(accounts_url(company.pk, account.pk)), 403)
    assert BankAccount.objects.count() == 1


def test_members_who_may_edit_get_the_full_iban(member_api, company, account) -> None:
    assert member_api.get(accounts_url(company.pk)).json()["items"][0]["iban"] == IBAN


def test_outsiders_get_404_on_every_account_endpoint(outsider_api, company, account) -> None:
    for response in (
        outsider_api.get(accounts_url(company.pk)),
        outsider_api.post(accounts_url(company.pk), {"iban": IBAN_2}),
        outsider_api.get(accounts_url(company.pk, account.pk)),
        outsider_api.patch(accounts_url(company.pk, account.pk), {"label": "x"}),
        outsider_api.delete(accounts_url(company.pk, account.pk)),
    ):
        assert_problem(response, 404)
    assert BankAccount.objects.get(pk=account.pk).label == "Compte courant"


def test_another_organizations_account_under_our_client_is_404(api, company, foreign) -> None:
    assert_problem(api.get(accounts_url(company.pk, foreign["account"].pk)), 404)
    assert_problem(api.delete(accounts_url(company.pk, foreign["account"].pk)), 404)
    assert_problem(api.get(accounts_url(foreign["client"].pk)), 404)


# --- Mandates ---------------------------------------------------------------------------
def test_record_list_and_revoke_a_mandate(api, company, account) -> None:
    signed = days_ago(10)
    response = api.post(
        mandates_url(company.pk),
        {"reference": "RUM-2024-7", "signed_on": signed, "bank_account": account.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "RUM-2024-7"
    assert body["signed_on"] == signed
    assert (body["scheme"], body["sequence"], body["status"]) == ("CORE", "recurrent", "active")
    assert body["iban_masked"] == IBAN_MASKED
    assert body["bank_account"] == account.pk
    assert body["expires_on"] is not None

    listed = api.get(mandates_url(company.pk)).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert api.get(mandates_url(company.pk, body["id"])).json()["reference"] == "RUM-2024-7"

    revoked = api.patch(mandates_url(company.pk, body["id"]), {"status": "revoked"})
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_at"] is not None
    assert revoked.json()["expires_on"] is None

    again = assert_problem(
        api.patch(mandates_url(company.pk, body["id"]), {"status": "active"}), 409
    )
    assert again["code"] == "revoked"
    assert "définitive" in again["detail"]


def test_a_duplicate_rum_is_a_409(api, company, account, mandate) -> None:
    body = assert_problem(
        api.post(
            mandates_url(company.pk),
            {"reference": "rum-1", "signed_on": days_ago(1), "bank_account": account.pk},
        ),
        409,
    )
    assert body["code"] == "duplicate_reference"
    assert body["existing_mandate_id"] == mandate.pk
    assert "RUM" in body["detail"]
    assert Mandate.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "code", "words"),
    [
        ({"signed_on": "2999-01-01"}, "signed_on", "in_future", "futur"),
        ({"signed_on": "pas une date"}, "signed_on", "invalid_date", "date"),
        ({"reference": "RUM_1"}, "reference", "invalid_character", "RUM"),
        ({"reference": "R" * 36}, "reference", "too_long", "35"),
        ({"reference": "RUM//1"}, "reference", "invalid_format", "//"),
        ({"scheme": "B2C"}, "scheme", "invalid_choice", "CORE"),
        ({"status": "revoked"}, "status", "invalid_choice", "active"),
        ({"bank_account": 0}, "bank_account", "invalid_type", "Identifiant"),
    ],
)
def test_bad_mandates_get_a_french_422(api, company, account, payload, field, code, words):
    data = {"reference": "RUM-9", "signed_on": days_ago(1), "bank_account": account.pk}
    data.update(payload)
    body = assert_problem(api.post(mandates_url(company.pk), data), 422)
    error = errors_of(body)[field]
    assert error["code"] == code
    assert words in error["message"]
    assert not Mandate.objects.exists()


def test_a_mandate_signed_tomorrow_is_refused(api, company, account) -> None:
    tomorrow = (services.today() + datetime.timedelta(days=1)).isoformat()
    body = assert_problem(
        api.post(
            mandates_url(company.pk),
            {"reference": "RUM-T", "signed_on": tomorrow, "bank_account": account.pk},
        ),
        422,
    )
    assert errors_of(body)["signed_on"]["message"] == (
        "La date de signature ne peut pas être dans le futur."
    )


def test_what_was_signed_is_read_only(api, company, mandate) -> None:
    body = assert_problem(api.patch(mandates_url(company.pk, mandate.pk), {"reference": "X"}), 422)
    assert errors_of(body)["reference"]["code"] == "read_only"


def test_read_only_members_may_list_mandates_but_not_write(
    viewer_api, company, account, mandate
) -> None:
    assert viewer_api.get(mandates_url(company.pk)).status_code == 200
    assert_problem(
        viewer_api.post(
            mandates_url(company.pk),
            {"reference": "RUM-V", "signed_on": days_ago(1), "bank_account": account.pk},
        ),
        403,
    )
    assert_problem(
        viewer_api.patch(mandates_url(company.pk, mandate.pk), {"status": "revoked"}), 403
    )
    mandate.refresh_from_db()
    assert mandate.status == "active"


def test_outsiders_get_404_on_every_mandate_endpoint(outsider_api, company, account, mandate):
    for response in (
        outsider_api.get(mandates_url(company.pk)),
        outsider_api.post(
            mandates_url(company.pk),
            {"reference": "X-1", "signed_on": days_ago(1), "bank_account": account.pk},
        ),
        outsider_api.get(mandates_url(company.pk, mandate.pk)),
        outsider_api.patch(mandates_url(company.pk, mandate.pk), {"status": "revoked"}),
    ):
        assert_problem(response, 404)
    mandate.refresh_from_db()
    assert mandate.status == "active"


def test_an_expired_mandate_reads_expired(api, company, mandate) -> None:
    Mandate.objects.filter(pk=mandate.pk).update(signed_on="2015-01-01")
    assert api.get(mandates_url(company.pk, mandate.pk)).json()["status"] == "expired"


def test_the_signed_file_is_one_of_the_clients_documents(
    api, organization, owner, company, account
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carnet.files import services as file_services
    from carnet.files.tests.samples import PDF

    document = file_services.upload_file(
        organization, owner, company.pk, SimpleUploadedFile("mandat.pdf", PDF)
    )
    body = api.post(
        mandates_url(company.pk),
        {
            "reference": "RUM-F",
            "signed_on": days_ago(1),
            "bank_account": account.pk,
            "file": document.pk,
        },
    ).json()
    assert body["file"] == document.pk


# --- Cards ------------------------------------------------------------------------------
def test_add_list_change_and_delete_a_card(api, company) -> None:
    response = api.post(
        cards_url(company.pk),
        {"brand": "mastercard", "last4": "4444", "expiry_month": 3, "expiry_year": next_year()},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["brand"], body["last4"], body["primary"], body["expired"]) == (
        "mastercard",
        "4444",
        True,
        False,
    )
    assert [item["id"] for item in api.get(cards_url(company.pk)).json()["items"]] == [body["id"]]
    changed = api.patch(cards_url(company.pk, body["id"]), {"holder": "Jean Girard"})
    assert changed.json()["holder"] == "Jean Girard"
    assert api.delete(cards_url(company.pk, body["id"])).status_code == 204
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"last4": VISA}, "last4", "card_number"),
        ({"holder": f"n° {VISA}"}, "holder", "card_number"),
        ({"last4": "12"}, "last4", "invalid_format"),
        ({"expiry_year": 2020}, "expiry_year", "expired"),
        ({"expiry_month": 13}, "expiry_month", "out_of_range"),
        ({"brand": "diners"}, "brand", "invalid_choice"),
        ({"number": "4242"}, "number", "unknown_field"),
    ],
)
def test_bad_cards_get_a_french_422(api, company, payload, field, code) -> None:
    data = {"brand": "visa", "last4": "4242", "expiry_month": 9, "expiry_year": next_year()}
    data.update(payload)
    body = assert_problem(api.post(cards_url(company.pk), data), 422)
    assert errors_of(body)[field]["code"] == code
    assert not Card.objects.exists()
    assert VISA not in str(body)


def test_card_writes_are_for_editors_and_the_organization(
    viewer_api, outsider_api, company, card
) -> None:
    assert viewer_api.get(cards_url(company.pk)).status_code == 200
    assert_problem(viewer_api.patch(cards_url(company.pk, card.pk), {"holder": "x"}), 403)
    assert_problem(viewer_api.delete(cards_url(company.pk, card.pk)), 403)
    for response in (
        outsider_api.get(cards_url(company.pk)),
        outsider_api.patch(cards_url(company.pk, card.pk), {"holder": "x"}),
        outsider_api.delete(cards_url(company.pk, card.pk)),
        outsider_api.post(cards_url(company.pk), {"last4": "1111"}),
    ):
        assert_problem(response, 404)
    assert Card.objects.get(pk=card.pk).holder == ""


# --- SEPA creditor identifier -----------------------------------------------------------
def test_admins_set_the_creditor_identifier(api, organization) -> None:
    assert api.get("/payment-settings/creditor").json() == {
        "creditor_identifier": "",
        "updated_at": None,
    }
    response = api.request(
        "PUT", "/payment-settings/creditor", {"creditor_identifier": "fr72 zzz 123456"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["creditor_identifier"] == ICS
    assert CreditorSettings.objects.get(organization=organization).creditor_identifier == ICS
    record = ChangeRecord.objects.get(object_type="creditor_settings")
    assert record.changes == {"creditor_identifier": {"old": None, "new": ICS}}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("FR73ZZZ123456", "invalid_checksum"),
        ("FR72ZZZ12345", "invalid_length"),
        ("123456", "invalid_format"),
        ("XX72ZZZ123456", "unknown_country"),
    ],
)
def test_a_bad_creditor_identifier_is_a_422(api, value, code) -> None:
    body = assert_problem(
        api.request("PUT", "/payment-settings/creditor", {"creditor_identifier": value}), 422
    )
    assert errors_of(body)["creditor_identifier"]["code"] == code
    assert not CreditorSettings.objects.exists()


def test_members_may_read_but_not_set_the_creditor_identifier(member_api, viewer_api) -> None:
    assert member_api.get("/payment-settings/creditor").status_code == 200
    for client in (member_api, viewer_api):
        body = assert_problem(
            client.request("PUT", "/payment-settings/creditor", {"creditor_identifier": ICS}), 403
        )
        assert "administrateurs" in body["detail"]
    assert not CreditorSettings.objects.exists()


def test_each_organization_has_its_own_creditor_identifier(api, outsider_api) -> None:
    api.request("PUT", "/payment-settings/creditor", {"creditor_identifier": ICS})
    assert outsider_api.get("/payment-settings/creditor").json()["creditor_identifier"] == ""


def test_the_openapi_document_lists_the_endpoints(api) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/clients/{client_id}/bank-accounts",
        "/api/v1/clients/{client_id}/bank-accounts/{account_id}",
        "/api/v1/clients/{client_id}/mandates",
        "/api/v1/clients/{client_id}/mandates/{mandate_id}",
        "/api/v1/clients/{client_id}/cards",
        "/api/v1/clients/{client_id}/cards/{card_id}",
        "/api/v1/payment-settings/creditor",
    ):
        assert path in paths, path
