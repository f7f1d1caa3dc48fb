"""Automatic column mapping: which Carnet column each header of an imported file holds.

People import client files exported from other tools, with headers in French or English,
in any case, with accents or without, sometimes with typos. ``suggest_mapping`` proposes a
column for each header; the user confirms or corrects it before anything is imported.

A header is compared, in this order of confidence, with:

1. Carnet's own headers (``label``, ``label_en``) and raw keys (``email``,
   ``billing.postcode``, ``cf.<slug>``): ``how="exact"``;
2. the name or slug of one of the organization's custom fields: ``how="custom"``;
3. the synonyms below, which include the headers of the exports of Dolibarr, Odoo,
   Invoice Ninja, Pennylane, Axonaut, Sellsy, QuickBooks Online and Google Contacts
   (``docs/import-headers.md`` says where each format was found): ``how="alias"``;
4. all of the above again, allowing a small typo: ``how="fuzzy"``.

Then a few rules read the file as a whole (``Nom`` next to ``Prénom`` is a last name, a
billing country is the client's country when nothing else gives one…), and each column is
given to the header with the best score, so that no column is filled twice.

Headers are compared in their *compact* form: normalized (see ``normalize_header``), then
without spaces, so that "E-mail", "Email" and "e mail" are one header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from carnet.core.text import fold
from carnet.imports.columns import Column

__all__ = ["HeaderMatch", "normalize_header", "suggest_mapping"]

# --- Scores ------------------------------------------------------------------------------
# Every exact or alias match outranks every fuzzy one, and a weak alias ("Société") yields
# its column to a strong one ("Raison sociale") found in the same file.
EXACT_SCORE = 100
CUSTOM_SCORE = 100
ALIAS_SCORE = 95
WEAK_ALIAS_SCORE = 90
# A fuzzy score is the similarity minus this, so at most 84.
FUZZY_PENALTY = 15

# Fuzzy matching, on compact forms. The similarity threshold alone lets "Organization 1 -
# Type" pass for "Organization 1 - Name" and "Billing Rate" for "Billing State", so a typo
# must also be at most two edits (a swap counts as one), keep the number of words and the
# digits ("Phone 2" is not a typo of "Phone 1", nor "Identifiant professionnel 2" of
# "… 1"), and leave each word close to the one it stands for.
FUZZY_MIN_RATIO = 85
FUZZY_MAX_EDITS = 2
FUZZY_MIN_WORD_RATIO = 75
# "Tel", "Tva", "Nom", "Non", "Pays", "Mail": a short header is too easily one edit away
# from another, so it must be known exactly.
FUZZY_MIN_LENGTH = 6

_ORDINAL_SIGNS = str.maketrans({"°": " ", "º": " ", "№": "N "})
_NOT_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d")


def normalize_header(text: str) -> str:
    """The case-, accent- and punctuation-insensitive form of a header, words separated by
    one space: "N° TVA Intracom." -> "n tva intracom", "billing.postcode" -> "billing
    postcode", "E-mail 1 - Value" -> "e mail 1 value"."""
    # "N°", "Nº" and "№" all mean "numéro": the sign goes, the "n" stays.
    folded = fold(text.translate(_ORDINAL_SIGNS))
    return _NOT_WORD.sub(" ", folded).strip()


def _compact(text: str) -> str:
    return normalize_header(text).replace(" ", "")


@dataclass(frozen=True)
class HeaderMatch:
    """The column suggested for one header of an imported file."""

    index: int  # the header's column index in the file
    header: str  # the header as written
    key: str | None  # the suggested column key; None when nothing fits or for a duplicate
    how: str  # "exact", "alias", "fuzzy", "custom", "duplicate" or "none"
    score: int  # 0–100


