"""Organizing and finding clients in a real browser: filters, a bulk tag, a saved view,
the tag settings and the client picker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from carnet.accounts.models import Organization, User
from carnet.clients import services
from carnet.clients.models import ClientTag
from carnet.contacts import services as contact_services

from .test_journeys import flash, log_in

pytestmark = pytest.mark.browser


def rows(page: Page):  # noqa: ANN201 - a Playwright locator
    return page.locator("#client-results .client-link")


def test_filter_tag_in_bulk_save_the_view_and_rename_the_tag(
    page: Page, organization: Organization, owner: User
) -> None:
    for name, fields in [
        ("Boulangerie Martin", {"category": "Commerce", "phone": "01 42 68 53 00"}),
        ("Garage Martin", {"category": "Commerce"}),
        ("Cabinet Durand", {"category": "Conseil"}),
    ]:
        services.create_client(organization, owner, {"name": name, **fields})
    log_in(page)

    # A phone number typed with dots finds its client as you type.
    page.get_by_label("Rechercher").fill("01.42.68.53.00")
    expect(rows(page)).to_have_text(["Boulangerie Martin"])
    page.get_by_label("Rechercher").fill("")
    expect(rows(page)).to_have_count(3)

    # The filters panel: choosing a category narrows the list at once.
    page.locator(".filter-panel > summary").click()
    page.locator('select[name="category"]').select_option("Commerce")
    expect(rows(page)).to_have_text(["Boulangerie Martin", "Garage Martin"])
    expect(page).to_have_url(re.compile(r"category=Commerce"))

    # Select both and add a tag to them in one go.
    page.get_by_label("Tout sélectionner").check()
    page.locator(".bulk-more > summary").click()
    page.get_by_label("Étiquettes", exact=True).fill("Salon 2026")
    page.get_by_role("button", name="Ajouter les étiquettes").click()
    expect(page.locator(".bulk-result")).to_contain_text("Étiquettes ajoutées à 2 clients.")
    assert ClientTag.objects.filter(tag__name="Salon 2026").count() == 2

    # Save the filtered list as a shared view, then open it from the menu.
    page.locator(".save-view > summary").click()
    page.get_by_label("Nom de la vue").fill("Commerces")
    page.get_by_label("Partager avec toute l'organisation").check()
    page.locator(".save-view-form").get_by_role("button", name="Enregistrer").click()
    expect(flash(page)).to_contain_text("Vue « Commerces » enregistrée.")
    page.goto("/clients/")
    page.locator(".views-menu > summary").click()
    page.locator(".views-menu").get_by_role("link", name="Commerces").click()
    expect(rows(page)).to_have_text(["Boulangerie Martin", "Garage Martin"])

    # Rename the tag in the settings: the record shows the new name.
    page.get_by_role("link", name="Paramètres").click()
    expect(page.get_by_role("heading", name="Étiquettes")).to_be_visible()
    row = page.locator('tr[data-tag="Salon 2026"]')
    row.locator('input[name="name"]').fill("Salon de Lyon 2026")
    row.get_by_role("button", name="Renommer").click()
    expect(flash(page)).to_contain_text(
        "« Salon 2026 » s'appelle désormais « Salon de Lyon 2026 »."
    )
    expect(page.locator('tr[data-tag="Salon de Lyon 2026"] td.num')).to_have_text("2")


def test_link_a_contact_to_another_client_with_the_picker(
    page: Page, organization: Organization, owner: User
) -> None:
    accountant_client = services.create_client(organization, owner, {"name": "Atelier Roux"})
    services.create_client(organization, owner, {"name": "Menuiserie Roussel"})
    old = services.create_client(organization, owner, {"name": "Rousseau Ancien"})
    services.archive_client(organization, owner, old.pk)
    link = contact_services.create_contact_for_client(
        organization, owner, accountant_client.pk, {"first_name": "Anne", "last_name": "Comptable"}
    )
    log_in(page)
    page.goto(f"/clients/{accountant_client.pk}/contacts/{link.contact_id}/edit/")
    box = page.get_by_label("Lier aussi ce contact à un client")
    box.fill("rous")
    options = page.locator(".picker-option")
    expect(options).to_have_count(1)  # the archived one is not proposed
    expect(options.first).to_contain_text("Menuiserie Roussel")
    box.press("ArrowDown")
    expect(options.first).to_be_focused()
    options.first.press("Enter")
    expect(box).to_have_value(re.compile(r"^Menuiserie Roussel \(CLI-\d+\)$"))
    page.get_by_role("button", name="Lier au client").click()
    expect(flash(page)).to_contain_text(
        "« Anne Comptable » est aussi le contact de « Menuiserie Roussel »."
    )
    expect(page.locator("#contact-other-clients")).to_contain_text("Menuiserie Roussel")
