"""The only code that writes a client's bank accounts, SEPA mandates and cards, and the
organization's SEPA creditor identifier. UI, API and the sales domain call these functions.

Each function takes the acting organization and user explicitly, validates, writes in one
transaction and records the change in the history of the client the record belongs to
(``object_type="client"``): people read a new bank account as a change to the client. IBANs
appear in the history masked (``core.identifiers.mask_iban``), never in full; cards by
their last 4 digits only.

Changes lock the client row first, so that two changes to the same client's primary
account or card (or two mandates racing for one RUM) happen one after the other.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.clients.models import Client, Kind
from carnet.clients.services import get_client, refuse_merged
from carnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from carnet.core.history import record_change
from carnet.core.ids import parse_id
from carnet.files import services as file_services
from carnet.files.models import Category as FileCategory
from carnet.files.models import ClientFile

from .models import (
    MANDATE_VALIDITY_MONTHS,
    BankAccount,
    Card,
    CreditorSettings,
    Mandate,
    MandateScheme,
    MandateStatus,
    add_months,
)
from .validation import (
    bank_account_values,
    card_values,
    clean_bank_account_input,
    clean_card_input,
    clean_creditor_input,
    clean_mandate_change,
    clean_mandate_input,
)

OBJECT_TYPE = "client"
CREDITOR_OBJECT_TYPE = "creditor_settings"
# Mandates that can still be used to debit: an account they debit may not go.
LIVE_STATUSES = (MandateStatus.PENDING, MandateStatus.ACTIVE)


def today() -> datetime.date:
    """The organization's date (Carnet's time zone): signatures and expiries are days."""
    return timezone.localdate()


# --- Helpers ----------------------------------------------------------------------------
def _client_for_change(organization: Organization, client_id: Any) -> Client:
    """The client, locked for the rest of the transaction, unless it is in the trash or
    merged into another."""
    client = get_client(organization, client_id, for_update=True)
    refuse_merged(client)
    if client.is_deleted:
        raise Conflict(
            _(
                "Ce client est dans la corbeille : restaurez-le pour modifier ses moyens de "
                "paiement."
            ),
            code="deleted",
        )
    return client


def _record(
    organization: Organization,
    user: User | None,
    client: Client | int,
    action: str,
    changes: dict[str, dict[str, Any]],
    source: str,
) -> None:
    record_change(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        object_id=client if isinstance(client, int) else client.pk,
        action=action,
        user=user,
        changes=changes,
        source=source,
    )


def _one(queryset: QuerySet[Any], pk: Any, message: Any) -> Any:
    """The row ``pk`` of an already scoped queryset, else ``NotFound(message)``."""
    parsed = parse_id(pk)
    found = queryset.filter(pk=parsed).first() if parsed is not None else None
    if found is None:
        raise NotFound(message)
    return found


def _primary_change(
    key: str,
    old: BankAccount | Card | None,
    new: BankAccount | Card | None,
    *,
    old_summary: str | None = None,
) -> dict[str, dict[str, Any]]:
    """A ``primary_bank_account``/``primary_card`` history entry when the primary changed
    hands: the old holder as it was (``old_summary`` when it has just changed), the new
    one as it is."""
    if (old.pk if old else None) == (new.pk if new else None):
        return {}
    before = old_summary or (old.summary() if old else None)
    return {key: {"old": before, "new": new.summary() if new else None}}


def _primary_after(previous: Any, record: Any) -> Any:
    """Who holds the primary flag after ``record`` was changed: itself when flagged, nobody
    when it held the flag and gave it up, else the previous holder."""
    if record.primary:
        return record
    if previous is not None and previous.pk == record.pk:
        return None
    return previous


# --- Bank accounts: reading -------------------------------------------------------------
def bank_accounts_of(organization: Organization, client: Client) -> QuerySet[BankAccount]:
    """The client's accounts, the primary one first."""
    return BankAccount.objects.filter(organization=organization, client=client)


def list_bank_accounts(organization: Organization, client_id: Any) -> list[BankAccount]:
    """The accounts of the organization's client ``client_id`` (``NotFound`` otherwise)."""
    return list(bank_accounts_of(organization, get_client(organization, client_id)))