# --- Synonyms ----------------------------------------------------------------------------
# fmt: off
# Written as people and tools write them; they are normalized when the tables are built.
# Strong aliases name the column unambiguously.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "Raison sociale", "Raison sociale client", "Nom / raison sociale", "Nom ou raison sociale",
        "Dénomination", "Dénomination sociale", "Nom du client", "Nom client", "Nom de la société",
        "Nom de l'entreprise", "Nom société", "Nom entreprise", "Nom du tiers", "Tiers", "Client",
        "Company name", "Customer name", "Client name", "Business name", "Legal name", "Customer",
        "Full name", "Customer full name",
    ),
    "first_name": (
        "Prénom", "Prénom du client", "Prénom client", "First name", "Firstname", "Given name",
        "Forename",
    ),
    "last_name": (
        "Nom de famille", "Nom patronymique", "Nom d'usage", "Last name", "Lastname", "Family name",
        "Surname",
    ),
    "civility": ("Civilité", "Titre de civilité", "Civility", "Salutation", "Name prefix"),
    "email": (
        "Mail", "Courriel", "Mél", "Adresse e-mail", "Adresse mail", "Adresse électronique",
        "Adresse courriel", "E-mail principal", "Email address", "E-mail address", "Emails",
        "E-mail 1 - Value", "Email 1", "Work email",
    ),
    "phone": (
        "Tél", "Tel.", "Téléphone", "Téléphone fixe", "Tél. fixe", "Fixe", "Tél. bureau",
        "Téléphone bureau", "Tél. pro.", "Téléphone professionnel", "Numéro de téléphone",
        "Téléphone standard", "Phone number", "Telephone", "Telephone number", "Work phone",
        "Business phone", "Office phone", "Phone 1", "Phone 1 - Value", "Client phone",
    ),
    "mobile": (
        "Portable", "Tél. portable", "Téléphone portable", "Tél. mobile", "Téléphone mobile", "GSM",
        "Cellulaire", "Mobile phone", "Mobile number", "Cell", "Cell phone", "Cellphone",
    ),
    "fax": ("Télécopie", "Télécopieur", "N° de fax", "Numéro de fax", "Fax number"),
    "website": (
        "Site internet", "Site", "Web", "URL", "Site web", "Adresse du site", "Website",
        "Website link", "Website 1 - Value", "Homepage", "Web site", "Web page", "www",
    ),
    "legal_form": (
        "Forme juridique", "Statut juridique", "Type d'entité légale", "Juridical status",
        "Legal entity type", "Legal form", "legal_france.company_type",
    ),
    "siret": (
        "N° SIRET", "Numéro SIRET", "Numéro de SIRET", "SIRET number",
        "Identifiant professionnel 2", "ID professionnel 2", "Id. prof. 2", "Id. prof. 2 (SIRET)",
        "Professional ID 2", "legal_france.siret",
    ),
    "siren": (
        "N° SIREN", "Numéro SIREN", "Numéro de SIREN", "SIREN number",
        "Identifiant professionnel 1", "ID professionnel 1", "Id. prof. 1", "Id. prof. 1 (SIREN)",
        "Professional ID 1", "Registration number", "Company registration number",
        "legal_france.siren",
    ),
    "naf_code": (
        "NAF", "APE", "Code APE", "Code NAF/APE", "Code APE/NAF", "NAF/APE", "APE/NAF",
        "Code activité", "Activité principale", "NAF (ex APE)", "NAF code", "APE code",
        "Activity code", "Identifiant professionnel 3", "ID professionnel 3", "Id. prof. 3",
        "Id. prof. 3 (NAF-APE)", "Professional ID 3", "legal_france.ape_naf_code",
    ),
    "rcs": (
        "Registre du commerce", "N° RCS", "Numéro RCS", "Immatriculation RCS", "RCS/RM",
        "Identifiant professionnel 4", "ID professionnel 4", "Id. prof. 4", "Id. prof. 4 (RCS/RM)",
        "Professional ID 4", "legal_france.rcs_immatriculation",
    ),
    "vat_number": (
        "TVA intracom", "TVA intracommunautaire", "N° TVA intracom", "TVA intra", "N° TVA intra",
        "Numéro de TVA intracommunautaire", "Numéro TVA intracommunautaire", "Numéro de TVA",
        "Numéro TVA", "Num TVA", "N° TVA", "N° de TVA", "Identifiant TVA", "N° identifiant TVA",
        "Numéro d'identification TVA", "VAT", "VAT ID",
        "VAT No", "VAT number", "EU VAT number", "Tax ID", "Tax number", "Intra-community VAT",
        "Intra-community VAT number", "Intracommunity VAT", "Intracommunity number",
        "legal_france.vat",
    ),
    "share_capital": ("Capital", "Capital social", "Montant du capital", "Share capital"),
    "sector": (
        "Secteur", "Secteur d'activité", "Domaine d'activité", "Industrie", "Industry", "Sector",
    ),
    "employee_count": (
        "Effectif", "Effectifs", "Salariés", "Nombre de salariés", "Nb salariés",
        "Nombre d'employés", "Employees", "Employee count", "Number of employees", "Headcount",
        "Staff", "Workforce",
    ),
    "country": (
        "Pays", "Code pays", "Country", "Country code", "Country alpha2", "Country id",
        "Address 1 - Country", "Address country",
    ),
    "linkedin_url": ("LinkedIn", "URL LinkedIn", "Profil LinkedIn", "social.linkedin"),
    "twitter_url": ("Twitter", "Compte Twitter", "social.twitter"),
    "facebook_url": ("Facebook", "Page Facebook", "social.facebook"),
    "viadeo_url": ("Viadeo", "social.viadeo"),
    "customer_account": (
        "Compte comptable", "Compte comptable client", "Code comptable", "Code comptable client",
        "Code compta", "Compte 411", "Compte tiers", "Accountancy code",
        "Customer accountancy code", "Account number", "Plan item number", "Thirdparty code",
    ),
    "auxiliary_account": ("Code auxiliaire", "Compte auxiliaire", "Auxiliary code"),
    "marketing_email": (
        "Opt-in e-mail", "E-mail opt-in", "Consentement e-mail", "Accepte les e-mails",
        "Newsletter",
    ),
    "marketing_sms": ("Opt-in SMS", "SMS opt-in", "Consentement SMS", "Accepte les SMS"),
    "notes": (
        "Commentaire", "Commentaires", "Remarque", "Remarques", "Note", "Notes", "Observations",
        "Observation", "Note privée", "Notes privées", "Note interne", "Notes internes",
        "Notes personnelles", "Mémo", "Comment", "Comments", "Private note", "Private notes",
        "Note private", "Notepad",
    ),
    "tags": (
        "Tags", "Tag", "Étiquettes", "Étiquette", "Mots-clés", "Mot-clé", "Keywords", "Labels",
        "Group membership", "Smart tags", "Catégories", "category_id",
    ),
    "category": (
        "Catégorie", "Catégorie client", "Category", "Customer type", "Type de client",
        "Type client", "Famille", "Famille client",
    ),
    "owner": ("Responsable", "Responsable du compte", "Owner", "Business manager"),
    "payment_terms_days": (
        "Délai de paiement", "Délai de règlement", "Conditions de paiement",
        "Conditions de règlement", "Condition de règlement", "Échéance", "Payment terms",
        "Payment term", "Terms",
    ),
    "payment_terms_end_of_month": ("Fin de mois", "End of month"),
    "payment_method": (
        "Mode de paiement", "Mode de règlement", "Moyen de paiement", "Moyen de règlement",
        "Payment method", "Payment mode", "Preferred payment method",
    ),
    "discount_percent": (
        "Remise client", "Remise client par défaut", "Taux de remise", "Pourcentage de remise",
        "Discount rate",
    ),
    "discount_amount": ("Remise (montant)", "Montant de remise", "Discount (amount)"),
    "currency": ("Devise", "Currency", "Monnaie", "Currency code", "Code devise"),
    "default_vat_rate": ("Taux de TVA", "Taux de TVA par défaut", "VAT rate", "Tax rate"),
    "price_category": (
        "Catégorie de prix", "Catégorie tarifaire", "Grille tarifaire", "Niveau de prix",
        "Price category", "Price list", "Pricelist", "Price level",
    ),
    "carrier": ("Transporteur", "Mode d'expédition", "Carrier", "Shipping method"),
    "bank.iban": ("Code IBAN", "Numéro IBAN", "IBAN du client", "Bank account IBAN"),
    "bank.bic": ("Code BIC", "BIC/SWIFT", "Code SWIFT", "SWIFT", "Swift code", "BIC code"),
    "pays_into": ("Compte de règlement", "Compte bancaire de règlement", "Paid into account"),
    "reference": (
        "Référence", "Référence client", "Réf. client", "Ref", "Code client", "Numéro client",
        "N° client", "Code tiers", "Customer code", "Customer number", "Customer ref",
        "Client number", "Reference",
    ),
    "kind": ("Type", "Kind"),
    "contact.civility": ("Civilité contact", "Civilité du contact", "Contact title"),
    "contact.first_name": (
        "Prénom contact", "Prénom du contact", "Prénom interlocuteur", "Contact first name",
        "Contact firstname",
    ),
    "contact.last_name": (
        "Nom contact", "Nom du contact", "Nom interlocuteur", "Contact last name",
        "Contact lastname", "Contact name",
    ),
    "contact.job_title": (
        "Fonction du contact", "Poste du contact", "Fonction contact", "Contact job title",
    ),
    "contact.email": (
        "E-mail du contact", "E-mail contact", "Mail contact", "Mail du contact",
        "Courriel contact", "Courriel du contact", "Contact email", "Contact mail",
    ),
    "contact.phone": (
        "Téléphone du contact", "Téléphone contact", "Tél. contact", "Contact phone",
        "Contact telephone",
    ),
    "contact.mobile": (
        "Mobile du contact", "Portable du contact", "Portable contact", "Mobile contact",
        "GSM contact", "Contact cell", "Contact mobile phone",
    ),
}

