"""Settings pages for what organizes clients: the tag list and the categories in their
groups (create, rename, merge, delete with the number of clients affected).

Views parse the form, check access, call ``services`` and report; the services write
and record every change. Members who may edit manage the lists; read-only members see them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
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
from carnet.core.errors import DomainError, ValidationFailed
from carnet.core.text import fold

from . import services
from .models import Category, CategoryGroup, Tag

SOURCE = "web"


def _report(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        messages.error(request, " ".join(str(e.message) for e in exc.errors))
    else:
        messages.error(request, str(exc.detail))


def _clients_url(**params: str) -> str:
    return f"{reverse('clients:list')}?{urlencode(params)}"


def _affected(count: int) -> str:
    return ngettext("%(count)d client concerné.", "%(count)d clients concernés.", count) % {
        "count": count
    }


# --- Tags -------------------------------------------------------------------------------
@require_GET
@member_required
def tag_list(request: HttpRequest) -> HttpResponse:
    tags = list(
        Tag.objects.filter(organization=current_organization(request)).annotate(
            client_count=Count("clienttag")
        )
    )
    tags.sort(key=lambda t: fold(t.name))
    for tag in tags:
        tag.list_url = _clients_url(tag=tag.name)  # type: ignore[attr-defined]
    return render(
        request, "clients/settings/tag_list.html", {"tags": tags, "can_edit": can_edit(request)}
    )


@require_POST
@member_required
def tag_create(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    try:
        tag = services.create_tag(
            current_organization(request),
            current_user(request),
            request.POST.get("name", ""),
            source=SOURCE,
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Étiquette « %(name)s » créée.") % {"name": tag.name})
    return redirect("organizing:tags")


@require_POST
@member_required
def tag_rename(request: HttpRequest, tag_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        tag = services.get_tag(organization, tag_id)
    old_name = tag.name
    try:
        tag = services.rename_tag(
            organization, current_user(request), tag.pk, request.POST.get("name", ""), source=SOURCE
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        if tag.name != old_name:
            messages.success(
                request,
                _("« %(old)s » s'appelle désormais « %(new)s ».")
                % {"old": old_name, "new": tag.name},
            )
    return redirect("organizing:tags")


@require_POST
@member_required
def tag_merge(request: HttpRequest, tag_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        tag = services.get_tag(organization, tag_id)
    try:
        into = services.get_tag(organization, request.POST.get("into", ""))
        count = services.merge_tags(
            organization, current_user(request), tag.pk, into.pk, source=SOURCE
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("« %(old)s » est fusionnée dans « %(new)s ».") % {"old": tag.name, "new": into.name}
            + " "
            + _affected(count),
        )
    return redirect("organizing:tags")


@require_http_methods(["GET", "POST"])
@member_required
def tag_delete(request: HttpRequest, tag_id: int) -> HttpResponse:
    """GET says how many clients will lose the tag; POST deletes it."""
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        tag = services.get_tag(organization, tag_id)
    if request.method == "POST":
        count = services.delete_tag(organization, current_user(request), tag.pk, source=SOURCE)
        messages.success(
            request,
            _("Étiquette « %(name)s » supprimée.") % {"name": tag.name} + " " + _affected(count),
        )
        return redirect("organizing:tags")
    return render(
        request,
        "clients/settings/label_confirm_delete.html",
        {
            "what": _("l'étiquette « %(name)s »") % {"name": tag.name},
            "count": tag.clienttag_set.count(),
            "consequence": _("Elle sera retirée de ces clients ; leur historique le notera."),
            "action": reverse("organizing:tag_delete", args=[tag.pk]),
            "back": reverse("organizing:tags"),
        },
    )


# --- Categories and groups --------------------------------------------------------------
@require_GET
@member_required
def category_list(request: HttpRequest) -> HttpResponse:
    organization = current_organization(request)
    categories = list(
        Category.objects.filter(organization=organization)
        .select_related("group")
        .annotate(client_count=Count("clients"))
    )
    groups = sorted(
        CategoryGroup.objects.filter(organization=organization), key=lambda g: fold(g.name)
    )
    sections: list[dict[str, Any]] = []
    for group in [*groups, None]:
        members = sorted(
            (c for c in categories if c.group_id == (group.pk if group else None)),
            key=lambda c: fold(c.name),
        )
        for category in members:
            category.list_url = _clients_url(category=category.name)  # type: ignore[attr-defined]
        if group is not None or members:
            sections.append({"group": group, "categories": members})
    return render(
        request,
        "clients/settings/category_list.html",
        {
            "sections": sections,
            "groups": groups,
            "all_categories": sorted(categories, key=lambda c: fold(c.name)),
            "can_edit": can_edit(request),
        },
    )


@require_POST
@member_required
def category_create(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    try:
        category = services.create_category(
            current_organization(request),
            current_user(request),
            request.POST.get("name", ""),
            group=request.POST.get("group") or None,
            source=SOURCE,
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Catégorie « %(name)s » créée.") % {"name": category.name})
    return redirect("organizing:categories")


@require_POST
@member_required
def category_update(request: HttpRequest, category_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        category = services.get_category(organization, category_id)
    try:
        services.update_category(
            organization,
            current_user(request),
            category.pk,
            {"name": request.POST.get("name", ""), "group": request.POST.get("group") or None},
            source=SOURCE,
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Catégorie enregistrée."))
    return redirect("organizing:categories")


@require_POST
@member_required
def category_merge(request: HttpRequest, category_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        category = services.get_category(organization, category_id)
    try:
        into = services.get_category(organization, request.POST.get("into", ""))
        count = services.merge_categories(
            organization, current_user(request), category.pk, into.pk, source=SOURCE
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            _("« %(old)s » est fusionnée dans « %(new)s ».")
            % {"old": category.name, "new": into.name}
            + " "
            + _affected(count),
        )
    return redirect("organizing:categories")


@require_http_methods(["GET", "POST"])
@member_required
def category_delete(request: HttpRequest, category_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        category = services.get_category(organization, category_id)
    if request.method == "POST":
        count = services.delete_category(
            organization, current_user(request), category.pk, source=SOURCE
        )
        messages.success(
            request,
            _("Catégorie « %(name)s » supprimée.") % {"name": category.name}
            + " "
            + _affected(count),
        )
        return redirect("organizing:categories")
    return render(
        request,
        "clients/settings/label_confirm_delete.html",
        {
            "what": _("la catégorie « %(name)s »") % {"name": category.name},
            "count": category.clients.count(),
            "consequence": _("Ces clients n'auront plus de catégorie ; leur historique le notera."),
            "action": reverse("organizing:category_delete", args=[category.pk]),
            "back": reverse("organizing:categories"),
        },
    )


@require_POST
@member_required
def group_create(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    try:
        group = services.create_category_group(
            current_organization(request),
            current_user(request),
            request.POST.get("name", ""),
            source=SOURCE,
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Groupe « %(name)s » créé.") % {"name": group.name})
    return redirect("organizing:categories")


@require_POST
@member_required
def group_rename(request: HttpRequest, group_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        group = services.get_category_group(organization, group_id)
    try:
        services.rename_category_group(
            organization,
            current_user(request),
            group.pk,
            request.POST.get("name", ""),
            source=SOURCE,
        )
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Groupe enregistré."))
    return redirect("organizing:categories")


@require_POST
@member_required
def group_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    """Delete a group: its categories stay, outside any group (nothing is lost)."""
    require_editor(request)
    organization = current_organization(request)
    with not_found_as_404():
        group = services.get_category_group(organization, group_id)
    count = services.delete_category_group(
        organization, current_user(request), group.pk, source=SOURCE
    )
    messages.success(
        request,
        ngettext(
            "Groupe « %(name)s » supprimé ; sa catégorie reste, sans groupe.",
            "Groupe « %(name)s » supprimé ; ses %(count)d catégories restent, sans groupe.",
            count,
        )
        % {"name": group.name, "count": count},
    )
    return redirect("organizing:categories")
