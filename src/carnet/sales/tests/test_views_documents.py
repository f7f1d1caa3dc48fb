"""The sales documents in the web interface: the list and its filters, the form with its
lines (with and without JavaScript), the detail page and the actions of each state, the
record page's section, the client picker's archived toggle and the refused client delete;
roles and tenancy."""

from __future__ import annotations

import datetime
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
from carnet.sales.models import Allocation, Document
from carnet.sales.views import PAGE_SIZE

D = Decimal


def text(response: Any) -> str:
    content = response if isinstance(response, str) else response.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", content)).split())


def found(pattern: str, html: str) -> str:
    """The part of the page ``pattern`` matches (the test fails when there is none)."""
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match.group(0)


def login(client: HttpClient, user: User) -> HttpClient:
    client.force_login(user)
    return client


@pytest.fixture
def web(client: HttpClient, owner: User) -> HttpClient:
    return login(client, owner)


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


def line(**extra: Any) -> dict[str, Any]:
    return {"description": "Pain de campagne", "quantity": "3", "unit_price": "4.20", **extra}


def draft(organization: Organization, owner: User, client: Client, **extra: Any) -> Document:
    data = {"type": "invoice", "client": client.pk, "lines": [line()], **extra}
    return services.create_document(organization, owner, data)


def issued(organization: Organization, owner: User, client: Client, **extra: Any) -> Document:
    return services.issue_document(
        organization, owner, draft(organization, owner, client, **extra).pk
    )


def form_data(client: Client | None, *rows: dict[str, str], **extra: str) -> dict[str, Any]:
    """What the document form posts: the picker, the fields and ``lines-<i>-<field>``."""
    data: dict[str, Any] = {
        "type": "invoice",
        "client": client.pk if client else "",
        "client_q": f"{client.name} ({client.reference})" if client else "",
        "date": "2026-03-02",
        "due_date": "",
        "subject": "",
        "discount_percent": "",
        "discount_amount": "",
        "notes": "",
        "line_count": str(len(rows)),
        "save": "1",
        **extra,
    }
    for index, row in enumerate(rows):
        values = {"vat_rate": "20", "reference": "", "discount_percent": "", "unit_cost": "", **row}
        for name, value in values.items():
            data[f"lines-{index}-{name}"] = value
    return data


def good_line(**extra: str) -> dict[str, str]:
    return {"description": "Conseil", "quantity": "2", "unit_price": "100", **extra}


# --- The list ---------------------------------------------------------------------------
def test_the_list_shows_numbers_clients_totals_and_statuses(
    web, organization, owner, company
) -> None:
    invoice = issued(organization, owner, company, date="2026-01-10")
    clients.update_client(organization, owner, company.pk, {"name": "Martin SAS"})
    waiting = draft(organization, owner, company)
    page = web.get(reverse("sales:document-list"))
    assert page.status_code == 200
    shown = text(page)
    assert "FA-000001" in shown and "Brouillon" in shown
    # An issued document keeps the name it was issued to, a draft follows the record.
    row = found(rf'data-document="{invoice.pk}".*?</tr>', page.content.decode())
    assert "Boulangerie Martin" in text(row)
    row = found(rf'data-document="{waiting.pk}".*?</tr>', page.content.decode())
    assert "Martin SAS" in text(row)
    assert "15,12 €" in shown  # 3 × 4.20 + 20 % VAT
    late = invoice.due_date is not None and invoice.due_date < services.today()
    expected = 'data-status="overdue">En retard' if late else 'data-status="issued">Émis'
    assert expected in page.content.decode()
    assert 'data-status="draft">Brouillon' in page.content.decode()


def test_the_list_filters_by_type_status_client_and_period(
    web, organization, owner, company
) -> None:
    other = clients.create_client(organization, owner, {"name": "Épicerie Durand"})
    first = issued(organization, owner, company, date="2026-01-10")
    quote = services.create_document(
        organization, owner, {"type": "quote", "client": other.pk, "lines": [line()]}
    )
    url = reverse("sales:document-list")
    page = web.get(url, {"type": "quote"}).content.decode()
    assert f'data-document="{quote.pk}"' in page and f'data-document="{first.pk}"' not in page
    page = web.get(url, {"status": "draft"}).content.decode()
    assert f'data-document="{quote.pk}"' in page and f'data-document="{first.pk}"' not in page
    page = web.get(url, {"client": company.pk}).content.decode()
    assert f'data-document="{first.pk}"' in page and f'data-document="{quote.pk}"' not in page
    assert "Boulangerie Martin" in text(page)  # the picker shows the client filtered on
    page = web.get(url, {"from": "2026-01-01", "to": "2026-01-31"}).content.decode()
    assert f'data-document="{first.pk}"' in page and f'data-document="{quote.pk}"' not in page
    # Without JavaScript, a name typed in the picker that matches one client is enough.
    page = web.get(url, {"client": "", "client_q": "durand"}).content.decode()
    assert f'data-document="{quote.pk}"' in page and f'data-document="{first.pk}"' not in page


