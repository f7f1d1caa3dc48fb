"""Forms for custom fields: the definition form of the settings pages, and the inputs the
client form gets for each definition. Rendering and coercion only: the rules stay in
``validation.py`` and ``services.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import FieldError, ValidationFailed

from .models import CHOICE_TYPES, CustomField, FieldType

# The client form names the input of the field "slug" "cf_slug".
INPUT_PREFIX = "cf_"
ERROR_PREFIX = "custom_fields."


class ChoiceListField(forms.Field):
    """The ticked boxes of a multiple-choice field, as a list of strings (unchecked)."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [] if value in (None, "") else [str(value)]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial) != self.to_python(data)


def client_input(field: CustomField) -> forms.Field:
    """The client form's input for one custom field (optional here: "required" is the
    services' rule, shown by the template)."""
    attrs: dict[str, str] = {"aria-required": "true"} if field.required else {}
    label = field.name
    kind = field.type
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={"rows": 3, **attrs})
        )
    if kind == FieldType.BOOLEAN:
        choices = [("", "—"), ("true", _("Oui")), ("false", _("Non"))]
        return forms.CharField(
            label=label, required=False, widget=forms.Select(choices=choices, attrs=attrs)
        )
    if kind == FieldType.CHOICE:
        options = [("", "—"), *((c, c) for c in field.choices)]
        return forms.CharField(
            label=label, required=False, widget=forms.Select(choices=options, attrs=attrs)
        )
    if kind == FieldType.MULTIPLE_CHOICE:
        return ChoiceListField(
            label=label,
            required=False,
            widget=forms.CheckboxSelectMultiple(choices=[(c, c) for c in field.choices]),
        )
    widgets: dict[str, forms.Widget] = {
        FieldType.INTEGER: forms.TextInput(attrs={"inputmode": "numeric", **attrs}),
        FieldType.DECIMAL: forms.TextInput(attrs={"inputmode": "decimal", **attrs}),
        FieldType.DATE: forms.DateInput(attrs={"type": "date", **attrs}),
        FieldType.URL: forms.URLInput(attrs=attrs),
        FieldType.EMAIL: forms.EmailInput(attrs=attrs),
    }
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=widgets.get(kind, forms.TextInput(attrs=attrs)),
    )


def stored_as_input(value: Any) -> Any:
    """A stored value as the client form's input holds it (a list for checkboxes)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def input_name(field: CustomField) -> str:
    return f"{INPUT_PREFIX}{field.slug}"


def input_for_error(error_field: str) -> str | None:
    """The client form input of a "custom_fields.<slug>" error, else None."""
    if error_field.startswith(ERROR_PREFIX):
        return INPUT_PREFIX + error_field[len(ERROR_PREFIX) :]
    return None


def add_client_inputs(
    form: forms.Form,
    definitions: Sequence[CustomField],
    *,
    creating: bool,
) -> None:
    """Add one input per custom field to the client form, with its initial value (the
    default for a new client)."""
    for field in definitions:
        name = input_name(field)
        form.fields[name] = client_input(field)
        initial = form.initial.get(name)
        if initial in (None, "", []) and creating and field.default is not None:
            initial = stored_as_input(field.default)
        if field.type == FieldType.MULTIPLE_CHOICE:
            initial = ChoiceListField().to_python(initial)
        form.initial[name] = "" if initial is None else initial


# --- The definition form ----------------------------------------------------------------
def _default_text(field: CustomField) -> str:
    value = field.default
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field.type == FieldType.DATE and isinstance(value, str) and len(value) == 10:
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    return str(value)


class CustomFieldForm(forms.Form):
    """A custom field's definition. ``slug`` is only editable when creating."""

    name = forms.CharField(label=_("Nom"), required=False, strip=True)
    slug = forms.CharField(
        label=_("Identifiant"),
        required=False,
        strip=True,
        help_text=_(
            "La clé du champ dans l'API et les imports. Générée à partir du nom si laissée "
            "vide ; elle ne peut plus changer ensuite."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    type = forms.CharField(
        label=_("Type"), required=False, widget=forms.Select(choices=FieldType.choices)
    )
    choices = forms.CharField(
        label=_("Choix possibles"),
        required=False,
        help_text=_("Un choix par ligne, dans l'ordre d'affichage (types à choix seulement)."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    required = forms.BooleanField(label=_("Obligatoire pour un nouveau client"), required=False)
    default = forms.CharField(
        label=_("Valeur par défaut"),
        required=False,
        strip=True,
        help_text=_(
            "Donnée aux nouveaux clients. Selon le type : un texte, 12, 12,50, 31/12/2026, "
            "oui ou non, un des choix (plusieurs séparés par des virgules)."
        ),
    )
    position = forms.CharField(
        label=_("Position"),
        required=False,
        strip=True,
        help_text=_("Ordre d'affichage sur la fiche ; à position égale, par nom."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any) -> None:
        if field is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": field.name,
                    "slug": field.slug,
                    "type": field.type,
                    "choices": "\n".join(field.choices),
                    "required": field.required,
                    "default": _default_text(field),
                    "position": str(field.position),
                },
            )
        super().__init__(*args, **kwargs)
        self.editing = field
        if field is not None:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("La clé du champ dans l'API et les imports.")

    def service_data(self) -> dict[str, Any]:
        """The input for ``create_custom_field``/``update_custom_field``."""
        data = {
            name: self.cleaned_data.get(name)
            for name in ("name", "type", "required", "default", "position")
        }
        lines = (self.cleaned_data.get("choices") or "").splitlines()
        data["choices"] = lines if data["type"] in CHOICE_TYPES else []
        if self.editing is None:
            data["slug"] = self.cleaned_data.get("slug")
        elif not data["position"]:
            del data["position"]
        return data

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for error in exc.errors:
            self.add_field_error(error)

    def add_field_error(self, error: FieldError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))
