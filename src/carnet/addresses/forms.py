"""The address form: renders the fields and coerces what the browser sends.

It checks nothing itself: ``services`` validate through ``clean_address_input`` and the
view copies each ``FieldError`` onto the form, so the web and the API refuse the same
values with the same French messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.clients.forms import country_choices
from carnet.core.errors import ValidationFailed

from .models import Address
from .validation import EDITABLE_FIELDS, current_values

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

ADDRESS_LABELS: dict[str, StrPromise] = {
    "label": _("Libellé"),
    "line1": _("Adresse"),
    "line2": _("Complément d'adresse"),
    "line3": _("Complément d'adresse (suite)"),
    "postcode": _("Code postal"),
    "city": _("Ville"),
    "region": _("Région"),
    "country": _("Pays"),
    "is_billing": _("Adresse de facturation par défaut"),
    "is_delivery": _("Adresse de livraison par défaut"),
}


def _text(name: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=ADDRESS_LABELS[name], required=False, strip=True, **kwargs)


class AddressForm(forms.Form):
    """Every editable address field. Fields are optional and unvalidated here on purpose
    (see the module docstring); the country choices only drive the widget."""

    label = _text(
        "label",
        help_text=_("Par exemple Siège, Entrepôt, Domicile."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    line1 = _text("line1", widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    line2 = _text("line2", widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    line3 = _text("line3", widget=forms.TextInput(attrs={"autocomplete": "address-line3"}))
    postcode = _text("postcode", widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    city = _text("city", widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    region = _text("region", widget=forms.TextInput(attrs={"autocomplete": "address-level1"}))
    country = forms.CharField(
        label=ADDRESS_LABELS["country"], required=False, widget=forms.Select()
    )
    is_billing = forms.BooleanField(label=ADDRESS_LABELS["is_billing"], required=False)
    is_delivery = forms.BooleanField(label=ADDRESS_LABELS["is_delivery"], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = list(country_choices())

    def service_data(self) -> dict[str, Any]:
        """The input for ``create_address``/``update_address``: every field."""
        return {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Show each refused field under its input; others at the top of the form."""
        for error in exc.errors:
            if error.field in self.fields:
                self.add_error(error.field, str(error.message))
            else:
                self.add_error(None, f"{error.field} : {error.message}")


def initial_from_address(address: Address) -> dict[str, Any]:
    """The form's initial values for an existing address."""
    return current_values(address)
