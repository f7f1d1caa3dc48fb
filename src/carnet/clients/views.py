"""Web pages for clients: the list, the record page, the form, and the lifecycle actions.

Views parse the request, check access, call ``queries`` or ``services``, and turn the
errors services raise into messages on the page. They never write models themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carnet.accounts.access import (
    can_edit,
    current_organization,
    current_user,
    is_admin,
    member_required,
    not_found_as_404,
    require_editor,
)
from carnet.accounts.models import Membership, Organization
from carnet.addresses import services as address_services
from carnet.addresses.models import Address
from carnet.banking import history as banking_history
from carnet.banking.models import MandateStatus
from carnet.contacts import services as contact_services
from carnet.core.errors import Conflict, DomainError, NotFound, StaleVersion, ValidationFailed
from carnet.core.history import history_for
from carnet.core.identifiers import display_phone
from carnet.core.ids import parse_id
from carnet.core.models import ChangeRecord
from carnet.core.text import fold
from carnet.customfields.history import slug_of
from carnet.customfields.models import CustomField, FieldType
from carnet.customfields.queries import definitions_for
from carnet.customfields.validation import display_value
from carnet.files import services as file_services
from carnet.files.models import Category as FileCategory
from carnet.payments import services as payments
from carnet.payments.models import OrganizationBankAccount, PaymentMethod

from . import queries, services
from .forms import FIELD_LABELS, ClientForm, country_choices, country_name, initial_from_client
from .models import Category, Civility, Client, Kind, SavedView, Tag, VatRegime

SOURCE = "web"
BULK_RESULT_KEY = "clients_bulk_result"
# Shown once on the record page after a creation or a merge.
LIKELY_DUPLICATES_KEY = "clients_likely_duplicates"
MERGED_KEY = "clients_undoable_merge"
MAX_BULK = 500
HISTORY_LIMIT = 500

SORT_LABELS: dict[str, Promise] = {
    "name": gettext_lazy("Nom (A → Z)"),
    "-name": gettext_lazy("Nom (Z → A)"),
    "-created_at": gettext_lazy("Plus récents d'abord"),
    "created_at": gettext_lazy("Plus anciens d'abord"),
    "-revenue": gettext_lazy("Chiffre d'affaires décroissant"),
    "revenue": gettext_lazy("Chiffre d'affaires croissant"),
}

ACTION_LABELS: dict[str, Promise] = {
    "create": gettext_lazy("Création"),
    "update": gettext_lazy("Modification"),
    "archive": gettext_lazy("Archivage"),
    "unarchive": gettext_lazy("Désarchivage"),
    "delete": gettext_lazy("Mise à la corbeille"),
    "restore": gettext_lazy("Restauration"),
    "purge": gettext_lazy("Suppression définitive"),
    "address_add": gettext_lazy("Ajout d'une adresse"),
    "address_change": gettext_lazy("Modification d'une adresse"),
    "address_delete": gettext_lazy("Suppression d'une adresse"),
    "contact_add": gettext_lazy("Ajout d'un contact"),
    "contact_change": gettext_lazy("Modification d'un contact"),
    "contact_remove": gettext_lazy("Retrait d'un contact"),
    "contact_role": gettext_lazy("Rôles d'un contact"),
    "file_add": gettext_lazy("Ajout d'un document"),
    "file_rename": gettext_lazy("Renommage d'un document"),
    "file_change": gettext_lazy("Modification d'un document"),
    "file_delete": gettext_lazy("Suppression d'un document"),
    **banking_history.ACTION_LABELS,
}
# The history's field labels: the form's, and those of the means of payment.
HISTORY_FIELD_LABELS: dict[str, Any] = {
    **FIELD_LABELS,
    **banking_history.FIELD_LABELS,
    "bank.iban": gettext_lazy("IBAN du compte principal"),  # as imports write them
    "bank.bic": gettext_lazy("BIC du compte principal"),
}

SOURCE_LABELS: dict[str, Promise] = {
    "api": gettext_lazy("API"),
    "import": gettext_lazy("import"),
    "cli": gettext_lazy("ligne de commande"),
}


# --- Helpers ----------------------------------------------------------------------------


def client_or_404(request: HttpRequest, client_id: int) -> Client:
    """The current organization's client, trash included; another organization's id is a 404.

    Shared by the pages of the record's sections (contacts, addresses, files)."""
    with not_found_as_404():
        return services.get_client(current_organization(request), client_id)


