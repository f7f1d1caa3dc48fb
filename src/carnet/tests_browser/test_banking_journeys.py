"""A client's payment preferences and means of payment, end to end in a real browser: 45
days end of month and direct debit as the client's own terms and method, an IBAN typed
with spaces comes back normalized and masked, a SEPA mandate is recorded with its signed
copy, then revoked.

The record page shows the section through ``banking/_client_banking.html`` (included in
``clients/client_detail.html`` with ``banking.views.banking_context``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from carnet.accounts.models import Organization, User
from carnet.banking import services as banking_services
from carnet.clients import services
from carnet.files.tests.samples import PDF
from carnet.tests_browser.test_journeys import flash, log_in

pytestmark = pytest.mark.browser

MASKED = "FR76 •••• •••• •••• •••• •••0 189"
FORMATTED = "FR76 3000 6000 0112 3456 7890 189"


def test_an_iban_with_spaces_a_mandate_and_its_revocation(
    page: Page, organization: Organization, owner: User, tmp_path: Path
) -> None:
    services.create_client(organization, owner, {"name": "Menuiserie Gérard"})
    log_in(page)
    page.get_by_role("link", name="Menuiserie Gérard").click()

    # The Payment section shows the organization's defaults until the client has its own.
    payment = page.locator(".section-payment")
    expect(payment.locator('[data-field="payment_terms"]')).to_contain_text("30 jours (par défaut)")
    expect(payment.locator('[data-field="payment_method"]')).to_contain_text(
        "Virement (par défaut)"
    )
    payment.get_by_role("link", name="Modifier le paiement").click()
    page.get_by_label("Délai de paiement").fill("45")
    page.get_by_label("Fin de mois").select_option(label="Oui")
    page.get_by_label("Mode de paiement").select_option(label="Prélèvement")
    page.get_by_role("button", name="Enregistrer").click()
    expect(flash(page)).to_contain_text("Modifications enregistrées.")
    terms = payment.locator('[data-field="payment_terms"]')
    expect(terms).to_contain_text("45 jours fin de mois")
    expect(terms).not_to_contain_text("par défaut")
    method = payment.locator('[data-field="payment_method"]')
    expect(method).to_contain_text("Prélèvement")
    expect(method).not_to_contain_text("par défaut")
    expect(payment.locator('[data-warning="payment"]')).to_have_count(0)  # 45 EOM is legal

    banking = page.locator("#client-banking")
    expect(banking).to_contain_text("Aucun compte bancaire.")

    # An IBAN with a wrong check digit first: refused with the reason, nothing added.
    page.get_by_role("link", name="Ajouter un compte").click()
    page.get_by_label("IBAN").fill("fr76 3000 6000 0112 3456 7890 188")
    page.get_by_role("button", name="Ajouter le compte").click()
    expect(page.locator('[data-field="iban"] .field-error')).to_contain_text(
        "clé de contrôle incorrecte"
    )

    # Typed in lower case with spaces, as on a RIB: stored compact, shown masked.
    page.get_by_label("IBAN").fill("fr76 3000 6000 0112 3456 7890 189")
    page.get_by_label("BIC").fill("agri fr pp")
    page.get_by_label("Libellé").fill("Compte courant")
    page.get_by_role("button", name="Ajouter le compte").click()
    expect(flash(page)).to_contain_text("Compte bancaire ajouté.")
    account = banking.locator(".bank-account-item")
    expect(account).to_have_count(1)
    expect(account.locator(".iban-masked")).to_have_text(MASKED)
    expect(account.locator(".bic")).to_have_text("AGRIFRPP")
    expect(account.locator('[data-badge="primary"]')).to_have_text("Principal")
    # The full IBAN, normalized, only when asked for (the owner may edit the record).
    expect(account.locator(".iban-full")).to_be_hidden()
    account.get_by_text("Afficher l'IBAN complet").click()
    expect(account.locator(".iban-full")).to_have_text(FORMATTED)

    # A mandate on that account, with its signed copy.
    signed = tmp_path / "mandat-signé.pdf"
    signed.write_bytes(PDF)
    page.get_by_role("link", name="Ajouter un mandat").click()
    expect(page.get_by_label("Compte prélevé")).to_contain_text(MASKED)
    page.get_by_label("Référence unique du mandat (RUM)").fill("RUM-2024-0001")
    page.get_by_label("Date de signature").fill(banking_services.today().isoformat())
    page.get_by_label("Mandat signé").set_input_files(str(signed))
    page.get_by_role("button", name="Enregistrer le mandat").click()
    expect(flash(page)).to_contain_text("Mandat SEPA enregistré.")
    mandate = page.locator("#client-mandates .mandate-item")
    expect(mandate).to_have_count(1)
    expect(mandate.locator(".mandate-reference")).to_have_text("RUM-2024-0001")
    expect(mandate.locator("[data-status]")).to_have_text("Actif")
    expect(mandate).to_contain_text(MASKED)
    expect(mandate.locator(".mandate-file")).to_have_text("mandat-signé.pdf")

    # Revoke it: confirmed, final, and no more actions on it.
    mandate.get_by_label("Actions sur le mandat").click()
    mandate.get_by_role("link", name="Révoquer").click()
    expect(page.get_by_role("heading", name="Révoquer ce mandat ?")).to_be_visible()
    page.get_by_role("button", name="Révoquer le mandat").click()
    expect(flash(page)).to_contain_text("Mandat SEPA révoqué.")
    expect(mandate.locator("[data-status]")).to_have_text("Révoqué")
    expect(mandate.get_by_label("Actions sur le mandat")).to_have_count(0)

    # The history tells all of it with the IBAN masked, never in full.
    history = page.locator("#client-history")
    expect(history).to_contain_text(MASKED)
    expect(history).to_contain_text("RUM-2024-0001 : Révoqué")
    expect(history).not_to_contain_text("3000 6000")
    expect(history).not_to_contain_text("30006000")
