"""Web pages of sales: the documents (list, form with its lines, detail and the actions of
each state), the payments with their allocations, the sales settings, and the "Documents
et paiements" section of the client record (``sales_context``).

Views parse the request, check access, call ``services`` (and ``queries`` to read) and
turn the errors services raise into form errors and messages; they never write models
themselves. Another organization's ids are a 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carnet.accounts.access import (
    can_edit,
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
from carnet.clients.queries import pick_clients
from carnet.core.errors import Conflict, DomainError, FieldError, StaleVersion, ValidationFailed
from carnet.core.ids import parse_id
from carnet.payments import services as payment_settings
from carnet.payments.models import PaymentMethod

from . import queries, services
from .forms import (
    DocumentForm,
    LineTable,
    PaymentForm,
    SalesSettingsForm,
    decimal_text,
    document_initial,
    empty_line,
    line_values,
    payment_initial,
    posted_allocations,
    settings_initial,
)
from .models import Allocation, Document, DocumentState, DocumentType, Payment
from .status import STATUS_LABELS, status_label, status_of
from .validation import decimal_of

SOURCE = "web"
PAGE_SIZE = 50
SECTION_LIMIT = 10
ANCHOR = "client-sales"
ZERO = Decimal("0")

NEW_TITLES = {
    DocumentType.INVOICE: gettext_lazy("Nouvelle facture"),
    DocumentType.QUOTE: gettext_lazy("Nouveau devis"),
    DocumentType.CREDIT_NOTE: gettext_lazy("Nouvel avoir"),
    DocumentType.ORDER: gettext_lazy("Nouveau bon de commande"),
    DocumentType.DELIVERY_NOTE: gettext_lazy("Nouveau bon de livraison"),
    DocumentType.PROFORMA: gettext_lazy("Nouvelle facture pro forma"),
}
# The list's status filter, in the order a person looks for them.
STATUS_ORDER = (
    "draft",
    "issued",
    "partially_paid",
    "overdue",
    "paid",
    "cancelled",
    "sent",
    "accepted",
    "refused",
    "expired",
    "to_use",
    "used",
)
# Badge styles of the statuses that need attention, or that are over.
ALERT_STATUSES = {"overdue"}
QUIET_STATUSES = {"draft", "cancelled", "refused", "expired", "used"}


ISSUED_MESSAGES = {
    DocumentType.INVOICE: gettext_lazy("Facture %(number)s émise."),
    DocumentType.QUOTE: gettext_lazy("Devis %(number)s émis : il est envoyé au client."),
    DocumentType.CREDIT_NOTE: gettext_lazy("Avoir %(number)s émis."),
    DocumentType.ORDER: gettext_lazy("Bon de commande %(number)s émis."),
    DocumentType.DELIVERY_NOTE: gettext_lazy("Bon de livraison %(number)s émis."),
    DocumentType.PROFORMA: gettext_lazy("Facture pro forma %(number)s émise."),
}


# --- Helpers ------------------------------------------------------------------------------
def _document_or_404(request: HttpRequest, document_id: int) -> Document:
    with not_found_as_404():
        return services.get_document(current_organization(request), document_id)


def _payment_or_404(request: HttpRequest, payment_id: int) -> Payment:
    with not_found_as_404():
        return services.get_payment(current_organization(request), payment_id)


def _client_or_404(organization: Organization, value: Any) -> Client:
    """The organization's client (archived or in the trash) an URL names; 404 otherwise."""
    pk = parse_id(value)
    client = Client.objects.filter(organization=organization, pk=pk).first() if pk else None
    if client is None:
        raise Http404(_("Client introuvable."))
    return client


def _detail_url(document: Document | int) -> str:
    pk = document if isinstance(document, int) else document.pk
    return reverse("sales:document-detail", args=[pk])


def _record_url(client_id: int) -> str:
    return f"{reverse('clients:detail', args=[client_id])}#{ANCHOR}"


def _label(document: Document) -> str:
    """The document's number, or "brouillon de facture" before it has one."""
    if document.number:
        return document.number
    return _("brouillon de %(type)s") % {"type": document.get_type_display().lower()}


def decorate(documents: Iterable[Document], today: datetime.date) -> None:
    """Give each document what the pages show besides its fields: its derived status, the
    client's name (live for a draft, as issued otherwise) and what is left of it (to pay
    of an invoice, to use of a credit note)."""
    for document in documents:
        status = status_of(document, today)
        document.status = status  # type: ignore[attr-defined]
        document.status_label = status_label(status, document.type)  # type: ignore[attr-defined]
        document.status_style = (  # type: ignore[attr-defined]
            "danger-badge"
            if status in ALERT_STATUSES
            else "muted-badge"
            if status in QUIET_STATUSES
            else ""
        )
        snapshot_name = (document.client_snapshot or {}).get("name")
        document.client_name = (  # type: ignore[attr-defined]
            snapshot_name
            if document.state != DocumentState.DRAFT and snapshot_name
            else document.client.name
        )
        open_amount: Decimal | None = None
        if document.state != DocumentState.DRAFT:
            if document.type == DocumentType.INVOICE:
                open_amount = document.balance
            elif document.type == DocumentType.CREDIT_NOTE:
                open_amount = document.total_incl_vat - document.amount_used
        document.open_amount = open_amount  # type: ignore[attr-defined]


