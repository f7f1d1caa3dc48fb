"""``carnet duplicates scan``: look for duplicates among an organization's clients."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.accounts.cli import get_organization
from carnet.core.cli import add_command, add_group, add_org_argument
from carnet.jobs import services as jobs

from . import services  # noqa: F401  # registers the scan job


def register(subparsers: Any) -> None:
    group = add_group(subparsers, "duplicates", help=_("doublons de clients"))
    scan = add_command(
        group,
        "scan",
        _scan,
        help=_("chercher les doublons parmi les clients"),
        description=_(
            "Compare tous les clients de l'organisation (même e-mail, SIRET, n° de TVA, SIREN, "
            "téléphone, nom très proche dans la même ville) et garde les groupes trouvés pour "
            "la page « Doublons » et l'API. Les paires écartées ne sont pas reproposées."
        ),
    )
    add_org_argument(scan)


def _scan(args: argparse.Namespace) -> int:
    organization = get_organization(args.org)
    started = time.monotonic()
    job = jobs.create_job(organization, None, "duplicates_scan", {})
    job = jobs.run_job(job.pk)
    if job.status != "done":
        print(_("Erreur : %(error)s") % {"error": job.error}, file=sys.stderr)
        return 1
    counts = job.result
    groups = counts.get("groups", 0)
    print(
        ngettext(
            "%(groups)d groupe de doublons possibles (%(seconds).1f s).",
            "%(groups)d groupes de doublons possibles (%(seconds).1f s).",
            groups,
        )
        % {"groups": groups, "seconds": time.monotonic() - started}
    )
    print(f"groups={counts.get('groups', 0)} pairs={counts.get('pairs', 0)}")
    return 0
