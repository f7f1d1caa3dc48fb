"""The people, places and papers of a client record, end to end in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from carnet.accounts.models import Organization, User
from carnet.clients import services
from carnet.files.tests.samples import HTML, PDF
from carnet.tests_browser.test_journeys import flash, log_in

pytestmark = pytest.mark.browser


def add_contact(page: Page, first_name: str, last_name: str, email: str) -> None:
    page.get_by_role("link", name="Ajouter un contact").click()
    page.get_by_label("Prénom", exact=True).fill(first_name)
    page.get_by_label("Nom de famille").fill(last_name)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_role("button", name="Ajouter le contact").click()
    expect(flash(page)).to_contain_text("Contact ajouté.")


def give_billing_role(page: Page, contact_name: str) -> None:
    item = page.locator("#client-contacts .contact-item", has_text=contact_name)
    item.get_by_label("Actions sur le contact").click()
    item.get_by_role("button", name="Définir comme contact de facturation").click()
    expect(flash(page)).to_contain_text("Rôle attribué.")


def add_address(page: Page, label: str, line1: str, postcode: str, city: str, flag: str) -> None:
    page.get_by_role("link", name="Ajouter une adresse").click()
    page.get_by_label("Libellé").fill(label)
    page.get_by_label("Adresse", exact=True).fill(line1)
    page.get_by_label("Code postal").fill(postcode)
    page.get_by_label("Ville").fill(city)
    page.get_by_label(flag).check()
    page.get_by_role("button", name="Ajouter l'adresse").click()
    expect(flash(page)).to_contain_text("Adresse ajoutée.")


def test_contacts_addresses_files_and_vcard_on_the_record(
    page: Page, organization: Organization, owner: User, tmp_path: Path
) -> None:
    services.create_client(organization, owner, {"name": "Menuiserie Gérard"})
    log_in(page)
    page.get_by_role("link", name="Menuiserie Gérard").click()
    expect(page.locator("#client-name-input")).to_have_value("Menuiserie Gérard")

    # Two contacts, added through the "Ajouter un contact" page.
    add_contact(page, "Hélène", "Durand", "helene@gerard.fr")
    add_contact(page, "Marc", "Lefèvre", "marc@gerard.fr")
    contacts = page.locator("#client-contacts .contact-item")
    expect(contacts).to_have_count(2)
    billing_badges = page.locator('#client-contacts [data-badge="billing"]')
    expect(billing_badges).to_have_count(0)

    # The billing role goes to Hélène, then moves to Marc: one badge, on Marc.
    give_billing_role(page, "Hélène Durand")
    expect(billing_badges).to_have_count(1)
    helene = contacts.filter(has_text="Hélène Durand")
    marc = contacts.filter(has_text="Marc Lefèvre")
    expect(helene.locator('[data-badge="billing"]')).to_have_text("Facturation")
    give_billing_role(page, "Marc Lefèvre")
    expect(billing_badges).to_have_count(1)
    expect(marc.locator('[data-badge="billing"]')).to_have_text("Facturation")
    expect(helene.locator('[data-badge="billing"]')).to_have_count(0)

    # A billing address and a delivery address, each with its badge.
    add_address(
        page, "Siège", "12 rue des Lilas", "69003", "Lyon", "Adresse de facturation par défaut"
    )
    add_address(
        page, "Atelier", "4 chemin du Moulin", "38200", "Vienne", "Adresse de livraison par défaut"
    )
    addresses = page.locator("#client-addresses .address-item")
    expect(addresses).to_have_count(2)
    seat = addresses.filter(has_text="Siège")
    workshop = addresses.filter(has_text="Atelier")
    expect(seat.locator('[data-badge="billing"]')).to_have_text("Facturation")
    expect(seat.locator('[data-badge="delivery"]')).to_have_count(0)
    expect(workshop.locator('[data-badge="delivery"]')).to_have_text("Livraison")
    expect(workshop.locator('[data-badge="billing"]')).to_have_count(0)
    expect(seat).to_contain_text("69003 Lyon")

    # Upload a real PDF as a contract: it is listed with its category.
    contract = tmp_path / "contrat-gérard.pdf"
    contract.write_bytes(PDF)
    page.get_by_label("Fichiers").set_input_files(str(contract))
    page.get_by_label("Catégorie").select_option("contract")
    page.get_by_role("button", name="Ajouter des documents").click()
    expect(flash(page)).to_contain_text("1 document ajouté.")
    rows = page.locator("#client-files tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("contrat-gérard.pdf")
    expect(rows.first).to_contain_text("Contrat")

    # Download it: the very same bytes come back.
    with page.expect_download() as download_info:
        rows.first.locator("a.file-download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes() == PDF

    # The client's vCard.
    with page.expect_download() as download_info:
        page.locator("#download-vcard").click()
    card = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VCARD" in card
    assert "VERSION:4.0" in card
    assert "Menuiserie Gérard" in card

    # The history tells the contact, role, address and file changes.
    page.reload()
    actions = page.locator("#client-history .event-action")
    expect(actions.filter(has_text="Ajout d'un contact")).to_have_count(2)
    expect(actions.filter(has_text="Rôles d'un contact")).not_to_have_count(0)
    expect(actions.filter(has_text="Ajout d'une adresse")).to_have_count(2)
    expect(actions.filter(has_text="Ajout d'un document")).to_have_count(1)
    history = page.locator("#client-history")
    expect(history).to_contain_text("Hélène Durand")
    expect(history).to_contain_text("Marc Lefèvre")
    expect(history).to_contain_text("12 rue des Lilas")
    expect(history).to_contain_text("contrat-gérard.pdf")


def test_an_html_page_named_pdf_is_refused(
    page: Page, organization: Organization, owner: User, tmp_path: Path
) -> None:
    created = services.create_client(organization, owner, {"name": "Menuiserie Gérard"})
    log_in(page)
    page.goto(f"/clients/{created.pk}/")
    fake = tmp_path / "x.pdf"
    fake.write_bytes(HTML)
    page.get_by_label("Fichiers").set_input_files(str(fake))
    page.get_by_role("button", name="Ajouter des documents").click()
    expect(flash(page)).to_contain_text(
        "Le fichier « x.pdf » est refusé : les programmes, scripts, pages HTML et images SVG "
        "ne sont pas acceptés."
    )
    expect(page.locator("#client-files tbody tr")).to_have_count(0)
    expect(page.locator("#client-files")).to_contain_text("Aucun document.")
