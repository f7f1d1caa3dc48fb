"""Realistic French client records for the benchmark, generated fast and deterministically.

Rows carry the derived columns exactly as the service layer computes them
(``search_text`` with the telephone numbers and the contacts' names, ``sort_name``,
``vat_regime``, ``siren``; the contacts' ``search_text``; the custom-field value index
keys), so that the benchmark database is indistinguishable from one filled through the
services. ``ClientRows.batches`` yields, per batch of clients, the rows of every table
involved: the clients, their contacts and links, their tags and custom-field values.
"""

from __future__ import annotations

import datetime
import json
import random
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from carnet.clients.search import search_text
from carnet.contacts.services import _search_text as contact_search_text
from carnet.core import identifiers
from carnet.core.text import fold
from carnet.customfields.validation import value_keys

# The most frequent French surnames (INSEE), most frequent first; followed by a long tail
# generated from syllables, as real client files are mostly made of rare names.
COMMON_SURNAMES = """Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon
Michel Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François
Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier
Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard
Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt
Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier
Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez
Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet
Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré
Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez
Le-Gall Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Le-Roux Cousin Germain
Breton Besson Langlois Rémy Le-Goff Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal
Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin
Poulain Tessier Chevallier Collin Chauvin Da-Silva Bouchet Gay Lemaître Bénard Maréchal
Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy
Delaunay Pasquier Carlier Laporte""".split()
COMMON_SURNAMES = [
    s.replace("-", " ") if s.startswith(("Le-", "Da-")) else s for s in COMMON_SURNAMES
]

SURNAME_STARTS = """Bau Ber Bou Cha Che Cou Dela Des Fou Gar Gui Jou Lam Lar Mar Mor Pel Pou Ric
Rou Sal Tes Val Ver Ker Qui Mon Bel Lab Cas Dan Fer Gal Hal Lau Mau Nau Pra Sau Tal Vau Bré
Cré Dé Gré Lé Mé Pé Ré Thé Vé Bro Clo Fro Gro Tro Bar Car Dar Far Har Jar Lan Man Par Tar
Vil Bil Gil Mil Pil Til Kor Lor Nor Por Sor Tor""".split()
SURNAME_MIDDLES = ["", "", "", "a", "e", "i", "o", "ou", "an", "on", "er", "el", "ar", "in", "au"]
SURNAME_ENDS = """rd t l ud net ard ier ot in and ault eau oux ez ac as elle ette ais ert ille
ain ron mont court ville gnon chon zac quet lin rin vin bert neau teau reau let det""".split()
SURNAME_PARTICLES = ["", "", "", "", "", "", "", "", "Le ", "La ", "De ", "Du ", "Des "]

FIRST_NAMES_MALE = """Jean Pierre Michel André Philippe René Louis Alain Jacques Bernard Marcel
Daniel Roger Robert Paul Claude Christian Henri Georges Nicolas François Patrick Gérard
Christophe Joseph Julien Éric Frédéric Laurent Stéphane David Pascal Sébastien Thierry
Olivier Thomas Antoine Alexandre Maxime Guillaume Vincent Hugo Lucas Léo Gabriel Raphaël
Arthur Louis Jules Adam Maël Noé Théo Nathan Mathis Enzo Clément Quentin Romain Kévin
Jérôme Jérémy Yannick Loïc Hervé Benoît Cédric Grégoire Aurélien Bastien Damien Fabrice
Gilles Lionel Ludovic Mickaël Régis Sylvain Yves Xavier Arnaud Baptiste Corentin Émile""".split()
FIRST_NAMES_FEMALE = """Marie Jeanne Françoise Monique Catherine Nathalie Isabelle Jacqueline
Anne Sylvie Martine Madeleine Nicole Suzanne Hélène Christine Marguerite Denise Louise
Christiane Sophie Valérie Sandrine Céline Stéphanie Aurélie Émilie Julie Camille Léa
Manon Chloé Emma Inès Jade Louise Alice Lina Rose Anna Ambre Zoé Mia Juliette Léna Éloïse
Élodie Noémie Océane Laura Sarah Clara Pauline Marion Mathilde Charlotte Lucie Margaux Agathe
Béatrice Brigitte Cécile Delphine Dominique Florence Géraldine Laurence Mireille Odile
Patricia Véronique Virginie Agnès Annick Chantal Danièle Élisabeth Gisèle Josiane""".split()

