"""Documents through the services: totals, defaults from the client, lifecycle, numbering."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import close_old_connections, connection

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from carnet.core.models import ChangeRecord
from carnet.sales import services
from carnet.sales.models import Document, DocumentLine
from carnet.sales.status import status_of

D = Decimal


def company(organization: Organization, owner: User, **extra: Any) -> Client:
    values = {"kind": "company", "name": "Boulangerie Martin", **extra}
    return clients.create_client(organization, owner, values)


def line(**extra: Any) -> dict[str, Any]:
    return {"description": "Pain de campagne", "quantity": "3", "unit_price": "4.20", **extra}


def invoice(organization: Organization, owner: User, client: Client, **extra: Any) -> Document:
    data = {"type": "invoice", "client": client.pk, "lines": [line()], **extra}
    return services.create_document(organization, owner, data)


def codes(failed: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in failed.value.errors}


def test_it_computes_totals_per_vat_rate(organization: Organization, owner: User) -> None:
    client = company(organization, owner)
    document = invoice(
        organization,
        owner,
        client,
        lines=[
            line(quantity="3", unit_price="4.20", vat_rate="5.5"),
            line(
                description="Conseil",
                quantity="1.5",
                unit_price="100",
                discount_percent="10",
                vat_rate="20",
            ),
        ],
    )
    assert document.total_excl_vat == D("147.60")  # 12.60 + 135.00
    assert document.vat_breakdown == [
        {"rate": "20", "base": "135.00", "vat": "27.00"},
        {"rate": "5.5", "base": "12.60", "vat": "0.69"},
    ]
    assert document.total_vat == D("27.69")
    assert document.total_incl_vat == D("175.29")
    amounts = list(
        DocumentLine.objects.filter(document=document).values_list("total_excl_vat", flat=True)
    )
    assert amounts == [D("12.60"), D("135.00")]


def test_a_fixed_discount_is_spread_over_the_rates(organization: Organization, owner: User) -> None:
    client = company(organization, owner)
    document = invoice(
        organization,
        owner,
        client,
        discount_amount="10",
        lines=[
            line(unit_price="10", quantity="2", vat_rate="20"),
            line(unit_price="10", quantity="1", vat_rate="10"),
        ],
    )
    assert document.total_excl_vat == D("20.00")
    rows = {row["rate"]: (row["base"], row["vat"]) for row in document.vat_breakdown}
    assert rows == {"20": ("13.33", "2.67"), "10": ("6.67", "0.67")}
    assert document.total_incl_vat == D("23.34")


def test_defaults_come_from_the_client(organization: Organization, owner: User) -> None:
    client = company(
        organization,
        owner,
        payment_terms_days=45,
        payment_terms_end_of_month=True,
        discount_percent="5",
        currency="CHF",
        default_vat_rate="10",
    )
    document = invoice(organization, owner, client, date="2026-01-20")
    assert document.currency == "CHF"
    assert document.discount_percent == D("5")
    assert document.due_date == datetime.date(2026, 3, 31)  # 20 Jan + 45 days = 6 Mar → 31 Mar
    assert document.lines.get().vat_rate == D("10")  # type: ignore[attr-defined]
    assert document.total_excl_vat == D("11.97")  # 12.60 less 5 %


def test_reverse_charge_gives_zero_vat(organization: Organization, owner: User) -> None:
    client = company(
        organization, owner, name="Bäckerei GmbH", country="DE", vat_number="DE136695976"
    )
    assert client.vat_regime == "reverse_charge"
    document = invoice(organization, owner, client, lines=[line(vat_rate="20")])
    assert document.vat_regime == "reverse_charge"
    assert document.total_vat == D("0.00")
    assert document.total_incl_vat == document.total_excl_vat


@pytest.mark.parametrize(
    ("bad", "field", "code"),
    [
        (line(quantity="-2"), "lines[0].quantity", "negative_quantity"),
        (line(vat_rate="19.6"), "lines[0].vat_rate", "invalid_vat_rate"),
        (line(vat_rate="7"), "lines[0].vat_rate", "invalid_vat_rate"),
        (line(unit_price="abc"), "lines[0].unit_price", "invalid"),
        (line(description=""), "lines[0].description", "required"),
        (line(discount_percent="120"), "lines[0].discount_percent", "out_of_range"),
        (line(quantity="NaN"), "lines[0].quantity", "invalid"),
    ],
)
def test_it_refuses_bad_lines(
    organization: Organization, owner: User, bad: dict[str, Any], field: str, code: str
) -> None:
    client = company(organization, owner)
    with pytest.raises(ValidationFailed) as failed:
        invoice(organization, owner, client, lines=[bad])
    assert (field, code) in codes(failed)
    assert not Document.objects.exists()


def test_negative_quantities_are_allowed_on_credit_notes(
    organization: Organization, owner: User
) -> None:
    client = company(organization, owner)
    credit = services.create_document(
        organization,
        owner,
        {
            "type": "credit_note",
            "client": client.pk,
            "lines": [line(quantity="2", unit_price="50"), line(quantity="-1", unit_price="10")],
        },
    )
    assert credit.total_excl_vat == D("90.00")


def test_another_organizations_client_is_refused(
    organization: Organization, owner: User, other_organization: Organization, outsider: User
) -> None:
    stranger = company(other_organization, outsider)
    with pytest.raises(ValidationFailed) as failed:
        invoice(organization, owner, stranger)
    assert ("client", "not_found") in codes(failed)
    assert not Document.objects.exists()


def test_issuing_numbers_freezes_and_snapshots(organization: Organization, owner: User) -> None:
    client = company(organization, owner, siret="73282932000074")
    draft = invoice(organization, owner, client)
    clients.update_client(organization, owner, client.pk, {"name": "Boulangerie Martin & Fils"})
    draft.refresh_from_db()
    assert draft.client.name == "Boulangerie Martin & Fils"  # a draft follows the record
    issued = services.issue_document(organization, owner, draft.pk)
    assert issued.number == "FA-000001"
    assert issued.client_snapshot["name"] == "Boulangerie Martin & Fils"
    assert issued.client_snapshot["siret"] == "73282932000074"
    clients.update_client(organization, owner, client.pk, {"name": "Martin SAS"})
    issued.refresh_from_db()
    assert issued.client_snapshot["name"] == "Boulangerie Martin & Fils"
    with pytest.raises(Conflict):
        services.update_document(organization, owner, issued.pk, {"notes": "changé"})
    with pytest.raises(Conflict):
        services.delete_document(organization, owner, issued.pk)
    second = services.issue_document(organization, owner, invoice(organization, owner, client).pk)
    assert second.number == "FA-000002"
    credit = services.create_document(
        organization, owner, {"type": "credit_note", "client": client.pk, "lines": [line()]}
    )
    assert services.issue_document(organization, owner, credit.pk).number == "AV-000001"
    assert ChangeRecord.objects.filter(
        object_type="document", object_id=issued.pk, action="issue"
    ).exists()


def test_a_failed_issue_gives_its_number_back(organization: Organization, owner: User) -> None:
    client = company(organization, owner)
    services.issue_document(
        organization, owner, invoice(organization, owner, client, date="2026-03-10").pk
    )
    backdated = invoice(organization, owner, client, date="2026-03-01")
    with pytest.raises(ValidationFailed) as failed:
        services.issue_document(organization, owner, backdated.pk)
    assert ("date", "before_last_issued") in codes(failed)
    services.update_document(organization, owner, backdated.pk, {"date": "2026-03-10"})
    assert services.issue_document(organization, owner, backdated.pk).number == "FA-000002"


def test_a_stale_version_is_refused(organization: Organization, owner: User) -> None:
    client = company(organization, owner)
    draft = invoice(organization, owner, client)
    services.update_document(organization, owner, draft.pk, {"notes": "un"}, version=1)
    with pytest.raises(StaleVersion):
        services.update_document(organization, owner, draft.pk, {"notes": "deux"}, version=1)


def test_another_organizations_document_is_not_found(
    organization: Organization, owner: User, other_organization: Organization, outsider: User
) -> None:
    draft = invoice(other_organization, outsider, company(other_organization, outsider))
    with pytest.raises(NotFound):
        services.issue_document(organization, owner, draft.pk)


def test_quote_lifecycle(organization: Organization, owner: User) -> None:
    client = company(organization, owner)
    quote = services.create_document(
        organization,
        owner,
        {"type": "quote", "client": client.pk, "date": "2026-01-05", "lines": [line()]},
    )
    assert quote.valid_until == datetime.date(2026, 2, 4)
    quote = services.issue_document(organization, owner, quote.pk)
    assert status_of(quote, datetime.date(2026, 1, 10)) == "sent"
    assert status_of(quote, datetime.date(2026, 2, 5)) == "expired"
    quote = services.set_quote_status(organization, owner, quote.pk, "accepted")
    assert status_of(quote, datetime.date(2026, 2, 5)) == "accepted"
    converted = services.convert_document(organization, owner, quote.pk, "invoice")
    assert converted.type == "invoice" and converted.related_id == quote.pk
    assert converted.total_incl_vat == quote.total_incl_vat


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_keep_the_sequence_gapless(
    organization: Organization, owner: User
) -> None:
    client = company(organization, owner)
    drafts = [invoice(organization, owner, client).pk for _ in range(12)]
    errors: list[BaseException] = []

    def issue(ids: list[int]) -> None:
        try:
            for pk in ids:
                services.issue_document(organization, owner, pk)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=issue, args=(drafts[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(n or 0 for n in Document.objects.values_list("sequence_number", flat=True))
    assert numbers == list(range(1, 13))


def test_an_invoice_dated_in_the_future_is_not_issued(
    organization: Organization, owner: User
) -> None:
    client = company(organization, owner)
    later = services.today() + datetime.timedelta(days=400)
    draft = invoice(organization, owner, client, date=later.isoformat())
    with pytest.raises(ValidationFailed) as failed:
        services.issue_document(organization, owner, draft.pk)
    assert ("date", "in_future") in codes(failed)
    draft.refresh_from_db()
    assert draft.number == "" and draft.state == "draft"
