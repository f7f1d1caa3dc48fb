from django.apps import AppConfig


def _count_many(organization_id: int, client_ids: list[int]) -> dict[int, int]:
    from django.db.models import Count

    from .models import SampleDocument

    return dict(
        SampleDocument.objects.filter(organization_id=organization_id, client_id__in=client_ids)
        .values_list("client_id")
        .annotate(n=Count("id"))
        .values_list("client_id", "n")
    )


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
                count_many=_count_many,
            )
        )
