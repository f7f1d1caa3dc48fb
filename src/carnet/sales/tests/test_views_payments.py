"""Payments in the web interface: the list, the form with one allocation per open invoice
(pre-filled from the invoice page), what stays as client credit, changes, deletion;
roles and tenancy."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from carnet.accounts.models import Organization, Role, User
from carnet.accounts.services import add_member
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.conftest import PASSWORD
from carnet.sales import services
from carnet.sales.models import Allocation, Document, Payment

D = Decimal


def text(response: Any) -> str:
    content = response if isinstance(response, str) else response.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", content)).split()).replace("\u202f", " ")


def found(pattern: str, html: str) -> str:
    """The part of the page ``pattern`` matches (the test fails when there is none)."""
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match.group(0)


@pytest.fixture
def web(client: HttpClient, owner: User) -> HttpClient:
    client.force_login(owner)
    return client


@pytest.fixture
def viewer(organization: Organization) -> User:
    return add_member(
        organization, email="viewer@dupont.fr", password=PASSWORD, role=Role.VIEWER
    ).user


@pytest.fixture
def company(organization: Organization, owner: User) -> Client:
    return clients.create_client(organization, owner, {"name": "Boulangerie Martin"})


@pytest.fixture
def stranger(other_organization: Organization, outsider: User) -> Client:
    return clients.create_client(other_organization, outsider, {"name": "Chez eux"})


def issued(organization: Organization, owner: User, client: Client, price: str = "100") -> Document:
    """An issued invoice of ``price`` excl. VAT (×1.2 incl. VAT)."""
    document = services.create_document(
        organization,
        owner,
        {
            "type": "invoice",
            "client": client.pk,
            "date": "2026-03-02",
            "lines": [{"description": "Conseil", "quantity": "1", "unit_price": price}],
        },
    )
    return services.issue_document(organization, owner, document.pk)


def pay(
    organization: Organization, owner: User, client: Client, amount: str, **allocations: str
) -> Payment:
    return services.create_payment(
        organization,
        owner,
        {
            "client": client.pk,
            "date": "2026-03-10",
            "amount": amount,
            "method": "transfer",
            "allocations": [{"document": int(pk), "amount": a} for pk, a in allocations.items()],
        },
    )


def create_url(client: Client, invoice: Document | None = None) -> str:
    url = f"{reverse('sales:payment-create')}?client={client.pk}"
    return f"{url}&invoice={invoice.pk}" if invoice else url


def posted(**extra: str) -> dict[str, str]:
    return {
        "date": "2026-03-10",
        "amount": "50",
        "method": "cheque",
        "reference": "CHQ 1234",
        "notes": "",
        **extra,
    }


# --- The form -----------------------------------------------------------------------------
def test_the_form_is_prefilled_from_the_invoice(web, organization, owner, company) -> None:
    first = issued(organization, owner, company)  # 120.00
    second = issued(organization, owner, company, "50")  # 60.00
    page = web.get(create_url(company, second))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="amount" value="60,00"' in html
    assert f'name="allocation-{second.pk}" value="60,00"' in html
    assert f'name="allocation-{first.pk}" value=""' in html
    assert "FA-000001" in text(page) and "FA-000002" in text(page)
    assert "Reste en crédit client : 0,00 €" in text(page)
    assert '<option value="transfer" selected>' in html  # the client's usual method


def test_a_partial_payment_leaves_the_rest_to_pay(web, organization, owner, company) -> None:
    invoice = issued(organization, owner, company)  # 120.00
    data = posted(amount="50", **{f"allocation-{invoice.pk}": "50"})
    response = web.post(create_url(company, invoice), data, follow=True)
    assert "Paiement enregistré." in text(response)
    payment = Payment.objects.get()
    assert payment.client_id == company.pk and payment.method == "cheque"
    assert payment.reference == "CHQ 1234" and payment.amount_allocated == D("50")
    invoice.refresh_from_db()
    assert invoice.balance == D("70.00")
    assert "FA-000001" in text(response)
    detail = text(web.get(reverse("sales:document-detail", args=[invoice.pk])))
    assert "Partiellement payée" in detail or "En retard" in detail
    assert "70,00 €" in detail


def test_what_is_not_allocated_stays_as_credit(web, organization, owner, company) -> None:
    response = web.post(create_url(company), posted(amount="80"), follow=True)
    assert "Paiement enregistré." in text(response)
    assert "Reste en crédit client 80,00 €" in text(response)
    assert Payment.objects.get().unallocated == D("80")


def test_an_allocation_above_the_balance_is_refused_next_to_its_invoice(
    web, organization, owner, company
) -> None:
    invoice = issued(organization, owner, company)  # 120.00
    data = posted(amount="200", **{f"allocation-{invoice.pk}": "150"})
    response = web.post(create_url(company), data)
    assert response.status_code == 422
    row = found(rf'data-invoice="{invoice.pk}".*?</tr>', response.content.decode())
    assert "FA-000001 n'a plus que 120,00 EUR à payer." in text(row)
    assert 'value="150"' in row  # what was typed stays
    assert "Le paiement n'a pas été enregistré" in text(response)
    assert not Payment.objects.exists() and not Allocation.objects.exists()


def test_allocations_above_the_amount_are_refused(web, organization, owner, company) -> None:
    invoice = issued(organization, owner, company)
    data = posted(amount="10", **{f"allocation-{invoice.pk}": "20"})
    response = web.post(create_url(company), data)
    assert response.status_code == 422
    assert "dépassent le montant disponible" in text(response)
    assert not Payment.objects.exists()


def test_bad_fields_are_shown_next_to_them(web, company) -> None:
    data = posted(amount="-5", date="hier", method="troc")
    response = web.post(create_url(company), data)
    html = unescape(response.content.decode())
    assert response.status_code == 422
    for field, message in (
        ("amount", "Le montant doit être supérieur à zéro."),
        ("date", "Date attendue au format AAAA-MM-JJ."),
        ("method", "Moyen de paiement inconnu"),
    ):
        block = found(rf'data-field="{field}".*?</div>', html)
        assert message in block
    assert not Payment.objects.exists()


def test_another_organizations_ids_are_refused(
    web, organization, owner, company, other_organization, outsider, stranger
) -> None:
    theirs = issued(other_organization, outsider, stranger)
    assert web.get(create_url(stranger)).status_code == 404
    assert web.post(create_url(stranger), posted()).status_code == 404
    assert web.get(create_url(company, theirs)).status_code == 404
    data = posted(**{f"allocation-{theirs.pk}": "10"})
    response = web.post(create_url(company), data)
    assert response.status_code == 422
    assert "Facture introuvable." in text(response)
    assert not Payment.objects.filter(client=company).exists()
    theirs.refresh_from_db()
    assert theirs.amount_paid == 0


def test_an_invoice_of_another_client_is_refused(web, organization, owner, company) -> None:
    other = clients.create_client(organization, owner, {"name": "Épicerie Durand"})
    invoice = issued(organization, owner, other)
    assert web.get(create_url(company, invoice)).status_code == 404
    response = web.post(create_url(company), posted(**{f"allocation-{invoice.pk}": "10"}))
    assert "FA-000001 est la facture d'un autre client." in text(response)
    assert not Payment.objects.exists()


def test_the_client_is_chosen_first(web, organization, owner, company) -> None:
    page = web.get(reverse("sales:payment-create"))
    assert "Choisissez d'abord le client qui paie" in text(page)
    assert "Inclure les clients archivés" in text(page)
    # Without JavaScript, what was typed is enough when one client matches.
    page = web.get(reverse("sales:payment-create"), {"client": "", "client_q": "martin"})
    assert 'name="amount"' in page.content.decode()
    page = web.get(reverse("sales:payment-create"), {"client": "", "client_q": "zzz"})
    assert "Choisissez le client dans la liste proposée." in text(page)


def test_the_credit_left_is_recomputed_as_amounts_are_typed(
    web, organization, owner, company
) -> None:
    invoice = issued(organization, owner, company)
    url = reverse("sales:payment-credit")
    data = {"amount": "100", f"allocation-{invoice.pk}": "30,50", "display_currency": "EUR"}
    assert "Reste en crédit client : 69,50 €" in text(web.post(url, data))
    data[f"allocation-{invoice.pk}"] = "130"
    assert "dépassent le montant disponible de 30,00 €" in text(web.post(url, data))
    data["amount"] = "beaucoup"
    assert "s'affiche quand le montant" in text(web.post(url, data))


# --- Changes and deletion -------------------------------------------------------------------
def test_a_payment_is_changed_and_its_invoices_follow(web, organization, owner, company) -> None:
    first = issued(organization, owner, company)
    second = issued(organization, owner, company, "50")
    payment = pay(organization, owner, company, "100", **{str(first.pk): "100"})
    first.refresh_from_db()
    assert first.balance == D("20.00")
    url = reverse("sales:payment-edit", args=[payment.pk])
    page = web.get(url).content.decode()
    # The invoice this payment settles shows what it could take (its balance + 100).
    assert f'name="allocation-{first.pk}" value="100,00"' in page
    assert "120,00" in text(page)
    data = posted(
        amount="100",
        version=str(payment.version),
        **{f"allocation-{first.pk}": "40", f"allocation-{second.pk}": "60"},
    )
    response = web.post(url, data, follow=True)
    assert "Paiement modifié." in text(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.balance == D("80.00") and second.balance == D("0.00")


def test_a_stale_payment_is_not_overwritten(web, organization, owner, company) -> None:
    payment = pay(organization, owner, company, "100")
    services.update_payment(organization, owner, payment.pk, {"notes": "vu en banque"})
    url = reverse("sales:payment-edit", args=[payment.pk])
    response = web.post(url, posted(amount="90", version="1"))
    assert response.status_code == 412
    assert "modifié entre-temps" in text(response)
    payment.refresh_from_db()
    assert payment.amount == D("100")


def test_a_payment_is_deleted_after_confirmation(web, organization, owner, company) -> None:
    invoice = issued(organization, owner, company)
    payment = pay(organization, owner, company, "120", **{str(invoice.pk): "120"})
    url = reverse("sales:payment-delete", args=[payment.pk])
    assert "Les factures qu'il règle redeviendront dues" in text(web.get(url))
    response = web.post(url, {"version": payment.version})
    assert response["Location"].endswith("#client-sales")
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.balance == D("120.00")


# --- Lists, detail, roles -----------------------------------------------------------------
def test_the_list_and_the_detail_show_payments(web, organization, owner, company) -> None:
    invoice = issued(organization, owner, company)
    payment = pay(organization, owner, company, "150", **{str(invoice.pk): "120"})
    page = text(web.get(reverse("sales:payment-list")))
    assert "Boulangerie Martin" in page and "150,00 €" in page and "30,00 €" in page
    assert "Virement" in page
    detail = web.get(reverse("sales:payment-detail", args=[payment.pk]))
    assert "FA-000001" in text(detail) and "30,00 €" in text(detail)
    other = clients.create_client(organization, owner, {"name": "Épicerie Durand"})
    pay(organization, owner, other, "5")
    html = web.get(reverse("sales:payment-list"), {"client": company.pk}).content.decode()
    assert html.count("data-payment=") == 1


def test_the_list_does_not_query_per_row(
    web, organization, owner, company, django_assert_max_num_queries
) -> None:
    url = reverse("sales:payment-list")
    pay(organization, owner, company, "10")
    with django_assert_max_num_queries(8) as few:
        web.get(url)
    for _ in range(20):
        other = clients.create_client(organization, owner, {"name": "Autre client"})
        pay(organization, owner, other, "10")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = web.get(url)
    assert page.content.decode().count("data-payment=") == 21


def test_an_outsider_never_sees_the_payments(
    client, organization, owner, company, outsider
) -> None:
    payment = pay(organization, owner, company, "10")
    client.force_login(outsider)
    for name in ("detail", "edit", "delete"):
        assert client.get(reverse(f"sales:payment-{name}", args=[payment.pk])).status_code == 404
    assert client.post(reverse("sales:payment-delete", args=[payment.pk])).status_code == 404
    assert (
        client.post(reverse("sales:payment-edit", args=[payment.pk]), posted()).status_code == 404
    )
    assert "data-payment=" not in client.get(reverse("sales:payment-list")).content.decode()
    assert Payment.objects.get().amount == D("10")


def test_a_viewer_reads_payments_but_cannot_change_them(
    client, organization, owner, company, viewer
) -> None:
    payment = pay(organization, owner, company, "10")
    client.force_login(viewer)
    assert client.get(reverse("sales:payment-list")).status_code == 200
    page = client.get(reverse("sales:payment-detail", args=[payment.pk]))
    assert page.status_code == 200
    assert reverse("sales:payment-edit", args=[payment.pk]) not in page.content.decode()
    assert client.get(create_url(company)).status_code == 403
    assert client.post(create_url(company), posted()).status_code == 403
    assert client.post(reverse("sales:payment-delete", args=[payment.pk])).status_code == 403
    assert Payment.objects.count() == 1


def test_a_member_records_a_payment(client, organization, owner, company, member) -> None:
    client.force_login(member)
    assert client.post(create_url(company), posted()).status_code == 302
    assert Payment.objects.get().created_by == member