def _cursor(row: Document | Payment) -> str:
    return f"{row.date.isoformat()}.{row.pk}"


def _after(queryset: QuerySet[Any], cursor: str | None) -> QuerySet[Any]:
    """Keyset pagination on (date, id), newest first: the rows after ``cursor``."""
    day_text, _dot, id_text = (cursor or "").partition(".")
    try:
        day = datetime.date.fromisoformat(day_text)
    except ValueError:
        return queryset
    pk = parse_id(id_text)
    if pk is None:
        return queryset
    return queryset.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk))


def _page_links(request: HttpRequest, rows: list[Any]) -> dict[str, str]:
    """The "next page" and "first page" links of a keyset-paginated list."""
    params = request.GET.copy()
    params.pop("after", None)
    links = {"first_url": "", "next_url": ""}
    if request.GET.get("after"):
        links["first_url"] = f"?{params.urlencode()}" if params else "?"
    if len(rows) > PAGE_SIZE:
        params["after"] = _cursor(rows[PAGE_SIZE - 1])
        links["next_url"] = f"?{params.urlencode()}"
    return links


@dataclass
class PickedClient:
    """What a client picker sent: the id chosen, what was typed, the archived toggle."""

    pk: int | None
    text: str
    archived: bool
    typed: bool = False


def picked_client(
    organization: Organization, data: Mapping[str, Any], name: str = "client"
) -> PickedClient:
    """The client chosen in a picker: the id the script put in the hidden input, else
    (no JavaScript) the only client matching what was typed."""
    archived = data.get(f"{name}_archived") == "all"
    text = str(data.get(f"{name}_q") or "").replace("\x00", "").strip()[:200]
    pk = parse_id(data.get(name))
    if pk is None and text:
        items = pick_clients(organization, text, archived="all" if archived else "false", limit=2)
        if len(items) == 1:
            pk = items[0]["id"]
            text = f"{items[0]['name']} ({items[0]['reference']})"
        return PickedClient(pk, text, archived, typed=True)
    return PickedClient(pk, text, archived)


def _picker_text(client: Client) -> str:
    return f"{client.name} ({client.reference})"


def _field_errors(exc: ValidationFailed) -> list[str]:
    return [str(error.message) for error in exc.errors]


def _default_vat_rate(organization: Organization, client: Client | None) -> Decimal:
    defaults = payment_settings.settings_for(organization)
    if client is None:
        return defaults.vat_rate
    return payment_settings.effective(client, defaults).vat_rate


def _money_rows(breakdown: list[dict[str, str]]) -> list[dict[str, Decimal]]:
    return [
        {key: Decimal(row[key]) for key in ("rate", "base", "vat")}
        for row in breakdown
        if all(key in row for key in ("rate", "base", "vat"))
    ]


# --- Document list ------------------------------------------------------------------------
@require_GET
@member_required
def document_list(request: HttpRequest) -> HttpResponse:
    """The organization's documents, newest first, filtered by type, status, client and
    period, 50 a page (keyset pagination: one query whatever the page)."""
    organization = current_organization(request)
    today = services.today()
    picked = picked_client(organization, request.GET)
    client = _client_or_404(organization, picked.pk) if picked.pk else None
    filters = {
        "type": request.GET.get("type", ""),
        "status": request.GET.get("status", ""),
        "from": request.GET.get("from", ""),
        "to": request.GET.get("to", ""),
    }
    errors: list[str] = []
    if picked.typed and client is None:
        errors.append(_("Choisissez le client dans la liste proposée."))
    rows: list[Document] = []
    if not errors:
        try:
            queryset = queries.documents(
                organization,
                type=filters["type"] or None,
                status=filters["status"] or None,
                client=client.pk if client else None,
                start=filters["from"],
                end=filters["to"],
                today=today,
            )
        except ValidationFailed as exc:
            errors = _field_errors(exc)
        else:
            rows = list(_after(queryset, request.GET.get("after"))[: PAGE_SIZE + 1])
    documents = rows[:PAGE_SIZE]
    decorate(documents, today)
    context: dict[str, Any] = {
        "documents": documents,
        "filters": filters,
        "filter_errors": errors,
        "client": client,
        "picker_text": _picker_text(client) if client else picked.text,
        "picker_archived": picked.archived or bool(client and client.archived),
        "types": DocumentType.choices,
        "statuses": [(key, STATUS_LABELS[key]) for key in STATUS_ORDER],
        "can_edit": can_edit(request),
        "new_types": list(NEW_TITLES.items()),
        **_page_links(request, rows),
    }
    return render(request, "sales/document_list.html", context)


# --- Document form ------------------------------------------------------------------------
def _form_context(
    request: HttpRequest,
    *,
    form: DocumentForm,
    lines: LineTable,
    doc_type: str,
    picked: PickedClient,
    document: Document | None,
) -> dict[str, Any]:
    return {
        "form": form,
        "lines": lines,
        "doc_type": doc_type,
        "type_label": DocumentType(doc_type).label if doc_type in DocumentType.values else "",
        "title": NEW_TITLES.get(DocumentType(doc_type)) if document is None else _label(document),
        "document": document,
        "creating": document is None,
        "picker_value": picked.pk or "",
        "picker_text": picked.text,
        "picker_archived": "all" if picked.archived else "false",
        "shows_due_date": doc_type in services.DUE_TYPES,
        "shows_validity": doc_type == DocumentType.QUOTE,
        "action": (
            reverse("sales:document-create")
            if document is None
            else reverse("sales:document-edit", args=[document.pk])
        ),
        "cancel_url": (
            _detail_url(document)
            if document is not None
            else (_record_url(picked.pk) if picked.pk else reverse("sales:document-list"))
        ),
    }


