"""People at a client: the contacts of the client record, and their roles."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Civility(models.TextChoices):
    MR = "mr", _("M.")
    MRS = "mrs", _("Mme")


class Role(models.TextChoices):
    """What a contact does for one client; each role has at most one holder per client."""

    MAIN = "main", _("principal")
    BILLING = "billing", _("facturation")
    DUNNING = "dunning", _("relances")


# Role -> the ClientContact flag that stores it.
ROLE_FIELDS: dict[str, str] = {
    "main": "is_main",
    "billing": "is_billing",
    "dunning": "is_dunning",
}


class Contact(models.Model):
    """A person an organization deals with: an accountant, a buyer, a manager…

    A contact belongs to the organization, not to one client: the same person may serve
    several clients (an accountant working for two companies), through ``ClientContact``.
    Values are normalized by ``validation.clean_contact_input``; ``search_text`` is the
    folded name, e-mail and phones that ``queries.search_contacts`` matches against.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    civility = models.CharField(max_length=3, choices=Civility.choices, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)  # E.164
    mobile = models.CharField(max_length=20, blank=True)  # E.164
    notes = models.TextField(blank=True)
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["organization", "last_name", "first_name"], name="contact_name")
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        """ "Marie Durand", else the e-mail address when the contact has no name."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email


class ClientContact(models.Model):
    """A contact serving a client, with its roles for that client.

    Per client at most one main, one billing and one dunning contact: partial unique
    constraints make the database refuse a second holder, whatever the code path;
    ``services.update_link`` moves a role from its holder to the new one.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="contact_links"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="links")
    is_main = models.BooleanField(default=False)
    is_billing = models.BooleanField(default=False)
    is_dunning = models.BooleanField(default=False)
    # Receives the e-mails and the automatic reminders sent to the client.
    favorite = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_main", "-favorite", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client", "contact"], name="client_contact_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(is_main=True),
                name="client_contact_one_main",
            ),
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(is_billing=True),
                name="client_contact_one_billing",
            ),
            models.UniqueConstraint(
                fields=["organization", "client"],
                condition=Q(is_dunning=True),
                name="client_contact_one_dunning",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "contact"], name="client_contact_by_contact")
        ]

    def __str__(self) -> str:
        return f"{self.contact} – {self.client_id}"

    @property
    def roles(self) -> list[str]:
        """The contact's roles for this client, in a fixed order."""
        return [role for role, field in ROLE_FIELDS.items() if getattr(self, field)]
