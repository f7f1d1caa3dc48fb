"""API schemas of documents, payments, statistics and sales settings. Amounts are decimal
strings in answers and accepted as strings or numbers; the rules (French VAT rates,
negative quantities only on credit notes, allocations within balances…) live in
``validation.py`` and the services, with French messages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

DocumentTypeName = Literal["quote", "invoice", "credit_note", "order", "delivery_note", "proforma"]
Amount = Decimal | str


class LineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(max_length=2000)
    reference: str | None = Field(None, max_length=64)
    quantity: Amount = Field("1", description="Negative only on credit notes; 3 decimals.")
    unit_price: Amount = Field(description="Excl. VAT; up to 4 decimals.")
    discount_percent: Amount | None = Field(None, description="0 to 100.")
    vat_rate: Amount | None = Field(
        None,
        description="20, 10, 5.5, 2.1 or 0; the client's default rate when absent. Forced to "
        "0 for clients under reverse charge or export.",
    )
    unit_cost: Amount | None = Field(None, description="Purchase cost, for the margin.")


class DocumentIn(Schema):
    """A new document (``type``, ``client`` and ``lines`` required), or a draft's change
    (only the fields sent; ``lines`` replaces every line). Payment terms, discount and
    currency default to the client's payment preferences; the due date follows the terms."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "invoice",
                    "client": 42,
                    "date": "2026-12-07",
                    "lines": [
                        {
                            "description": "Installation de la cuisine",
                            "reference": "POSE-CUIS",
                            "quantity": "1",
                            "unit_price": "1850.00",
                            "vat_rate": "10",
                        }
                    ],
                }
            ]
        },
    )

    type: DocumentTypeName | None = None
    client: int | None = None
    date: datetime.date | None = None
    due_date: datetime.date | None = None
    valid_until: datetime.date | None = None
    currency: str | None = Field(None, max_length=3)
    payment_terms_days: int | None = None
    payment_terms_end_of_month: bool | None = None
    discount_percent: Amount | None = None
    discount_amount: Amount | None = None
    subject: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)
    related: int | None = Field(
        None, description="A credit note's invoice (the credit note settles it when issued)."
    )
    lines: list[LineIn] | None = None


class LineOut(Schema):
    position: int
    description: str
    reference: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    unit_cost: Decimal | None
    total_excl_vat: Decimal


class VatRow(Schema):
    rate: str
    base: str
    vat: str


class AllocationOut(Schema):
    document: int = Field(description="The invoice settled.")
    number: str
    amount: Decimal
    payment: int | None = None
    credit_note: int | None = None


class DocumentOut(Schema):
    id: int
    type: DocumentTypeName
    client: int
    client_name: str = Field(description="Live for drafts, as issued otherwise.")
    number: str = Field(description="Empty for drafts.")
    status: str = Field(
        description="draft, issued, partially_paid, paid, overdue, cancelled (invoices); "
        "draft, sent, accepted, refused, expired (quotes); to_use, used (credit notes)."
    )
    status_label: str
    date: datetime.date
    due_date: datetime.date | None
    valid_until: datetime.date | None
    currency: str
    vat_regime: str
    payment_terms_days: int
    payment_terms_end_of_month: bool
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    subject: str
    notes: str
    related: int | None
    lines: list[LineOut]
    vat: list[VatRow]
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    amount_paid: Decimal
    amount_credited: Decimal
    balance: Decimal
    allocations: list[AllocationOut]
    client_snapshot: dict[str, object]
    issued_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class DocumentSummary(Schema):
    id: int
    type: DocumentTypeName
    client: int
    client_name: str
    number: str
    status: str
    date: datetime.date
    due_date: datetime.date | None
    currency: str
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    balance: Decimal
    version: int


class DocumentList(Schema):
    items: list[DocumentSummary]
    next_cursor: str | None


class QuoteStatusIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal["sent", "accepted", "refused"]


class ConvertIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: DocumentTypeName = Field(description="The new draft's type (invoice, credit_note…).")


class AllocationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    document: int = Field(description="An issued invoice of the same client.")
    amount: Amount


class CreditAllocationsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    allocations: list[AllocationIn]


class PaymentIn(Schema):
    """Money received. ``allocations`` (optional) settle invoices of the same client, in
    the same currency, each within its balance and all within the amount; the rest stays
    as the client's credit. On PATCH, ``allocations`` replaces them all."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client": 42,
                    "date": "2026-12-07",
                    "amount": "500.00",
                    "method": "transfer",
                    "reference": "VIR 2026-1207",
                    "allocations": [{"document": 17, "amount": "500.00"}],
                }
            ]
        },
    )

    client: int | None = None
    date: datetime.date | None = None
    amount: Amount | None = None
    currency: str | None = Field(None, max_length=3)
    method: Literal["transfer", "cheque", "direct_debit", "card", "cash", "other"] | None = None
    reference: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=5000)
    allocations: list[AllocationIn] | None = None


class PaymentOut(Schema):
    id: int
    client: int
    client_name: str
    date: datetime.date
    amount: Decimal
    currency: str
    method: str
    reference: str
    notes: str
    allocations: list[AllocationOut]
    unallocated: Decimal
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class PaymentList(Schema):
    items: list[PaymentOut]
    next_cursor: str | None


class SalesSettingsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    fiscal_year_start_month: int | None = Field(None, description="1 (January) to 12.")
    legal_name: str | None = Field(None, max_length=200)
    legal_form: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=1000)
    siret: str | None = Field(None, max_length=30)
    vat_number: str | None = Field(None, max_length=30)
    rcs: str | None = Field(None, max_length=100)
    share_capital: Amount | None = None
    late_penalty_rate: Amount | None = None
    quote_validity_days: int | None = None


class SalesSettingsOut(Schema):
    fiscal_year_start_month: int
    fiscal_year_start: datetime.date
    fiscal_year_end: datetime.date
    legal_name: str
    legal_form: str
    address: str
    siret: str
    vat_number: str
    rcs: str
    share_capital: Decimal | None
    late_penalty_rate: Decimal
    quote_validity_days: int
