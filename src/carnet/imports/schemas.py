"""API schemas of imports and exports."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class ImportError_(Schema):
    column: str = Field(description="The file's column at fault (its header), or empty.")
    field: str = Field(description="Carnet's field: `email`, `custom_fields.niveau`…")
    code: str
    message: str = Field(description="Explanation for people, in the request's language.")
    client: str | None = Field(None, description="An exact duplicate's id.")


class ImportRowOut(Schema):
    line: int = Field(description="The row's line in the file.")
    action: str = Field(description="`create`, `update`, `unchanged` or `error`.")
    client: int | None = Field(None, description="The client it updates (or created).")
    errors: list[ImportError_]
    warnings: list[ImportError_] = Field(description="What was left out of a valid row.")
    changes: dict[str, Any] = Field(description="Each changed field: `{old, new}`.")


class ColumnMapping(Schema):
    index: int
    header: str
    field: str | None = Field(description="Carnet's column key, or null: not imported.")
    label: str | None = Field(description="Carnet's column name.")


class ProgressOut(Schema):
    phase: str
    fraction: float
    done: int


class ImportOut(Schema):
    id: int
    status: str = Field(
        description="`uploaded`, `analyzing` (preview running), `ready`, `committing`, "
        "`committed`, `rolling_back`, `rolled_back` or `failed`."
    )
    filename: str
    size: int
    format: str | None
    encoding: str | None
    encoding_detected: bool | None
    delimiter: str | None
    sheet: str | None
    sheets: list[str]
    mapping: list[ColumnMapping]
    unmapped: list[str] = Field(description="Headers of the columns left out.")
    key: str = Field(description="How rows find the client they update; empty: all create.")
    clear_blanks: bool
    counts: dict[str, int] = Field(description="`create`, `update`, `unchanged`, `error`, `total`.")
    progress: ProgressOut | None
    error: str
    rows: list[ImportRowOut] = Field(description="The first rows with errors (at most 100).")
    rollback: dict[str, int] | None = Field(
        None, description="After a rollback: clients `removed`, `restored` and `kept`."
    )
    created_at: datetime.datetime
    committed_at: datetime.datetime | None
    rolled_back_at: datetime.datetime | None


class ImportList(Schema):
    items: list[ImportOut]


class ImportRows(Schema):
    items: list[ImportRowOut]


class ImportPatch(Schema):
    mapping: list[str | None] | dict[str, str | None] | None = Field(
        None, description="One Carnet column key (or null) per column, or `{header: key}`."
    )
    key: str | None = Field(
        None, description="`id`, `reference`, `siret`, `vat_number`, `email` or empty."
    )
    clear_blanks: bool | None = None
    encoding: str | None = Field(None, max_length=40)
    delimiter: str | None = Field(None, max_length=2)
    sheet: str | None = Field(None, max_length=100)


class SavedMappingIn(Schema):
    name: str = Field(max_length=100)
    batch: int = Field(description="The import whose mapping to keep.")


class SavedMappingOut(Schema):
    id: int
    name: str
    key: str
    columns: dict[str, str | None]


class SavedMappingList(Schema):
    items: list[SavedMappingOut]
