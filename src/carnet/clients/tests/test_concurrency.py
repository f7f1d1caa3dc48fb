"""Two people saving the same client at the same moment: one wins, the other is told."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from carnet.accounts.services import create_organization
from carnet.clients import services
from carnet.clients.models import Client
from carnet.core.errors import StaleVersion
from carnet.core.history import history_for


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_the_same_version_let_exactly_one_through() -> None:
    organization, user = create_organization(
        slug="concurrence", name="Concurrence", admin_email="c@c.fr"
    )
    client = services.create_client(organization, user, {"name": "Origine"})
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(new_name: str) -> None:
        try:
            barrier.wait(timeout=5)
            services.update_client(
                organization, user, client.pk, {"name": new_name}, expected_version=1
            )
            outcomes.append("saved")
        except StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in ("Paul", "Marie")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["saved", "stale"]
    fresh = Client.objects.get(pk=client.pk)
    assert fresh.version == 2
    assert fresh.name in {"Paul", "Marie"}
    updates = [h for h in history_for(organization.pk, "client", client.pk) if h.action == "update"]
    assert len(updates) == 1 and updates[0].changes["name"]["new"] == fresh.name
