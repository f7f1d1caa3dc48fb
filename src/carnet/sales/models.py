"""Sales documents (quotes, invoices, credit notes, orders, delivery notes, pro-forma),
their lines, the payments a client makes and how payments and credit notes settle invoices.

Amounts are ``Decimal`` columns; a document's totals are computed by
``carnet.sales.calculation`` from its lines and stored with it, so that lists and
statistics add stored figures instead of recomputing lines.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    QUOTE = "quote", _("Devis")
    INVOICE = "invoice", _("Facture")
    CREDIT_NOTE = "credit_note", _("Avoir")
    ORDER = "order", _("Bon de commande")
    DELIVERY_NOTE = "delivery_note", _("Bon de livraison")
    PROFORMA = "proforma", _("Facture pro forma")


class DocumentState(models.TextChoices):
    """What is stored; the status shown (paid, overdue, expired…) is derived from it, the
    settled amounts and today's date (``carnet.sales.status``)."""

    DRAFT = "draft", _("Brouillon")
    ISSUED = "issued", _("Émis")
    SENT = "sent", _("Envoyé")
    ACCEPTED = "accepted", _("Accepté")
    REFUSED = "refused", _("Refusé")


class VatRegime(models.TextChoices):
    STANDARD = "standard", _("TVA française")
    REVERSE_CHARGE = "reverse_charge", _("Autoliquidation")
    EXPORT = "export", _("Exportation")


class SalesSettings(models.Model):
    """What an organization prints on its documents (its own legal identity and mentions)
    and the first month of its fiscal year. Read through ``services.sales_settings_for``,
    which never writes."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="sales_settings"
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    legal_name = models.CharField(max_length=200, blank=True)
    legal_form = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)
    siret = models.CharField(max_length=14, blank=True)
    vat_number = models.CharField(max_length=16, blank=True)
    rcs = models.CharField(max_length=100, blank=True)
    share_capital = models.DecimalField(max_digits=15, decimal_places=2, null=True, blank=True)
    # Late-payment penalty rate printed on invoices (Code de commerce, L. 441-10).
    late_penalty_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("10"))
    quote_validity_days = models.PositiveSmallIntegerField(default=30)
    # The fiscal year the clients' ``revenue`` column was last computed for (its first day).
    revenue_year_start = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.legal_name}"


class Document(models.Model):
    """A quote, invoice, credit note, order, delivery note or pro-forma of one client.

    A draft follows the live client record; issuing gives it its number (a continuous,
    gapless sequence per organization and type), freezes it and copies the client's legal
    identity into ``client_snapshot``. ``amount_paid`` and ``amount_credited`` are what
    payments and credit notes settle of an invoice (kept by the services with the
    allocations), ``amount_used`` what of a credit note settles invoices; ``settled_on``
    is the day an invoice's balance reached zero.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="documents")
    type = models.CharField(max_length=16, choices=DocumentType.choices)
    state = models.CharField(
        max_length=16, choices=DocumentState.choices, default=DocumentState.DRAFT
    )
    number = models.CharField(max_length=32, blank=True)
    sequence_number = models.PositiveIntegerField(null=True, blank=True)
    date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    vat_regime = models.CharField(
        max_length=16, choices=VatRegime.choices, default=VatRegime.STANDARD
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    payment_terms_end_of_month = models.BooleanField(default=False)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # The credit note's invoice, or the invoice a quote became.
    related = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived"
    )
    client_snapshot = models.JSONField(default=dict, blank=True)
    total_excl_vat = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    total_vat = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    total_incl_vat = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    # [{"rate": "20", "base": "100.00", "vat": "20.00"}, …]
    vat_breakdown = models.JSONField(default=list, blank=True)
    amount_paid = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    amount_credited = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    # Of a credit note: how much of it is allocated to invoices (the rest is client credit).
    amount_used = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    settled_on = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "type", "sequence_number"],
                condition=Q(sequence_number__isnull=False),
                name="document_unique_number",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "client", "type", "date"], name="document_client"),
            models.Index(fields=["organization", "type", "date", "id"], name="document_list"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_type_display()} #{self.pk}"

    @property
    def balance(self) -> Decimal:
        """What remains to be paid of an invoice (or to be used of a credit note)."""
        return self.total_incl_vat - self.amount_paid - self.amount_credited


class DocumentLine(models.Model):
    """One line of a document. ``total_excl_vat`` is quantity × unit price less the line
    discount, rounded to the cent."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.TextField()
    reference = models.CharField(max_length=64, blank=True)
    quantity = models.DecimalField(max_digits=15, decimal_places=3)
    unit_price = models.DecimalField(max_digits=15, decimal_places=4)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2)
    unit_cost = models.DecimalField(max_digits=15, decimal_places=4, null=True, blank=True)
    total_excl_vat = models.DecimalField(max_digits=15, decimal_places=2)

    class Meta:
        ordering = ["document", "position"]
        indexes = [models.Index(fields=["document", "position"], name="document_line_position")]

    def __str__(self) -> str:
        return self.description[:60]


class ProductMonth(models.Model):
    """What a client's issued invoices and credit notes of one month sold of one product:
    its lines grouped by reference, or by description when they have none
    (``label_key``), credit notes subtracting. The statistics' top products and margin
    add these up instead of every line (``sales.products``). Several rows may hold the
    same product and month (two issues at once, a merge): readers add them up."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="product_months"
    )
    month = models.DateField()  # its first day
    reference = models.CharField(max_length=64, blank=True)
    label_key = models.TextField(blank=True)  # the description of lines without reference
    label = models.TextField()  # the greatest description among the lines
    amount = models.DecimalField(max_digits=15, decimal_places=2)
    quantity = models.DecimalField(max_digits=18, decimal_places=3)
    # Of the lines with a unit cost: their amount, their cost, how many.
    costed_amount = models.DecimalField(max_digits=15, decimal_places=2)
    cost = models.DecimalField(max_digits=22, decimal_places=7)
    costed_lines = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "client", "month"], name="product_month_client")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.reference or self.label_key[:40]}"


class Payment(models.Model):
    """Money received from a client. What is not allocated to invoices stays as the
    client's credit."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    amount = models.DecimalField(max_digits=15, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    method = models.CharField(max_length=16)
    reference = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    amount_allocated = models.DecimalField(max_digits=15, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["organization", "client", "date"], name="payment_client"),
            models.Index(fields=["organization", "date", "id"], name="payment_list"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.date})"

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.amount_allocated


class Allocation(models.Model):
    """Part of a payment, or of a credit note, that settles an invoice."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    invoice = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Document,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="credit_allocations",
    )
    amount = models.DecimalField(max_digits=15, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="allocation_one_source",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice_id}"
