"""The import pages (upload, mapping, preview, commit, report, rollback) and the export."""

from __future__ import annotations

import io

import pytest

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.imports.models import ImportBatch

from .helpers import csv_bytes

ROWS = [
    ["Société", "Mail", "Ville", "Divers"],
    ["Boulangerie Martin", "contact@martin.fr", "Paris", "x"],
    ["Garage Durand", "pas-un-email", "Lyon", "y"],
]


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


def _file(content: bytes, name: str = "clients.csv") -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def _upload(web, content: bytes, name: str = "clients.csv"):
    return web.post("/imports/", {"file": _file(content, name)})


def test_the_import_page_offers_the_templates_and_the_upload(web):
    page = web.get("/imports/").content.decode()
    assert "/imports/template.csv" in page and "/imports/template.xlsx" in page
    assert 'type="file"' in page


def test_an_upload_leads_to_its_preview_with_the_mapping(web):
    response = _upload(web, csv_bytes(ROWS, encoding="cp1252"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    page = web.get(response["Location"]).content.decode()
    assert "cp1252" in page
    assert 'id="id_column_1"' in page and 'value="email" selected' in page
    assert "Colonnes ignorées" in page and "Divers" in page
    assert "Importer 1 ligne valide" in page
    assert "Saisissez une adresse e-mail valide" in page
    assert Client.objects.count() == 0


def test_correcting_the_mapping_then_committing_then_rolling_back(web):
    _upload(web, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    form = {f"column_{i}": key or "" for i, key in enumerate(batch.mapping)}
    form.update(column_1="", key="", encoding="utf-8", delimiter=";")
    web.post(f"/imports/{batch.pk}/configure/", form)
    batch.refresh_from_db()
    assert batch.mapping[1] is None
    assert batch.counts["create"] == 2
    web.post(f"/imports/{batch.pk}/commit/")
    assert Client.objects.count() == 2
    page = web.get(f"/imports/{batch.pk}/").content.decode()
    assert "Import enregistré" in page, page[page.find("<main") :][:3000]
    assert "Annuler l" in page
    web.post(f"/imports/{batch.pk}/rollback/")
    assert Client.objects.count() == 0
    assert "Import annulé" in web.get(f"/imports/{batch.pk}/").content.decode()


def test_the_error_report_downloads(web):
    _upload(web, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    response = web.get(f"/imports/{batch.pk}/errors.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="erreurs-import-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Garage Durand" in text and "Boulangerie" not in text
    assert web.get(f"/imports/{batch.pk}/errors.xlsx").status_code == 200
    assert web.get(f"/imports/{batch.pk}/errors.pdf").status_code == 404


def test_an_unreadable_file_is_refused_with_a_message(web):
    response = _upload(web, b"")
    assert response.status_code == 302
    assert "Le fichier est vide" in web.get("/imports/").content.decode()
    assert not ImportBatch.objects.exists()


def test_a_progress_poll_reloads_the_page_when_the_step_is_done(web):
    _upload(web, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    response = web.get(f"/imports/{batch.pk}/progress/")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_another_organizations_import_is_a_404(web, other_organization, outsider, client):
    _upload(web, csv_bytes(ROWS))
    batch = ImportBatch.objects.get()
    client.force_login(outsider)
    for path in ("", "errors.csv", "progress/"):
        assert client.get(f"/imports/{batch.pk}/{path}").status_code == 404
    assert client.post(f"/imports/{batch.pk}/commit/").status_code == 404
    assert Client.objects.count() == 0


def test_a_read_only_member_cannot_import(organization, client):
    viewer = add_member(
        organization, email="lecteur@dupont.fr", password="x" * 12, role=Role.VIEWER
    )
    client.force_login(viewer.user)
    assert client.post("/imports/", {"file": _file(csv_bytes(ROWS))}).status_code == 403
    assert 'type="file"' not in client.get("/imports/").content.decode()


def test_the_client_list_exports_what_it_shows(web, organization, owner):
    clients.create_client(organization, owner, {"name": "Martin", "tags": ["VIP"]})
    clients.create_client(organization, owner, {"name": "Durand"})
    page = web.get("/clients/?tag=VIP").content.decode()
    assert "/exports/clients/?tag=VIP&amp;format=csv" in page
    response = web.get("/exports/clients/?tag=VIP&format=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(";")[3] for line in lines[1:]] == ["Martin"]


def test_exporting_a_selection_needs_ticked_clients(web, organization, owner):
    martin = clients.create_client(organization, owner, {"name": "Martin"})
    clients.create_client(organization, owner, {"name": "Durand"})
    response = web.get(f"/exports/clients/?export_selection=xlsx&ids={martin.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    nothing = web.get("/exports/clients/?export_selection=csv")
    assert nothing.status_code == 302
