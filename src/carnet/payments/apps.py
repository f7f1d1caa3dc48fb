from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "carnet.payments"
    label = "payments"
    verbose_name = "Préférences de paiement"
