"""Web pages for a client's means of payment (bank accounts, SEPA mandates, cards) and the
organization's SEPA creditor identifier.

The record page shows them through ``banking/_client_banking.html``, whose context
``banking_context`` builds; adding, changing and deleting happen on pages of their own,
which return to the record. Views parse the request, check access, call ``services`` and
turn the errors they raise into messages on the page; they never write models themselves.

IBANs: the record shows them masked; members who may edit clients can also display the
full IBAN there (it is only in the page for them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carnet.accounts.access import (
    current_organization,
    current_user,
    is_admin,
    member_required,
    not_found_as_404,
    require_admin,
    require_editor,
)
from carnet.accounts.models import Organization
from carnet.clients.models import Client
from carnet.clients.views import client_or_404
from carnet.core.errors import DomainError, ValidationFailed

from . import services
from .forms import (
    BankAccountForm,
    CardForm,
    CreditorForm,
    MandateEditForm,
    MandateForm,
    initial_from_account,
    initial_from_card,
)
from .models import BankAccount, Card, Mandate, MandateStatus

SOURCE = "web"
ANCHOR = "client-banking"


# --- The record page's section ----------------------------------------------------------
@dataclass
class BankingSection:
    """What ``banking/_client_banking.html`` shows of a client."""

    accounts: list[BankAccount] = field(default_factory=list)
    mandates: list[Mandate] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    can_edit: bool = False
    creditor_identifier: str = ""


def banking_context(
    organization: Organization, client: Client, *, can_edit: bool
) -> dict[str, Any]:
    """The record page's context for the means of payment, under the key ``banking``:
    accounts, mandates (with their status as it stands today) and cards, in 4 queries
    whatever their number. ``can_edit`` (``accounts.access.can_edit(request)``) shows the
    actions and lets the page hold full IBANs."""
    mandates = list(services.mandates_of(organization, client))
    day = services.today()
    for mandate in mandates:
        status = mandate.effective_status(day)
        mandate.current_status = status  # type: ignore[attr-defined]
        mandate.current_status_label = MandateStatus(status).label  # type: ignore[attr-defined]
        mandate.is_live = status in services.LIVE_STATUSES  # type: ignore[attr-defined]
    cards = list(services.cards_of(organization, client))
    for card in cards:
        card.expired = card.is_expired(day)  # type: ignore[attr-defined]
    section = BankingSection(
        accounts=list(services.bank_accounts_of(organization, client)),
        mandates=mandates,
        cards=cards,
        can_edit=can_edit,
        creditor_identifier=services.creditor_identifier(organization),
    )
    return {"banking": section}


# --- Helpers ----------------------------------------------------------------------------
def _record_url(client_id: int) -> str:
    return f"{reverse('clients:detail', args=[client_id])}#{ANCHOR}"


def _client_for_change(request: HttpRequest, client_id: int) -> Client:
    require_editor(request)
    return client_or_404(request, client_id)


def _refused(request: HttpRequest, client: Client) -> HttpResponse | None:
    """A client in the trash (or merged) keeps its means of payment: back to the record."""
    if client.merged_into_id is not None:
        messages.error(request, _("Ce client a été fusionné dans un autre : modifiez ce dernier."))
        return redirect(_record_url(client.pk))
    if client.is_deleted:
        messages.error(
            request,
            _(
                "Ce client est dans la corbeille : restaurez-le pour modifier ses moyens de "
                "paiement."
            ),
        )
        return redirect(_record_url(client.pk))
    return None


# --- Bank accounts ----------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@member_required
def bank_account_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_for_change(request, client_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    form = BankAccountForm(request.POST or None, initial={"holder": client.name})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.create_bank_account(
                current_organization(request),
                current_user(request),
                client.pk,
                form.service_data(),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Compte bancaire ajouté."))
            return redirect(_record_url(client.pk))
    context = {"form": form, "client": client, "creating": True}
    return render(request, "banking/bank_account_form.html", context, status=status)


def _account_or_404(request: HttpRequest, client: Client, account_id: int) -> BankAccount:
    with not_found_as_404():
        return services.get_bank_account(current_organization(request), client.pk, account_id)


@require_http_methods(["GET", "POST"])
@member_required
def bank_account_edit(request: HttpRequest, client_id: int, account_id: int) -> HttpResponse:
    client = _client_for_change(request, client_id)
    account = _account_or_404(request, client, account_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    form = BankAccountForm(request.POST or None, initial=initial_from_account(account))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_bank_account(
                current_organization(request),
                current_user(request),
                client.pk,
                account.pk,
                form.service_data(),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Compte bancaire enregistré."))
            return redirect(_record_url(client.pk))
    context = {"form": form, "client": client, "account": account, "creating": False}
    return render(request, "banking/bank_account_form.html", context, status=status)


@require_POST
@member_required
def bank_account_set_primary(request: HttpRequest, client_id: int, account_id: int) -> HttpResponse:
    client = _client_for_change(request, client_id)
    account = _account_or_404(request, client, account_id)
    try:
        services.update_bank_account(
            current_organization(request),
            current_user(request),
            client.pk,
            account.pk,
            {"primary": True},
            source=SOURCE,
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Compte principal défini."))
    return redirect(_record_url(client.pk))


@require_http_methods(["GET", "POST"])
@member_required
def bank_account_delete(request: HttpRequest, client_id: int, account_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the account (refused while a mandate in
    force debits it)."""
    client = _client_for_change(request, client_id)
    account = _account_or_404(request, client, account_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    if request.method == "POST":
        try:
            services.delete_bank_account(
                current_organization(request),
                current_user(request),
                client.pk,
                account.pk,
                source=SOURCE,
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("Compte bancaire supprimé."))
        return redirect(_record_url(client.pk))
    context = {
        "client": client,
        "title": _("Supprimer ce compte bancaire ?"),
        "subject": account.summary(),
        "explanation": (
            _("C'est le compte principal : le client n'en aura plus.")
            if account.primary
            else _(
                "La suppression est définitive ; elle reste visible dans l'historique du client."
            )
        ),
        "action": reverse("banking:bank_account_delete", args=[client.pk, account.pk]),
        "button": _("Supprimer le compte"),
    }
    return render(request, "banking/confirm.html", context)


# --- Mandates ---------------------------------------------------------------------------
def _mandate_or_404(request: HttpRequest, client: Client, mandate_id: int) -> Mandate:
    with not_found_as_404():
        return services.get_mandate(current_organization(request), client.pk, mandate_id)


@require_http_methods(["GET", "POST"])
@member_required
def mandate_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_for_change(request, client_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    organization = current_organization(request)
    accounts = list(services.bank_accounts_of(organization, client))
    if not accounts:
        messages.error(
            request, _("Ajoutez d'abord le compte bancaire que le mandat autorise à prélever.")
        )
        return redirect(_record_url(client.pk))
    form = MandateForm(
        request.POST or None,
        request.FILES or None,
        accounts=accounts,
        initial={"signed_on": services.today().isoformat(), "bank_account": str(accounts[0].pk)},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.create_mandate(
                organization,
                current_user(request),
                client.pk,
                form.service_data(),
                signed_file=form.cleaned_data.get("signed_file"),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            if getattr(exc, "code", "") == "duplicate_reference":
                form.add_error("reference", str(exc.detail))
                status = 409
            else:
                messages.error(request, str(exc.detail))
                return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Mandat SEPA enregistré."))
            return redirect(_record_url(client.pk))
    context = {
        "form": form,
        "client": client,
        "creditor_identifier": services.creditor_identifier(organization),
    }
    return render(request, "banking/mandate_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def mandate_edit(request: HttpRequest, client_id: int, mandate_id: int) -> HttpResponse:
    """Attach the signed copy, move to another account, activate a pending mandate."""
    client = _client_for_change(request, client_id)
    mandate = _mandate_or_404(request, client, mandate_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    if mandate.effective_status() not in services.LIVE_STATUSES:
        messages.error(request, _("Ce mandat n'est plus en vigueur : il ne change plus."))
        return redirect(_record_url(client.pk))
    organization = current_organization(request)
    accounts = list(services.bank_accounts_of(organization, client))
    form = MandateEditForm(
        request.POST or None,
        request.FILES or None,
        accounts=accounts,
        initial={"bank_account": str(mandate.bank_account_id or "")},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_mandate(
                organization,
                current_user(request),
                client.pk,
                mandate.pk,
                form.service_data(),
                signed_file=form.cleaned_data.get("signed_file"),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Mandat SEPA enregistré."))
            return redirect(_record_url(client.pk))
    context = {"form": form, "client": client, "mandate": mandate}
    return render(request, "banking/mandate_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def mandate_revoke(request: HttpRequest, client_id: int, mandate_id: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes the mandate, for good."""
    client = _client_for_change(request, client_id)
    mandate = _mandate_or_404(request, client, mandate_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    if request.method == "POST":
        try:
            services.revoke_mandate(
                current_organization(request),
                current_user(request),
                client.pk,
                mandate.pk,
                source=SOURCE,
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("Mandat SEPA révoqué."))
        return redirect(_record_url(client.pk))
    context = {
        "client": client,
        "title": _("Révoquer ce mandat ?"),
        "subject": mandate.summary(),
        "explanation": _(
            "La révocation est définitive : ce mandat ne pourra plus servir à prélever le "
            "client. Pour prélever à nouveau, il faudra faire signer un nouveau mandat."
        ),
        "action": reverse("banking:mandate_revoke", args=[client.pk, mandate.pk]),
        "button": _("Révoquer le mandat"),
    }
    return render(request, "banking/confirm.html", context)


# --- Cards ------------------------------------------------------------------------------
def _card_or_404(request: HttpRequest, client: Client, card_id: int) -> Card:
    with not_found_as_404():
        return services.get_card(current_organization(request), client.pk, card_id)


@require_http_methods(["GET", "POST"])
@member_required
def card_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_for_change(request, client_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    form = CardForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.create_card(
                current_organization(request),
                current_user(request),
                client.pk,
                form.service_data(),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Carte ajoutée."))
            return redirect(_record_url(client.pk))
    context = {"form": form, "client": client, "creating": True}
    return render(request, "banking/card_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def card_edit(request: HttpRequest, client_id: int, card_id: int) -> HttpResponse:
    client = _client_for_change(request, client_id)
    card = _card_or_404(request, client, card_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    form = CardForm(request.POST or None, initial=initial_from_card(card))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_card(
                current_organization(request),
                current_user(request),
                client.pk,
                card.pk,
                form.service_data(),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Carte enregistrée."))
            return redirect(_record_url(client.pk))
    context = {"form": form, "client": client, "card": card, "creating": False}
    return render(request, "banking/card_form.html", context, status=status)


@require_POST
@member_required
def card_set_primary(request: HttpRequest, client_id: int, card_id: int) -> HttpResponse:
    client = _client_for_change(request, client_id)
    card = _card_or_404(request, client, card_id)
    try:
        services.update_card(
            current_organization(request),
            current_user(request),
            client.pk,
            card.pk,
            {"primary": True},
            source=SOURCE,
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Carte principale définie."))
    return redirect(_record_url(client.pk))


@require_http_methods(["GET", "POST"])
@member_required
def card_delete(request: HttpRequest, client_id: int, card_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the card."""
    client = _client_for_change(request, client_id)
    card = _card_or_404(request, client, card_id)
    if (refused := _refused(request, client)) is not None:
        return refused
    if request.method == "POST":
        try:
            services.delete_card(
                current_organization(request),
                current_user(request),
                client.pk,
                card.pk,
                source=SOURCE,
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("Carte supprimée."))
        return redirect(_record_url(client.pk))
    context = {
        "client": client,
        "title": _("Supprimer cette carte ?"),
        "subject": card.summary(),
        "explanation": (
            _("C'est la carte principale : le client n'en aura plus.")
            if card.primary
            else _(
                "La suppression est définitive ; elle reste visible dans l'historique du client."
            )
        ),
        "action": reverse("banking:card_delete", args=[client.pk, card.pk]),
        "button": _("Supprimer la carte"),
    }
    return render(request, "banking/confirm.html", context)


# --- SEPA creditor identifier (settings) ------------------------------------------------
@require_http_methods(["GET", "POST"])
@member_required
def creditor_settings(request: HttpRequest) -> HttpResponse:
    """Every member sees the organization's ICS; its owners and admins change it."""
    organization = current_organization(request)
    if request.method == "POST":
        require_admin(request)
    settings = services.get_creditor_settings(organization)
    form = CreditorForm(
        request.POST or None, initial={"creditor_identifier": settings.creditor_identifier}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.set_creditor_identifier(
                organization, current_user(request), form.service_data(), source=SOURCE
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        else:
            messages.success(request, _("Identifiant créancier SEPA enregistré."))
            return redirect("banking:creditor_settings")
    context = {"form": form, "settings": settings, "can_manage": is_admin(request)}
    return render(request, "banking/creditor_settings.html", context, status=status)
