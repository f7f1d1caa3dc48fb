"""The demo's year of sales gives every figure of a record something to show."""

from __future__ import annotations

from collections import Counter

import pytest

from carnet import demo
from carnet.accounts.models import Organization
from carnet.sales import services
from carnet.sales.models import Document, Payment
from carnet.sales.status import status_of

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_year_of_sales_in_every_state() -> None:
    demo.load_demo()
    organization = Organization.objects.get(slug=demo.DEMO_SLUG)
    today = services.today()
    statuses = Counter(
        (d.type, status_of(d, today)) for d in Document.objects.filter(organization=organization)
    )
    for expected in (
        ("invoice", "paid"),
        ("invoice", "overdue"),
        ("invoice", "draft"),
        ("quote", "accepted"),
        ("quote", "refused"),
        ("quote", "expired"),
        ("credit_note", "used"),
    ):
        assert statuses[expected] > 0, expected
    assert statuses[("invoice", "partially_paid")] + statuses[("invoice", "overdue")] > 0
    numbers = sorted(
        n or 0
        for n in Document.objects.filter(
            organization=organization, type="invoice", sequence_number__isnull=False
        ).values_list("sequence_number", flat=True)
    )
    assert numbers == list(range(1, len(numbers) + 1))
    assert Payment.objects.filter(organization=organization).exclude(amount_allocated=0).exists()
    assert any(p.unallocated > 0 for p in Payment.objects.filter(organization=organization))
    with_revenue = demo.Client.objects.filter(organization=organization, revenue__gt=0)
    assert with_revenue.count() >= 10
