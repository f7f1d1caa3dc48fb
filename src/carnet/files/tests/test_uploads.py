"""Uploading files to a client: what is accepted, what is refused, and how it is stored."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from carnet.clients import services as client_services
from carnet.core.errors import Conflict, ValidationFailed
from carnet.core.history import history_for
from carnet.files import services
from carnet.files.models import ClientFile

from .samples import EXE, HTML, PDF, SVG, png, upload


@pytest.fixture
def client(organization, owner):
    return client_services.create_client(organization, owner, {"name": "Boulangerie Martin"})


def codes(exc: ValidationFailed) -> list[str]:
    return [e.code for e in exc.errors]


def test_it_stores_a_pdf_with_its_detected_type_size_and_checksum(organization, owner, client):
    item = services.upload_file(
        organization, owner, client.pk, upload("Contrat.pdf", PDF), "contract"
    )
    assert item.name == "Contrat.pdf"
    assert item.category == "contract"
    assert item.content_type == "application/pdf"
    assert item.size == len(PDF)
    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert item.uploaded_by == owner
    with default_storage.open(item.stored.name, "rb") as stored:
        assert stored.read() == PDF


def test_the_stored_name_is_random_and_never_the_users(organization, owner, client):
    item = services.upload_file(organization, owner, client.pk, upload("Contrat.pdf", PDF))
    assert "Contrat" not in item.stored.name
    assert item.stored.name.startswith(f"org-{organization.pk}/")


def test_it_detects_a_png_from_its_content_whatever_the_browser_said(organization, owner, client):
    item = services.upload_file(
        organization, owner, client.pk, upload("logo.png", png(), content_type="text/html")
    )
    assert item.content_type == "image/png"


def test_it_accepts_several_files_at_once(organization, owner, client):
    items = services.upload_files(
        organization,
        owner,
        client.pk,
        [
            upload("a.pdf", PDF),
            upload("b.png", png()),
            upload("c.csv", "nom;ville\nÉlise;Lyon\n".encode()),
        ],
        "other",
    )
    assert [i.content_type for i in items] == ["application/pdf", "image/png", "text/csv"]
    assert ClientFile.objects.filter(client=client).count() == 3


def test_it_refuses_an_executable_named_pdf(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload("facture.pdf", EXE))
    assert codes(exc.value) == ["forbidden_type"]
    assert not ClientFile.objects.exists()


@pytest.mark.parametrize("name", ["page.html", "page.pdf", "notes.txt"])
def test_it_refuses_html_whatever_its_name(organization, owner, client, name):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload(name, HTML))
    assert codes(exc.value) == ["forbidden_type"]


def test_it_refuses_svg(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload("logo.svg", SVG))
    assert codes(exc.value) == ["forbidden_type"]


def test_it_refuses_a_shell_script(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(
            organization, owner, client.pk, upload("notes.txt", b"#!/bin/sh\nrm -rf /\n")
        )
    assert codes(exc.value) == ["forbidden_type"]


def test_it_refuses_content_that_contradicts_the_extension(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload("photo.png", PDF))
    assert codes(exc.value) == ["type_mismatch"]
    assert "ne correspond pas" in str(exc.value.errors[0].message)


def test_it_refuses_an_unknown_extension(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload("script.js", b"alert(1)"))
    assert codes(exc.value) == ["unsupported_type"]


def test_it_refuses_an_empty_file(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload("vide.pdf", b""))
    assert codes(exc.value) == ["empty"]
    assert "est vide" in str(exc.value.errors[0].message)


def test_it_refuses_a_file_over_the_limit(organization, owner, client, settings):
    settings.CARNET_MAX_UPLOAD_MB = 1
    big = PDF + b"%" + b"0" * (1024 * 1024)
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload("gros.pdf", big))
    assert codes(exc.value) == ["too_large"]
    assert "1 Mo" in str(exc.value.errors[0].message)
    assert not ClientFile.objects.exists()


def test_one_bad_file_refuses_the_whole_upload(organization, owner, client):
    with pytest.raises(ValidationFailed):
        services.upload_files(
            organization, owner, client.pk, [upload("ok.pdf", PDF), upload("ko.pdf", EXE)]
        )
    assert not ClientFile.objects.exists()


def test_an_unknown_category_is_refused(organization, owner, client):
    with pytest.raises(ValidationFailed) as exc:
        services.upload_file(organization, owner, client.pk, upload("a.pdf", PDF), "secret")
    assert exc.value.errors[0].field == "category"


def test_a_client_in_the_trash_takes_no_file(organization, owner, client):
    client_services.delete_client(organization, owner, client.pk)
    with pytest.raises(Conflict):
        services.upload_file(organization, owner, client.pk, upload("a.pdf", PDF))


def test_nothing_is_left_stored_when_the_row_cannot_be_written(
    organization, owner, client, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(services, "_record", fail)
    with pytest.raises(RuntimeError):
        services.upload_file(organization, owner, client.pk, upload("a.pdf", PDF))
    assert not ClientFile.objects.exists()
    folder = f"org-{organization.pk}"
    assert not default_storage.exists(folder) or default_storage.listdir(folder) == ([], [])


def test_an_upload_appears_in_the_clients_history(organization, owner, client):
    services.upload_file(organization, owner, client.pk, upload("Contrat.pdf", PDF), "contract")
    record = history_for(organization.pk, "client", client.pk).filter(action="file_add").get()
    assert record.changes["file"]["new"] == "Contrat.pdf (Contrat)"
