"""The client form: renders the fields and coerces what the browser sends.

It checks nothing itself: ``services`` validate through ``clean_client_input`` and the
view copies each ``FieldError`` onto the form, so the web, the API and the importer
refuse the same values with the same French messages.
"""

from __future__ import annotations

import gettext
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import pycountry
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Membership, Organization
from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.text import fold
from carnet.customfields import forms as custom_forms
from carnet.customfields.queries import definitions_for

from .models import Category, Civility, Client, Kind
from .validation import current_values

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from carnet.customfields.models import CustomField

# One label per field, shared by the form, the record page and the history.
FIELD_LABELS: dict[str, StrPromise] = {
    "kind": _("Type"),
    "civility": _("Civilité"),
    "first_name": _("Prénom"),
    "last_name": _("Nom de famille"),
    "name": _("Nom"),
    "reference": _("Référence"),
    "email": _("E-mail"),
    "phone": _("Téléphone"),
    "mobile": _("Mobile"),
    "fax": _("Fax"),
    "website": _("Site web"),
    "country": _("Pays"),
    "legal_form": _("Forme juridique"),
    "siret": _("SIRET"),
    "siren": _("SIREN"),
    "naf_code": _("Code NAF / APE"),
    "share_capital": _("Capital social (€)"),
    "rcs": _("RCS"),
    "vat_number": _("N° de TVA intracommunautaire"),
    "vat_regime": _("Régime de TVA"),
    "sector": _("Secteur d'activité"),
    "employee_count": _("Effectif"),
    "linkedin_url": _("LinkedIn"),
    "twitter_url": _("X (Twitter)"),
    "facebook_url": _("Facebook"),
    "viadeo_url": _("Viadeo"),
    "customer_account": _("Compte client"),
    "auxiliary_account": _("Compte auxiliaire"),
    "marketing_email": _("Accepte les e-mails commerciaux"),
    "marketing_sms": _("Accepte les SMS commerciaux"),
    "notes": _("Notes"),
    "tags": _("Étiquettes"),
    "category": _("Catégorie"),
    "custom_fields": _("Champs personnalisés"),
    "owner": _("Responsable"),
    "payment_terms_days": _("Délai de paiement"),
    "payment_terms_end_of_month": _("Fin de mois"),
    "payment_method": _("Mode de paiement"),
    "discount_percent": _("Remise en pourcentage"),
    "discount_amount": _("Remise en montant"),
    "currency": _("Devise"),
    "default_vat_rate": _("Taux de TVA par défaut"),
    "price_category": _("Catégorie de prix"),
    "carrier": _("Transporteur"),
    "pays_into": _("Compte de règlement"),
    "archived": _("Archivé"),
    "deleted_at": _("Mis à la corbeille le"),
    "revenue": _("Chiffre d'affaires HT"),
    "address": _("Adresse"),
    "billing_address": _("Adresse de facturation"),
    "delivery_address": _("Adresse de livraison"),
    "job_title": _("Fonction"),
    "contact": _("Contact"),
    "main_contact": _("Contact principal"),
    "billing_contact": _("Contact de facturation"),
    "dunning_contact": _("Contact de relance"),
}


@cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    # pycountry ships the ISO 3166 names translated (gettext catalogues); English is the source.
    catalogue = (
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        if language != "en"
        else gettext.NullTranslations()
    )
    countries = [(c.alpha_2, catalogue.gettext(c.name)) for c in pycountry.countries]
    return tuple(sorted(countries, key=lambda item: fold(item[1])))


def country_choices() -> tuple[tuple[str, str], ...]:
    """ISO 3166-1 countries as (code, name) in the active language, sorted by name."""
    return _country_choices((translation.get_language() or "fr").split("-")[0])


def country_name(code: str) -> str:
    """The country's name in the active language (the code itself when unknown)."""
    return dict(country_choices()).get(code, code)


def _text(label_key: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=FIELD_LABELS[label_key], required=False, strip=True, **kwargs)


