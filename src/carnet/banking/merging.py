"""How a merge of clients (``duplicates.merging``) moves bank accounts and cards.

They move to the survivor like any relation, with one care: a client has at most one
primary account and one primary card (partial unique constraints), so the survivor keeps
its own primary, or takes the first merged client's when it had none, and the others
lose the flag. Undo puts every row and flag back. Mandates need no care: they keep their
RUM (unique in the organization already) and the account they debit, which moves too.

``duplicates.merging._SPECIAL`` names these classes by model label:
``"banking.BankAccount": BankAccountsMerge`` and ``"banking.Card": CardsMerge``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from carnet.accounts.models import Organization
from carnet.clients.models import Client

from .models import BankAccount, Card


class _PrimaryFlagMerge:
    """Move the rows of ``model`` (with a ``primary`` flag held by one row per client)
    from the merged clients to the survivor."""

    model: ClassVar[type[models.Model]]

    @classmethod
    def move(
        cls, organization: Organization, survivor: Client, loser_ids: list[int]
    ) -> dict[str, Any]:
        manager = cls.model._default_manager
        held = manager.filter(organization=organization, client=survivor, primary=True).exists()
        moved: dict[str, list[int]] = {}
        flagged: list[int] = []
        rows = manager.filter(organization=organization, client_id__in=loser_ids).order_by("id")
        for pk, owner, primary in rows.values_list("pk", "client_id", "primary"):
            moved.setdefault(str(owner), []).append(pk)
            if primary:
                flagged.append(pk)
        if flagged:
            manager.filter(pk__in=flagged).update(primary=False)
        manager.filter(pk__in=[pk for pks in moved.values() for pk in pks]).update(client=survivor)
        if flagged and not held:
            manager.filter(pk=flagged[0]).update(primary=True)
        return {"moved": moved, "flagged": flagged}

    @classmethod
    def undo(cls, organization: Organization, survivor: Client, record: dict[str, Any]) -> None:
        manager = cls.model._default_manager
        flagged = [int(pk) for pk in record.get("flagged", [])]
        if flagged:
            manager.filter(pk__in=flagged).update(primary=False)
        for owner, pks in record.get("moved", {}).items():
            manager.filter(organization=organization, pk__in=pks).update(client_id=int(owner))
        if flagged:
            manager.filter(pk__in=flagged).update(primary=True)

    @classmethod
    def missing(cls, record: dict[str, Any]) -> int:
        pks = [pk for pks in record.get("moved", {}).values() for pk in pks]
        return len(pks) - cls.model._default_manager.filter(pk__in=pks).count()


class BankAccountsMerge(_PrimaryFlagMerge):
    model = BankAccount


class CardsMerge(_PrimaryFlagMerge):
    model = Card