def _document_data(
    form: DocumentForm, lines: LineTable, picked: PickedClient, *, creating: bool, doc_type: str
) -> dict[str, Any]:
    """What the form sends to ``create_document`` / ``update_document``. An empty due date
    or validity is left out, so that the client's terms and the settings give it; on a new
    document, empty discounts are left out too (the client's usual discount applies)."""
    values = form.cleaned_data
    data: dict[str, Any] = {
        "client": picked.pk,
        "date": values.get("date", ""),
        "subject": values.get("subject", ""),
        "notes": values.get("notes", ""),
        "lines": lines.service_data(),
    }
    if creating:
        data["type"] = doc_type
    for key in ("due_date", "valid_until"):
        if values.get(key):
            data[key] = values[key]
    discounts = {key: values.get(key, "") for key in ("discount_percent", "discount_amount")}
    if not creating or any(discounts.values()):
        data.update(discounts)
    return data


def _apply_errors(
    exc: ValidationFailed,
    form: DocumentForm,
    lines: LineTable,
    picked: PickedClient,
    vat_rate: Decimal,
) -> None:
    if not lines.rows:
        lines.add(vat_rate)  # a row to type the missing line in
    lines.service_data()  # which rows the service's "lines[i]" refer to
    for error in exc.errors:
        if lines.add_error(error):
            continue
        if error.field == "client" and picked.pk is None:
            form.add_error("client", _("Choisissez le client dans la liste proposée."))
            continue
        form.add_service_error(error)


def _line_action(request: HttpRequest, lines: LineTable, vat_rate: Decimal) -> bool:
    """The line buttons ("Ajouter une ligne", "Retirer"): change the table, show the
    form again."""
    if "add_line" in request.POST:
        lines.add(vat_rate)
        return True
    if "remove_line" in request.POST:
        lines.remove(request.POST.get("remove_line"))
        if not lines.rows:
            lines.add(vat_rate)
        return True
    return False


def _client_of_form(organization: Organization, picked: PickedClient) -> Client | None:
    if picked.pk is None:
        return None
    return Client.objects.filter(
        organization=organization, pk=picked.pk, deleted_at__isnull=True
    ).first()


@require_http_methods(["GET", "POST"])
@member_required
def document_create(request: HttpRequest) -> HttpResponse:
    """A new draft: ``?type=invoice|quote|credit_note|…&client=<id>``."""
    require_editor(request)
    organization = current_organization(request)
    source = request.POST if request.method == "POST" else request.GET
    doc_type = source.get("type") or DocumentType.INVOICE
    if doc_type not in DocumentType.values:
        doc_type = DocumentType.INVOICE
    if request.method == "GET":
        picked = PickedClient(None, "", False)
        client: Client | None = None
        if request.GET.get("client"):
            client = _client_or_404(organization, request.GET["client"])
            if client.is_deleted:
                messages.error(
                    request,
                    _("Ce client est dans la corbeille : restaurez-le pour lui faire un document."),
                )
                return redirect(_record_url(client.pk))
            picked = PickedClient(client.pk, _picker_text(client), client.archived)
        form = DocumentForm(initial={"date": services.today().isoformat()})
        lines = LineTable([empty_line(_default_vat_rate(organization, client))])
        context = _form_context(
            request, form=form, lines=lines, doc_type=doc_type, picked=picked, document=None
        )
        return render(request, "sales/document_form.html", context)

    form = DocumentForm(request.POST)
    form.is_valid()
    lines = LineTable.from_post(request.POST)
    picked = picked_client(organization, request.POST)
    client = _client_of_form(organization, picked)
    status = 200
    if not _line_action(request, lines, _default_vat_rate(organization, client)):
        data = _document_data(form, lines, picked, creating=True, doc_type=doc_type)
        try:
            document = services.create_document(
                organization, current_user(request), data, source=SOURCE
            )
        except ValidationFailed as exc:
            _apply_errors(exc, form, lines, picked, _default_vat_rate(organization, client))
            status = 422
        else:
            messages.success(
                request,
                _(
                    "Brouillon enregistré : vérifiez-le, puis émettez-le pour lui donner son "
                    "numéro."
                ),
            )
            return redirect(_detail_url(document))
    context = _form_context(
        request, form=form, lines=lines, doc_type=doc_type, picked=picked, document=None
    )
    return render(request, "sales/document_form.html", context, status=status)


def _refuse_unless_draft(request: HttpRequest, document: Document) -> HttpResponse | None:
    if document.state == DocumentState.DRAFT:
        return None
    messages.error(
        request,
        _("%(number)s est émis : il ne se modifie plus. Corrigez-le par un avoir.")
        % {"number": document.number}
        if document.type == DocumentType.INVOICE
        else _("%(number)s n'est plus un brouillon : il ne se modifie plus.")
        % {"number": document.number},
    )
    return redirect(_detail_url(document))


