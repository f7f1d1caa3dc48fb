"""Payment preferences in imported files, written as other tools write them."""

from __future__ import annotations

from decimal import Decimal

from carnet.clients.models import Client
from carnet.imports.models import ImportRow
from carnet.payments import services as payments

from .helpers import commit, csv_bytes, upload

HEADER = [
    "Nom",
    "Conditions de règlement",
    "Mode de règlement",
    "Devise",
    "Taux de TVA",
    "Catégorie de prix",
    "Compte de règlement",
]


def _row(batch, line: int) -> ImportRow:
    return ImportRow.objects.get(batch=batch, line=line)


def test_a_dolibarr_like_file_imports_its_payment_preferences(organization, owner):
    payments.create_item(organization, "price_category", "Tarif revendeur")
    account = payments.save_bank_account(
        organization, owner, {"label": "Compte courant", "iban": "FR7630006000011234567890189"}
    )
    rows = [
        HEADER,
        ["Martin", "30 jours fin de mois", "Prélèvement", "€", "FR_55", "tarif revendeur", ""],
        ["Durand", "À réception", "CB", "Euro", "20 %", "", "compte courant"],
        ["Roux", "Net 45", "LCR", "usd", "10", "", "FR76 3000 6000 0112 3456 7890 189"],
    ]
    batch = upload(organization, owner, csv_bytes(rows), key="")
    assert [batch.mapping[i] for i in range(1, 7)] == [
        "payment_terms_days",
        "payment_method",
        "currency",
        "default_vat_rate",
        "price_category",
        "pays_into",
    ]
    assert batch.counts["create"] == 3, [r.errors for r in ImportRow.objects.filter(batch=batch)]
    commit(batch, owner)
    martin, durand, roux = (Client.objects.get(name=n) for n in ("Martin", "Durand", "Roux"))
    assert (martin.payment_terms_days, martin.payment_terms_end_of_month) == (30, True)
    assert martin.payment_method == "direct_debit"
    assert (martin.currency, martin.default_vat_rate) == ("EUR", Decimal("5.50"))
    assert martin.price_category.name == "Tarif revendeur"
    assert (durand.payment_terms_days, durand.payment_method, durand.currency) == (0, "card", "EUR")
    assert durand.pays_into_id == account.pk
    assert (roux.payment_terms_days, roux.payment_terms_end_of_month) == (45, None)
    assert (roux.payment_method, roux.currency, roux.pays_into_id) == ("other", "USD", account.pk)


def test_unreadable_or_unknown_payment_values_are_row_errors(organization, owner):
    rows = [
        HEADER,
        ["Martin", "30 jours le 10", "", "", "", "", ""],
        ["Durand", "", "Bitcoin", "", "", "", ""],
        ["Roux", "", "", "Dollars zimbabwéens", "", "", ""],
        ["Petit", "", "", "", "19,6", "", ""],
        ["Grand", "", "", "", "", "Tarif inconnu", ""],
        ["Blanc", "", "", "", "", "", "Compte fantôme"],
    ]
    batch = upload(organization, owner, csv_bytes(rows), key="")
    assert batch.counts["error"] == 6
    codes = {line: [e["code"] for e in _row(batch, line).errors] for line in range(2, 8)}
    assert codes == {
        2: ["invalid_number"],
        3: ["invalid_choice"],
        4: ["invalid_currency"],
        5: ["invalid_choice"],
        6: ["unknown_choice"],
        7: ["unknown_account"],
    }
    message = _row(batch, 6).errors[0]["message"]
    assert "créez-la dans les paramètres" in message
    assert _row(batch, 6).errors[0]["column"] == "Catégorie de prix"
    assert not Client.objects.exists()


def test_terms_beyond_the_legal_limit_are_imported_with_a_warning(organization, owner):
    batch = upload(
        organization, owner, csv_bytes([["Nom", "Délai de paiement"], ["Martin", "90 jours"]])
    )
    row = _row(batch, 2)
    assert row.action == "create"
    assert [w["code"] for w in row.warnings] == ["payment_terms_over_legal_limit"]
