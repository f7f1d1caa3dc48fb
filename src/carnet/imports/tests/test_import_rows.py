"""What each row of an import does: create, update, unchanged or error, and why."""

from __future__ import annotations

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.contacts.models import ClientContact
from carnet.core.errors import Conflict, ValidationFailed
from carnet.core.models import ChangeRecord
from carnet.imports import services
from carnet.imports.models import ImportRow, Status

from .helpers import commit, csv_bytes, upload

HEADER = ["Raison sociale", "E-mail", "Téléphone", "SIRET", "Code postal", "Ville", "Adresse"]
MARTIN = ["Boulangerie Martin", "contact@martin.fr", "01 42 68 53 00", "73282932000074"]
MARTIN += ["75002", "Paris", "12 rue de la Paix"]


def errors_of(batch, line: int) -> list[dict]:
    return ImportRow.objects.get(batch=batch, line=line).errors


def test_the_preview_says_what_each_row_would_do_and_writes_no_client(organization, owner):
    rows = [HEADER, MARTIN, ["Garage Durand", "pas-un-email", "", "", "", "", ""]]
    batch = upload(organization, owner, csv_bytes(rows))
    assert batch.status == Status.READY
    assert batch.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 1, "total": 2}
    assert Client.objects.count() == 0
    [error] = errors_of(batch, 3)
    assert error["column"] == "E-mail"
    assert error["field"] == "email"
    assert "adresse e-mail valide" in error["message"]
    assert "valid e-mail" in error["message_en"] or "email" in error["message_en"].lower()


def test_commit_writes_the_valid_rows_with_their_address_and_history(organization, owner):
    batch = upload(organization, owner, csv_bytes([HEADER, MARTIN, ["", "x@y.fr"] + [""] * 5]))
    batch = commit(batch, owner)
    assert batch.status == Status.COMMITTED
    assert batch.counts["create"] == 1 and batch.counts["error"] == 1
    client = Client.objects.get()
    assert client.phone == "+33142685300"
    assert client.siren == "732829320"
    assert client.reference.startswith("CLI-")
    address = client.addresses.get()
    assert (address.is_billing, address.postcode, address.city) == (True, "75002", "Paris")
    record = ChangeRecord.objects.get(object_id=client.pk)
    assert (record.action, record.source, record.context) == ("create", "import", batch.context)
    assert record.changes["name"]["new"] == "Boulangerie Martin"
    assert record.user == owner


def test_a_name_is_required(organization, owner):
    batch = upload(organization, owner, csv_bytes([HEADER, ["", "a@b.fr"] + [""] * 5]))
    assert [e["code"] for e in errors_of(batch, 2)] == ["required"]


def test_every_bad_field_of_a_row_is_listed(organization, owner):
    row = ["Société X", "mauvais", "12", "73282932000075", "7500", "Paris", "1 rue"]
    batch = upload(organization, owner, csv_bytes([HEADER, row]))
    fields = {e["field"] for e in errors_of(batch, 2)}
    assert {"email", "phone", "siret"} <= fields


def test_a_wrong_siret_checksum_is_refused(organization, owner):
    row = ["Société X", "", "", "73282932000075", "", "", ""]
    batch = upload(organization, owner, csv_bytes([HEADER, row]))
    [error] = errors_of(batch, 2)
    assert error["code"] == "invalid_checksum"


def test_an_exact_duplicate_in_the_base_is_refused_with_a_link(organization, owner):
    existing = clients.create_client(organization, owner, {"name": "Martin", "siret": MARTIN[3]})
    batch = upload(organization, owner, csv_bytes([HEADER, MARTIN]), key="")
    [error] = errors_of(batch, 2)
    assert error["code"] == "duplicate"
    assert error["client"] == str(existing.pk)


def test_duplicates_inside_the_file_are_flagged_on_the_later_row(organization, owner):
    twin = ["Martin bis", "CONTACT@martin.fr", "", "", "", "", ""]
    batch = upload(organization, owner, csv_bytes([HEADER, MARTIN, twin]), key="")
    [error] = errors_of(batch, 3)
    assert error["code"] == "duplicate_in_file"
    assert "ligne 2" in error["message"]


def test_the_same_key_twice_in_the_file_is_an_error(organization, owner):
    batch = upload(organization, owner, csv_bytes([HEADER, MARTIN, MARTIN]), key="siret")
    assert errors_of(batch, 3)[0]["code"] == "duplicate_in_file"


def test_a_row_whose_key_matches_updates_that_client(organization, owner):
    client = clients.create_client(
        organization, owner, {"name": "Ancien nom", "siret": MARTIN[3], "notes": "gardé"}
    )
    batch = commit(upload(organization, owner, csv_bytes([HEADER, MARTIN]), key="siret"), owner)
    assert batch.counts["update"] == 1
    client.refresh_from_db()
    assert client.name == "Boulangerie Martin"
    assert client.notes == "gardé"  # not in the file: kept
    assert client.version == 2
    record = ChangeRecord.objects.filter(object_id=client.pk).latest("id")
    assert record.changes["name"] == {"old": "Ancien nom", "new": "Boulangerie Martin"}


