"""The demo organization loaded by ``carnet demo`` (and ``make run``).

About eighty clients of a fictional French business: French companies of every common
legal form, companies elsewhere in the EU (reverse charge) and outside it (export), and
private persons; with tags, categories, custom fields, owners, a few archived or in the
trash, and a history of changes. Every client is created through ``clients.services``,
like any other.

The names are invented. Identifiers are generated, not copied from real companies, and
carry valid check digits: SIREN and SIRET pass the Luhn check, French VAT numbers are
derived from the SIREN, and other EU VAT numbers pass their country's checksum as
implemented by python-stdnum. A fixed random seed makes every load identical.

Addresses are real streets with their real postcodes: French companies have a head
office (billing) in the city of their commercial court, some a warehouse or workshop for
deliveries; companies abroad have addresses in their country's format; most private
persons a home address. They are created through ``addresses.services``, and generated
from a random seed per client, so the same client always gets the same addresses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from django.db import transaction
from stdnum import luhn
from stdnum.eu import vat as eu_vat

from carnet.accounts.models import Membership, Organization, Role, User
from carnet.accounts.services import add_member, create_organization
from carnet.addresses.models import Address
from carnet.addresses.services import create_address, update_address
from carnet.clients.models import Category, Client
from carnet.clients.services import (
    archive_client,
    create_category_group,
    create_client,
    delete_client,
    update_category,
    update_client,
)
from carnet.contacts.services import create_contact_for_client, link_contact
from carnet.core.identifiers import french_vat_from_siren
from carnet.core.text import fold
from carnet.customfields.services import create_custom_field
from carnet.sales.demo import load_demo_sales

DEMO_SLUG = "demo"
DEMO_NAME = "Démo Carnet"
DEMO_EMAIL = "demo@carnet.local"
DEMO_PASSWORD = "demo-carnet"
SALES_EMAIL = "commercial@carnet.local"
SEED = 1789
SOURCE = "demo"


@dataclass(frozen=True)
class DemoResult:
    created: bool
    organization: Organization
    client_count: int
    # Whether DEMO_EMAIL can log in to it (false when "demo" was created some other way).
    has_demo_login: bool


def load_demo() -> DemoResult:
    """Create the demo organization and its clients, unless it already exists."""
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        has_login = Membership.objects.filter(
            organization=existing, user__email=DEMO_EMAIL
        ).exists()
        return DemoResult(False, existing, _live_clients(existing), has_login)
    with transaction.atomic():
        organization, admin = create_organization(
            slug=DEMO_SLUG, name=DEMO_NAME, admin_email=DEMO_EMAIL, admin_password=DEMO_PASSWORD
        )
        sales = add_member(
            organization, email=SALES_EMAIL, password=DEMO_PASSWORD, role=Role.MEMBER
        ).user
        rng = random.Random(SEED)
        owners = [admin, sales, None]
        clients: dict[str, Client] = {}
        for definition in DEMO_CUSTOM_FIELDS:
            create_custom_field(organization, admin, definition, source=SOURCE)
        for data in demo_clients(rng):
            owner = rng.choice(owners)
            if owner is not None:
                data["owner"] = owner.pk
            data["custom_fields"] = demo_custom_values(data)
            client = create_client(organization, admin, data, source=SOURCE)
            clients[client.name] = client
            for address in demo_addresses(client):
                create_address(organization, admin, client.pk, address, source=SOURCE)
        _add_contacts(organization, admin, clients)
        _group_categories(organization, admin)
        _live_a_little(organization, admin, sales, clients)
        with_sales = [
            client
            for client in Client.objects.filter(
                organization=organization, deleted_at__isnull=True
            ).order_by("id")
        ][:18]
        load_demo_sales(organization, admin, with_sales, seed=SEED)
    return DemoResult(True, organization, _live_clients(organization), True)


# Category groups of the demo: the categories the clients received, in two groups.
DEMO_CATEGORY_GROUPS = {
    "Secteur": ("Artisans", "Commerces", "Industrie", "Services"),
    "Type de client": ("Grands comptes", "International", "Particuliers"),
}


def _group_categories(organization: Organization, admin: User) -> None:
    for group_name, names in DEMO_CATEGORY_GROUPS.items():
        group = create_category_group(organization, admin, group_name, source=SOURCE)
        for category in Category.objects.filter(organization=organization, name__in=names):
            update_category(organization, admin, category.pk, {"group": group.pk}, source=SOURCE)


def _live_clients(organization: Organization) -> int:
    return Client.objects.filter(organization=organization, deleted_at__isnull=True).count()


def _live_a_little(
    organization: Organization, admin: User, sales: User, clients: dict[str, Client]
) -> None:
    """Changes after creation, so that records have a history and the lists have
    archived clients and a trash."""

    def update(name: str, user: User, data: dict[str, Any]) -> None:
        client = clients[name]
        clients[name] = update_client(
            organization, user, client.pk, data, expected_version=client.version, source=SOURCE
        )

    update("Nuage Numérique", admin, {"name": "Nuage Numérique Solutions", "employee_count": 48})
    update("Transports Girard Logistique", sales, {"phone": "04 78 61 22 40"})
    update(
        "Brasserie du Vieux Port",
        sales,
        {"notes": "Nouveau gérant depuis mars. Livraison le mardi avant 10 h."},
    )
    update("Imprimerie Gauthier", admin, {"share_capital": "650000", "employee_count": 71})
    update("Rossi Arredamenti S.r.l.", sales, {"tags": ["Export", "Fidèle", "Salon du meuble"]})
    update("Camille Dubois", admin, {"email": "camille.dubois@laposte.net"})
    update("Keller Präzisionstechnik AG", admin, {"category": "Grands comptes"})

    # A new delivery platform takes the delivery flag from the old warehouse, and an
    # office moves down the street: both show in the records' history.
    create_address(
        organization,
        sales,
        clients["Transports Girard Logistique"].pk,
        {
            "label": "Plateforme de Vénissieux",
            "line1": "27 boulevard Joliot-Curie",
            "line2": "Quai 4",
            "postcode": "69200",
            "city": "Vénissieux",
            "is_delivery": True,
        },
        source=SOURCE,
    )
    office = Address.objects.get(
        client=clients["Cabinet Rousseau Expertise Comptable"], is_billing=True
    )
    update_address(
        organization,
        admin,
        office.client_id,
        office.pk,
        {"line1": "8 rue Crébillon", "line2": "2e étage", "postcode": "44000", "city": "Nantes"},
        source=SOURCE,
    )

    for name in (
        "Salon Élégance Coiffure",
        "Épicerie Fine Dumont",
        "Films de la Garance",
        "Harbor & Pine Coffee Co.",
        "Nowak Meble sp. z o.o.",
        "Yannick Le Gall",
        "Nathalie Fournier",
    ):
        archive_client(organization, admin, clients[name].pk, source=SOURCE)
    for name in ("Lumière & Pixel Studio", "Hugo Benali"):
        delete_client(organization, sales, clients[name].pk, source=SOURCE)


# --- Custom fields -----------------------------------------------------------------------
DEMO_CUSTOM_FIELDS: list[dict[str, Any]] = [
    {
        "name": "Niveau de service",
        "slug": "niveau_service",
        "type": "choice",
        "choices": ["Bronze", "Argent", "Or"],
    },
    {"name": "Fin de contrat", "slug": "fin_contrat", "type": "date"},
    {"name": "Nombre de sites", "slug": "nombre_sites", "type": "integer"},
    {"name": "Client signé", "slug": "client_signe", "type": "boolean"},
]


def demo_custom_values(data: dict[str, Any]) -> dict[str, Any]:
    """Custom values for one demo client, seeded by its name (so that they do not depend
    on the order of creation): a service level and contract end for most companies,
    their number of sites, and whether the client has signed."""
    label = data.get("name") or f"{data.get('first_name', '')} {data.get('last_name', '')}"
    rng = random.Random(f"{SEED}:custom:{label}")
    values: dict[str, Any] = {}
    if data.get("kind", "company") == "company":
        if rng.random() < 0.75:
            values["niveau_service"] = rng.choices(["Bronze", "Argent", "Or"], [5, 3, 2])[0]
            year, month = rng.choice([2026, 2027, 2028]), rng.randint(1, 12)
            day = 28 if month == 2 else 30  # contracts end at the end of a month
            values["fin_contrat"] = f"{year}-{month:02d}-{day}"
        if rng.random() < 0.6:
            employees = data.get("employee_count") or 5
            values["nombre_sites"] = rng.randint(1, max(1, min(12, employees // 15 + 1)))
    if rng.random() < 0.85:
        values["client_signe"] = rng.random() < 0.7
    return values


# --- The clients -------------------------------------------------------------------------
def demo_clients(rng: random.Random) -> list[dict[str, Any]]:
    """Input for ``create_client``, in creation order."""
    used_sirens: set[str] = set()
    clients = (
        [_french_company(rng, row, used_sirens) for row in FRENCH_COMPANIES]
        + [_eu_company(rng, row) for row in EU_COMPANIES]
        + [_foreign_company(rng, row) for row in NON_EU_COMPANIES]
        + _individuals(rng)
    )
    rng.shuffle(clients)
    return clients


# name, legal form, NAF code, sector, RCS registry (None: not registered), employees,
# share capital (None: no capital), website domain, category
FRENCH_COMPANIES: list[tuple[str, str, str, str, str | None, int, int | None, str, str]] = [
    ("Boulangerie Lemoine", "SARL", "10.71C", "Boulangerie-pâtisserie", "Tours", 6, 8000,
     "boulangerie-lemoine.fr", "Commerces"),
    ("Menuiserie Fabre & Fils", "SARL", "16.23Z", "Menuiserie", "Annecy", 12, 30000,
     "menuiserie-fabre.fr", "Artisans"),
    ("Transports Girard Logistique", "SAS", "49.41A", "Transport routier de marchandises",
     "Lyon", 85, 250000, "girard-logistique.fr", "Grands comptes"),
    ("Garage Perrin Automobiles", "SARL", "45.20A", "Réparation automobile", "Dijon", 9, 15000,
     "garage-perrin.fr", "Artisans"),
    ("Cabinet Rousseau Expertise Comptable", "SAS", "69.20Z", "Expertise comptable", "Nantes",
     18, 50000, "rousseau-expertise.fr", "Services"),
    ("Atelier Morel Architecture", "SARL", "71.11Z", "Architecture", "Bordeaux", 5, 10000,
     "atelier-morel.fr", "Services"),
    ("Nuage Numérique", "SAS", "62.01Z", "Développement de logiciels", "Paris", 42, 120000,
     "nuage-numerique.fr", "Services"),
    ("Lumière & Pixel Studio", "SASU", "74.10Z", "Design graphique", "Lille", 1, 1000,
     "lumiere-pixel.fr", "Services"),
    ("Brasserie du Vieux Port", "SARL", "56.10A", "Restauration", "Marseille", 14, 20000,
     "brasserie-vieuxport.fr", "Commerces"),
    ("Hôtel Les Tilleuls", "SAS", "55.10Z", "Hôtellerie", "La Rochelle", 11, 80000,
     "hotel-lestilleuls.fr", "Commerces"),
    ("Domaine Chevalier-Bonnet", "SCEA", "01.21Z", "Viticulture", "Dijon", 7, 150000,
     "domaine-chevalier-bonnet.fr", "Industrie"),
    ("Électricité Bernard", "EURL", "43.21A", "Électricité générale", "Rennes", 4, 5000,
     "electricite-bernard.fr", "Artisans"),
    ("Plomberie Chauffage Roux", "EI", "43.22A", "Plomberie et chauffage", None, 1, None,
     "plomberie-roux.fr", "Artisans"),
    ("Fleurs de Saison", "EURL", "47.76Z", "Fleuriste", "Montpellier", 3, 3000,
     "fleursdesaison-montpellier.fr", "Commerces"),
    ("Conseil Mercier & Associés", "SAS", "70.22Z", "Conseil en gestion", "Paris", 23, 40000,
     "mercier-associes.fr", "Services"),
    ("Imprimerie Gauthier", "SA", "18.12Z", "Imprimerie", "Clermont-Ferrand", 64, 500000,
     "imprimerie-gauthier.fr", "Industrie"),
    ("Mécanique de Précision Vidal", "SAS", "25.62B", "Mécanique industrielle", "Grenoble", 120,
     1200000, "vidal-mecanique.fr", "Grands comptes"),
    ("Éditions Marelle & Plume", "SARL", "58.11Z", "Édition de livres", "Paris", 8, 25000,
     "marelle-plume.fr", "Services"),
    ("Agence Horizon Immobilier", "SARL", "68.31Z", "Agence immobilière", "Nice", 6, 10000,
     "horizon-immobilier-nice.fr", "Services"),
    ("Cap Savoirs Formation", "SAS", "85.59A", "Formation professionnelle", "Montpellier", 15,
     30000, "capsavoirs-formation.fr", "Services"),
    ("Propreté Lambert Services", "SAS", "81.21Z", "Nettoyage de locaux", "Lille", 230, 100000,
     "proprete-lambert.fr", "Grands comptes"),
    ("Cave des Coteaux Caron", "SARL", "46.34Z", "Négoce de vins", "Bordeaux", 9, 60000,
     "cave-caron.fr", "Commerces"),
    ("Salon Élégance Coiffure", "EURL", "96.02A", "Coiffure", "Angers", 4, 2000,
     "elegance-coiffure-angers.fr", "Commerces"),
    ("Épicerie Fine Dumont", "SASU", "47.29Z", "Épicerie fine", "Lyon", 2, 5000,
     "epicerie-dumont.fr", "Commerces"),
    ("Bâtiments Renaud Construction", "SAS", "41.20A", "Construction de maisons", "Toulouse",
     48, 300000, "renaud-construction.fr", "Industrie"),
    ("Films de la Garance", "SARL", "59.11C", "Production de films", "Paris", 5, 7500,
     "filmsdelagarance.fr", "Services"),
    ("Clinique Dentaire des Remparts", "SELARL", "86.23Z", "Chirurgie dentaire", "Besançon", 9,
     20000, "dentaire-remparts.fr", "Services"),
    ("Publicité Arc-en-Ciel", "SAS", "73.11Z", "Agence de publicité", "Rouen", 11, 37000,
     "arcenciel-pub.fr", "Services"),
    ("Maintenance Industrielle Faure", "SARL", "33.12Z", "Maintenance de machines",
     "Strasbourg", 27, 75000, "faure-maintenance.fr", "Industrie"),
    ("Dubois Participations", "SAS", "64.20Z", "Société holding", "Paris", 0, 2000000,
     "dubois-participations.fr", "Grands comptes"),
    ("SCI Les Marronniers", "SCI", "68.20B", "Location immobilière", "Nantes", 0, 1000,
     "", "Services"),
    ("Association Sportive des Coteaux", "Association", "93.12Z", "Club de sport", None, 2,
     None, "as-coteaux.fr", "Services"),
    ("Chevalier et Garnier Informatique", "SNC", "47.41Z", "Vente de matériel informatique",
     "Rennes", 3, 2000, "chevalier-garnier.fr", "Commerces"),
]  # fmt: skip

# Landline prefixes of the regions around each commercial court's city.
REGION_PREFIX = {
    "Paris": "1", "Lille": "3", "Strasbourg": "3", "Dijon": "3", "Besançon": "3",
    "Tours": "2", "Nantes": "2", "Rennes": "2", "Rouen": "2", "Angers": "2",
    "Lyon": "4", "Marseille": "4", "Nice": "4", "Montpellier": "4", "Grenoble": "4",
    "Annecy": "4", "Clermont-Ferrand": "4", "Bordeaux": "5", "Toulouse": "5",
    "La Rochelle": "5",
}  # fmt: skip

# country, name, legal form, sector, website domain, whether its VAT number is known
EU_COMPANIES: list[tuple[str, str, str, str, str, bool]] = [
    ("BE", "Chocolaterie Lambrechts", "SRL", "Chocolaterie", "lambrechts-chocolat.be", True),
    ("BE", "Verhaegen Logistics", "BV", "Logistique", "verhaegen-logistics.be", True),
    ("DE", "Weber & Lang Verpackungen GmbH", "GmbH", "Emballages", "weber-lang.de", True),
    ("DE", "Bäckerei Hoffmann", "KG", "Boulangerie", "baeckerei-hoffmann.de", False),
    ("IT", "Rossi Arredamenti S.r.l.", "S.r.l.", "Ameublement", "rossiarredamenti.it", True),
    ("ES", "Construcciones Navarro S.L.", "S.L.", "Construction", "navarro-construcciones.es",
     True),
    ("NL", "De Vries Bloembollen B.V.", "B.V.", "Horticulture", "devries-bloembollen.nl", True),
    ("PT", "Ferreira & Filhos, Lda.", "Lda.", "Liège et bouchons", "ferreira-filhos.pt", True),
    ("AT", "Huber Holzbau GmbH", "GmbH", "Construction bois", "huber-holzbau.at", True),
    ("IE", "O'Sullivan Software Ltd", "Ltd", "Logiciels", "osullivan-software.ie", True),
    ("LU", "Schmit Conseil S.à r.l.", "S.à r.l.", "Conseil", "schmit-conseil.lu", True),
    ("PL", "Nowak Meble sp. z o.o.", "sp. z o.o.", "Meubles", "nowak-meble.pl", True),
    ("SE", "Lindqvist Design AB", "AB", "Design", "lindqvist-design.se", True),
    ("GR", "Kritikos Olive Oil S.A.", "S.A.", "Huile d'olive", "kritikos-oliveoil.gr", True),
]  # fmt: skip

# EU VAT numbers: prefix, count of random digits, the check characters to try, suffix.
# The check character is found by asking python-stdnum which candidate is valid.
_DIGITS = "0123456789"
VAT_SHAPES: dict[str, tuple[str, int, list[str], str]] = {
    "BE": ("BE0", 7, [f"{n:02d}" for n in range(100)], ""),
    "DE": ("DE", 8, list(_DIGITS), ""),
    "IT": ("IT", 7, [f"058{d}" for d in _DIGITS], ""),  # 058: the tax office code
    "ES": ("ESB", 7, list(_DIGITS + "ABCDEFGHIJ"), ""),
    "NL": ("NL", 8, list(_DIGITS), "B01"),
    "PT": ("PT5", 7, list(_DIGITS), ""),
    "AT": ("ATU", 7, list(_DIGITS), ""),
    "IE": ("IE", 7, list("ABCDEFGHIJKLMNOPQRSTUVW"), ""),
    "LU": ("LU", 6, [f"{n:02d}" for n in range(100)], ""),
    "PL": ("PL", 9, list(_DIGITS), ""),
    "SE": ("SE556", 6, list(_DIGITS), "01"),
    "GR": ("EL", 8, list(_DIGITS), ""),
}

# country, name, legal form, sector, website domain
NON_EU_COMPANIES: list[tuple[str, str, str, str, str]] = [
    ("US", "Bluebird Outdoor Gear Inc.", "Inc.", "Articles de sport", "bluebird-outdoor.com"),
    ("US", "Harbor & Pine Coffee Co.", "LLC", "Torréfaction", "harborandpine.com"),
    ("CH", "Keller Präzisionstechnik AG", "AG", "Horlogerie et précision", "keller-praezision.ch"),
    ("CH", "Fromagerie Rochat Sàrl", "Sàrl", "Fromagerie", "fromagerie-rochat.ch"),
    ("GB", "Whitmore & Sons Ltd", "Ltd", "Négoce de thé", "whitmore-sons.co.uk"),
    ("CA", "Érablière Boréale Inc.", "Inc.", "Produits de l'érable", "erabliere-boreale.ca"),
    ("JP", "Sakura Trading K.K.", "K.K.", "Import-export", "sakura-trading.co.jp"),
    ("NO", "Fjordlys AS", "AS", "Éclairage", "fjordlys.no"),
    ("MA", "Atlas Textiles SARL", "SARL", "Textile", "atlas-textiles.ma"),
    ("AU", "Southern Cross Wines Pty Ltd", "Pty Ltd", "Vins", "southerncrosswines.com.au"),
]

FEMALE_FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Jeanne", "Louise", "Émilie",
    "Nathalie", "Isabelle", "Sophie", "Hélène", "Margaux",
]  # fmt: skip
MALE_FIRST_NAMES = [
    "Lucas", "Hugo", "Louis", "Gabriel", "Thomas", "Nicolas", "Julien", "Antoine", "Pierre",
    "François", "Mathieu", "Olivier", "Éric", "Yannick",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
    "Lefebvre", "Michel", "Garcia", "Bertrand", "Roux", "Vincent", "Fournier", "Girard",
    "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "Le Gall", "Nguyen",
    "Benali", "Da Silva",
]  # fmt: skip
# A few people everyone in the demo refers to by name.
FIXED_INDIVIDUALS = [
    ("mrs", "Camille", "Dubois", "FR"),
    ("mr", "Yannick", "Le Gall", "FR"),
    ("mrs", "Nathalie", "Fournier", "FR"),
    ("mr", "Hugo", "Benali", "FR"),
    ("mrs", "Sophie", "Lambert", "BE"),
    ("mr", "Pierre", "Mercier", "CH"),
]
INDIVIDUAL_COUNT = 22
MAIL_PROVIDERS = {
    "FR": ["orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "hotmail.fr"],
    "BE": ["skynet.be", "gmail.com"],
    "CH": ["bluewin.ch", "gmail.com"],
}

COMPANY_TAGS = [
    "Fidèle", "VIP", "Prospect chaud", "Paiement rapide", "Relance", "Recommandé",
    "À rappeler", "Salon du meuble", "Grand compte",
]  # fmt: skip
PERSON_TAGS = ["Fidèle", "Newsletter", "Recommandé", "À rappeler", "Paiement rapide"]
NOTES = [
    "Préfère être contacté le matin.",
    "Demande systématiquement un devis détaillé.",
    "Client depuis 2015, très fidèle.",
    "Paiement par virement à 30 jours fin de mois.",
    "Contact principal : service achats.",
    "Envoyer les factures en PDF uniquement, jamais par courrier.",
    "Rencontré au salon Maison & Objet.",
    "Recommandé par le cabinet Rousseau.",
]


def _french_company(
    rng: random.Random,
    row: tuple[str, str, str, str, str | None, int, int | None, str, str],
    used_sirens: set[str],
) -> dict[str, Any]:
    name, legal_form, naf, sector, registry, employees, capital, domain, category = row
    siren = _siren(rng, used_sirens)
    siret = siren + _establishment(rng, siren)
    city = registry or rng.choice(list(REGION_PREFIX))
    data: dict[str, Any] = {
        "kind": "company",
        "name": name,
        "legal_form": legal_form,
        "siret": siret,
        "naf_code": naf,
        "sector": sector,
        "employee_count": employees,
        "country": "FR",
        "phone": _french_number(rng, REGION_PREFIX[city]),
        "category": category,
        "tags": _tags(rng),
    }
    if registry:
        data["rcs"] = f"RCS {registry} {siren[:3]} {siren[3:6]} {siren[6:]}"
    if capital is not None:
        data["share_capital"] = Decimal(capital)
    if legal_form not in ("Association", "SCI"):
        data["vat_number"] = french_vat_from_siren(siren)
    if domain:
        data["website"] = f"https://www.{domain}"
        data["email"] = f"{rng.choice(['contact', 'bonjour', 'compta', 'info'])}@{domain}"
        if rng.random() < 0.4:
            data["linkedin_url"] = f"https://www.linkedin.com/company/{domain.split('.')[0]}"
    if rng.random() < 0.5:
        data["mobile"] = _french_number(rng, rng.choice("67"))
    if rng.random() < 0.15:
        data["fax"] = _french_number(rng, REGION_PREFIX[city])
    if rng.random() < 0.6:
        data["customer_account"] = "411000"
        data["auxiliary_account"] = "C" + fold(name).upper().replace(" ", "")[:8]
    _maybe_notes(rng, data)
    data["marketing_email"] = rng.random() < 0.5
    return data


def _eu_company(rng: random.Random, row: tuple[str, str, str, str, str, bool]) -> dict[str, Any]:
    country, name, legal_form, sector, domain, vat_known = row
    data: dict[str, Any] = {
        "kind": "company",
        "name": name,
        "legal_form": legal_form,
        "sector": sector,
        "country": country,
        "website": f"https://www.{domain}",
        "email": f"{rng.choice(['info', 'sales', 'office'])}@{domain}",
        "phone": _foreign_number(rng, country),
        "category": "International",
        "tags": _tags(rng),
    }
    if vat_known:
        data["vat_number"] = _eu_vat_number(rng, country)
    _maybe_notes(rng, data)
    return data


def _foreign_company(rng: random.Random, row: tuple[str, str, str, str, str]) -> dict[str, Any]:
    country, name, legal_form, sector, domain = row
    data: dict[str, Any] = {
        "kind": "company",
        "name": name,
        "legal_form": legal_form,
        "sector": sector,
        "country": country,
        "website": f"https://www.{domain}",
        "email": f"{rng.choice(['info', 'contact', 'orders'])}@{domain}",
        "phone": _foreign_number(rng, country),
        "category": "International",
        "tags": sorted({"Export", *_tags(rng)}),
    }
    _maybe_notes(rng, data)
    return data


def _individuals(rng: random.Random) -> list[dict[str, Any]]:
    people = list(FIXED_INDIVIDUALS)
    taken = {(first, last) for _civility, first, last, _country in people}
    while len(people) < INDIVIDUAL_COUNT:
        civility = rng.choice(["mr", "mrs"])
        first = rng.choice(MALE_FIRST_NAMES if civility == "mr" else FEMALE_FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        if (first, last) not in taken:
            taken.add((first, last))
            people.append((civility, first, last, "FR"))
    clients = []
    for civility, first, last, country in people:
        local_part = f"{fold(first)}.{fold(last)}".replace(" ", "")
        data: dict[str, Any] = {
            "kind": "individual",
            "civility": civility,
            "first_name": first,
            "last_name": last,
            "country": country,
            "email": f"{local_part}@{rng.choice(MAIL_PROVIDERS[country])}",
            "mobile": (
                _french_number(rng, rng.choice("67"))
                if country == "FR"
                else _foreign_number(rng, country, mobile=True)
            ),
            "category": "Particuliers",
            "tags": _tags(rng, PERSON_TAGS),
            "marketing_email": rng.random() < 0.6,
            "marketing_sms": rng.random() < 0.3,
        }
        if country == "FR" and rng.random() < 0.3:
            data["phone"] = _french_number(rng, rng.choice("12345"))
        _maybe_notes(rng, data)
        clients.append(data)
    return clients


# --- Contacts ----------------------------------------------------------------------------
# Who a company's contacts are, in order: the first is its main contact, the second
# usually handles the invoices. Each entry: (female title, male title).
MANAGER_TITLES = [
    ("Gérante", "Gérant"), ("Directrice générale", "Directeur général"),
    ("Présidente", "Président"),
]  # fmt: skip
ACCOUNTING_TITLES = [
    ("Comptable", "Comptable"),
    ("Responsable administrative et financière", "Responsable administratif et financier"),
]  # fmt: skip
OTHER_TITLES = [
    ("Responsable achats", "Responsable achats"),
    ("Assistante de direction", "Assistant de direction"),
    ("Responsable logistique", "Responsable logistique"),
    ("Office manager", "Office manager"),
]  # fmt: skip
# Names for the people of companies abroad, by country.
FOREIGN_PEOPLE = {
    "BE": [("mrs", "Els", "Peeters"), ("mr", "Luc", "Janssens"), ("mrs", "Anaïs", "Dubois")],
    "DE": [("mrs", "Katrin", "Schäfer"), ("mr", "Jürgen", "Müller"), ("mr", "Lukas", "Weber")],
    "IT": [("mrs", "Giulia", "Rossi"), ("mr", "Marco", "Bianchi"), ("mrs", "Chiara", "Ricci")],
    "ES": [("mrs", "Lucía", "García"), ("mr", "Javier", "Martínez"), ("mr", "Álvaro", "Núñez")],
    "NL": [("mrs", "Sanne", "de Vries"), ("mr", "Daan", "Bakker"), ("mr", "Joost", "Visser")],
    "PT": [("mrs", "Inês", "Ferreira"), ("mr", "João", "Gonçalves"), ("mr", "Rui", "Sousa")],
    "PL": [("mrs", "Agnieszka", "Nowak"), ("mr", "Paweł", "Wiśniewski"), ("mrs", "Ewa", "Łukasik")],
    "SE": [("mrs", "Astrid", "Lindqvist"), ("mr", "Björn", "Åberg"), ("mrs", "Maja", "Ström")],
    "GR": [("mr", "Nikos", "Kritikos"), ("mrs", "Eleni", "Papadaki"), ("mr", "Giorgos", "Pappas")],
    "NO": [("mrs", "Ingrid", "Haugen"), ("mr", "Øyvind", "Berg"), ("mr", "Lars", "Johansen")],
    "JP": [("mr", "Hiroshi", "Tanaka"), ("mrs", "Yuki", "Sato"), ("mrs", "Aiko", "Suzuki")],
    "EN": [("mrs", "Emily", "Carter"), ("mr", "James", "O'Brien"), ("mrs", "Olivia", "Hughes")],
}
FOREIGN_PEOPLE["AT"] = FOREIGN_PEOPLE["DE"]
for _country in ("US", "GB", "IE", "AU"):
    FOREIGN_PEOPLE[_country] = FOREIGN_PEOPLE["EN"]
# The accountant of the firm "Cabinet Rousseau", who also keeps the books of two clients
# and receives their invoices: one contact serving three clients.
SHARED_ACCOUNTANT = {
    "civility": "mrs",
    "first_name": "Hélène",
    "last_name": "Rousseau",
    "job_title": "Experte-comptable",
    "email": "helene.rousseau@rousseau-expertise.fr",
    "phone": "02 40 47 18 62",
}
SHARED_ACCOUNTANT_FIRM = "Cabinet Rousseau Expertise Comptable"
SHARED_ACCOUNTANT_CLIENTS = ["Boulangerie Lemoine", "Plomberie Chauffage Roux"]


def _add_contacts(organization: Organization, admin: User, clients: dict[str, Client]) -> None:
    """Give every company one to three contacts (private persons have none) through
    ``contacts.services``, then share the firm's accountant with two more clients."""
    for client in clients.values():
        if client.kind != "company":
            continue
        for data, roles, favorite in demo_contacts(client):
            create_contact_for_client(
                organization, admin, client.pk, data, roles=roles, favorite=favorite
            )
    firm = clients[SHARED_ACCOUNTANT_FIRM]
    accountant = create_contact_for_client(
        organization, admin, firm.pk, dict(SHARED_ACCOUNTANT), roles=["billing"]
    ).contact
    for name in SHARED_ACCOUNTANT_CLIENTS:
        link_contact(organization, admin, clients[name].pk, accountant.pk, roles=["billing"])


