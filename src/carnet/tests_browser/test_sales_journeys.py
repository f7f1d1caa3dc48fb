"""Sales end to end in a real browser: an invoice made from the client's record (a second
line added in place), issued after confirmation, partly paid; the record's outstanding
amount and revenue chart follow; the statement is downloaded; deleting the client is
refused because of its documents, and it is archived instead.

The record page shows ``sales/_client_sales.html`` (``sales.views.sales_context``) and
``sales/_client_statistics.html`` (``sales.report_views.statistics_context``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from carnet.accounts.models import Organization, User
from carnet.clients import services
from carnet.tests_browser.test_journeys import flash, log_in

pytestmark = pytest.mark.browser


def test_an_invoice_from_draft_to_partial_payment_then_the_client_archived(
    page: Page, organization: Organization, owner: User
) -> None:
    vidal = services.create_client(organization, owner, {"name": "Fromagerie Vidal"})
    log_in(page)
    page.get_by_role("link", name="Fromagerie Vidal").click()
    record_url = page.url

    sales = page.locator("#client-sales")
    expect(sales.locator("#sales-outstanding")).to_have_text("0,00\u00a0€")
    expect(sales).to_contain_text("Aucun document.")
    chart = page.locator("#revenue-chart")
    expect(chart).to_be_visible()
    expect(chart.locator('rect:not([height="0"]):not([height="0.0"])')).to_have_count(0)

    # A new invoice: its client is already chosen; a second line is added in place.
    sales.get_by_role("link", name="Nouvelle facture").click()
    expect(page.get_by_role("heading", name="Nouvelle facture")).to_be_visible()
    expect(page.get_by_label("Client", exact=True)).to_have_value(
        f"Fromagerie Vidal ({vidal.reference})"
    )
    first = page.locator('[data-line="0"]')
    first.get_by_label("Désignation").fill("Plateau de fromages")
    first.get_by_label("Quantité").fill("2")
    first.get_by_label("Prix unitaire HT").fill("45,50")
    page.get_by_role("button", name="Ajouter une ligne").click()
    second = page.locator('[data-line="1"]')
    expect(second.get_by_label("Désignation")).to_be_focused()
    expect(first.get_by_label("Prix unitaire HT")).to_have_value("45,50")  # kept
    second.get_by_label("Désignation").fill("Livraison")
    second.get_by_label("Prix unitaire HT").fill("10")
    second.get_by_label("TVA (%)").select_option("5.5")

    # A VAT rate France does not know is refused next to its line, nothing saved.
    page.evaluate(
        "document.querySelector('[name=\"lines-0-vat_rate\"]')"
        ".add(new Option('19,6 %', '19.6', true, true))"
    )
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(first.locator(".field-error")).to_contain_text("Taux de TVA non applicable en France")
    expect(page.locator("#form-errors")).to_contain_text("Le document n'a pas été enregistré")
    first.get_by_label("TVA (%)").select_option("20")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(flash(page)).to_contain_text("Brouillon enregistré")
    totals = page.locator("#document-totals")
    expect(totals.locator('[data-total="excl_vat"] dd')).to_have_text("101,00\u00a0€")
    expect(totals.locator('[data-total="incl_vat"] dd')).to_have_text("119,75\u00a0€")

    # Issuing asks first: the number will be final.
    page.get_by_role("link", name="Émettre").click()
    expect(page.locator(".confirm-card")).to_contain_text("Ce numéro est définitif")
    page.get_by_role("button", name="Émettre et numéroter").click()
    expect(flash(page)).to_contain_text("Facture FA-000001 émise.")
    expect(page.locator("#document-number")).to_have_text("FA-000001")
    expect(page.get_by_role("link", name="Modifier")).to_have_count(0)

    # A partial payment: the form starts with the whole balance, allocated to the invoice.
    page.get_by_role("link", name="Enregistrer un paiement").click()
    expect(page.get_by_label("Montant", exact=True)).to_have_value("119,75")
    allocation = page.get_by_label("Montant affecté à FA-000001")
    expect(allocation).to_have_value("119,75")
    page.get_by_label("Montant", exact=True).fill("50")
    expect(page.locator("#payment-credit")).to_contain_text("dépassent le montant disponible")
    allocation.fill("50")
    expect(page.locator("#payment-credit")).to_contain_text("Reste en crédit client : 0,00")
    page.get_by_label("Mode de paiement").select_option(label="Chèque")
    page.get_by_label("Référence du paiement").fill("CHQ 0042")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(flash(page)).to_contain_text("Paiement enregistré.")
    expect(page.locator("#payment-allocations")).to_contain_text("FA-000001")

    # The record follows: what is left to collect, the statuses, the revenue chart.
    page.goto(record_url)
    expect(sales.locator("#sales-outstanding")).to_contain_text("69,75\u00a0€")
    expect(sales.locator('[data-status="partially_paid"], [data-status="overdue"]')).to_have_count(
        1
    )
    expect(sales.locator("#client-payments")).to_contain_text("50,00\u00a0€")
    statistics = page.locator("#client-statistics")
    expect(statistics.locator('[data-figure="outstanding"]')).to_contain_text("69,75")
    expect(statistics.locator('[data-figure="revenue"]')).to_contain_text("101,00")
    expect(chart.locator('rect:not([height="0"]):not([height="0.0"])')).to_have_count(1)

    # The statement comes as a PDF download.
    with page.expect_download() as download_info:
        statistics.get_by_role("button", name="Télécharger en PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert download.path().read_bytes().startswith(b"%PDF")

    # Deleting the client is refused because of its documents: archive it instead.
    page.goto(record_url)
    page.locator(".record-actions").get_by_role("link", name="Supprimer").click()
    page.get_by_role("button", name="Placer dans la corbeille").click()
    refusal = page.locator("#delete-refusal")
    expect(refusal).to_contain_text("ce client a 1 document, 1 paiement")
    page.get_by_role("button", name="Archiver").click()
    expect(flash(page)).to_contain_text("« Fromagerie Vidal » est archivé.")
    expect(page.locator('[data-badge="archived"]')).to_be_visible()