def _safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` URL posted with the form when it points inside this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _detail_url(client: Client | int) -> str:
    pk = client if isinstance(client, int) else client.pk
    return reverse("clients:detail", args=[pk])


# --- List -------------------------------------------------------------------------------
def _list_spec(
    organization: Organization, params: QueryDict
) -> tuple[queries.ClientFilter, list[str]]:
    """The list's filter from the query string. Bad parameters are dropped (and reported)
    rather than refused: a stale bookmark still shows a list."""
    raw: dict[str, Any] = {
        key: params.getlist(key) if key == "tag" else params.get(key)
        for key in params
        if key in queries.LIST_PARAMS or key.startswith(queries.CUSTOM_PREFIX)
    }
    problems: list[str] = []
    for _attempt in range(5):
        try:
            spec = queries.ClientFilter.from_params(
                raw, organization=organization, default_limit=settings.CARNET_PAGE_SIZE
            )
            break
        except ValidationFailed as exc:
            problems.extend(str(e.message) for e in exc.errors)
            for error in exc.errors:
                raw.pop(error.field, None)
                if error.field == "cf":  # too many custom-field filters: drop them all
                    raw = {k: v for k, v in raw.items() if not k.startswith(queries.CUSTOM_PREFIX)}
    else:  # pragma: no cover - each attempt removes at least one parameter
        spec = queries.ClientFilter(limit=settings.CARNET_PAGE_SIZE)
    if spec.trash:
        spec.archived = "all"  # the trash shows every deleted client, archived or not
    return spec, problems


def _list_query(spec: queries.ClientFilter, **overrides: Any) -> str:
    values = spec.params()
    if spec.trash:
        values.pop("archived", None)
    values.update(overrides)
    return urlencode({k: v for k, v in values.items() if v not in ("", None, [])}, doseq=True)


def _list_url(spec: queries.ClientFilter, **overrides: Any) -> str:
    """The list URL for ``spec`` with some parameters replaced; defaults are left out."""
    query = _list_query(spec, **overrides)
    base = reverse("clients:list")
    return f"{base}?{query}" if query else base


@dataclass
class SortHeader:
    label: Promise
    url: str
    state: str  # "ascending", "descending" or ""


def _sort_header(spec: queries.ClientFilter, key: str, label: Promise) -> SortHeader:
    if spec.sort == key:
        return SortHeader(label, _list_url(spec, sort=f"-{key}"), "ascending")
    if spec.sort == f"-{key}":
        return SortHeader(label, _list_url(spec, sort=key), "descending")
    return SortHeader(label, _list_url(spec, sort=key), "")


@dataclass
class CategoryChoices:
    """The organization's categories for a select, in their groups."""

    group: str
    names: list[str]


def _category_choices(organization: Organization) -> list[CategoryChoices]:
    grouped: dict[str, list[str]] = {}
    for name, group in Category.objects.filter(organization=organization).values_list(
        "name", "group__name"
    ):
        grouped.setdefault(group or "", []).append(name)
    return [
        CategoryChoices(group, sorted(names, key=fold))
        for group, names in sorted(grouped.items(), key=lambda item: (not item[0], fold(item[0])))
    ]


@dataclass
class CustomFilter:
    """One custom field's input in the filters panel."""

    name: str  # the parameter: cf_<slug>
    label: str
    type: str
    choices: list[str]
    value: str


def _custom_filters(definitions: list[Any], spec: queries.ClientFilter) -> list[CustomFilter]:
    return [
        CustomFilter(
            name=f"{queries.CUSTOM_PREFIX}{d.slug}",
            label=d.name,
            type=d.type,
            choices=list(d.choices or []),
            value=spec.custom_params.get(f"{queries.CUSTOM_PREFIX}{d.slug}", ""),
        )
        for d in definitions
    ]


def _members(organization: Organization) -> list[tuple[int, str]]:
    members = Membership.objects.filter(organization=organization).select_related("user")
    return sorted(
        ((m.user_id, m.user.display_name) for m in members), key=lambda item: fold(item[1])
    )


def _add_display_values(clients: list[Client]) -> None:
    """The list's display forms, computed here rather than by template filters: a page
    of 50 rows renders in half the time, and templates stay free of formatting logic."""
    detail_prefix = reverse("clients:detail", args=[0]).removesuffix("0/")
    kinds = dict(Kind.choices)
    for item in clients:
        number = item.phone or item.mobile
        item.display_phone = display_phone(number) if number else ""  # type: ignore[attr-defined]
        item.display_siren = _grouped(item.siren, (3, 3, 3))  # type: ignore[attr-defined]
        item.detail_url = f"{detail_prefix}{item.pk}/"  # type: ignore[attr-defined]
        item.display_kind = kinds.get(item.kind, item.kind)  # type: ignore[attr-defined]
        item.tag_names = [t.name for t in item.tags.all()]  # type: ignore[attr-defined]
        item.display_created = date_format(  # type: ignore[attr-defined]
            timezone.localtime(item.created_at), "SHORT_DATE_FORMAT"
        )
        item.display_revenue = floatformat(item.revenue, "0g")  # type: ignore[attr-defined]


_COUNTRY_OPTIONS: dict[str, str] = {}


def _country_options(selected: str) -> SafeString:
    """The ``<option>``s of every country in the active language, built once per
    language (250 options rendered by the template engine would cost the list page
    several milliseconds)."""
    language = translation.get_language() or "fr"
    html = _COUNTRY_OPTIONS.get(language)
    if html is None:
        html = _COUNTRY_OPTIONS[language] = format_html_join(
            "", '<option value="{}">{}</option>', country_choices()
        )
    if selected:
        html = html.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>')
    return mark_safe(html)  # escaped by format_html_join; codes are two letters


@require_GET
@member_required
def client_list(request: HttpRequest) -> HttpResponse:
    """The client list: search, filters, saved views, archived toggle, trash, sort,
    keyset pagination, bulk actions."""
    organization = current_organization(request)
    spec, problems = _list_spec(organization, request.GET)
    try:
        page = queries.list_clients(organization, spec)
    except ValidationFailed as exc:  # a cursor from another sort: start again
        problems.extend(str(e.message) for e in exc.errors)
        spec.cursor = ""
        page = queries.list_clients(organization, spec)
    _add_display_values(page.items)
    context = {
        "spec": spec,
        "clients": page.items,
        "problems": problems,
        "next_url": _list_url(spec, cursor=page.next_cursor) if page.next_cursor else "",
        "first_url": _list_url(spec) if spec.cursor else "",
        "sort_options": list(SORT_LABELS.items()),
        "headers": {
            "name": _sort_header(spec, "name", gettext_lazy("Nom")),
            "created_at": _sort_header(spec, "created_at", gettext_lazy("Créé le")),
            "revenue": _sort_header(spec, "revenue", gettext_lazy("CA HT")),
        },
        "show_archived": spec.archived != "false",
        "can_edit": can_edit(request),
        "list_url": request.get_full_path(),
        "filter_query": _list_query(spec),
        "members": _members(organization),
    }
    if getattr(request, "htmx", False) and request.htmx.target == "client-results":  # type: ignore[attr-defined]
        return render(request, "clients/_list_results.html", context)
    definitions = definitions_for(organization)
    context.update(
        bulk_result=request.session.pop(BULK_RESULT_KEY, None),
        categories=_category_choices(organization),
        tag_names=sorted(
            Tag.objects.filter(organization=organization).values_list("name", flat=True), key=fold
        ),
        country_options=_country_options(spec.country),
        custom_filters=_custom_filters(definitions, spec),
        kinds=Kind.choices,
        saved_views=_saved_views(request),
        filters_open=spec.has_filters,
        view_params=json.dumps(spec.params()),
    )
    return render(request, "clients/client_list.html", context)


def _saved_views(request: HttpRequest) -> list[SavedView]:
    user = current_user(request)
    views = services.visible_views(current_organization(request), user)
    for view in views:
        view.query = urlencode(view.params, doseq=True)  # type: ignore[attr-defined]
        view.can_change = services.can_change_view(  # type: ignore[attr-defined]
            view, user, is_admin=is_admin(request)
        )
    return views


# --- Client picker ----------------------------------------------------------------------
@require_GET
@member_required
def client_picker(request: HttpRequest) -> HttpResponse:
    """The suggestions of a form's client picker (``_client_picker.html``), as list items:
    the search box is named ``<field>_q``."""
    field_name = request.GET.get("field", "")
    q = request.GET.get(f"{field_name}_q") or request.GET.get("q") or ""
    q = q.replace("\x00", "")[:200]
    wanted = (request.GET.get("archived"), request.GET.get(f"{field_name}_archived"))
    archived = "all" if "all" in wanted else "false"
    items = queries.pick_clients(current_organization(request), q, archived=archived)
    return render(request, "clients/_picker_results.html", {"items": items, "q": q})


def picked_client(request: HttpRequest, name: str) -> int | None:
    """The client chosen in a picker of a posted form: the id the script put in the hidden
    input, else (no JavaScript) the only client matching what was typed; None otherwise."""
    pk = parse_id(request.POST.get(name, ""))
    if pk is not None:
        return pk
    typed = (request.POST.get(f"{name}_q") or "").strip()
    if not typed:
        return None
    items = queries.pick_clients(current_organization(request), typed, limit=2)
    return items[0]["id"] if len(items) == 1 else None


# --- Saved views ------------------------------------------------------------------------
@require_POST
@member_required
def save_view(request: HttpRequest) -> HttpResponse:
    """Keep the list's current filters and sort under a name."""
    params = QueryDict(request.POST.get("view_params", ""))
    data: dict[str, Any] = {
        key: params.getlist(key) if key == "tag" else params.get(key) for key in params
    }
    url = f"{reverse('clients:list')}?{params.urlencode()}" if params else reverse("clients:list")
    try:
        view = services.save_view(
            current_organization(request),
            current_user(request),
            request.POST.get("view_name", ""),
            data,
            shared=request.POST.get("view_shared") == "1",
        )
    except (ValidationFailed, Conflict) as exc:
        if isinstance(exc, ValidationFailed):
            messages.error(request, " ".join(str(e.message) for e in exc.errors))
        else:
            messages.error(request, str(exc.detail))
        return redirect(url)
    messages.success(request, _("Vue « %(name)s » enregistrée.") % {"name": view.name})
    return redirect(url)


@require_POST
@member_required
def delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    with not_found_as_404():
        view = services.get_saved_view(
            current_organization(request), current_user(request), view_id
        )
    try:
        services.delete_view(
            current_organization(request),
            current_user(request),
            view.pk,
            is_admin=is_admin(request),
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Vue « %(name)s » supprimée.") % {"name": view.name})
    return redirect("clients:list")


# --- Bulk actions -----------------------------------------------------------------------
@dataclass(frozen=True)
class BulkAction:
    service: Any
    done: Promise  # what happened to one client
    already: Any  # client -> True when there is nothing to do
    already_label: Promise


# Restoring from the trash checks duplicates client by client (the trash is small).
RESTORE = BulkAction(
    services.restore_client,
    gettext_lazy("Restauré"),
    lambda c: not c.is_deleted,
    gettext_lazy("N'était pas dans la corbeille"),
)
BULK_SERVICE_ACTIONS = frozenset(services.BULK_ACTIONS)
# Above this many clients the result panel lists only the refusals.
MAX_LISTED_RESULTS = 500
MAX_LISTED_REFUSALS = 200


def _bulk_summary(action: str, done: int, refused: int) -> str:
    texts = {
        "archive": ngettext("%(count)d client archivé", "%(count)d clients archivés", done),
        "unarchive": ngettext("%(count)d client désarchivé", "%(count)d clients désarchivés", done),
        "delete": ngettext(
            "%(count)d client placé dans la corbeille",
            "%(count)d clients placés dans la corbeille",
            done,
        ),
        "restore": ngettext("%(count)d client restauré", "%(count)d clients restaurés", done),
        "tag": ngettext(
            "Étiquettes ajoutées à %(count)d client",
            "Étiquettes ajoutées à %(count)d clients",
            done,
        ),
        "untag": ngettext(
            "Étiquettes retirées de %(count)d client",
            "Étiquettes retirées de %(count)d clients",
            done,
        ),
        "set_category": ngettext(
            "Catégorie changée pour %(count)d client",
            "Catégorie changée pour %(count)d clients",
            done,
        ),
        "set_owner": ngettext(
            "Responsable changé pour %(count)d client",
            "Responsable changé pour %(count)d clients",
            done,
        ),
    }
    summary = texts[action] % {"count": done}
    if refused:
        summary += ", " + ngettext("%(count)d refus", "%(count)d refus", refused) % {
            "count": refused
        }
    return summary + "."


def _parse_ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        pk = parse_id(value)
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids


def _restore_each(
    organization: Organization, user: Any, ids: list[int]
) -> tuple[list[dict[str, Any]], int, int]:
    results: list[dict[str, Any]] = []
    done = refused = 0
    for client_id in ids:
        try:
            client = services.get_client(organization, client_id)
        except NotFound as exc:
            refused += 1
            results.append(
                {
                    "id": None,
                    "name": _("Client n° %(id)d") % {"id": client_id},
                    "ok": False,
                    "message": str(exc.detail),
                }
            )
            continue
        entry: dict[str, Any] = {
            "id": client.pk,
            "name": client.name,
            "reference": client.reference,
        }
        if RESTORE.already(client):
            entry.update(ok=True, message=str(RESTORE.already_label))
        else:
            try:
                RESTORE.service(organization, user, client.pk, source=SOURCE)
            except DomainError as exc:
                refused += 1
                entry.update(ok=False, message=str(exc.detail), code=getattr(exc, "code", ""))
            else:
                done += 1
                entry.update(ok=True, message=str(RESTORE.done))
        results.append(entry)
    return results, done, refused


def _bulk_entries(result: services.BulkResult) -> list[dict[str, Any]]:
    """The result panel's lines: every client for a small action, else the refusals."""
    outcomes = result.outcomes
    if len(outcomes) > MAX_LISTED_RESULTS:
        outcomes = [o for o in outcomes if o.status in ("refused", "not_found")]
        outcomes = outcomes[:MAX_LISTED_REFUSALS]
    entries = []
    for outcome in outcomes:
        found = outcome.status != "not_found"
        entries.append(
            {
                "id": outcome.client_id if found else None,
                "name": outcome.name
                if found
                else _("Client n° %(id)d") % {"id": outcome.client_id},
                "reference": outcome.reference,
                "ok": outcome.status in ("done", "unchanged"),
                "message": outcome.message,
                "code": outcome.code,
            }
        )
    return entries


def _bulk_arguments(request: HttpRequest, action: str) -> dict[str, Any]:
    if action in ("tag", "untag"):
        return {"tags": request.POST.get("tags", "")}
    if action == "set_category":
        return {"category": request.POST.get("category", "")}
    if action == "set_owner":
        return {"owner": request.POST.get("owner", "")}
    return {}


BULK_ACTION_LABELS: dict[str, Promise] = {
    "tag": gettext_lazy("Ajouter des étiquettes"),
    "untag": gettext_lazy("Retirer des étiquettes"),
    "set_category": gettext_lazy("Changer la catégorie"),
    "set_owner": gettext_lazy("Changer le responsable"),
    "archive": gettext_lazy("Archiver"),
    "unarchive": gettext_lazy("Désarchiver"),
    "delete": gettext_lazy("Supprimer"),
}


@require_POST
@member_required
def client_bulk(request: HttpRequest) -> HttpResponse:
    """One action on the selected clients, or on every client of the list's filter
    (after a confirmation that says how many), through the services; then a panel says
    what happened to each (refusals with their reason)."""
    require_editor(request)
    back = _safe_next(request, reverse("clients:list"))
    action = request.POST.get("action", "")
    if action != "restore" and action not in BULK_SERVICE_ACTIONS:
        messages.error(request, _("Action groupée inconnue."))
        return redirect(back)
    organization, user = current_organization(request), current_user(request)
    whole_filter = request.POST.get("scope") == "filter" and action != "restore"
    if whole_filter:
        spec, _problems = _list_spec(organization, QueryDict(request.POST.get("filter", "")))
        ids = queries.matching_ids(organization, spec)
        if not ids:
            messages.warning(request, _("Aucun client ne correspond à ce filtre."))
            return redirect(back)
        if request.POST.get("confirmed") != "1":
            return render(
                request,
                "clients/client_bulk_confirm.html",
                {
                    "action": action,
                    "action_label": BULK_ACTION_LABELS[action],
                    "count": len(ids),
                    "arguments": _bulk_arguments(request, action),
                    "filter": request.POST.get("filter", ""),
                    "next": back,
                    "owner_name": dict(_members(organization)).get(
                        parse_id(request.POST.get("owner", "")) or 0, ""
                    ),
                },
            )
    else:
        ids = _parse_ids(request.POST.getlist("ids"))
        if not ids:
            messages.warning(request, _("Sélectionnez au moins un client."))
            return redirect(back)
        if len(ids) > MAX_BULK:
            messages.error(request, _("%(max)d clients au plus par sélection.") % {"max": MAX_BULK})
            return redirect(back)
    if action == "restore":
        results, done, refused = _restore_each(organization, user, ids)
    else:
        try:
            result = services.bulk_change_clients(
                organization, user, action, ids, source=SOURCE, **_bulk_arguments(request, action)
            )
        except ValidationFailed as exc:
            messages.error(request, " ".join(str(e.message) for e in exc.errors))
            return redirect(back)
        counts = result.counts()
        done, refused = counts["done"], counts["refused"] + counts["not_found"]
        results = _bulk_entries(result)
    # Shown once, as a panel, by the list the user goes back to.
    request.session[BULK_RESULT_KEY] = {
        "action": action,
        "summary": _bulk_summary(action, done, refused),
        "refused": refused,
        "results": results,
        "more_refusals": max(0, refused - len([r for r in results if not r["ok"]])),
    }
    return redirect(back)


# --- Record page ------------------------------------------------------------------------
@dataclass
class Row:
    label: str | Promise
    value: Any
    url: str = ""
    hint: str | Promise = ""
    multiline: bool = False
    key: str = ""


@dataclass
class Section:
    title: str | Promise
    rows: list[Row] = field(default_factory=list)
    key: str = ""
    edit_url: str = ""  # where its fields are changed, for users who may
    edit_label: str | Promise = ""  # the edit link's accessible name
    warnings: list[str] = field(default_factory=list)


def _grouped(digits: str, sizes: tuple[int, ...]) -> str:
    """ "55210055400016" -> "552 100 554 00016" (how the numbers are printed in France)."""
    parts, start = [], 0
    for size in sizes:
        if start >= len(digits):
            break
        parts.append(digits[start : start + size])
        start += size
    if start < len(digits):
        parts.append(digits[start:])
    return " ".join(parts)


def _money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{floatformat(value, '2g')} €"


def _yes_no(value: bool) -> str:
    return _("Oui") if value else _("Non")


def _identity_sections(
    client: Client, tags: list[str], definitions: list[CustomField] | None = None
) -> list[Section]:
    """The record page's Identity part: every field, grouped as people read a record;
    the organization's custom fields (``definitions``) in a section of their own."""
    company = client.kind == Kind.COMPANY

    def keep(row: Row, company_only: bool = False) -> bool:
        # Company-only fields of an individual are shown only when they hold something.
        return not company_only or company or row.value not in ("", None)

    identity = Section(_("Identité"), key="identity")
    identity.rows.append(Row(FIELD_LABELS["kind"], client.get_kind_display()))
    if not company or client.civility or client.first_name or client.last_name:
        identity.rows += [
            Row(FIELD_LABELS["civility"], client.get_civility_display() if client.civility else ""),
            Row(FIELD_LABELS["first_name"], client.first_name),
            Row(FIELD_LABELS["last_name"], client.last_name),
        ]
    identity.rows += [
        Row(FIELD_LABELS["name"], client.name, key="name"),
        Row(FIELD_LABELS["reference"], client.reference),
    ]
    for row, company_only in (
        (Row(FIELD_LABELS["legal_form"], client.legal_form), True),
        (Row(FIELD_LABELS["sector"], client.sector), True),
        (Row(FIELD_LABELS["employee_count"], client.employee_count), True),
        (Row(FIELD_LABELS["share_capital"], _money(client.share_capital)), True),
    ):
        if keep(row, company_only):
            identity.rows.append(row)

    contact = Section(_("Coordonnées"), key="contact")
    contact.rows += [
        Row(
            FIELD_LABELS["email"],
            client.email,
            url=f"mailto:{client.email}" if client.email else "",
        ),
        Row(
            FIELD_LABELS["phone"],
            display_phone(client.phone) if client.phone else "",
            url=f"tel:{client.phone}" if client.phone else "",
        ),
        Row(
            FIELD_LABELS["mobile"],
            display_phone(client.mobile) if client.mobile else "",
            url=f"tel:{client.mobile}" if client.mobile else "",
        ),
        Row(FIELD_LABELS["fax"], display_phone(client.fax) if client.fax else ""),
        Row(FIELD_LABELS["website"], client.website, url=client.website),
        Row(FIELD_LABELS["country"], f"{country_name(client.country)} ({client.country})"),
    ]

    legal = Section(_("Numéros légaux et TVA"), key="legal")
    siren_hint = ""
    if client.siret and client.siren == client.siret[:9]:
        siren_hint = _("déduit du SIRET")
    for row, company_only in (
        (Row(FIELD_LABELS["siret"], _grouped(client.siret, (3, 3, 3, 5)), key="siret"), True),
        (
            Row(
                FIELD_LABELS["siren"],
                _grouped(client.siren, (3, 3, 3)),
                hint=siren_hint,
                key="siren",
            ),
            True,
        ),
        (Row(FIELD_LABELS["naf_code"], client.naf_code), True),
        (Row(FIELD_LABELS["rcs"], client.rcs), True),
        (Row(FIELD_LABELS["vat_number"], client.vat_number), True),
        (Row(FIELD_LABELS["vat_regime"], client.get_vat_regime_display(), key="vat_regime"), False),
    ):
        if keep(row, company_only):
            legal.rows.append(row)

    social = Section(_("Réseaux sociaux"), key="social")
    for name in ("linkedin_url", "twitter_url", "facebook_url", "viadeo_url"):
        value = getattr(client, name)
        social.rows.append(Row(FIELD_LABELS[name], value, url=value))

    accounting = Section(_("Comptabilité"), key="accounting")
    accounting.rows += [
        Row(FIELD_LABELS["customer_account"], client.customer_account),
        Row(FIELD_LABELS["auxiliary_account"], client.auxiliary_account),
        Row(FIELD_LABELS["revenue"], _money(client.revenue)),
    ]

    marketing = Section(_("Marketing"), key="marketing")
    marketing.rows += [
        Row(FIELD_LABELS["marketing_email"], _yes_no(client.marketing_email)),
        Row(FIELD_LABELS["marketing_sms"], _yes_no(client.marketing_sms)),
    ]

    organizing = Section(_("Classement"), key="organizing")
    organizing.rows += [
        Row(FIELD_LABELS["category"], client.category.name if client.category else ""),
        Row(FIELD_LABELS["tags"], tags, key="tags"),
        Row(FIELD_LABELS["owner"], client.owner.display_name if client.owner else ""),
    ]

    custom = Section(FIELD_LABELS["custom_fields"], key="custom_fields")
    values = client.custom_fields or {}
    for definition in definitions or ():
        value = values.get(definition.slug)
        shown = display_value(definition, value)
        url = ""
        if shown and definition.type == FieldType.URL:
            url = str(value)
        elif shown and definition.type == FieldType.EMAIL:
            url = f"mailto:{value}"
        custom.rows.append(
            Row(
                definition.name,
                shown,
                url=url,
                multiline=definition.type == FieldType.LONG_TEXT,
                key=f"cf_{definition.slug}",
            )
        )

    notes = Section(_("Notes"), key="notes")
    notes.rows.append(Row(FIELD_LABELS["notes"], client.notes, multiline=True))

    sections = [identity, contact, legal, organizing]
    if custom.rows:
        sections.append(custom)
    return [*sections, accounting, social, marketing, notes]


# --- History ----------------------------------------------------------------------------
@dataclass
class Change:
    label: str | Promise
    old: str
    new: str


@dataclass
class HistoryEntry:
    action: str
    action_label: str | Promise
    who: str
    created_at: Any
    changes: list[Change]


def _terms(days: int, end_of_month: bool) -> str:
    if days == 0 and not end_of_month:
        return str(_("À réception"))
    text = ngettext("%(days)d jour", "%(days)d jours", days) % {"days": days}
    if not end_of_month:
        return text
    end = _("fin de mois")
    return f"{text} {end}"


def _payment_section(organization: Organization, client: Client) -> Section:
    """The record's payment preferences as they apply: the client's own, else the
    organization's defaults, marked as such."""
    defaults = payments.settings_for(organization)
    terms = payments.effective(client, defaults)
    inherited = terms.inherited
    default = _("par défaut")

    def hint(*names: str) -> str | Promise:
        return default if any(name in inherited for name in names) else ""

    discount = ""
    if terms.discount_percent is not None:
        discount = f"{floatformat(terms.discount_percent, '-2')} %"
    elif terms.discount_amount is not None:
        discount = f"{floatformat(terms.discount_amount, '2g')} {terms.currency}"
    account = client.pays_into
    account_hint: str | Promise = ""
    if account is None:
        account = OrganizationBankAccount.objects.filter(
            organization=organization, is_default=True
        ).first()
        account_hint = default if account is not None else ""
    section = Section(
        _("Paiement"),
        key="payment",
        edit_url=reverse("clients:edit", args=[client.pk]) + "#payment",
        edit_label=_("Modifier le paiement"),
    )
    section.rows += [
        Row(
            FIELD_LABELS["payment_terms_days"],
            _terms(terms.terms_days, terms.terms_end_of_month),
            hint=hint("payment_terms_days", "payment_terms_end_of_month"),
            key="payment_terms",
        ),
        Row(
            FIELD_LABELS["payment_method"],
            terms.method_label,
            hint=hint("payment_method"),
            key="payment_method",
        ),
        Row(_("Remise"), discount, key="discount"),
        Row(FIELD_LABELS["currency"], terms.currency, hint=hint("currency"), key="currency"),
        Row(
            FIELD_LABELS["default_vat_rate"],
            f"{floatformat(terms.vat_rate, '-2')} %",
            hint=hint("default_vat_rate"),
            key="default_vat_rate",
        ),
        Row(
            FIELD_LABELS["price_category"],
            client.price_category.name if client.price_category else "",
            key="price_category",
        ),
        Row(FIELD_LABELS["carrier"], client.carrier.name if client.carrier else "", key="carrier"),
        Row(
            FIELD_LABELS["pays_into"],
            account.label if account is not None else "",
            hint=account_hint,
            key="pays_into",
        ),
    ]
    section.warnings = [w["message"] for w in payments.terms_warnings(client, defaults)]
    return section


def history_value(name: str, value: Any, owners: dict[int, str] | None = None) -> str:
    """A stored history value as a person reads it."""
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if name == "kind" and value in Kind.values:
        return str(Kind(value).label)
    if name == "civility" and value in Civility.values:
        return str(Civility(value).label)
    if name == "vat_regime" and value in VatRegime.values:
        return str(VatRegime(value).label)
    if name == "country" and isinstance(value, str):
        return country_name(value)
    if name == "owner" and owners is not None and isinstance(value, int):
        return owners.get(value, f"#{value}")
    if name == "mandate_status" and isinstance(value, str) and " : " in value:
        reference, _sep, status = value.rpartition(" : ")
        if status in MandateStatus.values:
            return f"{reference} : {MandateStatus(status).label}"
    if name == "payment_method" and value in PaymentMethod.values:
        return str(PaymentMethod(value).label)
    if name == "pays_into" and isinstance(value, int):
        account = OrganizationBankAccount.objects.filter(pk=value).first()
        return account.label if account is not None else f"#{value}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} : {v}" for k, v in value.items())
    return str(value)


def _history_entries(
    organization: Organization,
    client: Client,
    definitions: list[CustomField] | None = None,
) -> list[HistoryEntry]:
    """The client's history as people read it. A custom field's change shows the field's
    name and formatted values (``definitions``, loaded here when not given and needed)."""
    records: list[ChangeRecord] = list(
        history_for(organization.pk, services.OBJECT_TYPE, client.pk)[:HISTORY_LIMIT]
    )
    if definitions is None and any(slug_of(k) for r in records for k in r.changes):
        definitions = definitions_for(organization)
    custom_fields = {d.slug: d for d in definitions or ()}
    owners: dict[int, str] | None = None
    if any("owner" in r.changes for r in records):
        owners = {
            m.user_id: m.user.display_name
            for m in Membership.objects.filter(organization=organization).select_related("user")
        }
    entries = []
    for record in records:
        if record.user is not None:
            who = record.user.display_name
        else:
            who = _("Système")
        if record.source in SOURCE_LABELS:
            who = f"{who} ({SOURCE_LABELS[record.source]})"
        changes = []
        for name, change in record.changes.items():
            if not isinstance(change, dict):
                continue
            slug = slug_of(name)
            if slug is not None:
                definition = custom_fields.get(slug)
                changes.append(_custom_change(slug, definition, change))
                continue
            changes.append(
                Change(
                    HISTORY_FIELD_LABELS.get(name, name),
                    history_value(name, change.get("old"), owners),
                    history_value(name, change.get("new"), owners),
                )
            )
        entries.append(
            HistoryEntry(
                action=record.action,
                action_label=ACTION_LABELS.get(record.action, record.action),
                who=who,
                created_at=record.created_at,
                changes=changes,
            )
        )
    return entries


def _custom_change(slug: str, definition: CustomField | None, change: dict[str, Any]) -> Change:
    """A custom field's change: its name and values as the record shows them (a field
    deleted since keeps its slug and raw values)."""
    if definition is None:
        return Change(
            slug,
            history_value("custom", change.get("old")),
            history_value("custom", change.get("new")),
        )
    return Change(
        definition.name,
        display_value(definition, change.get("old")),
        display_value(definition, change.get("new")),
    )


def _addresses(organization: Organization, client: Client) -> list[Address]:
    """The client's addresses (one query, however many), with their display values."""
    address_services.prefetch_addresses(organization, [client])
    addresses = list(client.addresses.all())  # type: ignore[attr-defined]
    for address in addresses:
        address.display_country = country_name(address.country)  # type: ignore[attr-defined]
        address.map_url = address_services.map_url(address)  # type: ignore[attr-defined]
    return addresses


def _detail_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    from carnet.banking.views import banking_context  # it imports this module
    from carnet.sales.report_views import statistics_context  # it imports this module
    from carnet.sales.views import sales_context  # imported late, like the other sections

    tags = [t.name for t in client.tags.all()]
    definitions = definitions_for(current_organization(request))
    sections = _identity_sections(client, tags, definitions)
    at = next(i for i, section in enumerate(sections) if section.key == "organizing") + 1
    sections.insert(at, _payment_section(current_organization(request), client))
    return {
        "client": client,
        "sections": sections,
        "addresses": _addresses(current_organization(request), client),
        "contacts": contact_services.client_links(current_organization(request), client),
        "files": list(file_services.files_of(current_organization(request), client)),
        "file_categories": FileCategory.choices,
        "max_upload_mb": file_services.max_upload_bytes() // (1024 * 1024),
        "history": _history_entries(current_organization(request), client, definitions),
        "can_edit": can_edit(request),
        "rename_value": client.name,
        "rename_version": client.version,
        **banking_context(current_organization(request), client, can_edit=can_edit(request)),
        **sales_context(current_organization(request), client, can_edit=can_edit(request)),
        **statistics_context(current_organization(request), client, request.GET),
    }


@require_GET
@member_required
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_or_404(request, client_id)
    if client.merged_into_id is not None:
        # A merged client's address leads to the one it was merged into.
        from carnet.duplicates.merging import merge_of

        merge = merge_of(current_organization(request), client)
        messages.info(
            request,
            _("« %(name)s » a été fusionné dans ce client.") % {"name": client.name},
        )
        if merge is not None:
            request.session[MERGED_KEY] = merge.pk
        return redirect(_detail_url_of(client.merged_into_id))
    context = _detail_context(request, client)
    context["likely_duplicates"] = request.session.pop(LIKELY_DUPLICATES_KEY, None)
    merge_id = request.session.pop(MERGED_KEY, None)
    if merge_id is not None:
        context["undoable_merge"] = merge_id
    return render(request, "clients/client_detail.html", context)


def _detail_url_of(client_id: int) -> str:
    return reverse("clients:detail", args=[client_id])


@require_POST
@member_required
def client_rename(request: HttpRequest, client_id: int) -> HttpResponse:
    """Inline rename from the record page: saves the name with the version the page was
    loaded with, so a concurrent change is reported instead of overwritten."""
    require_editor(request)
    client = client_or_404(request, client_id)
    name = request.POST.get("name", "")
    raw_version = request.POST.get("version", "")
    status, message, state = 200, "", "saved"
    stale = False
    if not (raw_version.isascii() and raw_version.isdigit()):
        status, state = 400, "error"
        message = _("La page est incomplète : rechargez-la puis recommencez.")
    else:
        try:
            client = services.update_client(
                current_organization(request),
                current_user(request),
                client.pk,
                {"name": name},
                expected_version=int(raw_version),
                source=SOURCE,
            )
            message = _("Nom enregistré.")
        except StaleVersion as exc:
            status, state, stale = 412, "error", True
            message = str(exc.detail)
        except ValidationFailed as exc:
            status, state = 422, "error"
            message = " ".join(str(e.message) for e in exc.errors)
        except Conflict as exc:
            status, state = 409, "error"
            message = str(exc.detail)
    if not getattr(request, "htmx", False):
        # Without JavaScript the form posts normally: report and go back to the record.
        if state == "saved":
            messages.success(request, message)
        else:
            messages.error(request, message)
        return redirect(_detail_url(client))
    context = _detail_context(request, client)
    if state != "saved":
        # Keep what the user typed, and the version they had: nothing was overwritten.
        context["rename_value"] = name
        context["rename_version"] = raw_version
    context.update(
        rename_message=message, rename_state=state, rename_stale=stale, oob=state == "saved"
    )
    return render(request, "clients/_rename_response.html", context, status=status)


# --- Create and edit --------------------------------------------------------------------
def _duplicate_context(exc: Conflict) -> dict[str, Any]:
    existing_id = exc.extra.get("existing_client_id")
    return {
        "detail": str(exc.detail),
        "existing_id": existing_id,
        "existing_name": exc.extra.get("existing_client_name", ""),
        "existing_archived": bool(exc.extra.get("existing_client_archived")),
        "existing_url": _detail_url(existing_id) if existing_id else "",
    }


@require_http_methods(["GET", "POST"])
@member_required
def client_create(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    form = ClientForm(
        request.POST or None,
        organization=organization,
        initial={"kind": Kind.COMPANY, "country": "FR"},
        creating=True,
    )
    context: dict[str, Any] = {"form": form, "creating": True}
    status = 200
    if request.method == "POST" and form.is_valid():
        from carnet.duplicates.services import archived_lookalikes, likely_duplicates

        archived = (
            archived_lookalikes(organization, form.service_data())
            if not request.POST.get("confirm_new")
            else []
        )
        if archived:
            # An archived client looks like this one: bringing it back may be better than
            # a second record.
            context["archived_lookalikes"] = archived
            return render(request, "clients/client_form.html", context, status=200)
        try:
            client = services.create_client(
                organization, current_user(request), form.service_data(), source=SOURCE
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except Conflict as exc:
            status = 409
            _show_conflict(exc, form, context)
        else:
            messages.success(request, _("Client « %(name)s » créé.") % {"name": client.name})
            found = likely_duplicates(organization, client)
            if found:
                request.session[LIKELY_DUPLICATES_KEY] = found
            return redirect(_detail_url(client))
    return render(request, "clients/client_form.html", context, status=status)


def _show_conflict(exc: Conflict, form: ClientForm, context: dict[str, Any]) -> None:
    """Put a refused save on the form: a duplicate links to the existing client and marks
    the field it shares; any other conflict is shown as is."""
    if exc.code != "duplicate":
        context["conflict"] = str(exc.detail)
        return
    context["duplicate"] = _duplicate_context(exc)
    if exc.extra.get("field") in form.fields:
        form.add_error(exc.extra["field"], _("Un autre client utilise déjà cette valeur."))


@require_http_methods(["GET", "POST"])
@member_required
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    client = client_or_404(request, client_id)
    if client.is_deleted:
        messages.error(
            request, _("Ce client est dans la corbeille : restaurez-le pour le modifier.")
        )
        return redirect(_detail_url(client))
    form = ClientForm(
        request.POST or None, organization=organization, initial=initial_from_client(client)
    )
    context: dict[str, Any] = {"form": form, "client": client, "creating": False}
    status = 200
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            client = services.update_client(
                organization,
                current_user(request),
                client.pk,
                form.service_data(only_changed=True),
                expected_version=version if version is not None else client.version,
                source=SOURCE,
            )
        except StaleVersion as exc:
            status = 412
            context["stale"] = {"detail": str(exc.detail), "current_version": exc.current_version}
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        except Conflict as exc:
            status = 409
            _show_conflict(exc, form, context)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect(_detail_url(client))
    return render(request, "clients/client_form.html", context, status=status)


# --- Lifecycle actions ------------------------------------------------------------------
def _lifecycle(request: HttpRequest, client_id: int, service: Any, success: str) -> HttpResponse:
    require_editor(request)
    client = client_or_404(request, client_id)
    back = _safe_next(request, _detail_url(client))
    try:
        client = service(
            current_organization(request), current_user(request), client.pk, source=SOURCE
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, success % {"name": client.name})
    return HttpResponseRedirect(back)


@require_POST
@member_required
def client_archive(request: HttpRequest, client_id: int) -> HttpResponse:
    return _lifecycle(request, client_id, services.archive_client, _("« %(name)s » est archivé."))


@require_POST
@member_required
def client_unarchive(request: HttpRequest, client_id: int) -> HttpResponse:
    return _lifecycle(
        request, client_id, services.unarchive_client, _("« %(name)s » est désarchivé.")
    )


@require_POST
@member_required
def client_restore(request: HttpRequest, client_id: int) -> HttpResponse:
    return _lifecycle(
        request,
        client_id,
        services.restore_client,
        _("« %(name)s » est restauré depuis la corbeille."),
    )


@require_http_methods(["GET", "POST"])
@member_required
def client_delete(request: HttpRequest, client_id: int) -> HttpResponse:
    """GET asks for confirmation; POST moves the client to the trash. A refusal (documents
    attached) is shown with its reason and a button to archive instead."""
    require_editor(request)
    client = client_or_404(request, client_id)
    if client.is_deleted:
        messages.info(request, _("Ce client est déjà dans la corbeille."))
        return redirect(_detail_url(client))
    context: dict[str, Any] = {"client": client}
    if request.method == "POST":
        try:
            services.delete_client(
                current_organization(request), current_user(request), client.pk, source=SOURCE
            )
        except Conflict as exc:
            context["refusal"] = str(exc.detail)
            context["can_archive"] = exc.code == "has_documents" and not client.archived
            return render(request, "clients/client_confirm_delete.html", context, status=409)
        messages.success(
            request,
            _("« %(name)s » a été placé dans la corbeille. Vous pouvez l'y restaurer.")
            % {"name": client.name},
        )
        return redirect("clients:list")
    return render(request, "clients/client_confirm_delete.html", context)
