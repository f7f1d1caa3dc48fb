"""The imports and exports API: upload, preview, correct, commit, report, roll back."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test import Client as HttpClient
from django.test import override_settings

from carnet.accounts.models import Role
from carnet.accounts.services import add_member, create_api_token
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.imports.models import ImportBatch

from .helpers import csv_bytes

HEADER = ["Raison sociale", "Courriel", "Tél.", "SIRET", "Ville"]
ROWS = [
    HEADER,
    ["Boulangerie Martin", "contact@martin.fr", "01 42 68 53 00", "73282932000074", "Paris"],
    ["Garage Durand", "pas-un-email", "", "", "Lyon"],
    ["Épicerie Noël", "noel@epicerie.fr", "", "", "Nice"],
]


class Uploader:
    """Multipart uploads with the bearer token of the ``api`` fixture."""

    def __init__(self, token: str, language: str = "fr") -> None:
        self.http = HttpClient()
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}

    def upload(self, content: bytes, name: str = "clients.csv", **fields):
        data = {"file": _named(content, name), **fields}
        return self.http.post("/api/v1/imports", data, headers=self.headers)


def _named(content: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


@pytest.fixture
def uploader(organization, owner) -> Uploader:
    return Uploader(create_api_token(organization, owner))


def test_an_upload_answers_its_preview(uploader, api):
    response = uploader.upload(csv_bytes(ROWS, encoding="cp1252"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "ready"
    assert (data["format"], data["encoding"], data["delimiter"]) == ("csv", "cp1252", ";")
    assert [m["field"] for m in data["mapping"]] == [
        "name",
        "email",
        "phone",
        "siret",
        "billing.city",
    ]
    assert data["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 1, "total": 3}
    [row] = data["rows"]
    assert row["line"] == 3
    assert row["errors"][0]["column"] == "Courriel"
    assert Client.objects.count() == 0
    assert api.get(f"/imports/{data['id']}").json()["counts"] == data["counts"]


def test_the_mapping_can_be_corrected_then_committed_and_rolled_back(uploader, api):
    batch = uploader.upload(csv_bytes(ROWS)).json()
    response = api.patch(
        f"/imports/{batch['id']}",
        {"mapping": {"Courriel": None, "Ville": "delivery.city"}},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["unmapped"] == ["Courriel"]
    assert data["counts"]["error"] == 0
    committed = api.post(f"/imports/{batch['id']}/commit")
    assert committed.status_code == 200
    assert committed.json()["status"] == "committed"
    assert Client.objects.count() == 3
    again = api.post(f"/imports/{batch['id']}/commit")
    assert again.status_code == 409
    undone = api.post(f"/imports/{batch['id']}/rollback")
    assert undone.status_code == 200
    assert undone.json()["rollback"] == {"removed": 3, "restored": 0, "kept": 0}
    assert Client.objects.count() == 0


def test_the_error_report_gives_the_refused_rows_with_the_reason(uploader, api):
    batch = uploader.upload(csv_bytes(ROWS, encoding="cp1252")).json()
    report = api.get(f"/imports/{batch['id']}/errors", format="csv")
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment;")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Raison sociale;Courriel;Tél.;SIRET;Ville;Erreurs;Ligne d'origine"
    assert lines[1].startswith("Garage Durand;pas-un-email;")
    assert "adresse e-mail valide" in lines[1]
    assert len(lines) == 2
    workbook = api.get(f"/imports/{batch['id']}/errors", format="xlsx")
    assert workbook.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(workbook.streaming_content))).testzip() is None


def test_the_report_speaks_english_when_asked(organization, owner):
    english = Uploader(create_api_token(organization, owner), language="en")
    batch = english.upload(csv_bytes(ROWS)).json()
    assert "valid" in batch["rows"][0]["errors"][0]["message"]


def test_the_template_has_french_headers_and_explains_every_column(api):
    csv_template = api.get("/imports/template", format="csv")
    text = b"".join(csv_template.streaming_content).decode("utf-8-sig")
    header, example = text.splitlines()
    assert header.startswith("Référence;Type;Nom;Civilité;Prénom")
    assert "Boulangerie Martin" in example
    xlsx = api.get("/imports/template", format="xlsx")
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert workbook.sheetnames == ["Clients", "Colonnes"]
    explained = [row[0].value for row in workbook["Colonnes"].iter_rows(min_row=2)]
    assert explained[:3] == ["Référence", "Type", "Nom"]


def test_the_template_reimports_as_one_client(organization, owner, uploader, api):
    content = b"".join(api.get("/imports/template", format="csv").streaming_content)
    batch = uploader.upload(content).json()
    assert batch["counts"]["create"] == 1, batch["rows"]
    assert batch["unmapped"] == []


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "vide.csv", "empty"),
        (b"Nom;E-mail\r\n", "entete.csv", "no_rows"),
        (bytes(range(256)) * 40, "bruit.csv", "not_a_table"),
        (b"PK\x03\x04 not really a zip", "faux.xlsx", "invalid_xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ancien.xls", "old_excel"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(uploader, content, name, code):
    response = uploader.upload(content, name)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "file"
    assert problem["errors"][0]["code"] == code
    assert problem["detail"]
    assert not ImportBatch.objects.exists()


def test_a_row_with_a_thousand_columns_is_an_error_of_that_row(uploader):
    content = csv_bytes([["Nom", "E-mail"], ["A", "a@a.fr"], ["B"] + ["x"] * 999, ["C", "c@c.fr"]])
    data = uploader.upload(content).json()
    assert data["counts"]["create"] == 2
    assert data["counts"]["error"] == 1


def test_duplicate_headers_map_once_and_the_second_is_shown_unmapped(uploader):
    data = uploader.upload(
        csv_bytes([["Nom", "E-mail", "E-mail"], ["A", "a@a.fr", "b@b.fr"]])
    ).json()
    assert [m["field"] for m in data["mapping"]] == ["name", "email", None]
    assert data["unmapped"] == ["E-mail"]


@override_settings(CARNET_MAX_IMPORT_MB=1)
def test_a_file_over_the_limit_is_refused_before_it_is_read(uploader):
    response = uploader.upload(b"Nom\n" + b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert not ImportBatch.objects.exists()


def test_bad_settings_are_refused(uploader):
    content = csv_bytes(ROWS)
    assert uploader.upload(content, key="password").status_code == 422
    assert uploader.upload(content, mapping="{not json").status_code == 422
    assert uploader.upload(content, delimiter="AAA").status_code == 422
    assert uploader.upload(content, encoding="klingon").status_code == 422
    assert uploader.upload(content, key="id").json()["errors"][0]["code"] == "unmapped_key"
    assert not ImportBatch.objects.exists()


def test_another_organizations_import_is_not_found(uploader, outsider_api):
    batch = uploader.upload(csv_bytes(ROWS)).json()
    for method, path in [
        ("get", f"/imports/{batch['id']}"),
        ("get", f"/imports/{batch['id']}/rows"),
        ("get", f"/imports/{batch['id']}/errors"),
        ("post", f"/imports/{batch['id']}/commit"),
        ("post", f"/imports/{batch['id']}/rollback"),
        ("patch", f"/imports/{batch['id']}"),
    ]:
        response = getattr(outsider_api, method)(
            path, **({"data": {}} if method == "patch" else {})
        )
        assert response.status_code == 404, (method, path)
    assert Client.objects.count() == 0


def test_read_only_members_may_not_import(organization, member_membership, member):
    member_membership.role = Role.VIEWER
    member_membership.save()
    viewer = Uploader(create_api_token(organization, member))
    assert viewer.upload(csv_bytes(ROWS)).status_code == 403


def test_the_rows_endpoint_pages_through_every_row(uploader, api):
    batch = uploader.upload(csv_bytes(ROWS)).json()
    rows = api.get(f"/imports/{batch['id']}/rows", limit="2").json()["items"]
    assert [r["line"] for r in rows] == [2, 3]
    errors = api.get(f"/imports/{batch['id']}/rows", action="error").json()["items"]
    assert [r["line"] for r in errors] == [3]


def test_a_mapping_can_be_saved_and_reused(uploader, api):
    batch = uploader.upload(csv_bytes(ROWS)).json()
    api.patch(f"/imports/{batch['id']}", {"mapping": {"Ville": "delivery.city"}})
    saved = api.post("/imports/mappings", {"name": "Export Sellsy", "batch": batch["id"]})
    assert saved.status_code == 201
    again = uploader.upload(csv_bytes(ROWS), saved_mapping=str(saved.json()["id"])).json()
    assert again["mapping"][4]["field"] == "delivery.city"
    assert [m["name"] for m in api.get("/imports/mappings").json()["items"]] == ["Export Sellsy"]


# --- Exports ----------------------------------------------------------------------------
def _export(api, **params) -> list[str]:
    response = api.get("/exports/clients", **params)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_the_export_follows_the_lists_filters_and_selection(organization, owner, api):
    vip = clients.create_client(organization, owner, {"name": "Martin", "tags": ["VIP"]})
    clients.create_client(organization, owner, {"name": "Durand"})
    archived = clients.create_client(organization, owner, {"name": "Ancien"})
    clients.archive_client(organization, owner, archived.pk)
    assert len(_export(api)) == 3  # header + the two active clients
    assert len(_export(api, archived="all")) == 4
    assert [line.split(";")[3] for line in _export(api, tag="VIP")[1:]] == ["Martin"]
    assert [line.split(";")[3] for line in _export(api, q="dur")[1:]] == ["Durand"]
    assert [line.split(";")[3] for line in _export(api, ids=f"{vip.pk},{archived.pk}")[1:]] == [
        "Martin",
        "Ancien",
    ]
    assert _export(api, delimiter=",")[0].startswith("Identifiant Carnet,Référence")


def test_an_export_never_includes_another_organizations_clients(
    organization, owner, other_organization, outsider, api
):
    theirs = clients.create_client(other_organization, outsider, {"name": "Chez eux"})
    assert len(_export(api, ids=str(theirs.pk))) == 1  # the header only


def test_bad_export_parameters_are_refused(api):
    assert api.get("/exports/clients", format="pdf").status_code == 422
    assert api.get("/exports/clients", ids="1;DROP TABLE").status_code == 422
    assert api.get("/exports/clients", sort="name").status_code == 422
    assert api.get("/exports/clients", color="red").status_code == 422


def test_an_xlsx_export_opens_in_a_spreadsheet(organization, owner, api):
    import openpyxl

    clients.create_client(organization, owner, {"name": "Martin", "siret": "73282932000074"})
    response = api.get("/exports/clients", format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["N2"].value == "73282932000074"
    assert json.dumps(sheet["D2"].value) == '"Martin"'


def test_a_viewer_may_export(organization, member_membership, member):
    from carnet.conftest import ApiClient

    member_membership.role = Role.VIEWER
    member_membership.save()
    assert (
        ApiClient(create_api_token(organization, member)).get("/exports/clients").status_code == 200
    )


def test_a_seller_added_later_owns_clients_by_email(organization, owner, uploader):
    add_member(organization, email="vente@dupont.fr", password="x" * 12, role=Role.MEMBER)
    data = uploader.upload(csv_bytes([["Nom", "Responsable"], ["A", "vente@dupont.fr"]])).json()
    assert data["counts"]["create"] == 1
