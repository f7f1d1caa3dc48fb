"""API schemas for clients. Types and lengths here document the API; the rules (checksums,
duplicates, derived values) live in ``validation.py`` and the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from .models import Client

KindValue = Literal["individual", "company"]
CivilityValue = Literal["", "mr", "mrs"]


class ClientIn(Schema):
    """Fields a caller may set. On PATCH, only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    kind: KindValue | None = None
    name: str | None = Field(None, max_length=200)
    civility: CivilityValue | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    reference: str | None = Field(None, max_length=50, description="Generated when absent.")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    mobile: str | None = Field(None, max_length=40)
    fax: str | None = Field(None, max_length=40)
    website: str | None = Field(None, max_length=300)
    legal_form: str | None = Field(None, max_length=100)
    siret: str | None = Field(None, max_length=40, description="14 digits; spaces accepted.")
    siren: str | None = Field(None, max_length=30, description="Derived from the SIRET when absent.")
    naf_code: str | None = Field(None, max_length=10)
    share_capital: Decimal | None = Field(None, description="Amount in the client's currency.")
    rcs: str | None = Field(None, max_length=100)
    vat_number: str | None = Field(None, max_length=30, description="Intra-EU VAT number.")
    sector: str | None = Field(None, max_length=100)
    employee_count: int | None = Field(None, ge=0, le=10_000_000)
    country: str | None = Field(None, max_length=2, description="ISO 3166 alpha-2, FR by default.")
    linkedin_url: str | None = Field(None, max_length=300)
    twitter_url: str | None = Field(None, max_length=300)
    facebook_url: str | None = Field(None, max_length=300)
    viadeo_url: str | None = Field(None, max_length=300)
    customer_account: str | None = Field(None, max_length=30)
    auxiliary_account: str | None = Field(None, max_length=30)
    marketing_email: bool | None = None
    marketing_sms: bool | None = None
    notes: str | None = Field(None, max_length=20000)
    tags: list[str] | None = Field(None, max_length=50)
    category: str | None = Field(None, max_length=100)
    custom_fields: dict[str, str | int | float | bool | None] | None = None
    owner: int | None = Field(None, ge=1, le=2**62, description="User id of a member.")


class ClientOut(Schema):
    id: int
    kind: KindValue
    name: str
    civility: str
    first_name: str
    last_name: str
    reference: str
    email: str
    phone: str
    mobile: str
    fax: str
    website: str
    legal_form: str
    siret: str
    siren: str
    naf_code: str
    share_capital: Decimal | None
    rcs: str
    vat_number: str
    sector: str
    employee_count: int | None
    country: str
    vat_regime: Literal["standard", "reverse_charge", "export"]
    linkedin_url: str
    twitter_url: str
    facebook_url: str
    viadeo_url: str
    customer_account: str
    auxiliary_account: str
    marketing_email: bool
    marketing_sms: bool
    notes: str
    tags: list[str]
    category: str | None
    custom_fields: dict[str, Any]
    owner: int | None
    revenue: Decimal
    archived: bool
    archived_at: datetime.datetime | None
    deleted_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_tags(obj: Client) -> list[str]:
        return sorted((t.name for t in obj.tags.all()), key=str.casefold)

    @staticmethod
    def resolve_category(obj: Client) -> str | None:
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_owner(obj: Client) -> int | None:
        return obj.owner_id


class ClientList(Schema):
    items: list[ClientOut]
    next_cursor: str | None


class ChangeOut(Schema):
    id: int
    action: str
    changes: dict[str, Any]
    user: str | None
    source: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_user(obj: Any) -> str | None:
        return obj.user.email if obj.user_id else None


class ChangeList(Schema):
    items: list[ChangeOut]


class Problem(Schema):
    type: str
    status: int
    title: str
    detail: str | None = None
    errors: list[dict[str, str]] | None = None
