"""Schemathesis over /api/v1/openapi.json, in-process through the WSGI application.

For every operation it sends generated requests (valid and invalid) with a real token
and checks that the API never answers 500 and that its answers match the document:
documented status codes, content types and response bodies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from carnet.clients import services
from carnet.conftest import ApiClient
from carnet.customfields import services as custom_fields
from carnet.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_in_test_transaction(db: Any) -> Iterator[None]:
    """Let requests through the real WSGI handler share the test's transaction.

    Django closes "old" connections around each request; inside a test transaction that
    would throw the test data away. Django's own test client disconnects the same hook.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def client_ids(organization, owner, other_organization, outsider) -> list[int]:
    """Real clients for the generated ids to land on, one of them another organization's."""
    ids = []
    samples: list[dict[str, Any]] = [
        {
            "name": "Boulangerie Martin",
            "siret": "73282932000074",
            "email": "b@martin.fr",
            "tags": ["VIP"],
        },
        {
            "name": "Élise Faure",
            "kind": "individual",
            "first_name": "Élise",
            "last_name": "Faure",
        },
        {"name": "Berlin GmbH", "country": "DE", "vat_number": "DE136695976"},
        {"name": "Boston Inc", "country": "US", "category": "Export"},
    ]
    for i, fields in enumerate(samples):
        client = services.create_client(organization, owner, fields)
        if i == 3:
            services.archive_client(organization, owner, client.pk)
        ids.append(client.pk)
    ids.append(services.create_client(other_organization, outsider, {"name": "Ailleurs SA"}).pk)
    return ids


@pytest.fixture
def field_ids(organization, owner, other_organization, outsider, client_ids) -> list[int]:
    """Real custom fields (one with a client's value), one of them another organization's."""
    level = custom_fields.create_custom_field(
        organization,
        owner,
        {"name": "Niveau", "type": "choice", "choices": ["Bronze", "Or"], "default": "Or"},
    )
    sites = custom_fields.create_custom_field(
        organization, owner, {"name": "Sites", "type": "integer"}
    )
    services.update_client(organization, owner, client_ids[0], {"custom_fields": {"niveau": "Or"}})
    theirs = custom_fields.create_custom_field(
        other_organization, outsider, {"name": "Ailleurs", "type": "text"}
    )
    return [level.pk, sites.pk, theirs.pk]


# Loaded when the tests are collected: serving the document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_fails_and_answers_as_documented(
    case: Any,
    wsgi_in_test_transaction: None,
    api: ApiClient,
    client_ids: list[int],
    field_ids: list[int],
) -> None:
    client_id = str((case.path_parameters or {}).get("client_id", ""))
    if client_id.isascii() and client_id.isdigit() and int(client_id) % 7 != 3:
        # Generated ids would almost never name a client: aim most of them at real ones.
        case.path_parameters["client_id"] = client_ids[int(client_id) % len(client_ids)]
    field_id = str((case.path_parameters or {}).get("field_id", ""))
    if field_id.isascii() and field_id.isdigit() and int(field_id) % 7 != 3:
        case.path_parameters["field_id"] = field_ids[int(field_id) % len(field_ids)]
    response = case.call(headers={"Authorization": f"Bearer {api.token}"})
    case.validate_response(response, checks=CHECKS)