class ClientForm(forms.Form):
    """Every editable client field, as plain text inputs, selects and checkboxes.

    Fields are optional and unvalidated here on purpose (see the module docstring);
    choices only drive the widgets.
    """

    kind = forms.CharField(
        label=FIELD_LABELS["kind"],
        required=False,
        widget=forms.RadioSelect(choices=Kind.choices, attrs={"data-kind-switch": ""}),
    )
    civility = forms.CharField(
        label=FIELD_LABELS["civility"],
        required=False,
        widget=forms.Select(choices=[("", "—"), *Civility.choices]),
    )
    first_name = _text("first_name", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = _text("last_name", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = _text(
        "name",
        help_text=_(
            "Raison sociale d'une entreprise. Pour un particulier, laissé vide : prénom et nom."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reference = _text(
        "reference", help_text=_("Générée automatiquement si laissée vide (CLI-00001…).")
    )
    category = _text("category", widget=forms.TextInput(attrs={"list": "category-options"}))
    tags = _text("tags", help_text=_("Séparées par des virgules."))
    owner = forms.CharField(label=FIELD_LABELS["owner"], required=False, widget=forms.Select())

    email = _text("email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = _text("phone", widget=forms.TextInput(attrs={"type": "tel"}))
    mobile = _text("mobile", widget=forms.TextInput(attrs={"type": "tel"}))
    fax = _text("fax", widget=forms.TextInput(attrs={"type": "tel"}))
    website = _text("website", widget=forms.TextInput(attrs={"inputmode": "url"}))
    country = forms.CharField(label=FIELD_LABELS["country"], required=False, widget=forms.Select())

    legal_form = _text(
        "legal_form", widget=forms.TextInput(attrs={"placeholder": _("SAS, SARL, EI…")})
    )
    siret = _text("siret", help_text=_("14 chiffres ; les espaces sont acceptés."))
    siren = _text("siren", help_text=_("Déduit du SIRET si laissé vide."))
    naf_code = _text("naf_code", widget=forms.TextInput(attrs={"placeholder": "62.01Z"}))
    vat_number = _text(
        "vat_number", help_text=_("Pour un client de l'UE, le régime d'autoliquidation en dépend.")
    )
    rcs = _text("rcs", widget=forms.TextInput(attrs={"placeholder": _("RCS Paris B 552 100 554")}))
    share_capital = _text("share_capital", widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    sector = _text("sector")
    employee_count = _text("employee_count", widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    linkedin_url = _text("linkedin_url", widget=forms.TextInput(attrs={"inputmode": "url"}))
    twitter_url = _text("twitter_url", widget=forms.TextInput(attrs={"inputmode": "url"}))
    facebook_url = _text("facebook_url", widget=forms.TextInput(attrs={"inputmode": "url"}))
    viadeo_url = _text("viadeo_url", widget=forms.TextInput(attrs={"inputmode": "url"}))

    customer_account = _text("customer_account")
    auxiliary_account = _text("auxiliary_account")
    marketing_email = forms.BooleanField(label=FIELD_LABELS["marketing_email"], required=False)
    marketing_sms = forms.BooleanField(label=FIELD_LABELS["marketing_sms"], required=False)
    notes = forms.CharField(
        label=FIELD_LABELS["notes"],
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    # Payment preferences: blank follows the organization's defaults, which the choices
    # and placeholders name (filled in ``__init__``).
    payment_terms_days = _text(
        "payment_terms_days",
        help_text=_("En jours : 0, 15, 30, 45, 60 ou un autre nombre."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "list": "usual-terms", "autocomplete": "off"}
        ),
    )
    payment_terms_end_of_month = forms.CharField(
        label=FIELD_LABELS["payment_terms_end_of_month"], required=False, widget=forms.Select()
    )
    payment_method = forms.CharField(
        label=FIELD_LABELS["payment_method"], required=False, widget=forms.Select()
    )
    discount_percent = _text(
        "discount_percent", widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    discount_amount = _text(
        "discount_amount", widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    currency = _text(
        "currency",
        widget=forms.TextInput(
            attrs={"maxlength": "3", "list": "currencies", "autocomplete": "off"}
        ),
    )
    default_vat_rate = forms.CharField(
        label=FIELD_LABELS["default_vat_rate"], required=False, widget=forms.Select()
    )
    price_category = forms.CharField(
        label=FIELD_LABELS["price_category"], required=False, widget=forms.Select()
    )
    carrier = forms.CharField(label=FIELD_LABELS["carrier"], required=False, widget=forms.Select())
    pays_into = forms.CharField(
        label=FIELD_LABELS["pays_into"], required=False, widget=forms.Select()
    )

    # The version the edit form was loaded with (optimistic concurrency).
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(
        self, *args: Any, organization: Organization, creating: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        # One input per custom field ("cf_<slug>"), the default filled in for a new client.
        self.custom_definitions = definitions_for(organization)
        custom_forms.add_client_inputs(self, self.custom_definitions, creating=creating)
        members = (
            Membership.objects.filter(organization=organization)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        self.fields["owner"].widget.choices = [("", "—")] + [
            (str(m.user_id), m.user.display_name) for m in members
        ]
        self.fields["country"].widget.choices = list(country_choices())
        self.category_names = list(
            Category.objects.filter(organization=organization).values_list("name", flat=True)[:500]
        )
        self._payment_choices(organization)

    def _payment_choices(self, organization: Organization) -> None:
        from carnet.payments import services as payments
        from carnet.payments.models import (
            USUAL_TERMS,
            VAT_RATES,
            Carrier,
            OrganizationBankAccount,
            PaymentMethod,
            PriceCategory,
        )

        defaults = payments.settings_for(organization)
        self.usual_terms = USUAL_TERMS
        self.fields["payment_terms_days"].widget.attrs["placeholder"] = _(
            "Par défaut : %(days)d jours"
        ) % {"days": defaults.terms_days}
        default_flag = _("oui") if defaults.terms_end_of_month else _("non")
        self.fields["payment_terms_end_of_month"].widget.choices = [
            ("", _("Par défaut (%(value)s)") % {"value": default_flag}),
            ("True", _("Oui")),
            ("False", _("Non")),
        ]
        self.fields["payment_method"].widget.choices = [
            ("", _("Par défaut (%(value)s)") % {"value": PaymentMethod(defaults.method).label}),
            *PaymentMethod.choices,
        ]
        self.fields["currency"].widget.attrs["placeholder"] = _("Par défaut : %(code)s") % {
            "code": defaults.currency
        }
        self.fields["default_vat_rate"].widget.choices = [
            ("", _("Par défaut (%(rate)s %%)") % {"rate": _percent(defaults.vat_rate)}),
            *((f"{rate:.2f}", f"{_percent(rate)} %") for rate in VAT_RATES),
        ]
        for name, model in (("price_category", PriceCategory), ("carrier", Carrier)):
            self.fields[name].widget.choices = [("", "—")] + [
                (item, item)
                for item in model.objects.filter(organization=organization).values_list(
                    "name", flat=True
                )
            ]
        accounts = list(OrganizationBankAccount.objects.filter(organization=organization))
        default_account = next((a.label for a in accounts if a.is_default), None)
        self.fields["pays_into"].widget.choices = [
            (
                "",
                _("Par défaut (%(label)s)") % {"label": default_account}
                if default_account
                else "—",
            ),
            *((str(a.pk), a.label) for a in accounts),
        ]

    def service_data(self, *, only_changed: bool = False) -> dict[str, Any]:
        """The input for ``create_client``/``update_client``.

        With ``only_changed``, only the fields the user changed (compared with the
        initial values): an untouched SIREN is then derived again from a new SIRET.
        """
        names = self.changed_data if only_changed else list(self.fields)
        data = {
            name: self.cleaned_data.get(name)
            for name in names
            if name != "version" and not name.startswith(custom_forms.INPUT_PREFIX)
        }
        custom = {
            field.slug: self.cleaned_data.get(custom_forms.input_name(field))
            for field in self.custom_definitions
            if custom_forms.input_name(field) in names
        }
        if custom:
            data["custom_fields"] = custom
        return data

    @property
    def custom_inputs(self) -> list[tuple[forms.BoundField, CustomField]]:
        """(bound input, definition) of each custom field, in display order."""
        return [(self[custom_forms.input_name(f)], f) for f in self.custom_definitions]

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Show each refused field under its input; others at the top of the form."""
        for error in exc.errors:
            self.add_field_error(error)

    def add_field_error(self, error: FieldError) -> None:
        name = custom_forms.input_for_error(error.field) or error.field
        if name in self.fields:
            self.add_error(name, str(error.message))
        else:
            label = FIELD_LABELS.get(error.field, error.field)
            self.add_error(None, f"{label} : {error.message}")


def _percent(rate: Decimal) -> str:
    """A VAT rate as French people write it: 20, 5,5."""
    text = f"{rate.normalize():f}"
    return text.replace(".", ",")


def initial_from_client(client: Client) -> dict[str, Any]:
    """The form's initial values for an existing client."""
    values = current_values(client)
    initial: dict[str, Any] = {}
    for name in ClientForm.base_fields:
        value = values.get(name)
        if name == "tags":
            value = ", ".join(value or [])
        elif name in ("owner", "pays_into", "payment_terms_end_of_month"):
            value = "" if value is None else str(value)
        elif isinstance(value, Decimal):
            value = f"{value:f}"
        elif value is None:
            value = ""
        elif isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        initial[name] = value
    for slug, value in (client.custom_fields or {}).items():
        initial[f"{custom_forms.INPUT_PREFIX}{slug}"] = custom_forms.stored_as_input(value)
    initial["version"] = client.version
    return initial
