"""Merging clients moves their bank accounts, mandates and cards to the survivor without
breaking the one-primary rule, and undoing the merge puts everything back.

``duplicates.merging`` finds every relation to Client itself; its ``_SPECIAL`` table gives
bank accounts and cards the care their primary flag needs (the survivor keeps its own).
"""

from __future__ import annotations

from carnet.banking import services
from carnet.banking.models import BankAccount, Card, Mandate
from carnet.clients import services as client_services
from carnet.duplicates import merging

from .conftest import GERMAN_IBAN, IBAN, IBAN_2, days_ago, next_year


def card(organization, owner, client, last4):
    return services.create_card(
        organization,
        owner,
        client.pk,
        {"last4": last4, "expiry_month": 9, "expiry_year": next_year()},
    )


def test_merge_keeps_the_survivors_primary_and_undo_puts_all_back(
    organization, owner, company, account
) -> None:
    twin = client_services.create_client(organization, owner, {"name": "Menuiserie Girard SA"})
    theirs = services.create_bank_account(organization, owner, twin.pk, {"iban": IBAN_2})
    extra = services.create_bank_account(organization, owner, twin.pk, {"iban": GERMAN_IBAN})
    mandate = services.create_mandate(
        organization,
        owner,
        twin.pk,
        {"reference": "RUM-T", "signed_on": days_ago(2), "bank_account": theirs.pk},
    )
    mine, their_card = (
        card(organization, owner, company, "1111"),
        card(organization, owner, twin, "2222"),
    )

    merge = merging.merge_clients(organization, owner, company.pk, [twin.pk])
    primaries = dict(BankAccount.objects.filter(primary=True).values_list("client_id", "pk"))
    assert primaries == {company.pk: account.pk}
    assert set(BankAccount.objects.values_list("client_id", flat=True)) == {company.pk}
    assert list(Card.objects.filter(primary=True).values_list("pk", flat=True)) == [mine.pk]
    mandate.refresh_from_db()
    assert (mandate.client_id, mandate.bank_account_id) == (company.pk, theirs.pk)

    merging.undo_merge(organization, owner, merge.pk)
    rows = {
        pk: (client, primary)
        for pk, client, primary in BankAccount.objects.values_list("pk", "client_id", "primary")
    }
    assert rows == {
        account.pk: (company.pk, True),
        theirs.pk: (twin.pk, True),
        extra.pk: (twin.pk, False),
    }
    assert Card.objects.get(pk=their_card.pk).primary
    assert Mandate.objects.get(pk=mandate.pk).client_id == twin.pk


def test_a_survivor_without_accounts_takes_the_merged_clients_primary(
    organization, owner, company
) -> None:
    twin = client_services.create_client(organization, owner, {"name": "Girard bis"})
    theirs = services.create_bank_account(organization, owner, twin.pk, {"iban": IBAN})
    merging.merge_clients(organization, owner, company.pk, [twin.pk])
    theirs.refresh_from_db()
    assert (theirs.client_id, theirs.primary) == (company.pk, True)
