from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "carnet.customfields"
    label = "customfields"
    verbose_name = "Champs personnalisés"