ACTIVITIES = """Boulangerie Pâtisserie Garage Transports Pharmacie Cabinet Atelier Agence
Menuiserie Plomberie Électricité Maçonnerie Restaurant Hôtel Librairie Fleuriste Coiffure
Bâtiment Charpente Couverture Peinture Immobilier Conseil Informatique Ambulances Taxis
Auto-école Pressing Boucherie Charcuterie Fromagerie Épicerie Cave Brasserie Café Pizzeria
Traiteur Optique Laboratoire Imprimerie Quincaillerie Jardinerie Paysages Nettoyage Sécurité
Location Déménagements Carrosserie Serrurerie Vitrerie Chauffage Climatisation Toiture
Isolation Cuisines Meubles Textile Bijouterie Architecture Expertise Comptabilité Formation
Distribution Négoce Terrassement Carrelage Ferronnerie Ébénisterie Tapisserie Photographie
Communication Événements Voyages Assurances Courtage Diagnostics Domotique Énergies Élevage
Vignobles Domaine Ferme Haras Scierie Fonderie Mécanique Usinage Chaudronnerie Plasturgie""".split()
PLACES = [
    "du Centre",
    "de la Gare",
    "du Port",
    "de la Place",
    "du Marché",
    "des Halles",
    "du Lac",
    "de la Vallée",
    "du Moulin",
    "des Pins",
    "de l'Étang",
    "du Château",
    "de la Forêt",
    "des Alpes",
    "du Rhône",
    "de la Loire",
    "de Provence",
    "de Bretagne",
    "d'Alsace",
    "du Sud",
    "de l'Ouest",
    "du Nord",
    "de l'Est",
    "des Vosges",
    "du Jura",
]
TOWNS = """Paris Lyon Marseille Toulouse Nice Nantes Strasbourg Montpellier Bordeaux Lille
Rennes Reims Toulon Grenoble Dijon Angers Nîmes Villeurbanne Clermont Aix Brest Tours Amiens
Limoges Annecy Perpignan Besançon Metz Orléans Rouen Mulhouse Caen Nancy Argenteuil Roubaix
Tourcoing Avignon Poitiers Versailles Créteil Pau Calais Cannes Béziers Colmar Quimper Valence
Chambéry Troyes Lorient Niort Vannes Auxerre Albi Arras Bayonne Blois Brive Cholet Laval""".split()
LEGAL_FORMS = ["SARL", "SAS", "SASU", "EURL", "SA", "SCI", "SNC", "SELARL", "EI"]
LEGAL_FORM_WEIGHTS = [30, 28, 14, 10, 4, 8, 1, 2, 3]
WORDS = """Horizon Avenir Atlantique Soleil Azur Étoile Alliance Synergie Concept Solutions
Services Innovation Partenaires Développement Ingénierie Technologies Créations Harmonie
Prestige Excellence Évolution Nature Océan Montagne Vallée Lumière Métropole Signature
Origine Énergie Perspective Référence Tradition Passion Équilibre Optimum Vision""".split()
EMAIL_PROVIDERS = [
    "gmail.com",
    "orange.fr",
    "free.fr",
    "wanadoo.fr",
    "hotmail.fr",
    "laposte.net",
    "sfr.fr",
    "yahoo.fr",
    "outlook.fr",
    "icloud.com",
]
EMAIL_PROVIDER_WEIGHTS = [35, 15, 10, 8, 8, 6, 6, 5, 5, 2]
NAF_CODES = [
    "1071C",
    "4520A",
    "4941A",
    "4773Z",
    "6920Z",
    "7022Z",
    "4322A",
    "4332A",
    "4399C",
    "5610A",
    "5510Z",
    "4761Z",
    "4776Z",
    "9602A",
    "4110A",
    "6831Z",
    "6201Z",
    "8690A",
    "4711B",
    "4321A",
    "4391A",
    "4120A",
    "7111Z",
    "8559A",
    "4646Z",
]
SECTORS = [
    "Commerce",
    "Artisanat",
    "Industrie",
    "Services",
    "BTP",
    "Santé",
    "Restauration",
    "Transport",
    "Immobilier",
    "Agriculture",
    "Numérique",
    "Conseil",
]
EU_COUNTRIES = ["BE", "DE", "LU", "ES", "IT", "NL"]
NON_EU_COUNTRIES = ["CH", "GB", "US", "CA", "MA", "SN", "TN", "JP"]
# Category groups and their categories, as an organization sets them up.
CATEGORY_GROUPS = {
    "Type": ["Client", "Prospect", "Partenaire", "Fournisseur"],
    "Taille": ["Grand compte", "Revendeur"],
}
CATEGORIES = [name for names in CATEGORY_GROUPS.values() for name in names]
TAGS = [
    "VIP",
    "Relance",
    "Salon 2024",
    "Newsletter",
    "Export",
    "Mauvais payeur",
    "Fidèle",
    "Parrainage",
    "À rappeler",
    "Public",
]
JOB_TITLES = [
    "",
    "",
    "Gérant",
    "Gérante",
    "Comptable",
    "Directeur commercial",
    "Directrice administrative et financière",
    "Assistante de direction",
    "Responsable des achats",
    "Chargé de clientèle",
    "Secrétaire",
    "Président",
]
# The organization's custom fields (``customfields_customfield``), in display order.
SERVICE_LEVELS = ["Bronze", "Argent", "Or"]
SERVICE_LEVEL_WEIGHTS = [60, 30, 10]
CUSTOM_FIELDS = [
    {"name": "Niveau de service", "slug": "niveau", "type": "choice", "choices": SERVICE_LEVELS},
    {"name": "Fin de contrat", "slug": "fin_contrat", "type": "date", "choices": []},
    {"name": "Nombre de sites", "slug": "nb_sites", "type": "integer", "choices": []},
]
CONTRACT_ENDS = (datetime.date(2024, 1, 1), datetime.date(2028, 12, 31))
NOTES = [
    "Préfère être contacté le matin.",
    "Relancer avant la fin du trimestre.",
    "Rencontré au salon de Lyon.",
    "Paiement à 30 jours fin de mois.",
    "Ancien client de l'agence de Nantes.",
    "Demande un devis chaque année en septembre.",
]

