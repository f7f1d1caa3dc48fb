"""Gap-free per-organization counters."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import Sequence


def next_value(organization_id: int, name: str) -> int:
    """Increment and return the counter; must run inside the caller's transaction so that
    a rolled-back write gives its number back."""
    with transaction.atomic():
        updated = Sequence.objects.filter(organization_id=organization_id, name=name).update(
            last_value=F("last_value") + 1
        )
        if not updated:
            Sequence.objects.get_or_create(organization_id=organization_id, name=name)
            Sequence.objects.filter(organization_id=organization_id, name=name).update(
                last_value=F("last_value") + 1
            )
        return Sequence.objects.get(organization_id=organization_id, name=name).last_value


def reserve_values(organization_id: int, name: str, count: int) -> list[int]:
    """The next ``count`` values of the counter at once (bulk creation), in the caller's
    transaction."""
    if count <= 0:
        return []
    with transaction.atomic():
        Sequence.objects.get_or_create(organization_id=organization_id, name=name)
        Sequence.objects.filter(organization_id=organization_id, name=name).update(
            last_value=F("last_value") + count
        )
        last = Sequence.objects.get(organization_id=organization_id, name=name).last_value
    return list(range(last - count + 1, last + 1))