def test_blank_cells_keep_values_unless_asked_to_clear_them(organization, owner):
    clients.create_client(
        organization, owner, {"name": "Martin", "siret": MARTIN[3], "email": "a@martin.fr"}
    )
    rows = [["SIRET", "E-mail", "Raison sociale"], [MARTIN[3], "", "Martin"]]
    kept = commit(upload(organization, owner, csv_bytes(rows), key="siret"), owner)
    assert kept.counts["unchanged"] == 1
    assert Client.objects.get().email == "a@martin.fr"
    cleared = commit(
        upload(organization, owner, csv_bytes(rows), key="siret", clear_blanks=True), owner
    )
    assert cleared.counts["update"] == 1
    client = Client.objects.get()
    assert client.email == ""
    assert client.name == "Martin"  # a name is never cleared


def test_a_key_in_the_trash_is_refused(organization, owner):
    client = clients.create_client(organization, owner, {"name": "Martin", "reference": "M1"})
    clients.delete_client(organization, owner, client.pk)
    batch = upload(organization, owner, csv_bytes([["Référence", "Nom"], ["M1", "Martin"]]))
    assert batch.key == "reference"
    assert errors_of(batch, 2)[0]["code"] == "deleted"


def test_another_organizations_ids_are_refused_row_by_row_and_left_alone(
    organization, owner, other_organization, outsider
):
    theirs = clients.create_client(other_organization, outsider, {"name": "Chez eux"})
    rows = [["Identifiant Carnet", "Nom"], [str(theirs.pk), "Volé"], ["abc", "Mauvais"]]
    batch = commit(upload(organization, owner, csv_bytes(rows)), owner)
    assert batch.key == "id"
    assert batch.counts == {"create": 0, "update": 0, "unchanged": 0, "error": 2, "total": 2}
    assert errors_of(batch, 2)[0]["code"] == "not_found"
    assert errors_of(batch, 3)[0]["code"] == "invalid_id"
    theirs.refresh_from_db()
    assert theirs.name == "Chez eux" and theirs.version == 1


def test_kind_civility_country_and_owner_are_read_as_people_write_them(organization, owner, member):
    rows = [
        ["Type", "Civilité", "Prénom", "Nom de famille", "Pays", "Responsable", "Mobile"],
        [
            "Particulier",
            "Madame",
            "Élise",
            "Faure",
            "Belgique",
            "MEMBER@dupont.fr",
            "+32 470 12 34 56",
        ],
    ]
    batch = commit(upload(organization, owner, csv_bytes(rows)), owner)
    assert batch.counts["create"] == 1, ImportRow.objects.filter(batch=batch).values("errors")
    client = Client.objects.get()
    assert (client.kind, client.civility, client.name) == ("individual", "mrs", "Élise Faure")
    assert (client.country, client.owner, client.mobile) == ("BE", member, "+32470123456")


def test_an_unknown_owner_or_kind_is_explained(organization, owner):
    rows = [["Nom", "Type", "Responsable"], ["X", "Association", "nobody@nowhere.fr"]]
    batch = upload(organization, owner, csv_bytes(rows))
    codes = {e["field"]: e["code"] for e in errors_of(batch, 2)}
    assert codes == {"kind": "invalid_choice", "owner": "unknown_user"}


def test_excel_damage_to_french_numbers_is_undone(organization, owner):
    rows = [
        ["Nom", "Téléphone", "Code postal", "Ville", "Adresse"],
        ["X", "612345678", "6000", "Nice", "1 rue"],
    ]
    commit(upload(organization, owner, csv_bytes(rows)), owner)
    client = Client.objects.get()
    assert client.phone == "+33612345678"
    assert client.addresses.get().postcode == "06000"


def test_the_main_contact_columns_create_and_then_update_the_main_contact(organization, owner):
    header = ["Référence", "Nom", "Contact - Prénom", "Contact - Nom", "Contact - E-mail"]
    commit(
        upload(
            organization, owner, csv_bytes([header, ["R1", "Martin", "Claire", "Martin", "c@m.fr"]])
        ),
        owner,
    )
    link = ClientContact.objects.get()
    assert link.is_main and link.contact.first_name == "Claire"
    assert "claire" in Client.objects.get().search_text
    batch = commit(
        upload(organization, owner, csv_bytes([header, ["R1", "Martin", "Claire", "Dupont", ""]])),
        owner,
    )
    assert batch.counts["update"] == 1
    link = ClientContact.objects.get()
    assert (link.contact.last_name, link.contact.email) == ("Dupont", "c@m.fr")
    record = ChangeRecord.objects.filter(object_id=link.client_id).latest("id")
    assert record.changes == {"contact.last_name": {"old": "Martin", "new": "Dupont"}}
    assert "dupont" in Client.objects.get().search_text


