"""Payments and credit notes settling invoices: allocations, balances, statuses, credit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.conftest import ApiClient
from carnet.core.errors import ValidationFailed
from carnet.core.models import ChangeRecord
from carnet.sales import services
from carnet.sales.models import Allocation, Document, Payment
from carnet.sales.queries import status_condition
from carnet.sales.status import status_of

D = Decimal


def new_client(organization: Organization, owner: User, **extra: Any) -> Client:
    return clients.create_client(
        organization, owner, {"kind": "company", "name": "Garage Petit", **extra}
    )


def issued_invoice(
    organization: Organization, owner: User, client: Client, price: str = "100", **extra: Any
) -> Document:
    draft = services.create_document(
        organization,
        owner,
        {
            "type": "invoice",
            "client": client.pk,
            "date": "2026-10-01",
            "lines": [{"description": "Révision", "unit_price": price, "vat_rate": "20"}],
            **extra,
        },
    )
    return services.issue_document(organization, owner, draft.pk)


def goodwill_credit_note(
    organization: Organization, owner: User, client: Client, price: str
) -> Document:
    """An issued credit note of ``price`` excl. VAT (20 %), allocated to nothing yet."""
    draft = services.create_document(
        organization,
        owner,
        {
            "type": "credit_note",
            "client": client.pk,
            "date": "2026-10-02",
            "lines": [{"description": "Geste commercial", "unit_price": price}],
        },
    )
    return services.issue_document(organization, owner, draft.pk)


def pay(
    organization: Organization,
    owner: User,
    client: Client,
    amount: str,
    *allocations: tuple[Document, str],
    **extra: Any,
) -> Payment:
    return services.create_payment(
        organization,
        owner,
        {
            "client": client.pk,
            "date": "2026-10-15",
            "amount": amount,
            "method": "transfer",
            "allocations": [{"document": d.pk, "amount": a} for d, a in allocations],
            **extra,
        },
    )


def codes(failed: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in failed.value.errors}


def test_a_partial_payment_then_the_rest(organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client)  # 120.00 incl. VAT, due 31 Oct
    pay(organization, owner, client, "50", (invoice, "50"))
    invoice.refresh_from_db()
    assert invoice.balance == D("70.00")
    assert status_of(invoice, datetime.date(2026, 10, 20)) == "partially_paid"
    assert status_of(invoice, datetime.date(2026, 11, 5)) == "overdue"
    payment = pay(organization, owner, client, "100", (invoice, "70"), date="2026-11-10")
    invoice.refresh_from_db()
    assert invoice.balance == 0 and invoice.settled_on == datetime.date(2026, 11, 10)
    assert status_of(invoice, datetime.date(2026, 12, 1)) == "paid"
    assert payment.unallocated == D("30.00")  # stays as the client's credit
    assert ChangeRecord.objects.filter(
        object_type="payment", object_id=payment.pk, action="create"
    ).exists()


def test_one_payment_settles_several_invoices(organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    first = issued_invoice(organization, owner, client, "100")
    second = issued_invoice(organization, owner, client, "50")
    pay(organization, owner, client, "180", (first, "120"), (second, "60"))
    assert [d.balance for d in Document.objects.order_by("id")] == [D("0.00"), D("0.00")]


@pytest.mark.parametrize(
    ("amount", "allocated", "field", "code"),
    [
        ("200", "150", "allocations[0].amount", "above_balance"),
        ("50", "100", "allocations", "above_amount"),
        ("0", "0", "amount", "not_positive"),
        ("-10", "10", "amount", "not_positive"),
    ],
)
def test_it_refuses_over_allocations(
    organization: Organization, owner: User, amount: str, allocated: str, field: str, code: str
) -> None:
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client)
    with pytest.raises(ValidationFailed) as failed:
        pay(organization, owner, client, amount, (invoice, allocated))
    assert (field, code) in codes(failed)
    assert not Payment.objects.exists() and not Allocation.objects.exists()
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0


def test_it_refuses_another_currency(organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client)
    with pytest.raises(ValidationFailed) as failed:
        pay(organization, owner, client, "120", (invoice, "120"), currency="USD")
    assert ("allocations[0].document", "currency_mismatch") in codes(failed)


def test_it_refuses_drafts_and_other_clients_invoices(
    organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner)
    other = new_client(organization, owner, name="Autre client")
    theirs = issued_invoice(organization, owner, other)
    draft = services.create_document(
        organization,
        owner,
        {
            "type": "invoice",
            "client": client.pk,
            "lines": [{"description": "x", "unit_price": "1"}],
        },
    )
    with pytest.raises(ValidationFailed) as failed:
        pay(organization, owner, client, "500", (theirs, "10"), (draft, "1"))
    assert codes(failed) == {
        ("allocations[0].document", "other_client"),
        ("allocations[1].document", "not_issued_invoice"),
    }


def test_deleting_a_payment_makes_the_invoice_due_again(
    organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client)
    payment = pay(organization, owner, client, "120", (invoice, "120"))
    services.delete_payment(organization, owner, payment.pk)
    invoice.refresh_from_db()
    assert invoice.balance == D("120.00") and invoice.settled_on is None


def test_changing_allocations_replaces_them(organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    first = issued_invoice(organization, owner, client)
    second = issued_invoice(organization, owner, client)
    payment = pay(organization, owner, client, "120", (first, "120"))
    services.update_payment(
        organization,
        owner,
        payment.pk,
        {"allocations": [{"document": second.pk, "amount": "100"}]},
        version=1,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.balance == D("120.00") and second.balance == D("20.00")
    with pytest.raises(ValidationFailed) as failed:
        services.update_payment(organization, owner, payment.pk, {"amount": "90"})
    assert ("amount", "below_allocated") in codes(failed)


def test_a_credit_note_cancels_its_invoice(organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client)
    credit = services.convert_document(organization, owner, invoice.pk, "credit_note")
    credit = services.issue_document(organization, owner, credit.pk)
    invoice.refresh_from_db()
    assert invoice.amount_credited == D("120.00")
    assert status_of(invoice, datetime.date(2026, 12, 1)) == "cancelled"
    assert status_of(credit, datetime.date(2026, 12, 1)) == "used"


def test_a_credit_note_allocated_later(organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client, "200")
    credit = goodwill_credit_note(organization, owner, client, "50")
    with pytest.raises(ValidationFailed):
        services.allocate_credit_note(
            organization, owner, credit.pk, [{"document": invoice.pk, "amount": "61"}]
        )
    services.allocate_credit_note(
        organization, owner, credit.pk, [{"document": invoice.pk, "amount": "60"}]
    )
    invoice.refresh_from_db()
    assert invoice.balance == D("180.00")
    assert status_of(invoice, datetime.date(2026, 10, 3)) == "partially_paid"


def test_payments_api(
    api: ApiClient, outsider_api: ApiClient, organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client)
    created = api.post(
        "/payments",
        {
            "client": client.pk,
            "date": "2026-10-20",
            "amount": "80",
            "method": "cheque",
            "reference": "CHQ 1234567",
            "allocations": [{"document": invoice.pk, "amount": "80"}],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["allocations"] == [
        {
            "document": invoice.pk,
            "number": "FA-000001",
            "amount": "80.00",
            "payment": body["id"],
            "credit_note": None,
        }
    ]
    assert api.get(f"/documents/{invoice.pk}").json()["balance"] == "40.00"
    too_much = api.patch(
        f"/payments/{body['id']}", {"allocations": [{"document": invoice.pk, "amount": "130"}]}
    )
    assert too_much.status_code == 422
    assert outsider_api.get(f"/payments/{body['id']}").status_code == 404
    assert outsider_api.delete(f"/payments/{body['id']}").status_code == 404
    assert api.get("/payments", client=client.pk).json()["items"][0]["id"] == body["id"]
    bad_method = api.post(
        "/payments", {"client": client.pk, "date": "2026-10-20", "amount": "1", "method": "bitcoin"}
    )
    assert bad_method.status_code == 422
    assert api.delete(f"/payments/{body['id']}").status_code == 204
    assert api.get(f"/documents/{invoice.pk}").json()["balance"] == "120.00"


def test_a_settled_invoice_is_listed_as_paid_whatever_the_database(
    organization: Organization, owner: User
) -> None:
    # 0.70 + 0.10 is a hair under 0.80 in floating point, which is how SQLite keeps
    # decimals: the list's status filters must still see the invoice as paid.
    client = new_client(organization, owner)
    invoice = issued_invoice(organization, owner, client, "0.67")  # 0.80 incl. VAT
    pay(organization, owner, client, "0.70", (invoice, "0.70"))
    credit = goodwill_credit_note(organization, owner, client, "0.08")  # 0.10 incl. VAT
    services.allocate_credit_note(
        organization, owner, credit.pk, [{"document": invoice.pk, "amount": "0.10"}]
    )
    invoice.refresh_from_db()
    today = datetime.date(2026, 12, 1)
    assert invoice.balance == 0 and status_of(invoice, today) == "paid"

    def listed(status: str) -> set[int]:
        return set(
            Document.objects.filter(status_condition(status, today)).values_list("pk", flat=True)
        )

    assert invoice.pk in listed("paid")
    assert invoice.pk not in listed("overdue") | listed("partially_paid") | listed("issued")
    assert credit.pk in listed("used") and credit.pk not in listed("to_use")