# Number blocks allocated in metropolitan France (others belong to overseas departments).
MOBILE_BLOCKS = ("61", "62", "64", "65", "66", "67", "68", "75", "76", "77", "78")
LANDLINE_BLOCKS = ("14", "15", "24", "32", "47", "49", "55", "56")

_SLUG = re.compile(r"[^a-z0-9]+")

# Column order of the client rows produced by ``ClientRows`` (every column of clients_client).
COLUMNS = (
    "id",
    "organization_id",
    "kind",
    "name",
    "civility",
    "first_name",
    "last_name",
    "reference",
    "email",
    "phone",
    "mobile",
    "fax",
    "website",
    "legal_form",
    "siret",
    "siren",
    "naf_code",
    "share_capital",
    "rcs",
    "vat_number",
    "sector",
    "employee_count",
    "country",
    "vat_regime",
    "linkedin_url",
    "twitter_url",
    "facebook_url",
    "viadeo_url",
    "customer_account",
    "auxiliary_account",
    "marketing_email",
    "marketing_sms",
    "notes",
    "custom_fields",
    "revenue",
    "archived",
    "archived_at",
    "deleted_at",
    "search_text",
    "sort_name",
    "version",
    "created_at",
    "updated_at",
    "category_id",
    "created_by_id",
    "owner_id",
)
CONTACT_COLUMNS = (
    "id",
    "organization_id",
    "civility",
    "first_name",
    "last_name",
    "job_title",
    "email",
    "phone",
    "mobile",
    "notes",
    "search_text",
    "created_at",
    "updated_at",
)
CLIENT_CONTACT_COLUMNS = (
    "organization_id",
    "client_id",
    "contact_id",
    "is_main",
    "is_billing",
    "is_dunning",
    "favorite",
    "created_at",
)
CLIENT_TAG_COLUMNS = ("organization_id", "client_id", "tag_id")
CUSTOM_VALUE_COLUMNS = ("organization_id", "field_id", "client_id", "value")
# Every table the generator fills, in loading order (a row refers only to earlier tables).
TABLES: dict[str, tuple[str, ...]] = {
    "clients_client": COLUMNS,
    "contacts_contact": CONTACT_COLUMNS,
    "contacts_clientcontact": CLIENT_CONTACT_COLUMNS,
    "clients_clienttag": CLIENT_TAG_COLUMNS,
    "customfields_customfieldvalue": CUSTOM_VALUE_COLUMNS,
}


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + check`` pass the Luhn test (SIREN and SIRET keys)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled, as the check digit will be appended on the right
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def slug(value: str) -> str:
    return _SLUG.sub("-", fold(value)).strip("-")


def _mod97_be(base8: int) -> str:
    return f"BE0{base8:07d}{97 - base8 % 97:02d}"  # 10 digits: 0 + 7 + key


