"""Creating clients through the service layer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carnet.clients import services
from carnet.clients.models import Client
from carnet.core.errors import Conflict, ValidationFailed
from carnet.core.history import history_for


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors}


def test_it_normalizes_identifiers_and_contact_details(organization, owner):
    client = services.create_client(
        organization,
        owner,
        {
            "name": "  Boulangerie   Martin ",
            "siret": "732 829 320 00074",
            "vat_number": "fr 44 732 829 320",
            "email": "Contact@Boulangerie-MARTIN.fr",
            "phone": "01.42.68.53.00",
            "website": "www.boulangerie-martin.fr",
            "naf_code": "1071c",
            "share_capital": "10 000,50",
        },
    )
    client.refresh_from_db()
    assert client.name == "Boulangerie Martin"
    assert client.siret == "73282932000074"
    assert client.siren == "732829320"
    assert client.vat_number == "FR44732829320"
    assert client.email == "Contact@boulangerie-martin.fr"
    assert client.phone == "+33142685300"
    assert client.website == "https://www.boulangerie-martin.fr"
    assert client.naf_code == "10.71C"
    assert client.share_capital == Decimal("10000.50")
    assert client.vat_regime == "standard"
    assert client.version == 1


def test_it_generates_a_unique_reference_per_organization(
    organization, other_organization, owner, outsider
):
    first = services.create_client(organization, owner, {"name": "A"})
    second = services.create_client(organization, owner, {"name": "B"})
    elsewhere = services.create_client(other_organization, outsider, {"name": "C"})
    assert first.reference == "CLI-00001"
    assert second.reference == "CLI-00002"
    assert elsewhere.reference == "CLI-00001"


def test_it_skips_a_generated_reference_already_taken_by_hand(organization, owner):
    services.create_client(organization, owner, {"name": "Manual", "reference": "CLI-00001"})
    generated = services.create_client(organization, owner, {"name": "Generated"})
    assert generated.reference == "CLI-00002"


def test_it_refuses_a_reference_already_used(organization, owner):
    services.create_client(organization, owner, {"name": "A", "reference": "ACME"})
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(organization, owner, {"name": "B", "reference": "ACME"})
    assert codes(caught.value) == {"reference": "duplicate"}


def test_it_names_an_individual_from_first_and_last_name(organization, owner):
    client = services.create_client(
        organization,
        owner,
        {"kind": "individual", "civility": "mrs", "first_name": "Élise", "last_name": "Durand"},
    )
    assert client.name == "Élise Durand"
    assert client.vat_regime == "standard"


def test_it_requires_a_name(organization, owner):
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(organization, owner, {"name": "   "})
    assert codes(caught.value) == {"name": "required"}
    assert str(caught.value.errors[0].message) == "Le nom est obligatoire."


def test_it_reports_every_bad_field_at_once_and_writes_nothing(organization, owner):
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(
            organization,
            owner,
            {
                "name": "X" * 201,
                "siret": "73282932000075",
                "email": "not-an-email",
                "phone": "12",
                "kind": "robot",
                "country": "ZZ",
                "employee_count": -3,
                "share_capital": "beaucoup",
                "unknown": "?",
            },
        )
    assert codes(caught.value) == {
        "name": "too_long",
        "siret": "invalid_checksum",
        "email": "invalid_email",
        "phone": "invalid_phone",
        "kind": "invalid_choice",
        "country": "invalid_country",
        "employee_count": "out_of_range",
        "share_capital": "invalid_number",
        "unknown": "unknown_field",
    }
    assert Client.objects.count() == 0


def test_it_refuses_a_siren_that_does_not_match_the_siret(organization, owner):
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(
            organization, owner, {"name": "A", "siret": "73282932000074", "siren": "552120222"}
        )
    assert codes(caught.value) == {"siren": "siren_mismatch"}


def test_it_refuses_a_french_vat_number_of_another_siren(organization, owner):
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(
            organization,
            owner,
            {"name": "A", "siret": "73282932000074", "vat_number": "FR40303265045"},
        )
    assert codes(caught.value) == {"vat_number": "siren_mismatch"}


def test_it_refuses_a_vat_number_of_another_country(organization, owner):
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(
            organization, owner, {"name": "A", "country": "BE", "vat_number": "DE136695976"}
        )
    assert codes(caught.value) == {"vat_number": "country_mismatch"}


def test_it_refuses_a_siret_for_a_company_outside_france(organization, owner):
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(
            organization, owner, {"name": "A", "country": "US", "siret": "73282932000074"}
        )
    assert codes(caught.value) == {"siret": "not_french"}


def test_it_reads_the_phone_number_in_the_clients_country(organization, owner):
    client = services.create_client(
        organization, owner, {"name": "Brussels SA", "country": "be", "phone": "02 555 12 12"}
    )
    assert client.country == "BE"
    assert client.phone == "+3225551212"


@pytest.mark.parametrize(
    ("data", "regime"),
    [
        ({"country": "FR"}, "standard"),
        ({"country": "DE", "vat_number": "DE136695976"}, "reverse_charge"),
        ({"country": "DE"}, "standard"),
        ({"country": "US"}, "export"),
        ({"country": "CH"}, "export"),
        ({"country": "DE", "kind": "individual"}, "standard"),
    ],
)
def test_it_derives_the_vat_regime(organization, owner, data, regime):
    client = services.create_client(organization, owner, {"name": "Client", **data})
    assert client.vat_regime == regime


def test_it_refuses_the_same_email_in_any_case(organization, owner):
    existing = services.create_client(
        organization, owner, {"name": "A", "email": "jean@exemple.fr"}
    )
    with pytest.raises(Conflict) as caught:
        services.create_client(organization, owner, {"name": "B", "email": "JEAN@Exemple.FR"})
    assert caught.value.code == "duplicate"
    assert caught.value.extra["existing_client_id"] == existing.pk
    assert "A (CLI-00001)" in str(caught.value.detail)


def test_it_refuses_the_same_siret_even_when_archived(organization, owner):
    existing = services.create_client(organization, owner, {"name": "A", "siret": "73282932000074"})
    services.archive_client(organization, owner, existing.pk)
    with pytest.raises(Conflict) as caught:
        services.create_client(organization, owner, {"name": "B", "siret": "732 829 320 00074"})
    assert caught.value.extra["existing_client_id"] == existing.pk
    assert caught.value.extra["existing_client_archived"] is True


def test_duplicates_are_per_organization(organization, other_organization, owner, outsider):
    services.create_client(organization, owner, {"name": "A", "email": "jean@exemple.fr"})
    services.create_client(other_organization, outsider, {"name": "A", "email": "jean@exemple.fr"})


def test_a_trashed_client_does_not_block_a_new_one(organization, owner):
    old = services.create_client(organization, owner, {"name": "A", "email": "jean@exemple.fr"})
    services.delete_client(organization, owner, old.pk)
    services.create_client(organization, owner, {"name": "B", "email": "jean@exemple.fr"})


def test_it_sets_tags_and_category_by_name(organization, owner):
    client = services.create_client(
        organization,
        owner,
        {"name": "A", "tags": ["VIP", "vip", " Export "], "category": "Grands comptes"},
    )
    assert sorted(t.name for t in client.tags.all()) == ["Export", "VIP"]
    assert client.category.name == "Grands comptes"
    other = services.create_client(organization, owner, {"name": "B", "category": "grands COMPTES"})
    assert other.category_id == client.category_id


def test_it_records_the_creation_in_the_history(organization, owner):
    client = services.create_client(organization, owner, {"name": "A", "siret": "73282932000074"})
    (entry,) = history_for(organization.pk, "client", client.pk)
    assert entry.action == "create"
    assert entry.user == owner
    assert entry.changes["siret"] == {"old": None, "new": "73282932000074"}
    assert entry.changes["siren"] == {"old": None, "new": "732829320"}


def test_the_owner_must_be_a_member(organization, owner, outsider, member):
    with pytest.raises(ValidationFailed) as caught:
        services.create_client(organization, owner, {"name": "A", "owner": outsider.pk})
    assert codes(caught.value) == {"owner": "unknown_user"}
    client = services.create_client(organization, owner, {"name": "A", "owner": member.pk})
    assert client.owner == member
