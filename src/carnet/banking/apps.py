from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "carnet.banking"
    label = "banking"
    verbose_name = "Moyens de paiement"