# Weak aliases: plausible, but a header in the same file that names the column better
# takes it ("Société" yields to "Raison sociale", "Note publique" to "Note privée").
_WEAK_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "Société", "Entreprise", "Organisation", "Company", "Organization", "Organization name",
        "Organization 1 - Name", "Display name", "Complete name", "Nom complet", "Nom affiché",
        "Intitulé",
    ),
    "civility": ("Titre", "Code civilité", "Civility code"),
    # "Remise (%)" reads as "Remise": a custom field of that name takes it first.
    "discount_percent": ("Remise", "Discount"),
    "vat_number": ("TVA",),
    "reference": (
        "Identifiant client", "ID client", "Internal id", "Référence externe", "External reference",
    ),
    "notes": (
        "Note publique", "Notes publiques", "Public note", "Public notes", "Description",
        "Informations complémentaires",
    ),
    "sector": ("Activité", "Business segment"),
    "employee_count": ("Tranche d'effectif",),
    "owner": ("Propriétaire", "Commercial attitré"),
    "twitter_url": ("X",),
    "contact.last_name": (
        "Contact", "Contact principal", "Interlocuteur", "Personne à contacter", "Main contact",
        "Primary contact", "Address contact name",
    ),
    "contact.job_title": ("Fonction", "Poste", "Job title", "Job position"),
    "billing.region": ("Département", "Département / Canton", "State/Canton"),
}