def _luhn_like_de(base8: str) -> str:
    # ISO 7064 MOD 11,10, as stdnum.de.vat checks.
    product = 10
    for ch in base8:
        total = (int(ch) + product) % 10 or 10
        product = (2 * total) % 11
    return "DE" + base8 + str((11 - product) % 10)


def eu_vat_number(rng: random.Random, country: str) -> str:
    """A VAT number with a valid check for a few member states, blank for the others
    (an EU company without a known number is billed French VAT)."""
    if country == "BE":
        return _mod97_be(rng.randrange(1_000_000, 9_999_999))
    if country == "DE":
        return _luhn_like_de(str(rng.randrange(10_000_000, 99_999_999)))
    if country == "LU":
        base = rng.randrange(100_000, 999_999)
        return f"LU{base:06d}{base % 89:02d}"
    return ""


class ClientRows:
    """Generates the rows of one organization; e-mails and SIRETs are unique within it.

    Ids of clients and contacts are given here (from ``first_client_id`` and
    ``first_contact_id``), so that links and values can refer to them before loading.
    ``custom_fields`` are the organization's ``CustomField`` definitions (with their ids),
    in the order of ``CUSTOM_FIELDS``.
    """

    def __init__(
        self,
        seed: int,
        organization_id: int,
        owner_ids: list[int],
        category_ids: list[int],
        tag_ids: list[int],
        custom_fields: list[Any],
    ) -> None:
        self.rng = random.Random(seed)
        self.organization_id = organization_id
        self.owner_ids = owner_ids
        self.category_ids = category_ids
        self.tag_ids = tag_ids
        self.custom_fields = {field.slug: field for field in custom_fields}
        self.emails: set[str] = set()
        self.sirens: set[int] = set()
        rng = self.rng
        tail = {f"{s}{m}{e}" for s in SURNAME_STARTS for m in SURNAME_MIDDLES for e in SURNAME_ENDS}
        self.rare_surnames = sorted(tail)
        rng.shuffle(self.rare_surnames)
        # Zipf-like weights over the common names.
        self.common_weights = [1 / (rank + 8) for rank in range(len(COMMON_SURNAMES))]
        self.now = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
        self.contract_days = (CONTRACT_ENDS[1] - CONTRACT_ENDS[0]).days
        self.next_contact_id = 1

    # --- pieces -------------------------------------------------------------------------
    def surname(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return rng.choices(COMMON_SURNAMES, self.common_weights)[0]
        return rng.choice(SURNAME_PARTICLES) + rng.choice(self.rare_surnames)

    def phone(self, mobile: bool = False) -> str:
        rng = self.rng
        if mobile:
            return f"+33{rng.choice(MOBILE_BLOCKS)}{rng.randrange(10**7):07d}"
        return f"+33{rng.choice(LANDLINE_BLOCKS)}{rng.randrange(10**7):07d}"

    def unique_email(self, local: str, domain: str) -> str:
        local = local.strip(".-_") or "contact"
        email = f"{local}@{domain}"
        n = 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def siret(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            base = rng.randrange(10_000_000, 99_999_999)
            if base not in self.sirens:
                self.sirens.add(base)
                break
        siren = f"{base:08d}" + luhn_check_digit(f"{base:08d}")
        nic = f"{rng.choice((1, 1, 1, 2, 3, 12, 17, 25, 33, 41)):04d}"
        return siren + nic + luhn_check_digit(siren + nic), siren

    def company_name(self) -> str:
        rng = self.rng
        pattern = rng.random()
        if pattern < 0.30:
            return f"{rng.choice(ACTIVITIES)} {self.surname()}"
        if pattern < 0.40:
            return f"{rng.choice(ACTIVITIES)} {rng.choice(PLACES)}"
        if pattern < 0.52:
            legal = rng.choices(LEGAL_FORMS, LEGAL_FORM_WEIGHTS)[0]
            return f"{legal} {self.surname()}"
        if pattern < 0.62:
            legal = rng.choices(LEGAL_FORMS, LEGAL_FORM_WEIGHTS)[0]
            return f"{self.surname()} {legal}"
        if pattern < 0.70:
            return f"{self.surname()} et Fils"
        if pattern < 0.76:
            return f"{self.surname()} & Associés"
        if pattern < 0.82:
            return f"{self.surname()}-{self.surname()}"
        if pattern < 0.90:
            return f"{rng.choice(WORDS)} {rng.choice(ACTIVITIES)}"
        if pattern < 0.95:
            return f"{rng.choice(ACTIVITIES)} {rng.choice(TOWNS)}"
        letters = "".join(
            rng.choice("ABCDEFGHIJKLMNOPRSTV") for _ in range(rng.choice((2, 3, 3, 4)))
        )
        return f"{letters} {rng.choice(WORDS + ACTIVITIES)}"

    def contacts(
        self, client_id: int, domain: str, created: datetime.datetime
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[str]]:
        """One or two people at a company: their rows, their links to the client (the
        first is the main contact) and their display names."""
        rng = self.rng
        contacts, links, names = [], [], []
        for index in range(rng.choices((1, 2), (70, 30))[0]):
            female = rng.random() < 0.5
            first = rng.choice(FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE)
            last = self.surname()
            values = {
                "first_name": first,
                "last_name": last,
                "job_title": rng.choice(JOB_TITLES),
                "email": f"{slug(first)}.{slug(last)}@{domain}",
                "phone": "",
                "mobile": self.phone(mobile=True) if rng.random() < 0.4 else "",
            }
            at = created + datetime.timedelta(days=rng.randrange(0, 400), seconds=index)
            contact_id = self.next_contact_id
            self.next_contact_id += 1
            contacts.append(
                (
                    contact_id,
                    self.organization_id,
                    "mrs" if female else "mr",
                    first,
                    last,
                    values["job_title"],
                    values["email"],
                    values["phone"],
                    values["mobile"],
                    "",
                    contact_search_text(values),
                    at,
                    at,
                )
            )
            main = index == 0
            billing = index == 1 and rng.random() < 0.5
            links.append(
                (self.organization_id, client_id, contact_id, main, billing, False, main, at)
            )
            names.append(f"{first} {last}")
        return contacts, links, names

    def custom_values(self) -> dict[str, Any]:
        """The client's custom-field values as ``Client.custom_fields`` stores them."""
        rng = self.rng
        values: dict[str, Any] = {}
        if rng.random() < 0.30:
            values["niveau"] = rng.choices(SERVICE_LEVELS, SERVICE_LEVEL_WEIGHTS)[0]
        if rng.random() < 0.20:
            day = CONTRACT_ENDS[0] + datetime.timedelta(days=rng.randrange(self.contract_days + 1))
            values["fin_contrat"] = day.isoformat()
        if rng.random() < 0.25:
            values["nb_sites"] = min(50, int(rng.paretovariate(1.3)))
        return values

    # --- rows ---------------------------------------------------------------------------
    def batches(
        self, count: int, size: int, *, first_client_id: int, first_contact_id: int
    ) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
        """The rows of ``count`` clients, ``size`` clients at a time: {table: rows}."""
        self.next_contact_id = first_contact_id
        for start in range(0, count, size):
            batch: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
            for number in range(start + 1, min(count, start + size) + 1):
                self.client(first_client_id + number - 1, number, batch)
            yield batch

    def client(self, client_id: int, number: int, out: dict[str, list[tuple[Any, ...]]]) -> None:
        """Appends the rows of one client (and of what hangs off it) to ``out``."""
        rng = self.rng
        is_company = rng.random() < 0.58
        v: dict[str, Any] = {
            "kind": "company" if is_company else "individual",
            "civility": "",
            "first_name": "",
            "last_name": "",
            "email": "",
            "phone": "",
            "mobile": "",
            "fax": "",
            "website": "",
            "legal_form": "",
            "siret": "",
            "siren": "",
            "naf_code": "",
            "share_capital": None,
            "rcs": "",
            "vat_number": "",
            "sector": "",
            "employee_count": None,
            "country": "FR",
            "linkedin_url": "",
            "twitter_url": "",
            "facebook_url": "",
            "viadeo_url": "",
            "customer_account": "",
            "auxiliary_account": "",
            "notes": "",
        }
        v["reference"] = f"CLI-{number:05d}"
        created = self.now - datetime.timedelta(seconds=rng.randrange(10 * 365 * 86400))
        contact_names: list[str] = []
        if is_company:
            name = self.company_name()
            v["name"] = name
            where = rng.random()
            if where < 0.05:
                v["country"] = rng.choice(EU_COUNTRIES)
                v["vat_number"] = eu_vat_number(rng, v["country"])
            elif where < 0.08:
                v["country"] = rng.choice(NON_EU_COUNTRIES)
            else:
                if rng.random() < 0.9:
                    v["siret"], v["siren"] = self.siret()
                    v["vat_number"] = identifiers.french_vat_from_siren(v["siren"])
                    v["naf_code"] = rng.choice(NAF_CODES)
                    v["rcs"] = (
                        f"RCS {rng.choice(TOWNS)} "
                        f"{v['siren'][:3]} {v['siren'][3:6]} {v['siren'][6:]}"
                    )
                v["legal_form"] = next((f for f in LEGAL_FORMS if f in name.split()), "")
                v["phone"] = self.phone()
            domain = slug(name)[:40] + rng.choice((".fr", ".fr", ".fr", ".com"))
            if rng.random() < 0.8:
                v["email"] = self.unique_email(
                    rng.choice(("contact", "contact", "info", "compta", "direction")), domain
                )
            if rng.random() < 0.5:
                v["website"] = f"https://www.{domain}"
            v["sector"] = rng.choice(SECTORS)
            v["employee_count"] = int(rng.paretovariate(1.2)) if rng.random() < 0.6 else None
            v["share_capital"] = (
                Decimal(rng.choice((1000, 1500, 5000, 7500, 10000, 50000, 100000)))
                if rng.random() < 0.5
                else None
            )
            v["customer_account"] = f"411{slug(name).replace('-', '').upper()[:6]}"
            if rng.random() < 0.6:
                contacts, links, contact_names = self.contacts(client_id, domain, created)
                out["contacts_contact"] += contacts
                out["contacts_clientcontact"] += links
        else:
            female = rng.random() < 0.5
            first = rng.choice(FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE)
            last = self.surname()
            v.update(
                first_name=first,
                last_name=last,
                civility="mrs" if female else "mr",
                name=f"{first} {last}",
            )
            if rng.random() < 0.03:
                v["country"] = rng.choice(EU_COUNTRIES + NON_EU_COUNTRIES)
            if rng.random() < 0.85:
                sep = rng.choices((".", "_", "", "-"), (70, 10, 15, 5))[0]
                local = f"{slug(first)}{sep}{slug(last)}".replace("-", sep if sep != "." else "-")
                provider = rng.choices(EMAIL_PROVIDERS, EMAIL_PROVIDER_WEIGHTS)[0]
                v["email"] = self.unique_email(local, provider)
            if rng.random() < 0.7:
                v["mobile"] = self.phone(mobile=True)
        if rng.random() < 0.1:
            v["notes"] = rng.choice(NOTES)
        v["vat_regime"] = identifiers.vat_regime(
            kind=v["kind"], country=v["country"], vat_number=v["vat_number"]
        )
        archived = rng.random() < 0.05
        deleted = not archived and rng.random() < 0.005
        custom = self.custom_values()
        for key, value in custom.items():
            field = self.custom_fields[key]
            out["customfields_customfieldvalue"] += [
                (self.organization_id, field.pk, client_id, k) for k in value_keys(field, value)
            ]
        if self.tag_ids and rng.random() < 1 / 7:
            for tag_id in sorted(rng.sample(self.tag_ids, rng.choice((1, 1, 2, 3)))):
                out["clients_clienttag"].append((self.organization_id, client_id, tag_id))
        out["clients_client"].append(
            (
                client_id,
                self.organization_id,
                v["kind"],
                v["name"],
                v["civility"],
                v["first_name"],
                v["last_name"],
                v["reference"],
                v["email"],
                v["phone"],
                v["mobile"],
                v["fax"],
                v["website"],
                v["legal_form"],
                v["siret"],
                v["siren"],
                v["naf_code"],
                v["share_capital"],
                v["rcs"],
                v["vat_number"],
                v["sector"],
                v["employee_count"],
                v["country"],
                v["vat_regime"],
                v["linkedin_url"],
                v["twitter_url"],
                v["facebook_url"],
                v["viadeo_url"],
                v["customer_account"],
                v["auxiliary_account"],
                rng.random() < 0.4,
                rng.random() < 0.1,
                v["notes"],
                json.dumps(custom),
                Decimal(int(rng.paretovariate(1.1) * 500)) if rng.random() < 0.6 else Decimal(0),
                archived,
                created + datetime.timedelta(days=30) if archived else None,
                created + datetime.timedelta(days=60) if deleted else None,
                search_text(v, contact_names),
                fold(v["name"])[:100],
                1,
                created,
                created,
                rng.choice(self.category_ids) if self.category_ids and rng.random() < 0.5 else None,
                None,
                rng.choice(self.owner_ids) if rng.random() < 0.3 else None,
            )
        )
