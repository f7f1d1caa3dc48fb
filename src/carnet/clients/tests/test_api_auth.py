"""Bearer tokens on the API: a missing, unknown, revoked or orphaned token gets 401."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from carnet.accounts.models import ApiToken, Membership, User
from carnet.accounts.services import create_api_token, revoke_api_token
from carnet.clients import services
from carnet.clients.models import Client
from carnet.conftest import ApiClient


@pytest.fixture
def client_id(organization, owner) -> int:
    return services.create_client(organization, owner, {"name": "Garage Lemoine"}).pk


def requests_for(client_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/clients"),
        ("post", "/clients"),
        ("get", f"/clients/{client_id}"),
        ("patch", f"/clients/{client_id}"),
        ("delete", f"/clients/{client_id}"),
        ("post", f"/clients/{client_id}/archive"),
        ("post", f"/clients/{client_id}/unarchive"),
        ("post", f"/clients/{client_id}/restore"),
        ("get", f"/clients/{client_id}/history"),
        ("get", "/clients/not-a-number"),
    ]


def assert_unauthorized(response, *, invalid_token: bool) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) is invalid_token
    assert "jeton" in response.json()["detail"].lower()


def test_every_endpoint_wants_a_token(client_id):
    anonymous = ApiClient(None)
    for method, path in requests_for(client_id):
        data = {"name": "X"} if method in ("post", "patch") else None
        response = (
            getattr(anonymous, method)(path, data) if data else getattr(anonymous, method)(path)
        )
        assert_unauthorized(response, invalid_token=False)
    assert Client.objects.get(pk=client_id).name == "Garage Lemoine"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer crn_not-a-real-token",
        "Bearer ",
        "Bearer " + "crn_" + "x" * 5000,
        "Bearer crn_\u00e9\u00e8",
        "bearer crn_nope",
    ],
)
def test_an_unknown_token_is_refused(client_id, authorization):
    response = HttpClient().get("/api/v1/clients", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("authorization", ["Basic b3duZXI6cGFzcw==", "Token abc", "crn_abc"])
def test_another_scheme_is_refused(client_id, authorization):
    response = HttpClient().get("/api/v1/clients", headers={"Authorization": authorization})
    assert_unauthorized(response, invalid_token=False)


def test_a_revoked_token_is_refused(organization, owner, client_id):
    secret = create_api_token(organization, owner)
    assert ApiClient(secret).get("/clients").status_code == 200
    revoke_api_token(ApiToken.objects.get(organization=organization, user=owner))
    assert_unauthorized(ApiClient(secret).get("/clients"), invalid_token=True)
    response = ApiClient(secret).patch(f"/clients/{client_id}", {"name": "Piraté"})
    assert_unauthorized(response, invalid_token=True)
    assert Client.objects.get(pk=client_id).name == "Garage Lemoine"


def test_the_token_of_a_removed_member_is_refused(organization, member, client_id):
    secret = create_api_token(organization, member)
    assert ApiClient(secret).get(f"/clients/{client_id}").status_code == 200
    Membership.objects.filter(organization=organization, user=member).delete()
    assert_unauthorized(ApiClient(secret).get(f"/clients/{client_id}"), invalid_token=True)


def test_the_token_of_a_deactivated_user_is_refused(organization, member, client_id):
    secret = create_api_token(organization, member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert_unauthorized(ApiClient(secret).get("/clients"), invalid_token=True)


def test_a_logged_in_browser_session_is_not_an_api_credential(owner, client_id):
    browser = HttpClient()
    browser.force_login(owner)
    assert browser.get("/api/v1/clients").status_code == 401


def test_the_openapi_document_needs_no_token(db):
    assert HttpClient().get("/api/v1/openapi.json").status_code == 200
