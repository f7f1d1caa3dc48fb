"""SEPA mandates through the services: RUM unique in the organization and written in the
SEPA character set, signature not in the future, the debited account one of the client's,
revocation final, expiry after 36 months unused (computed on read, recorded by
``expire_mandates``), the signed file attached through the files domain, tenancy."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carnet.banking import services
from carnet.banking.models import Mandate, MandateStatus, add_months
from carnet.clients import services as client_services
from carnet.core.errors import Conflict, NotFound, ValidationFailed
from carnet.core.models import ChangeRecord
from carnet.files.models import ClientFile
from carnet.files.tests.samples import PDF

from .conftest import IBAN, IBAN_2, IBAN_MASKED, ICS, days_ago


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {error.field: error.code for error in exc.errors}


def mandate_data(account, **overrides):
    data = {"reference": "RUM-2024-0001", "signed_on": days_ago(5), "bank_account": account.pk}
    data.update(overrides)
    return data


@pytest.fixture
def mandate(organization, owner, company, account) -> Mandate:
    return services.create_mandate(organization, owner, company.pk, mandate_data(account))


def test_it_records_a_mandate(organization, owner, company, account) -> None:
    services.set_creditor_identifier(organization, owner, {"creditor_identifier": ICS})
    mandate = services.create_mandate(
        organization,
        owner,
        company.pk,
        mandate_data(account, scheme="b2b", sequence="one_off", status="pending"),
    )
    mandate.refresh_from_db()
    assert mandate.reference == "RUM-2024-0001"
    assert mandate.signed_on == services.today() - datetime.timedelta(days=5)
    assert (mandate.scheme, mandate.sequence, mandate.status) == ("B2B", "one_off", "pending")
    assert mandate.bank_account == account
    assert mandate.iban_masked == IBAN_MASKED
    assert mandate.creditor_identifier == ICS
    assert mandate.effective_status() == "pending"
    record = ChangeRecord.objects.get(action="mandate_add")
    assert record.object_id == company.pk
    assert IBAN_MASKED in record.changes["mandate"]["new"]
    assert IBAN not in json.dumps(record.changes)


def test_defaults_are_core_recurrent_and_active(organization, owner, company, mandate) -> None:
    assert (mandate.scheme, mandate.sequence, mandate.status) == ("CORE", "recurrent", "active")


def test_a_duplicate_rum_is_refused_in_the_whole_organization(
    organization, owner, company, account, mandate
) -> None:
    another = client_services.create_client(organization, owner, {"name": "Autre SARL"})
    theirs = services.create_bank_account(organization, owner, another.pk, {"iban": IBAN_2})
    for reference in ("RUM-2024-0001", "rum-2024-0001", "  RUM-2024-0001 "):
        with pytest.raises(Conflict) as info:
            services.create_mandate(
                organization, owner, another.pk, mandate_data(theirs, reference=reference)
            )
        assert info.value.code == "duplicate_reference"
        assert info.value.extra["existing_mandate_id"] == mandate.pk
        assert "RUM" in str(info.value.detail)
    assert Mandate.objects.count() == 1


def test_the_same_rum_in_another_organization_is_fine(
    organization, owner, company, account, foreign
) -> None:
    services.create_mandate(
        organization, owner, company.pk, mandate_data(account, reference="AILLEURS-1")
    )
    assert Mandate.objects.filter(reference="AILLEURS-1").count() == 2


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("R" * 36, "too_long"),
        ("RUM_2024", "invalid_character"),
        ("RUM-2024-é", "invalid_character"),
        ("RUM#1", "invalid_character"),
        ("/RUM-1", "invalid_format"),
        ("RUM-1/", "invalid_format"),
        ("RUM//1", "invalid_format"),
        ("4111 1111 1111 1111", "card_number"),
    ],
)
def test_it_refuses_a_bad_rum(organization, owner, company, account, reference, code) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(
            organization, owner, company.pk, mandate_data(account, reference=reference)
        )
    assert codes(info.value)["reference"] == code
    assert not Mandate.objects.exists()


@pytest.mark.parametrize("reference", ["R" * 35, "RUM 2024/01 (A) ?:.,'+-", "a/b/c", "++RUM-0001"])
def test_it_accepts_the_sepa_character_set(organization, owner, company, account, reference):
    mandate = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, reference=reference)
    )
    assert mandate.reference == reference


def test_a_signature_in_the_future_is_refused(organization, owner, company, account) -> None:
    tomorrow = (services.today() + datetime.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(
            organization, owner, company.pk, mandate_data(account, signed_on=tomorrow)
        )
    assert codes(info.value) == {"signed_on": "in_future"}
    assert "futur" in str(info.value.errors[0].message)
    assert not Mandate.objects.exists()
    today = services.today().isoformat()
    assert services.create_mandate(
        organization, owner, company.pk, mandate_data(account, signed_on=today)
    )


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"signed_on": None}, "signed_on", "required"),
        ({"signed_on": "31/02/2024"}, "signed_on", "invalid_date"),
        ({"signed_on": "hier"}, "signed_on", "invalid_date"),
        ({"scheme": "COR1"}, "scheme", "invalid_choice"),
        ({"sequence": "monthly"}, "sequence", "invalid_choice"),
        ({"status": "revoked"}, "status", "invalid_choice"),
        ({"status": "expired"}, "status", "invalid_choice"),
        ({"bank_account": None}, "bank_account", "required"),
        ({"bank_account": "x"}, "bank_account", "invalid_type"),
        ({"bank_account": 999999}, "bank_account", "not_found"),
        ({"file": 999999}, "file", "not_found"),
        ({"colour": "bleu"}, "colour", "unknown_field"),
    ],
)
def test_it_refuses_bad_input(organization, owner, company, account, data, field, code) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(organization, owner, company.pk, mandate_data(account, **data))
    assert codes(info.value)[field] == code
    assert not Mandate.objects.exists()


def test_a_french_date_is_read(organization, owner, company, account) -> None:
    day = services.today() - datetime.timedelta(days=3)
    mandate = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, signed_on=day.strftime("%d/%m/%Y"))
    )
    assert mandate.signed_on == day


def test_the_account_must_be_the_clients_own(organization, owner, company, account, foreign):
    another = client_services.create_client(organization, owner, {"name": "Autre SARL"})
    theirs = services.create_bank_account(organization, owner, another.pk, {"iban": IBAN_2})
    for account_id in (theirs.pk, foreign["account"].pk):
        with pytest.raises(ValidationFailed) as info:
            services.create_mandate(
                organization, owner, company.pk, mandate_data(account, bank_account=account_id)
            )
        assert codes(info.value) == {"bank_account": "not_found"}


def test_b2b_is_for_business_clients_only(organization, owner, individual) -> None:
    account = services.create_bank_account(organization, owner, individual.pk, {"iban": IBAN})
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(
            organization, owner, individual.pk, mandate_data(account, scheme="B2B")
        )
    assert codes(info.value) == {"scheme": "b2b_individual"}


def test_a_mandate_already_expired_is_refused(organization, owner, company, account) -> None:
    old = add_months(services.today(), -36).isoformat()
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(
            organization, owner, company.pk, mandate_data(account, signed_on=old)
        )
    assert codes(info.value) == {"signed_on": "expired"}
    # Recorded late but used recently: in force.
    mandate = services.create_mandate(
        organization,
        owner,
        company.pk,
        mandate_data(account, signed_on=old, last_used_on=days_ago(40)),
    )
    assert mandate.effective_status() == "active"


def test_last_use_may_not_precede_the_signature_or_be_in_the_future(
    organization, owner, company, account
) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(
            organization,
            owner,
            company.pk,
            mandate_data(account, signed_on=days_ago(5), last_used_on=days_ago(10)),
        )
    assert codes(info.value) == {"last_used_on": "before_signature"}
    future = (services.today() + datetime.timedelta(days=2)).isoformat()
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(
            organization, owner, company.pk, mandate_data(account, last_used_on=future)
        )
    assert codes(info.value) == {"last_used_on": "in_future"}


# --- Revocation -------------------------------------------------------------------------
def test_revoking_is_final(organization, owner, company, account, mandate) -> None:
    revoked = services.revoke_mandate(organization, owner, company.pk, mandate.pk)
    assert revoked.status == "revoked"
    assert revoked.revoked_at is not None
    record = ChangeRecord.objects.filter(action="mandate_revoke").get()
    assert record.changes["mandate_status"] == {
        "old": "RUM-2024-0001 : active",
        "new": "RUM-2024-0001 : revoked",
    }
    for change in ({"status": "active"}, {"status": "revoked"}, {"file": None}):
        with pytest.raises(Conflict) as info:
            services.update_mandate(organization, owner, company.pk, mandate.pk, change)
        assert info.value.code == "revoked"
        assert "définitive" in str(info.value.detail)
    mandate.refresh_from_db()
    assert mandate.status == "revoked"


def test_a_pending_mandate_is_activated(organization, owner, company, account) -> None:
    mandate = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, status="pending")
    )
    services.update_mandate(organization, owner, company.pk, mandate.pk, {"status": "active"})
    mandate.refresh_from_db()
    assert mandate.status == "active"
    assert ChangeRecord.objects.filter(action="mandate_change").exists()


def test_what_was_signed_does_not_change(organization, owner, company, account, mandate):
    for field, value in (
        ("reference", "AUTRE"),
        ("signed_on", days_ago(1)),
        ("scheme", "B2B"),
        ("sequence", "one_off"),
        ("last_used_on", days_ago(1)),
    ):
        with pytest.raises(ValidationFailed) as info:
            services.update_mandate(organization, owner, company.pk, mandate.pk, {field: value})
        assert codes(info.value) == {field: "read_only"}
    with pytest.raises(ValidationFailed) as info:
        services.update_mandate(organization, owner, company.pk, mandate.pk, {"status": "pending"})
    assert codes(info.value) == {"status": "invalid_choice"}


def test_a_mandate_moves_to_another_of_the_clients_accounts(
    organization, owner, company, account, mandate
) -> None:
    other = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    services.update_mandate(organization, owner, company.pk, mandate.pk, {"bank_account": other.pk})
    mandate.refresh_from_db()
    assert mandate.bank_account == other
    assert mandate.iban_masked == other.iban_masked
    record = ChangeRecord.objects.filter(action="mandate_change").get()
    assert IBAN not in json.dumps(record.changes) and IBAN_2 not in json.dumps(record.changes)


# --- Expiry -----------------------------------------------------------------------------
def test_a_mandate_unused_for_36_months_is_expired_on_read(
    organization, owner, company, account, mandate
) -> None:
    signed = mandate.signed_on
    deadline = add_months(signed, 36)
    assert mandate.expires_on() == deadline
    assert mandate.effective_status(deadline - datetime.timedelta(days=1)) == "active"
    assert mandate.effective_status(deadline) == "expired"
    mandate.last_used_on = signed + datetime.timedelta(days=100)
    assert mandate.effective_status(deadline) == "active"
    assert mandate.effective_status(add_months(mandate.last_used_on, 36)) == "expired"


def test_add_months_keeps_the_end_of_february() -> None:
    assert add_months(datetime.date(2024, 2, 29), 36) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2024, 3, 31), -36) == datetime.date(2021, 3, 31)
    assert add_months(datetime.date(2024, 12, 15), 1) == datetime.date(2025, 1, 15)


def test_expire_mandates_records_the_expiry(organization, owner, company, account) -> None:
    fresh = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, reference="FRESH")
    )
    old = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, reference="OLD")
    )
    used = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, reference="USED")
    )
    revoked = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, reference="GONE")
    )
    services.revoke_mandate(organization, owner, company.pk, revoked.pk)
    long_ago = add_months(services.today(), -40)
    Mandate.objects.filter(pk__in=[old.pk, used.pk, revoked.pk]).update(signed_on=long_ago)
    services.mark_mandate_used(organization, used, services.today() - datetime.timedelta(days=30))

    assert services.expire_mandates(organization) == 1
    statuses = dict(Mandate.objects.values_list("reference", "status"))
    assert statuses == {"FRESH": "active", "OLD": "expired", "USED": "active", "GONE": "revoked"}
    record = ChangeRecord.objects.get(action="mandate_expire")
    assert record.object_id == company.pk
    assert record.changes == {"mandate_status": {"old": "OLD : active", "new": "OLD : expired"}}
    assert services.expire_mandates(organization) == 0  # nothing twice
    with pytest.raises(Conflict) as info:
        services.revoke_mandate(organization, owner, company.pk, old.pk)
    assert info.value.code == "expired"
    assert fresh.effective_status() == "active"


def test_expire_mandates_at_the_boundary(organization, owner, company, account) -> None:
    mandate = services.create_mandate(organization, owner, company.pk, mandate_data(account))
    day = add_months(mandate.signed_on, 36)
    assert services.expire_mandates(organization, on=day - datetime.timedelta(days=1)) == 0
    assert services.expire_mandates(organization, on=day) == 1


def test_expire_mandates_stays_in_its_organization(organization, owner, company, foreign) -> None:
    Mandate.objects.filter(pk=foreign["mandate"].pk).update(signed_on="2015-01-01")
    assert services.expire_mandates(organization) == 0
    assert Mandate.objects.get(pk=foreign["mandate"].pk).status == "active"


def test_mark_mandate_used_activates_and_never_goes_back(organization, owner, company, account):
    mandate = services.create_mandate(
        organization, owner, company.pk, mandate_data(account, status="pending")
    )
    day = services.today()
    services.mark_mandate_used(organization, mandate, day)
    services.mark_mandate_used(organization, mandate, day - datetime.timedelta(days=10))
    mandate.refresh_from_db()
    assert (mandate.status, mandate.last_used_on) == ("active", day)


# --- The signed file --------------------------------------------------------------------
def test_the_signed_mandate_is_uploaded_to_the_clients_documents(
    organization, owner, company, account
) -> None:
    upload = SimpleUploadedFile("mandat-signé.pdf", PDF, content_type="application/pdf")
    mandate = services.create_mandate(
        organization, owner, company.pk, mandate_data(account), signed_file=upload
    )
    document = ClientFile.objects.get()
    assert mandate.file == document
    assert document.client == company
    assert document.category == "bank_details"
    assert ChangeRecord.objects.filter(action="file_add").exists()


def test_a_refused_mandate_leaves_no_file_behind(organization, owner, company, account, mandate):
    upload = SimpleUploadedFile("mandat.pdf", PDF, content_type="application/pdf")
    with pytest.raises(Conflict):
        services.create_mandate(
            organization, owner, company.pk, mandate_data(account), signed_file=upload
        )
    assert not ClientFile.objects.exists()


def test_a_file_of_another_type_is_refused_on_the_file_field(organization, owner, company, account):
    upload = SimpleUploadedFile(
        "mandat.exe", b"MZ\x90\x00", content_type="application/octet-stream"
    )
    with pytest.raises(ValidationFailed) as info:
        services.create_mandate(
            organization, owner, company.pk, mandate_data(account), signed_file=upload
        )
    assert "file" in codes(info.value)
    assert not Mandate.objects.exists()


def test_a_document_of_the_client_is_attached_later(organization, owner, company, account, mandate):
    upload = SimpleUploadedFile("signé.pdf", PDF, content_type="application/pdf")
    services.update_mandate(organization, owner, company.pk, mandate.pk, {}, signed_file=upload)
    mandate.refresh_from_db()
    assert mandate.file is not None
    record = ChangeRecord.objects.filter(action="mandate_change").get()
    assert record.changes["mandate_file"] == {"old": None, "new": "signé.pdf"}


def test_a_document_of_another_client_is_refused(organization, owner, company, account, mandate):
    from carnet.files import services as file_services

    another = client_services.create_client(organization, owner, {"name": "Autre SARL"})
    theirs = file_services.upload_file(
        organization, owner, another.pk, SimpleUploadedFile("x.pdf", PDF)
    )
    with pytest.raises(ValidationFailed) as info:
        services.update_mandate(organization, owner, company.pk, mandate.pk, {"file": theirs.pk})
    assert codes(info.value) == {"file": "not_found"}


def test_deleting_the_signed_file_keeps_the_mandate(organization, owner, company, account):
    from carnet.files import services as file_services

    upload = SimpleUploadedFile("mandat.pdf", PDF)
    mandate = services.create_mandate(
        organization, owner, company.pk, mandate_data(account), signed_file=upload
    )
    file_services.delete_file(organization, owner, mandate.file_id)
    mandate.refresh_from_db()
    assert mandate.file is None


# --- Tenancy ----------------------------------------------------------------------------
def test_another_organizations_mandates_are_not_found(organization, owner, company, foreign):
    theirs = foreign["mandate"]
    with pytest.raises(NotFound):
        services.list_mandates(organization, foreign["client"].pk)
    with pytest.raises(NotFound):
        services.get_mandate(organization, company.pk, theirs.pk)
    with pytest.raises(NotFound):
        services.revoke_mandate(organization, owner, company.pk, theirs.pk)
    with pytest.raises(NotFound):
        services.revoke_mandate(organization, owner, foreign["client"].pk, theirs.pk)
    assert Mandate.objects.get(pk=theirs.pk).status == MandateStatus.ACTIVE
