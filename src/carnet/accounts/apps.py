from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "carnet.accounts"
    label = "accounts"
    verbose_name = "Accounts"
