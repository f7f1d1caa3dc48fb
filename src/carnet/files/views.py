"""Web pages for client files: upload from the record page, download, rename, delete, and
the Documents page across all clients.

Views parse the request, check access, call ``services``, and turn the errors services
raise into messages on the page. They never write models themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carnet.accounts.access import (
    can_edit,
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
from .downloads import file_response
from .forms import DocumentFilterForm, FileEditForm
from .models import Category, ClientFile
from .uploads import read_upload

SOURCE = "web"
MAX_RESULTS = 200


def _record_url(client_id: int) -> str:
    return f"{reverse('clients:detail', args=[client_id])}#client-files"


def _file_or_404(request: HttpRequest, file_id: int) -> ClientFile:
    """The current organization's file; any other id is a 404."""
    with not_found_as_404():
        return services.get_file(current_organization(request), file_id)


def _back(request: HttpRequest, item: ClientFile) -> str:
    """Back to the Documents page when the action came from there, else the record."""
    if request.POST.get("back") == "documents" or request.GET.get("back") == "documents":
        return reverse("files:documents")
    return _record_url(item.client_id)


@require_POST
@member_required
def file_upload(request: HttpRequest, client_id: int) -> HttpResponse:
    require_editor(request)
    client = client_or_404(request, client_id)
    try:
        uploads, category = read_upload(request)
        created = services.upload_files(
            current_organization(request),
            current_user(request),
            client.pk,
            uploads,
            category,
            source=SOURCE,
        )
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, str(error.message))
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request,
            ngettext("%(count)d document ajouté.", "%(count)d documents ajoutés.", len(created))
            % {"count": len(created)},
        )
    return redirect(_record_url(client.pk))


@require_GET
@member_required
def file_download(request: HttpRequest, file_id: int) -> HttpResponse:
    item = _file_or_404(request, file_id)
    try:
        # A streaming response; ``member_required`` passes it through untouched.
        return file_response(item)  # type: ignore[return-value]
    except OSError:
        raise Http404(_("Le fichier stocké est introuvable.")) from None


@require_http_methods(["GET", "POST"])
@member_required
def file_edit(request: HttpRequest, file_id: int) -> HttpResponse:
    """Rename a file or change its category."""
    require_editor(request)
    item = _file_or_404(request, file_id)
    form = FileEditForm.for_file(item, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_file(
                current_organization(request),
                current_user(request),
                item.pk,
                {"name": form.cleaned_data["name"], "category": form.cleaned_data["category"]},
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_back(request, item))
        else:
            messages.success(request, _("Document enregistré."))
            return redirect(_back(request, item))
    context = {"form": form, "item": item, "client": item.client, "back": _back(request, item)}
    return render(request, "files/file_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def file_delete(request: HttpRequest, file_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the file."""
    require_editor(request)
    item = _file_or_404(request, file_id)
    if request.method == "POST":
        back = _back(request, item)
        try:
            services.delete_file(
                current_organization(request), current_user(request), item.pk, source=SOURCE
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("Document supprimé."))
        return redirect(back)
    context = {"item": item, "client": item.client, "back": _back(request, item)}
    return render(request, "files/file_confirm_delete.html", context)


@require_GET
@member_required
def documents(request: HttpRequest) -> HttpResponse:
    """Every client's files, searchable by name and filtered by client and category."""
    organization = current_organization(request)
    form = DocumentFilterForm(request.GET)
    filters = form.filters()
    found = list(services.search_files(organization, **filters)[: MAX_RESULTS + 1])
    clients = (
        Client.objects.filter(organization=organization, files__organization=organization)
        .distinct()
        .order_by("name")
        .values_list("pk", "name")[:500]
    )
    context: dict[str, Any] = {
        "files": found[:MAX_RESULTS],
        "truncated": len(found) > MAX_RESULTS,
        "max_results": MAX_RESULTS,
        "filters": filters,
        "clients": list(clients),
        "categories": Category.choices,
        "can_edit": can_edit(request),
    }
    return render(request, "files/documents.html", context)
