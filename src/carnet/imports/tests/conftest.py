"""Fixtures of the import and export tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from carnet.accounts.models import Organization, User
from carnet.imports.models import ImportBatch

from .helpers import commit, csv_bytes, upload


@pytest.fixture
def importer(organization: Organization, owner: User) -> Any:
    """``importer(rows)`` uploads rows as a CSV and commits them; returns the batch."""

    def run(rows: Sequence[Sequence[Any]], **options: Any) -> ImportBatch:
        batch = upload(organization, owner, csv_bytes(rows), **options)
        return commit(batch, owner)

    return run
