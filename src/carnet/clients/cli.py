"""``carnet client …``: bulk work on an organization's clients."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.accounts.cli import get_organization
from carnet.core.cli import add_command, add_group, add_org_argument

from .models import Client
from .services import purge_client

DEFAULT_TRASH_DAYS = 30


def register(subparsers: Any) -> None:
    client = add_group(subparsers, "client", help=_("travailler sur les clients"))
    purge = add_command(
        client,
        "purge-trash",
        _purge_trash,
        help=_("vider la corbeille des clients"),
        description=_(
            "Supprime définitivement les clients mis à la corbeille depuis plus de DAYS jours "
            "(%(days)d par défaut ; 0 pour toute la corbeille). Leur historique est conservé."
        )
        % {"days": DEFAULT_TRASH_DAYS},
    )
    add_org_argument(purge)
    purge.add_argument(
        "--older-than",
        type=_days,
        default=DEFAULT_TRASH_DAYS,
        metavar="DAYS",
        help=_("ancienneté minimale dans la corbeille, en jours"),
    )


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("nombre de jours attendu")) from None
    if not 0 <= days <= 36500:
        raise argparse.ArgumentTypeError(_("le nombre de jours doit être compris entre 0 et 36500"))
    return days


def _purge_trash(args: argparse.Namespace) -> int:
    organization = get_organization(args.org)
    cutoff = timezone.now() - timedelta(days=args.older_than)
    trashed = list(
        Client.objects.filter(
            organization=organization,
            deleted_at__isnull=False,
            deleted_at__lte=cutoff,
            merged_into__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for client_id in trashed:
        purge_client(organization, None, client_id)
    print(
        ngettext(
            "%(count)d client supprimé définitivement.",
            "%(count)d clients supprimés définitivement.",
            len(trashed),
        )
        % {"count": len(trashed)}
    )
    return 0
