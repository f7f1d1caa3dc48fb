"""The blank client file people fill in to import clients: CSV or XLSX, French headers,
one example row; the XLSX file has a second sheet explaining every column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from carnet.accounts.models import Organization
from carnet.customfields.models import CustomField, FieldType
from carnet.customfields.queries import definitions_for

from .columns import CUSTOM_PREFIX, Column, columns_for
from .export import csv_chunks, write_xlsx

_CUSTOM_EXAMPLES = {
    FieldType.TEXT: "",
    FieldType.LONG_TEXT: "",
    FieldType.INTEGER: "3",
    FieldType.DECIMAL: "12,50",
    FieldType.DATE: "31/12/2026",
    FieldType.BOOLEAN: "oui",
    FieldType.URL: "www.exemple.fr",
    FieldType.EMAIL: "nom@exemple.fr",
}


def template_columns(organization: Organization) -> tuple[list[Column], dict[str, CustomField]]:
    definitions = definitions_for(organization)
    columns = [c for c in columns_for(definitions) if c.importable and c.key != "id"]
    return columns, {f"{CUSTOM_PREFIX}{f.slug}": f for f in definitions}


def _example(column: Column, fields: dict[str, CustomField]) -> str:
    field = fields.get(column.key)
    if field is None:
        return column.example
    if field.choices:
        return str(field.choices[0])
    return _CUSTOM_EXAMPLES.get(FieldType(field.type), "")


def _help(column: Column, fields: dict[str, CustomField]) -> str:
    field = fields.get(column.key)
    if field is None:
        return str(column.help)
    parts = [str(field.get_type_display())]
    if field.choices:
        parts.append(_("choix : %(choices)s") % {"choices": ", ".join(field.choices)})
    if field.required:
        parts.append(_("obligatoire"))
    return " ; ".join(parts)


def template_csv(organization: Organization) -> Iterator[bytes]:
    columns, fields = template_columns(organization)
    return csv_chunks(
        [c.label for c in columns], [[_example(c, fields) for c in columns]], delimiter=";"
    )


def template_xlsx(organization: Organization, path: Path) -> None:
    columns, fields = template_columns(organization)
    with translation.override("fr"):
        column_header, meaning_header, example_header = (
            _("Colonne"),
            _("Contenu et valeurs acceptées"),
            _("Exemple"),
        )
        explanations = [[c.label, _help(c, fields), _example(c, fields)] for c in columns]
        sheet_name = _("Colonnes")
    write_xlsx(
        path,
        [
            ("Clients", [c.label for c in columns], [[_example(c, fields) for c in columns]]),
            (sheet_name, [column_header, meaning_header, example_header], explanations),
        ],
        widths={
            "Clients": [max(12.0, min(40.0, len(c.label) + 4.0)) for c in columns],
            sheet_name: [32.0, 80.0, 30.0],
        },
    )