def demo_contacts(client: Client) -> list[tuple[dict[str, Any], list[str], bool]]:
    """Input for ``create_contact_for_client`` (data, roles, favorite): the company's
    contacts, the same at every load."""
    rng = random.Random(f"{SEED}:contacts:{client.name}")
    count = rng.choice([1, 1, 2, 2, 2, 3])
    titles = [rng.choice(MANAGER_TITLES), rng.choice(ACCOUNTING_TITLES)]
    titles += rng.sample(OTHER_TITLES, 1)
    people = _people(rng, client.country, count)
    domain = _domain(client)
    contacts: list[tuple[dict[str, Any], list[str], bool]] = []
    for index, (civility, first_name, last_name) in enumerate(people):
        title = titles[index][0 if civility == "mrs" else 1]
        data: dict[str, Any] = {
            "civility": civility,
            "first_name": first_name,
            "last_name": last_name,
            "job_title": title,
            "phone": _contact_number(rng, client),
        }
        if domain:
            local = f"{fold(first_name)}.{fold(last_name)}".replace(" ", "").replace("'", "")
            data["email"] = f"{local}@{domain}"
        if index == 0 or rng.random() < 0.5:
            data["mobile"] = _contact_number(rng, client, mobile=True)
        if index == 0:
            # A lone manager often handles the invoices too.
            roles = ["main"] + (["billing"] if count == 1 and rng.random() < 0.6 else [])
        elif index == 1:
            roles = ["billing"] + (["dunning"] if rng.random() < 0.5 else [])
        else:
            roles = []
        contacts.append((data, roles, index == 0 or (index == 1 and rng.random() < 0.4)))
    return contacts


