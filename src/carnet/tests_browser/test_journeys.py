"""What a person does with client records, end to end in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from carnet.accounts.models import Organization, User
from carnet.clients import services
from carnet.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Page, email: str = "owner@dupont.fr") -> None:
    page.goto("/clients/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()


def identity_value(page: Page, key: str):  # noqa: ANN201 - a Playwright locator
    return page.locator(f'#client-identity [data-field="{key}"] dd')


def flash(page: Page):  # noqa: ANN201
    return page.locator(".flashes")


def test_a_client_from_creation_to_the_trash_and_back(
    page: Page, organization: Organization, owner: User
) -> None:
    services.create_client(organization, owner, {"name": "Autre client"})
    log_in(page)

    # Create a company with a SIRET typed with spaces: the record shows the derived SIREN.
    page.get_by_role("link", name="Nouveau client").click()
    expect(page.get_by_label("Entreprise", exact=True)).to_be_checked()
    page.get_by_label("Nom", exact=True).fill("Ébénisterie Lambert")
    page.get_by_label("SIRET").fill("732 829 320 00074")
    page.get_by_label("E-mail", exact=True).fill("atelier@lambert.fr")
    page.get_by_role("button", name="Créer le client").click()
    expect(flash(page)).to_contain_text("Client « Ébénisterie Lambert » créé.")
    expect(identity_value(page, "siret")).to_have_text("732 829 320 00074")
    expect(identity_value(page, "siren")).to_contain_text("732 829 320")
    expect(identity_value(page, "siren")).to_contain_text("déduit du SIRET")
    record_url = page.url

    # An invalid SIRET: the French error under the field, nothing saved, input kept.
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_label("SIRET").fill("732 829 320 00075")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator('[data-field="siret"] .field-error')).to_have_text(
        "Le SIRET 73282932000075 n'est pas valide (clé de contrôle incorrecte)."
    )
    expect(page.get_by_label("SIRET")).to_have_value("732 829 320 00075")
    page.get_by_role("link", name="Annuler").click()
    expect(identity_value(page, "siret")).to_have_text("732 829 320 00074")

    # Rename in place: Enter saves, no button; the history records it.
    title = page.locator("#client-name-input")
    title.click()
    title.fill("Ébénisterie Lambert & Fils")
    title.press("Enter")
    expect(page.locator("#client-rename-status")).to_have_text("Nom enregistré.")
    expect(page.locator("#identity-name")).to_have_text("Ébénisterie Lambert & Fils")
    expect(page.locator("#client-history .event-action").first).to_have_text("Modification")
    page.reload()
    expect(page.locator("#client-name-input")).to_have_value("Ébénisterie Lambert & Fils")

    # An empty name is refused in place with the French message.
    title = page.locator("#client-name-input")
    title.fill("")
    title.press("Tab")
    expect(page.locator("#client-rename-status")).to_have_text("Le nom est obligatoire.")
    page.reload()
    expect(page.locator("#client-name-input")).to_have_value("Ébénisterie Lambert & Fils")

    # Archive: it leaves the default list, and comes back greyed with "show archived".
    page.get_by_role("button", name="Archiver").click()
    expect(flash(page)).to_contain_text("est archivé")
    expect(page.locator('[data-badge="archived"]')).to_be_visible()
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Clients"
    ).click()
    rows = page.locator("#client-results tbody tr")
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name="Ébénisterie Lambert & Fils")).to_have_count(0)
    page.get_by_label("Afficher les archivés").check()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"archived=all"))
    archived_row = page.locator("tr.is-archived")
    expect(archived_row).to_contain_text("Ébénisterie Lambert & Fils")
    expect(rows.last).to_contain_text("Ébénisterie Lambert & Fils")  # at the bottom

    # Search as you type narrows the table without a page load.
    page.get_by_placeholder("Nom, e-mail, SIRET, SIREN, référence…").fill("lambert")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=lambert"))

    # Unarchive from the record.
    page.get_by_role("link", name="Ébénisterie Lambert & Fils").click()
    page.get_by_role("button", name="Désarchiver").click()
    expect(flash(page)).to_contain_text("est désarchivé")
    expect(page.locator('[data-badge="archived"]')).to_have_count(0)

    # Delete (with confirmation), then restore from the trash.
    page.get_by_role("link", name="Supprimer").click()
    page.get_by_role("button", name="Placer dans la corbeille").click()
    expect(flash(page)).to_contain_text("a été placé dans la corbeille")
    expect(page.get_by_role("link", name="Ébénisterie Lambert & Fils")).to_have_count(0)
    page.get_by_role("link", name="Corbeille").click()
    expect(page.get_by_role("heading", name="Corbeille")).to_be_visible()
    trash_row = page.locator("tbody tr", has_text="Ébénisterie Lambert & Fils")
    trash_row.get_by_role("button", name="Restaurer").click()
    expect(flash(page)).to_contain_text("restauré depuis la corbeille")
    page.get_by_role("link", name="Retour aux clients").click()
    expect(page.get_by_role("link", name="Ébénisterie Lambert & Fils")).to_be_visible()

    page.goto(record_url)
    actions = page.locator("#client-history .event-action")
    expect(actions).to_have_text(
        [
            "Restauration",
            "Mise à la corbeille",
            "Désarchivage",
            "Archivage",
            "Modification",
            "Création",
        ]
    )


def test_bulk_actions_report_each_client(
    page: Page, organization: Organization, owner: User
) -> None:
    for name in ("Alpha", "Bravo", "Charlie"):
        services.create_client(organization, owner, {"name": name})
    log_in(page)
    page.get_by_label("Tout sélectionner").check()
    expect(page.locator("[data-selected-count]")).to_have_text("3 / 3")
    page.get_by_label("Sélectionner Bravo").uncheck()
    page.get_by_role("button", name="Archiver", exact=True).click()
    result = page.locator(".bulk-result")
    expect(result).to_contain_text("2 clients archivés.")
    expect(result.locator("li.ok")).to_have_count(2)
    expect(page.locator("#client-results tbody tr")).to_have_count(1)


def test_the_kind_switch_shows_the_matching_fields(
    page: Page, organization: Organization, owner: User
) -> None:
    log_in(page)
    page.goto("/clients/new/")
    expect(page.get_by_label("SIRET")).to_be_visible()
    expect(page.get_by_label("Prénom")).to_be_hidden()
    page.get_by_label("Particulier", exact=True).check()
    expect(page.get_by_label("Prénom")).to_be_visible()
    expect(page.get_by_label("SIRET")).to_be_hidden()
    page.get_by_label("Prénom").fill("Élise")
    page.get_by_label("Nom de famille").fill("Moreau")
    page.get_by_role("button", name="Créer le client").click()
    expect(page.locator("#client-name-input")).to_have_value("Élise Moreau")


def test_the_list_collapses_to_cards_on_a_phone(
    phone_page: Page, organization: Organization, owner: User
) -> None:
    services.create_client(
        organization, owner, {"name": "Garage Martin", "email": "garage@martin.fr"}
    )
    log_in(phone_page)
    row = phone_page.locator("#client-results tbody tr").first
    expect(row).to_be_visible()
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    # Nothing wider than the screen: no sideways scrolling.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone_page.get_by_role("link", name="Garage Martin").click()
    expect(phone_page.locator("#client-name-input")).to_have_value("Garage Martin")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_language_switch_changes_the_page_language(
    page: Page, organization: Organization, owner: User
) -> None:
    services.create_client(organization, owner, {"name": "Garage Martin"})
    log_in(page)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator(".lang-switch").get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator('.lang-switch button[value="en"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("a.client-link", has_text="Garage Martin")).to_be_visible()
    page.locator("a.client-link", has_text="Garage Martin").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#client-name-input")).to_have_value("Garage Martin")


def test_a_concurrent_change_is_reported_not_overwritten(
    page: Page, organization: Organization, owner: User
) -> None:
    created = services.create_client(organization, owner, {"name": "Garage Martin"})
    log_in(page)
    page.goto(f"/clients/{created.pk}/")
    # Someone else renames the client while the page is open.
    services.update_client(organization, None, created.pk, {"name": "Garage Martin SAS"})
    title = page.locator("#client-name-input")
    title.fill("Garage Martin et Fils")
    title.press("Enter")
    expect(page.locator("#client-rename-status")).to_contain_text("modifié par quelqu'un d'autre")
    expect(
        page.locator("#client-rename-status").get_by_role("link", name="Recharger la fiche")
    ).to_be_visible()
    assert services.get_client(organization, created.pk).name == "Garage Martin SAS"
    page.locator("#client-rename-status").get_by_role("link", name="Recharger la fiche").click()
    expect(page.locator("#client-name-input")).to_have_value("Garage Martin SAS")