def get_bank_account(organization: Organization, client_id: Any, account_id: Any) -> BankAccount:
    """The account ``account_id`` of the organization's client ``client_id``, else
    ``NotFound`` (another organization's or another client's account included)."""
    client = get_client(organization, client_id)
    return _account_of(organization, client, account_id)


def _account_of(organization: Organization, client: Client, account_id: Any) -> BankAccount:
    return _one(  # type: ignore[no-any-return]
        bank_accounts_of(organization, client), account_id, _("Compte bancaire introuvable.")
    )


def _primary_account(client: Client) -> BankAccount | None:
    return BankAccount.objects.filter(
        organization_id=client.organization_id, client=client, primary=True
    ).first()


def _refuse_duplicate_iban(client: Client, iban: str, keep: BankAccount | None) -> None:
    others = BankAccount.objects.filter(
        organization_id=client.organization_id, client=client, iban=iban
    )
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    if others.exists():
        raise ValidationFailed(
            [FieldError("iban", "duplicate", _("Ce client a déjà un compte avec cet IBAN."))]
        )


# --- Bank accounts: changes -------------------------------------------------------------
@transaction.atomic
def create_bank_account(
    organization: Organization,
    user: User | None,
    client_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> BankAccount:
    """Add a bank account to a client. It becomes the primary account when asked, or when
    the client has none yet (the first account is the one to debit); the previous primary
    account then loses the flag."""
    client = _client_for_change(organization, client_id)
    values = clean_bank_account_input(data)
    _refuse_duplicate_iban(client, values["iban"], keep=None)
    previous = _primary_account(client)
    if previous is None:
        values["primary"] = True
    elif values["primary"]:
        BankAccount.objects.filter(pk=previous.pk).update(primary=False)
    account = BankAccount.objects.create(organization=organization, client=client, **values)
    changes = {"bank_account": {"old": None, "new": account.summary()}}
    changes.update(
        _primary_change("primary_bank_account", previous, account if account.primary else previous)
    )
    _record(organization, user, client, "bank_account_add", changes, source)
    return account


@transaction.atomic
def update_bank_account(
    organization: Organization,
    user: User | None,
    client_id: Any,
    account_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> BankAccount:
    """Apply a partial change to an account. Setting ``primary`` takes the flag from the
    client's other account; clearing it leaves the client without a primary account. A
    new IBAN is carried to the masked IBAN of the mandates that debit the account."""
    client = _client_for_change(organization, client_id)
    account = _account_of(organization, client, account_id)
    before = bank_account_values(account)
    values = clean_bank_account_input(data, existing=before)
    if values == before:
        return account
    if values["iban"] != before["iban"]:
        _refuse_duplicate_iban(client, values["iban"], keep=account)
    previous = _primary_account(client)
    old_summary = account.summary()
    if values["primary"] and previous is not None and previous.pk != account.pk:
        BankAccount.objects.filter(pk=previous.pk).update(primary=False)
    for field, value in values.items():
        setattr(account, field, value)
    account.save()
    if values["iban"] != before["iban"]:
        Mandate.objects.filter(
            organization=organization, bank_account=account, status__in=LIVE_STATUSES
        ).update(iban_masked=account.iban_masked, updated_at=timezone.now())
    changes: dict[str, dict[str, Any]] = {}
    if account.summary() != old_summary:
        changes["bank_account"] = {"old": old_summary, "new": account.summary()}
    was_primary = previous is not None and previous.pk == account.pk
    changes.update(
        _primary_change(
            "primary_bank_account",
            previous,
            _primary_after(previous, account),
            old_summary=old_summary if was_primary else None,
        )
    )
    _record(organization, user, client, "bank_account_change", changes, source)
    return account


@transaction.atomic
def delete_bank_account(
    organization: Organization,
    user: User | None,
    client_id: Any,
    account_id: Any,
    *,
    source: str = "",
) -> None:
    """Delete an account. Refused (``Conflict``, code ``active_mandate``) while a pending
    or active mandate debits it: revoke the mandate first. The revoked or expired mandates
    that debited it keep its masked IBAN. When it was the primary account, the client has
    none afterwards (no other account is promoted behind the user's back)."""
    client = _client_for_change(organization, client_id)
    account = _account_of(organization, client, account_id)
    day = today()
    for mandate in Mandate.objects.filter(
        organization=organization, bank_account=account, status__in=LIVE_STATUSES
    ):
        if mandate.effective_status(day) in LIVE_STATUSES:
            raise Conflict(
                _(
                    "Ce compte est prélevé par le mandat SEPA %(reference)s, en cours : "
                    "révoquez d'abord le mandat, puis supprimez le compte."
                )
                % {"reference": mandate.reference},
                code="active_mandate",
                mandate_id=mandate.pk,
            )
    changes: dict[str, dict[str, Any]] = {"bank_account": {"old": account.summary(), "new": None}}
    if account.primary:
        changes["primary_bank_account"] = {"old": account.summary(), "new": None}
    account.delete()  # its mandates' bank_account becomes NULL (SET_NULL)
    _record(organization, user, client, "bank_account_delete", changes, source)


# --- Mandates: reading ------------------------------------------------------------------
def mandates_of(organization: Organization, client: Client) -> QuerySet[Mandate]:
    """The client's mandates, the most recently signed first, with their account and
    signed file."""
    return Mandate.objects.filter(organization=organization, client=client).select_related(
        "bank_account", "file"
    )


def list_mandates(organization: Organization, client_id: Any) -> list[Mandate]:
    """The mandates of the organization's client ``client_id`` (``NotFound`` otherwise)."""
    return list(mandates_of(organization, get_client(organization, client_id)))


def get_mandate(organization: Organization, client_id: Any, mandate_id: Any) -> Mandate:
    """The mandate ``mandate_id`` of the organization's client ``client_id``, else
    ``NotFound``."""
    client = get_client(organization, client_id)
    return _mandate_of(organization, client, mandate_id)


def _mandate_of(organization: Organization, client: Client, mandate_id: Any) -> Mandate:
    return _one(  # type: ignore[no-any-return]
        mandates_of(organization, client), mandate_id, _("Mandat introuvable.")
    )


def _duplicate_reference(organization: Organization, reference: str) -> Conflict:
    existing = (
        Mandate.objects.filter(organization=organization)
        .annotate(folded=Lower("reference"))
        .filter(folded=reference.lower())
        .first()
    )
    return Conflict(
        _(
            "La RUM %(reference)s est déjà celle d'un autre mandat de l'organisation : "
            "chaque mandat a sa propre référence."
        )
        % {"reference": reference},
        code="duplicate_reference",
        existing_mandate_id=existing.pk if existing else None,
        existing_client_id=existing.client_id if existing else None,
    )


def _mandate_account(
    organization: Organization, client: Client, account_id: int | None
) -> BankAccount:
    """The account a mandate debits: one of the client's own, else ``ValidationFailed``
    on ``bank_account`` (another client's account, or another organization's, is just
    not one of the client's)."""
    account = (
        bank_accounts_of(organization, client).filter(pk=account_id).first()
        if account_id is not None
        else None
    )
    if account is None:
        raise ValidationFailed(
            [
                FieldError(
                    "bank_account",
                    "not_found",
                    _("Ce compte bancaire n'est pas l'un des comptes de ce client."),
                )
            ]
        )
    return account


def _mandate_file(organization: Organization, client: Client, file_id: int | None) -> ClientFile:
    found = (
        file_services.files_of(organization, client).filter(pk=file_id).first()
        if file_id is not None
        else None
    )
    if found is None:
        raise ValidationFailed(
            [FieldError("file", "not_found", _("Ce document n'est pas l'un de ceux du client."))]
        )
    return found


def _upload_signed_mandate(
    organization: Organization,
    user: User | None,
    client: Client,
    signed_file: UploadedFile,
    source: str,
) -> ClientFile:
    """Attach the signed mandate to the client's documents (files domain: type, size and
    name checks, history), as bank details. Errors are reported on the ``file`` field."""
    return file_services.upload_file(
        organization, user, client.pk, signed_file, FileCategory.BANK_DETAILS, source=source
    )


def _forget_blob(document: ClientFile | None) -> None:
    """Remove an uploaded blob whose row a rolled-back transaction took away."""
    if document is not None and document.stored.name:
        document.stored.storage.delete(document.stored.name)


def creditor_identifier(organization: Organization) -> str:
    """The organization's SEPA creditor identifier (ICS), or ``""`` when not set."""
    found = CreditorSettings.objects.filter(organization=organization).first()
    return found.creditor_identifier if found else ""


def create_mandate(
    organization: Organization,
    user: User | None,
    client_id: Any,
    data: dict[str, Any],
    *,
    signed_file: UploadedFile | None = None,
    source: str = "",
) -> Mandate:
    """Record a mandate the client signed. Its RUM must be unique in the organization
    (``Conflict``, code ``duplicate_reference``), its signature not in the future, its
    account one of the client's; the B2B scheme is for business clients only; a mandate
    already unused for 36 months is refused as expired. The signed mandate is either an
    uploaded file (``signed_file``, added to the client's documents) or one of the
    client's documents (``data["file"]``, an id)."""
    uploaded: ClientFile | None = None
    try:
        with transaction.atomic():
            client = _client_for_change(organization, client_id)
            day = today()
            values = clean_mandate_input(data, today=day)
            account = _mandate_account(organization, client, values["bank_account"])
            errors: list[FieldError] = []
            if values["scheme"] == MandateScheme.B2B and client.kind == Kind.INDIVIDUAL:
                errors.append(
                    FieldError(
                        "scheme",
                        "b2b_individual",
                        _(
                            "Le schéma B2B est réservé aux clients professionnels : "
                            "choisissez CORE pour un particulier."
                        ),
                    )
                )
            reference_date = values["last_used_on"] or values["signed_on"]
            if add_months(reference_date, MANDATE_VALIDITY_MONTHS) <= day:
                errors.append(
                    FieldError(
                        "signed_on",
                        "expired",
                        _(
                            "Ce mandat n'a pas servi depuis plus de 36 mois : il est expiré. "
                            "Faites signer un nouveau mandat."
                        ),
                    )
                )
            if errors:
                raise ValidationFailed(errors)
            if (
                Mandate.objects.filter(organization=organization)
                .annotate(folded=Lower("reference"))
                .filter(folded=values["reference"].lower())
                .exists()
            ):
                raise _duplicate_reference(organization, values["reference"])
            document = None
            if signed_file is not None:
                document = uploaded = _upload_signed_mandate(
                    organization, user, client, signed_file, source
                )
            elif values["file"] is not None:
                document = _mandate_file(organization, client, values["file"])
            try:
                with transaction.atomic():
                    mandate = Mandate.objects.create(
                        organization=organization,
                        client=client,
                        reference=values["reference"],
                        signed_on=values["signed_on"],
                        scheme=values["scheme"],
                        sequence=values["sequence"],
                        status=values["status"],
                        bank_account=account,
                        iban_masked=account.iban_masked,
                        creditor_identifier=creditor_identifier(organization),
                        file=document,
                        last_used_on=values["last_used_on"],
                    )
            except IntegrityError:
                # Another request took the RUM between the check and the insert.
                raise _duplicate_reference(organization, values["reference"]) from None
            changes = {
                "mandate": {"old": None, "new": mandate.summary()},
                "mandate_status": {"old": None, "new": f"{mandate.reference} : {mandate.status}"},
            }
            _record(organization, user, client, "mandate_add", changes, source)
            return mandate
    except BaseException:
        _forget_blob(uploaded)
        raise


def update_mandate(
    organization: Organization,
    user: User | None,
    client_id: Any,
    mandate_id: Any,
    data: dict[str, Any],
    *,
    signed_file: UploadedFile | None = None,
    source: str = "",
) -> Mandate:
    """Change a mandate: activate a pending one, revoke it (``status: "revoked"``, final),
    move it to another of the client's accounts, attach its signed file. A revoked or
    expired mandate changes no more (``Conflict``, code ``revoked`` or ``expired``)."""
    uploaded: ClientFile | None = None
    try:
        with transaction.atomic():
            client = _client_for_change(organization, client_id)
            mandate = _mandate_of(organization, client, mandate_id)
            values = clean_mandate_change(data)
            current = mandate.effective_status(today())
            if current == MandateStatus.REVOKED:
                raise Conflict(
                    _(
                        "Ce mandat est révoqué : la révocation est définitive. Faites signer "
                        "un nouveau mandat."
                    ),
                    code="revoked",
                )
            if current == MandateStatus.EXPIRED:
                raise Conflict(
                    _(
                        "Ce mandat est expiré (inutilisé depuis 36 mois) : faites signer un "
                        "nouveau mandat."
                    ),
                    code="expired",
                )
            changes: dict[str, dict[str, Any]] = {}
            old_summary = mandate.summary()
            old_file = mandate.file
            if "bank_account" in values:
                account = _mandate_account(organization, client, values["bank_account"])
                if account.pk != mandate.bank_account_id:
                    mandate.bank_account = account
                    mandate.iban_masked = account.iban_masked
            if signed_file is not None:
                mandate.file = uploaded = _upload_signed_mandate(
                    organization, user, client, signed_file, source
                )
            elif "file" in values:
                mandate.file = (
                    None
                    if values["file"] is None
                    else _mandate_file(organization, client, values["file"])
                )
            status = values.get("status", mandate.status)
            action = "mandate_change"
            if status != mandate.status:
                changes["mandate_status"] = {
                    "old": f"{mandate.reference} : {mandate.status}",
                    "new": f"{mandate.reference} : {status}",
                }
                if status == MandateStatus.REVOKED:
                    mandate.revoked_at = timezone.now()
                    action = "mandate_revoke"
                mandate.status = status
            if mandate.summary() != old_summary:
                changes["mandate"] = {"old": old_summary, "new": mandate.summary()}
            if mandate.file_id != (old_file.pk if old_file else None):
                changes["mandate_file"] = {
                    "old": old_file.name if old_file else None,
                    "new": mandate.file.name if mandate.file else None,
                }
            if not changes:
                return mandate
            mandate.save()
            _record(organization, user, client, action, changes, source)
            return mandate
    except BaseException:
        _forget_blob(uploaded)
        raise


def revoke_mandate(
    organization: Organization,
    user: User | None,
    client_id: Any,
    mandate_id: Any,
    *,
    source: str = "",
) -> Mandate:
    """Revoke a mandate for good: it may not be used to debit any more."""
    return update_mandate(
        organization, user, client_id, mandate_id, {"status": MandateStatus.REVOKED}, source=source
    )


def mark_mandate_used(organization: Organization, mandate: Mandate, used_on: datetime.date) -> None:
    """Record that a debit used the mandate on ``used_on`` (the sales domain calls this
    when it collects; the debit itself is its record, so no history entry here). A
    pending mandate becomes active."""
    Mandate.objects.filter(organization=organization, pk=mandate.pk).filter(
        Q(last_used_on__isnull=True) | Q(last_used_on__lt=used_on)
    ).update(last_used_on=used_on, updated_at=timezone.now())
    Mandate.objects.filter(
        organization=organization, pk=mandate.pk, status=MandateStatus.PENDING
    ).update(status=MandateStatus.ACTIVE)


def expire_mandates(
    organization: Organization,
    *,
    user: User | None = None,
    on: datetime.date | None = None,
    source: str = "",
) -> int:
    """Record as expired every pending or active mandate of the organization not used
    (or, never used, not signed) for 36 months as of ``on`` (today by default), with a
    history entry on each client. Returns how many expired. ``Mandate.effective_status``
    already says so before this runs; this makes it stick (lists, filters, exports)."""
    day = on or today()
    limit = add_months(day, -MANDATE_VALIDITY_MONTHS)
    # 29 February plus 36 months is 28 February: a mandate signed a day or so after the
    # limit may be due, so the query takes a few days more and effective_status decides.
    due = Mandate.objects.filter(organization=organization, status__in=LIVE_STATUSES).filter(
        Q(last_used_on__lte=limit + datetime.timedelta(days=3))
        | Q(last_used_on__isnull=True, signed_on__lte=limit + datetime.timedelta(days=3))
    )
    expired = 0
    with transaction.atomic():
        for mandate in due.select_for_update():
            if mandate.effective_status(day) != MandateStatus.EXPIRED:
                continue
            old = f"{mandate.reference} : {mandate.status}"
            mandate.status = MandateStatus.EXPIRED
            mandate.save(update_fields=["status", "updated_at"])
            _record(
                organization,
                user,
                mandate.client_id,
                "mandate_expire",
                {"mandate_status": {"old": old, "new": f"{mandate.reference} : expired"}},
                source,
            )
            expired += 1
    return expired


# --- Cards ------------------------------------------------------------------------------
def cards_of(organization: Organization, client: Client) -> QuerySet[Card]:
    """The client's cards, the primary one first."""
    return Card.objects.filter(organization=organization, client=client)


def list_cards(organization: Organization, client_id: Any) -> list[Card]:
    """The cards of the organization's client ``client_id`` (``NotFound`` otherwise)."""
    return list(cards_of(organization, get_client(organization, client_id)))


def get_card(organization: Organization, client_id: Any, card_id: Any) -> Card:
    """The card ``card_id`` of the organization's client ``client_id``, else ``NotFound``."""
    client = get_client(organization, client_id)
    return _card_of(organization, client, card_id)


def _card_of(organization: Organization, client: Client, card_id: Any) -> Card:
    return _one(cards_of(organization, client), card_id, _("Carte introuvable."))  # type: ignore[no-any-return]


def _primary_card(client: Client) -> Card | None:
    return Card.objects.filter(
        organization_id=client.organization_id, client=client, primary=True
    ).first()


@transaction.atomic
def create_card(
    organization: Organization,
    user: User | None,
    client_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> Card:
    """Add a card to a client: the primary one when asked or when it is the first."""
    client = _client_for_change(organization, client_id)
    values = clean_card_input(data, today=today())
    previous = _primary_card(client)
    if previous is None:
        values["primary"] = True
    elif values["primary"]:
        Card.objects.filter(pk=previous.pk).update(primary=False)
    card = Card.objects.create(organization=organization, client=client, **values)
    changes = {"card": {"old": None, "new": card.summary()}}
    changes.update(_primary_change("primary_card", previous, card if card.primary else previous))
    _record(organization, user, client, "card_add", changes, source)
    return card


@transaction.atomic
def update_card(
    organization: Organization,
    user: User | None,
    client_id: Any,
    card_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> Card:
    """Apply a partial change to a card. Setting ``primary`` takes the flag from the
    client's other card; clearing it leaves the client without a primary card."""
    client = _client_for_change(organization, client_id)
    card = _card_of(organization, client, card_id)
    before = card_values(card)
    values = clean_card_input(data, existing=before, today=today())
    if values == before:
        return card
    previous = _primary_card(client)
    old_summary = card.summary()
    if values["primary"] and previous is not None and previous.pk != card.pk:
        Card.objects.filter(pk=previous.pk).update(primary=False)
    for field, value in values.items():
        setattr(card, field, value)
    card.save()
    changes: dict[str, dict[str, Any]] = {}
    if card.summary() != old_summary:
        changes["card"] = {"old": old_summary, "new": card.summary()}
    was_primary = previous is not None and previous.pk == card.pk
    changes.update(
        _primary_change(
            "primary_card",
            previous,
            _primary_after(previous, card),
            old_summary=old_summary if was_primary else None,
        )
    )
    _record(organization, user, client, "card_change", changes, source)
    return card


@transaction.atomic
def delete_card(
    organization: Organization,
    user: User | None,
    client_id: Any,
    card_id: Any,
    *,
    source: str = "",
) -> None:
    """Delete a card. When it was the primary one, the client has none afterwards."""
    client = _client_for_change(organization, client_id)
    card = _card_of(organization, client, card_id)
    changes: dict[str, dict[str, Any]] = {"card": {"old": card.summary(), "new": None}}
    if card.primary:
        changes["primary_card"] = {"old": card.summary(), "new": None}
    card.delete()
    _record(organization, user, client, "card_delete", changes, source)


# --- SEPA creditor identifier -----------------------------------------------------------
def get_creditor_settings(organization: Organization) -> CreditorSettings:
    """The organization's creditor settings (unsaved and blank when never set)."""
    found = CreditorSettings.objects.filter(organization=organization).first()
    return found or CreditorSettings(organization=organization)


@transaction.atomic
def set_creditor_identifier(
    organization: Organization,
    user: User | None,
    data: dict[str, Any],
    *,
    source: str = "",
) -> CreditorSettings:
    """Set (or clear, with a blank value) the organization's SEPA creditor identifier
    from ``{"creditor_identifier": …}``. Who may is the caller's check (admins)."""
    identifier = clean_creditor_input(data)
    settings, _created = CreditorSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    if settings.creditor_identifier == identifier:
        return settings
    old = settings.creditor_identifier
    settings.creditor_identifier = identifier
    settings.save()
    record_change(
        organization_id=organization.pk,
        object_type=CREDITOR_OBJECT_TYPE,
        object_id=organization.pk,
        action="update",
        user=user,
        changes={"creditor_identifier": {"old": old or None, "new": identifier or None}},
        source=source,
    )
    return settings


# --- Imports ----------------------------------------------------------------------------
@dataclass
class PrimaryAccountWrite:
    """The primary bank account an import gives a client: one of its accounts
    (``account_id``) made primary with this BIC, or a new one (``account_id`` None)."""

    client_id: int
    account_id: int | None
    iban: str
    bic: str


def write_primary_accounts(organization: Organization, items: list[PrimaryAccountWrite]) -> None:
    """Give many clients their primary account, in the caller's transaction: the accounts
    that held the flag give it up first (the database allows one per client). The
    importer records these changes in the clients' own history entries (IBANs masked),
    so nothing is recorded here."""
    if not items:
        return
    kept = [item.account_id for item in items if item.account_id is not None]
    for start in range(0, len(items), 5000):
        chunk = items[start : start + 5000]
        BankAccount.objects.filter(
            organization=organization,
            client_id__in=[item.client_id for item in chunk],
            primary=True,
        ).exclude(pk__in=kept).update(primary=False, updated_at=timezone.now())
    existing = {
        account.pk: account
        for account in BankAccount.objects.filter(organization=organization, pk__in=kept)
    }
    changed = []
    for item in items:
        account = existing.get(item.account_id) if item.account_id is not None else None
        if account is not None:
            account.primary, account.bic = True, item.bic
            changed.append(account)
    BankAccount.objects.bulk_update(changed, ["primary", "bic", "updated_at"], batch_size=1000)
    BankAccount.objects.bulk_create(
        (
            BankAccount(
                organization=organization,
                client_id=item.client_id,
                iban=item.iban,
                bic=item.bic,
                primary=True,
            )
            for item in items
            if item.account_id is None
        ),
        batch_size=1000,
    )


def undo_imported_account(
    organization: Organization,
    client_id: int,
    iban_change: dict[str, Any] | None,
    bic_change: dict[str, Any] | None,
) -> dict[str, dict[str, Any]]:
    """Undo what an import did to a client's primary account (rolling the import back),
    when the account is still as the import left it: an account it added goes, unless a
    mandate debits it now; an account it made primary gives the
    flag back to the one that had it; a BIC it changed gets its old value. Returns the
    history's changes."""
    primary = BankAccount.objects.filter(
        organization=organization, client_id=client_id, primary=True
    ).first()
    history: dict[str, dict[str, Any]] = {}
    if primary is None:
        return history
    if iban_change is not None and primary.iban_masked == iban_change.get("new"):
        if iban_change.get("created") and not Mandate.objects.filter(bank_account=primary).exists():
            primary.delete()
        else:
            restored_bic = primary.bic
            if bic_change is not None and primary.bic == (bic_change.get("new") or ""):
                restored_bic = bic_change.get("old") or ""
                history["bank.bic"] = {"old": bic_change.get("new"), "new": bic_change.get("old")}
            BankAccount.objects.filter(pk=primary.pk).update(primary=False, bic=restored_bic)
        previous = iban_change.get("previous")
        if previous is not None:
            BankAccount.objects.filter(
                organization=organization, client_id=client_id, pk=previous
            ).update(primary=True)
        history["bank.iban"] = {"old": iban_change.get("new"), "new": iban_change.get("old")}
        return history
    if bic_change is not None and primary.bic == (bic_change.get("new") or ""):
        BankAccount.objects.filter(pk=primary.pk).update(bic=bic_change.get("old") or "")
        history["bank.bic"] = {"old": bic_change.get("new"), "new": bic_change.get("old")}
    return history