# Address fields, written alone ("Ville": the billing address) or with the address they
# belong to ("Ville de livraison", "Shipping City", "Billing Address Line 1").
_ADDRESS_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # field: (French words, English words)
    "line1": (
        ("Adresse", "Rue", "Adresse 1", "Adresse ligne 1", "Ligne adresse 1", "Voie"),
        (
            "Address", "Street", "Address 1", "Address line 1", "Street address", "Street 1",
            "Address1", "Line 1",
        ),
    ),
    "line2": (
        (
            "Adresse 2", "Adresse ligne 2", "Complément", "Complément d'adresse",
            "Complément adresse", "Rue 2", "Appt/Bâtiment",
        ),
        ("Address 2", "Address line 2", "Street 2", "Street2", "Address2", "Apt/Suite", "Line 2"),
    ),
    "line3": (
        ("Adresse 3", "Adresse ligne 3", "Complément 2", "Lieu-dit", "Boîte postale", "BP"),
        ("Address 3", "Address line 3", "Street 3", "Address3", "PO Box", "Line 3"),
    ),
    "postcode": (
        ("CP", "Code postal"),
        ("Zip", "ZIP code", "Zipcode", "Postal code", "Postcode", "Zip code"),
    ),
    "city": (
        ("Ville", "Commune", "Localité"),
        ("City", "Town", "City/Town"),
    ),
    "region": (
        ("Région", "Région/Département", "Région / État"),
        ("Region", "State", "Province", "State/Province"),
    ),
    "country": (
        ("Pays",),
        ("Country",),
    ),
}
_ADDRESS_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # address: (French names, written after the field; English names, written before it)
    "billing": (
        ("facturation", "de facturation"),
        ("Billing", "Bill", "Billing address", "Invoice", "Invoicing"),
    ),
    "delivery": (
        ("livraison", "de livraison"),
        ("Shipping", "Ship", "Shipping address", "Delivery", "Delivery address"),
    ),
}
# Headers that name a field of the billing address without saying so. "Pays" is not
# here: a file's country column is the client's country (see the rules below).
_PLAIN_ADDRESS_EXTRAS: dict[str, tuple[str, ...]] = {
    "line1": ("Address 1 - Street", "Address street", "Adresse postale", "Numéro et rue"),
    "line2": ("Address 1 - Extended Address",),
    "line3": ("Address 1 - PO Box",),
    "postcode": (
        "Address 1 - Postal Code", "Address zip code", "Address zipcode", "Code postal client",
    ),
    "city": ("Address 1 - City", "Address city", "Ville client"),
    "region": ("Address 1 - Region", "Address region", "Address state", "State id"),
}

