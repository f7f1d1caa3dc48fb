"""Forms for a client's bank accounts, mandates and cards, and the creditor identifier:
they render the fields and coerce what the browser sends.

They check nothing themselves: the services validate through ``validation`` and the views
copy each ``FieldError`` onto the form, so the web and the API refuse the same values with
the same French messages. Fields are plain text on purpose (dates and numbers included),
so that what was typed reaches the rules as typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import ValidationFailed

from .models import BankAccount, Card, CardBrand, MandateScheme, MandateSequence, MandateStatus
from .validation import BANK_ACCOUNT_FIELDS, CARD_FIELDS, bank_account_values, card_values

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

LABELS: dict[str, StrPromise] = {
    "iban": _("IBAN"),
    "bic": _("BIC"),
    "holder": _("Titulaire"),
    "bank_name": _("Banque"),
    "label": _("Libellé"),
    "primary": _("Compte principal"),
    "reference": _("Référence unique du mandat (RUM)"),
    "signed_on": _("Date de signature"),
    "scheme": _("Schéma"),
    "sequence": _("Type de prélèvement"),
    "status": _("Statut"),
    "bank_account": _("Compte prélevé"),
    "signed_file": _("Mandat signé"),
    "brand": _("Marque"),
    "last4": _("4 derniers chiffres"),
    "expiry_month": _("Mois d'expiration"),
    "expiry_year": _("Année d'expiration"),
    "card_holder": _("Titulaire de la carte"),
    "card_primary": _("Carte principale"),
    "creditor_identifier": _("Identifiant créancier SEPA (ICS)"),
}


class ServiceErrorsMixin:
    """Show each refused field under its input; others at the top of the form."""

    fields: dict[str, Any]

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for error in exc.errors:
            field = error.field if error.field in self.fields else None
            if error.field == "file" and "signed_file" in self.fields:
                field = "signed_file"
            message = str(error.message) if field else f"{error.field} : {error.message}"
            self.add_error(field, message)  # type: ignore[attr-defined]


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=True, **kwargs)


# --- Bank accounts ----------------------------------------------------------------------
class BankAccountForm(ServiceErrorsMixin, forms.Form):
    iban = _text(
        LABELS["iban"],
        help_text=_("Avec ou sans espaces, par exemple FR76 3000 6000 0112 3456 7890 189."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = _text(
        LABELS["bic"],
        help_text=_("8 ou 11 caractères, par exemple BNPAFRPP."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    holder = _text(LABELS["holder"])
    bank_name = _text(LABELS["bank_name"])
    label = _text(LABELS["label"], help_text=_("Par exemple Compte courant, Compte pro."))
    primary = forms.BooleanField(label=LABELS["primary"], required=False)

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in BANK_ACCOUNT_FIELDS}


def initial_from_account(account: BankAccount) -> dict[str, Any]:
    values = bank_account_values(account)
    values["iban"] = account.iban_formatted
    return values


# --- Mandates ---------------------------------------------------------------------------
def account_choices(accounts: Iterable[BankAccount]) -> list[tuple[str, str]]:
    """The client's accounts as options, by label and masked IBAN."""
    return [(str(account.pk), account.summary()) for account in accounts]


class MandateForm(ServiceErrorsMixin, forms.Form):
    reference = _text(
        LABELS["reference"],
        help_text=_(
            "35 caractères au plus : lettres sans accent, chiffres, espaces et / - ? : ( ) . , ' +"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    signed_on = _text(LABELS["signed_on"], widget=forms.DateInput(attrs={"type": "date"}))
    scheme = forms.ChoiceField(
        label=LABELS["scheme"], required=False, choices=MandateScheme.choices
    )
    sequence = forms.ChoiceField(
        label=LABELS["sequence"], required=False, choices=MandateSequence.choices
    )
    status = forms.ChoiceField(
        label=LABELS["status"],
        required=False,
        choices=[
            (MandateStatus.ACTIVE.value, MandateStatus.ACTIVE.label),
            (MandateStatus.PENDING.value, MandateStatus.PENDING.label),
        ],
    )
    bank_account = forms.CharField(
        label=LABELS["bank_account"], required=False, widget=forms.Select()
    )
    signed_file = forms.FileField(
        label=LABELS["signed_file"],
        required=False,
        help_text=_("Le mandat signé par le client, ajouté à ses documents."),
    )

    def __init__(self, *args: Any, accounts: Iterable[BankAccount] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].widget.choices = account_choices(accounts)

    def service_data(self) -> dict[str, Any]:
        names = ("reference", "signed_on", "scheme", "sequence", "status", "bank_account")
        return {name: self.cleaned_data.get(name) for name in names}


class MandateEditForm(ServiceErrorsMixin, forms.Form):
    """What may change on a recorded mandate: the account it debits, its signed copy, and
    a pending mandate's activation (revoking has its own page)."""

    bank_account = forms.CharField(
        label=LABELS["bank_account"], required=False, widget=forms.Select()
    )
    signed_file = forms.FileField(label=LABELS["signed_file"], required=False)
    activate = forms.BooleanField(label=_("Activer le mandat"), required=False)

    def __init__(self, *args: Any, accounts: Iterable[BankAccount] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].widget.choices = account_choices(accounts)

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"bank_account": self.cleaned_data.get("bank_account")}
        if self.cleaned_data.get("activate"):
            data["status"] = MandateStatus.ACTIVE
        return data


# --- Cards ------------------------------------------------------------------------------
MONTH_CHOICES = [("", "—")] + [(str(month), f"{month:02d}") for month in range(1, 13)]


class CardForm(ServiceErrorsMixin, forms.Form):
    brand = forms.ChoiceField(label=LABELS["brand"], required=False, choices=CardBrand.choices)
    last4 = _text(
        LABELS["last4"],
        help_text=_("Jamais le numéro complet de la carte : seuls ses 4 derniers chiffres."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    expiry_month = forms.ChoiceField(
        label=LABELS["expiry_month"], required=False, choices=MONTH_CHOICES
    )
    expiry_year = _text(
        LABELS["expiry_year"], widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    holder = _text(LABELS["card_holder"])
    primary = forms.BooleanField(label=LABELS["card_primary"], required=False)

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in CARD_FIELDS}


def initial_from_card(card: Card) -> dict[str, Any]:
    return card_values(card)


# --- SEPA creditor identifier -----------------------------------------------------------
class CreditorForm(ServiceErrorsMixin, forms.Form):
    creditor_identifier = _text(
        LABELS["creditor_identifier"],
        help_text=_(
            "Attribué par votre banque, par exemple FR72ZZZ123456 (13 caractères en France). "
            "Laissez vide pour l'effacer."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def service_data(self) -> dict[str, Any]:
        return {"creditor_identifier": self.cleaned_data.get("creditor_identifier")}
