"""Reviewing duplicates and merging two clients, then undoing it, in a real browser."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from carnet.accounts.models import Organization, User
from carnet.clients import services
from carnet.clients.models import Client
from carnet.contacts.services import create_contact_for_client
from carnet.files.services import upload_file
from carnet.tests_browser.test_journeys import flash, log_in

pytestmark = pytest.mark.browser


def test_merge_a_pair_from_the_review_then_undo_it(
    page: Page, organization: Organization, owner: User
) -> None:
    first = services.create_client(
        organization,
        owner,
        {"name": "Menuiserie Gérard", "siret": "73282932000074", "email": "contact@gerard.fr"},
    )
    second = services.create_client(
        organization,
        owner,
        {
            "name": "Menuiserie Gérard Atelier",
            "siret": "73282932000090",
            "email": "atelier@gerard.fr",
        },
    )
    create_contact_for_client(
        organization, owner, first.pk, {"first_name": "Hélène", "last_name": "Gérard"}
    )
    create_contact_for_client(
        organization, owner, second.pk, {"first_name": "Marc", "last_name": "Lefèvre"}
    )
    upload_file(
        organization,
        owner,
        first.pk,
        SimpleUploadedFile("devis.pdf", b"%PDF-1.4 devis"),
        "contract",
    )
    upload_file(
        organization,
        owner,
        second.pk,
        SimpleUploadedFile("rib.pdf", b"%PDF-1.4 rib"),
        "bank_details",
    )
    before = {c.pk: (c.name, c.email, c.siret) for c in Client.objects.all()}

    log_in(page)
    page.get_by_role("link", name="Doublons").click()
    page.get_by_role("button", name="Analyser maintenant").click()
    expect(flash(page)).to_contain_text("Analyse terminée")
    group = page.locator(".duplicate-group").first
    expect(group).to_contain_text("Menuiserie Gérard Atelier")
    group.get_by_role("link", name="Fusionner…").click()

    # Keep the first client, with the second one's e-mail.
    expect(page.get_by_role("heading", name="Fusionner des clients")).to_be_visible()
    page.get_by_label("atelier@gerard.fr").check()
    page.get_by_role("button", name="Fusionner 2 clients").click()
    expect(flash(page)).to_contain_text("Clients fusionnés.")
    expect(page.locator("#client-name-input")).to_have_value("Menuiserie Gérard")
    contacts = page.locator("#client-contacts .contact-item")
    expect(contacts).to_have_count(2)
    expect(page.locator("#client-contacts")).to_contain_text("Marc Lefèvre")
    expect(page.locator("#client-files")).to_contain_text("rib.pdf")
    expect(page.locator("#client-files")).to_contain_text("devis.pdf")
    expect(page.get_by_text("atelier@gerard.fr").first).to_be_visible()

    page.get_by_role("button", name="Annuler la fusion").click()
    expect(flash(page)).to_contain_text("Fusion annulée")
    expect(page.locator("#client-contacts .contact-item")).to_have_count(1)
    after = {c.pk: (c.name, c.email, c.siret) for c in Client.objects.all()}
    assert after == before
    page.goto(f"/clients/{second.pk}/")
    expect(page.locator("#client-name-input")).to_have_value("Menuiserie Gérard Atelier")
    expect(page.locator("#client-files")).to_contain_text("rib.pdf")