def test_the_same_new_address_for_billing_and_delivery_is_one_address(organization, owner):
    header = ["Nom", "Facturation - Adresse", "Facturation - Code postal", "Facturation - Ville"]
    header += ["Livraison - Adresse", "Livraison - Code postal", "Livraison - Ville"]
    row = ["Martin", "1 rue A", "75001", "Paris", "1 rue A", "75001", "Paris"]
    commit(upload(organization, owner, csv_bytes([header, row])), owner)
    address = Client.objects.get().addresses.get()
    assert address.is_billing and address.is_delivery


def test_tags_category_and_custom_fields_are_imported(organization, owner):
    from carnet.customfields.services import create_custom_field

    create_custom_field(
        organization, owner, {"name": "Niveau", "type": "choice", "choices": ["Or", "Argent"]}
    )
    create_custom_field(organization, owner, {"name": "Fin de contrat", "type": "date"})
    rows = [
        ["Nom", "Étiquettes", "Catégorie", "Niveau", "Fin de contrat"],
        ["Martin", "VIP, Salon 2026", "Commerce", "or", "31/12/2026"],
        ["Durand", "", "", "Bronze", "2026-02-30"],
    ]
    batch = commit(upload(organization, owner, csv_bytes(rows)), owner)
    client = Client.objects.get()
    assert sorted(t.name for t in client.tags.all()) == ["Salon 2026", "VIP"]
    assert client.category.name == "Commerce"
    assert client.custom_fields == {"niveau": "Or", "fin_de_contrat": "2026-12-31"}
    fields = {e["field"] for e in errors_of(batch, 3)}
    assert fields == {"custom_fields.niveau", "custom_fields.fin_de_contrat"}


def test_an_unknown_mapping_target_or_a_column_mapped_twice_is_refused(organization, owner):
    content = csv_bytes([["Nom", "Mail", "Courriel"], ["A", "a@a.fr", "b@b.fr"]])
    with pytest.raises(ValidationFailed) as refused:
        upload(organization, owner, content, mapping=["name", "email", "email"])
    assert refused.value.errors[0].code == "duplicate"
    with pytest.raises(ValidationFailed) as unknown:
        upload(organization, owner, content, mapping=["name", "password", None])
    assert unknown.value.errors[0].code == "unknown_field"
    assert not Client.objects.exists()


def test_a_commit_cannot_run_twice(organization, owner):
    batch = commit(upload(organization, owner, csv_bytes([HEADER, MARTIN])), owner)
    with pytest.raises(Conflict):
        services.schedule(batch, "commit", owner)
    assert Client.objects.count() == 1


def test_a_failure_midway_leaves_nothing_written(organization, owner, monkeypatch):
    rows = [HEADER] + [[f"Client {i}", f"c{i}@x.fr", "", "", "", "", ""] for i in range(2500)]
    batch = upload(organization, owner, csv_bytes(rows))
    real_create = clients.create_clients_bulk
    calls = {"n": 0}

    def crash_on_the_third_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_create(*args, **kwargs)

    monkeypatch.setattr(clients, "create_clients_bulk", crash_on_the_third_chunk)
    with pytest.raises(Conflict):
        services.schedule(batch, "commit", owner)
    assert calls["n"] == 3
    assert Client.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == Status.READY
    assert not ChangeRecord.objects.filter(context=batch.context).exists()


def test_a_large_file_is_validated_in_worker_processes_with_the_same_result(
    organization, owner, settings, monkeypatch
):
    from carnet.imports import parallel

    rows = [HEADER]
    for i in range(2500):
        email = "faux" if i % 100 == 7 else f"c{i}@exemple.fr"
        rows.append([f"Client {i}", email, "01 42 68 53 00", "", "75001", "Paris", f"{i} rue"])
    rows.append(["Client 3", "c3@exemple.fr", "", "", "", "", ""])  # a duplicate e-mail
    content = csv_bytes(rows)
    sequential = upload(organization, owner, content, key="")
    settings.CARNET_IMPORT_WORKERS = 2
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 0)
    started = []
    real_pool = parallel.worker_pool

    def counting_pool(planner, workers):
        started.append(workers)
        return real_pool(planner, workers)

    monkeypatch.setattr(parallel, "worker_pool", counting_pool)
    batch = commit(upload(organization, owner, content, key=""), owner)
    assert started and started[0] == 2
    assert batch.counts == {**sequential.counts, "total": 2501}
    assert batch.counts["error"] == 26
    errors = {
        row.line: [e["code"] for e in row.errors]
        for row in ImportRow.objects.filter(batch=batch, action="error")
    }
    assert errors[9] == ["invalid_email"]
    assert errors[2502] == ["duplicate"]  # line 5 is already written by then
    assert Client.objects.count() == 2475
    client = Client.objects.get(email="c42@exemple.fr")
    assert client.phone == "+33142685300" and client.addresses.get().city == "Paris"
    assert ChangeRecord.objects.get(object_id=client.pk).changes["billing.city"]["new"] == "Paris"
