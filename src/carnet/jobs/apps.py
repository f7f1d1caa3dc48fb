from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "carnet.jobs"
    label = "jobs"
    verbose_name = "Tâches de fond"
