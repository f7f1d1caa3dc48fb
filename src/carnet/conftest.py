"""Shared fixtures: every test can use an owner and a member of one organization, and an
outsider who belongs to another organization and must never see the first one's data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient

from carnet.accounts.models import Membership, Organization, Role, User
from carnet.accounts.services import add_member, create_api_token, create_organization

PASSWORD = "correct-horse-battery"


@pytest.fixture
def organization(db: Any) -> Organization:
    org, _owner = create_organization(
        slug="dupont-associes",
        name="Dupont & Associés",
        admin_email="owner@dupont.fr",
        admin_password=PASSWORD,
    )
    return org


@pytest.fixture
def owner(organization: Organization) -> User:
    return User.objects.get(email="owner@dupont.fr")


@pytest.fixture
def member(organization: Organization) -> User:
    return add_member(
        organization, email="member@dupont.fr", password=PASSWORD, role=Role.MEMBER
    ).user


@pytest.fixture
def other_organization(db: Any) -> Organization:
    org, _user = create_organization(
        slug="martin-sarl",
        name="Martin SARL",
        admin_email="outsider@martin.fr",
        admin_password=PASSWORD,
    )
    return org


@pytest.fixture
def outsider(other_organization: Organization) -> User:
    return User.objects.get(email="outsider@martin.fr")


class ApiClient:
    """A JSON client for /api/v1/ that sends a bearer token."""

    def __init__(self, token: str | None, language: str = "fr") -> None:
        self.http = HttpClient()
        self.token = token
        self.language = language

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        data: Any = None,
        *,
        raw: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> Any:
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        body = raw if raw is not None else (json.dumps(data) if data is not None else None)
        call = getattr(self.http, method.lower())
        if method.upper() == "GET":
            return call(url, params or None, headers=self._headers(headers))
        return call(url, body, content_type="application/json", headers=self._headers(headers))

    def get(self, path: str, **params: Any) -> Any:
        headers = params.pop("headers", None)
        return self.request("GET", path, headers=headers, **params)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, data, **kwargs)

    def patch(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, data, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(organization: Organization, owner: User) -> ApiClient:
    """The API as the organization's owner."""
    return ApiClient(create_api_token(organization, owner))


@pytest.fixture
def outsider_api(other_organization: Organization, outsider: User) -> ApiClient:
    return ApiClient(create_api_token(other_organization, outsider))


@pytest.fixture
def member_membership(organization: Organization, member: User) -> Membership:
    return Membership.objects.get(organization=organization, user=member)


@pytest.fixture(autouse=True)
def _french_by_default() -> Any:
    """Each test starts in French, whatever language an earlier request activated."""
    from django.utils import translation

    with translation.override("fr"):
        yield
