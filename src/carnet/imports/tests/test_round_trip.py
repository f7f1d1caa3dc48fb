"""An export imports back exactly: unchanged as it is, one update for one changed cell."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.addresses.services import create_address
from carnet.banking import services as banking
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.contacts.services import create_contact_for_client
from carnet.core.models import ChangeRecord
from carnet.customfields.services import create_custom_field
from carnet.imports import export
from carnet.imports.models import ImportRow
from carnet.payments import services as payments

from .helpers import commit, upload


@pytest.fixture
def rich_clients(organization, owner):
    """Clients using every column, with values a spreadsheet would mangle."""
    seller = add_member(organization, email="vente@dupont.fr", password="x" * 12, role=Role.MEMBER)
    create_custom_field(
        organization, owner, {"name": "Niveau", "type": "choice", "choices": ["Or", "Argent"]}
    )
    create_custom_field(
        organization,
        owner,
        {"name": "Options", "type": "multiple_choice", "choices": ["Wifi", "Parking", "Café"]},
    )
    create_custom_field(organization, owner, {"name": "Fin de contrat", "type": "date"})
    create_custom_field(organization, owner, {"name": "Sites", "type": "integer"})
    create_custom_field(organization, owner, {"name": "Remise", "type": "decimal"})
    create_custom_field(organization, owner, {"name": "Signé", "type": "boolean"})
    create_custom_field(organization, owner, {"name": "Note interne", "type": "long_text"})
    payments.create_item(organization, "price_category", "Tarif revendeur")
    payments.create_item(organization, "carrier", "Colissimo")
    account = payments.save_bank_account(
        organization, owner, {"label": "Compte courant", "iban": "FR7630006000011234567890189"}
    )
    martin = clients.create_client(
        organization,
        owner,
        {
            "name": "=SUM(A1:A2) Boulangerie",
            "reference": "+REF-1",
            "email": "contact@martin.fr",
            "phone": "01 42 68 53 00",
            "mobile": "06 12 34 56 78",
            "fax": "+32 2 555 12 12",
            "website": "https://www.martin.fr/boutique?x=1",
            "legal_form": "SARL",
            "siret": "73282932000074",
            "naf_code": "10.71C",
            "share_capital": "10000.50",
            "rcs": "Paris B 732 829 320",
            "vat_number": "FR44732829320",
            "sector": "-Alimentation",
            "employee_count": 12,
            "linkedin_url": "linkedin.com/company/martin",
            "customer_account": "411MARTIN",
            "auxiliary_account": "@AUX",
            "marketing_email": True,
            "notes": 'Ligne 1\nLigne 2 ; "guillemets", virgule',
            "tags": ["VIP", "Salon 2026"],
            "category": "Commerce",
            "owner": seller.user.pk,
            "payment_terms_days": 45,
            "payment_terms_end_of_month": True,
            "payment_method": "direct_debit",
            "discount_percent": "5.5",
            "currency": "EUR",
            "default_vat_rate": "5.5",
            "price_category": "Tarif revendeur",
            "carrier": "Colissimo",
            "pays_into": account.pk,
            "custom_fields": {
                "niveau": "Or",
                "options": ["Wifi", "Café"],
                "fin_de_contrat": "2026-12-31",
                "sites": 3,
                "remise": "12.50",
                "signe": True,
                "note_interne": '=HYPERLINK("http://evil")',
            },
        },
    )
    banking.create_bank_account(
        organization, owner, martin.pk, {"iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"}
    )
    banking.create_bank_account(organization, owner, martin.pk, {"iban": "DE89370400440532013000"})
    create_contact_for_client(
        organization,
        owner,
        martin.pk,
        {
            "civility": "mrs",
            "first_name": "Claire",
            "last_name": "Martin",
            "email": "c@martin.fr",
            "phone": "01 42 68 53 01",
            "job_title": "Gérante",
        },
        roles=["main"],
    )
    create_address(
        organization,
        owner,
        martin.pk,
        {"line1": "12 rue de la Paix", "postcode": "75002", "city": "Paris", "is_billing": True},
    )
    create_address(
        organization,
        owner,
        martin.pk,
        {
            "line1": "Zone Nord",
            "line2": "Quai 3",
            "postcode": "06000",
            "city": "Nice",
            "is_delivery": True,
        },
    )
    faure = clients.create_client(
        organization,
        owner,
        {
            "kind": "individual",
            "civility": "mr",
            "first_name": "Éric",
            "last_name": "Faure",
            "country": "BE",
            "phone": "+32 2 555 12 13",
            "mobile": "+33 6 12 34 56 79",
            "payment_terms_days": 0,
            "payment_terms_end_of_month": False,
            "payment_method": "cash",
            "discount_amount": "25",
            "currency": "CHF",
            "default_vat_rate": "0",
        },
    )
    berlin = clients.create_client(
        organization, owner, {"name": "Berlin GmbH", "country": "DE", "vat_number": "DE136695976"}
    )
    clients.archive_client(organization, owner, berlin.pk)
    return [martin, faure, berlin]


def _csv(organization, delimiter: str = ";", archived: bool = True) -> bytes:
    return b"".join(export.export_csv(organization, delimiter=delimiter, archived=archived))


def _xlsx(organization, tmp_path) -> bytes:
    path = tmp_path / "clients.xlsx"
    export.export_xlsx(organization, path, archived=True)
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["semicolon", "comma", "xlsx"])
def test_reimporting_an_unmodified_export_changes_nothing(
    organization, owner, rich_clients, tmp_path, kind
):
    before = {c.pk: c.version for c in Client.objects.all()}
    history = ChangeRecord.objects.count()
    if kind == "xlsx":
        content, name = _xlsx(organization, tmp_path), "clients.xlsx"
    else:
        content, name = _csv(organization, ";" if kind == "semicolon" else ","), "clients.csv"
    batch = upload(organization, owner, content, name=name)
    assert batch.key == "id"
    assert not [
        h
        for h, k in zip(batch.header, batch.mapping, strict=True)
        if not k and h not in ("Régime de TVA", "Archivé", "Créé le", "Modifié le")
    ], batch.mapping
    problems = list(
        ImportRow.objects.filter(batch=batch)
        .exclude(action="unchanged")
        .values("line", "action", "errors", "changes")
    )
    assert problems == []
    assert batch.counts["unchanged"] == 3
    commit(batch, owner)
    assert {c.pk: c.version for c in Client.objects.all()} == before
    assert ChangeRecord.objects.count() == history


def test_changing_one_cell_gives_one_update_with_that_field_only(organization, owner, rich_clients):
    martin = rich_clients[0]
    rows = list(csv.reader(io.StringIO(_csv(organization).decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    column = header.index("Secteur d'activité")
    for row in rows[1:]:
        if row[0] == str(martin.pk):
            row[column] = "Boulangerie artisanale"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    batch = commit(upload(organization, owner, buffer.getvalue().encode("utf-8")), owner)
    assert (batch.counts["update"], batch.counts["unchanged"]) == (1, 2)
    record = ChangeRecord.objects.filter(object_id=martin.pk).latest("id")
    assert record.changes == {"sector": {"old": "-Alimentation", "new": "Boulangerie artisanale"}}
    assert record.context == batch.context


def test_cells_that_look_like_formulas_are_neutralized_in_csv(organization, rich_clients):
    text = _csv(organization).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert "'=SUM(A1:A2) Boulangerie" in cells
    assert "'+REF-1" in cells
    assert "'-Alimentation" in cells
    assert "'@AUX" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_the_csv_suits_french_excel(organization, rich_clients):
    content = _csv(organization)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Identifiant Carnet;Référence;Type;Nom")
    assert "10000,50" in text  # decimal comma
    assert "01 42 68 53 00" in text  # French numbers as people write them
    assert "02 555 12 13" in text  # a Belgian client's number, as Belgians write it
    assert "+33 6 12 34 56 79" in text  # his French mobile: international
    comma = _csv(organization, ",").decode("utf-8-sig")
    assert "10000.50" in comma


def test_archived_clients_are_exported_only_on_request(organization, rich_clients):
    with_archived = _csv(organization, archived=True).decode("utf-8-sig")
    without = _csv(organization, archived=False).decode("utf-8-sig")
    assert "Berlin GmbH" in with_archived and "Berlin GmbH" not in without


def test_xlsx_cells_are_typed(organization, rich_clients, tmp_path):
    import openpyxl

    path = tmp_path / "export.xlsx"
    export.export_xlsx(organization, path, archived=True)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    martin = next(
        row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == rich_clients[0].pk
    )
    values = dict(zip(header, martin, strict=True))
    assert values["SIRET"] == "73282932000074"  # text, never 7.3E+13
    assert values["Nom"] == "=SUM(A1:A2) Boulangerie"  # text, not a formula
    assert values["Capital social"] == pytest.approx(10000.5)
    assert values["Effectif"] == 12
    assert Decimal(str(values["Remise"])) == Decimal("12.5")


def test_payment_preferences_are_exported_as_people_read_them(organization, rich_clients):
    rows = list(csv.DictReader(io.StringIO(_csv(organization).decode("utf-8-sig")), delimiter=";"))
    martin, faure = (
        next(r for r in rows if r["Identifiant Carnet"] == str(c.pk)) for c in rich_clients[:2]
    )
    assert martin["Délai de paiement (jours)"] == "45"
    assert martin["Fin de mois"] == "oui"
    assert martin["Mode de paiement"] == "Prélèvement"
    assert martin["Remise en pourcentage"] == "5,50"
    assert martin["Taux de TVA (%)"] == "5,50"
    assert martin["Catégorie de prix"] == "Tarif revendeur"
    assert martin["Transporteur"] == "Colissimo"
    assert martin["Compte de règlement"] == "Compte courant"
    assert (martin["IBAN"], martin["BIC"]) == ("FR76 3000 6000 0112 3456 7890 189", "AGRIFRPP")
    assert (faure["Délai de paiement (jours)"], faure["Fin de mois"]) == ("0", "non")
    assert (faure["Mode de paiement"], faure["Devise"]) == ("Espèces", "CHF")
    assert (faure["Remise en montant"], faure["Remise en pourcentage"]) == ("25,00", "")
    berlin = next(r for r in rows if r["Nom"] == "Berlin GmbH")
    # Following the organization's defaults: blank, so that a re-import keeps following them.
    assert [berlin[h] for h in ("Délai de paiement (jours)", "Fin de mois", "Devise")] == [
        "",
        "",
        "",
    ]
