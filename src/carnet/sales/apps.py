from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "carnet.sales"
    label = "sales"
    verbose_name = "Ventes"

    def ready(self) -> None:
        from . import services

        services.register_client_hooks()
