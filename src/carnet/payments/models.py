"""What an organization sets once for the payment preferences of its clients: the defaults,
the price categories and carriers it offers, and its own bank accounts clients pay into."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement")
    CARD = "card", _("Carte bancaire")
    CASH = "cash", _("Espèces")
    OTHER = "other", _("Autre")


# The VAT rates in force in France (metropolitan and overseas), as percentages.
VAT_RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("0"))
# Standard payment terms offered first; any number of days up to MAX_TERMS_DAYS is allowed.
USUAL_TERMS = (0, 15, 30, 45, 60)
MAX_TERMS_DAYS = 365


class PaymentSettings(models.Model):
    """The organization's default payment preferences, which every client follows until
    its own record overrides them."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="payment_settings"
    )
    terms_days = models.PositiveSmallIntegerField(default=30)
    terms_end_of_month = models.BooleanField(default=False)
    method = models.CharField(
        max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER
    )
    currency = models.CharField(max_length=3, default="EUR")
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("20"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.terms_days} j"


class PriceCategory(models.Model):
    """A price list a client is billed on ("Tarif revendeur", "Tarif public"…)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="price_category_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Carrier(models.Model):
    """A carrier the organization ships with ("Colissimo", "DB Schenker"…)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="carrier_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationBankAccount(models.Model):
    """One of the organization's own bank accounts, printed on invoices for the clients
    who pay into it."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(max_length=100)
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    bank_name = models.CharField(max_length=100, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "iban"], name="organization_bank_account_unique_iban"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_default=True),
                name="organization_bank_account_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.label
