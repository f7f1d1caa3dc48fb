"""Reading custom field values: what each type accepts, stores and refuses; merging a
client's values; index keys and display."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import translation

from carnet.customfields.models import CustomField
from carnet.customfields.validation import (
    InvalidValue,
    clean_custom_values,
    display_value,
    parse_value,
    value_keys,
)

LEVELS = ["Bronze", "Argent", "Or"]


def field(kind: str, slug: str = "f", **extra: Any) -> CustomField:
    return CustomField(name=slug.title(), slug=slug, type=kind, **extra)


def refused(kind: str, raw: Any, **extra: Any) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        parse_value(field(kind, **extra), raw)
    assert str(caught.value.message)
    return caught.value


# --- Accepted values, as JSON types and as strings ---------------------------------------
@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("text", "  Bonjour   le  monde ", "Bonjour le monde"),
        ("text", "x" * 200, "x" * 200),
        ("long_text", "Ligne 1\r\nLigne 2\n", "Ligne 1\nLigne 2"),
        ("integer", 12, 12),
        ("integer", "12", 12),
        ("integer", " -7 ", -7),
        ("integer", "1 500", 1500),
        ("integer", "1\u202f500", 1500),
        ("integer", 12.0, 12),
        ("integer", 2**53, 2**53),
        ("decimal", "12,50", "12.50"),
        ("decimal", "12.5", "12.5"),
        ("decimal", 12.5, "12.5"),
        ("decimal", 0.1, "0.1"),
        ("decimal", 10, "10"),
        ("decimal", "1 234,567891", "1234.567891"),
        ("decimal", "-0,00", "0.00"),
        ("decimal", ",5", "0.5"),
        ("decimal", "+3", "3"),
        ("date", "2026-02-01", "2026-02-01"),
        ("date", "01/02/2026", "2026-02-01"),
        ("date", "1/2/2026", "2026-02-01"),
        ("date", "01.02.2026", "2026-02-01"),
        ("date", datetime.date(2026, 2, 1), "2026-02-01"),
        ("date", "29/02/2024", "2024-02-29"),
        ("boolean", True, True),
        ("boolean", False, False),
        ("boolean", "oui", True),
        ("boolean", "Non", False),
        ("boolean", "1", True),
        ("boolean", "false", False),
        ("url", "exemple.fr/page", "https://exemple.fr/page"),
        ("email", "Marie@Exemple.FR", "Marie@exemple.fr"),
    ],
)
def test_it_accepts_and_normalizes_each_type(kind, raw, stored):
    value = parse_value(field(kind), raw)
    assert value == stored
    assert type(value) is type(stored)


def test_a_choice_matches_whatever_the_case_and_accents():
    definition = field("choice", choices=["Élevé", "Moyen", "Faible"])
    assert parse_value(definition, "eleve") == "Élevé"
    assert parse_value(definition, "  MOYEN ") == "Moyen"


def test_multiple_choices_are_stored_in_the_definitions_order():
    definition = field("multiple_choice", choices=LEVELS)
    assert parse_value(definition, ["or", "Bronze", "OR"]) == ["Bronze", "Or"]
    assert parse_value(definition, "Or; argent, ") == ["Argent", "Or"]
    assert parse_value(definition, "") is None
    assert parse_value(definition, [" ", ""]) is None


def test_a_choice_containing_a_comma_is_one_choice():
    definition = field("multiple_choice", choices=["Paris, Lyon", "Nantes"])
    assert parse_value(definition, "paris, lyon") == ["Paris, Lyon"]
    assert parse_value(definition, ["Nantes", "Paris, Lyon"]) == ["Paris, Lyon", "Nantes"]


@pytest.mark.parametrize("raw", [None, "", "   ", [], [""]])
@pytest.mark.parametrize("kind", ["text", "integer", "decimal", "date", "boolean", "url"])
def test_blank_is_no_value(kind, raw):
    assert parse_value(field(kind), raw) is None


# --- Refused values -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [
        ("text", 12, "invalid_type"),
        ("text", True, "invalid_type"),
        ("text", ["a"], "invalid_type"),
        ("text", "x" * 201, "too_long"),
        ("text", "a\x00b", "invalid_character"),
        ("text", "a\ud800", "invalid_character"),
        ("long_text", "x" * 5001, "too_long"),
        ("integer", "abc", "invalid_number"),
        ("integer", "12,5", "invalid_number"),
        ("integer", 12.5, "invalid_number"),
        ("integer", True, "invalid_type"),
        ("integer", "1e3", "invalid_number"),
        ("integer", 2**53 + 1, "out_of_range"),
        ("integer", "9" * 30, "invalid_number"),
        ("integer", ["1"], "invalid_type"),
        ("decimal", "abc", "invalid_number"),
        ("decimal", "1e3", "invalid_number"),
        ("decimal", "1,000.50", "invalid_number"),
        ("decimal", "NaN", "invalid_number"),
        ("decimal", "Infinity", "invalid_number"),
        ("decimal", False, "invalid_type"),
        ("decimal", "1000000000000000", "out_of_range"),
        ("decimal", 1e16, "out_of_range"),
        ("decimal", "0,1234567", "too_many_decimals"),
        ("decimal", 1e-7, "too_many_decimals"),
        ("date", "2026-13-45", "invalid_date"),
        ("date", "31/02/2026", "invalid_date"),
        ("date", "demain", "invalid_date"),
        ("date", "01/02/26", "invalid_date"),
        ("date", "1899-12-31", "out_of_range"),
        ("date", "01/01/2201", "out_of_range"),
        ("date", 20260201, "invalid_type"),
        ("date", datetime.datetime(2026, 2, 1, 10, 0), "invalid_type"),
        ("boolean", "peut-être", "invalid_type"),
        ("boolean", 1, "invalid_type"),
        ("url", "javascript:alert(1)", "invalid_url"),
        ("url", "https://" + "a" * 300 + ".fr", "too_long"),
        ("email", "pas-un-mail", "invalid_email"),
        ("email", 5, "invalid_type"),
    ],
)
def test_it_refuses_a_value_of_the_wrong_type_with_a_code(kind, raw, code):
    assert refused(kind, raw).code == code


def test_it_refuses_a_choice_outside_the_list_naming_the_choices():
    error = refused("choice", "Platine", choices=LEVELS)
    assert error.code == "invalid_choice"
    assert str(error.message) == (
        "« Platine » n'est pas un choix possible. Choix possibles : Bronze, Argent, Or."
    )
    assert refused("choice", ["Or"], choices=LEVELS).code == "invalid_type"


def test_it_refuses_multiple_choices_outside_the_list_naming_each():
    error = refused("multiple_choice", ["Or", "Platine", "Diamant"], choices=LEVELS)
    assert error.code == "invalid_choice"
    assert str(error.message).startswith("« Platine », « Diamant » ne sont pas des choix")
    assert refused("multiple_choice", [1], choices=LEVELS).code == "invalid_type"
    assert refused("multiple_choice", {"a": 1}, choices=LEVELS).code == "invalid_type"


def test_the_messages_say_what_is_expected():
    assert "12,50" in str(refused("decimal", "abc").message)
    assert "31/12/2026" in str(refused("date", "demain").message)
    assert str(refused("boolean", "bof").message) == "Oui ou non est attendu."


# --- A client's values --------------------------------------------------------------------
@pytest.fixture
def definitions() -> list[CustomField]:
    return [
        field("choice", "niveau", choices=LEVELS, default="Bronze"),
        field("date", "fin_contrat", required=True),
        field("integer", "sites"),
        field("boolean", "signe", default=False),
    ]


def test_on_create_defaults_apply_and_required_fields_are_enforced(definitions):
    values, errors = clean_custom_values(definitions, {"sites": "3"}, {}, creating=True)
    assert values == {"niveau": "Bronze", "sites": 3, "signe": False}
    assert [(e.field, e.code, str(e.message)) for e in errors] == [
        ("custom_fields.fin_contrat", "required", "Ce champ est obligatoire.")
    ]


def test_on_create_a_field_given_blank_gets_no_default(definitions):
    values, errors = clean_custom_values(
        definitions, {"niveau": "", "fin_contrat": "31/12/2026"}, {}, creating=True
    )
    assert errors == []
    assert values == {"fin_contrat": "2026-12-31", "signe": False}


def test_on_create_without_input_defaults_and_required_still_apply(definitions):
    values, errors = clean_custom_values(definitions, None, {}, creating=True)
    assert values == {"niveau": "Bronze", "signe": False}
    assert [e.field for e in errors] == ["custom_fields.fin_contrat"]


def test_a_change_merges_into_the_stored_values(definitions):
    existing = {"niveau": "Or", "fin_contrat": "2026-12-31", "sites": 2, "ancien": "gardé"}
    values, errors = clean_custom_values(
        definitions, {"sites": None, "signe": "oui"}, existing, creating=False
    )
    assert errors == []
    assert values == {"niveau": "Or", "fin_contrat": "2026-12-31", "signe": True, "ancien": "gardé"}


def test_a_change_leaves_a_missing_required_field_alone_but_refuses_clearing_it(definitions):
    values, errors = clean_custom_values(definitions, {"sites": 4}, {}, creating=False)
    assert errors == [] and values == {"sites": 4}

    _values, errors = clean_custom_values(
        definitions, {"fin_contrat": ""}, {"fin_contrat": "2026-12-31"}, creating=False
    )
    assert [(e.field, e.code) for e in errors] == [("custom_fields.fin_contrat", "required")]


def test_none_changes_nothing(definitions):
    existing = {"sites": 2}
    assert clean_custom_values(definitions, None, existing, creating=False) == (existing, [])


def test_it_reports_every_bad_field_at_once(definitions):
    _values, errors = clean_custom_values(
        definitions,
        {"niveau": "Platine", "fin_contrat": "hier", "sites": "beaucoup", "inconnu": 1},
        {},
        creating=True,
    )
    assert {(e.field, e.code) for e in errors} == {
        ("custom_fields.niveau", "invalid_choice"),
        ("custom_fields.fin_contrat", "invalid_date"),
        ("custom_fields.sites", "invalid_number"),
        ("custom_fields.inconnu", "unknown_custom_field"),
    }
    unknown = next(e for e in errors if e.code == "unknown_custom_field")
    assert str(unknown.message) == "Champ personnalisé inconnu : « inconnu »."


def test_without_definitions_any_key_is_unknown():
    _values, errors = clean_custom_values([], {"code": "A"}, {}, creating=True)
    assert [(e.field, e.code) for e in errors] == [("custom_fields.code", "unknown_custom_field")]


@pytest.mark.parametrize("raw", [["a"], "texte", 12])
def test_it_refuses_custom_fields_that_are_not_an_object(definitions, raw):
    values, errors = clean_custom_values(definitions, raw, {"sites": 1}, creating=False)
    assert [(e.field, e.code) for e in errors] == [("custom_fields", "invalid_type")]
    assert values == {"sites": 1}


# --- Index keys and display ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "value", "keys", "extra"),
    [
        ("text", "Éric  Le Bœuf", ["eric le boeuf"], {}),
        ("text", "x" * 200 + "É", ["x" * 200], {}),
        ("choice", "Or", ["or"], {"choices": LEVELS}),
        ("multiple_choice", ["Bronze", "Or"], ["bronze", "or"], {"choices": LEVELS}),
        ("integer", 12, ["12"], {}),
        ("integer", -3, ["-3"], {}),
        ("decimal", "12.50", ["12.5"], {}),
        ("decimal", "10", ["10"], {}),
        ("decimal", "10.000", ["10"], {}),
        ("decimal", "0.00", ["0"], {}),
        ("date", "2026-02-01", ["2026-02-01"], {}),
        ("boolean", True, ["true"], {}),
        ("boolean", False, ["false"], {}),
        ("email", "Marie@exemple.fr", ["marie@exemple.fr"], {}),
        # Values of another type (written before the definition) have no key.
        ("integer", "douze", [], {}),
        ("date", "hier", [], {}),
        ("boolean", "oui", [], {}),
    ],
)
def test_value_keys_are_normalized(kind, value, keys, extra):
    assert value_keys(field(kind, **extra), value) == keys


@pytest.mark.parametrize(
    ("kind", "value", "shown", "extra"),
    [
        ("date", "2026-02-01", "01/02/2026", {}),
        ("decimal", "1234567.5", "1\xa0234\xa0567,5", {}),
        ("decimal", "12.50", "12,50", {}),
        ("integer", 1500, "1\xa0500", {}),
        ("boolean", True, "Oui", {}),
        ("boolean", False, "Non", {}),
        ("multiple_choice", ["Or", "Bronze"], "Bronze, Or", {"choices": LEVELS}),
        ("choice", "or", "Or", {"choices": LEVELS}),
        ("text", "Texte", "Texte", {}),
        ("text", None, "", {}),
        ("multiple_choice", [], "", {"choices": LEVELS}),
        ("date", "pas une date", "pas une date", {}),
    ],
)
def test_display_values_use_french_formats(kind, value, shown, extra):
    assert display_value(field(kind, **extra), value) == shown


def test_display_values_follow_the_language():
    with translation.override("en"):
        assert display_value(field("boolean"), True) == "Yes"
        assert display_value(field("decimal"), "1234.5") == "1,234.5"