@require_http_methods(["GET", "POST"])
@member_required
def document_edit(request: HttpRequest, document_id: int) -> HttpResponse:
    """Change a draft: its client, dates, discount, notes and lines."""
    require_editor(request)
    organization = current_organization(request)
    document = _document_or_404(request, document_id)
    if (refused := _refuse_unless_draft(request, document)) is not None:
        return refused
    if request.method == "GET":
        form = DocumentForm(initial=document_initial(document))
        lines = LineTable(line_values(line) for line in document.lines.all())  # type: ignore[attr-defined]
        if not lines.rows:
            lines.add(_default_vat_rate(organization, document.client))
        picked = PickedClient(
            document.client_id, _picker_text(document.client), document.client.archived
        )
        context = _form_context(
            request,
            form=form,
            lines=lines,
            doc_type=document.type,
            picked=picked,
            document=document,
        )
        return render(request, "sales/document_form.html", context)

    form = DocumentForm(request.POST)
    form.is_valid()
    lines = LineTable.from_post(request.POST)
    picked = picked_client(organization, request.POST)
    client = _client_of_form(organization, picked)
    status = 200
    context_extra: dict[str, Any] = {}
    if not _line_action(request, lines, _default_vat_rate(organization, client)):
        data = _document_data(form, lines, picked, creating=False, doc_type=document.type)
        try:
            document = services.update_document(
                organization,
                current_user(request),
                document.pk,
                data,
                version=form.cleaned_data.get("version") or None,
            )
        except ValidationFailed as exc:
            _apply_errors(exc, form, lines, picked, _default_vat_rate(organization, client))
            status = 422
        except StaleVersion as exc:
            context_extra["stale"] = str(exc.detail)
            status = 412
        except Conflict as exc:
            messages.error(request, str(exc.detail))
            return redirect(_detail_url(document))
        else:
            messages.success(request, _("Brouillon enregistré."))
            return redirect(_detail_url(document))
    context = _form_context(
        request, form=form, lines=lines, doc_type=document.type, picked=picked, document=document
    )
    context.update(context_extra)
    return render(request, "sales/document_form.html", context, status=status)


# --- Document detail and actions ------------------------------------------------------------
@require_GET
@member_required
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    """Everything a document holds, what settles it, and the actions of its state."""
    organization = current_organization(request)
    document = _document_or_404(request, document_id)
    today = services.today()
    decorate([document], today)
    lines = list(document.lines.all())  # type: ignore[attr-defined]
    settled_by: list[Allocation] = []
    settles: list[Allocation] = []
    if document.type == DocumentType.INVOICE:
        settled_by = list(
            Allocation.objects.filter(organization=organization, invoice=document)
            .select_related("payment", "credit_note")
            .order_by("id")
        )
    elif document.type == DocumentType.CREDIT_NOTE:
        settles = list(
            Allocation.objects.filter(organization=organization, credit_note=document)
            .select_related("invoice")
            .order_by("id")
        )
    derived = list(
        Document.objects.filter(organization=organization, related=document).order_by("id")
    )
    draft = document.state == DocumentState.DRAFT
    issued = not draft
    editor = can_edit(request)
    is_quote = document.type == DocumentType.QUOTE
    is_invoice = document.type == DocumentType.INVOICE
    context = {
        "document": document,
        "client": document.client,
        "lines": lines,
        "has_costs": any(line.unit_cost is not None for line in lines),
        "vat_rows": _money_rows(document.vat_breakdown),
        "snapshot": document.client_snapshot if issued else {},
        "settled_by": settled_by,
        "settles": settles,
        "derived": derived,
        "related": document.related,
        "can_edit": editor,
        "actions": {
            "edit": editor and draft,
            "delete": editor and draft,
            "issue": editor and draft,
            "decide": editor and is_quote and issued,
            "convert": editor and is_quote and issued and document.state != DocumentState.REFUSED,
            "credit_note": editor and is_invoice and issued,
            "pay": editor and is_invoice and issued and document.balance > 0,
            "allocate": editor and document.type == DocumentType.CREDIT_NOTE and issued,
        },
    }
    return render(request, "sales/document_detail.html", context)


