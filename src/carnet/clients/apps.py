from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        from .search import register_sqlite_functions

        register_sqlite_functions(connection.connection)


class ClientsConfig(AppConfig):
    name = "carnet.clients"
    label = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        # The search index's triggers compute each client's name key in Python.
        connection_created.connect(_sqlite_functions)
