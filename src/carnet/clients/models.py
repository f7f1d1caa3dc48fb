"""The client record ("fiche client") and what organizes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    INDIVIDUAL = "individual", _("Particulier")
    COMPANY = "company", _("Entreprise")


class Civility(models.TextChoices):
    MR = "mr", _("M.")
    MRS = "mrs", _("Mme")


class VatRegime(models.TextChoices):
    STANDARD = "standard", _("TVA française")
    REVERSE_CHARGE = "reverse_charge", _("Autoliquidation (UE)")
    EXPORT = "export", _("Exonération (export)")


class Tag(models.Model):
    """A free label an organization puts on clients."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="tag_unique_name_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CategoryGroup(models.Model):
    """A named group of categories ("Secteur", "Zone"…): it orders the category lists and
    pickers; a client still has one category."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="category_group_unique_name_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A category an organization sorts its clients into (one per client), optionally in a
    group."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)
    group = models.ForeignKey(
        CategoryGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="category_unique_name_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A customer or prospect of an organization: a person or a company.

    Normalized values only (see ``carnet.core.identifiers``); ``search_text`` and
    ``sort_name`` are folded copies kept by the service layer for search and sorting.
    ``version`` increases with every change, for optimistic concurrency.
    ``deleted_at`` set means the client is in the trash.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="clients"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("nom"), max_length=200)
    civility = models.CharField(max_length=8, choices=Civility.choices, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    reference = models.CharField(max_length=50)

    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    mobile = models.CharField(max_length=20, blank=True)
    fax = models.CharField(max_length=20, blank=True)
    website = models.CharField(max_length=300, blank=True)

    legal_form = models.CharField(max_length=100, blank=True)
    siret = models.CharField(max_length=14, blank=True)
    siren = models.CharField(max_length=9, blank=True)
    naf_code = models.CharField(max_length=6, blank=True)
    share_capital = models.DecimalField(max_digits=15, decimal_places=2, null=True, blank=True)
    rcs = models.CharField(max_length=100, blank=True)
    vat_number = models.CharField(max_length=16, blank=True)
    sector = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, default="FR")
    vat_regime = models.CharField(
        max_length=16, choices=VatRegime.choices, default=VatRegime.STANDARD
    )

    linkedin_url = models.CharField(max_length=300, blank=True)
    twitter_url = models.CharField(max_length=300, blank=True)
    facebook_url = models.CharField(max_length=300, blank=True)
    viadeo_url = models.CharField(max_length=300, blank=True)
    customer_account = models.CharField(max_length=30, blank=True)
    auxiliary_account = models.CharField(max_length=30, blank=True)
    marketing_email = models.BooleanField(default=False)
    marketing_sms = models.BooleanField(default=False)

    notes = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="clients", through="ClientTag")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="clients"
    )
    custom_fields = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_clients",
    )

    # Payment preferences: empty means "as the organization's defaults say"
    # (``payments.PaymentSettings``); the record shows them as such until overridden.
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True)
    payment_terms_end_of_month = models.BooleanField(null=True, blank=True)
    payment_method = models.CharField(max_length=16, blank=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    default_vat_rate = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    price_category = models.ForeignKey(
        "payments.PriceCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clients",
    )
    carrier = models.ForeignKey(
        "payments.Carrier", null=True, blank=True, on_delete=models.SET_NULL, related_name="clients"
    )
    pays_into = models.ForeignKey(
        "payments.OrganizationBankAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clients",
    )

    # Revenue excl. VAT, kept up to date by the sales domain; here for sorting.
    revenue = models.DecimalField(max_digits=15, decimal_places=2, default=0)

    archived = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # A client merged into another: out of every list (``deleted_at`` is set too, but it
    # is not in the trash), its id leads to the survivor; the merge can be undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    search_text = models.TextField(default="", editable=False)
    sort_name = models.CharField(max_length=100, default="", editable=False)

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="client_unique_reference"
            ),
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=Q(deleted_at__isnull=True) & ~Q(email=""),
                name="client_unique_email",
            ),
            models.UniqueConstraint(
                fields=["organization", "siret"],
                condition=Q(deleted_at__isnull=True) & ~Q(siret=""),
                name="client_unique_siret",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "archived", "sort_name", "id"],
                name="client_list_name",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "archived", "created_at", "id"],
                name="client_list_created",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "archived", "revenue", "id"],
                name="client_list_revenue",
                condition=Q(deleted_at__isnull=True),
            ),
            # A category's or a country's clients in name order (see queries and planner).
            models.Index(
                fields=["organization", "archived", "category", "sort_name", "id"],
                name="client_list_category_name",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "archived", "country", "sort_name", "id"],
                name="client_list_country_name",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["organization", "siren"], name="client_siren"),
            # Exact identifier matches are ranked first in search results.
            models.Index(
                fields=["organization", "vat_number"],
                name="client_vat_number",
                condition=~Q(vat_number=""),
            ),
            models.Index(
                fields=["organization", "phone"], name="client_phone", condition=~Q(phone="")
            ),
            models.Index(
                fields=["organization", "mobile"], name="client_mobile", condition=~Q(mobile="")
            ),
            # Lists filtered by a rare country read its clients from here.
            models.Index(fields=["organization", "country"], name="client_country"),
            # Partial: the trash is small, and a full index on a mostly-NULL column
            # misleads SQLite's planner (its statistics count every NULL as distinct).
            models.Index(
                fields=["organization", "deleted_at"],
                name="client_trash",
                condition=Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class ClientTag(models.Model):
    """A tag on a client (the organization is repeated so the table shards with its data)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client", "tag"], name="client_tag_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "tag", "client"], name="client_tag_by_tag")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.tag_id}"


class SavedView(models.Model):
    """A named client list (its filters and sort) a user keeps, possibly shared with the
    whole organization. ``params`` holds the list's query parameters."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization", "user", Lower("name"), name="saved_view_unique_name_per_user"
            )
        ]

    def __str__(self) -> str:
        return self.name
