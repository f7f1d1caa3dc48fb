"""API schemas for contacts. Types and lengths here document the API; the rules (phones,
e-mail, at least a name or an e-mail) live in ``validation.py``."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from .models import ClientContact, Contact

CivilityValue = Literal["", "mr", "mrs"]
RoleValue = Literal["main", "billing", "dunning"]


class ContactIn(Schema):
    """Fields a caller may set. On PATCH, only the fields sent are changed. A contact
    needs at least a `last_name` or an `email`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "civility": "mrs",
                    "first_name": "Marie",
                    "last_name": "Durand",
                    "job_title": "Comptable",
                    "email": "marie.durand@exemple.fr",
                    "phone": "01 42 68 53 00",
                }
            ]
        },
    )

    civility: CivilityValue | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    job_title: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    mobile: str | None = Field(None, max_length=40)
    notes: str | None = Field(None, max_length=20000)


class ClientContactIn(ContactIn):
    """A new contact for the client (its fields), or an existing one (`contact_id`), with
    its roles for the client."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"first_name": "Marie", "last_name": "Durand", "roles": ["billing"]},
                {"contact_id": 12, "roles": ["main"], "favorite": True},
            ]
        },
    )

    contact_id: int | None = Field(
        None, ge=1, description="Link this existing contact instead of creating one."
    )
    roles: list[RoleValue] = Field(
        default_factory=list,
        max_length=3,
        description="Taken from the contact that held each role.",
    )
    favorite: bool = Field(False, description="Receives e-mails and automatic reminders.")


class LinkIn(Schema):
    """The contact's roles for the client (the whole list) and/or its favorite flag."""

    model_config = ConfigDict(extra="forbid")

    roles: list[RoleValue] | None = Field(
        None, max_length=3, description="Taken from the contact that held each role."
    )
    favorite: bool | None = None


class ContactOut(Schema):
    id: int
    civility: str
    first_name: str
    last_name: str
    job_title: str
    email: str
    phone: str = Field(description="E.164, e.g. +33142685300.")
    mobile: str = Field(description="E.164.")
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ClientContactOut(ContactOut):
    roles: list[RoleValue]
    favorite: bool


class ContactList(Schema):
    items: list[ContactOut]


class ClientContactList(Schema):
    items: list[ClientContactOut]


def contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "civility": contact.civility,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "job_title": contact.job_title,
        "email": contact.email,
        "phone": contact.phone,
        "mobile": contact.mobile,
        "notes": contact.notes,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def link_data(link: ClientContact) -> dict[str, Any]:
    return {**contact_data(link.contact), "roles": link.roles, "favorite": link.favorite}
