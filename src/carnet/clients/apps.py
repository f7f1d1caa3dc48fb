from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "carnet.clients"
    label = "clients"
    verbose_name = "Clients"
