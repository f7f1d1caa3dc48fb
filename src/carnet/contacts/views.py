"""Web pages for a client's contacts: add or link, edit, give a role, unlink.

Views parse the request, check access, call ``services``, and turn the errors services
raise into messages on the page. They never write models themselves. The contacts are
shown on the client record page (``clients.views.client_detail``); every action returns
there.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
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
from carnet.clients.views import client_or_404, picked_client
from carnet.core.errors import DomainError, NotFound, ValidationFailed
from carnet.core.ids import parse_id

from . import queries, services
from .forms import ClientContactForm, ContactForm, initial_from_contact
from .models import ROLE_FIELDS, ClientContact

MAX_SUGGESTIONS = 20


def _record_url(client_id: int) -> str:
    return f"{reverse('clients:detail', args=[client_id])}#client-contacts"


def _link_or_404(request: HttpRequest, client_id: int, contact_id: int) -> ClientContact:
    """The contact linked to the current organization's client; any other id is a 404."""
    with not_found_as_404():
        return services.get_link(current_organization(request), client_id, contact_id)


def _refuse_if_deleted(request: HttpRequest, client: Client) -> HttpResponse | None:
    """A client in the trash keeps its contacts unchanged: back to the record."""
    if not client.is_deleted:
        return None
    messages.error(
        request, _("Ce client est dans la corbeille : restaurez-le pour modifier ses contacts.")
    )
    return redirect(_record_url(client.pk))


@require_http_methods(["GET", "POST"])
@member_required
def contact_create(request: HttpRequest, client_id: int) -> HttpResponse:
    """A new contact for the client; the page also finds existing contacts to link."""
    require_editor(request)
    client = client_or_404(request, client_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    form = ClientContactForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.create_contact_for_client(
                current_organization(request),
                current_user(request),
                client.pk,
                form.service_data(),
                roles=form.cleaned_data["roles"],
                favorite=form.cleaned_data["favorite"],
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Contact ajouté."))
            return redirect(_record_url(client.pk))
    q = request.GET.get("q", "").strip()
    suggestions: list[Any] = []
    if q:
        linked = ClientContact.objects.filter(
            organization=current_organization(request), client=client
        ).values("contact_id")
        suggestions = list(
            queries.search_contacts(current_organization(request), q).exclude(pk__in=linked)[
                :MAX_SUGGESTIONS
            ]
        )
    context: dict[str, Any] = {"form": form, "client": client, "q": q, "suggestions": suggestions}
    return render(request, "contacts/contact_form.html", context, status=status)


@require_POST
@member_required
def contact_link(request: HttpRequest, client_id: int) -> HttpResponse:
    """Link an existing contact (``contact_id``) to the client."""
    require_editor(request)
    client = client_or_404(request, client_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    contact_id = parse_id(request.POST.get("contact_id"))
    try:
        services.link_contact(
            current_organization(request), current_user(request), client.pk, contact_id
        )
    except NotFound as exc:
        raise Http404(str(exc.detail)) from None
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Contact lié au client."))
    return redirect(_record_url(client.pk))


@require_http_methods(["GET", "POST"])
@member_required
def contact_edit(request: HttpRequest, client_id: int, contact_id: int) -> HttpResponse:
    require_editor(request)
    client = client_or_404(request, client_id)
    link = _link_or_404(request, client.pk, contact_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    form = ContactForm(request.POST or None, initial=initial_from_contact(link.contact))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(
                current_organization(request),
                current_user(request),
                link.contact_id,
                form.service_data(),
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_record_url(client.pk))
        else:
            messages.success(request, _("Contact enregistré."))
            return redirect(_record_url(client.pk))
    other_clients = list(
        Client.objects.filter(
            organization=current_organization(request), contact_links__contact_id=link.contact_id
        )
        .exclude(pk=client.pk)
        .order_by("sort_name", "id")
        .only("id", "name", "reference", "archived")
    )
    context: dict[str, Any] = {
        "form": form,
        "client": client,
        "link": link,
        "other_clients": other_clients,
    }
    return render(request, "contacts/contact_edit.html", context, status=status)


@require_POST
@member_required
def contact_link_other(request: HttpRequest, client_id: int, contact_id: int) -> HttpResponse:
    """Link the contact to one more client, chosen with the client picker."""
    require_editor(request)
    client = client_or_404(request, client_id)
    link = _link_or_404(request, client.pk, contact_id)
    back = reverse("contacts:edit", args=[client.pk, link.contact_id])
    target = picked_client(request, "client")
    if target is None:
        messages.error(request, _("Choisissez le client dans la liste proposée."))
        return redirect(back)
    try:
        other = services.link_contact(
            current_organization(request), current_user(request), target, link.contact_id
        )
    except NotFound:
        messages.error(request, _("Choisissez le client dans la liste proposée."))
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request,
            _("« %(contact)s » est aussi le contact de « %(client)s ».")
            % {"contact": link.contact.display_name(), "client": other.client.name},
        )
    return redirect(back)


@require_POST
@member_required
def contact_set_role(
    request: HttpRequest, client_id: int, contact_id: int, role: str
) -> HttpResponse:
    """Give the contact one more role for the client (taken from its holder)."""
    require_editor(request)
    if role not in ROLE_FIELDS:
        raise Http404(_("Rôle inconnu."))
    client = client_or_404(request, client_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    link = _link_or_404(request, client.pk, contact_id)
    try:
        services.update_link(
            current_organization(request),
            current_user(request),
            client.pk,
            link.contact_id,
            roles=[*link.roles, role],
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Rôle attribué."))
    return redirect(_record_url(client.pk))


@require_POST
@member_required
def contact_toggle_favorite(request: HttpRequest, client_id: int, contact_id: int) -> HttpResponse:
    require_editor(request)
    client = client_or_404(request, client_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    link = _link_or_404(request, client.pk, contact_id)
    try:
        services.update_link(
            current_organization(request),
            current_user(request),
            client.pk,
            link.contact_id,
            favorite=not link.favorite,
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Contact enregistré."))
    return redirect(_record_url(client.pk))


@require_http_methods(["GET", "POST"])
@member_required
def contact_unlink(request: HttpRequest, client_id: int, contact_id: int) -> HttpResponse:
    """GET asks for confirmation; POST removes the contact from the client."""
    require_editor(request)
    client = client_or_404(request, client_id)
    link = _link_or_404(request, client.pk, contact_id)
    if (refused := _refuse_if_deleted(request, client)) is not None:
        return refused
    if request.method == "POST":
        try:
            services.unlink_contact(
                current_organization(request), current_user(request), client.pk, link.contact_id
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("Contact retiré du client."))
        return redirect(_record_url(client.pk))
    context = {"client": client, "link": link}
    return render(request, "contacts/contact_confirm_unlink.html", context)
