"""Shared fixtures of the banking tests: a company client and an individual of the
owner's organization, a client of another organization, and valid identifiers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from carnet.accounts.models import Organization, Role, User
from carnet.accounts.services import add_member, create_api_token
from carnet.banking import services
from carnet.banking.models import BankAccount
from carnet.clients import services as client_services
from carnet.clients.models import Client
from carnet.conftest import PASSWORD, ApiClient

IBAN = "FR7630006000011234567890189"
IBAN_TYPED = "fr76 3000 6000 0112 3456 7890 189"
IBAN_MASKED = "FR76 •••• •••• •••• •••• •••0 189"
IBAN_2 = "FR1420041010050500013M02606"
IBAN_2_MASKED = "FR14 •••• •••• •••• •••• •••2 606"
GERMAN_IBAN = "DE89370400440532013000"
ICS = "FR72ZZZ123456"
VISA = "4111 1111 1111 1111"


@pytest.fixture
def company(organization: Organization, owner: User) -> Client:
    return client_services.create_client(organization, owner, {"name": "Menuiserie Girard"})


@pytest.fixture
def individual(organization: Organization, owner: User) -> Client:
    return client_services.create_client(
        organization, owner, {"kind": "individual", "first_name": "Hélène", "last_name": "Durand"}
    )


@pytest.fixture
def account(organization: Organization, owner: User, company: Client) -> BankAccount:
    return services.create_bank_account(
        organization,
        owner,
        company.pk,
        {"iban": IBAN_TYPED, "bic": "AGRIFRPP", "label": "Compte courant"},
    )


@pytest.fixture
def viewer(organization: Organization) -> User:
    return add_member(
        organization, email="viewer@dupont.fr", password=PASSWORD, role=Role.VIEWER
    ).user


@pytest.fixture
def viewer_api(organization: Organization, viewer: User) -> ApiClient:
    return ApiClient(create_api_token(organization, viewer))


@pytest.fixture
def member_api(organization: Organization, member: User) -> ApiClient:
    return ApiClient(create_api_token(organization, member))


@pytest.fixture
def foreign(other_organization: Organization, outsider: User) -> dict[str, Any]:
    """Another organization's client with an account, a mandate and a card."""
    client = client_services.create_client(other_organization, outsider, {"name": "Ailleurs SA"})
    account = services.create_bank_account(other_organization, outsider, client.pk, {"iban": IBAN})
    mandate = services.create_mandate(
        other_organization,
        outsider,
        client.pk,
        {"reference": "AILLEURS-1", "signed_on": days_ago(30), "bank_account": account.pk},
    )
    card = services.create_card(
        other_organization,
        outsider,
        client.pk,
        {"brand": "visa", "last4": "4242", "expiry_month": 12, "expiry_year": next_year()},
    )
    return {"client": client, "account": account, "mandate": mandate, "card": card}


def next_year() -> int:
    return services.today().year + 1


def days_ago(days: int) -> str:
    return (services.today() - datetime.timedelta(days=days)).isoformat()
