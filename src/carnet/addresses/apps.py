from django.apps import AppConfig


class AddressesConfig(AppConfig):
    name = "carnet.addresses"
    label = "addresses"
    verbose_name = "Adresses"
