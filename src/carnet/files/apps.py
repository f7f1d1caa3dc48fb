from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "carnet.files"
    label = "files"
    verbose_name = "Documents"

    def ready(self) -> None:
        from . import signals  # noqa: F401  # removes stored blobs with their rows
