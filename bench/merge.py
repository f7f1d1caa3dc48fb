"""Benchmark: merging two clients with 10,000 linked records each, and undoing it (issue 6).

    .venv/bin/python bench/merge.py --db sqlite
    .venv/bin/python bench/merge.py --db postgres

Each client gets ``--linked`` records of every kind a merge moves: contacts (linked to it
alone), addresses, files, tags, history entries and the test-only documents (a stand-in for
the sales documents and payments to come, through the same generic move). The merge and
the undo run through ``carnet.duplicates.merging`` in this process, timed by the wall
clock; a full comparison of both clients and their links before the merge and after the
undo checks that nothing was lost. Target: merge ≤ 2 s, undo ≤ 2 s. The figures go to
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT / "src"))

import common  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/carnet_bench_merge"
TARGET = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--linked", type=int, default=10_000)
    parser.add_argument("--no-doc", action="store_true")
    return parser.parse_args()


def setup(args: argparse.Namespace) -> None:
    data_dir = common.DATA_DIR / f"merge-{args.db}"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "static").mkdir(parents=True)
    os.environ["CARNET_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.settings_test"  # the test-only documents
    os.environ.pop("DATABASE_URL", None)
    if args.db == "postgres":
        common.ensure_pg_database(PG_URL, drop=True)
        os.environ["DATABASE_URL"] = PG_URL
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def load(organization: Any, user: Any, client: Any, linked: int, tag_ids: list[int]) -> None:
    """``linked`` records of each kind on ``client``, written in bulk."""
    from django.utils import timezone

    from carnet.addresses.models import Address
    from carnet.clients.models import ClientTag
    from carnet.contacts.models import ClientContact, Contact
    from carnet.core.models import ChangeRecord
    from carnet.files.models import ClientFile
    from carnet.testing.models import SampleDocument

    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        Contact(
            organization=organization,
            first_name=f"Prénom{i}",
            last_name=f"Nom{client.pk}-{i}",
            email=f"c{client.pk}-{i}@exemple.fr",
        )
        for i in range(linked)
    )
    ClientContact.objects.bulk_create(
        ClientContact(organization=organization, client=client, contact=contact, is_main=(i == 0))
        for i, contact in enumerate(contacts)
    )
    Address.objects.bulk_create(
        Address(
            organization=organization,
            client=client,
            line1=f"{i} rue du Bench",
            postcode="75001",
            city="Paris",
            country="FR",
            is_billing=(i == 0),
        )
        for i in range(linked)
    )
    ClientFile.objects.bulk_create(
        ClientFile(
            organization=organization,
            client=client,
            name=f"piece-{i}.pdf",
            stored=f"bench/{client.pk}/{i}",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            category="other",
            uploaded_by=user,
        )
        for i in range(linked)
    )
    ClientTag.objects.bulk_create(
        ClientTag(organization=organization, client=client, tag_id=tag_id) for tag_id in tag_ids
    )
    ChangeRecord.objects.bulk_create(
        ChangeRecord(
            organization=organization,
            object_type="client",
            object_id=client.pk,
            action="update",
            changes={"notes": {"old": i, "new": i + 1}},
            user=user,
        )
        for i in range(linked)
    )
    SampleDocument.objects.bulk_create(
        SampleDocument(organization=organization, client=client) for _ in range(linked)
    )
    del now


def state(client_ids: list[int]) -> dict[str, Any]:
    from carnet.addresses.models import Address
    from carnet.clients.models import Client, ClientTag
    from carnet.contacts.models import ClientContact
    from carnet.core.models import ChangeRecord
    from carnet.files.models import ClientFile
    from carnet.testing.models import SampleDocument

    return {
        "clients": sorted(
            Client.objects.filter(pk__in=client_ids).values_list(
                "pk", "name", "email", "siret", "deleted_at", "merged_into_id"
            )
        ),
        "links": sorted(
            ClientContact.objects.values_list("pk", "client_id", "contact_id", "is_main")
        ),
        "addresses": sorted(Address.objects.values_list("pk", "client_id", "is_billing")),
        "files": sorted(ClientFile.objects.values_list("pk", "client_id")),
        "tags": sorted(ClientTag.objects.values_list("client_id", "tag_id")),
        "history": sorted(
            ChangeRecord.objects.filter(action="update").values_list("pk", "object_id")
        ),
        "documents": sorted(SampleDocument.objects.values_list("pk", "client_id")),
    }


def main() -> None:
    args = parse_args()
    setup(args)
    from django.db import connection

    from carnet.accounts.services import create_organization
    from carnet.clients import services as clients
    from carnet.clients.models import Tag
    from carnet.duplicates.merging import merge_clients, undo_merge

    organization, user = create_organization(
        slug="bench-merge",
        name="Fusion SARL",
        admin_email="bench-merge@carnet.invalid",
        admin_password="bench-password-1",
    )
    tags = [Tag.objects.create(organization=organization, name=f"Tag {i}") for i in range(20)]
    first = clients.create_client(
        organization, user, {"name": "Menuiserie Gérard", "email": "a@gerard.fr"}
    )
    second = clients.create_client(
        organization, user, {"name": "Menuiserie Gérard Atelier", "email": "b@gerard.fr"}
    )
    load(organization, user, first, args.linked, [t.pk for t in tags[:12]])
    load(organization, user, second, args.linked, [t.pk for t in tags[8:]])
    before = state([first.pk, second.pk])
    started = time.perf_counter()
    merge = merge_clients(organization, user, first.pk, [second.pk], {"email": second.pk})
    merged = time.perf_counter() - started
    started = time.perf_counter()
    undo_merge(organization, user, merge.pk)
    undone = time.perf_counter() - started
    same = state([first.pk, second.pk]) == before
    vendor = connection.vendor
    print(f"merge {merged:.2f} s, undo {undone:.2f} s, state restored: {same}")
    if not args.no_doc:
        info = common.machine()
        lines = [
            f"### {info['database']}",
            "",
            f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}; "
            f"load average when done {info['load']} (1/5/15 min)",
            f"- Command: `.venv/bin/python bench/merge.py --db {args.db}`",
            f"- Data: two clients with {args.linked:,} contacts, addresses, files, history "
            "entries and documents each, and 20 tags (4 on both)",
            "",
            "| what | time (s) | target (s) | met |",
            "|---|---:|---:|---|",
            f"| merge | {merged:.2f} | {TARGET:.0f} | {'yes' if merged <= TARGET else 'no'} |",
            f"| undo | {undone:.2f} | {TARGET:.0f} | {'yes' if undone <= TARGET else 'no'} |",
            "",
            f"Everything back as before the merge after the undo: {'yes' if same else 'NO'}.",
            "",
        ]
        common.update_doc(f"merge-{vendor}", "\n".join(lines), after=("duplicates",))


if __name__ == "__main__":
    main()
