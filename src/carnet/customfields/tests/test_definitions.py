"""Defining custom fields: slugs, types, choices, defaults, names, the limit, history."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.clients import services as clients
from carnet.core.errors import Conflict, NotFound, ValidationFailed
from carnet.core.history import history_for
from carnet.customfields import services
from carnet.customfields.models import CustomField, CustomFieldValue
from carnet.customfields.queries import definitions_for

pytestmark = pytest.mark.django_db


def errors_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, tuple[str, str]]:
    return {e.field: (e.code, str(e.message)) for e in exc.value.errors}


def create(organization, owner, **data: Any) -> CustomField:
    return services.create_custom_field(organization, owner, {"type": "text", **data})


def test_it_creates_a_field_with_a_slug_from_its_name(organization, owner):
    field = services.create_custom_field(
        organization,
        owner,
        {
            "name": "  Niveau de   service ",
            "type": "choice",
            "choices": ["Bronze", " Argent ", "Or", ""],
            "default": "bronze",
            "required": True,
        },
    )
    assert field.name == "Niveau de service"
    assert field.slug == "niveau_de_service"
    assert field.choices == ["Bronze", "Argent", "Or"]
    assert field.default == "Bronze"
    assert field.required is True
    (entry,) = history_for(organization.pk, "custom_field", field.pk)
    assert entry.action == "create" and entry.user == owner
    assert entry.changes["slug"] == {"old": None, "new": "niveau_de_service"}


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Fin de contrat", "fin_de_contrat"),
        ("Élève préféré", "eleve_prefere"),
        ("2e contact", "f_2e_contact"),
        ("N° TVA (ancien)", "n_tva_ancien"),
        ("日本", "champ"),
        ("x" * 100, "x" * 64),
    ],
)
def test_generated_slugs_are_valid(organization, owner, name, slug):
    assert create(organization, owner, name=name).slug == slug


def test_generated_slugs_are_made_unique(organization, owner):
    create(organization, owner, name="Région", slug="region")
    assert create(organization, owner, name="Region (ancienne)", slug="region_2").slug == "region_2"
    assert create(organization, owner, name="REGION!").slug == "region_3"
    long = create(organization, owner, name="y" * 100)
    assert create(organization, owner, name="y" * 99).slug == "y" * 62 + "_2" != long.slug


def test_a_slug_can_be_given(organization, owner):
    assert create(organization, owner, name="Code", slug="code_erp").slug == "code_erp"


@pytest.mark.parametrize("slug", ["Code", "1code", "code-erp", "é", "a" * 65, "_a", 12])
def test_it_refuses_an_invalid_slug(organization, owner, slug):
    with pytest.raises(ValidationFailed) as exc:
        create(organization, owner, name="Code", slug=slug)
    assert errors_of(exc)["slug"][0] == "invalid_slug"
    assert not CustomField.objects.exists()


def test_it_refuses_a_slug_or_a_name_already_used(organization, owner):
    create(organization, owner, name="Code ERP", slug="code")
    with pytest.raises(ValidationFailed) as exc:
        create(organization, owner, name="code erp", slug="code")
    assert errors_of(exc) == {
        "name": ("duplicate", "Un champ personnalisé s'appelle déjà « Code ERP »."),
        "slug": ("duplicate", "Un autre champ personnalisé a déjà cet identifiant."),
    }
    assert CustomField.objects.count() == 1


def test_the_same_name_is_fine_in_another_organization(
    organization, owner, other_organization, outsider
):
    create(organization, owner, name="Code")
    assert create(other_organization, outsider, name="Code").slug == "code"


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 101}, "name", "too_long"),
        ({"name": 12}, "name", "invalid_type"),
        ({"name": "a\x00"}, "name", "invalid_character"),
        ({"type": "couleur"}, "type", "invalid_choice"),
        ({"type": ""}, "type", "required"),
        ({"type": "choice"}, "choices", "required"),
        ({"type": "choice", "choices": "Oui"}, "choices", "invalid_type"),
        ({"type": "choice", "choices": ["A", "a"]}, "choices", "duplicate_choice"),
        ({"type": "choice", "choices": ["É", "e"]}, "choices", "duplicate_choice"),
        ({"type": "choice", "choices": ["x" * 101]}, "choices", "too_long"),
        ({"type": "choice", "choices": [f"c{i}" for i in range(201)]}, "choices", "too_many"),
        ({"type": "choice", "choices": [1, 2]}, "choices", "invalid_type"),
        ({"type": "text", "choices": ["A"]}, "choices", "not_applicable"),
        ({"type": "integer", "default": "douze"}, "default", "invalid_number"),
        ({"type": "date", "default": "31/02/2026"}, "default", "invalid_date"),
        ({"type": "choice", "choices": ["A", "B"], "default": "C"}, "default", "invalid_choice"),
        ({"type": "boolean", "default": "bof"}, "default", "invalid_type"),
        ({"required": "peut-être"}, "required", "invalid_type"),
        ({"position": -1}, "position", "out_of_range"),
        ({"position": "premier"}, "position", "invalid_number"),
        ({"couleur": "bleu"}, "couleur", "unknown_field"),
    ],
)
def test_it_refuses_a_bad_definition(organization, owner, data, field, code):
    with pytest.raises(ValidationFailed) as exc:
        services.create_custom_field(organization, owner, {"name": "Champ", "type": "text", **data})
    assert errors_of(exc)[field][0] == code
    assert not CustomField.objects.exists()


def test_a_default_is_stored_in_the_fields_type(organization, owner):
    assert create(organization, owner, name="A", type="integer", default="1 200").default == 1200
    assert create(organization, owner, name="B", type="date", default="01/02/2026").default == (
        "2026-02-01"
    )
    assert create(organization, owner, name="C", type="boolean", default="non").default is False
    multiple = create(
        organization, owner, name="D", type="multiple_choice", choices=["x", "y"], default="Y, x"
    )
    assert multiple.default == ["x", "y"]


def test_it_refuses_more_than_a_hundred_fields(organization, owner):
    for i in range(100):
        create(organization, owner, name=f"Champ {i}")
    with pytest.raises(Conflict) as exc:
        create(organization, owner, name="Un de trop")
    assert exc.value.code == "too_many_fields"
    assert "100 champs personnalisés au maximum" in str(exc.value.detail)
    assert CustomField.objects.filter(organization=organization).count() == 100


def test_new_fields_come_last_and_the_list_follows_positions(organization, owner):
    first = create(organization, owner, name="Zèbre")
    second = create(organization, owner, name="Abeille")
    assert (first.position, second.position) == (0, 1)
    create(organization, owner, name="Milieu", position=0)
    assert [f.name for f in definitions_for(organization)] == ["Milieu", "Zèbre", "Abeille"]


# --- Changes ------------------------------------------------------------------------------
@pytest.fixture
def level(organization, owner) -> CustomField:
    return services.create_custom_field(
        organization,
        owner,
        {"name": "Niveau", "type": "choice", "choices": ["Bronze", "Argent", "Or"]},
    )


def give(organization, owner, values: dict[str, Any], name: str = "Client") -> Any:
    return clients.create_client(organization, owner, {"name": name, "custom_fields": values})


def test_it_changes_a_definition_and_records_it(organization, owner, member, level):
    changed = services.update_custom_field(
        organization,
        member,
        level.pk,
        {"name": "Niveau de service", "choices": ["Bronze", "Argent", "Or", "Platine"]},
    )
    assert changed.name == "Niveau de service"
    assert changed.choices == ["Bronze", "Argent", "Or", "Platine"]
    latest = history_for(organization.pk, "custom_field", level.pk).first()
    assert latest.action == "update" and latest.user == member
    assert latest.changes == {
        "name": {"old": "Niveau", "new": "Niveau de service"},
        "choices": {
            "old": ["Bronze", "Argent", "Or"],
            "new": ["Bronze", "Argent", "Or", "Platine"],
        },
    }


def test_an_unchanged_definition_records_nothing(organization, owner, level):
    services.update_custom_field(organization, owner, level.pk, {"name": "Niveau"})
    assert history_for(organization.pk, "custom_field", level.pk).count() == 1


def test_the_slug_cannot_change(organization, owner, level):
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(organization, owner, level.pk, {"slug": "rang"})
    code, message = errors_of(exc)["slug"]
    assert code == "immutable" and "« niveau »" in message
    # Sent unchanged, it is accepted.
    services.update_custom_field(organization, owner, level.pk, {"slug": "niveau", "name": "N"})
    level.refresh_from_db()
    assert (level.slug, level.name) == ("niveau", "N")


def test_the_type_cannot_change_while_a_client_has_a_value(organization, owner, level):
    give(organization, owner, {"niveau": "Or"}, "A")
    give(organization, owner, {"niveau": "Bronze"}, "B")
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(organization, owner, level.pk, {"type": "text"})
    code, message = errors_of(exc)["type"]
    assert code == "type_locked"
    assert message.startswith("Le type ne peut plus changer : 2 clients ont une valeur")
    level.refresh_from_db()
    assert level.type == "choice"


def test_the_type_can_change_while_no_client_has_a_value(organization, owner, level):
    changed = services.update_custom_field(organization, owner, level.pk, {"type": "integer"})
    assert (changed.type, changed.choices) == ("integer", [])


def test_a_choice_in_use_cannot_be_removed(organization, owner, level):
    give(organization, owner, {"niveau": "Or"})
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(organization, owner, level.pk, {"choices": ["Bronze"]})
    assert errors_of(exc)["choices"] == (
        "choice_in_use",
        "Le choix « Or » ne peut pas être retiré : 1 client l'a.",
    )
    # Unused ones can go, and a choice can be respelled.
    changed = services.update_custom_field(
        organization, owner, level.pk, {"choices": ["Bronze", "OR"]}
    )
    assert changed.choices == ["Bronze", "OR"]


def test_a_multiple_choice_in_use_cannot_be_removed(organization, owner):
    services.create_custom_field(
        organization,
        owner,
        {"name": "Canaux", "type": "multiple_choice", "choices": ["Web", "Salon", "Presse"]},
    )
    give(organization, owner, {"canaux": ["Web", "Salon"]}, "A")
    give(organization, owner, {"canaux": "salon"}, "B")
    field = CustomField.objects.get(slug="canaux")
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(organization, owner, field.pk, {"choices": ["Presse"]})
    messages = [str(e.message) for e in exc.value.errors]
    assert messages == [
        "Le choix « Web » ne peut pas être retiré : 1 client l'a.",
        "Le choix « Salon » ne peut pas être retiré : 2 clients l'ont.",
    ]


def test_a_new_default_must_fit_the_type_and_choices(organization, owner, level):
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(organization, owner, level.pk, {"default": "Platine"})
    assert errors_of(exc)["default"][0] == "invalid_choice"
    services.update_custom_field(organization, owner, level.pk, {"default": "or"})
    level.refresh_from_db()
    assert level.default == "Or"
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(organization, owner, level.pk, {"choices": ["Bronze"]})
    assert errors_of(exc)["default"][0] == "invalid_default"


def test_a_name_taken_by_another_field_is_refused_on_change(organization, owner, level):
    other = create(organization, owner, name="Secteur")
    with pytest.raises(ValidationFailed) as exc:
        services.update_custom_field(organization, owner, other.pk, {"name": "NIVEAU"})
    assert errors_of(exc)["name"][0] == "duplicate"
    # A field may change the case of its own name.
    assert services.update_custom_field(organization, owner, level.pk, {"name": "NIVEAU"}).name == (
        "NIVEAU"
    )


def test_another_organizations_field_is_not_found(organization, owner, other_organization, level):
    for call in (
        lambda: services.get_custom_field(other_organization, level.pk),
        lambda: services.update_custom_field(other_organization, None, level.pk, {"name": "x"}),
        lambda: services.delete_custom_field(other_organization, None, level.pk),
    ):
        with pytest.raises(NotFound):
            call()
    level.refresh_from_db()
    assert level.name == "Niveau"


@pytest.mark.parametrize("field_id", ["abc", 0, -1, 2**70, None, 99999])
def test_a_bad_id_is_not_found(organization, field_id):
    with pytest.raises(NotFound):
        services.get_custom_field(organization, field_id)


def test_existing_values_under_a_new_slug_are_indexed(organization, owner):
    client = clients.create_client(organization, owner, {"name": "Ancien"})
    # Written before the definition existed (an older version, a raw import).
    type(client).objects.filter(pk=client.pk).update(custom_fields={"code": "ABC"})
    field = create(organization, owner, name="Code")
    assert list(CustomFieldValue.objects.filter(field=field).values_list("value", flat=True)) == [
        "abc"
    ]
    assert services.usage_count(organization, field) == 1