# Headers known to hold nothing Carnet imports, which must stay unmapped rather than be
# taken for a near neighbour. "Id" is another tool's internal number: mapping it to
# Carnet's "id" would update the wrong clients (see _carnet_keyed_file).
_IGNORED: tuple[str, ...] = (
    "Id", "ID", "Company type", "Company id", "Type du tiers", "Third party type", "Is a company",
    "Is company", "Code fournisseur", "Supplier code", "Compte comptable fournisseur",
    "Supplier accountancy code", "Address 1 - Formatted", "Address 1 - Type", "Address 1 - Label",
    "E-mail 1 - Type", "E-mail 1 - Label", "Phone 1 - Type", "Phone 1 - Label", "ID number",
    "Department",
)
# fmt: on


@dataclass(frozen=True)
class _Profile:
    """What one tool's export means by some headers, when generic synonyms would mislead.

    The profile applies when every header of one of its ``signatures`` is in the file.
    """

    name: str
    signatures: tuple[frozenset[str], ...]
    overrides: Mapping[str, str | None]  # compact header -> key, None: leave unmapped


def _profile(
    name: str, signatures: Iterable[Iterable[str]], overrides: Mapping[str, str | None]
) -> _Profile:
    return _Profile(
        name,
        tuple(frozenset(_compact(header) for header in signature) for signature in signatures),
        {_compact(header): key for header, key in overrides.items()},
    )


