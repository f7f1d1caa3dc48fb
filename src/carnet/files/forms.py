"""Forms of the file pages. Rules live in ``services``; these only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import ValidationFailed

from .models import Category, ClientFile


class FileEditForm(forms.Form):
    name = forms.CharField(label=_("Nom du document"), max_length=400)
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices)

    @classmethod
    def for_file(cls, item: ClientFile, data: Any = None) -> FileEditForm:
        return cls(data, initial={"name": item.name, "category": item.category})

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for error in exc.errors:
            field = error.field if error.field in self.fields else None
            self.add_error(field, str(error.message))


class DocumentFilterForm(forms.Form):
    """The filters of the Documents page; invalid values are simply ignored."""

    q = forms.CharField(required=False, max_length=200)
    client = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    category = forms.ChoiceField(
        required=False, choices=[("", _("Toutes les catégories")), *Category.choices]
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"q": "", "client_id": None, "category": ""}
        return {
            "q": self.cleaned_data["q"] or "",
            "client_id": self.cleaned_data["client"],
            "category": self.cleaned_data["category"] or "",
        }
