"""The "Paiement" settings page: the defaults of the clients' payment preferences, the price
categories and carriers, and the organization's own bank accounts.

Views parse the request, check access, call ``services``, and turn the errors services
raise into messages. They never write models themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from carnet.accounts.access import (
    can_edit,
    current_organization,
    current_user,
    is_admin,
    member_required,
    require_admin,
    require_editor,
)
from carnet.core import identifiers
from carnet.core.errors import DomainError, NotFound, ValidationFailed

from . import services
from .models import (
    USUAL_TERMS,
    VAT_RATES,
    Carrier,
    OrganizationBankAccount,
    PaymentMethod,
    PriceCategory,
)


def _show_errors(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for error in exc.errors:
            messages.error(request, str(error.message))
    else:
        messages.error(request, str(exc.detail))


@require_GET
@member_required
def settings_page(request: HttpRequest) -> HttpResponse:
    organization = current_organization(request)
    accounts = [
        {
            "account": account,
            "iban": identifiers.format_iban(account.iban),
            "masked": identifiers.mask_iban(account.iban),
        }
        for account in OrganizationBankAccount.objects.filter(organization=organization)
    ]
    return render(
        request,
        "payments/settings.html",
        {
            "defaults": services.settings_for(organization),
            "methods": PaymentMethod.choices,
            "usual_terms": USUAL_TERMS,
            "vat_rates": VAT_RATES,
            "price_categories": PriceCategory.objects.filter(organization=organization),
            "carriers": Carrier.objects.filter(organization=organization),
            "accounts": accounts,
            "can_edit": can_edit(request),
            "is_admin": is_admin(request),
        },
    )


@require_POST
@member_required
def update_defaults(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    data = {
        "terms_days": request.POST.get("terms_days", ""),
        "terms_end_of_month": bool(request.POST.get("terms_end_of_month")),
        "method": request.POST.get("method", ""),
        "currency": request.POST.get("currency", ""),
        "vat_rate": request.POST.get("vat_rate", ""),
    }
    try:
        services.update_settings(current_organization(request), current_user(request), data)
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Paramètres de paiement enregistrés."))
    return redirect("payments:settings")


@require_POST
@member_required
def create_item(request: HttpRequest, kind: str) -> HttpResponse:
    require_editor(request)
    try:
        services.create_item(current_organization(request), kind, request.POST.get("name"))
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Ajouté à la liste."))
    return redirect("payments:settings")


@require_POST
@member_required
def rename_item(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    require_editor(request)
    try:
        services.rename_item(current_organization(request), kind, item_id, request.POST.get("name"))
    except NotFound:
        messages.error(request, _("Cet élément n'existe plus."))
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Renommé."))
    return redirect("payments:settings")


@require_POST
@member_required
def delete_item(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    require_editor(request)
    try:
        count = services.delete_item(current_organization(request), kind, item_id)
    except NotFound:
        messages.error(request, _("Cet élément n'existe plus."))
    else:
        messages.success(
            request,
            ngettext(
                "Supprimé : %(count)s client n'a plus de valeur.",
                "Supprimé : %(count)s clients n'ont plus de valeur.",
                count,
            )
            % {"count": count},
        )
    return redirect("payments:settings")


@require_POST
@member_required
def save_account(request: HttpRequest, account_id: int | None = None) -> HttpResponse:
    require_admin(request)
    data: dict[str, Any] = {
        field: request.POST.get(field, "") for field in ("label", "iban", "bic", "bank_name")
    }
    data["is_default"] = bool(request.POST.get("is_default"))
    try:
        services.save_bank_account(
            current_organization(request), current_user(request), data, account_id
        )
    except NotFound:
        messages.error(request, _("Ce compte n'existe plus."))
    except DomainError as exc:
        _show_errors(request, exc)
    else:
        messages.success(request, _("Compte bancaire enregistré."))
    return redirect("payments:settings")


@require_POST
@member_required
def delete_account(request: HttpRequest, account_id: int) -> HttpResponse:
    require_admin(request)
    try:
        services.delete_bank_account(current_organization(request), account_id)
    except NotFound:
        messages.error(request, _("Ce compte n'existe plus."))
    else:
        messages.success(request, _("Compte bancaire supprimé."))
    return redirect("payments:settings")
