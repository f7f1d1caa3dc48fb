"""A client's means of payment: bank accounts, SEPA direct-debit mandates and cards; and the
organization's SEPA creditor identifier.

Only ``services`` write these tables. Every table has ``organization_id`` and every unique
constraint starts with it. IBANs are stored in full (compact form) because the sales
domain debits them; they are shown masked wherever a list or the history shows them.
A full card number is never stored anywhere: a card is its brand, last 4 digits, expiry
and holder.
"""

from __future__ import annotations

import datetime
from calendar import monthrange

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.core.identifiers import format_iban, mask_iban

MANDATE_VALIDITY_MONTHS = 36
"""A mandate not used for this long (since its last debit, or its signature when it was
never used) has expired (EPC SEPA Core rulebook)."""


class BankAccount(models.Model):
    """One bank account of a client, by its IBAN.

    A client has any number of accounts and at most one primary account (the one debited
    and printed by default); the database enforces it with a partial unique constraint,
    and ``services`` move the flag. ``iban`` is compact upper case
    (``FR7630006000011234567890189``), ``bic`` upper case or blank; both are checked by
    ``core.identifiers`` (the BIC's country against the IBAN's).
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    # Accounts belong to their client; a client row is only deleted when purged from the trash.
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="bank_accounts"
    )
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    holder = models.CharField(max_length=140, blank=True)  # SEPA's limit for a name
    bank_name = models.CharField(max_length=100, blank=True)
    label = models.CharField(max_length=100, blank=True)  # "Compte courant", "Compte pro"…
    primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(primary=True),
                name="bank_account_one_primary_per_client",
            ),
        ]
        indexes = [models.Index(fields=["organization", "client"], name="bank_account_client")]

    def __str__(self) -> str:
        return self.summary()

    @property
    def iban_masked(self) -> str:
        return mask_iban(self.iban)

    @property
    def iban_formatted(self) -> str:
        return format_iban(self.iban)

    def summary(self) -> str:
        """The account on one line with its IBAN masked, as lists and the history show it:
        "Compte pro · FR76 •••• … •••0 189 · BNPAFRPP"."""
        parts = [self.label, self.iban_masked, self.bic, self.holder, self.bank_name]
        return " · ".join(part for part in parts if part)


class MandateScheme(models.TextChoices):
    CORE = "CORE", _("CORE (particuliers et professionnels)")
    B2B = "B2B", _("B2B (entre professionnels)")


class MandateSequence(models.TextChoices):
    RECURRENT = "recurrent", _("Récurrent")
    ONE_OFF = "one_off", _("Ponctuel")


class MandateStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACTIVE = "active", _("Actif")
    REVOKED = "revoked", _("Révoqué")
    EXPIRED = "expired", _("Expiré")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, on the month's last day when it is shorter
    (29 February 2024 + 12 months = 28 February 2025)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


class Mandate(models.Model):
    """A SEPA direct-debit mandate a client signed, authorizing the organization (as the
    creditor, by its ICS) to debit one of the client's bank accounts.

    ``reference`` is the unique mandate reference (RUM): at most 35 characters of the
    SEPA character set, unique in the organization whatever its case. ``status`` is what
    people set (pending, active, revoked) or ``expire_mandates`` recorded (expired);
    ``effective_status`` adds the rule that a mandate unused for 36 months has expired,
    computed on read so that it is right even before ``expire_mandates`` runs.
    Revoking is final. ``last_used_on`` is set by the sales domain when it debits.
    ``iban_masked`` keeps the debited account's masked IBAN, so that the mandate still
    says which account it debited once that account is gone; ``creditor_identifier`` is
    the organization's ICS when the mandate was recorded.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="mandates")
    reference = models.CharField(max_length=35)
    signed_on = models.DateField()
    scheme = models.CharField(
        max_length=4, choices=MandateScheme.choices, default=MandateScheme.CORE
    )
    sequence = models.CharField(
        max_length=10, choices=MandateSequence.choices, default=MandateSequence.RECURRENT
    )
    status = models.CharField(
        max_length=10, choices=MandateStatus.choices, default=MandateStatus.ACTIVE
    )
    # The services refuse to delete an account a pending or active mandate debits; the
    # account of a revoked or expired mandate may go (the masked IBAN stays here).
    bank_account = models.ForeignKey(
        BankAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mandates",
    )
    iban_masked = models.CharField(max_length=50, blank=True)
    creditor_identifier = models.CharField(max_length=35, blank=True)
    # The signed mandate, a document of the client (files domain).
    file = models.ForeignKey(
        "files.ClientFile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("reference"), name="mandate_reference_unique"
            ),
        ]
        indexes = [models.Index(fields=["organization", "client"], name="mandate_client")]

    def __str__(self) -> str:
        return self.reference

    def expires_on(self) -> datetime.date:
        """The day the mandate expires unless it is used before."""
        return add_months(self.last_used_on or self.signed_on, MANDATE_VALIDITY_MONTHS)

    def effective_status(self, today: datetime.date | None = None) -> str:
        """The status as it stands ``today``: a pending or active mandate unused for 36
        months is expired, whether or not ``expire_mandates`` has recorded it yet."""
        if self.status in (MandateStatus.REVOKED, MandateStatus.EXPIRED):
            return self.status
        if (today or timezone.localdate()) >= self.expires_on():
            return MandateStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return str(MandateStatus(self.effective_status()).label)

    def summary(self) -> str:
        """The mandate on one line, as the history shows it (codes, not words, so that the
        history reads the same in every language)."""
        parts = [self.reference, self.scheme, self.sequence, self.signed_on.isoformat()]
        if self.iban_masked:
            parts.append(self.iban_masked)
        return " · ".join(parts)


