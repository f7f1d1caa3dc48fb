"""Web pages: the duplicates to review, merging clients, undoing a merge.

Views parse the request, check access, call ``services`` and ``merging``, and turn the
errors they raise into messages on the page. They never write models themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
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
    require_editor,
)
from carnet.accounts.models import Membership
from carnet.clients.forms import FIELD_LABELS
from carnet.clients.views import MERGED_KEY, history_value
from carnet.core.errors import DomainError, NotFound, ValidationFailed
from carnet.core.ids import parse_id
from carnet.customfields.queries import definitions_for
from carnet.jobs import services as jobs

from . import merging, services

SOURCE = "web"


def _show_errors(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for error in exc.errors:
            messages.error(request, str(error.message))
    else:
        messages.error(request, str(exc.detail))


@require_GET
@member_required
def review(request: HttpRequest) -> HttpResponse:
    """The groups of likely duplicates, most certain first."""
    organization = current_organization(request)
    groups = services.review_groups(organization)
    for item in groups:
        item["reasons"] = [
            {
                "first": pair["first"],
                "second": pair["second"],
                "score": pair["score"],
                "labels": [services.reason_label(r["code"]) for r in pair["reasons"]],
            }
            for pair in item["pairs"]
        ]
        item["merge_query"] = "&".join(f"ids={c.pk}" for c in item["members"])
    return render(
        request,
        "duplicates/review.html",
        {
            "groups": groups,
            "scanned_at": services.last_scan(organization),
            "can_edit": can_edit(request),
        },
    )


@require_POST
@member_required
def scan(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    job = jobs.create_job(organization, current_user(request), "duplicates_scan", {})
    jobs.start_job(job)
    job.refresh_from_db()
    if job.finished:
        counts = job.result or {}
        groups = counts.get("groups", 0)
        messages.success(
            request,
            ngettext(
                "Analyse terminée : %(groups)s groupe de doublons possibles.",
                "Analyse terminée : %(groups)s groupes de doublons possibles.",
                groups,
            )
            % {"groups": groups},
        )
    else:
        messages.info(request, _("Analyse lancée : rechargez la page dans quelques instants."))
    return redirect("duplicates:review")


@require_POST
@member_required
def dismiss(request: HttpRequest, group_id: int) -> HttpResponse:
    require_editor(request)
    try:
        services.dismiss_group(current_organization(request), current_user(request), group_id)
    except NotFound:
        messages.error(request, _("Ce groupe n'existe plus : relancez l'analyse."))
    else:
        messages.success(request, _("C'est noté : ces clients ne seront plus proposés ensemble."))
    return redirect("duplicates:review")


def _display(value: Any, field: str = "", owners: dict[int, str] | None = None) -> str:
    if value in (None, "", [], {}):
        return "—"
    if value is True:
        return _("oui")
    if value is False:
        return _("non")
    if field in ("owner", "pays_into", "payment_method", "kind", "civility", "country"):
        return history_value(field, value, owners)  # names, not ids and codes
    return str(value)


@require_http_methods(["GET", "POST"])
@member_required
def merge(request: HttpRequest) -> HttpResponse:
    """Choose the survivor and the values, see the result, merge."""
    require_editor(request)
    organization = current_organization(request)
    data = request.POST if request.method == "POST" else request.GET
    ids = [pk for pk in (parse_id(v) for v in data.getlist("ids")) if pk is not None]
    ids = list(dict.fromkeys(ids))
    if len(ids) < 2:
        messages.error(request, _("Choisissez au moins deux clients à fusionner."))
        return redirect("clients:list")
    survivor = parse_id(data.get("survivor")) or ids[0]
    others = [pk for pk in ids if pk != survivor]
    choices = {
        key.removeprefix("value_"): value
        for key, value in data.items()
        if key.startswith("value_") and value
    }
    try:
        if request.method == "POST" and data.get("confirm"):
            version = data.get("version", "")
            done = merging.merge_clients(
                organization,
                current_user(request),
                survivor,
                others,
                choices or None,
                expected_version=int(version) if version.isdigit() else None,
                source=SOURCE,
            )
            messages.success(request, _("Clients fusionnés."))
            request.session[MERGED_KEY] = done.pk
            return redirect(reverse("clients:detail", args=[done.survivor_id]))
        preview = merging.preview_merge(organization, survivor, others, choices or None)
    except NotFound:
        messages.error(request, _("Un des clients est introuvable."))
        return redirect("clients:list")
    except DomainError as exc:
        _show_errors(request, exc)
        if isinstance(exc, ValidationFailed) and request.method == "POST":
            preview = merging.preview_merge(organization, survivor, others)
        else:
            return redirect("duplicates:review")
    members = [preview.survivor, *preview.others]
    custom_names = {f"custom_fields.{f.slug}": f.name for f in definitions_for(organization)}
    owners = {
        m.user_id: m.user.display_name
        for m in Membership.objects.filter(organization=organization).select_related("user")
    }
    rows = []
    for choice in preview.fields:
        label = FIELD_LABELS.get(choice.field) or custom_names.get(choice.field, choice.field)
        cells = [
            {
                "client": pk,
                "value": _display(value, choice.field, owners),
                "chosen": pk == choice.chosen,
            }
            for pk, value in choice.values
        ]
        if choice.conflict or any(c["value"] != "—" for c in cells):
            rows.append(
                {"field": choice.field, "label": label, "cells": cells, "conflict": choice.conflict}
            )
    return render(
        request,
        "duplicates/merge.html",
        {
            "members": members,
            "survivor": preview.survivor,
            "rows": rows,
            "tags": preview.tags,
            "moves": preview.moves,
            "ids": [c.pk for c in members],
        },
    )


@require_POST
@member_required
def undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    require_editor(request)
    try:
        done = merging.undo_merge(
            current_organization(request), current_user(request), merge_id, source=SOURCE
        )
    except NotFound:
        messages.error(request, _("Fusion introuvable."))
        return redirect("clients:list")
    except DomainError as exc:
        _show_errors(request, exc)
        return redirect("clients:list")
    messages.success(request, _("Fusion annulée : les clients sont revenus tels qu'avant."))
    return redirect(reverse("clients:detail", args=[done.survivor_id]))