_PROFILES: tuple[_Profile, ...] = (
    # Invoice Ninja exports its client's first contact next to the client: "First Name",
    # "Last Name" (v4 French: "Prénom", a second "Nom") are that contact's, and the
    # client's own "Number" is its reference.
    _profile(
        "invoiceninja",
        (("Paid to Date", "Balance"), ("Payé à ce jour", "Solde")),
        {
            "First Name": "contact.first_name",
            "Last Name": "contact.last_name",
            "Prénom": "contact.first_name",
            "Contact Phone": "contact.phone",
            "Number": "reference",
        },
    ),
    # Sellsy's "type" is client, prospect or supplier, not the kind of client.
    _profile(
        "sellsy",
        (("legal_france.siret",), ("legal_france.siren",), ("legal_france.vat",)),
        {"type": None},
    ),
)


def _address_aliases() -> dict[str, list[str]]:
    """The billing and delivery address synonyms, from the words above."""
    aliases: dict[str, list[str]] = {}
    for field, (french_words, english_words) in _ADDRESS_WORDS.items():
        if field != "country":
            aliases.setdefault(f"billing.{field}", []).extend(
                (*french_words, *english_words, *_PLAIN_ADDRESS_EXTRAS.get(field, ()))
            )
        for address, (french_names, english_names) in _ADDRESS_NAMES.items():
            key = f"{address}.{field}"
            for word in french_words:
                aliases.setdefault(key, []).extend(f"{word} {name}" for name in french_names)
                aliases[key].append(f"{french_names[0]} {word}")
            for word in english_words:
                aliases[key].extend(f"{name} {word}" for name in english_names)
    return aliases


@dataclass(frozen=True)
class _Known:
    """A header Carnet recognizes, kept by its compact form."""

    key: str | None  # None: recognized, and holds nothing Carnet imports
    how: str  # "exact", "custom" or "alias"
    score: int
    words: tuple[str, ...]  # the header's normalized words, for fuzzy matching


def _known(text: str, key: str | None, how: str, score: int) -> tuple[str, _Known]:
    normalized = normalize_header(text)
    return normalized.replace(" ", ""), _Known(key, how, score, tuple(normalized.split()))


@cache
def _synonyms() -> dict[str, _Known]:
    """Every alias, by compact form. Built once; a header given to two different columns
    is a mistake in the tables above, raised here rather than resolved silently."""
    table: dict[str, _Known] = {}

    def add(text: str, key: str | None, score: int) -> None:
        compact, known = _known(text, key, "alias", score)
        previous = table.get(compact)
        if previous is not None and previous.key != key:
            raise ValueError(f"the header {text!r} is an alias of {previous.key} and {key}")
        if previous is None or previous.score < score:
            table[compact] = known

    for key, texts in _ALIASES.items():
        for text in texts:
            add(text, key, ALIAS_SCORE)
    for key, generated in _address_aliases().items():
        for text in generated:
            add(text, key, ALIAS_SCORE)
    for key, texts in _WEAK_ALIASES.items():
        for text in texts:
            add(text, key, WEAK_ALIAS_SCORE)
    for text in _IGNORED:
        add(text, None, ALIAS_SCORE)
    return table


# --- Matching one header -----------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    key: str | None
    how: str
    score: int


_UNMAPPED = _Candidate(None, "none", 0)


@dataclass(frozen=True)
class _FuzzyTarget:
    compact: str
    words: tuple[str, ...]
    digits: str
    key: str | None


def _digits(compact: str) -> str:
    return "".join(_DIGITS.findall(compact))


def _words_alike(words: Sequence[str], target_words: Sequence[str]) -> bool:
    return all(
        word == target or fuzz.ratio(word, target) >= FUZZY_MIN_WORD_RATIO
        for word, target in zip(words, target_words, strict=True)
    )


