"""Bank accounts through the services: IBAN normalized and checked, BIC consistent with it,
one primary account per client moved from one to another, history with masked IBANs,
delete refused while a mandate in force debits the account, tenancy."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction

from carnet.banking import services
from carnet.banking.models import BankAccount, Mandate
from carnet.clients import services as client_services
from carnet.core.errors import Conflict, NotFound, ValidationFailed
from carnet.core.models import ChangeRecord

from .conftest import GERMAN_IBAN, IBAN, IBAN_2, IBAN_2_MASKED, IBAN_MASKED, days_ago


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {error.field: error.code for error in exc.errors}


def history(client) -> list[ChangeRecord]:
    return list(
        ChangeRecord.objects.filter(object_type="client", object_id=client.pk).order_by("id")
    )


def test_it_normalizes_the_iban_and_bic(organization, owner, company) -> None:
    account = services.create_bank_account(
        organization,
        owner,
        company.pk,
        {
            "iban": "  IBAN fr76 3000 6000 0112 3456 7890 189 ",
            "bic": "agri fr pp",
            "holder": "  Menuiserie   Girard ",
            "bank_name": "Crédit Agricole",
            "label": "Compte courant",
        },
    )
    account.refresh_from_db()
    assert account.iban == IBAN
    assert account.bic == "AGRIFRPP"
    assert account.holder == "Menuiserie Girard"
    assert account.iban_masked == IBAN_MASKED
    assert account.iban_formatted == "FR76 3000 6000 0112 3456 7890 189"
    assert account.organization == organization


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "iban", "invalid_checksum"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 18"}, "iban", "invalid_length"),
        ({"iban": "XX76 3000 6000 0112 3456 7890 189"}, "iban", "unknown_country"),
        ({"iban": "pas un iban"}, "iban", "invalid_format"),
        ({"iban": ""}, "iban", "required"),
        ({}, "iban", "required"),
        ({"iban": IBAN, "bic": "DEUTDEFF"}, "bic", "country_mismatch"),
        ({"iban": IBAN, "bic": "AGRIFRP"}, "bic", "invalid_length"),
        ({"iban": IBAN, "holder": "x" * 141}, "holder", "too_long"),
        ({"iban": IBAN, "label": "Carte 4111 1111 1111 1111"}, "label", "card_number"),
        ({"iban": "4111 1111 1111 1111"}, "iban", "card_number"),
        ({"iban": IBAN, "primary": "peut-être"}, "primary", "invalid_type"),
        ({"iban": IBAN, "bank_name": "a\x00b"}, "bank_name", "invalid_character"),
        ({"iban": IBAN, "swift": "AGRIFRPP"}, "swift", "unknown_field"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(
    organization, owner, company, data, field, code
) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.create_bank_account(organization, owner, company.pk, data)
    assert codes(info.value)[field] == code
    assert not BankAccount.objects.exists()
    assert not ChangeRecord.objects.filter(action="bank_account_add").exists()


def test_a_bic_of_a_territory_of_the_ibans_country_is_accepted(organization, owner, company):
    account = services.create_bank_account(
        organization, owner, company.pk, {"iban": IBAN, "bic": "BNPARERX"}
    )
    assert account.bic == "BNPARERX"


def test_the_first_account_is_primary_and_a_new_primary_takes_the_flag(
    organization, owner, company
) -> None:
    first = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN})
    assert first.primary
    second = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    assert not second.primary
    third = services.create_bank_account(
        organization, owner, company.pk, {"iban": GERMAN_IBAN, "primary": True}
    )
    flags = dict(BankAccount.objects.values_list("pk", "primary"))
    assert flags == {first.pk: False, second.pk: False, third.pk: True}
    record = history(company)[-1]
    assert record.action == "bank_account_add"
    assert IBAN_MASKED in record.changes["primary_bank_account"]["old"]
    assert "DE89 •••• •••• •••• ••30 00" in record.changes["primary_bank_account"]["new"]


def test_setting_primary_moves_it_and_clearing_it_leaves_none(
    organization, owner, company, account
) -> None:
    other = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    services.update_bank_account(organization, owner, company.pk, other.pk, {"primary": True})
    account.refresh_from_db()
    other.refresh_from_db()
    assert (account.primary, other.primary) == (False, True)
    record = history(company)[-1]
    assert record.action == "bank_account_change"
    assert IBAN_MASKED in record.changes["primary_bank_account"]["old"]
    assert IBAN_2_MASKED in record.changes["primary_bank_account"]["new"]

    services.update_bank_account(organization, owner, company.pk, other.pk, {"primary": False})
    assert not BankAccount.objects.filter(primary=True).exists()
    assert history(company)[-1].changes["primary_bank_account"]["new"] is None


def test_the_database_refuses_two_primary_accounts(organization, owner, company, account):
    other = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.filter(pk=other.pk).update(primary=True)


def test_two_clients_each_have_their_primary_account(organization, owner, company, account):
    another = client_services.create_client(organization, owner, {"name": "Autre SARL"})
    theirs = services.create_bank_account(organization, owner, another.pk, {"iban": IBAN})
    assert theirs.primary and BankAccount.objects.get(pk=account.pk).primary


def test_the_same_iban_twice_for_one_client_is_refused(organization, owner, company, account):
    with pytest.raises(ValidationFailed) as info:
        services.create_bank_account(organization, owner, company.pk, {"iban": IBAN})
    assert codes(info.value) == {"iban": "duplicate"}
    other = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    with pytest.raises(ValidationFailed):
        services.update_bank_account(organization, owner, company.pk, other.pk, {"iban": IBAN})


def test_an_update_checks_the_bic_against_the_new_iban(organization, owner, company, account):
    with pytest.raises(ValidationFailed) as info:
        services.update_bank_account(
            organization, owner, company.pk, account.pk, {"iban": GERMAN_IBAN}
        )
    assert codes(info.value) == {"bic": "country_mismatch"}
    account.refresh_from_db()
    assert account.iban == IBAN


def test_an_unchanged_update_records_nothing(organization, owner, company, account) -> None:
    before = ChangeRecord.objects.count()
    services.update_bank_account(
        organization, owner, company.pk, account.pk, {"iban": "FR76 3000 6000 0112 3456 7890 189"}
    )
    assert ChangeRecord.objects.count() == before


def test_the_history_never_holds_a_full_iban(organization, owner, company, account) -> None:
    services.update_bank_account(
        organization, owner, company.pk, account.pk, {"iban": IBAN_2, "bic": ""}
    )
    services.delete_bank_account(organization, owner, company.pk, account.pk)
    records = [r for r in history(company) if r.action.startswith("bank_account")]
    assert [r.action for r in records] == [
        "bank_account_add",
        "bank_account_change",
        "bank_account_delete",
    ]
    dumped = json.dumps([r.changes for r in records], ensure_ascii=False)
    assert IBAN not in dumped and IBAN_2 not in dumped
    assert "3000 6000" not in dumped
    assert records[1].changes["bank_account"]["old"].count("•") > 10
    assert IBAN_MASKED in records[1].changes["bank_account"]["old"]
    assert IBAN_2_MASKED in records[1].changes["bank_account"]["new"]
    assert records[2].changes["bank_account"]["new"] is None
    assert records[0].user == owner


def test_delete_is_refused_while_an_active_mandate_debits_the_account(
    organization, owner, company, account
) -> None:
    mandate = services.create_mandate(
        organization,
        owner,
        company.pk,
        {"reference": "RUM-1", "signed_on": days_ago(10), "bank_account": account.pk},
    )
    with pytest.raises(Conflict) as info:
        services.delete_bank_account(organization, owner, company.pk, account.pk)
    assert info.value.code == "active_mandate"
    assert "RUM-1" in str(info.value.detail)
    assert "révoquez" in str(info.value.detail)
    assert BankAccount.objects.filter(pk=account.pk).exists()

    # Once the mandate is revoked, the account may go; the mandate keeps its masked IBAN.
    services.revoke_mandate(organization, owner, company.pk, mandate.pk)
    services.delete_bank_account(organization, owner, company.pk, account.pk)
    mandate.refresh_from_db()
    assert mandate.bank_account is None
    assert mandate.iban_masked == IBAN_MASKED


def test_a_pending_mandate_also_keeps_its_account(organization, owner, company, account):
    services.create_mandate(
        organization,
        owner,
        company.pk,
        {
            "reference": "RUM-P",
            "signed_on": days_ago(1),
            "bank_account": account.pk,
            "status": "pending",
        },
    )
    with pytest.raises(Conflict):
        services.delete_bank_account(organization, owner, company.pk, account.pk)


def test_an_account_of_an_expired_mandate_may_go(organization, owner, company, account):
    mandate = services.create_mandate(
        organization,
        owner,
        company.pk,
        {"reference": "RUM-OLD", "signed_on": days_ago(20), "bank_account": account.pk},
    )
    Mandate.objects.filter(pk=mandate.pk).update(signed_on="2015-01-01")  # unused since
    services.delete_bank_account(organization, owner, company.pk, account.pk)
    assert not BankAccount.objects.exists()


def test_a_new_iban_follows_into_the_mandates_masked_iban(organization, owner, company, account):
    mandate = services.create_mandate(
        organization,
        owner,
        company.pk,
        {"reference": "RUM-2", "signed_on": days_ago(2), "bank_account": account.pk},
    )
    services.update_bank_account(organization, owner, company.pk, account.pk, {"iban": IBAN_2})
    mandate.refresh_from_db()
    assert mandate.iban_masked == IBAN_2_MASKED


def test_deleting_the_primary_account_promotes_none(organization, owner, company, account):
    other = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    services.delete_bank_account(organization, owner, company.pk, account.pk)
    other.refresh_from_db()
    assert not other.primary
    record = history(company)[-1]
    assert record.changes["primary_bank_account"] == {
        "old": record.changes["bank_account"]["old"],
        "new": None,
    }


def test_a_client_in_the_trash_keeps_its_accounts(organization, owner, company, account):
    client_services.delete_client(organization, owner, company.pk)
    with pytest.raises(Conflict) as info:
        services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    assert info.value.code == "deleted"
    with pytest.raises(Conflict):
        services.delete_bank_account(organization, owner, company.pk, account.pk)


def test_another_organizations_ids_are_not_found(
    organization, owner, company, account, foreign
) -> None:
    theirs = foreign["account"]
    with pytest.raises(NotFound):
        services.list_bank_accounts(organization, foreign["client"].pk)
    with pytest.raises(NotFound):
        services.get_bank_account(organization, company.pk, theirs.pk)
    with pytest.raises(NotFound):
        services.update_bank_account(organization, owner, company.pk, theirs.pk, {"label": "x"})
    with pytest.raises(NotFound):
        services.delete_bank_account(organization, owner, foreign["client"].pk, theirs.pk)
    with pytest.raises(NotFound):
        services.get_bank_account(organization, company.pk, "abc")
    assert BankAccount.objects.get(pk=theirs.pk).label == ""


def test_another_clients_account_is_not_found(organization, owner, company, account) -> None:
    another = client_services.create_client(organization, owner, {"name": "Autre SARL"})
    with pytest.raises(NotFound):
        services.get_bank_account(organization, another.pk, account.pk)


def test_purging_the_client_removes_its_means_of_payment(
    organization, owner, company, account
) -> None:
    services.create_mandate(
        organization,
        owner,
        company.pk,
        {"reference": "RUM-9", "signed_on": days_ago(3), "bank_account": account.pk},
    )
    services.create_card(
        organization,
        owner,
        company.pk,
        {"last4": "4242", "expiry_month": 12, "expiry_year": services.today().year + 2},
    )
    client_services.delete_client(organization, owner, company.pk)
    client_services.purge_client(organization, owner, company.pk)
    assert not BankAccount.objects.exists()
    assert not Mandate.objects.exists()
