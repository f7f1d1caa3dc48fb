"""The Payment section of the record and its form, and the payment settings page."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.payments import services
from carnet.payments.models import PaymentSettings

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def web(client: Any, owner: Any) -> Any:
    client.force_login(owner)
    return client


def text(response: Any) -> str:
    return " ".join(unescape(response.content.decode()).split())


def payment_section(response: Any) -> str:
    html = unescape(response.content.decode())
    found = re.search(r'<section class="card fields-card section-payment".*?</section>', html, re.S)
    assert found, "no Payment section"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def test_the_record_shows_the_defaults_as_such_until_the_client_overrides_them(
    web: Any, organization: Any, owner: Any
) -> None:
    services.save_bank_account(
        organization, None, {"label": "Compte courant", "iban": IBAN, "is_default": True}
    )
    client = clients.create_client(organization, owner, {"name": "Boulangerie Martin"})
    section = payment_section(web.get(f"/clients/{client.pk}/"))
    assert "30 jours (par défaut)" in section
    assert "Virement (par défaut)" in section
    assert "EUR (par défaut)" in section
    assert "20 % (par défaut)" in section
    assert "Compte courant (par défaut)" in section

    clients.update_client(
        organization,
        owner,
        client.pk,
        {"payment_terms_days": 45, "payment_terms_end_of_month": True, "currency": "USD"},
    )
    section = payment_section(web.get(f"/clients/{client.pk}/"))
    assert "45 jours fin de mois" in section and "45 jours fin de mois (par défaut)" not in section
    assert "USD" in section and "USD (par défaut)" not in section
    assert "Virement (par défaut)" in section


def test_the_edit_form_sets_terms_end_of_month_and_direct_debit(
    web: Any, organization: Any, owner: Any
) -> None:
    client = clients.create_client(organization, owner, {"name": "Imprimerie Roux"})
    form = web.get(f"/clients/{client.pk}/edit/")
    page = text(form)
    assert 'id="payment"' in form.content.decode()
    assert "Par défaut (Virement)" in page and "Par défaut : 30 jours" in page
    response = web.post(
        f"/clients/{client.pk}/edit/",
        {
            "kind": "company",
            "name": "Imprimerie Roux",
            "country": "FR",
            "version": client.version,
            "payment_terms_days": "45",
            "payment_terms_end_of_month": "True",
            "payment_method": "direct_debit",
        },
        follow=True,
    )
    assert response.status_code == 200
    client.refresh_from_db()
    assert (client.payment_terms_days, client.payment_terms_end_of_month) == (45, True)
    assert client.payment_method == "direct_debit"
    section = payment_section(response)
    assert "45 jours fin de mois" in section and "Prélèvement" in section
    assert "L. 441-10" not in section
    # The history names the method, not its code.
    assert "Prélèvement" in text(response).split("Historique")[-1]


def test_the_form_shows_a_refused_discount_under_its_field_and_keeps_the_client(
    web: Any, organization: Any, owner: Any
) -> None:
    client = clients.create_client(organization, owner, {"name": "Imprimerie Roux"})
    response = web.post(
        f"/clients/{client.pk}/edit/",
        {
            "kind": "company",
            "name": "Imprimerie Roux",
            "country": "FR",
            "version": client.version,
            "discount_percent": "120",
        },
    )
    assert response.status_code == 422
    assert "Une remise en pourcentage, de 0 à 100, est attendue." in text(response)
    assert Client.objects.get(pk=client.pk).discount_percent is None


def test_terms_beyond_the_legal_limit_are_flagged_on_the_record(
    web: Any, organization: Any, owner: Any
) -> None:
    client = clients.create_client(
        organization, owner, {"name": "Martin", "payment_terms_days": 90}
    )
    section = payment_section(web.get(f"/clients/{client.pk}/"))
    assert "90 jours" in section
    assert "article L. 441-10 du Code de commerce" in section


def test_the_settings_page_changes_the_defaults_for_administrators_only(
    web: Any, client: Any, organization: Any, member: Any
) -> None:
    page = web.get("/settings/payments/")
    assert page.status_code == 200
    assert "Par défaut" in text(page)
    saved = web.post(
        "/settings/payments/defaults/",
        {
            "terms_days": "45",
            "terms_end_of_month": "1",
            "method": "cheque",
            "currency": "EUR",
            "vat_rate": "10",
        },
        follow=True,
    )
    assert "Paramètres de paiement enregistrés." in text(saved)
    defaults = PaymentSettings.objects.get(organization=organization)
    assert (defaults.terms_days, defaults.terms_end_of_month, defaults.method) == (
        45,
        True,
        "cheque",
    )
    refused = web.post(
        "/settings/payments/defaults/",
        {"terms_days": "45", "method": "cheque", "currency": "ABC", "vat_rate": "10"},
        follow=True,
    )
    assert "Code de devise ISO 4217 attendu" in text(refused)
    assert PaymentSettings.objects.get(organization=organization).currency == "EUR"

    web.logout()
    web.force_login(member)
    assert web.post("/settings/payments/defaults/", {"terms_days": "90"}).status_code == 403
    assert PaymentSettings.objects.get(organization=organization).terms_days == 45


def test_lists_are_managed_on_the_settings_page(web: Any, organization: Any, owner: Any) -> None:
    web.post("/settings/payments/price_category/new/", {"name": "Tarif revendeur"})
    web.post("/settings/payments/carrier/new/", {"name": "Colissimo"})
    duplicate = web.post("/settings/payments/carrier/new/", {"name": "COLISSIMO"}, follow=True)
    assert "Ce nom existe déjà dans la liste." in text(duplicate)
    client = clients.create_client(
        organization, owner, {"name": "Martin", "price_category": "Tarif revendeur"}
    )
    form = text(web.get(f"/clients/{client.pk}/edit/"))
    assert "Tarif revendeur" in form and "Colissimo" in form
    item = client.price_category
    assert item is not None
    deleted = web.post(f"/settings/payments/price_category/{item.pk}/delete/", follow=True)
    assert "1 client n'a plus de valeur" in text(deleted)
    assert Client.objects.get(pk=client.pk).price_category is None