def test_bad_filters_are_explained(web) -> None:
    url = reverse("sales:document-list")
    assert "Statut inconnu." in text(web.get(url, {"status": "lost"}))
    assert "Date attendue au format AAAA-MM-JJ." in text(web.get(url, {"from": "hier"}))


def test_the_list_does_not_query_per_row(
    web, organization, owner, company, django_assert_max_num_queries
) -> None:
    url = reverse("sales:document-list")
    issued(organization, owner, company)
    with django_assert_max_num_queries(8) as few:
        web.get(url)
    for _ in range(30):
        draft(organization, owner, company)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = web.get(url)
    assert page.content.decode().count("data-document=") == 31


def test_the_list_pages_through_older_documents(web, organization, owner, company) -> None:
    for _ in range(PAGE_SIZE + 3):
        draft(organization, owner, company)
    url = reverse("sales:document-list")
    first = web.get(url).content.decode()
    assert first.count("data-document=") == PAGE_SIZE
    following = unescape(re.findall(r'id="next-page" href="([^"]+)"', first)[0])
    second = web.get(url + following).content.decode()
    assert second.count("data-document=") == 3
    assert not set(re.findall(r'data-document="(\d+)"', first)) & set(
        re.findall(r'data-document="(\d+)"', second)
    )


def test_another_organizations_client_filter_is_not_found(web, stranger) -> None:
    assert web.get(reverse("sales:document-list"), {"client": stranger.pk}).status_code == 404


# --- Roles and tenancy ------------------------------------------------------------------
def test_an_outsider_never_sees_the_documents(
    client, organization, owner, company, outsider
) -> None:
    document = draft(organization, owner, company)
    login(client, outsider)
    for name in ("detail", "edit", "issue", "delete", "allocate"):
        assert client.get(reverse(f"sales:document-{name}", args=[document.pk])).status_code == 404
    for name in ("quote-status", "convert", "credit-note"):
        url = reverse(f"sales:document-{name}", args=[document.pk])
        assert client.post(url, {"status": "accepted"}).status_code == 404
    assert client.post(reverse("sales:document-delete", args=[document.pk])).status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()
    assert (
        f'data-document="{document.pk}"'
        not in client.get(reverse("sales:document-list")).content.decode()
    )


def test_a_viewer_reads_documents_but_cannot_change_them(
    client, organization, owner, company, viewer
) -> None:
    document = draft(organization, owner, company)
    login(client, viewer)
    page = client.get(reverse("sales:document-detail", args=[document.pk]))
    assert page.status_code == 200
    assert reverse("sales:document-edit", args=[document.pk]) not in page.content.decode()
    assert "Nouvelle facture" not in text(client.get(reverse("sales:document-list")))
    assert client.get(reverse("sales:document-create")).status_code == 403
    assert client.post(reverse("sales:document-issue", args=[document.pk])).status_code == 403
    assert client.post(reverse("sales:document-delete", args=[document.pk])).status_code == 403
    response = client.post(reverse("sales:document-create"), form_data(company, good_line()))
    assert response.status_code == 403
    assert Document.objects.count() == 1
    document.refresh_from_db()
    assert document.state == "draft"


