"""API schemas for a client's bank accounts, mandates and cards, and the SEPA creditor
identifier. Types and lengths here document the API; the rules (IBAN and BIC checks, the
RUM's character set, expiry dates, card numbers refused) live in ``validation.py`` and the
services.

IBANs: every answer carries ``iban_masked`` (``FR76 •••• … •••0 189``); the full ``iban``
only when the token's member may edit clients, ``null`` for read-only members (role
``viewer``), in lists as in single answers.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from .validation import BANK_ACCOUNT_TEXT_FIELDS, CARD_HOLDER_MAX, REFERENCE_MAX_LENGTH


# --- Bank accounts ----------------------------------------------------------------------
class BankAccountIn(Schema):
    """Fields a caller may set. On PATCH, only the fields sent are changed.

    ``iban`` is required on creation, accepted with spaces and in lower case, stored
    compact. ``bic`` is optional and must be of the IBAN's country (a territory that uses
    its IBANs counts: a La Réunion BIC for a French IBAN). The first account of a client
    is its primary account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "iban": "FR76 3000 6000 0112 3456 7890 189",
                    "bic": "AGRIFRPP",
                    "holder": "Menuiserie Girard SARL",
                    "bank_name": "Crédit Agricole",
                    "label": "Compte courant",
                    "primary": True,
                }
            ]
        },
    )

    iban: str | None = Field(None, max_length=60)
    bic: str | None = Field(None, max_length=20)
    holder: str | None = Field(None, max_length=BANK_ACCOUNT_TEXT_FIELDS["holder"])
    bank_name: str | None = Field(None, max_length=BANK_ACCOUNT_TEXT_FIELDS["bank_name"])
    label: str | None = Field(None, max_length=BANK_ACCOUNT_TEXT_FIELDS["label"])
    primary: bool | None = Field(
        None, description="The client's primary account; taken from the one that had it."
    )


class BankAccountOut(Schema):
    id: int
    iban: str | None = Field(
        description="The full IBAN, compact; null for read-only members (role viewer)."
    )
    iban_masked: str = Field(description="Country, check digits and last 4 characters only.")
    bic: str
    holder: str
    bank_name: str
    label: str
    primary: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class BankAccountList(Schema):
    items: list[BankAccountOut] = Field(
        description="The primary account first, then the others in the order they were added."
    )


# --- Mandates ---------------------------------------------------------------------------
class MandateIn(Schema):
    """A mandate the client signed. ``reference`` (RUM): at most 35 characters of the SEPA
    set, unique in the organization (409 otherwise). ``signed_on``: not in the future.
    ``bank_account``: the id of one of the client's accounts. ``file``: the id of one of
    the client's documents (upload it first with ``POST /clients/{id}/files``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reference": "RUM-2024-0042",
                    "signed_on": "2024-05-02",
                    "scheme": "CORE",
                    "sequence": "recurrent",
                    "bank_account": 12,
                }
            ]
        },
    )

    reference: str | None = Field(None, max_length=200)
    # Dates as text, read by ``validation`` (ISO 8601 or dd/mm/yyyy) for its French messages.
    signed_on: str | None = Field(None, max_length=20, json_schema_extra={"format": "date"})
    scheme: Literal["CORE", "B2B"] | None = Field(None, description="CORE by default.")
    sequence: Literal["recurrent", "one_off"] | None = Field(
        None, description="recurrent by default."
    )
    status: Literal["pending", "active"] | None = Field(None, description="active by default.")
    bank_account: int | None = None
    file: int | None = None
    last_used_on: str | None = Field(
        None,
        max_length=20,
        description="When a mandate recorded late was last used to debit.",
        json_schema_extra={"format": "date"},
    )


class MandateChangeIn(Schema):
    """What may change: ``status`` (``active`` for a pending mandate, ``revoked``: final),
    the account it debits, its signed file. What the client signed (RUM, date, scheme,
    sequence) is refused (422, ``read_only``)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "revoked"}]}
    )

    status: Literal["active", "revoked"] | None = None
    bank_account: int | None = None
    file: int | None = None
    reference: Any = Field(None, description="Read-only: refused.")
    signed_on: Any = Field(None, description="Read-only: refused.")
    scheme: Any = Field(None, description="Read-only: refused.")
    sequence: Any = Field(None, description="Read-only: refused.")
    last_used_on: Any = Field(None, description="Read-only: refused.")


class MandateOut(Schema):
    id: int
    reference: str = Field(max_length=REFERENCE_MAX_LENGTH)
    signed_on: datetime.date
    scheme: str
    sequence: str
    status: str = Field(
        description="pending, active, revoked or expired (unused for 36 months: computed)."
    )
    expires_on: datetime.date | None = Field(
        description="When it expires unless used before; null once revoked or expired."
    )
    last_used_on: datetime.date | None
    revoked_at: datetime.datetime | None
    bank_account: int | None = Field(description="The account it debits (null once deleted).")
    iban_masked: str
    creditor_identifier: str = Field(description="The organization's ICS when recorded.")
    file: int | None = Field(description="The signed mandate, one of the client's documents.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class MandateList(Schema):
    items: list[MandateOut] = Field(description="The most recently signed first.")


# --- Cards ------------------------------------------------------------------------------
class CardIn(Schema):
    """A card by what may be kept of it. ``last4``: exactly 4 digits; a full card number,
    here or in any field, is refused (422, ``card_number``). The expiry may not be past
    when the card is added."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "brand": "visa",
                    "last4": "4242",
                    "expiry_month": 9,
                    "expiry_year": 2027,
                    "holder": "Jean Girard",
                }
            ]
        },
    )

    brand: Literal["visa", "mastercard", "amex", "cb", "other"] | None = None
    last4: str | None = Field(None, max_length=40)
    expiry_month: int | None = None
    expiry_year: int | None = None
    holder: str | None = Field(None, max_length=CARD_HOLDER_MAX)
    primary: bool | None = Field(
        None, description="The client's primary card; taken from the one that had it."
    )


class CardOut(Schema):
    id: int
    brand: str
    last4: str
    expiry_month: int
    expiry_year: int
    expired: bool
    holder: str
    primary: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CardList(Schema):
    items: list[CardOut] = Field(description="The primary card first.")


# --- SEPA creditor identifier -----------------------------------------------------------
class CreditorIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"creditor_identifier": "FR72ZZZ123456"}]}
    )

    creditor_identifier: str | None = Field(
        None, max_length=60, description="The SEPA creditor identifier (ICS); blank clears it."
    )


class CreditorOut(Schema):
    creditor_identifier: str
    updated_at: datetime.datetime | None
