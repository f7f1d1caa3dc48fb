"""``carnet jobs work``: a worker process for background jobs (``CARNET_JOBS=worker``)."""

from __future__ import annotations

import argparse
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.core.cli import add_command, add_group

from . import services


def register(subparsers: Any) -> None:
    group = add_group(subparsers, "jobs", help=_("tâches de fond"))
    work = add_command(
        group,
        "work",
        _work,
        help=_("exécuter les tâches de fond en attente"),
        description=_(
            "Exécute les tâches de fond (imports volumineux…) les plus anciennes d'abord, "
            "jusqu'à l'arrêt (Ctrl+C). À lancer en production avec CARNET_JOBS=worker ; par "
            "défaut, chaque serveur exécute lui-même ses tâches."
        ),
    )
    work.add_argument(
        "--once", action="store_true", help=_("s'arrêter quand il n'y a plus de tâche")
    )


def _work(args: argparse.Namespace) -> int:
    try:
        count = services.work(once=args.once)
    except KeyboardInterrupt:
        return 0
    print(
        ngettext("%(count)d tâche exécutée.", "%(count)d tâches exécutées.", count)
        % {"count": count}
    )
    return 0
