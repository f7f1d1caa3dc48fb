"""The columns of a client file: what Carnet exports, what its templates offer and what the
importer can map a spreadsheet's columns to.

One catalogue for the three, so that an export re-imports exactly. A column's ``key`` is
stable (it is stored in saved mappings and used by the API): a client field name
(``email``), ``contact.<field>`` for the main contact, ``billing.<field>`` and
``delivery.<field>`` for the default billing and delivery addresses, ``bank.iban`` and
``bank.bic`` for the primary bank account, and ``cf.<slug>`` for a custom field.
``label`` is the French header Carnet writes; ``label_en`` its English name, which the
importer recognizes too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from carnet.customfields.models import CustomField

CUSTOM_PREFIX = "cf."


@dataclass(frozen=True)
class Column:
    """One column of a client file."""

    key: str
    label: str  # the French header, exactly as exported (not translated: files are French)
    label_en: str
    # "client", "payment", "bank", "contact", "billing", "delivery", "custom", "info"
    group: str
    help: str | Promise  # what the column holds and which values are accepted
    example: str = ""
    # False for what Carnet computes (VAT regime, dates): exported, never imported.
    importable: bool = True

    @property
    def is_custom(self) -> bool:
        return self.key.startswith(CUSTOM_PREFIX)


def _client(key: str, label: str, label_en: str, help: str | Promise, example: str = "") -> Column:
    return Column(key, label, label_en, "client", help, example)


def _payment(key: str, label: str, label_en: str, help: str | Promise, example: str) -> Column:
    return Column(key, label, label_en, "payment", help, example)


_YES_NO = _("oui ou non")

CLIENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "Identifiant Carnet",
        "Carnet id",
        "info",
        _("Numéro interne du client dans Carnet : laissez-le tel quel pour mettre à jour."),
    ),
    _client(
        "reference",
        "Référence",
        "Reference",
        _("Unique ; générée (CLI-00001…) si vide."),
        "CLI-00042",
    ),
    _client(
        "kind",
        "Type",
        "Type",
        _("« Entreprise » ou « Particulier » (company, individual)."),
        "Entreprise",
    ),
    _client(
        "name",
        "Nom",
        "Name",
        _("Raison sociale ou nom complet ; obligatoire."),
        "Boulangerie Martin",
    ),
    _client("civility", "Civilité", "Title", _("Particuliers : M. ou Mme."), ""),
    _client("first_name", "Prénom", "First name", _("Particuliers."), ""),
    _client("last_name", "Nom de famille", "Last name", _("Particuliers."), ""),
    _client(
        "email", "E-mail", "Email", _("Adresse e-mail ; unique."), "contact@boulangerie-martin.fr"
    ),
    _client(
        "phone",
        "Téléphone",
        "Phone",
        _("Numéro national (01 42 68 53 00) ou international (+32 2 555 12 12)."),
        "01 42 68 53 00",
    ),
    _client("mobile", "Mobile", "Mobile", _("Comme le téléphone."), "06 12 34 56 78"),
    _client("fax", "Fax", "Fax", _("Comme le téléphone."), ""),
    _client("website", "Site web", "Website", _("Adresse du site."), "www.boulangerie-martin.fr"),
    _client("legal_form", "Forme juridique", "Legal form", _("SARL, SAS, EI…"), "SARL"),
    _client(
        "siret",
        "SIRET",
        "SIRET",
        _("14 chiffres, clé de contrôle vérifiée ; unique."),
        "73282932000074",
    ),
    _client("siren", "SIREN", "SIREN", _("9 chiffres ; déduit du SIRET si vide."), "732829320"),
    _client("naf_code", "Code NAF", "NAF code", _("Code APE, par exemple 10.71C."), "10.71C"),
    _client("share_capital", "Capital social", "Share capital", _("Montant en euros."), "10000"),
    _client("rcs", "RCS", "Trade register", _("Ville et numéro d'immatriculation."), ""),
    _client(
        "vat_number",
        "N° TVA intracommunautaire",
        "VAT number",
        _("Avec le code du pays, par exemple FR44732829320."),
        "FR44732829320",
    ),
    Column(
        "vat_regime",
        "Régime de TVA",
        "VAT regime",
        "info",
        _("Calculé par Carnet (TVA française, autoliquidation, export) : non importé."),
        importable=False,
    ),
    _client("sector", "Secteur d'activité", "Industry", _("Texte libre."), "Alimentation"),
    _client("employee_count", "Effectif", "Employees", _("Nombre entier."), "12"),
    _client(
        "country",
        "Pays",
        "Country",
        _("Code ISO à deux lettres (FR par défaut) ou nom du pays."),
        "FR",
    ),
    _client("linkedin_url", "LinkedIn", "LinkedIn", _("Adresse de la page."), ""),
    _client("twitter_url", "X (Twitter)", "X (Twitter)", _("Adresse de la page."), ""),
    _client("facebook_url", "Facebook", "Facebook", _("Adresse de la page."), ""),
    _client("viadeo_url", "Viadeo", "Viadeo", _("Adresse de la page."), ""),
    _client(
        "customer_account",
        "Compte client",
        "Customer account",
        _("Compte comptable (411…)."),
        "411MARTIN",
    ),
    _client(
        "auxiliary_account", "Compte auxiliaire", "Auxiliary account", _("Code auxiliaire."), ""
    ),
    _client("marketing_email", "Accepte les e-mails", "Email opt-in", _YES_NO, "oui"),
    _client("marketing_sms", "Accepte les SMS", "SMS opt-in", _YES_NO, "non"),
    _client("notes", "Notes", "Notes", _("Texte libre."), ""),
    _client("tags", "Étiquettes", "Tags", _("Séparées par des virgules."), "VIP, Salon 2026"),
    _client("category", "Catégorie", "Category", _("Créée si elle n'existe pas."), "Commerce"),
    _client(
        "owner",
        "Responsable",
        "Owner",
        _("E-mail d'un membre de l'organisation."),
        "",
    ),
    Column(
        "archived",
        "Archivé",
        "Archived",
        "info",
        _("Indiqué par Carnet : non importé (archivez depuis la liste)."),
        importable=False,
    ),
    Column(
        "created_at",
        "Créé le",
        "Created at",
        "info",
        _("Indiqué par Carnet : non importé."),
        importable=False,
    ),
    Column(
        "updated_at",
        "Modifié le",
        "Updated at",
        "info",
        _("Indiqué par Carnet : non importé."),
        importable=False,
    ),
)

# Payment preferences: blank means "as the organization's defaults say".
PAYMENT_COLUMNS: tuple[Column, ...] = (
    _payment(
        "payment_terms_days",
        "Délai de paiement (jours)",
        "Payment terms (days)",
        _("Nombre de jours, de 0 à 365 ; vide : le délai par défaut de l'organisation."),
        "30",
    ),
    _payment(
        "payment_terms_end_of_month",
        "Fin de mois",
        "End of month",
        _("oui ou non : le délai court jusqu'à la fin du mois."),
        "non",
    ),
    _payment(
        "payment_method",
        "Mode de paiement",
        "Payment method",
        _("Virement, Chèque, Prélèvement, Carte bancaire, Espèces ou Autre."),
        "Virement",
    ),
    _payment(
        "discount_percent",
        "Remise en pourcentage",
        "Discount percentage",
        _("Pourcentage de 0 à 100 ; ou bien une remise en montant, pas les deux."),
        "",
    ),
    _payment(
        "discount_amount",
        "Remise en montant",
        "Discount amount",
        _("Montant positif ; ou bien une remise en pourcentage, pas les deux."),
        "",
    ),
    _payment(
        "currency",
        "Devise",
        "Currency",
        _("Code ISO 4217 (EUR, USD, CHF…) ; vide : la devise par défaut."),
        "EUR",
    ),
    _payment(
        "default_vat_rate",
        "Taux de TVA (%)",
        "VAT rate (%)",
        _("20, 10, 5,5, 2,1 ou 0 ; vide : le taux par défaut."),
        "20",
    ),
    _payment(
        "price_category",
        "Catégorie de prix",
        "Price category",
        _("Nom d'une catégorie de prix définie dans les paramètres."),
        "",
    ),
    _payment(
        "carrier",
        "Transporteur",
        "Carrier",
        _("Nom d'un transporteur défini dans les paramètres."),
        "",
    ),
    _payment(
        "pays_into",
        "Compte de règlement",
        "Paid into account",
        _("Libellé ou IBAN d'un compte bancaire de l'organisation ; vide : le compte par défaut."),
        "",
    ),
)

# The client's primary bank account: an IBAN the client has becomes its primary account,
# another one is added as its primary account (accounts are never removed by an import).
BANK_COLUMNS: tuple[Column, ...] = (
    Column(
        "bank.iban",
        "IBAN",
        "IBAN",
        "bank",
        _(
            "IBAN du compte bancaire principal du client, avec ou sans espaces ; masqué (••••) "
            "dans l'export d'un utilisateur qui ne peut pas modifier les clients : laissé "
            "tel quel, il ne change rien."
        ),
        "FR76 3000 6000 0112 3456 7890 189",
    ),
    Column(
        "bank.bic",
        "BIC",
        "BIC",
        "bank",
        _("BIC de la banque de ce compte, du pays de l'IBAN (8 ou 11 caractères)."),
        "AGRIFRPP",
    ),
)

CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("contact.civility", "Contact - Civilité", "Contact - Title", "contact", _("M. ou Mme.")),
    Column(
        "contact.first_name",
        "Contact - Prénom",
        "Contact - First name",
        "contact",
        _("Contact principal."),
        "Claire",
    ),
    Column(
        "contact.last_name",
        "Contact - Nom",
        "Contact - Last name",
        "contact",
        _("Contact principal."),
        "Martin",
    ),
    Column(
        "contact.job_title",
        "Contact - Fonction",
        "Contact - Job title",
        "contact",
        _("Texte libre."),
        "Gérante",
    ),
    Column(
        "contact.email",
        "Contact - E-mail",
        "Contact - Email",
        "contact",
        _("E-mail du contact principal."),
        "claire.martin@boulangerie-martin.fr",
    ),
    Column(
        "contact.phone",
        "Contact - Téléphone",
        "Contact - Phone",
        "contact",
        _("Comme le téléphone."),
        "",
    ),
    Column(
        "contact.mobile",
        "Contact - Mobile",
        "Contact - Mobile",
        "contact",
        _("Comme le téléphone."),
        "",
    ),
)


def _address_columns(prefix: str, label: str, label_en: str) -> tuple[Column, ...]:
    group = prefix
    return (
        Column(
            f"{prefix}.line1",
            f"{label} - Adresse",
            f"{label_en} - Street",
            group,
            _("Numéro et rue."),
            "12 rue de la Paix",
        ),
        Column(
            f"{prefix}.line2",
            f"{label} - Complément",
            f"{label_en} - Street 2",
            group,
            _("Bâtiment, étage…"),
            "",
        ),
        Column(
            f"{prefix}.line3",
            f"{label} - Complément 2",
            f"{label_en} - Street 3",
            group,
            _("Lieu-dit, BP…"),
            "",
        ),
        Column(
            f"{prefix}.postcode",
            f"{label} - Code postal",
            f"{label_en} - Postcode",
            group,
            _("Code postal."),
            "75002",
        ),
        Column(
            f"{prefix}.city", f"{label} - Ville", f"{label_en} - City", group, _("Ville."), "Paris"
        ),
        Column(
            f"{prefix}.region",
            f"{label} - Région",
            f"{label_en} - Region",
            group,
            _("Région ou État, hors de France."),
            "",
        ),
        Column(
            f"{prefix}.country",
            f"{label} - Pays",
            f"{label_en} - Country",
            group,
            _("Code ISO à deux lettres ; celui du client si vide."),
            "",
        ),
    )


BILLING_COLUMNS = _address_columns("billing", "Facturation", "Billing")
DELIVERY_COLUMNS = _address_columns("delivery", "Livraison", "Delivery")

STANDARD_COLUMNS: tuple[Column, ...] = (
    *CLIENT_COLUMNS,
    *PAYMENT_COLUMNS,
    *BANK_COLUMNS,
    *CONTACT_COLUMNS,
    *BILLING_COLUMNS,
    *DELIVERY_COLUMNS,
)
STANDARD_BY_KEY = {column.key: column for column in STANDARD_COLUMNS}


def custom_column(field: CustomField, *, taken: set[str] | frozenset[str] = frozenset()) -> Column:
    """The column of a custom field, headed by its name (with a suffix when the name is
    also a standard column's header)."""
    label = field.name
    if label.casefold() in taken:
        label = f"{label} (champ personnalisé)"
    return Column(
        f"{CUSTOM_PREFIX}{field.slug}",
        label,
        label,
        "custom",
        field.get_type_display(),
    )


def columns_for(definitions: Sequence[CustomField]) -> list[Column]:
    """Every column of the organization's client file: the standard ones, then one per
    custom field, in the order of the definitions."""
    taken = {column.label.casefold() for column in STANDARD_COLUMNS}
    columns = list(STANDARD_COLUMNS)
    for field in definitions:
        column = custom_column(field, taken=frozenset(taken))
        taken.add(column.label.casefold())
        columns.append(column)
    return columns