def test_a_member_creates_and_issues_an_invoice(client, organization, company, member) -> None:
    login(client, member)
    response = client.post(reverse("sales:document-create"), form_data(company, good_line()))
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:document-detail", args=[document.pk])
    response = client.post(reverse("sales:document-issue", args=[document.pk]), follow=True)
    assert "Facture FA-000001 émise." in text(response)


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    response = client.get(reverse("sales:document-list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- The form ----------------------------------------------------------------------------
def test_the_new_form_follows_the_url(web, company) -> None:
    page = web.get(reverse("sales:document-create"), {"type": "quote", "client": company.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nouveau devis" in text(page)
    assert 'name="type" value="quote"' in html
    assert f'name="client" value="{company.pk}"' in html
    assert f"Boulangerie Martin ({company.reference})" in unescape(html)
    assert 'name="valid_until"' in html and 'name="due_date"' not in html
    assert "Inclure les clients archivés" in text(page)
    assert 'name="lines-0-description"' in html and 'name="line_count" value="1"' in html
    assert '<option value="5.5">5,5 %</option>' in html


def test_the_new_form_refuses_another_organizations_client_in_the_url(web, stranger) -> None:
    response = web.get(reverse("sales:document-create"), {"client": stranger.pk})
    assert response.status_code == 404


def test_an_invoice_is_created_with_its_lines_and_its_computed_due_date(
    web, organization, owner
) -> None:
    client = clients.create_client(
        organization, owner, {"name": "Garage Leroy", "payment_terms_days": 45}
    )
    data = form_data(
        client,
        good_line(vat_rate="20", unit_cost="60"),
        {"description": "Pièces", "quantity": "1,5", "unit_price": "10,00", "vat_rate": "5.5"},
        {"description": "", "quantity": "1", "unit_price": ""},  # an empty row is left out
        subject="Révision",
    )
    response = web.post(reverse("sales:document-create"), data, follow=True)
    assert response.status_code == 200
    document = Document.objects.get()
    assert document.type == "invoice" and document.state == "draft"
    assert document.due_date == datetime.date(2026, 4, 16)  # 2 March + 45 days
    assert document.subject == "Révision"
    assert document.lines.count() == 2  # type: ignore[attr-defined]
    assert document.total_excl_vat == D("215.00")
    assert document.total_incl_vat == D("255.83")  # 200 × 1.2 + 15 × 1.055
    shown = text(response)
    assert "Brouillon enregistré" in shown
    assert "255,83 €" in shown and "Pièces" in shown


def test_add_a_line_without_javascript(web, company) -> None:
    data = form_data(company, good_line())
    del data["save"]
    data["add_line"] = "1"
    page = web.post(reverse("sales:document-create"), data)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="line_count" value="2"' in html
    assert 'name="lines-0-description"' in html and "Conseil" in html  # kept as typed
    assert 'name="lines-1-description"' in html
    assert not Document.objects.exists()


def test_remove_a_line_without_javascript(web, company) -> None:
    data = form_data(company, good_line(description="Premier"), good_line(description="Second"))
    del data["save"]
    data["remove_line"] = "0"
    html = web.post(reverse("sales:document-create"), data).content.decode()
    assert 'name="line_count" value="1"' in html
    assert "Second" in html and "Premier" not in html
    assert not Document.objects.exists()


def test_a_negative_quantity_is_shown_next_to_its_line(web, company) -> None:
    data = form_data(company, good_line(), good_line(quantity="-2"))
    response = web.post(reverse("sales:document-create"), data)
    assert response.status_code == 422
    html = response.content.decode()
    row = found(r'data-line="1".*?</tr>', html)
    assert "Quantité négative : seul un avoir en accepte." in unescape(row)
    first = found(r'data-line="0".*?</tr>', html)
    assert "field-error" not in first
    assert "Le document n'a pas été enregistré" in text(response)
    assert 'value="-2"' in row  # what was typed stays
    assert not Document.objects.exists()


def test_a_vat_rate_of_19_6_is_refused_next_to_its_line(web, company) -> None:
    response = web.post(
        reverse("sales:document-create"), form_data(company, good_line(vat_rate="19.6"))
    )
    assert response.status_code == 422
    row = found(r'data-line="0".*?</tr>', response.content.decode())
    assert "Taux de TVA non applicable en France" in unescape(row)
    assert not Document.objects.exists()


def test_errors_point_at_the_row_typed_even_after_empty_rows(web, company) -> None:
    data = form_data(
        company,
        {"description": "", "quantity": "1", "unit_price": ""},
        good_line(unit_price="abc"),
    )
    response = web.post(reverse("sales:document-create"), data)
    html = response.content.decode()
    row = found(r'data-line="1".*?</tr>', html)
    assert "Nombre attendu" in unescape(row)


def test_a_document_without_lines_or_client_is_refused(web) -> None:
    data = form_data(None, {"description": "", "quantity": "1", "unit_price": ""})
    response = web.post(reverse("sales:document-create"), data)
    shown = text(response)
    assert response.status_code == 422
    assert "Ajoutez au moins une ligne." in shown
    assert "Choisissez le client dans la liste proposée." in shown
    assert not Document.objects.exists()


def test_another_organizations_client_is_refused_in_the_form(web, stranger) -> None:
    data = form_data(stranger, good_line())
    response = web.post(reverse("sales:document-create"), data)
    assert response.status_code == 422
    assert "Client introuvable." in text(response)
    assert not Document.objects.exists()


def test_a_typed_client_is_picked_without_javascript_when_only_one_matches(
    web, organization, owner, company
) -> None:
    clients.create_client(organization, owner, {"name": "Boulangerie Petit"})
    data = {**form_data(company, good_line()), "client": "", "client_q": "martin"}
    assert web.post(reverse("sales:document-create"), data).status_code == 302
    assert Document.objects.get().client_id == company.pk
    data = {**form_data(company, good_line()), "client": "", "client_q": "boulangerie"}
    response = web.post(reverse("sales:document-create"), data)
    assert "Choisissez le client dans la liste proposée." in text(response)
    assert Document.objects.count() == 1


def test_both_discounts_are_refused_next_to_the_field(web, company) -> None:
    data = form_data(company, good_line(), discount_percent="5", discount_amount="10")
    response = web.post(reverse("sales:document-create"), data)
    html = unescape(response.content.decode())
    field = found(r'data-field="discount_amount".*?</div>', html)
    assert "Une remise est soit un pourcentage, soit un montant" in field
    assert not Document.objects.exists()


def test_a_draft_is_edited_and_its_due_date_follows_its_date(
    web, organization, owner, company
) -> None:
    document = draft(organization, owner, company, date="2026-03-02")
    url = reverse("sales:document-edit", args=[document.pk])
    page = web.get(url)
    html = page.content.decode()
    assert 'name="due_date" value=""' in html or 'name="due_date" type="date"' in html
    assert "Pain de campagne" in html
    data = form_data(company, good_line(), date="2026-04-01", version=str(document.version))
    assert web.post(url, data).status_code == 302
    document.refresh_from_db()
    assert document.date == datetime.date(2026, 4, 1)
    assert document.due_date == datetime.date(2026, 5, 1)  # 30 days, the default terms
    assert [line.description for line in document.lines.all()] == ["Conseil"]  # type: ignore[attr-defined]


def test_a_stale_draft_is_not_overwritten(web, organization, owner, company) -> None:
    document = draft(organization, owner, company)
    services.update_document(organization, owner, document.pk, {"notes": "de l'autre"})
    url = reverse("sales:document-edit", args=[document.pk])
    data = form_data(company, good_line(), notes="les miennes", version="1")
    response = web.post(url, data)
    assert response.status_code == 412
    assert "modifié entre-temps" in text(response)
    document.refresh_from_db()
    assert document.notes == "de l'autre"


def test_an_issued_invoice_is_not_edited(web, organization, owner, company) -> None:
    invoice = issued(organization, owner, company)
    url = reverse("sales:document-edit", args=[invoice.pk])
    response = web.get(url, follow=True)
    assert "FA-000001 est émis : il ne se modifie plus. Corrigez-le par un avoir." in text(response)
    response = web.post(url, form_data(company, good_line()), follow=True)
    assert "Corrigez-le par un avoir." in text(response)
    invoice.refresh_from_db()
    assert invoice.total_excl_vat == D("12.60")
    assert web.post(reverse("sales:document-delete", args=[invoice.pk])).status_code == 302
    assert Document.objects.filter(pk=invoice.pk).exists()


# --- Detail and actions ------------------------------------------------------------------
def test_the_detail_shows_lines_vat_totals_and_actions_of_a_draft(
    web, organization, owner, company
) -> None:
    document = draft(
        organization,
        owner,
        company,
        lines=[line(vat_rate="5.5"), line(description="Livraison", unit_price="10", quantity="1")],
    )
    page = web.get(reverse("sales:document-detail", args=[document.pk]))
    html = page.content.decode()
    shown = text(page)
    assert "Pain de campagne" in shown and "Livraison" in shown
    assert 'data-vat-rate="5.5"' in html and 'data-vat-rate="20"' in html
    assert "Brouillon" in shown
    for name in ("edit", "issue", "delete"):
        assert reverse(f"sales:document-{name}", args=[document.pk]) in html
    assert reverse("sales_reports:document-pdf", args=[document.pk]) in html
    assert reverse("sales:document-credit-note", args=[document.pk]) not in html


def test_issuing_asks_for_confirmation_then_numbers_the_draft(
    web, organization, owner, company
) -> None:
    document = draft(organization, owner, company)
    url = reverse("sales:document-issue", args=[document.pk])
    page = text(web.get(url))
    assert "Ce numéro est définitif" in page and "série FA" in page
    document.refresh_from_db()
    assert document.number == ""
    response = web.post(url, follow=True)
    assert "Facture FA-000001 émise." in text(response)
    html = response.content.decode()
    assert reverse("sales:document-credit-note", args=[document.pk]) in html
    assert (
        f"{reverse('sales:payment-create')}?client={company.pk}&amp;invoice={document.pk}" in html
    )
    assert reverse("sales:document-edit", args=[document.pk]) not in html


def test_a_refused_issue_is_explained_on_the_confirmation_page(
    web, organization, owner, company
) -> None:
    issued(organization, owner, company, date="2026-03-10")
    backdated = draft(organization, owner, company, date="2026-03-01")
    response = web.post(reverse("sales:document-issue", args=[backdated.pk]))
    assert response.status_code == 422
    assert "la date doit être le 10/03/2026 ou après" in text(response)
    backdated.refresh_from_db()
    assert backdated.number == "" and backdated.state == "draft"


def test_a_draft_is_deleted_after_confirmation(web, organization, owner, company) -> None:
    document = draft(organization, owner, company)
    url = reverse("sales:document-delete", args=[document.pk])
    assert "sa suppression est définitive" in text(web.get(url))
    response = web.post(url, {"version": document.version})
    assert response.status_code == 302
    assert response["Location"].endswith("#client-sales")
    assert not Document.objects.filter(pk=document.pk).exists()


def test_a_quote_is_accepted_then_becomes_an_invoice(web, organization, owner, company) -> None:
    quote = services.create_document(
        organization, owner, {"type": "quote", "client": company.pk, "lines": [line()]}
    )
    quote = services.issue_document(organization, owner, quote.pk)
    detail = reverse("sales:document-detail", args=[quote.pk])
    html = web.get(detail).content.decode()
    assert "Accepter" in text(html) and "Refuser" in text(html)
    status_url = reverse("sales:document-quote-status", args=[quote.pk])
    response = web.post(status_url, {"status": "accepted"}, follow=True)
    assert "Devis DE-000001 accepté." in text(response)
    assert web.post(status_url, {"status": "lost"}, follow=True).status_code == 200
    quote.refresh_from_db()
    assert quote.state == "accepted"
    response = web.post(reverse("sales:document-convert", args=[quote.pk]))
    invoice = Document.objects.get(type="invoice")
    assert response["Location"] == reverse("sales:document-edit", args=[invoice.pk])
    assert invoice.related_id == quote.pk and invoice.total_incl_vat == quote.total_incl_vat
    assert "Transformer en facture" in text(web.get(detail))


def test_a_credit_note_is_made_from_an_invoice_then_allocated(
    web, organization, owner, company
) -> None:
    invoice = issued(organization, owner, company)  # 15.12
    other = issued(organization, owner, company)  # 15.12
    response = web.post(reverse("sales:document-credit-note", args=[invoice.pk]))
    credit = Document.objects.get(type="credit_note")
    assert response["Location"] == reverse("sales:document-edit", args=[credit.pk])
    data = form_data(
        company,
        {"description": "Pain rassis", "quantity": "1", "unit_price": "4.20", "vat_rate": "20"},
        type="credit_note",
        version=str(credit.version),
    )
    assert web.post(reverse("sales:document-edit", args=[credit.pk]), data).status_code == 302
    credit = services.issue_document(organization, owner, credit.pk)  # 5.04, settles invoice
    invoice.refresh_from_db()
    assert invoice.amount_credited == D("5.04")

    url = reverse("sales:document-allocate", args=[credit.pk])
    page = web.get(url).content.decode()
    assert f'name="allocation-{invoice.pk}" value="5,04"' in page
    assert f'name="allocation-{other.pk}"' in page
    # Above what is left of the other invoice: refused next to it, nothing changed.
    response = web.post(url, {f"allocation-{invoice.pk}": "", f"allocation-{other.pk}": "20"})
    assert response.status_code == 422
    row = found(rf'data-invoice="{other.pk}".*?</tr>', response.content.decode())
    assert "n'a plus que 15,12" in unescape(row).replace("\u202f", " ")
    assert Allocation.objects.get(credit_note=credit).invoice_id == invoice.pk
    response = web.post(url, {f"allocation-{other.pk}": "5,04"}, follow=True)
    assert "Affectations de l'avoir enregistrées." in text(response)
    invoice.refresh_from_db()
    other.refresh_from_db()
    assert invoice.amount_credited == 0 and other.amount_credited == D("5.04")
    detail = text(web.get(reverse("sales:document-detail", args=[other.pk])))
    assert "Avoir AV-000001" in detail and "Reste à payer" in detail and "10,08 €" in detail


def test_an_allocation_to_another_organizations_invoice_is_refused(
    web, organization, owner, company, other_organization, outsider, stranger
) -> None:
    theirs = issued(other_organization, outsider, stranger)
    credit = services.issue_document(
        organization,
        owner,
        services.create_document(
            organization, owner, {"type": "credit_note", "client": company.pk, "lines": [line()]}
        ).pk,
    )
    url = reverse("sales:document-allocate", args=[credit.pk])
    response = web.post(url, {f"allocation-{theirs.pk}": "1"})
    assert response.status_code == 422
    assert "Facture introuvable." in text(response)
    assert not Allocation.objects.exists()


# --- The record page ----------------------------------------------------------------------
def test_the_record_shows_documents_payments_and_credit(web, organization, owner, company) -> None:
    invoice = issued(organization, owner, company)  # 15.12
    services.create_payment(
        organization,
        owner,
        {
            "client": company.pk,
            "date": "2026-03-05",
            "amount": "20",
            "method": "cheque",
            "allocations": [{"document": invoice.pk, "amount": "10"}],
        },
    )
    draft(organization, owner, company)
    page = web.get(reverse("clients:detail", args=[company.pk]))
    html = page.content.decode()
    section = text(found(r'id="client-sales".*?</section>', html))
    assert "Documents et paiements" in section
    assert "5,12 €" in section  # outstanding
    assert "10,00 €" in section  # credit left of the payment
    assert "2 factures" in section and "1 paiement" in section
    assert "FA-000001" in section and "Brouillon" in section and "Partiellement payée" in section
    for label in ("Nouvelle facture", "Nouveau devis", "Nouvel avoir", "Enregistrer un paiement"):
        assert label in section
    assert f"{reverse('sales:document-list')}?client={company.pk}" in html
    assert f"{reverse('sales:payment-list')}?client={company.pk}" in html


def test_the_record_section_hides_actions_from_viewers(
    client, organization, owner, company, viewer
) -> None:
    login(client, viewer)
    html = client.get(reverse("clients:detail", args=[company.pk])).content.decode()
    assert 'id="client-sales"' in html and 'id="sales-actions"' not in html


def test_the_record_page_stays_fast_with_many_documents(
    web, organization, owner, company, django_assert_max_num_queries
) -> None:
    url = reverse("clients:detail", args=[company.pk])
    issued(organization, owner, company)
    web.get(url)
    with django_assert_max_num_queries(100) as few:
        web.get(url)
    for _ in range(25):
        draft(organization, owner, company)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = web.get(url)
    section = found(r'id="client-documents".*?</table>', page.content.decode())
    assert section.count("data-document=") == 10


# --- Client picker and client delete ------------------------------------------------------
def test_the_picker_includes_archived_clients_when_the_box_is_ticked(
    web, organization, owner
) -> None:
    old = clients.create_client(organization, owner, {"name": "Martinez Ancien"})
    clients.archive_client(organization, owner, old.pk)
    url = reverse("clients:picker")
    assert "Martinez Ancien" not in text(web.get(url, {"field": "client", "client_q": "martinez"}))
    page = text(web.get(url, {"field": "client", "client_q": "martinez", "client_archived": "all"}))
    assert "Martinez Ancien" in page


def test_deleting_a_client_with_documents_is_refused_with_archive_instead(
    web, organization, owner, company
) -> None:
    issued(organization, owner, company)
    response = web.post(reverse("clients:delete", args=[company.pk]))
    assert response.status_code == 409
    shown = text(response)
    assert "Impossible de supprimer « Boulangerie Martin » : ce client a 1 document." in shown
    assert reverse("clients:archive", args=[company.pk]) in response.content.decode()
    web.post(reverse("clients:archive", args=[company.pk]))
    company.refresh_from_db()
    assert company.archived and not company.is_deleted
