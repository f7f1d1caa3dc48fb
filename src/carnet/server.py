"""``carnet serve``: Carnet under gunicorn, the way production runs it.

gunicorn is embedded through its ``BaseApplication`` API, so there is no configuration
file to find: a few processes with a few threads each (sized for a small 2-core
machine), an access log on standard output, and the Django application loaded once
before the workers fork. Static files are collected into ``CARNET_DATA_DIR/static``
when they are missing or older than the sources, and WhiteNoise serves them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from gunicorn.app.base import BaseApplication

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
# collectstatic skips the same files by default.
STATIC_IGNORE_PATTERNS = ["CVS", ".*", "*~"]


class CannotServe(Exception):
    """The server cannot start; the message says why and what to do."""


class CarnetServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving the Django WSGI application with the given settings."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        return get_wsgi_application()


def serve(*, host: str, port: int, workers: int | None = None, threads: int | None = None) -> int:
    """Check the database, collect static files if needed, then serve until stopped."""
    _check_database()
    if static_files_are_stale():
        print(_("Préparation des fichiers statiques…"), flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)
    # The application is loaded before the workers fork: no connection may be shared.
    connections.close_all()

    address = f"[{host}]" if ":" in host and not host.startswith("[") else host
    url = f"http://{address}:{port}"

    def when_ready(server: Any) -> None:
        print(_("Carnet est en ligne : %(url)s (Ctrl+C pour arrêter)") % {"url": url}, flush=True)

    options: dict[str, Any] = {
        "bind": f"{address}:{port}",
        "workers": workers or DEFAULT_WORKERS,
        "threads": threads or DEFAULT_THREADS,
        "worker_class": "gthread",
        "preload_app": True,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "proc_name": "carnet",
        "when_ready": when_ready,
        # gunicorn >= 25.1 opens a control socket in the home directory by default;
        # two servers on one machine would fight over it.
        "control_socket_disable": True,
    }
    CarnetServer(options).run()
    return 0


def _check_database() -> None:
    """Refuse to start on a database that cannot be reached or is not migrated."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CannotServe(_("Base de données inaccessible : %(error)s") % {"error": exc}) from None
    finally:
        connections.close_all()
    if pending:
        raise CannotServe(
            _("La base de données n'est pas à jour : lancez d'abord « carnet migrate ».")
        )


def static_files_are_stale() -> bool:
    """Whether ``collectstatic`` must run: no manifest yet, or a source file that is newer
    than it or missing from it. Always false in debug mode, where WhiteNoise serves the
    sources directly."""
    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    if settings.DEBUG or manifest_name is None:
        return False
    manifest = Path(settings.STATIC_ROOT) / manifest_name
    try:
        built_at = manifest.stat().st_mtime
        collected = set(json.loads(manifest.read_text()).get("paths", {}))
    except (OSError, ValueError, AttributeError):
        return True
    for finder in finders.get_finders():
        for path, storage in finder.list(STATIC_IGNORE_PATTERNS):
            if path.replace("\\", "/") not in collected:
                return True
            if Path(storage.path(path)).stat().st_mtime > built_at:
                return True
    return False
