"""Settings pages for custom fields: the list, create, edit and delete.

Every member sees the list; only the organization's owners and admins change the
definitions (403 for the others, and the buttons are hidden). Views parse, check access
and call ``services``; they never write models themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from carnet.accounts.access import (
    current_organization,
    current_user,
    is_admin,
    member_required,
    not_found_as_404,
    require_admin,
)
from carnet.core.errors import Conflict, ValidationFailed

from . import queries, services
from .forms import CustomFieldForm
from .models import MAX_FIELDS_PER_ORGANIZATION, CustomField

SOURCE = "web"


def _field_or_404(request: HttpRequest, field_id: int) -> CustomField:
    """The current organization's custom field; any other id is a 404."""
    with not_found_as_404():
        return services.get_custom_field(current_organization(request), field_id)


@require_GET
@member_required
def custom_field_list(request: HttpRequest) -> HttpResponse:
    organization = current_organization(request)
    definitions = queries.definitions_for(organization)
    counts = queries.usage_counts(organization)
    for definition in definitions:
        definition.client_count = counts.get(definition.pk, 0)  # type: ignore[attr-defined]
    context = {
        "definitions": definitions,
        "can_manage": is_admin(request),
        "at_limit": len(definitions) >= MAX_FIELDS_PER_ORGANIZATION,
        "max_fields": MAX_FIELDS_PER_ORGANIZATION,
    }
    return render(request, "customfields/field_list.html", context)


@require_http_methods(["GET", "POST"])
@member_required
def custom_field_create(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    form = CustomFieldForm(request.POST or None, initial={"type": "text"})
    context: dict[str, Any] = {"form": form, "creating": True}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            field = services.create_custom_field(
                current_organization(request),
                current_user(request),
                form.service_data(),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except Conflict as exc:
            context["conflict"] = str(exc.detail)
            status = 409
        else:
            messages.success(request, _("Champ « %(name)s » créé.") % {"name": field.name})
            return redirect("customfields:list")
    return render(request, "customfields/field_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def custom_field_edit(request: HttpRequest, field_id: int) -> HttpResponse:
    require_admin(request)
    field = _field_or_404(request, field_id)
    form = CustomFieldForm(request.POST or None, field=field)
    context: dict[str, Any] = {
        "form": form,
        "creating": False,
        "field": field,
        "client_count": services.usage_count(current_organization(request), field),
    }
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            field = services.update_custom_field(
                current_organization(request),
                current_user(request),
                field.pk,
                form.service_data(),
                source=SOURCE,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except Conflict as exc:
            context["conflict"] = str(exc.detail)
            status = 409
        else:
            messages.success(request, _("Champ « %(name)s » enregistré.") % {"name": field.name})
            return redirect("customfields:list")
    return render(request, "customfields/field_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def custom_field_delete(request: HttpRequest, field_id: int) -> HttpResponse:
    """GET asks for confirmation, saying how many clients lose their value; POST deletes."""
    require_admin(request)
    field = _field_or_404(request, field_id)
    organization = current_organization(request)
    if request.method == "POST":
        count = services.delete_custom_field(
            organization, current_user(request), field.pk, source=SOURCE
        )
        messages.success(
            request,
            ngettext(
                "Champ « %(name)s » supprimé ; %(count)d client a perdu sa valeur.",
                "Champ « %(name)s » supprimé ; %(count)d clients ont perdu leur valeur.",
                count,
            )
            % {"name": field.name, "count": count},
        )
        return redirect("customfields:list")
    context = {"field": field, "client_count": services.usage_count(organization, field)}
    return render(request, "customfields/field_confirm_delete.html", context)
