"""Client addresses through the service layer: create, change, delete, the default billing
and delivery addresses, postcodes per country, tenancy and history."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from carnet.addresses import services
from carnet.addresses.models import Address
from carnet.clients import services as client_services
from carnet.core.errors import Conflict, NotFound, ValidationFailed
from carnet.core.history import history_for

HEAD_OFFICE = {
    "label": "Siège",
    "line1": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "is_billing": True,
}
WAREHOUSE = {
    "label": "Entrepôt",
    "line1": "4 rue Denis-Papin",
    "line2": "ZI des Bruyères",
    "postcode": "69800",
    "city": "Saint-Priest",
}


@pytest.fixture(autouse=True)
def french():
    """Messages are compared in French, whatever language an earlier test left active."""
    with translation.override("fr"):
        yield


@pytest.fixture
def company(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Menuiserie Girard"})


def errors(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors}


def messages(exc: ValidationFailed, field: str) -> list[str]:
    return [str(e.message) for e in exc.for_field(field)]


def addresses(client) -> list[tuple[str, bool, bool]]:
    return [
        (a.label, a.is_billing, a.is_delivery)
        for a in Address.objects.filter(client=client).order_by("id")
    ]


def history(organization, client) -> list[tuple[str, dict]]:
    return [(r.action, r.changes) for r in history_for(organization.pk, "client", client.pk)]


# --- Create -------------------------------------------------------------------------------
def test_it_creates_an_address_with_normalized_values(organization, owner, company):
    address = services.create_address(
        organization,
        owner,
        company.pk,
        {
            "label": "  Siège ",
            "line1": "12  rue de la\r\n  Paix",
            "line2": None,
            "postcode": " 75 002 ",
            "city": "Paris",
            "is_billing": "oui",
        },
    )

    address.refresh_from_db()
    assert address.client == company and address.organization == organization
    assert (address.label, address.line1, address.line2) == ("Siège", "12 rue de la Paix", "")
    assert (address.postcode, address.city, address.country) == ("75002", "Paris", "FR")
    assert address.is_billing and not address.is_delivery
    assert address.one_line() == "Siège : 12 rue de la Paix, 75002 Paris"


def test_the_country_defaults_to_the_clients(organization, owner):
    belgian = client_services.create_client(
        organization, owner, {"name": "Chocolaterie Lambrechts", "country": "BE"}
    )

    address = services.create_address(
        organization,
        owner,
        belgian.pk,
        {"line1": "Rue Neuve 45", "postcode": "1000", "city": "Bruxelles"},
    )

    assert address.country == "BE"
    assert address.one_line() == "Rue Neuve 45, 1000 Bruxelles, BE"


def test_it_requires_the_first_line_and_the_city(organization, owner, company):
    with pytest.raises(ValidationFailed) as caught:
        services.create_address(
            organization, owner, company.pk, {"line1": "  ", "postcode": "75002"}
        )

    assert errors(caught.value) == {"line1": "required", "city": "required"}
    assert messages(caught.value, "city") == ["La ville est obligatoire."]
    assert not Address.objects.exists()


def test_it_refuses_bad_values_field_by_field(organization, owner, company):
    with pytest.raises(ValidationFailed) as caught:
        services.create_address(
            organization,
            owner,
            company.pk,
            {
                "line1": "x" * 201,
                "line2": 12,
                "line3": "Bâtiment\x00B",
                "city": "Paris",
                "postcode": "75002",
                "country": "XX",
                "is_billing": "peut-être",
                "floor": "2",
            },
        )

    assert errors(caught.value) == {
        "line1": "too_long",
        "line2": "invalid_type",
        "line3": "invalid_character",
        "country": "invalid_country",
        "is_billing": "invalid_type",
        "floor": "unknown_field",
    }
    assert messages(caught.value, "line1") == ["200 caractères au maximum (201 saisis)."]
    assert not Address.objects.exists()


# --- Postcodes ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("FR", "69002", "69002"),
        ("FR", "06 000", "06000"),
        ("GP", "97100", "97100"),
        ("NL", "1015cj", "1015 CJ"),
        ("NL", "1015 - cj", "1015 CJ"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("US", "95014 1234", "95014-1234"),
        ("LU", "L-1637", "1637"),
        ("DE", "10117", "10117"),
        ("HK", "", ""),  # Hong Kong has no postcodes
    ],
)
def test_it_accepts_and_normalizes_postcodes_of_each_country(
    organization, owner, company, country, typed, stored
):
    address = services.create_address(
        organization,
        owner,
        company.pk,
        {"line1": "1 Main Street", "city": "Somewhere", "postcode": typed, "country": country},
    )

    assert address.postcode == stored


@pytest.mark.parametrize(
    ("country", "typed", "message"),
    [
        ("FR", "7500", "Le code postal doit compter 5 chiffres (par exemple 33380)."),
        ("FR", "750021", "Le code postal doit compter 5 chiffres (par exemple 33380)."),
        ("FR", "75OO2", "Le code postal doit compter 5 chiffres (par exemple 33380)."),
        ("GP", "75002", "Ce code postal n'est pas celui de ce territoire (par exemple 97100)."),
        (
            "NL",
            "0123 AB",
            "Ce code postal n'a pas le format attendu dans ce pays (par exemple 1234 AB).",
        ),
        (
            "BE",
            "10000",
            "Ce code postal n'a pas le format attendu dans ce pays (par exemple 4000).",
        ),
    ],
)
def test_it_refuses_a_postcode_in_the_wrong_format(
    organization, owner, company, country, typed, message
):
    with pytest.raises(ValidationFailed) as caught:
        services.create_address(
            organization,
            owner,
            company.pk,
            {"line1": "1 rue Haute", "city": "Ville", "postcode": typed, "country": country},
        )

    assert errors(caught.value) == {"postcode": "invalid_postcode"}
    assert messages(caught.value, "postcode") == [message]


def test_a_french_address_needs_a_postcode(organization, owner, company):
    with pytest.raises(ValidationFailed) as caught:
        services.create_address(
            organization, owner, company.pk, {"line1": "1 rue Haute", "city": "Lyon"}
        )

    assert errors(caught.value) == {"postcode": "required"}
    assert messages(caught.value, "postcode") == ["Le code postal est obligatoire dans ce pays."]


def test_a_postcode_is_not_checked_against_an_invalid_country(organization, owner, company):
    with pytest.raises(ValidationFailed) as caught:
        services.create_address(
            organization,
            owner,
            company.pk,
            {"line1": "1 rue Haute", "city": "Lyon", "country": "ZZ"},
        )

    assert errors(caught.value) == {"country": "invalid_country"}


# --- Update and delete --------------------------------------------------------------------
def test_it_changes_only_the_fields_given(organization, owner, company):
    address = services.create_address(organization, owner, company.pk, HEAD_OFFICE)

    changed = services.update_address(
        organization, owner, company.pk, address.pk, {"line2": "3e étage", "postcode": "75 009"}
    )

    changed.refresh_from_db()
    assert (changed.line1, changed.line2, changed.postcode) == (
        "12 rue de la Paix",
        "3e étage",
        "75009",
    )
    assert changed.is_billing


def test_a_change_is_validated_against_the_new_country(organization, owner, company):
    address = services.create_address(organization, owner, company.pk, HEAD_OFFICE)

    with pytest.raises(ValidationFailed) as caught:
        services.update_address(organization, owner, company.pk, address.pk, {"country": "NL"})

    assert errors(caught.value) == {"postcode": "invalid_postcode"}
    address.refresh_from_db()
    assert address.country == "FR"


def test_a_change_that_changes_nothing_is_not_recorded(organization, owner, company):
    address = services.create_address(organization, owner, company.pk, HEAD_OFFICE)

    services.update_address(
        organization, owner, company.pk, address.pk, {"city": " Paris ", "postcode": "75 002"}
    )

    assert [action for action, _ in history(organization, company)] == ["address_add", "create"]


def test_it_deletes_an_address(organization, owner, company):
    address = services.create_address(organization, owner, company.pk, HEAD_OFFICE)

    services.delete_address(organization, owner, company.pk, address.pk)

    assert not Address.objects.filter(pk=address.pk).exists()
    with pytest.raises(NotFound):
        services.delete_address(organization, owner, company.pk, address.pk)


def test_a_trashed_client_keeps_its_addresses_but_they_cannot_change(organization, owner, company):
    address = services.create_address(organization, owner, company.pk, HEAD_OFFICE)
    client_services.delete_client(organization, owner, company.pk)

    with pytest.raises(Conflict) as caught:
        services.update_address(organization, owner, company.pk, address.pk, {"city": "Lyon"})
    assert caught.value.code == "deleted"
    with pytest.raises(Conflict):
        services.create_address(organization, owner, company.pk, WAREHOUSE)
    assert Address.objects.filter(client=company).count() == 1

    client_services.purge_client(organization, owner, company.pk)
    assert not Address.objects.exists()


# --- Default billing and delivery addresses ------------------------------------------------
def test_giving_the_billing_flag_takes_it_from_the_address_that_had_it(
    organization, owner, company
):
    head_office = services.create_address(organization, owner, company.pk, HEAD_OFFICE)
    warehouse = services.create_address(
        organization, owner, company.pk, {**WAREHOUSE, "is_delivery": True}
    )

    services.update_address(organization, owner, company.pk, warehouse.pk, {"is_billing": True})
    assert addresses(company) == [("Siège", False, False), ("Entrepôt", True, True)]

    services.update_address(organization, owner, company.pk, head_office.pk, {"is_delivery": True})
    assert addresses(company) == [("Siège", False, True), ("Entrepôt", True, False)]

    third = services.create_address(
        organization,
        owner,
        company.pk,
        {
            "label": "Atelier",
            "line1": "8 rue des Artisans",
            "postcode": "69003",
            "city": "Lyon",
            "is_billing": True,
            "is_delivery": True,
        },
    )
    assert addresses(company) == [
        ("Siège", False, False),
        ("Entrepôt", False, False),
        ("Atelier", True, True),
    ]
    assert [a.pk for a in Address.objects.filter(client=company)][0] == third.pk


def test_removing_or_deleting_the_holder_leaves_no_default(organization, owner, company):
    head_office = services.create_address(organization, owner, company.pk, HEAD_OFFICE)
    warehouse = services.create_address(
        organization, owner, company.pk, {**WAREHOUSE, "is_delivery": True}
    )

    services.update_address(organization, owner, company.pk, head_office.pk, {"is_billing": False})
    services.delete_address(organization, owner, company.pk, warehouse.pk)

    assert addresses(company) == [("Siège", False, False)]


def test_the_flags_of_one_client_do_not_touch_another_clients(organization, owner, company):
    other = client_services.create_client(organization, owner, {"name": "Garage Perrin"})
    services.create_address(organization, owner, company.pk, HEAD_OFFICE)

    services.create_address(organization, owner, other.pk, HEAD_OFFICE)

    assert addresses(company) == [("Siège", True, False)]
    assert addresses(other) == [("Siège", True, False)]


def test_the_database_refuses_a_second_billing_address(organization, owner, company):
    services.create_address(organization, owner, company.pk, HEAD_OFFICE)

    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(
            organization=organization,
            client=company,
            line1="1 rue Basse",
            city="Lyon",
            is_billing=True,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.filter(client=company).update(is_delivery=True)
        Address.objects.create(
            organization=organization,
            client=company,
            line1="1 rue Basse",
            city="Lyon",
            is_delivery=True,
        )
    assert addresses(company) == [("Siège", True, False)]


# --- Tenancy ------------------------------------------------------------------------------
def test_another_organizations_client_or_address_is_not_found(
    organization, owner, company, other_organization, outsider
):
    address = services.create_address(organization, owner, company.pk, HEAD_OFFICE)
    theirs = client_services.create_client(other_organization, outsider, {"name": "Martin SARL"})
    their_address = services.create_address(other_organization, outsider, theirs.pk, WAREHOUSE)

    attempts = [
        lambda: services.create_address(other_organization, outsider, company.pk, WAREHOUSE),
        lambda: services.update_address(
            other_organization, outsider, company.pk, address.pk, {"city": "Lyon"}
        ),
        lambda: services.delete_address(other_organization, outsider, company.pk, address.pk),
        lambda: services.get_address(other_organization, company.pk, address.pk),
        # Their own client with our address id, and our client with their address id.
        lambda: services.update_address(
            other_organization, outsider, theirs.pk, address.pk, {"city": "Lyon"}
        ),
        lambda: services.delete_address(organization, owner, company.pk, their_address.pk),
        lambda: services.get_address(organization, company.pk, "abc"),
        lambda: services.get_address(organization, company.pk, 2**70),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()

    address.refresh_from_db()
    assert address.city == "Paris"
    assert Address.objects.filter(client=company).count() == 1
    assert Address.objects.filter(client=theirs).count() == 1


def test_an_address_of_another_client_is_not_found(organization, owner, company):
    other = client_services.create_client(organization, owner, {"name": "Garage Perrin"})
    address = services.create_address(organization, owner, other.pk, HEAD_OFFICE)

    with pytest.raises(NotFound):
        services.update_address(organization, owner, company.pk, address.pk, {"city": "Lyon"})


# --- History ------------------------------------------------------------------------------
def test_every_change_is_in_the_clients_history(organization, owner, member, company):
    head_office = services.create_address(
        organization, owner, company.pk, HEAD_OFFICE, source="api"
    )
    warehouse = services.create_address(organization, member, company.pk, WAREHOUSE)
    services.update_address(
        organization, member, company.pk, warehouse.pk, {"is_billing": True, "is_delivery": True}
    )
    services.update_address(
        organization, owner, company.pk, head_office.pk, {"line1": "14 rue de la Paix"}
    )
    services.delete_address(organization, owner, company.pk, warehouse.pk)

    records = list(history_for(organization.pk, "client", company.pk))
    assert [(r.action, r.user) for r in records] == [
        ("address_delete", owner),
        ("address_change", owner),
        ("address_change", member),
        ("address_add", member),
        ("address_add", owner),
        ("create", owner),
    ]
    assert records[4].source == "api"
    head = "Siège : 12 rue de la Paix, 75002 Paris"
    store = "Entrepôt : 4 rue Denis-Papin, ZI des Bruyères, 69800 Saint-Priest"
    assert [r.changes for r in records[:5]] == [
        {
            "address": {"old": store, "new": None},
            "billing_address": {"old": store, "new": None},
            "delivery_address": {"old": store, "new": None},
        },
        {"address": {"old": head, "new": "Siège : 14 rue de la Paix, 75002 Paris"}},
        {
            "billing_address": {"old": head, "new": store},
            "delivery_address": {"old": None, "new": store},
        },
        {"address": {"old": None, "new": store}},
        {"address": {"old": None, "new": head}, "billing_address": {"old": None, "new": head}},
    ]
    assert company.addresses.count() == 1


# --- Map link -----------------------------------------------------------------------------
def test_the_map_link_searches_openstreetmap_for_the_whole_address(organization, owner, company):
    address = services.create_address(
        organization, owner, company.pk, {**WAREHOUSE, "line3": "Quai n° 3"}
    )

    url = urlsplit(services.map_url(address))

    assert (url.scheme, url.netloc, url.path) == ("https", "www.openstreetmap.org", "/search")
    assert parse_qs(url.query) == {
        "query": ["4 rue Denis-Papin, ZI des Bruyères, Quai n° 3, 69800 Saint-Priest, France"]
    }
