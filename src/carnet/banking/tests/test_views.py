"""The means of payment in the web interface: the record page's section (masked IBANs,
full ones for editors only), the add/edit/delete pages, revoking a mandate, the SEPA
creditor settings page; roles and tenancy."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from carnet.banking import services
from carnet.banking.models import BankAccount, Card, CreditorSettings, Mandate
from carnet.banking.views import banking_context
from carnet.files.models import ClientFile
from carnet.files.tests.samples import PDF

from .conftest import IBAN, IBAN_2, IBAN_MASKED, ICS, VISA, days_ago, next_year

FORMATTED = "FR76 3000 6000 0112 3456 7890 189"


def text(response) -> str:
    content = response if isinstance(response, str) else response.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", content)).split())


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def viewer_web(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def mandate(organization, owner, company, account) -> Mandate:
    return services.create_mandate(
        organization,
        owner,
        company.pk,
        {"reference": "RUM-1", "signed_on": days_ago(3), "bank_account": account.pk},
    )


def section(organization, company, *, can_edit: bool) -> str:
    request = RequestFactory().get("/")
    context = {"client": company, **banking_context(organization, company, can_edit=can_edit)}
    return render_to_string("banking/_client_banking.html", context, request=request)


# --- The record page's section ----------------------------------------------------------
def test_the_section_shows_masked_ibans_and_the_full_one_to_editors(
    organization, owner, company, account, mandate
) -> None:
    services.create_card(
        organization,
        owner,
        company.pk,
        {"brand": "visa", "last4": "4242", "expiry_month": 9, "expiry_year": next_year()},
    )
    html = section(organization, company, can_edit=True)
    shown = text(html)
    assert IBAN_MASKED in shown
    assert FORMATTED in shown  # behind "Afficher l'IBAN complet"
    assert "Principal" in shown
    assert "RUM-1" in shown and "Actif" in shown
    assert "Visa •••• 4242" in shown
    assert reverse("banking:mandate_revoke", args=[company.pk, mandate.pk]) in html
    assert reverse("banking:bank_account_create", args=[company.pk]) in html


def test_read_only_members_never_get_the_full_iban(organization, company, account, mandate):
    html = section(organization, company, can_edit=False)
    assert IBAN_MASKED in text(html)
    assert IBAN not in html and FORMATTED not in html and "3000 6000" not in html
    assert "banking:" not in html
    assert reverse("banking:mandate_revoke", args=[company.pk, mandate.pk]) not in html
    assert reverse("banking:bank_account_create", args=[company.pk]) not in html


def test_the_section_says_when_there_is_nothing(organization, company) -> None:
    shown = text(section(organization, company, can_edit=True))
    assert "Aucun compte bancaire." in shown
    assert "Aucun mandat." in shown
    assert "Aucune carte." in shown
    assert "(ICS)" in shown  # the creditor identifier is missing


def test_the_section_context_takes_four_queries_whatever_the_records(
    organization, owner, company, account, django_assert_num_queries
) -> None:
    other = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    for index in range(6):
        services.create_mandate(
            organization,
            owner,
            company.pk,
            {
                "reference": f"RUM-{index}",
                "signed_on": days_ago(1),
                "bank_account": (account if index % 2 else other).pk,
            },
        )
        services.create_card(
            organization,
            owner,
            company.pk,
            {"last4": f"{index:04d}", "expiry_month": 9, "expiry_year": next_year()},
        )
    with django_assert_num_queries(4):
        context = banking_context(organization, company, can_edit=True)
        render_to_string(
            "banking/_client_banking.html",
            {"client": company, **context},
            request=RequestFactory().get("/"),
        )


def test_the_mandate_status_shows_expiry(organization, owner, company, account, mandate):
    Mandate.objects.filter(pk=mandate.pk).update(signed_on="2015-01-01")
    html = section(organization, company, can_edit=True)
    assert "Expiré" in text(html)
    assert reverse("banking:mandate_revoke", args=[company.pk, mandate.pk]) not in html


# --- Bank account pages -----------------------------------------------------------------
def test_add_a_bank_account_with_spaces(web, company) -> None:
    url = reverse("banking:bank_account_create", args=[company.pk])
    page = web.get(url)
    assert page.status_code == 200
    assert "Nouveau compte bancaire" in text(page)
    response = web.post(url, {"iban": "fr76 3000 6000 0112 3456 7890 189", "bic": "agrifrpp"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/clients/{company.pk}/#client-banking")
    account = BankAccount.objects.get()
    assert (account.iban, account.bic, account.primary) == (IBAN, "AGRIFRPP", True)
    assert "Compte bancaire ajouté." in text(web.get(response["Location"]))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "clé de contrôle incorrecte"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 18"}, "compte 27 caractères"),
        ({"iban": IBAN, "bic": "DEUTDEFF"}, "autre pays"),
        ({"iban": IBAN, "label": VISA}, "numéro de carte bancaire complet"),
        ({"iban": ""}, "L'IBAN est obligatoire."),
    ],
)
def test_a_bad_account_is_shown_again_with_the_reason(web, company, data, message) -> None:
    response = web.post(reverse("banking:bank_account_create", args=[company.pk]), data)
    assert response.status_code == 422
    shown = text(response)
    assert message in shown
    assert "Le compte bancaire n'a pas été enregistré" in shown
    assert not BankAccount.objects.exists()


def test_edit_make_primary_and_delete_an_account(web, organization, owner, company, account):
    edit = reverse("banking:bank_account_edit", args=[company.pk, account.pk])
    assert FORMATTED in text(web.get(edit))
    response = web.post(edit, {"iban": IBAN, "bic": "AGRIFRPP", "label": "Compte pro"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.label == "Compte pro"

    other = services.create_bank_account(organization, owner, company.pk, {"iban": IBAN_2})
    web.post(reverse("banking:bank_account_set_primary", args=[company.pk, other.pk]))
    other.refresh_from_db()
    assert other.primary

    delete = reverse("banking:bank_account_delete", args=[company.pk, account.pk])
    assert "Supprimer ce compte bancaire ?" in text(web.get(delete))
    assert web.post(delete).status_code == 302
    assert not BankAccount.objects.filter(pk=account.pk).exists()


def test_deleting_an_account_with_an_active_mandate_says_why(web, company, account, mandate):
    response = web.post(
        reverse("banking:bank_account_delete", args=[company.pk, account.pk]), follow=True
    )
    assert "révoquez d'abord le mandat" in text(response)
    assert BankAccount.objects.filter(pk=account.pk).exists()


# --- Mandate pages ----------------------------------------------------------------------
def test_add_a_mandate_with_its_signed_copy(web, company, account) -> None:
    url = reverse("banking:mandate_create", args=[company.pk])
    page = web.get(url)
    assert page.status_code == 200
    assert IBAN_MASKED in text(page)  # the account to choose, masked
    assert IBAN not in page.content.decode()
    response = web.post(
        url,
        {
            "reference": "RUM-2024-1",
            "signed_on": days_ago(2),
            "scheme": "CORE",
            "sequence": "recurrent",
            "status": "active",
            "bank_account": str(account.pk),
            "signed_file": SimpleUploadedFile("mandat.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, text(response)
    mandate = Mandate.objects.get()
    assert mandate.reference == "RUM-2024-1"
    assert mandate.file == ClientFile.objects.get()
    assert "Mandat SEPA enregistré." in text(web.get(response["Location"]))


def test_a_duplicate_rum_and_a_future_signature_are_shown_on_the_form(
    web, company, account, mandate
) -> None:
    url = reverse("banking:mandate_create", args=[company.pk])
    base = {"reference": "RUM-1", "signed_on": days_ago(1), "bank_account": str(account.pk)}
    response = web.post(url, base)
    assert response.status_code == 409
    assert "déjà celle d'un autre mandat" in text(response)
    response = web.post(url, {**base, "reference": "RUM-2", "signed_on": "2999-01-01"})
    assert response.status_code == 422
    assert "ne peut pas être dans le futur" in text(response)
    assert Mandate.objects.count() == 1


def test_a_mandate_needs_an_account_first(web, company) -> None:
    response = web.get(reverse("banking:mandate_create", args=[company.pk]), follow=True)
    assert "Ajoutez d'abord le compte bancaire" in text(response)


def test_revoke_a_mandate(web, company, mandate) -> None:
    url = reverse("banking:mandate_revoke", args=[company.pk, mandate.pk])
    page = text(web.get(url))
    assert "Révoquer ce mandat ?" in page and "définitive" in page
    response = web.post(url, follow=True)
    assert "Mandat SEPA révoqué." in text(response)
    mandate.refresh_from_db()
    assert mandate.status == "revoked"
    again = web.post(url, follow=True)
    assert "la révocation est définitive" in text(again)


def test_attach_the_signed_copy_later(web, company, mandate) -> None:
    url = reverse("banking:mandate_edit", args=[company.pk, mandate.pk])
    assert web.get(url).status_code == 200
    response = web.post(
        url,
        {
            "bank_account": str(mandate.bank_account_id),
            "signed_file": SimpleUploadedFile("signé.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.file is not None and mandate.file.name == "signé.pdf"


# --- Card pages -------------------------------------------------------------------------
def test_add_edit_and_delete_a_card(web, company) -> None:
    url = reverse("banking:card_create", args=[company.pk])
    assert "jamais le numéro complet" in text(web.get(url))
    data = {"brand": "visa", "last4": "4242", "expiry_month": "9", "expiry_year": str(next_year())}
    assert web.post(url, data).status_code == 302
    card = Card.objects.get()
    edit = reverse("banking:card_edit", args=[company.pk, card.pk])
    assert web.post(edit, {**data, "holder": "Jean Girard"}).status_code == 302
    card.refresh_from_db()
    assert card.holder == "Jean Girard"
    assert web.post(reverse("banking:card_delete", args=[company.pk, card.pk])).status_code == 302
    assert not Card.objects.exists()


def test_a_full_card_number_is_refused_with_the_reason(web, company) -> None:
    url = reverse("banking:card_create", args=[company.pk])
    data = {"brand": "visa", "last4": VISA, "expiry_month": "9", "expiry_year": str(next_year())}
    response = web.post(url, data)
    assert response.status_code == 422
    shown = text(response)
    assert "ne doit jamais être enregistré" in shown
    assert "4 derniers chiffres" in shown
    assert not Card.objects.exists()


# --- Roles and tenancy ------------------------------------------------------------------
def test_read_only_members_get_403_on_every_change_page(
    viewer_web, organization, owner, company, account, mandate
) -> None:
    card = services.create_card(
        organization,
        owner,
        company.pk,
        {"last4": "4242", "expiry_month": 9, "expiry_year": next_year()},
    )
    for name, args in (
        ("bank_account_create", [company.pk]),
        ("bank_account_edit", [company.pk, account.pk]),
        ("bank_account_delete", [company.pk, account.pk]),
        ("mandate_create", [company.pk]),
        ("mandate_edit", [company.pk, mandate.pk]),
        ("mandate_revoke", [company.pk, mandate.pk]),
        ("card_create", [company.pk]),
        ("card_edit", [company.pk, card.pk]),
        ("card_delete", [company.pk, card.pk]),
    ):
        assert viewer_web.get(reverse(f"banking:{name}", args=args)).status_code == 403, name
        assert viewer_web.post(reverse(f"banking:{name}", args=args)).status_code == 403, name
    mandate.refresh_from_db()
    assert mandate.status == "active"


def test_outsiders_get_404(client, outsider, company, account, mandate) -> None:
    client.force_login(outsider)
    for name, args in (
        ("bank_account_create", [company.pk]),
        ("bank_account_edit", [company.pk, account.pk]),
        ("bank_account_delete", [company.pk, account.pk]),
        ("mandate_revoke", [company.pk, mandate.pk]),
        ("card_create", [company.pk]),
    ):
        assert client.post(reverse(f"banking:{name}", args=args)).status_code == 404, name
    assert BankAccount.objects.filter(pk=account.pk).exists()


def test_another_organizations_ids_under_our_client_are_404(web, company, foreign) -> None:
    theirs = foreign["account"]
    response = web.post(reverse("banking:bank_account_delete", args=[company.pk, theirs.pk]))
    assert response.status_code == 404
    assert BankAccount.objects.filter(pk=theirs.pk).exists()


def test_anonymous_visitors_go_to_the_login_page(client, company) -> None:
    response = client.get(reverse("banking:bank_account_create", args=[company.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- SEPA creditor settings -------------------------------------------------------------
def test_admins_set_the_creditor_identifier(web, organization) -> None:
    url = reverse("banking:creditor_settings")
    page = web.get(url)
    assert page.status_code == 200
    assert "Créancier SEPA" in text(page)
    assert 'aria-current="page">Créancier SEPA' in page.content.decode()
    response = web.post(url, {"creditor_identifier": "fr72 zzz 123456"}, follow=True)
    assert "Identifiant créancier SEPA enregistré." in text(response)
    assert CreditorSettings.objects.get(organization=organization).creditor_identifier == ICS

    response = web.post(url, {"creditor_identifier": "FR73ZZZ123456"})
    assert response.status_code == 422
    assert "clé de contrôle incorrecte" in text(response)
    assert CreditorSettings.objects.get().creditor_identifier == ICS


def test_members_see_the_creditor_identifier_but_may_not_change_it(
    client, organization, owner, member
) -> None:
    services.set_creditor_identifier(organization, owner, {"creditor_identifier": ICS})
    client.force_login(member)
    url = reverse("banking:creditor_settings")
    page = text(client.get(url))
    assert ICS in page and "Seuls les administrateurs" in page
    assert client.post(url, {"creditor_identifier": ""}).status_code == 403
    assert CreditorSettings.objects.get().creditor_identifier == ICS


def test_the_settings_tabs_link_to_the_creditor_page(web) -> None:
    page = web.get(reverse("customfields:list")).content.decode()
    assert reverse("banking:creditor_settings") in page
