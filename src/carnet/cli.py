"""The ``carnet`` command line (also ``python -m carnet``).

Each domain registers its commands from its own ``cli.py``; this module assembles them,
sets Django up, and turns the errors a person can fix into a French message on standard
error and exit code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from carnet.core.errors import DomainError, ValidationFailed

# Carnet's own modules define or use models, so they are imported only after
# ``django.setup()``: that is why the imports below sit inside the functions.


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
    if not apps.ready:  # already set up when called from tests
        django.setup()

    from carnet.core.cli import CommandError

    with translation.override(settings.LANGUAGE_CODE):
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already printed
            return exc.code if isinstance(exc.code, int) else int(exc.code is not None) * 2
        try:
            return int(args.handler(args))
        except CommandError as exc:
            _error(str(exc.message))
            return exc.exit_code
        except ValidationFailed as exc:
            lines = [str(exc.detail)] if exc.detail else []
            lines += [f"{error.field} : {error.message}" for error in exc.errors]
            _error("\n  ".join(lines))
            return 2
        except DomainError as exc:
            _error(str(exc.detail))
            return 2


def build_parser() -> argparse.ArgumentParser:
    """The full parser: every domain's commands. Needs Django to be set up."""
    from carnet.accounts import cli as accounts_cli
    from carnet.clients import cli as clients_cli
    from carnet.core import cli as core_cli
    from carnet.duplicates import cli as duplicates_cli
    from carnet.imports import cli as imports_cli
    from carnet.jobs import cli as jobs_cli

    parser = argparse.ArgumentParser(
        prog="carnet",
        description=_("Carnet : la gestion des clients des PME françaises."),
    )
    parser.add_argument("--version", action="version", version=f"carnet {_version()}")
    parser.set_defaults(handler=_usage(parser))
    subparsers = parser.add_subparsers(title=_("commandes"), metavar="COMMANDE")
    core_cli.register(subparsers)
    _register_demo(subparsers)
    accounts_cli.register(subparsers)
    clients_cli.register(subparsers)
    imports_cli.register(subparsers)
    jobs_cli.register(subparsers)
    duplicates_cli.register(subparsers)
    return parser


def _register_demo(subparsers: Any) -> None:
    """``carnet demo`` spans every domain, so it is registered here rather than in one."""
    from carnet.core.cli import add_command

    add_command(
        subparsers,
        "demo",
        _load_demo,
        help=_("charger l'organisation de démonstration (une seule fois)"),
    )


def _load_demo(args: argparse.Namespace) -> int:
    from carnet import demo

    result = demo.load_demo()
    if result.created:
        print(
            _("Organisation de démonstration « %(name)s » créée avec %(count)d clients.")
            % {"name": result.organization.name, "count": result.client_count}
        )
    else:
        print(
            _("L'organisation de démonstration « %(name)s » existe déjà : rien à faire.")
            % {"name": result.organization.name}
        )
    if result.has_demo_login:
        print(_("Identifiant : %(email)s") % {"email": demo.DEMO_EMAIL})
        print(_("Mot de passe : %(password)s") % {"password": demo.DEMO_PASSWORD})
    return 0


def _usage(parser: argparse.ArgumentParser) -> Any:
    def handler(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return handler


def _error(message: str) -> None:
    print(_("Erreur : %(message)s") % {"message": message}, file=sys.stderr)


def _version() -> str:
    try:
        return version("carnet")
    except PackageNotFoundError:
        return "dev"
