"""Postal addresses of a client: head office, warehouse, home…"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Address(models.Model):
    """One postal address of a client.

    A client has any number of addresses; at most one is its default billing address and
    at most one its default delivery address (the same address may be both). The database
    enforces that rule with partial unique constraints, so that no code path, not even a
    concurrent one, can leave two billing addresses; ``services`` move the flag from one
    address to another. Values are normalized by ``validation.clean_address_input``.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    # Addresses belong to their client; a client row is only deleted when purged from the trash.
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=100, blank=True)  # "Siège", "Entrepôt"…
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    line3 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="FR")  # ISO 3166-1 alpha-2
    is_billing = models.BooleanField(default=False)
    is_delivery = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The default addresses first, then in the order they were added.
        ordering = ["-is_billing", "-is_delivery", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(is_billing=True),
                name="address_one_billing_per_client",
            ),
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(is_delivery=True),
                name="address_one_delivery_per_client",
            ),
        ]

    def __str__(self) -> str:
        return self.one_line()

    def one_line(self) -> str:
        """The address on one line, as the history shows it: "Siège : 12 rue de la Paix,
        75002 Paris" (the country code is added when it is not France)."""
        parts = [self.line1, self.line2, self.line3, f"{self.postcode} {self.city}".strip()]
        parts += [self.region, "" if self.country == "FR" else self.country]
        text = ", ".join(part for part in parts if part)
        return f"{self.label} : {text}" if self.label else text
