"""Web pages for a client's addresses: add, edit, make default, delete.

Views parse the request, check access, call ``services``, and turn the errors services
raise into messages on the page. They never write models themselves. The addresses are
shown on the client record page (``clients.views.client_detail``); every action returns
there.
"""

from __future__ import annotations

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
    member_required,
    not_found_as_404,
    require_editor,
)
from carnet.clients.models import Client
from carnet.clients.views import client_or_404
from carnet.core.errors import DomainError, ValidationFailed

from . import services
from .forms import AddressForm, initial_from_address
from .models import Address

SOURCE = "web"


def _record_url(client_id: int) -> str:
    return f"{reverse('clients:detail', args=[client_id])}#client-addresses"


def _address_or_404(request: HttpRequest, client_id: int, address_id: int) -> Address:
    """The address of the current organization's client; any other id is a 404."""
    with not_found_as_404():
        return services.get_address(current_organization(request), client_id, address_id)


def _refuse_if_deleted(request: HttpRequest, client: Client) -> HttpResponse | None:
    """A client in the trash keeps its addresses unchanged: back to the record."""
    if not client.is_deleted:
        return None
    messages.error(
        request, _("Ce client est dans la corbeille : restaurez-le pour modifier ses adresses.")
    )
    return redirect(_record_url(client.pk))


@require_http_methods(["GET", "POST"])
@member_required
def address_create(request: HttpRequest, client_id: int) -> HttpResponse:
    require_editor(request)
    client = client_or_404(request, client_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    form = AddressForm(request.POST or None, initial={"country": client.country or "FR"})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.create_address(
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
            messages.success(request, _("Adresse ajoutée."))
            return redirect(_record_url(client.pk))
    context: dict[str, Any] = {"form": form, "client": client, "creating": True}
    return render(request, "addresses/address_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def address_edit(request: HttpRequest, client_id: int, address_id: int) -> HttpResponse:
    require_editor(request)
    client = client_or_404(request, client_id)
    address = _address_or_404(request, client.pk, address_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    form = AddressForm(request.POST or None, initial=initial_from_address(address))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_address(
                current_organization(request),
                current_user(request),
                client.pk,
                address.pk,
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
            messages.success(request, _("Adresse enregistrée."))
            return redirect(_record_url(client.pk))
    context: dict[str, Any] = {
        "form": form,
        "client": client,
        "address": address,
        "creating": False,
    }
    return render(request, "addresses/address_form.html", context, status=status)


def _set_flag(request: HttpRequest, client_id: int, address_id: int, flag: str) -> HttpResponse:
    """Make the address the client's default billing or delivery address."""
    require_editor(request)
    client = client_or_404(request, client_id)
    address = _address_or_404(request, client.pk, address_id)
    try:
        services.update_address(
            current_organization(request),
            current_user(request),
            client.pk,
            address.pk,
            {flag: True},
            source=SOURCE,
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        if flag == "is_billing":
            messages.success(request, _("Adresse de facturation par défaut définie."))
        else:
            messages.success(request, _("Adresse de livraison par défaut définie."))
    return redirect(_record_url(client.pk))


@require_POST
@member_required
def address_set_billing(request: HttpRequest, client_id: int, address_id: int) -> HttpResponse:
    return _set_flag(request, client_id, address_id, "is_billing")


@require_POST
@member_required
def address_set_delivery(request: HttpRequest, client_id: int, address_id: int) -> HttpResponse:
    return _set_flag(request, client_id, address_id, "is_delivery")


@require_http_methods(["GET", "POST"])
@member_required
def address_delete(request: HttpRequest, client_id: int, address_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the address."""
    require_editor(request)
    client = client_or_404(request, client_id)
    address = _address_or_404(request, client.pk, address_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    if request.method == "POST":
        try:
            services.delete_address(
                current_organization(request),
                current_user(request),
                client.pk,
                address.pk,
                source=SOURCE,
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("Adresse supprimée."))
        return redirect(_record_url(client.pk))
    context = {"client": client, "address": address}
    return render(request, "addresses/address_confirm_delete.html", context)