class _Catalogue:
    """What the headers of one file can be matched with, given the organization's
    columns: importable columns and ``id`` only."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.allowed = {c.key for c in columns if c.importable or c.key == "id"}
        self.dotted_keys = {c.key.casefold() for c in columns if "." in c.key}
        self.exact: dict[str, _Known] = {}
        self.custom: dict[str, _Known] = {}
        for column in columns:
            if column.is_custom:
                slug = column.key.removeprefix("cf.")
                for text in (column.label, slug, column.key):
                    compact, known = _known(text, column.key, "custom", CUSTOM_SCORE)
                    self.custom.setdefault(compact, known)
                continue
            # A column Carnet exports but never imports (VAT regime, dates) is recognized
            # so that its header is not taken for another one, and left unmapped.
            key = column.key if column.key in self.allowed else None
            texts = [column.label, column.label_en]
            # The raw key "id" is only trusted in a file keyed like Carnet's (see below).
            if column.key != "id":
                texts.append(column.key)
            for text in texts:
                compact, known = _known(text, key, "exact", EXACT_SCORE)
                self.exact.setdefault(compact, known)
        self.aliases = {
            compact: known
            for compact, known in _synonyms().items()
            if known.key is None or known.key in self.allowed
        }
        # Typos are looked for among all of them, the stronger kind first.
        targets: dict[str, _Known] = {}
        for table in (self.exact, self.custom, self.aliases):
            for compact, known in table.items():
                targets.setdefault(compact, known)
        self.fuzzy_targets = [
            _FuzzyTarget(compact, known.words, _digits(compact), known.key)
            for compact, known in targets.items()
        ]

    def match(self, header: str) -> _Candidate | None:
        """The best column for one header on its own, or None when nothing fits."""
        compact = _compact(header)
        if not compact:
            return None
        for table in (self.exact, self.custom, self.aliases):
            known = table.get(compact)
            if known is not None:
                return _Candidate(known.key, known.how, known.score) if known.key else _UNMAPPED
        return self._fuzzy(header, compact)

    def _fuzzy(self, header: str, compact: str) -> _Candidate | None:
        if len(compact) < FUZZY_MIN_LENGTH:
            return None
        words = tuple(normalize_header(header).split())
        digits = _digits(compact)
        best_ratio = 0.0
        best: _FuzzyTarget | None = None
        for target in self.fuzzy_targets:
            if len(target.words) != len(words) or target.digits != digits:
                continue
            ratio = fuzz.ratio(compact, target.compact, score_cutoff=FUZZY_MIN_RATIO)
            if ratio <= best_ratio:
                continue
            if OSA.distance(compact, target.compact) > FUZZY_MAX_EDITS:
                continue
            if not _words_alike(words, target.words):
                continue
            best_ratio, best = ratio, target
        if best is None or best.key is None:
            return None
        return _Candidate(best.key, "fuzzy", min(int(best_ratio), 99) - FUZZY_PENALTY)


# --- Reading the file as a whole ---------------------------------------------------------
def _apply_profiles(
    compacts: Sequence[str], candidates: list[_Candidate | None], catalogue: _Catalogue
) -> None:
    present = set(compacts)
    for profile in _PROFILES:
        if not any(signature <= present for signature in profile.signatures):
            continue
        for index, compact in enumerate(compacts):
            if compact not in profile.overrides:
                continue
            key = profile.overrides[compact]
            if key is None:
                candidates[index] = _UNMAPPED
            elif key in catalogue.allowed:
                candidates[index] = _Candidate(key, "alias", ALIAS_SCORE)


def _has_key(candidates: Sequence[_Candidate | None], key: str) -> bool:
    return any(candidate is not None and candidate.key == key for candidate in candidates)


def _apply_file_rules(
    headers: Sequence[str],
    compacts: Sequence[str],
    candidates: list[_Candidate | None],
    catalogue: _Catalogue,
) -> None:
    # "Nom" (or "Name") next to a first-name column, with no other last-name column, is
    # an individual's last name; alone it is the client's name. When the header appears
    # twice (Invoice Ninja's French export: the client's "Nom", then its contact's "Prénom"
    # and "Nom"), the first one is the client's name.
    if (
        "last_name" in catalogue.allowed
        and _has_key(candidates, "first_name")
        and not _has_key(candidates, "last_name")
    ):
        for index, compact in enumerate(compacts):
            candidate = candidates[index]
            if (
                compact in ("nom", "name")
                and candidate is not None
                and candidate.key == "name"
                and compacts.count(compact) == 1
            ):
                candidates[index] = _Candidate("last_name", "alias", ALIAS_SCORE)
    # The client's country decides its VAT regime; another tool's file with no country
    # column but a billing country gives the client that country (the billing address
    # then defaults to it, so nothing is lost). Carnet's own header means what it says.
    if "country" in catalogue.allowed and not _has_key(candidates, "country"):
        for index, candidate in enumerate(candidates):
            if (
                candidate is not None
                and candidate.key == "billing.country"
                and candidate.how != "exact"
            ):
                candidates[index] = _Candidate("country", candidate.how, candidate.score)
    # A bare "id" column is another tool's internal number, unless the file is keyed like
    # Carnet's own (other headers are raw keys such as "billing.postcode").
    if "id" in catalogue.allowed and _carnet_keyed_file(headers, catalogue):
        for index, compact in enumerate(compacts):
            if compact == "id" and candidates[index] in (None, _UNMAPPED):
                candidates[index] = _Candidate("id", "exact", EXACT_SCORE)


def _carnet_keyed_file(headers: Sequence[str], catalogue: _Catalogue) -> bool:
    return any(header.strip().casefold() in catalogue.dotted_keys for header in headers)


# --- The mapping -------------------------------------------------------------------------
def suggest_mapping(headers: Sequence[str], columns: Sequence[Column]) -> list[HeaderMatch]:
    """Suggest a column for each header of an imported file, in the order of the headers.

    ``columns`` is the organization's list (``columns.columns_for``); only its importable
    columns and ``id`` are suggested. Each column goes to one header at most: the one with
    the best score, the leftmost on a tie. A header identical (after normalization) to an
    earlier one is a ``"duplicate"``; a header nothing fits stays unmapped (``"none"``).
    """
    catalogue = _Catalogue(columns)
    compacts = [_compact(header) for header in headers]
    seen: set[str] = set()
    duplicates: set[int] = set()
    candidates: list[_Candidate | None] = []
    for index, header in enumerate(headers):
        normalized = normalize_header(header)
        if normalized and normalized in seen:
            duplicates.add(index)
            candidates.append(None)
            continue
        seen.add(normalized)
        candidates.append(catalogue.match(header))

    _apply_profiles(compacts, candidates, catalogue)
    for index in duplicates:
        candidates[index] = None
    _apply_file_rules(headers, compacts, candidates, catalogue)

    chosen: dict[int, _Candidate] = {}
    taken: set[str] = set()
    ranked = sorted(
        (index for index, candidate in enumerate(candidates) if candidate and candidate.key),
        key=lambda index: (-_score(candidates[index]), index),
    )
    for index in ranked:
        candidate = candidates[index]
        assert candidate is not None and candidate.key is not None
        if candidate.key not in taken:
            taken.add(candidate.key)
            chosen[index] = candidate

    matches: list[HeaderMatch] = []
    for index, header in enumerate(headers):
        if index in duplicates:
            matches.append(HeaderMatch(index, header, None, "duplicate", 0))
        elif index in chosen:
            candidate = chosen[index]
            matches.append(
                HeaderMatch(index, header, candidate.key, candidate.how, candidate.score)
            )
        else:
            matches.append(HeaderMatch(index, header, None, "none", 0))
    return matches


def _score(candidate: _Candidate | None) -> int:
    return candidate.score if candidate is not None else 0