def _people(rng: random.Random, country: str, count: int) -> list[tuple[str, str, str]]:
    if country in FOREIGN_PEOPLE:
        return rng.sample(FOREIGN_PEOPLE[country], count)
    people: list[tuple[str, str, str]] = []
    last_names = rng.sample(LAST_NAMES, count)
    for last_name in last_names:
        if rng.random() < 0.5:
            people.append(("mrs", rng.choice(FEMALE_FIRST_NAMES), last_name))
        else:
            people.append(("mr", rng.choice(MALE_FIRST_NAMES), last_name))
    return people


def _domain(client: Client) -> str:
    """The company's e-mail domain: its website's, else its e-mail address's."""
    if client.website:
        host = urlsplit(client.website).hostname or ""
        return host.removeprefix("www.")
    return client.email.partition("@")[2]


def _contact_number(rng: random.Random, client: Client, *, mobile: bool = False) -> str:
    if client.country == "FR":
        # Landlines in the company's region (its own number's first digit after 0).
        region = client.phone[3] if client.phone.startswith("+33") else "1"
        return _french_number(rng, rng.choice("67") if mobile else region)
    try:
        return _foreign_number(rng, client.country, mobile=mobile)
    except ValueError:
        return ""


# --- Addresses ---------------------------------------------------------------------------
def demo_addresses(client: Client) -> list[dict[str, Any]]:
    """Input for ``create_address``: the client's addresses, the same at every load."""
    rng = random.Random(f"{SEED}:{client.name}")
    if client.name in FIXED_ADDRESSES:
        return [dict(address) for address in FIXED_ADDRESSES[client.name]]
    if client.kind == "individual":
        return _home_addresses(rng)
    return _french_company_addresses(rng, client)


