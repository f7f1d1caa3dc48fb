"""Documents as printable PDFs: the seller's and the client's identity, the lines and
totals, and the mentions French law requires."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.payments import services as payments
from carnet.sales import services
from carnet.sales.models import Document
from carnet.sales.pdf import (
    amount_text,
    document_pdf,
    number_text,
    pdf_text,
    vat_mentions,
)

D = Decimal


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def line(**extra: Any) -> dict[str, Any]:
    return {"description": "Pain de campagne", "quantity": "3", "unit_price": "4.20", **extra}


@pytest.fixture
def seller(organization: Organization, owner: User) -> Organization:
    services.update_sales_settings(
        organization,
        owner,
        {
            "legal_name": "Dupont & Associés SAS",
            "legal_form": "SAS",
            "share_capital": "10000",
            "address": "12 rue de la Paix\n75002 Paris",
            "siret": "73282932000074",
            "rcs": "Paris B 732 829 320",
            "vat_number": "FR44732829320",
            "late_penalty_rate": "12.5",
        },
    )
    return organization


@pytest.fixture
def client(organization: Organization, owner: User) -> Client:
    account = payments.save_bank_account(
        organization,
        owner,
        {
            "label": "Compte courant",
            "iban": "FR7630006000011234567890189",
            "bic": "AGRIFRPP",
            "bank_name": "Crédit Agricole",
        },
    )
    return clients.create_client(
        organization,
        owner,
        {
            "kind": "company",
            "name": "Boulangerie Martin",
            "reference": "BOUL-01",
            "siret": "55208131766522",
            "vat_number": "FR03552081317",
            "pays_into": account.pk,
        },
    )


def issue(organization: Organization, owner: User, data: dict[str, Any]) -> Document:
    draft = services.create_document(organization, owner, data)
    return services.issue_document(organization, owner, draft.pk)


def test_an_invoice_carries_the_legal_mentions(
    seller: Organization, owner: User, client: Client
) -> None:
    invoice = issue(
        seller,
        owner,
        {
            "type": "invoice",
            "client": client.pk,
            "date": "2026-01-15",
            "subject": "Commande de l’été",
            "lines": [
                line(reference="PAIN", vat_rate="5.5"),
                line(
                    description="Conseil", quantity="1.5", unit_price="100", discount_percent="10"
                ),
            ],
        },
    )
    text = text_of(document_pdf(invoice))
    for expected in (
        "Facture",
        "N° FA-000001",
        "Date : 15/01/2026",
        "Échéance : 14/02/2026",
        "Dupont & Associés SAS",
        "SAS au capital de 10 000,00 €",
        "12 rue de la Paix",
        "SIRET : 73282932000074",
        "RCS Paris B 732 829 320",
        "N° TVA intracommunautaire : FR44732829320",
        "Boulangerie Martin",
        "SIRET : 55208131766522",
        "N° TVA : FR03552081317",
        "Réf. client : BOUL-01",
        "Commande de l’été",
        "Pain de campagne",
        "PAIN",
        "4,20",
        "12,60",
        "10 %",
        "135,00",
        "TVA 20 % sur 135,00 €",
        "27,00 €",
        "TVA 5,5 % sur 12,60 €",
        "0,69 €",
        "Total HT",
        "147,60 €",
        "Total TTC",
        "175,29 €",
        "Conditions de paiement : 30 jours",
        "IBAN : FR76 3000 6000 0112 3456 7890 189",
        "BIC : AGRIFRPP",
        "12,5 % par an",
        "L. 441-10",
        "Indemnité forfaitaire pour frais de recouvrement : 40 €",
        "D. 441-5",
        "Pas d'escompte pour paiement anticipé.",
    ):
        assert expected in text, expected
    assert "BROUILLON" not in text
    assert "Autoliquidation" not in text


def test_an_issued_invoice_keeps_the_client_it_was_issued_to(
    seller: Organization, owner: User, client: Client
) -> None:
    invoice = issue(seller, owner, {"type": "invoice", "client": client.pk, "lines": [line()]})
    clients.update_client(seller, owner, client.pk, {"name": "Martin SAS"})
    invoice.refresh_from_db()
    text = text_of(document_pdf(invoice))
    assert "Boulangerie Martin" in text
    assert "Martin SAS" not in text


def test_a_draft_is_marked_and_has_no_number(
    seller: Organization, owner: User, client: Client
) -> None:
    draft = services.create_document(
        seller, owner, {"type": "invoice", "client": client.pk, "lines": [line()]}
    )
    clients.update_client(seller, owner, client.pk, {"name": "Martin & Fils"})
    draft.refresh_from_db()
    text = text_of(document_pdf(draft))
    assert "BROUILLON" in text
    assert "FA-" not in text
    assert "Martin & Fils" in text  # a draft follows the live record


def test_reverse_charge_is_stated(seller: Organization, owner: User) -> None:
    german = clients.create_client(
        seller,
        owner,
        {
            "kind": "company",
            "name": "Bäckerei Müller GmbH",
            "country": "DE",
            "vat_number": "DE136695976",
        },
    )
    invoice = issue(seller, owner, {"type": "invoice", "client": german.pk, "lines": [line()]})
    text = text_of(document_pdf(invoice))
    assert "Autoliquidation" in text
    assert "TVA due par le preneur, article 196 de la directive 2006/112/CE" in text
    assert "Bäckerei Müller GmbH" in text
    assert "N° TVA : DE136695976" in text
    assert "Allemagne" in text


def test_a_french_reverse_charge_cites_the_cgi() -> None:
    document = Document(vat_regime="reverse_charge")
    assert vat_mentions(document, {"country": "FR", "address": {}}) == [
        "Autoliquidation",
        "TVA due par le preneur, article 283-2 du CGI",
    ]


def test_an_export_is_exempt(seller: Organization, owner: User) -> None:
    american = clients.create_client(
        seller, owner, {"kind": "company", "name": "Bakery Inc.", "country": "US"}
    )
    invoice = issue(seller, owner, {"type": "invoice", "client": american.pk, "lines": [line()]})
    assert "Exonération de TVA, article 262 I du CGI" in text_of(document_pdf(invoice))


def test_a_quote_shows_its_validity_and_no_invoice_mentions(
    seller: Organization, owner: User, client: Client
) -> None:
    quote = issue(
        seller,
        owner,
        {"type": "quote", "client": client.pk, "date": "2026-01-05", "lines": [line()]},
    )
    text = text_of(document_pdf(quote))
    assert "Devis" in text
    assert "DE-000001" in text
    assert "Valable jusqu'au 04/02/2026" in text
    assert "Indemnité forfaitaire" not in text
    assert "IBAN" not in text


def test_a_credit_note_names_its_invoice(seller: Organization, owner: User, client: Client) -> None:
    invoice = issue(seller, owner, {"type": "invoice", "client": client.pk, "lines": [line()]})
    credit = issue(
        seller,
        owner,
        {"type": "credit_note", "client": client.pk, "related": invoice.pk, "lines": [line()]},
    )
    text = text_of(document_pdf(credit))
    assert "Avoir" in text
    assert "AV-000001" in text
    assert "Avoir sur la facture FA-000001" in text


def test_a_paid_part_and_what_remains_are_shown(
    seller: Organization, owner: User, client: Client
) -> None:
    invoice = issue(seller, owner, {"type": "invoice", "client": client.pk, "lines": [line()]})
    services.create_payment(
        seller,
        owner,
        {
            "client": client.pk,
            "date": invoice.date.isoformat(),
            "amount": "10",
            "method": "transfer",
            "allocations": [{"document": invoice.pk, "amount": "10"}],
        },
    )
    invoice.refresh_from_db()
    text = text_of(document_pdf(invoice))
    assert "Déjà réglé" in text
    assert "Reste à payer" in text
    assert "5,12 €" in text  # 15.12 TTC less 10


def test_without_settings_the_organization_name_is_printed(
    organization: Organization, owner: User
) -> None:
    client = clients.create_client(organization, owner, {"kind": "company", "name": "Martin"})
    invoice = issue(
        organization, owner, {"type": "invoice", "client": client.pk, "lines": [line()]}
    )
    text = text_of(document_pdf(invoice))
    assert "Dupont & Associés" in text
    assert "10 % par an" in text  # the default penalty rate


def test_every_type_prints(seller: Organization, owner: User, client: Client) -> None:
    titles = {
        "order": "Bon de commande",
        "delivery_note": "Bon de livraison",
        "proforma": "Facture pro forma",
    }
    for doc_type, title in titles.items():
        draft = services.create_document(
            seller, owner, {"type": doc_type, "client": client.pk, "lines": [line()]}
        )
        assert title in text_of(document_pdf(draft))


def test_many_lines_run_over_several_pages(
    seller: Organization, owner: User, client: Client
) -> None:
    lines = [line(description=f"Article n° {index} – livraison du matin") for index in range(120)]
    invoice = issue(seller, owner, {"type": "invoice", "client": client.pk, "lines": lines})
    reader = PdfReader(io.BytesIO(document_pdf(invoice)))
    assert len(reader.pages) >= 3
    assert "Article n° 119" in reader.pages[-1].extract_text() or "Article n° 119" in "".join(
        page.extract_text() for page in reader.pages
    )


def test_text_helpers() -> None:
    assert amount_text(D("1234567.5")) == "1\u00a0234\u00a0567,50"
    assert amount_text(D("-40")) == "-40,00"
    assert number_text(D("3.000")) == "3"
    assert number_text(D("1.500")) == "1,5"
    assert number_text(D("4.2000"), 2) == "4,20"
    assert number_text(D("4.1234"), 2) == "4,1234"
    assert pdf_text("l’été € œ « »") == "l’été € œ « »"
    assert pdf_text("Łódź Şişli 東京") == "Lódz Sisli ??"
    assert pdf_text("1\u202f234") == "1\u00a0234"
