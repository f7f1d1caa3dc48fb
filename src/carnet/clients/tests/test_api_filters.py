"""GET /api/v1/clients: creation dates, several tags, unknown and hostile parameters,
under every plan the SQLite planner can pick."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from carnet.clients import planner, services
from carnet.clients.models import Client


@pytest.fixture(params=["planned", "walk", "walk_given_up", "rare_together", "name_order"])
def plan_mode(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param in ("walk", "walk_given_up", "rare_together", "name_order"):
        monkeypatch.setattr(planner, "FEW_HITS", 0)
        monkeypatch.setattr(planner, "DRIVE_LIMIT", 0)
    if request.param == "name_order":
        # A search sorted by name reads its hits in name order, one at a time here.
        monkeypatch.setattr(planner, "ORDERED_BATCH", 1)
        monkeypatch.setattr(planner, "ORDERED_BATCHES", 2)  # then from the name index
    if request.param == "rare_together":
        # Filters too common to drive alone but rare together: their intersection drives.
        monkeypatch.setattr(planner, "RARE_WALK", 0)
    if request.param == "walk_given_up":
        monkeypatch.setattr(planner, "WALK_BUDGET", 0)
        monkeypatch.setattr(planner, "_PROGRESS_STEP", 1)
    return request.param


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def make(organization: Any, owner: Any, name: str, created: str | None = None, **fields: Any):
    client = services.create_client(organization, owner, {"name": name, **fields})
    if created:
        moment = timezone.make_aware(datetime.datetime.fromisoformat(created))
        Client.objects.filter(pk=client.pk).update(created_at=moment)
    return client


@pytest.fixture
def dated(organization, owner):
    make(organization, owner, "Janvier", "2026-01-15 10:00")
    make(organization, owner, "Fin mars", "2026-03-31 23:30")  # Paris time
    make(organization, owner, "Avril", "2026-04-01 00:10")
    make(organization, owner, "Juin", "2026-06-30 12:00", tags=["VIP"])


def test_it_filters_by_creation_day_both_bounds_included(api, dated, plan_mode):
    assert names(api.get("/clients", created_after="2026-03-31")) == ["Avril", "Fin mars", "Juin"]
    assert names(api.get("/clients", created_before="2026-03-31")) == ["Fin mars", "Janvier"]
    assert names(api.get("/clients", created_after="01/02/2026", created_before="01/04/2026")) == [
        "Avril",
        "Fin mars",
    ]


def test_it_filters_by_creation_time_and_sorts_by_it(api, dated, plan_mode):
    response = api.get("/clients", created_after="2026-03-31T23:00:00+02:00", sort="-created_at")
    assert names(response) == ["Juin", "Avril", "Fin mars"]


def test_dates_combine_with_tags(api, dated, plan_mode):
    assert names(api.get("/clients", created_after="2026-04-01", tag="vip")) == ["Juin"]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"created_after": "2026-02-30"}, "created_after", "invalid_date"),
        ({"created_after": "demain"}, "created_after", "invalid_date"),
        ({"created_before": "31/12/99999"}, "created_before", "invalid_date"),
        (
            {"created_after": "2026-05-01", "created_before": "2026-04-01"},
            "created_before",
            "invalid_range",
        ),
        ({"color": "blue"}, "color", "unknown_filter"),
        ({"tags": "VIP"}, "tags", "unknown_filter"),
        ({"cf_unknown": "x"}, "cf_unknown", "unknown_filter"),
        ({"kind": "robot"}, "kind", "invalid_choice"),
        ({"owner": "1 OR 1=1"}, "owner", "invalid_type"),
        ({"country": "FR' --"}, "country", "invalid_country"),
        ({"sort": "name; DROP TABLE clients_client"}, "sort", "invalid_choice"),
    ],
)
def test_bad_filters_are_refused_with_a_french_message(api, dated, params, field, code):
    response = api.get("/clients", **params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert {"field": field, "code": code} in [{k: e[k] for k in ("field", "code")} for e in errors]
    assert all(e["message"] for e in errors)


def test_errors_are_in_english_when_asked(organization, owner, dated):
    from carnet.accounts.services import create_api_token
    from carnet.conftest import ApiClient

    english = ApiClient(create_api_token(organization, owner), language="en")
    response = english.get("/clients", color="blue", created_after="nope")
    assert response.status_code == 422
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["color"] == "Unknown parameter: “color”."
    assert "date" in messages["created_after"].lower()


@pytest.mark.parametrize(
    "value",
    ["' OR '1'='1", 'x"; DROP TABLE clients_client; --', "%", "_", "\\", "Robert'); --"],
)
def test_sql_in_filter_values_is_just_text(api, organization, owner, dated, value):
    for params in ({"tag": value}, {"category": value}, {"q": value}):
        response = api.get("/clients", **params)
        assert response.status_code == 200, response.content
        assert response.json()["items"] == []
    assert Client.objects.filter(organization=organization).count() == 4


def test_every_tag_given_must_be_present(api, organization, owner, plan_mode):
    make(organization, owner, "Les deux", tags=["a", "b"])
    make(organization, owner, "Seulement a", tags=["a"])
    make(organization, owner, "Seulement b", tags=["b"])
    assert names(api.get("/clients", tag=["a", "b"])) == ["Les deux"]
    assert names(api.get("/clients", tag=["A", "b"], sort="-name")) == ["Les deux"]
    assert names(api.get("/clients", tag="a")) == ["Les deux", "Seulement a"]


def test_an_unknown_tag_or_category_matches_nothing(api, organization, owner):
    make(organization, owner, "Client", tags=["a"], category="Commerce")
    assert names(api.get("/clients", tag=["a", "inconnue"])) == []
    assert names(api.get("/clients", category="Inconnue")) == []
    assert names(api.get("/clients", category="COMMERCE")) == ["Client"]


def test_another_organizations_tags_do_not_filter_here(
    api, organization, owner, other_organization, outsider
):
    make(organization, owner, "Chez nous", tags=["Export"])
    services.create_client(other_organization, outsider, {"name": "Chez eux", "tags": ["Export"]})
    assert names(api.get("/clients", tag="Export")) == ["Chez nous"]