def _address(
    label: str,
    line1: str,
    postcode: str,
    city: str,
    country: str,
    *,
    line2: str = "",
    region: str = "",
    billing: bool = False,
    delivery: bool = False,
) -> dict[str, Any]:
    return {
        "label": label,
        "line1": line1,
        "line2": line2,
        "postcode": postcode,
        "city": city,
        "region": region,
        "country": country,
        "is_billing": billing,
        "is_delivery": delivery,
    }


# Real streets of each commercial court's city, with their postcode.
CITY_STREETS: dict[str, list[tuple[str, str]]] = {
    "Paris": [("rue Oberkampf", "75011"), ("boulevard Voltaire", "75011"),
              ("rue de Turenne", "75003"), ("rue du Faubourg-Saint-Antoine", "75012"),
              ("boulevard Haussmann", "75008"), ("rue des Petites-Écuries", "75010"),
              ("rue de la Roquette", "75011"), ("avenue de Clichy", "75017")],
    "Lyon": [("rue de la République", "69002"), ("rue Mercière", "69002"),
             ("cours Lafayette", "69003"), ("avenue Jean-Jaurès", "69007"),
             ("rue Garibaldi", "69006")],
    "Marseille": [("la Canebière", "13001"), ("boulevard Longchamp", "13001"),
                  ("rue Paradis", "13006"), ("quai de Rive-Neuve", "13007")],
    "Bordeaux": [("cours de l'Intendance", "33000"), ("rue Sainte-Catherine", "33000"),
                 ("quai des Chartrons", "33000"), ("cours Victor-Hugo", "33000")],
    "Nantes": [("rue Crébillon", "44000"), ("quai de la Fosse", "44000"),
               ("rue de Strasbourg", "44000")],
    "Toulouse": [("rue d'Alsace-Lorraine", "31000"), ("rue de Metz", "31000"),
                 ("allées Jean-Jaurès", "31000")],
    "Lille": [("rue Nationale", "59000"), ("rue Solférino", "59000"),
              ("rue de Béthune", "59800")],
    "Strasbourg": [("rue des Grandes-Arcades", "67000"), ("quai des Bateliers", "67000"),
                   ("avenue de la Forêt-Noire", "67000")],
    "Rennes": [("rue d'Antrain", "35000"), ("quai Lamartine", "35000"),
               ("boulevard de la Liberté", "35000")],
    "Nice": [("avenue Jean-Médecin", "06000"), ("rue de France", "06000"),
             ("boulevard Gambetta", "06000")],
    "Dijon": [("rue de la Liberté", "21000"), ("rue des Forges", "21000"),
              ("boulevard de Sévigné", "21000")],
    "Besançon": [("Grande Rue", "25000"), ("rue des Granges", "25000"), ("rue Battant", "25000")],
    "Tours": [("rue Nationale", "37000"), ("boulevard Heurteloup", "37000"),
              ("rue Colbert", "37000")],
    "Rouen": [("rue du Gros-Horloge", "76000"), ("rue Jeanne-d'Arc", "76000"),
              ("quai de Paris", "76000")],
    "Angers": [("boulevard Foch", "49100"), ("rue Lenepveu", "49100"),
               ("rue Saint-Julien", "49100")],
    "Montpellier": [("rue de la Loge", "34000"), ("rue Foch", "34000"),
                    ("boulevard du Jeu-de-Paume", "34000")],
    "Grenoble": [("cours Jean-Jaurès", "38000"), ("rue Félix-Poulat", "38000"),
                 ("avenue Alsace-Lorraine", "38000")],
    "Annecy": [("rue Royale", "74000"), ("avenue de Genève", "74000"),
               ("rue Sommeiller", "74000")],
    "Clermont-Ferrand": [("rue Blatin", "63000"), ("avenue des États-Unis", "63000"),
                         ("boulevard Trudaine", "63000")],
    "La Rochelle": [("quai Duperré", "17000"), ("rue du Palais", "17000"),
                    ("rue Chaudrier", "17000")],
}  # fmt: skip

