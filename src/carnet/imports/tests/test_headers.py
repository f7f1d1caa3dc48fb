"""Automatic column mapping of imported files: Carnet's own headers, synonyms, other
tools' exports, typos, custom fields, and the rules that read a file as a whole."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.customfields.models import CustomField, FieldType
from carnet.imports import headers as headers_module
from carnet.imports.columns import STANDARD_COLUMNS, Column, columns_for
from carnet.imports.headers import HeaderMatch, normalize_header, suggest_mapping


def _field(name: str, slug: str) -> CustomField:
    # Never saved: the columns only read the name, the slug and the type.
    return CustomField(name=name, slug=slug, type=FieldType.TEXT)


COLUMNS = columns_for([_field("Niveau de service", "niveau"), _field("Notes", "notes-internes")])


def mapping(headers: list[str], columns: list[Column] = COLUMNS) -> dict[str, str | None]:
    """Header -> suggested key (the headers of one test are distinct)."""
    return {match.header: match.key for match in suggest_mapping(headers, columns)}


def match_of(header: str, headers: list[str] | None = None) -> HeaderMatch:
    row = headers if headers is not None else [header]
    return suggest_mapping(row, COLUMNS)[row.index(header)]


def assert_maps(headers: list[str], expected: dict[str, str | None]) -> None:
    """Every header of ``expected`` gets its key, and no other header of the row gets a
    key that ``expected`` does not mention."""
    got = mapping(headers)
    assert {header: got[header] for header in expected} == expected
    unexpected = {h: k for h, k in got.items() if h not in expected and k is not None}
    assert unexpected == {}


# --- Normalization -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("N° TVA Intracom.", "n tva intracom"),
        ("Nº TVA", "n tva"),
        ("  Raison   SOCIALE ", "raison sociale"),
        ("Téléphone", "telephone"),
        ("Secteur d'activité", "secteur d activite"),
        ("billing.postcode", "billing postcode"),
        ("E-mail 1 - Value", "e mail 1 value"),
        ("\ufeffNom", "nom"),
        ("", ""),
    ],
)
def test_normalize_header_ignores_case_accents_and_punctuation(text: str, normalized: str) -> None:
    assert normalize_header(text) == normalized


def test_it_returns_one_match_per_header_in_order() -> None:
    matches = suggest_mapping(["Ville", "Inconnu", "Nom"], COLUMNS)
    assert [(m.index, m.header) for m in matches] == [(0, "Ville"), (1, "Inconnu"), (2, "Nom")]


def test_an_empty_file_has_no_matches() -> None:
    assert suggest_mapping([], COLUMNS) == []


# --- Carnet's own headers ----------------------------------------------------------------
def test_carnet_export_headers_round_trip() -> None:
    importable = [c for c in COLUMNS if c.importable]
    for labels in ([c.label for c in importable], [c.label_en for c in importable]):
        matches = suggest_mapping(labels, COLUMNS)
        assert [m.key for m in matches] == [c.key for c in importable]
        assert {m.how for m in matches} <= {"exact", "custom"}


def test_every_carnet_label_maps_to_its_key_on_its_own() -> None:
    for column in COLUMNS:
        if not column.importable:
            continue
        for label in (column.label, column.label_en):
            match = match_of(label)
            assert match.key == column.key, label
            assert match.score == 100


def test_raw_keys_map_exactly() -> None:
    keys = [c.key for c in COLUMNS if c.importable and c.key != "id"]
    matches = suggest_mapping(keys, COLUMNS)
    assert [m.key for m in matches] == keys
    assert {m.how for m in matches} <= {"exact", "custom"}


def test_headers_carnet_exports_but_never_imports_stay_unmapped() -> None:
    headers = ["Régime de TVA", "Archivé", "Créé le", "Modifié le", "VAT regime", "created_at"]
    assert set(mapping(headers).values()) == {None}


def test_the_carnet_id_column_maps_to_id() -> None:
    assert match_of("Identifiant Carnet").key == "id"
    assert match_of("Carnet id").key == "id"


def test_another_tools_id_column_is_not_taken_for_carnets_id() -> None:
    # Odoo, Dolibarr and Pennylane all start their exports with their own "id".
    assert mapping(["id", "name", "email"]) == {"id": None, "name": "name", "email": "email"}
    assert mapping(["Id", "Nom"])["Id"] is None


def test_a_bare_id_maps_in_a_file_keyed_like_carnets_own() -> None:
    assert mapping(["id", "name", "billing.postcode"])["id"] == "id"


# --- Synonyms ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Raison sociale", "name"),
        ("Société", "name"),
        ("Entreprise", "name"),
        ("Nom du client", "name"),
        ("Dénomination", "name"),
        ("Company name", "name"),
        ("Mail", "email"),
        ("Courriel", "email"),
        ("Adresse e-mail", "email"),
        ("Email address", "email"),
        ("Tél", "phone"),
        ("Tel.", "phone"),
        ("Téléphone fixe", "phone"),
        ("Portable", "mobile"),
        ("GSM", "mobile"),
        ("Cellulaire", "mobile"),
        ("N° SIRET", "siret"),
        ("Siret", "siret"),
        ("SIREN", "siren"),
        ("TVA intracom", "vat_number"),
        ("Numéro de TVA", "vat_number"),
        ("VAT ID", "vat_number"),
        ("Tax ID", "vat_number"),
        ("Intra-community VAT", "vat_number"),
        ("N° TVA Intracom.", "vat_number"),
        ("APE", "naf_code"),
        ("Code APE", "naf_code"),
        ("CP", "billing.postcode"),
        ("Code postal", "billing.postcode"),
        ("ZIP", "billing.postcode"),
        ("Postal code", "billing.postcode"),
        ("Ville", "billing.city"),
        ("Commune", "billing.city"),
        ("City", "billing.city"),
        ("Adresse", "billing.line1"),
        ("Rue", "billing.line1"),
        ("Address", "billing.line1"),
        ("Street", "billing.line1"),
        ("Complément d'adresse", "billing.line2"),
        ("Pays", "country"),
        ("Country", "country"),
        ("Prénom", "first_name"),
        ("First name", "first_name"),
        ("Last name", "last_name"),
        ("Catégorie", "category"),
        ("Tags", "tags"),
        ("Étiquettes", "tags"),
        ("Mots-clés", "tags"),
        ("Commentaire", "notes"),
        ("Remarques", "notes"),
        ("Notes", "notes"),
        ("Site internet", "website"),
        ("Web", "website"),
        ("Forme juridique", "legal_form"),
        ("Capital", "share_capital"),
        ("Effectif", "employee_count"),
        ("Code client", "reference"),
        ("Référence client", "reference"),
        ("Compte comptable", "customer_account"),
        ("Nom du contact", "contact.last_name"),
        ("Contact principal", "contact.last_name"),
        ("Prénom contact", "contact.first_name"),
        ("E-mail du contact", "contact.email"),
        ("Adresse de livraison", "delivery.line1"),
        ("CP livraison", "delivery.postcode"),
        ("Ville de livraison", "delivery.city"),
        ("Pays de livraison", "delivery.country"),
        ("Shipping City", "delivery.city"),
        ("Adresse de facturation", "billing.line1"),
        ("Billing Address Line 1", "billing.line1"),
        ("Ville de facturation", "billing.city"),
    ],
)
def test_it_recognizes_what_people_write(header: str, key: str) -> None:
    match = match_of(header)
    assert match.key == key
    assert match.how in {"exact", "alias"}  # some are Carnet's own headers too


def test_a_stronger_header_takes_the_column_from_a_weaker_one() -> None:
    matches = suggest_mapping(["Société", "Raison sociale"], COLUMNS)
    assert [(m.key, m.how) for m in matches] == [(None, "none"), ("name", "alias")]


def test_on_a_tie_the_leftmost_header_takes_the_column() -> None:
    assert mapping(["Téléphone fixe", "Tél"]) == {"Téléphone fixe": "phone", "Tél": None}


def test_an_exact_header_beats_a_synonym_of_the_same_column() -> None:
    assert mapping(["Courriel", "E-mail"]) == {"Courriel": None, "E-mail": "email"}


# --- Rules on the whole file -------------------------------------------------------------
def test_nom_is_the_last_name_when_a_first_name_column_exists() -> None:
    matches = suggest_mapping(["Civilité", "Prénom", "Nom", "Email"], COLUMNS)
    assert [m.key for m in matches] == ["civility", "first_name", "last_name", "email"]


def test_nom_is_the_clients_name_without_a_first_name_column() -> None:
    assert mapping(["Nom", "Email", "Ville"])["Nom"] == "name"


def test_nom_next_to_a_contacts_first_name_is_the_clients_name() -> None:
    assert mapping(["Nom", "Prénom du contact"]) == {
        "Nom": "name",
        "Prénom du contact": "contact.first_name",
    }


def test_nom_is_the_clients_name_when_the_last_name_has_its_own_column() -> None:
    assert mapping(["Nom", "Prénom", "Nom de famille"]) == {
        "Nom": "name",
        "Prénom": "first_name",
        "Nom de famille": "last_name",
    }


def test_a_company_name_and_a_person_in_one_file() -> None:
    assert mapping(["Raison sociale", "Prénom", "Nom"]) == {
        "Raison sociale": "name",
        "Prénom": "first_name",
        "Nom": "last_name",
    }


def test_name_in_english_follows_the_same_rule() -> None:
    assert mapping(["First name", "Name"])["Name"] == "last_name"
    assert mapping(["Name", "Email"])["Name"] == "name"


def test_pays_is_the_clients_country_even_next_to_an_address() -> None:
    assert mapping(["Adresse", "Code postal", "Ville", "Pays"]) == {
        "Adresse": "billing.line1",
        "Code postal": "billing.postcode",
        "Ville": "billing.city",
        "Pays": "country",
    }


def test_a_billing_country_is_the_clients_country_when_no_other_is_given() -> None:
    assert mapping(["Ville de facturation", "Pays de facturation"])["Pays de facturation"] == (
        "country"
    )
    assert mapping(["Pays", "Pays de facturation"]) == {
        "Pays": "country",
        "Pays de facturation": "billing.country",
    }


def test_a_delivery_country_is_never_the_clients_country() -> None:
    assert mapping(["Pays de livraison"])["Pays de livraison"] == "delivery.country"


# --- Typos -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Raison socaile", "name"),
        ("Telephonne", "phone"),
        ("Code postale", "billing.postcode"),
        ("Adrese", "billing.line1"),
        ("Ville de livraisonn", "delivery.city"),
        ("Numero de SIRETT", "siret"),
        ("Forme juridque", "legal_form"),
        ("Niveau de servise", "cf.niveau"),
    ],
)
def test_a_typo_in_a_header_still_maps(header: str, key: str) -> None:
    match = match_of(header)
    assert (match.key, match.how) == (key, "fuzzy")
    assert 70 <= match.score < 90


def test_a_fuzzy_match_yields_to_an_exact_one() -> None:
    assert mapping(["Telephonne", "Téléphone"]) == {"Telephonne": None, "Téléphone": "phone"}


@pytest.mark.parametrize(
    ("header", "key"),
    [("Tel", "phone"), ("Tva", "vat_number"), ("Nom", "name"), ("CP", "billing.postcode")],
)
def test_short_headers_are_only_recognized_exactly(header: str, key: str) -> None:
    assert match_of(header).key == key


@pytest.mark.parametrize("header", ["Non", "Tell", "Pyas", "Mial", "Vile", "Emial", "Tek"])
def test_short_headers_are_not_guessed_fuzzily(header: str) -> None:
    assert match_of(header) == HeaderMatch(0, header, None, "none", 0)


@pytest.mark.parametrize(
    "header",
    [
        "Phone 2 - Value",  # another number, not a typo of "Phone 1 - Value"
        "Identifiant professionnel 5",  # nor of "… 1"
        "Phonetic First Name",  # an extra word
        "Company id",
        "Organization 1 - Type",  # two edits from "Organization 1 - Name", a whole word
        "Billing Rate",  # two edits from "Billing State"
        "Department",  # Outlook's, near "Département"
    ],
)
def test_near_neighbours_that_mean_something_else_are_not_typos(header: str) -> None:
    assert match_of(header).key is None


# --- Custom fields -----------------------------------------------------------------------
def test_a_custom_field_header_maps_to_its_field() -> None:
    for header in ("Niveau de service", "niveau de SERVICE", "niveau", "cf.niveau"):
        match = match_of(header)
        assert (match.key, match.how, match.score) == ("cf.niveau", "custom", 100), header


def test_a_custom_field_named_like_a_standard_column_keeps_its_suffixed_header() -> None:
    assert match_of("Notes").key == "notes"
    assert match_of("Notes (champ personnalisé)").key == "cf.notes-internes"
    assert match_of("notes-internes").key == "cf.notes-internes"


def test_a_custom_field_named_like_a_synonym_wins_over_the_synonym() -> None:
    columns = columns_for([_field("Code client", "code-client")])
    match = suggest_mapping(["Code client"], columns)[0]
    assert (match.key, match.how) == ("cf.code-client", "custom")


def test_custom_fields_of_another_organization_are_not_suggested() -> None:
    assert match_of("Date de fin de contrat").key is None


# --- What stays unmapped -----------------------------------------------------------------
def test_columns_that_fit_nothing_stay_unmapped() -> None:
    headers = ["Date de naissance", "Couleur préférée", "Solde", "", "   ", "42", "Open Balance"]
    for match in suggest_mapping(headers, COLUMNS):
        assert (match.key, match.how, match.score) == (None, "none", 0)


def test_only_the_given_columns_are_suggested() -> None:
    without_email = [c for c in STANDARD_COLUMNS if c.key != "email"]
    assert mapping(["Email", "Courriel", "Mail"], without_email) == {
        "Email": None,
        "Courriel": None,
        "Mail": None,
    }


def test_duplicate_headers_map_once() -> None:
    matches = suggest_mapping(["Email", " email ", "EMAIL", "Ville"], COLUMNS)
    assert [(m.key, m.how) for m in matches] == [
        ("email", "exact"),
        (None, "duplicate"),
        (None, "duplicate"),
        ("billing.city", "alias"),
    ]


def test_a_second_header_for_a_taken_column_stays_unmapped() -> None:
    matches = suggest_mapping(["E-mail", "Email"], COLUMNS)
    assert [(m.key, m.how) for m in matches] == [("email", "exact"), (None, "none")]


def test_the_synonym_tables_agree_with_carnets_own_headers() -> None:
    catalogue = headers_module._Catalogue(COLUMNS)
    for compact, known in headers_module._synonyms().items():
        exact = catalogue.exact.get(compact)
        if exact is not None and exact.key is not None:
            assert known.key == exact.key, compact


# --- Other tools' exports ----------------------------------------------------------------
def test_it_maps_a_dolibarr_thirdparty_export() -> None:
    # Third parties export (modSociete, dataset "societe_1"), French labels of Dolibarr 19.
    headers = [
        "Id", "Nom", "Nom alternatif", "Maison mère", "État", "Client", "Fournisseur",
        "Date création", "Date dernière modification", "Code client", "Code fournisseur",
        "Compte comptable", "Compte comptable fournisseur", "Adresse", "Code postal", "Ville",
        "Département / Canton", "Région", "Pays", "Code pays", "Téléphone", "Fax", "URL",
        "Email", "Langue par défaut", "Identifiant professionnel 1",
        "Identifiant professionnel 2", "Identifiant professionnel 3",
        "Identifiant professionnel 4", "Identifiant professionnel 5",
        "Identifiant professionnel 6", "Numéro TVA", "Capital", "Note privée", "Note publique",
        "Type du tiers", "Salariés", "Type d'entité légale", "Potentiel du prospect",
        "Statut prospect", "Conditions de règlement", "Mode de règlement",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Nom": "name",
            "Client": None,  # customer/prospect flag, not a name
            "Code client": "reference",
            "Compte comptable": "customer_account",
            "Adresse": "billing.line1",
            "Code postal": "billing.postcode",
            "Ville": "billing.city",
            "Région": "billing.region",
            "Pays": "country",
            "Téléphone": "phone",
            "Fax": "fax",
            "URL": "website",
            "Email": "email",
            "Identifiant professionnel 1": "siren",
            "Identifiant professionnel 2": "siret",
            "Identifiant professionnel 3": "naf_code",
            "Identifiant professionnel 4": "rcs",
            "Numéro TVA": "vat_number",
            "Capital": "share_capital",
            "Note privée": "notes",
            "Salariés": "employee_count",
            "Type d'entité légale": "legal_form",
            "Conditions de règlement": "payment_terms_days",  # "30 jours fin de mois"
            "Mode de règlement": "payment_method",  # "Virement", "Prélèvement"…
        },
    )


def test_it_maps_a_dolibarr_thirdparty_export_in_english() -> None:
    headers = [
        "Id", "Name", "Customer", "Customer code", "Accountancy code", "Address", "Zip Code",
        "Town", "State/Canton", "Region", "Country", "Country code", "Phone", "Url", "Email",
        "Professional ID 1", "Professional ID 2", "Professional ID 3", "VAT number", "Capital",
        "Juridical status", "Staff",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Name": "name",
            "Customer": None,
            "Customer code": "reference",
            "Accountancy code": "customer_account",
            "Address": "billing.line1",
            "Zip Code": "billing.postcode",
            "Town": "billing.city",
            "Region": "billing.region",
            "Country": "country",
            "Phone": "phone",
            "Url": "website",
            "Email": "email",
            "Professional ID 1": "siren",
            "Professional ID 2": "siret",
            "Professional ID 3": "naf_code",
            "VAT number": "vat_number",
            "Capital": "share_capital",
            "Juridical status": "legal_form",
            "Staff": "employee_count",
        },
    )


def test_it_maps_a_dolibarr_contacts_export() -> None:
    # Contacts export (dataset "societe_2"): the person, then its third party.
    headers = [
        "Id contact", "Code civilité", "Nom", "Prénom", "Poste/fonction", "Adresse",
        "Code postal", "Ville", "Pays", "Téléphone", "Tél portable", "Email",
        "Raison sociale", "Code client",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Code civilité": "civility",
            "Nom": "last_name",
            "Prénom": "first_name",
            "Raison sociale": "name",
            "Adresse": "billing.line1",
            "Code postal": "billing.postcode",
            "Ville": "billing.city",
            "Pays": "country",
            "Téléphone": "phone",
            "Tél portable": "mobile",
            "Email": "email",
            "Code client": "reference",
        },
    )


def test_it_maps_an_odoo_contacts_export_for_reimport() -> None:
    # "I want to update data (import-compatible export)": technical field names.
    headers = [
        "id", "name", "is_company", "company_name", "street", "street2", "zip", "city",
        "state_id", "country_id", "phone", "mobile", "email", "website", "vat", "ref",
        "comment", "category_id", "lang", "user_id",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "id": None,
            "name": "name",
            "street": "billing.line1",
            "street2": "billing.line2",
            "zip": "billing.postcode",
            "city": "billing.city",
            "state_id": "billing.region",
            "country_id": "country",
            "phone": "phone",
            "mobile": "mobile",
            "email": "email",
            "website": "website",
            "vat": "vat_number",
            "ref": "reference",
            "comment": "notes",
            "category_id": "tags",
        },
    )


def test_it_maps_an_odoo_contacts_export_with_labels() -> None:
    headers = [
        "Name", "Email", "Phone", "Mobile", "Street", "Street2", "Zip", "City", "State",
        "Country", "Tax ID", "Website Link", "Reference", "Notes", "Tags", "Salesperson",
        "Related Company",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Name": "name",
            "Email": "email",
            "Phone": "phone",
            "Mobile": "mobile",
            "Street": "billing.line1",
            "Street2": "billing.line2",
            "Zip": "billing.postcode",
            "City": "billing.city",
            "State": "billing.region",
            "Country": "country",
            "Tax ID": "vat_number",
            "Website Link": "website",
            "Reference": "reference",
            "Notes": "notes",
            "Tags": "tags",
        },
    )


def test_it_maps_an_invoice_ninja_v4_clients_export() -> None:
    headers = [
        "Name", "Balance", "Paid to Date", "Street", "Apt/Suite", "City", "State/Province",
        "Postal Code", "Country", "ID Number", "VAT Number", "Website", "Phone", "Currency",
        "Public Notes", "Private Notes", "First Name", "Last Name", "Email", "Phone",
    ]  # fmt: skip
    matches = suggest_mapping(headers, COLUMNS)
    assert [m.key for m in matches] == [
        "name", None, None, "billing.line1", "billing.line2", "billing.city",
        "billing.region", "billing.postcode", "country", None, "vat_number", "website",
        "phone", "currency", None, "notes", "contact.first_name", "contact.last_name", "email",
        None,
    ]  # fmt: skip
    assert matches[-1].how == "duplicate"


def test_it_maps_an_invoice_ninja_v4_clients_export_in_french() -> None:
    # The client's "Nom", then its first contact's "Prénom" and "Nom".
    headers = [
        "Nom", "Solde", "Payé à ce jour", "Rue", "Appt/Bâtiment", "Ville",
        "Région/Département", "Code postal", "Pays", "Numéro de TVA", "Site Web", "Téléphone",
        "Devise", "Notes personnelles", "Prénom", "Nom", "Courriel", "Téléphone",
    ]  # fmt: skip
    matches = suggest_mapping(headers, COLUMNS)
    assert [m.key for m in matches] == [
        "name", None, None, "billing.line1", "billing.line2", "billing.city",
        "billing.region", "billing.postcode", "country", "vat_number", "website", "phone",
        "currency", "notes", "contact.first_name", None, "email", None,
    ]  # fmt: skip
    assert [m.how for m in matches if m.header in ("Nom", "Téléphone")] == [
        "exact", "exact", "duplicate", "duplicate",
    ]  # fmt: skip


def test_it_maps_an_invoice_ninja_v5_clients_export() -> None:
    headers = [
        "Name", "Number", "Balance", "Paid to Date", "Street", "Apt/Suite", "City",
        "State/Province", "Postal Code", "Country", "VAT Number", "Website", "Private Notes",
        "Public Notes", "Shipping Street", "Shipping Apt/Suite", "Shipping City",
        "Shipping State/Province", "Shipping Postal Code", "Shipping Country", "First Name",
        "Last Name", "Contact Phone", "Email",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Name": "name",
            "Number": "reference",
            "Street": "billing.line1",
            "Apt/Suite": "billing.line2",
            "City": "billing.city",
            "State/Province": "billing.region",
            "Postal Code": "billing.postcode",
            "Country": "country",
            "VAT Number": "vat_number",
            "Website": "website",
            "Private Notes": "notes",
            "Shipping Street": "delivery.line1",
            "Shipping Apt/Suite": "delivery.line2",
            "Shipping City": "delivery.city",
            "Shipping State/Province": "delivery.region",
            "Shipping Postal Code": "delivery.postcode",
            "Shipping Country": "delivery.country",
            "First Name": "contact.first_name",
            "Last Name": "contact.last_name",
            "Contact Phone": "contact.phone",
            "Email": "email",
        },
    )


def test_first_name_is_the_clients_outside_an_invoice_ninja_file() -> None:
    assert mapping(["First Name", "Last Name", "Number"]) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Number": None,
    }


def test_it_maps_a_pennylane_customers_export() -> None:
    # The "customers" table of Pennylane's data sharing export.
    headers = [
        "id", "name", "company_id", "company_name", "vat_rate", "plan_item_number",
        "pnl_plan_item_number", "postal_code", "country_alpha2", "city",
        "registration_number", "vat_number", "activity_code",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "id": None,
            "name": "name",
            "company_name": None,  # Pennylane's own client company, not the customer
            "vat_rate": "default_vat_rate",  # "FR_200", read as 20 %
            "plan_item_number": "customer_account",
            "postal_code": "billing.postcode",
            "country_alpha2": "country",
            "city": "billing.city",
            "registration_number": "siren",
            "vat_number": "vat_number",
            "activity_code": "naf_code",
        },
    )


def test_it_maps_an_axonaut_companies_export() -> None:
    headers = [
        "id", "name", "address_contact_name", "address_street", "address_zip_code",
        "address_city", "address_region", "address_country", "comments", "is_prospect",
        "is_customer", "isB2C", "currency", "language", "thirdparty_code",
        "supplier_thirdparty_code", "intracommunity_number", "iban", "bic", "siret",
        "internal_id", "business_manager", "categories",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "name": "name",
            "address_contact_name": "contact.last_name",
            "address_street": "billing.line1",
            "address_zip_code": "billing.postcode",
            "address_city": "billing.city",
            "address_region": "billing.region",
            "address_country": "country",
            "comments": "notes",
            "thirdparty_code": "customer_account",
            "supplier_thirdparty_code": None,
            "intracommunity_number": "vat_number",
            "siret": "siret",
            "internal_id": "reference",
            "business_manager": "owner",
            "categories": "tags",
            "currency": "currency",
            "iban": "bank.iban",
            "bic": "bank.bic",
        },
    )


def test_it_maps_a_sellsy_companies_export() -> None:
    headers = [
        "id", "type", "name", "email", "website", "phone_number", "mobile_number",
        "fax_number", "legal_france.siret", "legal_france.siren", "legal_france.vat",
        "legal_france.ape_naf_code", "legal_france.company_type",
        "legal_france.rcs_immatriculation", "capital", "reference", "note", "auxiliary_code",
        "social.twitter", "social.facebook", "social.linkedin", "social.viadeo",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "type": None,  # client, prospect or supplier
            "name": "name",
            "email": "email",
            "website": "website",
            "phone_number": "phone",
            "mobile_number": "mobile",
            "fax_number": "fax",
            "legal_france.siret": "siret",
            "legal_france.siren": "siren",
            "legal_france.vat": "vat_number",
            "legal_france.ape_naf_code": "naf_code",
            "legal_france.company_type": "legal_form",
            "legal_france.rcs_immatriculation": "rcs",
            "capital": "share_capital",
            "reference": "reference",
            "note": "notes",
            "auxiliary_code": "auxiliary_account",
            "social.twitter": "twitter_url",
            "social.facebook": "facebook_url",
            "social.linkedin": "linkedin_url",
            "social.viadeo": "viadeo_url",
        },
    )


def test_type_is_the_kind_of_client_outside_a_sellsy_file() -> None:
    assert mapping(["type", "name"])["type"] == "kind"


def test_it_maps_a_quickbooks_online_customer_list() -> None:
    headers = [
        "Customer", "Company", "Street Address", "City", "State", "Country", "Zip", "Phone",
        "Email", "Attachments", "Open Balance", "Notes",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Customer": "name",
            "Company": None,
            "Street Address": "billing.line1",
            "City": "billing.city",
            "State": "billing.region",
            "Country": "country",
            "Zip": "billing.postcode",
            "Phone": "phone",
            "Email": "email",
            "Notes": "notes",
        },
    )


def test_it_maps_a_quickbooks_online_import_template() -> None:
    headers = [
        "Title", "Company", "First Name", "Middle Name", "Last Name", "Suffix",
        "Display Name As", "Customer Type", "Billing Address Line 1", "Billing Address Line 2",
        "Billing Address City", "Billing Address Postal Code", "Billing Address Country",
        "Billing Address State", "Shipping Address Line 1", "Shipping Address City",
        "Shipping Address Postal Code", "Shipping Address Country", "Phone", "Mobile", "Fax",
        "Email", "Website", "Account Number",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Title": "civility",
            "Company": "name",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Customer Type": "category",
            "Billing Address Line 1": "billing.line1",
            "Billing Address Line 2": "billing.line2",
            "Billing Address City": "billing.city",
            "Billing Address Postal Code": "billing.postcode",
            "Billing Address Country": "country",  # the only country of the file
            "Billing Address State": "billing.region",
            "Shipping Address Line 1": "delivery.line1",
            "Shipping Address City": "delivery.city",
            "Shipping Address Postal Code": "delivery.postcode",
            "Shipping Address Country": "delivery.country",
            "Phone": "phone",
            "Mobile": "mobile",
            "Fax": "fax",
            "Email": "email",
            "Website": "website",
            "Account Number": "customer_account",
        },
    )


def test_it_maps_a_google_contacts_export() -> None:
    headers = [
        "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name",
        "Given Name Yomi", "Additional Name Yomi", "Family Name Yomi", "Name Prefix",
        "Name Suffix", "Initials", "Nickname", "Short Name", "Maiden Name", "Birthday",
        "Gender", "Location", "Billing Information", "Directory Server", "Mileage",
        "Occupation", "Hobby", "Sensitivity", "Priority", "Subject", "Notes", "Language",
        "Photo", "Group Membership", "E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type",
        "E-mail 2 - Value", "Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type",
        "Phone 2 - Value", "Address 1 - Type", "Address 1 - Formatted", "Address 1 - Street",
        "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region",
        "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Extended Address",
        "Organization 1 - Type", "Organization 1 - Name", "Organization 1 - Title",
        "Website 1 - Type", "Website 1 - Value",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "Name": "name",
            "Given Name": "first_name",
            "Family Name": "last_name",
            "Name Prefix": "civility",
            "Notes": "notes",
            "Group Membership": "tags",
            "E-mail 1 - Value": "email",
            "E-mail 2 - Value": None,
            "Phone 1 - Value": "phone",
            "Phone 2 - Value": None,
            "Address 1 - Street": "billing.line1",
            "Address 1 - City": "billing.city",
            "Address 1 - PO Box": "billing.line3",
            "Address 1 - Region": "billing.region",
            "Address 1 - Postal Code": "billing.postcode",
            "Address 1 - Country": "country",
            "Address 1 - Extended Address": "billing.line2",
            "Organization 1 - Name": None,  # the person is the client; "Name" wins
            "Website 1 - Value": "website",
        },
    )


def test_it_maps_a_google_contacts_export_in_the_newer_format() -> None:
    headers = [
        "First Name", "Middle Name", "Last Name", "Phonetic First Name",
        "Phonetic Middle Name", "Phonetic Last Name", "Name Prefix", "Name Suffix", "Nickname",
        "File As", "Organization Name", "Organization Title", "Organization Department",
        "Birthday", "Notes", "Photo", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
        "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value",
        "Phone 2 - Label", "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted",
        "Address 1 - Street", "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region",
        "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Extended Address",
        "Website 1 - Label", "Website 1 - Value",
    ]  # fmt: skip
    assert_maps(
        headers,
        {
            "First Name": "first_name",
            "Last Name": "last_name",
            "Name Prefix": "civility",
            "Organization Name": "name",
            "Notes": "notes",
            "Labels": "tags",
            "E-mail 1 - Value": "email",
            "Phone 1 - Value": "phone",
            "Address 1 - Street": "billing.line1",
            "Address 1 - City": "billing.city",
            "Address 1 - PO Box": "billing.line3",
            "Address 1 - Region": "billing.region",
            "Address 1 - Postal Code": "billing.postcode",
            "Address 1 - Country": "country",
            "Address 1 - Extended Address": "billing.line2",
            "Website 1 - Value": "website",
        },
    )


# --- Properties --------------------------------------------------------------------------
_HEADER_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [c.label for c in COLUMNS]
        + [c.label_en for c in COLUMNS]
        + ["Nom", "Prénom", "Pays de facturation", "id", "billing.postcode", "Tél", "Société"]
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_HEADER_TEXT, max_size=25))
def test_suggest_mapping_never_gives_a_column_twice(headers: list[str]) -> None:
    matches = suggest_mapping(headers, COLUMNS)
    assert [(m.index, m.header) for m in matches] == list(enumerate(headers))
    keys = [m.key for m in matches if m.key is not None]
    assert len(keys) == len(set(keys))
    allowed = {c.key for c in COLUMNS if c.importable}
    for match in matches:
        assert 0 <= match.score <= 100
        assert match.how in {"exact", "alias", "fuzzy", "custom", "duplicate", "none"}
        assert (match.key is None) == (match.how in {"duplicate", "none"})
        assert match.key is None or match.key in allowed
