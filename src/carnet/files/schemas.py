"""API schemas for client files. The rules (types, sizes, names) live in ``services``."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from .models import ClientFile
from .services import MAX_NAME_LENGTH

CategoryValue = Literal["contract", "terms", "bank_details", "other"]


class FileOut(Schema):
    id: int
    client_id: int
    client_name: str
    category: CategoryValue
    name: str = Field(
        description="The display name, made safe (no folders, no control characters)."
    )
    size: int = Field(description="In bytes.")
    content_type: str = Field(description="Detected from the content, not the name.")
    sha256: str
    uploaded_by: str | None = Field(None, description="E-mail of the member who uploaded it.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    download_url: str


class FileList(Schema):
    items: list[FileOut]


class FilePatch(Schema):
    """Rename and/or recategorize a file. A new name keeps the file's extension."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Contrat 2026.pdf", "category": "contract"}]},
    )

    name: str | None = Field(None, min_length=1, max_length=MAX_NAME_LENGTH * 2)
    category: CategoryValue | None = None


class FileFilter(Schema):
    model_config = ConfigDict(extra="forbid")

    client: int | None = Field(None, ge=1, le=2**63 - 1, description="A client's id.")
    category: CategoryValue | None = None
    q: str = Field("", max_length=200, description="Words of the file name.")


def file_data(item: ClientFile) -> dict[str, object]:
    return {
        "id": item.pk,
        "client_id": item.client_id,
        "client_name": item.client.name,
        "category": item.category,
        "name": item.name,
        "size": item.size,
        "content_type": item.content_type,
        "sha256": item.sha256,
        "uploaded_by": item.uploaded_by.email if item.uploaded_by else None,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "download_url": f"/api/v1/files/{item.pk}/download",
    }
