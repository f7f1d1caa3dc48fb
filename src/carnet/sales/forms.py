"""Forms of the sales pages: documents with their lines, payments with their allocations,
the sales settings. They render the fields and carry what the browser sends.

They check nothing themselves: the services validate through ``validation`` and the views
copy each ``FieldError`` onto the form (a line's error onto its line, an allocation's onto
its invoice), so the web and the API refuse the same values with the same French
messages. Fields are plain text on purpose (dates and numbers included), so that what was
typed reaches the rules as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import FieldError, ValidationFailed
from carnet.payments.models import VAT_RATES, PaymentMethod

from .models import Document, DocumentLine, Payment, SalesSettings
from .validation import MAX_LINES, blank

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

LABELS: dict[str, StrPromise] = {
    "client": _("Client"),
    "date": _("Date"),
    "due_date": _("Échéance"),
    "valid_until": _("Valable jusqu'au"),
    "subject": _("Objet"),
    "discount_percent": _("Remise globale (%)"),
    "discount_amount": _("Remise globale (montant HT)"),
    "notes": _("Notes"),
    "description": _("Désignation"),
    "reference": _("Référence"),
    "quantity": _("Quantité"),
    "unit_price": _("Prix unitaire HT"),
    "line_discount": _("Remise (%)"),
    "vat_rate": _("TVA (%)"),
    "unit_cost": _("Coût unitaire"),
    "amount": _("Montant"),
    "method": _("Mode de paiement"),
    "payment_reference": _("Référence du paiement"),
    "legal_name": _("Raison sociale"),
    "legal_form": _("Forme juridique"),
    "address": _("Adresse"),
    "siret": _("SIRET"),
    "vat_number": _("N° de TVA intracommunautaire"),
    "rcs": _("RCS"),
    "share_capital": _("Capital social (€)"),
    "late_penalty_rate": _("Taux des pénalités de retard (%)"),
    "quote_validity_days": _("Durée de validité des devis (jours)"),
    "fiscal_year_start_month": _("Premier mois de l'exercice"),
}

LINE_FIELDS = (
    "description",
    "reference",
    "quantity",
    "unit_price",
    "discount_percent",
    "vat_rate",
    "unit_cost",
)
# What makes a line more than an empty row left at the end of the table.
_LINE_CONTENT = ("description", "reference", "unit_price", "discount_percent", "unit_cost")


def decimal_text(value: Decimal | None, places: int = 0) -> str:
    """A stored number as a person types it: "4,2000" → "4,20" (at least ``places``
    decimals), "3,000" → "3", "20,00" → "20"."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    if places:
        whole, _dot, decimals = text.partition(".")
        text = f"{whole}.{decimals.ljust(places, '0')}"
    return text.replace(".", ",")


def vat_choices() -> list[tuple[str, str]]:
    """The French VAT rates, as the line's select offers them ("5.5" shown "5,5 %")."""
    return [(rate_value(rate), f"{decimal_text(rate)} %") for rate in VAT_RATES]


def rate_value(rate: Decimal) -> str:
    """A VAT rate as the select's value: 5.50 → "5.5", 20.00 → "20"."""
    return format(rate.normalize(), "f")


