from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "carnet.testing"
    label = "testing"

    def ready(self) -> None:
        from carnet.clients.services import DeleteBlocker, blocker_label, register_delete_blocker

        from .models import SampleDocument

        register_delete_blocker(
            DeleteBlocker(
                code="sample_documents",
                label=blocker_label("%(count)d document", "%(count)d documents"),
                count=lambda client: SampleDocument.objects.filter(
                    organization_id=client.organization_id, client=client
                ).count(),
            )
        )