# A town next to each city where warehouses and workshops are, with its postcode.
NEARBY_TOWNS: dict[str, tuple[str, str]] = {
    "Paris": ("92230", "Gennevilliers"), "Lyon": ("69800", "Saint-Priest"),
    "Marseille": ("13127", "Vitrolles"), "Bordeaux": ("33700", "Mérignac"),
    "Nantes": ("44470", "Carquefou"), "Toulouse": ("31700", "Blagnac"),
    "Lille": ("59810", "Lesquin"), "Strasbourg": ("67400", "Illkirch-Graffenstaden"),
    "Rennes": ("35510", "Cesson-Sévigné"), "Nice": ("06700", "Saint-Laurent-du-Var"),
    "Dijon": ("21300", "Chenôve"), "Besançon": ("25480", "École-Valentin"),
    "Tours": ("37700", "Saint-Pierre-des-Corps"), "Rouen": ("76300", "Sotteville-lès-Rouen"),
    "Angers": ("49070", "Beaucouzé"), "Montpellier": ("34970", "Lattes"),
    "Grenoble": ("38130", "Échirolles"), "Annecy": ("74370", "Argonay"),
    "Clermont-Ferrand": ("63170", "Aubière"), "La Rochelle": ("17180", "Périgny"),
}  # fmt: skip
WORKS_STREETS = [
    "rue Denis-Papin", "rue Gustave-Eiffel", "avenue de l'Industrie", "rue Ampère",
    "rue des Artisans", "rue Louis-Blériot", "rue Nicéphore-Niépce", "impasse des Entrepreneurs",
]  # fmt: skip
WORKS_AREAS = ["Zone industrielle", "Zone d'activités des Prés", "Parc d'activités du Moulin"]
OFFICE_DETAILS = ["Bâtiment B", "3e étage", "Bureau 204", "Entrée par la cour"]

