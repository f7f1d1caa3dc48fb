"""The error report of an import: the file's refused rows as they were written, with a
column saying why, to fix and import again (the extra columns are left out then)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from .export import csv_chunks, write_xlsx
from .models import ImportBatch
from .services import error_rows


def _explain(errors: list[dict[str, str]], english: bool) -> str:
    parts = []
    for error in errors:
        message = error.get("message_en" if english else "message") or error.get("message", "")
        column = error.get("column") or ""
        parts.append(
            (_("Colonne « %(column)s » : %(message)s") % {"column": column, "message": message})
            if column
            else message
        )
    return " | ".join(parts)


def report_header(batch: ImportBatch) -> list[str]:
    return [*batch.header, _("Erreurs"), _("Ligne d'origine")]


def report_rows(batch: ImportBatch, *, english: bool = False) -> Iterator[list[str]]:
    width = len(batch.header)
    for row, errors in error_rows(batch):
        cells = list(row.cells[:width]) + [""] * max(0, width - len(row.cells))
        yield [*cells, _explain(errors, english), str(row.line)]


def report_csv(batch: ImportBatch, *, language: str = "fr") -> Iterator[bytes]:
    with translation.override(language):
        header = report_header(batch)
    english = language == "en"

    def rows() -> Iterator[list[str]]:
        with translation.override(language):
            yield from report_rows(batch, english=english)

    return csv_chunks(header, rows(), delimiter=";")


def report_xlsx(batch: ImportBatch, path: Path, *, language: str = "fr") -> None:
    with translation.override(language):
        header = report_header(batch)
        rows = list(report_rows(batch, english=language == "en"))
        sheet = _("Lignes refusées")
    write_xlsx(path, [(sheet[:31], header, rows)])


def write_report(batch: ImportBatch, path: Path, *, language: str = "fr") -> int:
    """Write the report next to the command line (CSV, or XLSX by the file's extension);
    returns the number of rows written."""
    count = batch.counts.get("error", 0) if batch.counts else 0
    if path.suffix.lower() == ".xlsx":
        report_xlsx(batch, path, language=language)
    else:
        with path.open("wb") as handle:
            for chunk in report_csv(batch, language=language):
                handle.write(chunk)
    return int(count)
