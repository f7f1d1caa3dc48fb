"""The files API: upload, list, search, download, rename, delete, tenancy and roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients import services as client_services
from carnet.conftest import ApiClient
from carnet.core.history import history_for
from carnet.files import services
from carnet.files.models import ClientFile

from .samples import EXE, HTML, PDF, png, upload


@pytest.fixture
def client(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Boulangerie Martin"})


@pytest.fixture
def other_client(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Élise Faure"})


@pytest.fixture
def contract(organization, owner, client):
    return services.upload_file(
        organization, owner, client.pk, upload("Contrat signé.pdf", PDF), "contract"
    )


def post_files(api: ApiClient, client_id: int, files: list[Any], **fields: str) -> Any:
    return api.http.post(
        f"/api/v1/clients/{client_id}/files",
        {"file": files, **fields},
        headers=api._headers(None),
    )


def problem_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json().get("errors", [])]


def test_it_uploads_a_pdf_and_lists_it(api, client):
    response = post_files(api, client.pk, [upload("Contrat.pdf", PDF)], category="contract")
    assert response.status_code == 201
    [item] = response.json()["items"]
    assert item["name"] == "Contrat.pdf"
    assert item["category"] == "contract"
    assert item["content_type"] == "application/pdf"
    assert item["size"] == len(PDF)
    assert item["client_name"] == "Boulangerie Martin"
    listed = api.get(f"/clients/{client.pk}/files").json()["items"]
    assert [f["id"] for f in listed] == [item["id"]]


def test_it_uploads_several_files_in_one_request(api, client):
    response = post_files(api, client.pk, [upload("a.pdf", PDF), upload("b.png", png())])
    assert response.status_code == 201
    assert [i["content_type"] for i in response.json()["items"]] == [
        "application/pdf",
        "image/png",
    ]
    assert all(i["category"] == "other" for i in response.json()["items"])


def test_it_refuses_an_executable_named_pdf_with_a_clear_message(api, client):
    response = post_files(api, client.pk, [upload("facture.pdf", EXE)])
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert problem_codes(response) == ["forbidden_type"]
    assert "programmes" in response.json()["errors"][0]["message"]
    assert not ClientFile.objects.exists()


def test_it_refuses_html(api, client):
    response = post_files(api, client.pk, [upload("page.html", HTML)])
    assert response.status_code == 422
    assert problem_codes(response) == ["forbidden_type"]


def test_it_refuses_an_empty_file(api, client):
    response = post_files(api, client.pk, [upload("vide.pdf", b"")])
    assert response.status_code == 422
    assert problem_codes(response) == ["empty"]


@override_settings(CARNET_MAX_UPLOAD_MB=1)
def test_it_refuses_a_file_over_the_limit(api, client):
    response = post_files(api, client.pk, [upload("gros.pdf", PDF + b"0" * (1024 * 1024))])
    assert response.status_code == 422
    assert problem_codes(response) == ["too_large"]


@override_settings(CARNET_MAX_UPLOAD_MB=0)
def test_it_refuses_a_huge_body_before_reading_it(api, client):
    response = post_files(api, client.pk, [upload("gros.pdf", PDF + b"0" * (2 * 1024 * 1024))])
    assert response.status_code == 413
    assert "trop volumineux" in response.json()["detail"]


def test_it_refuses_a_request_without_a_file(api, client):
    response = post_files(api, client.pk, [], category="contract")
    assert response.status_code == 422
    assert problem_codes(response) == ["required"]


def test_it_refuses_json_instead_of_multipart(api, client):
    response = api.post(f"/clients/{client.pk}/files", {"file": "Contrat.pdf"})
    assert response.status_code == 415


def test_it_refuses_an_unknown_category(api, client):
    response = post_files(api, client.pk, [upload("a.pdf", PDF)], category="secret")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "category"


def test_it_sanitizes_a_name_with_dot_dot_slash(api, client):
    response = post_files(api, client.pk, [upload("../../../etc/Contrat.pdf", PDF)])
    assert response.status_code == 201
    assert response.json()["items"][0]["name"] == "Contrat.pdf"


def test_a_download_is_an_attachment_with_nosniff(api, contract):
    response = api.get(f"/files/{contract.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Contrat%20sign%C3%A9.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_a_download_of_an_office_file_is_octet_stream(api, organization, owner, client):
    zipped = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 60
    item = services.upload_file(organization, owner, client.pk, upload("Devis.docx", zipped))
    response = api.get(f"/files/{item.pk}/download")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_download_name_cannot_inject_headers(api, organization, owner, client):
    item = services.upload_file(
        organization, owner, client.pk, upload('a"\r\nSet-Cookie: x=1;.pdf', PDF)
    )
    response = api.get(f"/files/{item.pk}/download")
    assert "Set-Cookie" not in response
    assert "\n" not in response["Content-Disposition"]


def test_it_searches_files_by_name_client_and_category(
    api, organization, owner, client, other_client, contract
):
    terms = services.upload_file(
        organization, owner, other_client.pk, upload("CGV 2026.pdf", PDF), "terms"
    )
    assert [f["id"] for f in api.get("/files").json()["items"]] == [terms.pk, contract.pk]
    assert [f["id"] for f in api.get("/files", q="SIGNE").json()["items"]] == [contract.pk]
    assert [f["id"] for f in api.get("/files", q="cgv").json()["items"]] == [terms.pk]
    assert [f["id"] for f in api.get("/files", client=client.pk).json()["items"]] == [contract.pk]
    assert [f["id"] for f in api.get("/files", category="terms").json()["items"]] == [terms.pk]
    assert api.get("/files", category="secret").status_code == 422


def test_it_renames_a_file_and_keeps_its_extension(api, organization, client, contract):
    response = api.patch(f"/files/{contract.pk}", {"name": "Contrat 2026"})
    assert response.status_code == 200
    assert response.json()["name"] == "Contrat 2026.pdf"
    response = api.patch(f"/files/{contract.pk}", {"name": "../piège.exe"})
    assert response.json()["name"] == "piège.exe.pdf"
    record = history_for(organization.pk, "client", client.pk).filter(action="file_rename")
    assert record.count() == 2


def test_it_changes_the_category(api, contract):
    response = api.patch(f"/files/{contract.pk}", {"category": "bank_details"})
    assert response.status_code == 200
    assert response.json()["category"] == "bank_details"


def test_it_refuses_an_empty_name(api, contract):
    response = api.patch(f"/files/{contract.pk}", {"name": "   "})
    assert response.status_code == 422


def test_delete_removes_the_row_and_the_stored_blob(
    api, organization, client, contract, django_capture_on_commit_callbacks
):
    stored = contract.stored.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/files/{contract.pk}")
    assert response.status_code == 204
    assert not ClientFile.objects.filter(pk=contract.pk).exists()
    assert not default_storage.exists(stored)
    assert api.get(f"/files/{contract.pk}/download").status_code == 404
    actions = list(
        history_for(organization.pk, "client", client.pk).values_list("action", flat=True)
    )
    assert "file_add" in actions and "file_delete" in actions


def test_purging_the_client_removes_its_blobs(
    organization, owner, client, contract, django_capture_on_commit_callbacks
):
    stored = contract.stored.name
    client_services.delete_client(organization, owner, client.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client_services.purge_client(organization, owner, client.pk)
    assert not default_storage.exists(stored)


def test_another_organizations_file_is_not_found_on_every_path(outsider_api, client, contract):
    paths = [
        ("get", f"/files/{contract.pk}"),
        ("get", f"/files/{contract.pk}/download"),
        ("patch", f"/files/{contract.pk}"),
        ("delete", f"/files/{contract.pk}"),
        ("get", f"/clients/{client.pk}/files"),
    ]
    for method, path in paths:
        call = getattr(outsider_api, method)
        response = call(path, {"name": "x.pdf"}) if method == "patch" else call(path)
        assert response.status_code == 404, (method, path)
    response = post_files(outsider_api, client.pk, [upload("a.pdf", PDF)])
    assert response.status_code == 404
    assert outsider_api.get("/files").json()["items"] == []
    assert outsider_api.get("/files", client=client.pk).json()["items"] == []
    contract.refresh_from_db()
    assert contract.name == "Contrat signé.pdf"


def test_a_viewer_may_read_and_download_but_not_change(organization, client, contract):
    viewer = add_member(organization, email="lecteur@dupont.fr", password="x", role=Role.VIEWER)
    api = ApiClient(create_api_token(organization, viewer.user))
    assert api.get(f"/clients/{client.pk}/files").status_code == 200
    assert api.get(f"/files/{contract.pk}/download").status_code == 200
    assert post_files(api, client.pk, [upload("a.pdf", PDF)]).status_code == 403
    assert api.patch(f"/files/{contract.pk}", {"name": "x"}).status_code == 403
    assert api.delete(f"/files/{contract.pk}").status_code == 403
    assert ClientFile.objects.count() == 1


def test_garbage_ids_are_not_found(api):
    assert api.get("/files/99999999/download").status_code == 404
    assert api.delete("/files/0").status_code in (404, 422)