# (postcode, town) where the private persons live.
HOME_TOWNS = [
    ("69002", "Lyon"), ("33000", "Bordeaux"), ("75011", "Paris"), ("75015", "Paris"),
    ("13001", "Marseille"), ("44000", "Nantes"), ("31000", "Toulouse"), ("59000", "Lille"),
    ("67000", "Strasbourg"), ("35000", "Rennes"), ("06000", "Nice"), ("29200", "Brest"),
    ("87000", "Limoges"), ("86000", "Poitiers"), ("64000", "Pau"), ("51100", "Reims"),
    ("57000", "Metz"), ("54000", "Nancy"), ("14000", "Caen"), ("45000", "Orléans"),
    ("30000", "Nîmes"), ("84000", "Avignon"), ("72000", "Le Mans"), ("42000", "Saint-Étienne"),
    ("66000", "Perpignan"), ("92100", "Boulogne-Billancourt"), ("78000", "Versailles"),
    ("94300", "Vincennes"),
]  # fmt: skip
HOME_STREETS = [
    "rue Victor-Hugo", "allée des Tilleuls", "chemin des Vignes", "rue des Lilas",
    "avenue du Général-de-Gaulle", "impasse des Mésanges", "rue Pasteur", "rue Jean-Moulin",
    "rue de la Gare", "place de l'Église", "boulevard Gambetta", "rue des Écoles",
]  # fmt: skip
HOME_DETAILS = ["Appartement 12", "Résidence Les Cèdres", "Bâtiment A, 2e étage", "Escalier C"]

