"""Stored blobs go away with their rows, once the deletion is committed.

A row deleted directly (``services.delete_file``) or through its client (purge from the
trash) removes its blob after the transaction commits; a rolled-back deletion keeps it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import ClientFile


@receiver(post_delete, sender=ClientFile)
def _delete_blob(sender: Any, instance: ClientFile, **kwargs: Any) -> None:
    name = instance.stored.name
    if not name:
        return
    storage = instance.stored.storage
    transaction.on_commit(lambda: storage.delete(name))