def _confirm(
    request: HttpRequest,
    document: Document,
    *,
    title: str,
    explanation: str,
    action: str,
    button: str,
    danger: bool = False,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "document": document,
        "title": title,
        "explanation": explanation,
        "action": action,
        "button": button,
        "danger": danger,
        "errors": errors or [],
    }
    return render(request, "sales/document_confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def document_issue(request: HttpRequest, document_id: int) -> HttpResponse:
    """GET asks for confirmation (the number will be final); POST numbers the draft."""
    require_editor(request)
    document = _document_or_404(request, document_id)
    if document.state != DocumentState.DRAFT:
        messages.info(request, _("%(number)s est déjà émis.") % {"number": document.number})
        return redirect(_detail_url(document))
    errors: list[str] = []
    if request.method == "POST":
        try:
            document = services.issue_document(
                current_organization(request), current_user(request), document.pk
            )
        except ValidationFailed as exc:
            errors = _field_errors(exc)
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_detail_url(document))
        else:
            message = ISSUED_MESSAGES[DocumentType(document.type)]
            messages.success(request, message % {"number": document.number})
            return redirect(_detail_url(document))
    prefix = services.PREFIXES[DocumentType(document.type)]
    explanation = _(
        "Le document recevra le prochain numéro de la série %(prefix)s. Ce numéro est "
        "définitif : le document ne pourra plus être modifié ni supprimé, et une erreur se "
        "corrigera par un avoir."
    ) % {"prefix": prefix}
    if document.type == DocumentType.QUOTE:
        explanation = _(
            "Le devis recevra le prochain numéro de la série %(prefix)s, définitif, et passera "
            "à « Envoyé » : il ne pourra plus être modifié."
        ) % {"prefix": prefix}
    return _confirm(
        request,
        document,
        title=_("Émettre ce brouillon ?"),
        explanation=explanation,
        action=reverse("sales:document-issue", args=[document.pk]),
        button=_("Émettre et numéroter"),
        errors=errors,
        status=422 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required
def document_delete(request: HttpRequest, document_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the draft (issued documents stay)."""
    require_editor(request)
    document = _document_or_404(request, document_id)
    if (refused := _refuse_unless_draft(request, document)) is not None:
        return refused
    if request.method == "POST":
        try:
            services.delete_document(
                current_organization(request),
                current_user(request),
                document.pk,
                version=request.POST.get("version") or None,
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_detail_url(document))
        messages.success(request, _("Brouillon supprimé."))
        return redirect(_record_url(document.client_id))
    return _confirm(
        request,
        document,
        title=_("Supprimer ce brouillon ?"),
        explanation=_("Il n'a pas encore de numéro : sa suppression est définitive."),
        action=reverse("sales:document-delete", args=[document.pk]),
        button=_("Supprimer le brouillon"),
        danger=True,
    )


QUOTE_MESSAGES = {
    DocumentState.ACCEPTED: gettext_lazy("Devis %(number)s accepté."),
    DocumentState.REFUSED: gettext_lazy("Devis %(number)s refusé."),
    DocumentState.SENT: gettext_lazy("Devis %(number)s remis en attente de réponse."),
}


@require_POST
@member_required
def document_quote_status(request: HttpRequest, document_id: int) -> HttpResponse:
    """The client's answer to a sent quote: ``status`` = accepted, refused or sent."""
    require_editor(request)
    document = _document_or_404(request, document_id)
    status = request.POST.get("status", "")
    try:
        document = services.set_quote_status(
            current_organization(request), current_user(request), document.pk, status
        )
    except ValidationFailed as exc:
        messages.error(request, " ".join(_field_errors(exc)))
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request, QUOTE_MESSAGES[DocumentState(status)] % {"number": document.number}
        )
    return redirect(_detail_url(document))


def _convert(request: HttpRequest, document_id: int, to_type: str, success: str) -> HttpResponse:
    require_editor(request)
    document = _document_or_404(request, document_id)
    try:
        created = services.convert_document(
            current_organization(request), current_user(request), document.pk, to_type
        )
    except ValidationFailed as exc:
        messages.error(request, " ".join(_field_errors(exc)))
        return redirect(_detail_url(document))
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect(_detail_url(document))
    messages.success(request, success % {"number": _label(document)})
    return redirect("sales:document-edit", document_id=created.pk)


@require_POST
@member_required
def document_convert(request: HttpRequest, document_id: int) -> HttpResponse:
    """A quote becomes a draft invoice with its client and lines."""
    return _convert(
        request,
        document_id,
        DocumentType.INVOICE,
        _("Brouillon de facture créé d'après %(number)s : vérifiez-le, puis émettez-le."),
    )


@require_POST
@member_required
def document_credit_note(request: HttpRequest, document_id: int) -> HttpResponse:
    """An issued invoice gets a draft credit note with its lines, to adjust then issue."""
    return _convert(
        request,
        document_id,
        DocumentType.CREDIT_NOTE,
        _(
            "Brouillon d'avoir créé pour %(number)s avec toutes ses lignes : gardez celles à "
            "annuler, puis émettez-le."
        ),
    )


# --- Allocations ----------------------------------------------------------------------------
@dataclass
class AllocationRow:
    """One invoice of the client an amount can be allocated to."""

    invoice: Document
    available: Decimal
    value: str = ""
    errors: list[str] = field(default_factory=list)


def _allocation_rows(
    organization: Organization,
    client_id: int,
    current: dict[int, Decimal],
    typed: Mapping[str, Any] | None,
    prefill: dict[int, Decimal] | None = None,
) -> list[AllocationRow]:
    """The client's open invoices, and those ``current`` allocates (which count what it
    gives them as available again), oldest first; ``typed`` is the posted form."""
    invoices = {
        invoice.pk: invoice for invoice in queries.open_invoices(organization, client_id)[:500]
    }
    missing = [pk for pk in current if pk not in invoices]
    if missing:
        invoices.update(
            (invoice.pk, invoice)
            for invoice in Document.objects.filter(organization=organization, pk__in=missing)
        )
    rows = []
    for invoice in sorted(invoices.values(), key=lambda doc: (doc.date, doc.pk)):
        if typed is not None:
            value = str(typed.get(f"allocation-{invoice.pk}", "")).strip()
        else:
            amount = current.get(invoice.pk) or (prefill or {}).get(invoice.pk)
            value = decimal_text(amount, 2) if amount else ""
        rows.append(
            AllocationRow(
                invoice=invoice,
                available=invoice.balance + current.get(invoice.pk, ZERO),
                value=value,
            )
        )
    return rows


def _allocation_errors(
    exc: ValidationFailed, sent: list[dict[str, str]], rows: list[AllocationRow]
) -> tuple[list[FieldError], list[str]]:
    """Split a refusal: each allocation's error goes to its invoice's row; the others are
    returned (for the form's fields) with the messages of invoices not on the page."""
    by_invoice = {str(row.invoice.pk): row for row in rows}
    others: list[FieldError] = []
    general: list[str] = []
    for error in exc.errors:
        if error.field.startswith("allocations["):
            head = error.field[len("allocations[") :].split("]", 1)[0]
            index = int(head) if head.isdigit() else -1
            row = by_invoice.get(sent[index]["document"]) if 0 <= index < len(sent) else None
            if row is not None:
                row.errors.append(str(error.message))
            else:
                general.append(str(error.message))
        elif error.field == "allocations":
            general.append(str(error.message))
        else:
            others.append(error)
    return others, general


def credit_context(left: Decimal | None, currency: str) -> dict[str, Any]:
    """The context of ``_payment_credit.html``: what stays as client credit, or by how
    much the allocations go over."""
    over = -left if left is not None and left < 0 else None
    return {"credit_left": left, "credit_over": over, "currency": currency}


def _credit_left(amount: Any, allocations: Iterable[Mapping[str, str]]) -> Decimal | None:
    """What of ``amount`` the typed allocations leave over (None when not computable)."""
    total = decimal_of(amount)
    if total is None:
        return None
    for allocation in allocations:
        value = decimal_of(allocation.get("amount"))
        if value is None:
            return None
        total -= value
    return total


@require_http_methods(["GET", "POST"])
@member_required
def document_allocate(request: HttpRequest, document_id: int) -> HttpResponse:
    """Which invoices of its client an issued credit note settles; the rest stays as the
    client's credit."""
    require_editor(request)
    organization = current_organization(request)
    document = _document_or_404(request, document_id)
    if document.type != DocumentType.CREDIT_NOTE or document.state == DocumentState.DRAFT:
        messages.error(request, _("Seul un avoir émis s'affecte à des factures."))
        return redirect(_detail_url(document))
    current = {
        a.invoice_id: a.amount
        for a in Allocation.objects.filter(organization=organization, credit_note=document)
    }
    typed = request.POST if request.method == "POST" else None
    rows = _allocation_rows(organization, document.client_id, current, typed)
    general: list[str] = []
    status = 200
    sent: list[dict[str, str]] = posted_allocations(request.POST) if typed else []
    if request.method == "POST":
        try:
            services.allocate_credit_note(organization, current_user(request), document.pk, sent)
        except ValidationFailed as exc:
            others, general = _allocation_errors(exc, sent, rows)
            general += [str(error.message) for error in others]
            status = 422
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect(_detail_url(document))
        else:
            messages.success(request, _("Affectations de l'avoir enregistrées."))
            return redirect(_detail_url(document))
    left = (
        _credit_left(document.total_incl_vat, sent)
        if typed
        else (document.total_incl_vat - document.amount_used)
    )
    context = {
        "document": document,
        "rows": rows,
        "errors": general,
        "row_errors": any(row.errors for row in rows),
        **credit_context(left, document.currency),
    }
    return render(request, "sales/document_allocate.html", context, status=status)


# --- Payments -------------------------------------------------------------------------------
@require_GET
@member_required
def payment_list(request: HttpRequest) -> HttpResponse:
    """The organization's payments, newest first, filtered by client and period."""
    organization = current_organization(request)
    picked = picked_client(organization, request.GET)
    client = _client_or_404(organization, picked.pk) if picked.pk else None
    filters = {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
    errors: list[str] = []
    if picked.typed and client is None:
        errors.append(_("Choisissez le client dans la liste proposée."))
    rows: list[Payment] = []
    if not errors:
        try:
            queryset = queries.payments(
                organization,
                client=client.pk if client else None,
                start=filters["from"],
                end=filters["to"],
            )
        except ValidationFailed as exc:
            errors = _field_errors(exc)
        else:
            rows = list(_after(queryset, request.GET.get("after"))[: PAGE_SIZE + 1])
    payments = rows[:PAGE_SIZE]
    methods = dict(PaymentMethod.choices)
    for payment in payments:
        payment.method_label = methods.get(payment.method, payment.method)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "payments": payments,
        "filters": filters,
        "filter_errors": errors,
        "client": client,
        "picker_text": _picker_text(client) if client else picked.text,
        "picker_archived": picked.archived or bool(client and client.archived),
        "can_edit": can_edit(request),
        **_page_links(request, rows),
    }
    return render(request, "sales/payment_list.html", context)


@require_GET
@member_required
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    organization = current_organization(request)
    payment = _payment_or_404(request, payment_id)
    allocations = list(
        Allocation.objects.filter(organization=organization, payment=payment)
        .select_related("invoice")
        .order_by("invoice__date", "invoice_id")
    )
    context = {
        "payment": payment,
        "client": payment.client,
        "allocations": allocations,
        "method_label": dict(PaymentMethod.choices).get(payment.method, payment.method),
        "can_edit": can_edit(request),
    }
    return render(request, "sales/payment_detail.html", context)


def _payment_form_page(
    request: HttpRequest,
    *,
    form: PaymentForm,
    client: Client,
    rows: list[AllocationRow],
    payment: Payment | None,
    errors: list[str],
    credit_left: Decimal | None,
    status: int = 200,
    stale: str = "",
) -> HttpResponse:
    currency = (
        payment.currency
        if payment is not None
        else payment_settings.effective(
            client, payment_settings.settings_for(client.organization_id)
        ).currency
    )
    context = {
        "form": form,
        "client": client,
        "rows": rows,
        "payment": payment,
        "creating": payment is None,
        "errors": errors,
        "row_errors": any(row.errors for row in rows),
        **credit_context(credit_left, currency),
        "stale": stale,
        "action": (
            f"{reverse('sales:payment-create')}?client={client.pk}"
            if payment is None
            else reverse("sales:payment-edit", args=[payment.pk])
        ),
    }
    return render(request, "sales/payment_form.html", context, status=status)


def _save_payment(
    request: HttpRequest,
    form: PaymentForm,
    client: Client,
    rows: list[AllocationRow],
    payment: Payment | None,
) -> HttpResponse:
    """Create or change the payment from the posted form; on refusal, the form again with
    each error next to its field or invoice."""
    organization = current_organization(request)
    form.is_valid()
    sent = posted_allocations(request.POST)
    data = {**form.service_data(), "allocations": sent}
    errors: list[str] = []
    stale = ""
    try:
        if payment is None:
            saved = services.create_payment(
                organization, current_user(request), {**data, "client": client.pk}
            )
        else:
            saved = services.update_payment(
                organization,
                current_user(request),
                payment.pk,
                data,
                version=form.cleaned_data.get("version") or None,
            )
    except ValidationFailed as exc:
        others, errors = _allocation_errors(exc, sent, rows)
        for error in others:
            form.add_service_error(error)
        status = 422
    except StaleVersion as exc:
        stale = str(exc.detail)
        status = 412
    except Conflict as exc:
        messages.error(request, str(exc.detail))
        return redirect(_record_url(client.pk))
    else:
        messages.success(
            request,
            _("Paiement enregistré.") if payment is None else _("Paiement modifié."),
        )
        return redirect("sales:payment-detail", payment_id=saved.pk)
    return _payment_form_page(
        request,
        form=form,
        client=client,
        rows=rows,
        payment=payment,
        errors=errors,
        credit_left=_credit_left(form.cleaned_data.get("amount"), sent),
        status=status,
        stale=stale,
    )


@require_http_methods(["GET", "POST"])
@member_required
def payment_create(request: HttpRequest) -> HttpResponse:
    """Record a payment: ``?client=<id>`` (the client is chosen first otherwise) and
    ``&invoice=<id>`` to pre-fill its allocation with that invoice's balance."""
    require_editor(request)
    organization = current_organization(request)
    invoice: Document | None = None
    if request.GET.get("invoice"):
        with not_found_as_404():
            invoice = services.get_document(organization, request.GET["invoice"])
    picked = picked_client(organization, request.GET)
    if picked.pk is None and invoice is not None:
        picked = PickedClient(invoice.client_id, "", False)
    if picked.pk is None:
        # First step: choose the client whose invoices the payment settles.
        context = {
            "picker_text": picked.text,
            "picker_archived": "all" if picked.archived else "false",
            "error": _("Choisissez le client dans la liste proposée.") if picked.typed else "",
        }
        return render(request, "sales/payment_client.html", context)
    client = _client_or_404(organization, picked.pk)
    if invoice is not None and invoice.client_id != client.pk:
        raise Http404(_("Facture introuvable."))
    if client.is_deleted:
        messages.error(
            request,
            _("Ce client est dans la corbeille : restaurez-le pour enregistrer un paiement."),
        )
        return redirect(_record_url(client.pk))
    if request.method == "POST":
        rows = _allocation_rows(organization, client.pk, {}, request.POST)
        return _save_payment(request, PaymentForm(request.POST), client, rows, None)
    effective = payment_settings.effective(client, payment_settings.settings_for(organization))
    initial: dict[str, Any] = {"date": services.today().isoformat(), "method": effective.method}
    prefill: dict[int, Decimal] = {}
    if invoice is not None and invoice.balance > 0:
        prefill[invoice.pk] = invoice.balance
        initial["amount"] = decimal_text(invoice.balance, 2)
    rows = _allocation_rows(organization, client.pk, {}, None, prefill)
    return _payment_form_page(
        request,
        form=PaymentForm(initial=initial),
        client=client,
        rows=rows,
        payment=None,
        errors=[],
        credit_left=ZERO if prefill else None,
    )


@require_http_methods(["GET", "POST"])
@member_required
def payment_edit(request: HttpRequest, payment_id: int) -> HttpResponse:
    require_editor(request)
    organization = current_organization(request)
    payment = _payment_or_404(request, payment_id)
    current = {
        a.invoice_id: a.amount
        for a in Allocation.objects.filter(organization=organization, payment=payment)
    }
    if request.method == "POST":
        rows = _allocation_rows(organization, payment.client_id, current, request.POST)
        return _save_payment(request, PaymentForm(request.POST), payment.client, rows, payment)
    rows = _allocation_rows(organization, payment.client_id, current, None)
    return _payment_form_page(
        request,
        form=PaymentForm(initial=payment_initial(payment)),
        client=payment.client,
        rows=rows,
        payment=payment,
        errors=[],
        credit_left=payment.unallocated,
    )


@require_POST
@member_required
def payment_credit(request: HttpRequest) -> HttpResponse:
    """What the payment form leaves as client credit, recomputed as the amounts are typed
    (htmx); the server computes it again when the form is saved."""
    left = _credit_left(request.POST.get("amount"), posted_allocations(request.POST))
    currency = str(request.POST.get("display_currency") or "EUR")[:3]
    return render(request, "sales/_payment_credit.html", credit_context(left, currency))


@require_http_methods(["GET", "POST"])
@member_required
def payment_delete(request: HttpRequest, payment_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes the payment (its invoices are due again)."""
    require_editor(request)
    payment = _payment_or_404(request, payment_id)
    if request.method == "POST":
        try:
            services.delete_payment(
                current_organization(request),
                current_user(request),
                payment.pk,
                version=request.POST.get("version") or None,
            )
        except DomainError as exc:
            messages.error(request, str(exc.detail))
            return redirect("sales:payment-detail", payment_id=payment.pk)
        messages.success(request, _("Paiement supprimé."))
        return redirect(_record_url(payment.client_id))
    allocated = Allocation.objects.filter(payment=payment).select_related("invoice")
    context = {"payment": payment, "client": payment.client, "allocations": list(allocated)}
    return render(request, "sales/payment_confirm_delete.html", context)


# --- Settings -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@member_required
def sales_settings(request: HttpRequest) -> HttpResponse:
    """What documents print of the organization, and the sales defaults: every member
    sees them, owners and admins change them."""
    organization = current_organization(request)
    if request.method == "POST":
        require_admin(request)
    settings = services.sales_settings_for(organization)
    form = SalesSettingsForm(request.POST or None, initial=settings_initial(settings))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_sales_settings(organization, current_user(request), form.service_data())
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            status = 422
        else:
            messages.success(request, _("Paramètres des ventes enregistrés."))
            return redirect("sales:settings")
    context = {
        "form": form,
        "settings": settings,
        "can_manage": is_admin(request),
        "month": dict(form.fields["fiscal_year_start_month"].widget.choices).get(  # type: ignore[attr-defined]
            str(settings.fiscal_year_start_month), ""
        ),
    }
    return render(request, "sales/settings.html", context, status=status)


# --- The client record's section ------------------------------------------------------------
@dataclass
class SalesSection:
    """What ``sales/_client_sales.html`` shows of a client."""

    documents: list[Document]
    payments: list[Payment]
    document_count: int
    invoice_count: int
    quote_count: int
    credit_note_count: int
    payment_count: int
    outstanding: Decimal
    overdue: Decimal
    credit: Decimal
    currency: str
    can_edit: bool


def sales_context(organization: Organization, client: Client, *, can_edit: bool) -> dict[str, Any]:
    """The record page's context for sales, under the key ``sales``: counts, what the
    client owes (and of it what is overdue), its credit (payments not allocated and credit
    notes not used), the 10 latest documents and payments. Four queries whatever their
    number."""
    today = services.today()
    money = DecimalField(max_digits=15, decimal_places=2)
    zero = Value(ZERO, output_field=money)
    issued_invoice = Q(type=DocumentType.INVOICE, state=DocumentState.ISSUED)
    open_part = F("total_incl_vat") - F("amount_paid") - F("amount_credited")
    documents = Document.objects.filter(organization=organization, client=client)
    figures = documents.aggregate(
        total=Count("id"),
        invoices=Count("id", filter=Q(type=DocumentType.INVOICE)),
        quotes=Count("id", filter=Q(type=DocumentType.QUOTE)),
        credit_notes=Count("id", filter=Q(type=DocumentType.CREDIT_NOTE)),
        outstanding=Coalesce(Sum(open_part, filter=issued_invoice, output_field=money), zero),
        overdue=Coalesce(
            Sum(open_part, filter=issued_invoice & Q(due_date__lt=today), output_field=money),
            zero,
        ),
        unused=Coalesce(
            Sum(
                F("total_incl_vat") - F("amount_used"),
                filter=Q(type=DocumentType.CREDIT_NOTE, state=DocumentState.ISSUED),
                output_field=money,
            ),
            zero,
        ),
    )
    recent = list(documents.order_by("-date", "-id")[:SECTION_LIMIT])
    for document in recent:
        document.client = client  # the record's own: no query per row
    decorate(recent, today)
    payments = Payment.objects.filter(organization=organization, client=client)
    payment_figures = payments.aggregate(
        total=Count("id"),
        unallocated=Coalesce(Sum(F("amount") - F("amount_allocated"), output_field=money), zero),
    )
    recent_payments = list(payments.order_by("-date", "-id")[:SECTION_LIMIT])
    methods = dict(PaymentMethod.choices)
    for payment in recent_payments:
        payment.method_label = methods.get(payment.method, payment.method)  # type: ignore[attr-defined]
    currencies = [row.currency for row in recent] + [row.currency for row in recent_payments]
    currency = next((code for code in currencies if code), "EUR")
    section = SalesSection(
        documents=recent,
        payments=recent_payments,
        document_count=figures["total"],
        invoice_count=figures["invoices"],
        quote_count=figures["quotes"],
        credit_note_count=figures["credit_notes"],
        payment_count=payment_figures["total"],
        outstanding=figures["outstanding"],
        overdue=figures["overdue"],
        credit=payment_figures["unallocated"] + figures["unused"],
        currency=currency,
        can_edit=can_edit and not client.is_deleted,
    )
    return {"sales": section}
