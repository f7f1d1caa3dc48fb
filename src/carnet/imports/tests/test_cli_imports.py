"""``carnet import clients`` and ``carnet export clients``."""

from __future__ import annotations

import csv
import io

import pytest

from carnet.cli import main
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.core.models import ChangeRecord

from .helpers import csv_bytes

ROWS = [
    ["Raison sociale", "E-mail", "SIRET"],
    ["Boulangerie Martin", "contact@martin.fr", "73282932000074"],
    ["Garage Durand", "pas-un-email", ""],
    ["Épicerie Noël", "noel@epicerie.fr", ""],
]


@pytest.fixture
def client_file(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_bytes(ROWS, encoding="cp1252"))
    return path


def test_it_imports_and_ends_with_the_totals(organization, client_file, capsys):
    assert main(["import", "clients", str(client_file), "--org", organization.slug]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "created=2 updated=0 unchanged=0 rejected=1"
    assert "cp1252" in out and "E-mail → E-mail" in out
    assert Client.objects.count() == 2
    assert set(ChangeRecord.objects.values_list("source", flat=True)) == {"import"}


def test_a_dry_run_writes_nothing_and_reports_the_errors(
    organization, client_file, tmp_path, capsys
):
    report = tmp_path / "erreurs.csv"
    code = main(
        [
            "import",
            "clients",
            str(client_file),
            "--org",
            organization.slug,
            "--dry-run",
            "--errors",
            str(report),
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "created=2 updated=0 unchanged=0 rejected=1"
    assert Client.objects.count() == 0
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Raison sociale", "E-mail", "SIRET", "Erreurs", "Ligne d'origine"]
    assert rows[1][:2] == ["Garage Durand", "pas-un-email"]
    assert rows[1][-1] == "3"


def test_map_and_key_options_change_how_rows_are_read(organization, owner, client_file, capsys):
    clients.create_client(organization, owner, {"name": "Ancien", "siret": "73282932000074"})
    code = main(
        [
            "import",
            "clients",
            str(client_file),
            "--org",
            organization.slug,
            "--key",
            "siret",
            "--map",
            "E-mail=",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "created=2 updated=1 unchanged=0 rejected=0"
    assert Client.objects.get(siret="73282932000074").name == "Boulangerie Martin"


def test_unknown_things_are_refused_in_french_with_exit_code_2(organization, client_file, capsys):
    assert main(["import", "clients", "/nonexistent.csv", "--org", organization.slug]) == 2
    assert "Fichier introuvable" in capsys.readouterr().err
    assert main(["import", "clients", str(client_file), "--org", "nope"]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert (
        main(
            [
                "import",
                "clients",
                str(client_file),
                "--org",
                organization.slug,
                "--map",
                "E-mail=password",
            ]
        )
        == 2
    )
    assert "importable" in capsys.readouterr().err


def test_an_empty_file_is_refused(organization, tmp_path, capsys):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    assert main(["import", "clients", str(empty), "--org", organization.slug]) == 2
    assert "vide" in capsys.readouterr().err


def test_export_writes_a_file_that_imports_back_unchanged(organization, owner, tmp_path, capsys):
    clients.create_client(organization, owner, {"name": "Martin", "tags": ["VIP"]})
    for fmt in ("csv", "xlsx"):
        output = tmp_path / f"clients.{fmt}"
        assert (
            main(
                [
                    "export",
                    "clients",
                    "--org",
                    organization.slug,
                    "--format",
                    fmt,
                    "--output",
                    str(output),
                ]
            )
            == 0
        )
        assert main(["import", "clients", str(output), "--org", organization.slug]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == (
            "created=0 updated=0 unchanged=1 rejected=0"
        )
