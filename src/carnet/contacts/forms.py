"""The contact form: renders the fields and coerces what the browser sends.

It checks nothing itself: ``services`` validate through ``clean_contact_input`` and the
view copies each ``FieldError`` onto the form, so the web and the API refuse the same
values with the same French messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import ValidationFailed

from .models import Civility, Contact, Role
from .validation import EDITABLE_FIELDS, current_values

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

CONTACT_LABELS: dict[str, StrPromise] = {
    "civility": _("Civilité"),
    "first_name": _("Prénom"),
    "last_name": _("Nom de famille"),
    "job_title": _("Fonction"),
    "email": _("E-mail"),
    "phone": _("Téléphone"),
    "mobile": _("Mobile"),
    "notes": _("Notes"),
    "roles": _("Rôles pour ce client"),
    "favorite": _("Favori (reçoit les e-mails et les relances automatiques)"),
}


def _text(name: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=CONTACT_LABELS[name], required=False, strip=True, **kwargs)


class ContactForm(forms.Form):
    """Every editable contact field. Optional and unvalidated here on purpose (see the
    module docstring)."""

    civility = forms.ChoiceField(
        label=CONTACT_LABELS["civility"],
        required=False,
        choices=[("", "—"), *Civility.choices],
    )
    first_name = _text("first_name", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = _text("last_name", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    job_title = _text("job_title", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = _text("email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = _text("phone", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    mobile = _text("mobile", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    notes = forms.CharField(
        label=CONTACT_LABELS["notes"], required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_data(self) -> dict[str, Any]:
        """The input for ``create_contact``/``update_contact``: every field."""
        return {name: self.cleaned_data.get(name) or "" for name in EDITABLE_FIELDS}

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Show each refused field under its input; others at the top of the form."""
        for error in exc.errors:
            if error.field in self.fields:
                self.add_error(error.field, str(error.message))
            else:
                self.add_error(None, f"{error.field} : {error.message}")


class ClientContactForm(ContactForm):
    """A new contact for a client, with its roles for that client."""

    roles = forms.MultipleChoiceField(
        label=CONTACT_LABELS["roles"],
        required=False,
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    favorite = forms.BooleanField(label=CONTACT_LABELS["favorite"], required=False)


def initial_from_contact(contact: Contact) -> dict[str, Any]:
    """The form's initial values for an existing contact."""
    return current_values(contact)