# Companies abroad and the people abroad, in their country's own format.
FIXED_ADDRESSES: dict[str, list[dict[str, Any]]] = {
    "Chocolaterie Lambrechts": [
        _address("Siège", "Rue au Beurre 31", "1000", "Bruxelles", "BE", billing=True,
                 delivery=True)],
    "Verhaegen Logistics": [
        _address("Siège", "Noorderlaan 147", "2030", "Antwerpen", "BE", billing=True),
        _address("Entrepôt", "Scheldelaan 250", "2040", "Antwerpen", "BE", line2="Kaai 730",
                 delivery=True)],
    "Weber & Lang Verpackungen GmbH": [
        _address("Siège", "Industriestraße 12", "33689", "Bielefeld", "DE", billing=True,
                 delivery=True)],
    "Bäckerei Hoffmann": [
        _address("", "Hauptstraße 45", "69117", "Heidelberg", "DE", billing=True,
                 delivery=True)],
    "Rossi Arredamenti S.r.l.": [
        _address("Siège", "Via Indipendenza 22", "20821", "Meda", "IT", region="MB",
                 billing=True),
        _address("Entrepôt", "Via dell'Artigianato 5", "20821", "Meda", "IT", region="MB",
                 delivery=True)],
    "Construcciones Navarro S.L.": [
        _address("Siège", "Avenida de Carlos III 12", "31002", "Pamplona", "ES",
                 region="Navarra", billing=True, delivery=True)],
    "De Vries Bloembollen B.V.": [
        _address("Siège", "Heereweg 345", "2161bw", "Lisse", "NL", billing=True,
                 delivery=True)],
    "Ferreira & Filhos, Lda.": [
        _address("Siège", "Rua da Corticeira 120", "4535-173", "Santa Maria de Lamas", "PT",
                 billing=True, delivery=True)],
    "Huber Holzbau GmbH": [
        _address("Siège", "Bahnhofstraße 14", "6850", "Dornbirn", "AT", billing=True),
        _address("Atelier", "Achstraße 30", "6850", "Dornbirn", "AT", delivery=True)],
    "O'Sullivan Software Ltd": [
        _address("Siège", "Unit 3, The Digital Hub", "D08 TCV4", "Dublin", "IE",
                 line2="Thomas Street", billing=True, delivery=True)],
    "Schmit Conseil S.à r.l.": [
        _address("Siège", "12 rue Goethe", "L-1637", "Luxembourg", "LU", billing=True,
                 delivery=True)],
    "Nowak Meble sp. z o.o.": [
        _address("Siège", "ul. Głogowska 120", "60-243", "Poznań", "PL", billing=True),
        _address("Entrepôt", "ul. Przemysłowa 8", "62-052", "Komorniki", "PL", delivery=True)],
    "Lindqvist Design AB": [
        _address("Siège", "Götgatan 22", "118 46", "Stockholm", "SE", billing=True,
                 delivery=True)],
    "Kritikos Olive Oil S.A.": [
        _address("Siège", "Aristomenous 45", "241 00", "Kalamata", "GR", region="Messinia",
                 billing=True, delivery=True)],
    "Bluebird Outdoor Gear Inc.": [
        _address("Siège", "1420 Pearl Street", "80302", "Boulder", "US", line2="Suite 200",
                 region="CO", billing=True),
        _address("Entrepôt", "4900 Nome Street", "80239", "Denver", "US", region="CO",
                 delivery=True)],
    "Harbor & Pine Coffee Co.": [
        _address("", "2301 NW Market Street", "98107", "Seattle", "US", region="WA",
                 billing=True, delivery=True)],
    "Keller Präzisionstechnik AG": [
        _address("Siège", "Solothurnstrasse 102", "2504", "Biel/Bienne", "CH", region="BE",
                 billing=True, delivery=True)],
    "Fromagerie Rochat Sàrl": [
        _address("", "Route de l'Orbe 12", "1347", "Le Sentier", "CH", region="VD",
                 billing=True, delivery=True)],
    "Whitmore & Sons Ltd": [
        _address("Siège", "14 Mincing Lane", "EC3R 7AA", "London", "GB", billing=True),
        _address("Entrepôt", "Unit 7, Thames Road", "RM17 6EF", "Grays", "GB", region="Essex",
                 delivery=True)],
    "Érablière Boréale Inc.": [
        _address("", "1250 rue Principale", "G0S 2V0", "Saint-Joseph-de-Beauce", "CA",
                 region="QC", billing=True, delivery=True)],
    "Sakura Trading K.K.": [
        _address("Siège", "2-7-1 Nihonbashi", "103-0027", "Chuo-ku", "JP", region="Tokyo",
                 billing=True, delivery=True)],
    "Fjordlys AS": [
        _address("Siège", "Karl Johans gate 14", "0154", "Oslo", "NO", billing=True,
                 delivery=True)],
    "Atlas Textiles SARL": [
        _address("Siège", "45 boulevard Mohammed V", "20000", "Casablanca", "MA",
                 billing=True, delivery=True)],
    "Southern Cross Wines Pty Ltd": [
        _address("Siège", "12 Grenfell Street", "5000", "Adelaide", "AU", region="SA",
                 billing=True),
        _address("Chai", "Barossa Valley Way", "5352", "Tanunda", "AU", region="SA",
                 delivery=True)],
    "Sophie Lambert": [
        _address("Domicile", "Rue du Bailli 32", "1050", "Ixelles", "BE", billing=True,
                 delivery=True)],
    "Pierre Mercier": [
        _address("Domicile", "Rue du Rhône 48", "1204", "Genève", "CH", region="GE",
                 billing=True, delivery=True)],
}  # fmt: skip


