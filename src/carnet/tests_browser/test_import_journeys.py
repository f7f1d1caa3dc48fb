"""Importing a client file, end to end in a real browser: template, upload, mapping,
preview, commit, error report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from carnet.accounts.models import Organization, User
from carnet.clients.models import Client
from carnet.tests_browser.test_journeys import flash, log_in

pytestmark = pytest.mark.browser

ROWS = [
    ["Raison sociale", "Courriel", "Téléphone", "SIRET", "Historique", "Ville"],
    ["Boulangerie Élodie", "contact@boulangerie-elodie.fr", "01 42 68 53 00", "", "", "Paris"],
    ["Garage Müller", "garage-muller.fr", "", "", "", "Lyon"],  # not an e-mail
    ["Pâtisserie Noël", "noel@patisserie.fr", "", "73282932000075", "", "Nice"],  # bad key
    ["Épicerie Fine", "epicerie@fine.fr", "12", "", "", "Lille"],  # bad phone
    ["Café du Port", "cafe@port.fr", "04 91 00 00 00", "", "Fidèle depuis 2010", "Marseille"],
]


def test_import_a_messy_file_and_fix_the_refused_rows(
    page: Page, organization: Organization, owner: User, tmp_path: Path
) -> None:
    log_in(page)
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Importer des clients")).to_be_visible()

    # The template, as Excel opens it.
    with page.expect_download() as template:
        page.get_by_role("link", name="Modèle CSV").click()
    header = Path(template.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Référence;Type;Nom;")

    # A file saved by Excel in French: Windows-1252, semicolons, three bad rows.
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(ROWS)
    source = tmp_path / "clients export.csv"
    source.write_bytes(buffer.getvalue().encode("cp1252"))
    page.get_by_label("Fichier à importer").set_input_files(str(source))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text("Fichier CSV, encodage cp1252")).to_be_visible()
    expect(page.locator("#id_column_1")).to_have_value("email")
    expect(page.locator('[data-count="error"]')).to_have_text("3 erreurs")

    # "Historique" was not recognized: send it to the notes, then check again.
    expect(page.locator("#id_column_4")).to_have_value("")
    page.locator("#id_column_4").select_option(label="Notes")
    page.get_by_role("button", name="Appliquer et revérifier").click()
    expect(flash(page)).to_contain_text("Correspondance appliquée")
    expect(page.locator("#id_column_4")).to_have_value("notes")
    expect(page.locator('[data-count="create"]')).to_have_text("2 créations")
    rows = page.locator(".import-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Courriel")
    expect(rows.nth(1)).to_contain_text("SIRET")
    expect(rows.nth(2)).to_contain_text("Téléphone")

    page.get_by_role("button", name="Importer 2 lignes valides").click()
    expect(flash(page)).to_contain_text("Import enregistré.")
    expect(page.locator("#import-result")).to_contain_text("2 clients créés")
    assert Client.objects.get(name="Café du Port").notes == "Fidèle depuis 2010"

    with page.expect_download() as report:
        page.locator("#download-errors-csv").click()
    lines = Path(report.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(";Erreurs;Ligne d'origine")
    assert [line.split(";")[0] for line in lines[1:]] == [
        "Garage Müller",
        "Pâtisserie Noël",
        "Épicerie Fine",
    ]

    # The new clients are in the list, found by search.
    page.get_by_role("link", name="Clients").first.click()
    page.get_by_role("searchbox").fill("elodie")
    expect(page.get_by_role("link", name="Boulangerie Élodie")).to_be_visible()
