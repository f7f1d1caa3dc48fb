"""A year of sales for the demo organization: quotes, invoices, credit notes and payments,
created through ``sales.services`` in date order (as numbering requires), so that every
figure of a demo record means something: revenue by month, invoices paid on time, late or
in part, overdue ones in every ageing bucket, a credit note, a payment left as credit,
quotes accepted, refused, pending and expired, and margins on the products that have a cost.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from carnet.accounts.models import Organization, User
from carnet.clients.models import Client

from . import services
from .models import DocumentType

# (reference, description, unit price excl. VAT, unit cost or None, VAT rate)
CATALOGUE: list[tuple[str, str, str, str | None, str]] = [
    ("AUDIT-J", "Journée d'audit sur site", "850", "420", "20"),
    ("CONSEIL-H", "Heure de conseil", "95", None, "20"),
    ("FORM-J", "Journée de formation (jusqu'à 8 personnes)", "1200", "540", "20"),
    ("MAINT-M", "Contrat de maintenance mensuel", "290", "110", "20"),
    ("LIC-AN", "Licence annuelle, par poste", "180", "60", "20"),
    ("INSTALL", "Installation et mise en service", "640", "310", "20"),
    ("DEPL", "Frais de déplacement", "65", "65", "20"),
    ("TRAV-REN", "Travaux de rénovation (logement de plus de 2 ans)", "1450", "900", "10"),
    ("LIVRE-REF", "Guide de référence imprimé", "38", "14", "5.5"),
]
SALES_SETTINGS = {
    "legal_name": "Démo Carnet",
    "legal_form": "SAS",
    "address": "12 rue de la République\n69002 Lyon",
    "siret": "73282932000074",
    "vat_number": "FR44732829320",
    "rcs": "RCS Lyon 732 829 320",
    "share_capital": "50000",
}


@dataclass
class _Planned:
    day: datetime.date
    kind: str
    client: Client
    lines: list[dict[str, Any]]
    # what happens to an invoice: paid on time, late, in part, or not at all
    fate: str = ""


def _lines(rng: random.Random, count: int) -> list[dict[str, Any]]:
    lines = []
    for reference, description, price, cost, rate in rng.sample(CATALOGUE, count):
        lines.append(
            {
                "reference": reference,
                "description": description,
                "quantity": str(
                    rng.choice([1, 1, 1, 2, 3, 5])
                    if reference != "CONSEIL-H"
                    else rng.randint(2, 12)
                ),
                "unit_price": price,
                "unit_cost": cost,
                "vat_rate": rate,
                "discount_percent": rng.choice(["0", "0", "0", "5", "10"]),
            }
        )
    return lines


def load_demo_sales(
    organization: Organization, admin: User, clients: list[Client], *, seed: int
) -> int:
    """Create the demo's year of sales for ``clients`` (live or archived, not in the
    trash); returns the number of documents."""
    rng = random.Random(seed)
    today = services.today()
    services.update_sales_settings(organization, admin, SALES_SETTINGS)
    start = today - datetime.timedelta(days=365)
    planned: list[_Planned] = []
    for index, client in enumerate(clients):
        regular = index % 3 != 2
        count = rng.randint(5, 10) if regular else rng.randint(1, 3)
        for _ in range(count):
            day = start + datetime.timedelta(days=rng.randint(0, 360))
            fate = rng.choices(["on_time", "late", "partial", "unpaid"], weights=[62, 20, 8, 10])[0]
            planned.append(
                _Planned(day, DocumentType.INVOICE, client, _lines(rng, rng.randint(1, 3)), fate)
            )
        for _ in range(rng.randint(0, 3)):
            day = start + datetime.timedelta(days=rng.randint(0, 360))
            planned.append(
                _Planned(day, DocumentType.QUOTE, client, _lines(rng, rng.randint(1, 3)))
            )
    planned.sort(key=lambda p: (p.day, p.kind, p.client.pk))

    invoices: list[tuple[Any, str]] = []
    documents = 0
    for item in planned:
        draft = services.create_document(
            organization,
            admin,
            {
                "type": item.kind,
                "client": item.client.pk,
                "date": item.day.isoformat(),
                "lines": item.lines,
            },
            source="demo",
        )
        document = services.issue_document(organization, admin, draft.pk)
        documents += 1
        if item.kind == DocumentType.QUOTE:
            age = (today - item.day).days
            if age > 45 or rng.random() < 0.5:
                answer = rng.choices(["accepted", "refused", "sent"], weights=[55, 25, 20])[0]
                if answer != "sent":
                    services.set_quote_status(organization, admin, document.pk, answer)
        else:
            invoices.append((document, item.fate))

    # A credit note for a commercial gesture on one invoice, and a draft in progress.
    if invoices:
        corrected = invoices[len(invoices) // 3][0]
        credit = services.create_document(
            organization,
            admin,
            {
                "type": DocumentType.CREDIT_NOTE,
                "client": corrected.client_id,
                "date": min(today, corrected.date + datetime.timedelta(days=10)).isoformat(),
                "related": corrected.pk,
                "lines": [
                    {
                        "description": "Geste commercial sur la facture " + corrected.number,
                        "unit_price": "50",
                        "vat_rate": "20",
                    }
                ],
            },
            source="demo",
        )
        services.issue_document(organization, admin, credit.pk)
        documents += 1
    if clients:
        services.create_document(
            organization,
            admin,
            {"type": DocumentType.INVOICE, "client": clients[0].pk, "lines": _lines(rng, 2)},
            source="demo",
        )
        documents += 1

    for invoice, fate in invoices:
        invoice.refresh_from_db()
        balance = invoice.balance
        if balance <= 0 or fate == "unpaid":
            continue
        due = invoice.due_date or invoice.date
        if fate == "on_time":
            day = invoice.date + datetime.timedelta(
                days=rng.randint(5, max(5, (due - invoice.date).days))
            )
            amount = balance
        elif fate == "late":
            day = due + datetime.timedelta(days=rng.randint(3, 40))
            amount = balance
        else:
            day = invoice.date + datetime.timedelta(days=rng.randint(10, 40))
            amount = (balance * Decimal(rng.choice(["0.3", "0.5"]))).quantize(Decimal("0.01"))
        if day > today:
            continue
        services.create_payment(
            organization,
            admin,
            {
                "client": invoice.client_id,
                "date": day.isoformat(),
                "amount": str(amount),
                "method": rng.choice(
                    ["transfer", "transfer", "transfer", "cheque", "direct_debit", "card"]
                ),
                "reference": f"REG-{invoice.number}",
                "allocations": [{"document": invoice.pk, "amount": str(amount)}],
            },
        )
    # A client paid too much once: the rest stays as credit.
    if clients:
        services.create_payment(
            organization,
            admin,
            {
                "client": clients[0].pk,
                "date": (today - datetime.timedelta(days=20)).isoformat(),
                "amount": "150.00",
                "method": "transfer",
                "reference": "Acompte",
            },
        )
    return documents
