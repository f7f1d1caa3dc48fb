"""The primary bank account in client files: exported in full or masked depending on who
exports, imported as the client's primary account, rolled back."""

from __future__ import annotations

import csv
import io

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.banking import services as banking
from carnet.banking.models import BankAccount
from carnet.clients import services as clients
from carnet.conftest import ApiClient
from carnet.core.models import ChangeRecord
from carnet.imports import export, services
from carnet.imports.models import ImportRow

from .helpers import commit, csv_bytes, upload

IBAN = "FR7630006000011234567890189"
FORMATTED = "FR76 3000 6000 0112 3456 7890 189"
MASKED = "FR76 •••• •••• •••• •••• •••0 189"
GERMAN = "DE89370400440532013000"


@pytest.fixture
def martin(organization, owner):
    client = clients.create_client(organization, owner, {"name": "Martin", "email": "m@martin.fr"})
    banking.create_bank_account(organization, owner, client.pk, {"iban": IBAN, "bic": "AGRIFRPP"})
    return client


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_export_shows_the_primary_iban_in_full_to_editors_only(organization, martin):
    [row] = _rows(b"".join(export.export_csv(organization)))
    assert (row["IBAN"], row["BIC"]) == (FORMATTED, "AGRIFRPP")
    viewer = add_member(
        organization, email="lecteur@dupont.fr", password="x" * 12, role=Role.VIEWER
    )
    api = ApiClient(create_api_token(organization, viewer.user))
    response = api.get("/exports/clients", format="csv")
    [row] = _rows(b"".join(response.streaming_content))
    assert row["IBAN"] == MASKED
    assert IBAN not in row["IBAN"].replace(" ", "")


def test_reimporting_an_export_masked_or_not_changes_nothing(organization, owner, martin):
    content = b"".join(export.export_csv(organization))
    masked = content.decode("utf-8-sig").replace(FORMATTED, MASKED).encode("utf-8-sig")
    for file in (content, masked):
        batch = upload(organization, owner, file)
        assert batch.counts["unchanged"] == 1, list(ImportRow.objects.filter(batch=batch).values())


def test_a_new_iban_becomes_the_primary_account_and_the_rollback_removes_it(
    organization, owner, martin
):
    rows = [["E-mail", "IBAN", "BIC"], ["m@martin.fr", "de89 3704 0044 0532 0130 00", ""]]
    batch = upload(organization, owner, csv_bytes(rows), key="email")
    assert batch.counts["update"] == 1
    batch = commit(batch, owner)
    accounts = {a.iban: a.primary for a in BankAccount.objects.filter(client=martin)}
    assert accounts == {IBAN: False, GERMAN: True}
    record = ChangeRecord.objects.filter(object_id=martin.pk, context=batch.context).get()
    assert record.changes["bank.iban"]["old"] == MASKED
    assert record.changes["bank.iban"]["new"].startswith("DE89 ••••")
    assert IBAN not in str(record.changes) and GERMAN not in str(record.changes)

    services.schedule(batch, "rollback", owner)
    accounts = {a.iban: a.primary for a in BankAccount.objects.filter(client=martin)}
    assert accounts == {IBAN: True}


def test_an_iban_the_client_has_becomes_primary_again(organization, owner, martin):
    second = banking.create_bank_account(organization, owner, martin.pk, {"iban": GERMAN})
    assert not second.primary
    rows = [["E-mail", "IBAN"], ["m@martin.fr", GERMAN]]
    commit(upload(organization, owner, csv_bytes(rows), key="email"), owner)
    assert BankAccount.objects.filter(client=martin).count() == 2
    assert BankAccount.objects.get(primary=True, client=martin).iban == GERMAN


def test_new_clients_get_their_account_and_bad_ones_are_row_errors(organization, owner):
    rows = [
        ["Nom", "IBAN", "BIC"],
        ["Durand", FORMATTED, "agri fr pp"],
        ["Roux", "FR7630006000011234567890188", ""],
        ["Petit", IBAN, "DEUTDEFF"],
        ["Blanc", "", "AGRIFRPP"],
    ]
    batch = upload(organization, owner, csv_bytes(rows))
    errors = {
        row.line: [(e["column"], e["code"]) for e in row.errors]
        for row in ImportRow.objects.filter(batch=batch)
    }
    assert errors[2] == []
    assert errors[3] == [("IBAN", "invalid_checksum")]
    assert errors[4] == [("BIC", "country_mismatch")]
    assert errors[5] == [("BIC", "required")]
    commit(batch, owner)
    account = BankAccount.objects.get()
    assert (account.client.name, account.iban, account.bic, account.primary) == (
        "Durand",
        IBAN,
        "AGRIFRPP",
        True,
    )
