from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "carnet.duplicates"
    label = "duplicates"
    verbose_name = "Doublons et fusions"