class CardBrand(models.TextChoices):
    VISA = "visa", "Visa"
    MASTERCARD = "mastercard", "Mastercard"
    AMEX = "amex", "American Express"
    CB = "cb", "CB"
    OTHER = "other", _("Autre")


class Card(models.Model):
    """A payment card of a client, known by what may be kept of it: its brand, the last 4
    digits of its number, its expiry and its holder. Never the full number (nor the
    security code): ``validation`` refuses one typed into any field.

    At most one primary card per client (partial unique constraint), as for bank accounts.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="cards")
    brand = models.CharField(max_length=12, choices=CardBrand.choices, default=CardBrand.OTHER)
    last4 = models.CharField(max_length=4)
    expiry_month = models.PositiveSmallIntegerField()
    expiry_year = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=100, blank=True)
    primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(primary=True),
                name="card_one_primary_per_client",
            ),
            models.CheckConstraint(
                condition=Q(expiry_month__gte=1, expiry_month__lte=12),
                name="card_expiry_month_range",
            ),
        ]
        indexes = [models.Index(fields=["organization", "client"], name="card_client")]

    def __str__(self) -> str:
        return self.summary()

    @property
    def expiry(self) -> str:
        """ "MM/YYYY", as printed on the card (with the century)."""
        return f"{self.expiry_month:02d}/{self.expiry_year}"

    @property
    def masked_number(self) -> str:
        return f"•••• {self.last4}"

    def is_expired(self, today: datetime.date | None = None) -> bool:
        """Whether the card's last valid month is over."""
        day = today or timezone.localdate()
        return (self.expiry_year, self.expiry_month) < (day.year, day.month)

    def summary(self) -> str:
        """The card on one line, as the history shows it: "visa •••• 4242 · 09/2027 · Jean
        Dupont"."""
        parts = [f"{self.brand} {self.masked_number}", self.expiry, self.holder]
        return " · ".join(part for part in parts if part)


class CreditorSettings(models.Model):
    """The organization's SEPA creditor identifier (ICS, "identifiant créancier SEPA"),
    which its mandates name and its direct debits carry. Changed by its admins only."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="creditor_settings"
    )
    creditor_identifier = models.CharField(max_length=35, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.creditor_identifier or "—"