def _street_number(rng: random.Random) -> str:
    number = str(rng.randint(1, 120))
    return number + " bis" if rng.random() < 0.08 else number


def _company_city(rng: random.Random, client: Client) -> str:
    """The city of the commercial court the company is registered with; for those not
    registered, a city of the region their phone number belongs to."""
    if client.rcs:
        return client.rcs.removeprefix("RCS ").rsplit(" ", 3)[0]
    region = client.phone[3]  # "+33 4…": the French number's regional digit
    return rng.choice(sorted(city for city, prefix in REGION_PREFIX.items() if prefix == region))


def _french_company_addresses(rng: random.Random, client: Client) -> list[dict[str, Any]]:
    """A head office in town; for industry, large accounts and some shops and craftsmen, a
    warehouse or workshop in the next town, where deliveries go."""
    city = _company_city(rng, client)
    street, postcode = rng.choice(CITY_STREETS[city])
    category = client.category.name if client.category else ""
    # A holding or a property company has no goods to receive, nor has a one-room shop
    # a warehouse.
    staff = client.employee_count or 0
    separate_delivery = (category in ("Industrie", "Grands comptes") and staff > 0) or (
        category in ("Commerces", "Artisans") and staff >= 5 and rng.random() < 0.4
    )
    head_office = _address(
        "Siège",
        f"{_street_number(rng)} {street}",
        postcode,
        city,
        "FR",
        line2=rng.choice(OFFICE_DETAILS) if rng.random() < 0.25 else "",
        billing=True,
        delivery=not separate_delivery,
    )
    if not separate_delivery:
        return [head_office]
    town_postcode, town = NEARBY_TOWNS[city]
    works = _address(
        rng.choice(["Entrepôt", "Atelier", "Dépôt"]),
        f"{_street_number(rng)} {rng.choice(WORKS_STREETS)}",
        town_postcode,
        town,
        "FR",
        line2=rng.choice(WORKS_AREAS),
        delivery=True,
    )
    return [head_office, works]


def _home_addresses(rng: random.Random) -> list[dict[str, Any]]:
    """Most people's home address; a few prospects have given none yet."""
    if rng.random() < 0.15:
        return []
    postcode, town = rng.choice(HOME_TOWNS)
    return [
        _address(
            "Domicile",
            f"{_street_number(rng)} {rng.choice(HOME_STREETS)}",
            postcode,
            town,
            "FR",
            line2=rng.choice(HOME_DETAILS) if rng.random() < 0.3 else "",
            billing=True,
            delivery=True,
        )
    ]


# --- Generated identifiers ---------------------------------------------------------------
def _digits(rng: random.Random, count: int) -> str:
    """``count`` random digits, the first one never 0."""
    if count <= 0:
        return ""
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(count - 1))


def _siren(rng: random.Random, used: set[str]) -> str:
    """A SIREN with a valid Luhn key. La Poste's (356000000) is left alone: it follows
    another rule."""
    while True:
        base = _digits(rng, 8)
        siren = base + luhn.calc_check_digit(base)
        if siren not in used and not siren.startswith("356000000"):
            used.add(siren)
            return siren


def _establishment(rng: random.Random, siren: str) -> str:
    """The 5-digit establishment number (NIC) that makes ``siren + NIC`` a valid SIRET."""
    nic = f"{rng.randint(1, 9):04d}"
    return nic + luhn.calc_check_digit(siren + nic)


def _eu_vat_number(rng: random.Random, country: str) -> str:
    """A VAT number of ``country`` that passes its checksum (python-stdnum decides)."""
    prefix, random_digits, checks, suffix = VAT_SHAPES[country]
    for _attempt in range(1000):
        body = prefix + _digits(rng, random_digits)
        for check in checks:
            candidate = body + check + suffix
            if eu_vat.is_valid(candidate):
                return candidate
    raise ValueError(f"no valid VAT number of shape {prefix}…{suffix}")


def _french_number(rng: random.Random, prefix: str) -> str:
    """A valid French number, written as people write it: ``04 72 18 36 90``."""
    for _attempt in range(1000):
        digits = "0" + prefix + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "FR")):
            return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    raise ValueError(f"no valid French number starting with 0{prefix}")


def _foreign_number(rng: random.Random, country: str, *, mobile: bool = False) -> str:
    """A valid number of ``country`` in international form, shaped on the example number
    ``phonenumbers`` gives for it with its last four digits changed."""
    kind = (
        phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    )
    example = phonenumbers.example_number_for_type(country, kind)
    if example is None:
        raise ValueError(f"phonenumbers has no example number for {country}")
    national = str(example.national_number)
    for _attempt in range(100):
        candidate = national[:-4] + "".join(str(rng.randint(0, 9)) for _ in range(4))
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _tags(rng: random.Random, pool: list[str] = COMPANY_TAGS) -> list[str]:
    return rng.sample(pool, rng.choice([0, 0, 1, 1, 2, 3]))


def _maybe_notes(rng: random.Random, data: dict[str, Any]) -> None:
    if rng.random() < 0.35:
        data["notes"] = rng.choice(NOTES)
