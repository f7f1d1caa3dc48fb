from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "carnet.imports"
    label = "imports"
    verbose_name = "Imports et exports"
