"""``carnet demo``: the demo organization, loaded once, varied and valid."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import authenticate
from stdnum.eu import vat as eu_vat
from stdnum.fr import siret as fr_siret

from carnet import demo
from carnet.accounts.models import Organization
from carnet.addresses.models import Address
from carnet.addresses.validation import clean_postcode
from carnet.cli import main
from carnet.clients.models import Client
from carnet.contacts.models import ClientContact, Contact
from carnet.core.identifiers import clean_siret, clean_vat_number, french_vat_from_siren
from carnet.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(capsys: Any) -> tuple[Organization, str]:
    code = main(["demo"])
    out = capsys.readouterr().out
    assert code == 0
    return Organization.objects.get(slug=demo.DEMO_SLUG), out


def live_clients(organization: Organization) -> Any:
    return Client.objects.filter(organization=organization, deleted_at__isnull=True)


def test_it_loads_at_least_fifty_clients_and_prints_the_login(
    loaded: tuple[Organization, str],
) -> None:
    organization, out = loaded

    count = live_clients(organization).count()
    assert count >= 50
    assert f"créée avec {count} clients" in out
    assert "Identifiant : demo@carnet.local" in out
    assert "Mot de passe : demo-carnet" in out
    assert authenticate(email=demo.DEMO_EMAIL, password=demo.DEMO_PASSWORD) is not None


def test_it_loads_the_demo_only_once(loaded: tuple[Organization, str], capsys: Any) -> None:
    organization, _out = loaded
    before = Client.objects.filter(organization=organization).count()

    code = main(["demo"])

    assert code == 0
    out = capsys.readouterr().out
    assert "existe déjà : rien à faire" in out
    assert "Mot de passe : demo-carnet" in out
    assert Client.objects.filter(organization=organization).count() == before
    assert Organization.objects.filter(slug=demo.DEMO_SLUG).count() == 1


def test_it_leaves_an_existing_demo_organization_alone(capsys: Any) -> None:
    from carnet.accounts.services import create_organization

    create_organization(slug="demo", name="Ma démo", admin_email="moi@exemple.fr")

    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "« Ma démo » existe déjà" in out
    assert "demo-carnet" not in out
    assert not Client.objects.exists()


def test_it_mixes_kinds_countries_and_vat_regimes(loaded: tuple[Organization, str]) -> None:
    clients = list(live_clients(loaded[0]))

    kinds = Counter(c.kind for c in clients)
    assert kinds["individual"] >= 10 and kinds["company"] >= 30
    regimes = Counter(c.vat_regime for c in clients if c.kind == "company")
    assert regimes["standard"] >= 20
    assert regimes["reverse_charge"] >= 8
    assert regimes["export"] >= 5
    countries = {c.country for c in clients}
    assert {"FR", "BE", "DE", "IT", "ES", "NL", "US", "CH", "GB", "CA", "JP"} <= countries
    legal_forms = {c.legal_form for c in clients if c.country == "FR"}
    assert {"SARL", "SAS", "SASU", "EURL", "SA"} <= legal_forms
    individuals = [c for c in clients if c.kind == "individual"]
    assert all(c.civility in ("mr", "mrs") and c.first_name and c.last_name for c in individuals)
    assert all(c.name == f"{c.first_name} {c.last_name}" for c in individuals)


def test_every_identifier_is_valid(loaded: tuple[Organization, str]) -> None:
    clients = list(Client.objects.filter(organization=loaded[0]))
    french = [c for c in clients if c.siret]

    assert len(french) >= 25
    for client in french:
        assert fr_siret.is_valid(client.siret)
        assert clean_siret(client.siret) == client.siret
        assert client.siren == client.siret[:9]
        if client.vat_number:
            assert client.vat_number == french_vat_from_siren(client.siren)
        if client.rcs:
            assert client.rcs.endswith(f"{client.siren[:3]} {client.siren[3:6]} {client.siren[6:]}")
    assert len({c.siret for c in french}) == len(french)
    foreign_vat = [c for c in clients if c.vat_number and c.country != "FR"]
    assert len(foreign_vat) >= 8
    for client in foreign_vat:
        assert eu_vat.is_valid(client.vat_number)
        assert clean_vat_number(client.vat_number) == client.vat_number
        assert client.vat_regime == "reverse_charge"
    assert all(c.phone.startswith("+") or c.mobile.startswith("+") for c in clients)
    emails = [c.email.lower() for c in clients if c.email]
    assert len(emails) >= len(clients) - 2
    assert len(set(emails)) == len(emails)


def test_it_has_archived_clients_a_trash_tags_and_history(
    loaded: tuple[Organization, str],
) -> None:
    organization = loaded[0]
    clients = Client.objects.filter(organization=organization)

    assert live_clients(organization).filter(archived=True).count() >= 5
    assert clients.filter(deleted_at__isnull=False).count() >= 1
    assert clients.filter(tags__isnull=False).distinct().count() >= 20
    assert clients.filter(category__isnull=False).count() == clients.count()
    assert clients.filter(owner__isnull=False).count() >= 20
    actions = Counter(
        ChangeRecord.objects.filter(
            organization_id=organization.pk, object_type="client"
        ).values_list("action", flat=True)
    )
    assert actions["create"] == clients.count()
    assert actions["update"] >= 5 and actions["archive"] >= 5 and actions["delete"] >= 1
    renamed = clients.get(name="Nuage Numérique Solutions")
    change = ChangeRecord.objects.get(object_id=renamed.pk, action="update")
    assert change.changes["name"] == {"old": "Nuage Numérique", "new": "Nuage Numérique Solutions"}


def test_clients_have_values_for_the_demo_custom_fields(loaded: tuple[Organization, str]) -> None:
    from carnet.customfields.models import CustomField, CustomFieldValue

    organization = loaded[0]
    fields = {f.slug: f for f in CustomField.objects.filter(organization=organization)}
    assert set(fields) == {"niveau_service", "fin_contrat", "nombre_sites", "client_signe"}
    clients = list(Client.objects.filter(organization=organization))
    with_level = [c for c in clients if "niveau_service" in c.custom_fields]
    assert len(with_level) >= 0.4 * len(clients)
    assert {c.custom_fields["niveau_service"] for c in with_level} == {"Bronze", "Argent", "Or"}
    assert all("fin_contrat" in c.custom_fields for c in with_level)
    assert sum("client_signe" in c.custom_fields for c in clients) >= 0.7 * len(clients)
    indexed = CustomFieldValue.objects.filter(organization=organization)
    assert indexed.filter(field=fields["niveau_service"]).count() == len(with_level)


def test_most_clients_have_a_billing_address_in_their_country(
    loaded: tuple[Organization, str],
) -> None:
    clients = list(Client.objects.filter(organization=loaded[0]))
    addresses = list(Address.objects.filter(organization=loaded[0]))
    billing = {a.client_id: a for a in addresses if a.is_billing}

    assert len(billing) >= 0.8 * len(clients)
    assert sum(a.is_delivery and not a.is_billing for a in addresses) >= 8
    for client in clients:
        if client.pk in billing:
            assert billing[client.pk].country == client.country, client.name
    for address in addresses:
        assert address.line1 and address.city
        assert clean_postcode(address.postcode, address.country) == address.postcode
    french = [a for a in addresses if a.country == "FR"]
    assert len({a.city for a in french}) >= 15
    assert all(len(a.postcode) == 5 and a.postcode.isdigit() for a in french)
    actions = Counter(
        ChangeRecord.objects.filter(organization_id=loaded[0].pk).values_list("action", flat=True)
    )
    assert actions["address_add"] == len(addresses) and actions["address_change"] >= 1


def test_the_demo_addresses_are_the_same_every_time(loaded: tuple[Organization, str]) -> None:
    # Addresses are seeded by the name at creation: leave out the renamed and the moved.
    changed_later = {
        "Nuage Numérique Solutions",
        "Transports Girard Logistique",
        "Cabinet Rousseau Expertise Comptable",
    }
    clients = Client.objects.filter(organization=loaded[0]).exclude(name__in=changed_later)
    for client in clients.select_related("category"):
        stored = Address.objects.filter(client=client).values_list("line1", "city")
        assert sorted(stored) == sorted(
            (a["line1"], a["city"]) for a in demo.demo_addresses(client)
        ), client.name


def test_companies_have_contacts_with_roles_and_individuals_none(
    loaded: tuple[Organization, str],
) -> None:
    organization = loaded[0]
    companies = list(live_clients(organization).filter(kind="company"))
    links = ClientContact.objects.filter(organization=organization).select_related("contact")
    by_client = Counter(link.client_id for link in links)

    assert all(1 <= by_client[c.pk] <= 4 for c in companies)
    assert not links.filter(client__kind="individual").exists()
    mains = {link.client_id for link in links if link.is_main}
    assert len(mains & {c.pk for c in companies}) >= 0.9 * len(companies)
    billing = {link.client_id for link in links if link.is_billing}
    assert len(billing & {c.pk for c in companies}) > len(companies) / 2
    assert any(link.is_dunning for link in links)
    assert any(link.favorite for link in links)
    # An accountant serving several companies.
    shared = Counter(link.contact_id for link in links)
    assert max(shared.values()) >= 2
    contacts = Contact.objects.filter(organization=organization)
    assert all(c.first_name and c.last_name and c.job_title and c.phone for c in contacts)
    assert all(c.phone.startswith("+") for c in contacts)
    assert contacts.filter(job_title="Comptable").exists()
    # E-mails at the company's domain.
    for link in links.filter(client__website__startswith="https://www."):
        domain = link.client.website.removeprefix("https://www.")
        if link.contact.email:
            assert link.contact.email.endswith(f"@{domain}") or link.contact.links.count() > 1
    actions = Counter(
        ChangeRecord.objects.filter(organization_id=organization.pk).values_list(
            "action", flat=True
        )
    )
    assert sum(n for action, n in actions.items() if "contact" in action) >= len(links)


def test_the_demo_contacts_are_the_same_every_time(loaded: tuple[Organization, str]) -> None:
    client = Client.objects.get(organization=loaded[0], name="Boulangerie Lemoine")
    assert demo.demo_contacts(client) == demo.demo_contacts(client)
    stored = {
        (link.contact.last_name, link.contact.job_title)
        for link in ClientContact.objects.filter(client=client).select_related("contact")
    }
    generated = {
        (data["last_name"], data["job_title"]) for data, _r, _f in demo.demo_contacts(client)
    }
    assert generated <= stored


def test_the_demo_data_is_the_same_every_time() -> None:
    first = demo.demo_clients(random.Random(demo.SEED))
    second = demo.demo_clients(random.Random(demo.SEED))

    assert first == second
    assert len(first) >= 60
    assert len({c["name"] for c in first if "name" in c}) == len([c for c in first if "name" in c])


def test_the_demo_categories_are_in_groups(loaded: tuple[Organization, str]) -> None:
    from carnet.clients.models import Category

    organization, _output = loaded
    grouped = dict(
        Category.objects.filter(organization=organization).values_list("name", "group__name")
    )
    assert grouped["Commerces"] == "Secteur"
    assert grouped["Particuliers"] == "Type de client"
    assert None not in grouped.values()