def small_int(value: Any) -> int | None:
    """A row index or count posted by the form (0 included), None for anything else."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=True, **kwargs)


def _number(label: Any, **kwargs: Any) -> forms.CharField:
    attrs = {"inputmode": "decimal", "autocomplete": "off", **kwargs.pop("attrs", {})}
    return _text(label, widget=forms.TextInput(attrs=attrs), **kwargs)


def _date(label: Any, **kwargs: Any) -> forms.CharField:
    return _text(label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


class ServiceErrorsMixin:
    """Show each refused field under its input; the others at the top of the form."""

    fields: dict[str, Any]

    def add_service_error(self, error: FieldError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))  # type: ignore[attr-defined]

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for error in exc.errors:
            self.add_service_error(error)


# --- Documents ----------------------------------------------------------------------------
class DocumentForm(ServiceErrorsMixin, forms.Form):
    """A document's own fields; the client comes from the picker, the lines from
    ``LineForm``s."""

    client = _text(LABELS["client"])  # errors only: the picker renders the inputs
    date = _date(LABELS["date"])
    due_date = _date(
        LABELS["due_date"],
        help_text=_("Laissez vide : calculée d'après le délai de paiement du client."),
    )
    valid_until = _date(
        LABELS["valid_until"],
        help_text=_("Laissez vide : d'après la durée de validité des devis."),
    )
    subject = _text(LABELS["subject"])
    discount_percent = _number(LABELS["discount_percent"])
    discount_amount = _number(LABELS["discount_amount"])
    notes = _text(LABELS["notes"], widget=forms.Textarea(attrs={"rows": 3}))
    version = _text("", widget=forms.HiddenInput())


def document_initial(document: Document) -> dict[str, Any]:
    """A draft's values as its form shows them. The due date and the validity are left
    empty when they are what the client's terms and the settings give (so that changing
    the date moves them along)."""
    from .services import due_date_for, sales_settings_for

    due = document.due_date
    if due is not None and due == due_date_for(
        document.date, document.payment_terms_days, document.payment_terms_end_of_month
    ):
        due = None
    valid_until = document.valid_until
    if valid_until is not None:
        days = sales_settings_for(document.organization_id).quote_validity_days
        if (valid_until - document.date).days == days:
            valid_until = None
    return {
        "date": document.date.isoformat(),
        "due_date": due.isoformat() if due else "",
        "valid_until": valid_until.isoformat() if valid_until else "",
        "subject": document.subject,
        "discount_percent": decimal_text(document.discount_percent),
        "discount_amount": decimal_text(document.discount_amount, 2),
        "notes": document.notes,
        "version": str(document.version),
    }


class LineForm(forms.Form):
    """One row of the lines table (prefix ``lines-<index>``)."""

    description = _text(
        LABELS["description"],
        widget=forms.Textarea(
            attrs={"rows": 2, "class": "line-text", "placeholder": LABELS["description"]}
        ),
    )
    reference = _text(LABELS["reference"])
    quantity = _number(LABELS["quantity"], attrs={"size": "6"})
    unit_price = _number(LABELS["unit_price"], attrs={"size": "8"})
    discount_percent = _number(LABELS["line_discount"], attrs={"size": "4"})
    vat_rate = forms.CharField(
        label=LABELS["vat_rate"],
        required=False,
        widget=forms.Select(attrs={"style": "min-width: 5.5rem"}),
    )
    unit_cost = _number(LABELS["unit_cost"], attrs={"size": "8"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vat_rate"].widget.choices = vat_choices()
        self.row_errors: list[str] = []

    def service_data(self) -> dict[str, str]:
        return {name: (self.data.get(self.add_prefix(name)) or "").strip() for name in LINE_FIELDS}


def line_values(line: DocumentLine) -> dict[str, str]:
    return {
        "description": line.description,
        "reference": line.reference,
        "quantity": decimal_text(line.quantity),
        "unit_price": decimal_text(line.unit_price, 2),
        "discount_percent": decimal_text(line.discount_percent) if line.discount_percent else "",
        "vat_rate": rate_value(line.vat_rate),
        "unit_cost": decimal_text(line.unit_cost, 2),
    }


def empty_line(vat_rate: Decimal) -> dict[str, str]:
    return {**dict.fromkeys(LINE_FIELDS, ""), "quantity": "1", "vat_rate": rate_value(vat_rate)}


class LineTable:
    """The lines of the document form: rows kept as typed, one added or removed on
    request (a plain submit, so it works without JavaScript), the errors of each line
    next to it."""

    def __init__(self, rows: Iterable[Mapping[str, str]]) -> None:
        self.rows = [dict(row) for row in rows][:MAX_LINES]
        self.errors: list[str] = []
        self.added: int | None = None
        self._build()
        # Row index of each line sent to the service (empty rows are left out).
        self.sent: list[int] = []

    @classmethod
    def from_post(cls, data: Mapping[str, Any]) -> LineTable:
        count = small_int(data.get("line_count")) or 0
        count = min(count, MAX_LINES)
        rows = [
            {name: str(data.get(f"lines-{index}-{name}", "")) for name in LINE_FIELDS}
            for index in range(count)
        ]
        return cls(rows)

    def _build(self) -> None:
        self.forms = [
            LineForm(
                {f"lines-{index}-{name}": value for name, value in row.items()},
                prefix=f"lines-{index}",
            )
            for index, row in enumerate(self.rows)
        ]

    def add(self, vat_rate: Decimal) -> None:
        if len(self.rows) < MAX_LINES:
            self.rows.append(empty_line(vat_rate))
            self._build()
            self.added = len(self.rows) - 1
            # The new row takes the focus, with or without JavaScript (htmx honours it).
            self.forms[-1].fields["description"].widget.attrs["autofocus"] = True

    def remove(self, index: Any) -> None:
        position = small_int(index)
        if position is not None and 0 <= position < len(self.rows):
            del self.rows[position]
            self._build()

    def service_data(self) -> list[dict[str, str]]:
        """The lines that hold something, as ``create_document`` takes them."""
        lines = []
        self.sent = []
        for index, form in enumerate(self.forms):
            values = form.service_data()
            if all(blank(values[name]) for name in _LINE_CONTENT):
                continue
            lines.append(values)
            self.sent.append(index)
        return lines

    def add_error(self, error: FieldError) -> bool:
        """Put a ``lines…`` error on its line (``lines[2].quantity`` → the third line
        sent); False when the error is not about the lines."""
        if error.field == "lines":
            self.errors.append(str(error.message))
            return True
        if not error.field.startswith("lines["):
            return False
        head, _bracket, rest = error.field[len("lines[") :].partition("]")
        number = small_int(head)
        if number is None or number >= len(self.sent):
            self.errors.append(str(error.message))
            return True
        form = self.forms[self.sent[number]]
        name = rest.lstrip(".")
        if name in form.fields:
            form.add_error(name, str(error.message))
        else:
            form.row_errors.append(str(error.message))
        return True

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(form.errors or form.row_errors for form in self.forms)


# --- Payments -----------------------------------------------------------------------------
class PaymentForm(ServiceErrorsMixin, forms.Form):
    client = _text(LABELS["client"], widget=forms.HiddenInput())
    date = _date(LABELS["date"])
    amount = _number(LABELS["amount"])
    method = forms.CharField(
        label=LABELS["method"], required=False, widget=forms.Select(choices=PaymentMethod.choices)
    )
    reference = _text(
        LABELS["payment_reference"], help_text=_("N° de chèque, libellé du virement…")
    )
    notes = _text(LABELS["notes"], widget=forms.Textarea(attrs={"rows": 2}))
    version = _text("", widget=forms.HiddenInput())

    def service_data(self) -> dict[str, Any]:
        names = ("date", "amount", "method", "reference", "notes")
        return {name: self.cleaned_data.get(name) or "" for name in names}


def payment_initial(payment: Payment) -> dict[str, Any]:
    return {
        "client": str(payment.client_id),
        "date": payment.date.isoformat(),
        "amount": decimal_text(payment.amount, 2),
        "method": payment.method,
        "reference": payment.reference,
        "notes": payment.notes,
        "version": str(payment.version),
    }


ALLOCATION_PREFIX = "allocation-"


def posted_allocations(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The amounts typed against invoices (inputs ``allocation-<invoice id>``), in the
    order of the page; empty inputs are no allocation."""
    found = []
    for key in data:
        if key.startswith(ALLOCATION_PREFIX):
            amount = str(data.get(key) or "").strip()
            if amount:
                found.append({"document": key[len(ALLOCATION_PREFIX) :], "amount": amount})
    return found


