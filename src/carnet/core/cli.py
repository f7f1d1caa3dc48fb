"""Command-line plumbing shared by every domain, and the server commands.

Each domain has a ``cli.py`` with ``register(subparsers)``; ``carnet.cli`` assembles them.
A command handler receives the parsed arguments and returns an exit code. It parses and
looks things up, then calls services; errors it expects are raised as ``CommandError``
(or as the services' ``DomainError``) and printed in French by ``carnet.cli.main``,
without a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from carnet.server import CannotServe, serve

Handler = Callable[[argparse.Namespace], int]

# Exit code for anything the user can fix: a bad argument, an unknown organization or user,
# input the services refuse. argparse uses the same code for usage errors.
EXIT_USAGE = 2


class CommandError(Exception):
    """An error to show to the person at the terminal, then exit with ``exit_code``."""

    def __init__(self, message: str | Promise, *, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(str(message))
        self.message = message
        self.exit_code = exit_code


def add_command(
    subparsers: Any, name: str, handler: Handler, *, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Add a command whose handler is ``handler``; return its parser to add arguments to."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=description or help
    )
    parser.set_defaults(handler=handler)
    return parser


def add_group(subparsers: Any, name: str, *, help: str) -> Any:
    """Add a command group (``carnet org …``) and return the subparsers of its commands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help, description=help)
    parser.set_defaults(handler=_group_usage(parser))
    return parser.add_subparsers(title=_("commandes"), metavar="COMMANDE")


def _group_usage(parser: argparse.ArgumentParser) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_USAGE

    return handler


def add_org_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--org", required=True, metavar="SLUG", help=_("identifiant de l'organisation")
    )


# --- serve and migrate ------------------------------------------------------------------
def register(subparsers: Any) -> None:
    serve = add_command(
        subparsers,
        "serve",
        _serve,
        help=_("servir l'application web et l'API (gunicorn)"),
        description=_(
            "Sert Carnet avec gunicorn, un serveur de production, fichiers statiques compris."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help=_("adresse d'écoute (127.0.0.1)"))
    serve.add_argument("--port", type=_port, default=8000, help=_("port d'écoute (8000)"))
    serve.add_argument(
        "--workers", type=_positive, default=None, help=_("processus (2 par défaut)")
    )
    serve.add_argument(
        "--threads", type=_positive, default=None, help=_("fils par processus (4 par défaut)")
    )

    add_command(
        subparsers,
        "migrate",
        _migrate,
        help=_("créer ou mettre à jour les tables de la base de données"),
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("numéro de port attendu")) from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(_("le port doit être compris entre 1 et 65535"))
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("nombre entier attendu")) from None
    if not 0 < number <= 64:
        raise argparse.ArgumentTypeError(_("le nombre doit être compris entre 1 et 64"))
    return number


def _serve(args: argparse.Namespace) -> int:
    try:
        return serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    except CannotServe as exc:
        raise CommandError(str(exc), exit_code=1) from None


def _migrate(args: argparse.Namespace) -> int:
    call_command("migrate", interactive=False, verbosity=1)
    return 0
