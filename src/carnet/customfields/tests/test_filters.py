"""List filters on custom values: ``cf_<slug>`` parameters checked and turned into index
lookups."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.customfields import services
from carnet.customfields.models import CustomField
from carnet.customfields.queries import (
    CustomFieldFilter,
    matching_client_ids,
    parse_filters,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(organization, owner) -> dict[str, CustomField]:
    specs: list[dict[str, Any]] = [
        {"name": "Niveau", "type": "choice", "choices": ["Bronze", "Argent", "Or"]},
        {"name": "Sites", "type": "integer"},
        {"name": "Fin", "type": "date"},
        {"name": "Signé", "slug": "signe", "type": "boolean"},
        {"name": "Montant", "type": "decimal"},
        {"name": "Canaux", "type": "multiple_choice", "choices": ["Web", "Salon"]},
        {"name": "Ville", "type": "text"},
    ]
    return {
        f.slug: f for f in (services.create_custom_field(organization, owner, s) for s in specs)
    }


@pytest.mark.parametrize(
    ("slug", "value", "key"),
    [
        ("niveau", "or", "or"),
        ("sites", "12", "12"),
        ("fin", "31/12/2026", "2026-12-31"),
        ("fin", "2026-12-31", "2026-12-31"),
        ("signe", "oui", "true"),
        ("signe", "false", "false"),
        ("montant", "12,50", "12.5"),
        ("canaux", "salon", "salon"),
        ("ville", "  Saint-Étienne ", "saint-etienne"),
    ],
)
def test_a_filter_gets_the_normalized_key(organization, fields, slug, value, key):
    filters, errors = parse_filters(organization, {f"cf_{slug}": value})
    assert errors == []
    assert filters == [CustomFieldFilter(field_id=fields[slug].pk, slug=slug, key=key)]


def test_the_last_value_of_a_repeated_parameter_counts(organization, fields):
    filters, _errors = parse_filters(organization, {"cf_sites": ["1", "2"]})
    assert [f.key for f in filters] == ["2"]


def test_blank_values_and_other_parameters_are_ignored(
    organization, fields, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert parse_filters(organization, {"q": "x", "cf_sites": " ", "sort": "name"}) == ([], [])


@pytest.mark.parametrize(
    ("name", "value", "code", "message"),
    [
        (
            "cf_couleur",
            "bleu",
            "unknown_filter",
            "Filtre inconnu : aucun champ personnalisé « couleur ».",
        ),
        (
            "cf_sites",
            "abc",
            "invalid_value",
            "Un nombre entier est attendu, par exemple 12 ou 1 500.",
        ),
        (
            "cf_fin",
            "2026-13-45",
            "invalid_value",
            "Cette date n'existe pas (jour ou mois impossible).",
        ),
        (
            "cf_niveau",
            "Platine",
            "invalid_value",
            "« Platine » n'est pas un choix possible. Choix possibles : Bronze, Argent, Or.",
        ),
        (
            "cf_canaux",
            "Web, Salon",
            "invalid_value",
            "« Web, Salon » n'est pas un choix possible. Choix possibles : Web, Salon.",
        ),
        ("cf_signe", "peut-être", "invalid_value", "Oui ou non est attendu."),
        ("cf_ville", "\x00", "invalid_value", "Caractère nul interdit."),
    ],
)
def test_it_refuses_an_unknown_filter_or_an_impossible_value(
    organization, fields, name, value, code, message
):
    filters, errors = parse_filters(organization, {name: value})
    assert filters == []
    assert [(e.field, e.code, str(e.message)) for e in errors] == [(name, code, message)]


def test_another_organizations_fields_are_unknown(other_organization, fields):
    _filters, errors = parse_filters(other_organization, {"cf_sites": "2"})
    assert errors[0].code == "unknown_filter"


def test_matching_client_ids_finds_the_clients_with_the_value(organization, owner, fields):
    def make(name: str, values: dict[str, Any]) -> Client:
        return clients.create_client(organization, owner, {"name": name, "custom_fields": values})

    gold = make("Or", {"niveau": "Or", "canaux": ["Web", "Salon"], "montant": "12.50"})
    make("Bronze", {"niveau": "Bronze", "canaux": ["Web"], "montant": "12.5"})
    make("Rien", {})

    def found(params: dict[str, str]) -> set[str]:
        filters, errors = parse_filters(organization, params)
        assert not errors
        queryset = Client.objects.filter(organization=organization)
        for flt in filters:
            queryset = queryset.filter(id__in=matching_client_ids(organization.pk, flt))
        return set(queryset.values_list("name", flat=True))

    assert found({"cf_niveau": "OR"}) == {"Or"}
    assert found({"cf_canaux": "web"}) == {"Or", "Bronze"}
    assert found({"cf_canaux": "salon", "cf_niveau": "or"}) == {"Or"}
    assert found({"cf_montant": "12,5"}) == {"Or", "Bronze"}
    assert found({"cf_niveau": "Argent"}) == set()
    clients.update_client(organization, owner, gold.pk, {"custom_fields": {"niveau": "Argent"}})
    assert found({"cf_niveau": "Argent"}) == {"Or"}
