"""Helpers shared by the import and export tests: files written as people's tools write
them, and imports run through the services like the pages and the API do."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile

from carnet.accounts.models import Organization, User
from carnet.imports import services
from carnet.imports.models import ImportBatch


def csv_bytes(
    rows: Sequence[Sequence[Any]], *, delimiter: str = ";", encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def upload(
    organization: Organization,
    user: User | None,
    content: bytes,
    *,
    name: str = "clients.csv",
    **options: Any,
) -> ImportBatch:
    """Upload and preview a file, as the import page does."""
    return services.start_import(
        organization, user, ContentFile(content, name=name), filename=name, source="web", **options
    )


def commit(batch: ImportBatch, user: User | None) -> ImportBatch:
    return services.schedule(batch, "commit", user)
