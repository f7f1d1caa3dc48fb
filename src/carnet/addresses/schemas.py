"""API schemas for addresses. Types and lengths here document the API; the rules
(postcode per country, required lines, one default address of each kind) live in
``validation.py`` and the services."""

from __future__ import annotations

import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from .validation import POSTCODE_MAX_LENGTH, TEXT_FIELDS


class AddressIn(Schema):
    """Fields a caller may set. On PATCH, only the fields sent are changed.

    ``line1`` and ``city`` are required on creation, and the postcode where the country
    has postcodes (France: 5 digits). The country defaults to the client's.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "label": "Siège",
                    "line1": "12 rue de la Paix",
                    "postcode": "75002",
                    "city": "Paris",
                    "is_billing": True,
                },
                {
                    "label": "Entrepôt",
                    "line1": "Industriestraße 5",
                    "postcode": "10115",
                    "city": "Berlin",
                    "country": "DE",
                    "is_delivery": True,
                },
            ]
        },
    )

    label: str | None = Field(None, max_length=TEXT_FIELDS["label"])
    line1: str | None = Field(None, max_length=TEXT_FIELDS["line1"])
    line2: str | None = Field(None, max_length=TEXT_FIELDS["line2"])
    line3: str | None = Field(None, max_length=TEXT_FIELDS["line3"])
    postcode: str | None = Field(None, max_length=POSTCODE_MAX_LENGTH)
    city: str | None = Field(None, max_length=TEXT_FIELDS["city"])
    region: str | None = Field(None, max_length=TEXT_FIELDS["region"])
    country: str | None = Field(
        None, max_length=2, description="ISO 3166 alpha-2; the client's country by default."
    )
    is_billing: bool | None = Field(
        None, description="The client's default billing address; taken from the one that had it."
    )
    is_delivery: bool | None = Field(
        None, description="The client's default delivery address; taken from the one that had it."
    )


class AddressOut(Schema):
    id: int
    label: str
    line1: str
    line2: str
    line3: str
    postcode: str
    city: str
    region: str
    country: str
    is_billing: bool
    is_delivery: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AddressList(Schema):
    items: list[AddressOut] = Field(
        description="The default billing address first, then the delivery one, then the others "
        "in the order they were added."
    )