# --- Settings -----------------------------------------------------------------------------
def month_choices() -> list[tuple[str, str]]:
    return [(str(number), capfirst(name)) for number, name in MONTHS.items()]


class SalesSettingsForm(ServiceErrorsMixin, forms.Form):
    legal_name = _text(LABELS["legal_name"])
    legal_form = _text(LABELS["legal_form"], help_text=_("Par exemple SARL, SAS, EI."))
    address = _text(LABELS["address"], widget=forms.Textarea(attrs={"rows": 3}))
    siret = _text(LABELS["siret"], help_text=_("14 chiffres, avec ou sans espaces."))
    vat_number = _text(LABELS["vat_number"], help_text=_("Par exemple FR40303265045."))
    rcs = _text(LABELS["rcs"], help_text=_("Par exemple RCS Lyon 732 829 320."))
    share_capital = _number(LABELS["share_capital"])
    late_penalty_rate = _number(
        LABELS["late_penalty_rate"],
        help_text=_("Imprimé sur les factures (article L. 441-10 du Code de commerce)."),
    )
    quote_validity_days = _number(LABELS["quote_validity_days"])
    fiscal_year_start_month = forms.CharField(
        label=LABELS["fiscal_year_start_month"],
        required=False,
        widget=forms.Select(),
        help_text=_("Le chiffre d'affaires de l'exercice des fiches clients en dépend."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year_start_month"].widget.choices = month_choices()

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


def settings_initial(settings: SalesSettings) -> dict[str, Any]:
    return {
        "legal_name": settings.legal_name,
        "legal_form": settings.legal_form,
        "address": settings.address,
        "siret": settings.siret,
        "vat_number": settings.vat_number,
        "rcs": settings.rcs,
        "share_capital": decimal_text(settings.share_capital, 2),
        "late_penalty_rate": decimal_text(settings.late_penalty_rate),
        "quote_validity_days": str(settings.quote_validity_days),
        "fiscal_year_start_month": str(settings.fiscal_year_start_month),
    }
