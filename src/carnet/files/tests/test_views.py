"""The Documents section of the record page, the file pages and the Documents page."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from carnet.accounts.models import Role
from carnet.accounts.services import add_member
from carnet.clients import services as client_services
from carnet.files import services
from carnet.files.models import ClientFile

from .samples import EXE, PDF, png, upload


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def company(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Menuiserie Girard"})


@pytest.fixture
def contract(organization, owner, company):
    return services.upload_file(
        organization, owner, company.pk, upload("Contrat signé.pdf", PDF), "contract"
    )


def text(response) -> str:
    return response.content.decode()


def section(response) -> str:
    page = text(response)
    start = page.index('id="client-files"')
    return page[start : page.index("</section>", start)]


def test_the_record_page_lists_the_files_with_their_menu(web, company, contract):
    html = section(web.get(f"/clients/{company.pk}/"))
    assert "Contrat signé.pdf" in html
    assert "<td>Contrat</td>" in html
    assert f"{len(PDF)}\xa0octets" in html
    assert f"/documents/{contract.pk}/download/" in html
    assert f"/documents/{contract.pk}/edit/" in html
    assert f"/documents/{contract.pk}/delete/" in html
    assert 'enctype="multipart/form-data"' in html and "multiple" in html


def test_a_client_without_files_says_so(web, company):
    assert "Aucun document." in section(web.get(f"/clients/{company.pk}/"))


def test_it_uploads_several_files_from_the_record_page(web, company):
    response = web.post(
        f"/clients/{company.pk}/files/upload/",
        {"file": [upload("Devis.pdf", PDF), upload("Plan.png", png())], "category": "terms"},
        follow=True,
    )
    assert "2 documents ajoutés." in text(response)
    assert sorted(ClientFile.objects.values_list("name", "category")) == [
        ("Devis.pdf", "terms"),
        ("Plan.png", "terms"),
    ]


def test_a_refused_upload_says_why_and_stores_nothing(web, company):
    response = web.post(
        f"/clients/{company.pk}/files/upload/", {"file": [upload("facture.pdf", EXE)]}, follow=True
    )
    assert "programmes, scripts" in text(response)
    assert not ClientFile.objects.exists()


def test_an_empty_upload_is_explained(web, company):
    response = web.post(
        f"/clients/{company.pk}/files/upload/", {"file": [upload("vide.pdf", b"")]}, follow=True
    )
    assert "est vide" in text(response)


def test_download_from_the_web_is_an_attachment(web, contract):
    response = web.get(f"/documents/{contract.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_it_renames_a_file(web, organization, contract):
    assert "Contrat signé.pdf" in text(web.get(f"/documents/{contract.pk}/edit/"))
    response = web.post(
        f"/documents/{contract.pk}/edit/",
        {"name": "Contrat 2026", "category": "contract"},
        follow=True,
    )
    assert "Document enregistré." in text(response)
    contract.refresh_from_db()
    assert contract.name == "Contrat 2026.pdf"


def test_delete_asks_then_removes_the_file_and_its_blob(
    web, contract, django_capture_on_commit_callbacks
):
    stored = contract.stored.name
    assert "Supprimer ce document ?" in text(web.get(f"/documents/{contract.pk}/delete/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(f"/documents/{contract.pk}/delete/", follow=True)
    assert "Document supprimé." in text(response)
    assert not ClientFile.objects.exists()
    assert not default_storage.exists(stored)


def test_the_record_history_shows_file_changes(web, company, contract):
    page = text(web.get(f"/clients/{company.pk}/"))
    assert "Ajout d&#x27;un document" in page or "Ajout d'un document" in page


def test_the_documents_page_searches_and_filters(web, organization, owner, company, contract):
    other = client_services.create_client(organization, owner, {"name": "Élise Faure"})
    services.upload_file(
        organization, owner, other.pk, upload("RIB Élise.pdf", PDF), "bank_details"
    )
    page = text(web.get("/documents/"))
    assert "Contrat signé.pdf" in page and "RIB Élise.pdf" in page
    assert 'href="/documents/"' in page  # the header link
    page = text(web.get("/documents/", {"q": "elise"}))
    assert "RIB Élise.pdf" in page and "Contrat signé.pdf" not in page
    page = text(web.get("/documents/", {"client": company.pk}))
    assert "Contrat signé.pdf" in page and "RIB Élise.pdf" not in page
    page = text(web.get("/documents/", {"category": "bank_details"}))
    assert "RIB Élise.pdf" in page and "Contrat signé.pdf" not in page
    page = text(web.get("/documents/", {"client": "pas-un-id", "category": "??"}))
    assert "RIB Élise.pdf" in page  # bad filters are ignored, not an error


def test_another_organization_gets_404_everywhere(client, outsider, company, contract):
    client.force_login(outsider)
    for path in [
        f"/documents/{contract.pk}/download/",
        f"/documents/{contract.pk}/edit/",
        f"/documents/{contract.pk}/delete/",
    ]:
        assert client.get(path).status_code == 404, path
    assert client.post(f"/documents/{contract.pk}/delete/").status_code == 404
    response = client.post(f"/clients/{company.pk}/files/upload/", {"file": [upload("a.pdf", PDF)]})
    assert response.status_code == 404
    assert "Contrat signé.pdf" not in text(client.get("/documents/"))
    assert "Contrat signé.pdf" not in text(client.get("/documents/", {"client": company.pk}))
    assert ClientFile.objects.count() == 1


def test_a_viewer_sees_and_downloads_but_cannot_change(client, organization, company, contract):
    viewer = add_member(organization, email="lecteur@dupont.fr", password="x", role=Role.VIEWER)
    client.force_login(viewer.user)
    html = section(client.get(f"/clients/{company.pk}/"))
    assert "Contrat signé.pdf" in html
    assert "multipart/form-data" not in html and "/edit/" not in html
    assert client.get(f"/documents/{contract.pk}/download/").status_code == 200
    assert client.post(f"/documents/{contract.pk}/delete/").status_code == 403
    assert client.get(f"/documents/{contract.pk}/edit/").status_code == 403
    response = client.post(f"/clients/{company.pk}/files/upload/", {"file": [upload("a.pdf", PDF)]})
    assert response.status_code == 403
    assert ClientFile.objects.count() == 1
