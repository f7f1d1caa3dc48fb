"""Each test stores its files in its own empty folder under the test data dir."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings


@pytest.fixture(autouse=True)
def _own_storage(settings: Any) -> Any:
    location = django_settings.DATA_DIR / "test-files" / uuid.uuid4().hex
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    yield location
