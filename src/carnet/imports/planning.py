"""What each row of a client file will do: create, update, leave unchanged, or fail.

``RowPlanner`` reads rows by chunks of ``CHUNK`` and plans each one as the single write
path would: the row's cells become raw values (``values.cell_for_import``), validated by
the same functions as the forms and the API (``clean_client_input``,
``clean_contact_input``, ``clean_address_input``), compared with the client the row's key
finds, and checked against exact duplicates (e-mail, SIRET, key, reference) in the base
and earlier in the file. A chunk costs a handful of queries, whatever its size; nothing
is written here (``services`` writes the plans).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Membership, Organization
from carnet.addresses.models import Address
from carnet.addresses.services import DefaultAddressWrite
from carnet.addresses.validation import clean_address_input
from carnet.addresses.validation import current_values as address_values
from carnet.banking.models import BankAccount
from carnet.banking.services import PrimaryAccountWrite
from carnet.banking.validation import clean_bank_account_input
from carnet.clients.models import Client, ClientTag
from carnet.clients.services import PreparedCreation, prepare_creation
from carnet.clients.services import _changes as client_changes
from carnet.clients.validation import EDITABLE_FIELDS, RELATION_FIELDS, clean_client_input
from carnet.contacts.models import ClientContact
from carnet.contacts.services import MainContactWrite
from carnet.contacts.validation import EDITABLE_FIELDS as CONTACT_FIELDS
from carnet.contacts.validation import clean_contact_input
from carnet.core import identifiers
from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.history import to_json
from carnet.core.ids import parse_id
from carnet.customfields.models import CustomField
from carnet.payments.models import Carrier, OrganizationBankAccount, PriceCategory
from carnet.payments.validation import legal_terms_warning

from . import values as cells
from .columns import CUSTOM_PREFIX
from .models import ImportKey, RowAction
from .reading import SourceRow

CHUNK = 1000

# Payment preferences read from the cells as other tools write them.
_PAYMENT_KEYS = frozenset(
    (
        "payment_terms_days",
        "payment_method",
        "currency",
        "default_vat_rate",
        "price_category",
        "carrier",
        "pays_into",
    )
)

# Fields whose blank cell never clears the value, even when blanks clear: a client always
# has a type, a country and a name.
_NEVER_CLEARED = frozenset({"kind", "country", "name"})
_ADDRESS_GROUPS = ("billing", "delivery")
_ADDRESS_FLAGS = {"billing": "is_billing", "delivery": "is_delivery"}
_IMPORTED_ADDRESS_FIELDS = ("line1", "line2", "line3", "postcode", "city", "region", "country")


@dataclass
class RowPlan:
    """One row's fate. ``changes`` is what the history will say (client fields, and the
    main contact's and addresses' as ``contact.<field>``, ``billing.<field>``…)."""

    line: int
    action: str
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    client_id: int | None = None
    version: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    contact: MainContactWrite | None = None
    addresses: list[DefaultAddressWrite] = field(default_factory=list)
    bank: PrimaryAccountWrite | None = None
    extra_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    contact_names: list[str] = field(default_factory=list)
    prepared: PreparedCreation | None = None


@dataclass
class RowTask:
    """A row between ``prepare`` and ``clean``: its plan so far, its cells, and the client
    its key found."""

    plan: RowPlan
    texts: dict[str, str]
    found: _Current | None = None


@dataclass
class _Current:
    """A client as a row's key found it: its values and its main contact and addresses."""

    client_id: int
    version: int
    deleted: bool
    values: dict[str, Any]
    contact_id: int | None = None
    contact: dict[str, Any] | None = None
    addresses: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    # (id, IBAN, BIC, primary) of its bank accounts, read when the file has bank columns.
    accounts: list[tuple[int, str, str, bool]] = field(default_factory=list)


def _message(error: FieldError, column: str) -> dict[str, str]:
    with translation.override("fr"):
        french = str(error.message)
    with translation.override("en"):
        english = str(error.message)
    return {
        "column": column,
        "field": error.field,
        "code": error.code,
        "message": french,
        "message_en": english,
    }


class RowPlanner:
    """Plans the rows of one import (see the module's docstring).

    ``mapping`` gives each column of the file the key of the Carnet column it fills
    (``columns``), or None; ``key`` is how rows find the client they update (an
    ``ImportKey``); with ``clear_blanks``, a blank cell clears the client's value instead
    of keeping it.
    """

    def __init__(
        self,
        organization: Organization,
        *,
        header: Sequence[str],
        mapping: Sequence[str | None],
        key: str,
        clear_blanks: bool,
        definitions: Sequence[CustomField],
    ) -> None:
        self.organization = organization
        self.key = key
        self.clear_blanks = clear_blanks
        self.definitions = list(definitions)
        self.slugs = {f.slug for f in self.definitions}
        # (column index, Carnet key) for every mapped column.
        self.mapped = [(i, k) for i, k in enumerate(mapping) if k]
        self.width = len(header)
        self.headers = {k: header[i] for i, k in self.mapped}
        # The mapped keys of the main contact and the addresses, by group.
        self.groups: dict[str, list[tuple[str, str]]] = {}
        for _index, key in self.mapped:
            prefix, dot, name = key.partition(".")
            if dot and prefix in ("contact", "billing", "delivery", "bank"):
                self.groups.setdefault(f"{prefix}.", []).append((key, name))
        self.members = {
            email.lower(): user_id
            for user_id, email in Membership.objects.filter(organization=organization).values_list(
                "user_id", "user__email"
            )
        }
        # The payment lists rows name (price categories, carriers: by folded name) and the
        # organization's bank accounts (by folded label and by IBAN).
        self.lists = {
            kind: {
                name.casefold(): name
                for name in model.objects.filter(organization=organization).values_list(
                    "name", flat=True
                )
            }
            for kind, model in (("price_category", PriceCategory), ("carrier", Carrier))
        }
        self.accounts: dict[str, int] = {}
        for pk, label, iban in OrganizationBankAccount.objects.filter(
            organization=organization
        ).values_list("pk", "label", "iban"):
            self.accounts.setdefault(label.casefold(), pk)
            self.accounts[iban] = pk
        # Earlier rows of the file: a value seen again is a duplicate of that line.
        self.seen_keys: dict[str, int] = {}
        self.seen_emails: dict[str, int] = {}
        self.seen_sirets: dict[str, int] = {}
        self.seen_references: dict[str, int] = {}

    # --- Reading a row ------------------------------------------------------------------
    def _column(self, key: str) -> str:
        return self.headers.get(key, "")

    def _error(self, key: str, code: str, message: Any) -> dict[str, str]:
        return _message(FieldError(key, code, message), self._column(key))

    def _cells(self, row: SourceRow) -> tuple[dict[str, str], list[dict[str, str]]]:
        texts: dict[str, str] = {}
        errors: list[dict[str, str]] = []
        values = row.cells
        count = len(values)
        for index, key in self.mapped:
            text = values[index] if index < count else ""
            if text:
                if text[0] == "'":
                    text = cells.unneutralize(text)
                text = text.strip()
            texts[key] = text
        if len(row.cells) > self.width and any(c.strip() for c in row.cells[self.width :]):
            errors.append(
                _message(
                    FieldError(
                        "",
                        "extra_cells",
                        _("Cette ligne a plus de colonnes que la ligne d'en-tête."),
                    ),
                    "",
                )
            )
        return texts, errors

    def _key_value(self, texts: dict[str, str]) -> str:
        """The row's key, normalized as the column stores it ("" when blank)."""
        if not self.key:
            return ""
        text = texts.get(self.key, "")
        if not text:
            return ""
        if self.key == ImportKey.ID:
            pk = parse_id(text)
            return str(pk) if pk is not None else "?" + text
        if self.key == ImportKey.EMAIL:
            return text.lower()
        if self.key in (ImportKey.SIRET, ImportKey.VAT_NUMBER):
            return "".join(c for c in text if c.isalnum()).upper()
        return text

    # --- Planning a chunk ---------------------------------------------------------------
    # Three steps: ``prepare`` (reading the cells, the keys and the clients they find: the
    # database), ``clean`` (validating each row: pure computation, which can run in
    # another process) and ``finish`` (duplicates against the base and earlier rows, and
    # the decision). ``plan`` runs them one after the other.
    def plan(self, rows: Iterable[SourceRow]) -> list[RowPlan]:
        """Plan a chunk of rows (``CHUNK`` or so), in file order."""
        return self.finish(self.clean(self.prepare(rows)))

    def prepare(self, rows: Iterable[SourceRow]) -> list[RowTask]:
        """Read the rows' cells and keys, and find the clients the keys designate."""
        prepared: list[tuple[SourceRow, dict[str, str], list[dict[str, str]], str]] = []
        for row in rows:
            texts, errors = self._cells(row)
            if row.problem is not None:
                code, message = row.problem
                errors.append(_message(FieldError("", code, message), ""))
            prepared.append((row, texts, errors, self._key_value(texts)))
        current = self._find(
            [k for _r, _t, e, k in prepared if k and not k.startswith("?") and not e]
        )
        return [
            self._task(row, texts, errors, key_value, current)
            for row, texts, errors, key_value in prepared
        ]

    def _task(
        self,
        row: SourceRow,
        texts: dict[str, str],
        errors: list[dict[str, str]],
        key_value: str,
        current: dict[str, _Current],
    ) -> RowTask:
        plan = RowPlan(line=row.line, action=RowAction.ERROR, errors=errors)
        task = RowTask(plan=plan, texts=texts)
        if errors:
            return task
        if key_value:
            if key_value.startswith("?"):
                plan.errors.append(
                    self._error("id", "invalid_id", _("Identifiant Carnet invalide."))
                )
                return task
            earlier = self.seen_keys.get(key_value)
            if earlier is not None:
                plan.errors.append(
                    self._error(
                        self.key,
                        "duplicate_in_file",
                        _("Ce client figure déjà ligne %(line)d du fichier.") % {"line": earlier},
                    )
                )
                return task
            self.seen_keys[key_value] = row.line
        found = current.get(key_value) if key_value else None
        if key_value and found is None and self.key == ImportKey.ID:
            plan.errors.append(
                self._error(
                    "id",
                    "not_found",
                    _("Aucun client de l'organisation n'a l'identifiant %(id)s.")
                    % {"id": key_value},
                )
            )
            return task
        if found is not None and found.deleted:
            plan.errors.append(
                self._error(
                    self.key,
                    "deleted",
                    _("Ce client est dans la corbeille : restaurez-le pour le mettre à jour."),
                )
            )
            return task
        task.found = found
        if found is not None:
            plan.client_id, plan.version, plan.before = found.client_id, found.version, found.values
        return task

    def clean(self, tasks: list[RowTask]) -> list[RowPlan]:
        """Validate each row that got this far, as the forms and the API do."""
        for task in tasks:
            if not task.plan.errors:
                self._clean_row(task.plan, task.texts, task.found)
        return [task.plan for task in tasks]

    def finish(self, plans: list[RowPlan]) -> list[RowPlan]:
        """Check the exact duplicates and decide each row's action."""
        self._check_duplicates(plans)
        for plan in plans:
            self._decide(plan)
        return plans

    def _clean_row(self, plan: RowPlan, texts: dict[str, str], found: _Current | None) -> None:
        raw, raw_errors = self._client_raw(texts, found)
        plan.errors += raw_errors
        try:
            plan.after = clean_client_input(
                raw,
                existing=found.values if found else None,
                definitions=self.definitions,
            )
        except ValidationFailed as exc:
            plan.errors += [_message(e, self._column(self._key_of(e.field))) for e in exc.errors]
        if found is not None and plan.after is not None and not plan.after["reference"]:
            plan.after["reference"] = found.values["reference"]  # a reference is never cleared
        if plan.after is not None and texts.get("payment_terms_days"):
            warning = legal_terms_warning(
                kind=plan.after["kind"],
                days=plan.after["payment_terms_days"],
                end_of_month=plan.after["payment_terms_end_of_month"],
            )
            if warning is not None:
                plan.warnings.append(
                    _message(
                        FieldError("payment_terms_days", warning["code"], warning["message"]),
                        self._column("payment_terms_days"),
                    )
                )
        country = (plan.after or {}).get("country") or (found.values["country"] if found else "FR")
        self._plan_contact(plan, texts, found, country)
        self._plan_addresses(plan, texts, found, country)
        if "bank." in self.groups:
            self._plan_bank(plan, texts, found)
        if found is None and plan.after is not None and plan.after["reference"] and not plan.errors:
            # What the creation derives, computed here: this may run in a worker process.
            plan.prepared = prepare_creation(plan.after, plan.contact_names, plan.extra_changes)

    @staticmethod
    def _key_of(field_name: str) -> str:
        if field_name.startswith("custom_fields."):
            return CUSTOM_PREFIX + field_name.removeprefix("custom_fields.")
        return field_name

    def _client_raw(
        self, texts: dict[str, str], found: _Current | None
    ) -> tuple[dict[str, Any], list[dict[str, str]]]:
        raw: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        errors: list[dict[str, str]] = []
        updating = found is not None
        country = cells.country_code(texts["country"]) if texts.get("country") else ""
        if not country:
            country = found.values["country"] if found else "FR"
        for key, text in texts.items():
            if key.startswith(CUSTOM_PREFIX):
                slug = key.removeprefix(CUSTOM_PREFIX)
                if slug not in self.slugs:
                    continue
                if text or (updating and self.clear_blanks):
                    custom[slug] = text
                continue
            if key not in EDITABLE_FIELDS:
                continue
            if not text:
                if updating and self.clear_blanks and key not in _NEVER_CLEARED:
                    raw[key] = ""
                continue
            if key == "kind":
                kind = cells.kind_of(text)
                if kind is None:
                    errors.append(
                        self._error(
                            key,
                            "invalid_choice",
                            _("Type inconnu « %(value)s » : Entreprise ou Particulier attendu.")
                            % {"value": text[:50]},
                        )
                    )
                    continue
                raw[key] = kind
            elif key == "civility":
                civility = cells.civility_of(text)
                if civility is None:
                    errors.append(
                        self._error(
                            key,
                            "invalid_choice",
                            _("Civilité inconnue « %(value)s » : M. ou Mme attendu.")
                            % {"value": text[:50]},
                        )
                    )
                    continue
                raw[key] = civility
            elif key == "country":
                raw[key] = country
            elif key == "owner":
                owner = self.members.get(text.lower())
                if owner is None:
                    errors.append(
                        self._error(
                            key,
                            "unknown_user",
                            _("Aucun membre de l'organisation n'a l'e-mail « %(email)s ».")
                            % {"email": text[:100]},
                        )
                    )
                    continue
                raw[key] = owner
            elif key in ("phone", "mobile", "fax"):
                raw[key] = cells.restore_leading_zero(text, "phone", country)
            elif key in _PAYMENT_KEYS:
                error = self._payment_value(key, text, raw, texts)
                if error is not None:
                    errors.append(error)
            elif key == "share_capital":
                raw[key] = cells.parse_amount_text(text)
            else:
                raw[key] = text
        if custom:
            raw["custom_fields"] = custom
        return raw, errors

    def _payment_value(
        self, key: str, text: str, raw: dict[str, Any], texts: dict[str, str]
    ) -> dict[str, str] | None:
        """Put a payment preference's cell into ``raw`` as validation takes it, read as
        other tools write it; the error when it cannot be read."""
        if key == "payment_terms_days":
            terms = cells.payment_terms_of(text)
            if terms is None:
                return self._error(
                    key,
                    "invalid_number",
                    _(
                        "Délai de paiement illisible « %(value)s » : un nombre de jours est "
                        "attendu (30, 45 fin de mois…)."
                    )
                    % {"value": text[:50]},
                )
            raw[key] = terms[0]
            if terms[1] is not None and not texts.get("payment_terms_end_of_month"):
                raw["payment_terms_end_of_month"] = terms[1]
        elif key == "payment_method":
            method = cells.payment_method_of(text)
            if method is None:
                return self._error(
                    key,
                    "invalid_choice",
                    _(
                        "Mode de paiement inconnu « %(value)s » : Virement, Chèque, Prélèvement, "
                        "Carte bancaire, Espèces ou Autre attendu."
                    )
                    % {"value": text[:50]},
                )
            raw[key] = method
        elif key == "currency":
            raw[key] = cells.currency_of(text)
        elif key == "default_vat_rate":
            raw[key] = cells.vat_rate_of(text)
        elif key in ("price_category", "carrier"):
            name = self.lists[key].get(" ".join(text.split()).casefold())
            if name is None:
                known = sorted(self.lists[key].values(), key=str.casefold)
                return self._error(
                    key,
                    "unknown_choice",
                    _("« %(name)s » n'est pas dans la liste. Possibles : %(choices)s.")
                    % {"name": text[:100], "choices": ", ".join(known)}
                    if known
                    else _(
                        "« %(name)s » n'est pas dans la liste, qui est vide : créez-la dans "
                        "les paramètres."
                    )
                    % {"name": text[:100]},
                )
            raw[key] = name
        elif key == "pays_into":
            account = self.accounts.get(text.casefold()) or self.accounts.get(
                "".join(text.split()).upper()
            )
            if account is None:
                return self._error(
                    key,
                    "unknown_account",
                    _(
                        "Aucun compte bancaire de l'organisation n'a le libellé ou l'IBAN "
                        "« %(value)s »."
                    )
                    % {"value": text[:50]},
                )
            raw[key] = account
        else:
            raw[key] = text
        return None

    def _group_raw(self, texts: dict[str, str], prefix: str, updating: bool) -> dict[str, str]:
        raw: dict[str, str] = {}
        for key, name in self.groups.get(prefix, ()):
            text = texts[key]
            if text or (updating and self.clear_blanks):
                raw[name] = text
        return raw

    def _plan_contact(
        self, plan: RowPlan, texts: dict[str, str], found: _Current | None, country: str
    ) -> None:
        existing = found.contact if found else None
        raw = self._group_raw(texts, "contact.", existing is not None)
        if not any(raw.values()):
            return
        if "civility" in raw and raw["civility"]:
            civility = cells.civility_of(raw["civility"])
            if civility is None:
                plan.errors.append(
                    self._error(
                        "contact.civility",
                        "invalid_choice",
                        _("Civilité inconnue « %(value)s » : M. ou Mme attendu.")
                        % {"value": raw["civility"][:50]},
                    )
                )
                return
            raw["civility"] = civility
        for name in ("phone", "mobile"):
            if raw.get(name):
                raw[name] = cells.restore_leading_zero(raw[name], "phone", country)
        try:
            values = clean_contact_input(raw, existing=existing, country=country)
        except ValidationFailed as exc:
            plan.errors += [_message(e, self._column(f"contact.{e.field}")) for e in exc.errors]
            return
        before = existing or dict.fromkeys(CONTACT_FIELDS, "")
        changed = {
            f"contact.{name}": {"old": to_json(before[name]), "new": to_json(values[name])}
            for name in CONTACT_FIELDS
            if before[name] != values[name]
        }
        if not changed:
            return
        plan.extra_changes.update(changed)
        plan.contact = MainContactWrite(
            client_id=found.client_id if found else 0,
            contact_id=found.contact_id if found else None,
            values=values,
        )
        name = f"{values['first_name']} {values['last_name']}".strip() or values["email"]
        if name:
            plan.contact_names = [name]

    def _plan_addresses(
        self, plan: RowPlan, texts: dict[str, str], found: _Current | None, country: str
    ) -> None:
        planned: dict[str, DefaultAddressWrite] = {}
        for group in _ADDRESS_GROUPS:
            existing = found.addresses.get(group) if found else None
            raw: dict[str, Any] = self._group_raw(texts, f"{group}.", existing is not None)
            if not any(raw.values()):
                continue
            if existing is None and not (raw.get("line1") and raw.get("city")):
                # A city or a postcode alone is common in client files; an address needs
                # its street and city, so this one is left out, and the row says so.
                plan.warnings.append(
                    self._error(
                        f"{group}.line1",
                        "incomplete_address",
                        _(
                            "Adresse incomplète (il faut au moins la rue et la ville) : "
                            "non importée."
                        ),
                    )
                )
                continue
            if raw.get("country"):
                raw["country"] = cells.country_code(raw["country"])
            target_country = raw.get("country") or (existing[1]["country"] if existing else country)
            if raw.get("postcode"):
                raw["postcode"] = cells.restore_leading_zero(
                    raw["postcode"], "postcode", target_country
                )
            if existing is None:
                raw[_ADDRESS_FLAGS[group]] = True
            try:
                values = clean_address_input(
                    raw, existing[1] if existing else None, default_country=country
                )
            except ValidationFailed as exc:
                plan.errors += [_message(e, self._column(f"{group}.{e.field}")) for e in exc.errors]
                continue
            before = existing[1] if existing else dict.fromkeys(_IMPORTED_ADDRESS_FIELDS, "")
            changed = {
                f"{group}.{name}": {"old": before.get(name, ""), "new": values[name]}
                for name in _IMPORTED_ADDRESS_FIELDS
                if (before.get(name) or "") != (values[name] or "")
            }
            if not changed:
                continue
            other = planned.get("billing")
            if (
                existing is None
                and other is not None
                and other.address_id is None
                and all(other.values[n] == values[n] for n in _IMPORTED_ADDRESS_FIELDS)
            ):
                # The same new address for billing and delivery: one address, both flags.
                other.values["is_delivery"] = True
            else:
                planned[group] = DefaultAddressWrite(
                    client_id=found.client_id if found else 0,
                    address_id=existing[0] if existing else None,
                    values=values,
                )
            plan.extra_changes.update(changed)
        plan.addresses = list(planned.values())

    def _plan_bank(self, plan: RowPlan, texts: dict[str, str], found: _Current | None) -> None:
        """The primary bank account the row gives its client: the account with its IBAN
        (made primary), else a new one. A masked IBAN (an export by someone who may not
        see them) or a blank cell changes nothing; accounts are never removed."""
        iban_text = texts.get("bank.iban", "")
        bic_text = texts.get("bank.bic", "")
        accounts = found.accounts if found else []
        primary = next((a for a in accounts if a[3]), None)
        if "•" in iban_text:
            iban_text = ""
        if not iban_text:
            if not bic_text or primary is None:
                if bic_text:
                    plan.errors.append(
                        self._error(
                            "bank.bic",
                            "required",
                            _("Un BIC sans IBAN : indiquez l'IBAN du compte."),
                        )
                    )
                return
            iban_text = primary[1]
        try:
            values = clean_bank_account_input({"iban": iban_text, "bic": bic_text})
        except ValidationFailed as exc:
            plan.errors += [_message(e, self._column(f"bank.{e.field}")) for e in exc.errors]
            return
        iban = values["iban"]
        same = next((a for a in accounts if a[1] == iban), None)
        bic = values["bic"] if bic_text else (same[2] if same else "")
        if same is not None and same[3] and same[2] == bic:
            return  # already the primary account, as it is
        if same is not None and same[3]:
            plan.extra_changes["bank.bic"] = {"old": same[2], "new": bic}
        else:
            plan.extra_changes["bank.iban"] = {
                "old": identifiers.mask_iban(primary[1]) if primary else "",
                "new": identifiers.mask_iban(iban),
                "created": same is None,
                "previous": primary[0] if primary else None,
            }
            if bic:
                plan.extra_changes["bank.bic"] = {"old": same[2] if same else "", "new": bic}
        plan.bank = PrimaryAccountWrite(
            client_id=found.client_id if found else 0,
            account_id=same[0] if same else None,
            iban=iban,
            bic=bic,
        )

    # --- The base -----------------------------------------------------------------------
    def _find(self, key_values: list[str]) -> dict[str, _Current]:
        """The clients the rows' keys designate, by key value, with their current values."""
        if not key_values:
            return {}
        clients = Client.objects.filter(organization=self.organization)
        if self.key == ImportKey.ID:
            clients = clients.filter(pk__in=[int(k) for k in key_values])
            key_of = lambda row: str(row["id"])  # noqa: E731
        elif self.key == ImportKey.EMAIL:
            # The conditions of the partial unique indexes, so that they serve the lookup.
            clients = (
                clients.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=key_values, deleted_at__isnull=True)
                .exclude(email="")
            )
            key_of = lambda row: row["email"].lower()  # noqa: E731
        elif self.key == ImportKey.SIRET:
            clients = clients.filter(siret__in=key_values, deleted_at__isnull=True).exclude(
                siret=""
            )
            key_of = lambda row: row["siret"]  # noqa: E731
        elif self.key == ImportKey.VAT_NUMBER:
            clients = clients.filter(vat_number__in=key_values, deleted_at__isnull=True)
            key_of = lambda row: row["vat_number"]  # noqa: E731
        else:
            clients = clients.filter(reference__in=key_values)
            key_of = lambda row: row["reference"]  # noqa: E731
        rows = list(
            clients.order_by("id").values(
                "id",
                "version",
                "deleted_at",
                "category__name",
                "owner_id",
                "price_category__name",
                "carrier__name",
                "pays_into_id",
                *(f for f in EDITABLE_FIELDS if f not in RELATION_FIELDS),
            )
        )
        found: dict[str, _Current] = {}
        ids = [row["id"] for row in rows]
        tags = self._tags(ids)
        for row in rows:
            values = {f: row[f] for f in EDITABLE_FIELDS if f not in RELATION_FIELDS}
            values["tags"] = sorted(tags.get(row["id"], []), key=str.casefold)
            values["category"] = row["category__name"]
            values["owner"] = row["owner_id"]
            values["price_category"] = row["price_category__name"]
            values["carrier"] = row["carrier__name"]
            values["pays_into"] = row["pays_into_id"]
            found.setdefault(
                key_of(row),
                _Current(row["id"], row["version"], row["deleted_at"] is not None, values),
            )
        by_id = {c.client_id: c for c in found.values()}
        for link in ClientContact.objects.filter(
            organization=self.organization, client_id__in=list(by_id), is_main=True
        ).select_related("contact"):
            current = by_id[link.client_id]
            current.contact_id = link.contact_id
            current.contact = {f: getattr(link.contact, f) for f in CONTACT_FIELDS}
        for address in Address.objects.filter(
            Q(is_billing=True) | Q(is_delivery=True),
            organization=self.organization,
            client_id__in=list(by_id),
        ):
            values = address_values(address)
            for group, flag in _ADDRESS_FLAGS.items():
                if getattr(address, flag):
                    by_id[address.client_id].addresses[group] = (address.pk, values)
        if "bank." in self.groups:
            for pk, client_id, iban, bic, primary in (
                BankAccount.objects.filter(
                    organization=self.organization, client_id__in=list(by_id)
                )
                .order_by("id")
                .values_list("pk", "client_id", "iban", "bic", "primary")
            ):
                by_id[client_id].accounts.append((pk, iban, bic, primary))
        return found

    def _tags(self, ids: list[int]) -> dict[int, list[str]]:
        tags: dict[int, list[str]] = {}
        if ids:
            for client_id, name in ClientTag.objects.filter(
                organization=self.organization, client_id__in=ids
            ).values_list("client_id", "tag__name"):
                tags.setdefault(client_id, []).append(name)
        return tags

    def _check_duplicates(self, plans: list[RowPlan]) -> None:
        """Exact duplicates: an e-mail or a SIRET another client has (in the base or
        earlier in the file), a reference already taken."""
        valid = [p for p in plans if not p.errors and p.after is not None]
        emails = {p.after["email"].lower() for p in valid if p.after and p.after["email"]}
        sirets = {p.after["siret"] for p in valid if p.after and p.after["siret"]}
        references = {p.after["reference"] for p in valid if p.after and p.after["reference"]}
        owners: dict[tuple[str, str], tuple[int, str, str]] = {}
        # One query per identifier, each with the conditions of its partial unique index so
        # that the index serves it (an OR of both would read every client).
        holders: list[tuple[int, str, str, str, str]] = []
        live = Client.objects.filter(organization=self.organization, deleted_at__isnull=True)
        fields = ("id", "email", "siret", "name", "reference")
        if emails:
            holders += (
                live.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=emails)
                .exclude(email="")
                .values_list(*fields)
            )
        if sirets:
            holders += live.filter(siret__in=sirets).exclude(siret="").values_list(*fields)
        if holders:
            for pk, email, siret, name, reference in holders:
                if email and email.lower() in emails:
                    owners[("email", email.lower())] = (pk, name, reference)
                if siret and siret in sirets:
                    owners[("siret", siret)] = (pk, name, reference)
        taken_references: dict[str, int] = {}
        if references:
            taken_references = dict(
                Client.objects.filter(
                    organization=self.organization, reference__in=references
                ).values_list("reference", "id")
            )
        for plan in valid:
            after = plan.after or {}
            for name, value, seen in (
                ("email", (after["email"] or "").lower(), self.seen_emails),
                ("siret", after["siret"], self.seen_sirets),
            ):
                if not value:
                    continue
                holder = owners.get((name, value))
                if holder is not None and holder[0] != plan.client_id:
                    message = (
                        _("Un client avec cet e-mail existe déjà : %(name)s (%(reference)s).")
                        if name == "email"
                        else _("Un client avec ce SIRET existe déjà : %(name)s (%(reference)s).")
                    ) % {"name": holder[1], "reference": holder[2]}
                    error = self._error(name, "duplicate", message)
                    error["client"] = str(holder[0])
                    plan.errors.append(error)
                elif value in seen:
                    message = (
                        _("Même e-mail que la ligne %(line)d du fichier.")
                        if name == "email"
                        else _("Même SIRET que la ligne %(line)d du fichier.")
                    ) % {"line": seen[value]}
                    plan.errors.append(self._error(name, "duplicate_in_file", message))
                else:
                    seen[value] = plan.line
            reference = after["reference"]
            if reference:
                holder_id = taken_references.get(reference)
                if holder_id is not None and holder_id != plan.client_id:
                    plan.errors.append(
                        self._error(
                            "reference",
                            "duplicate",
                            _("Cette référence est déjà utilisée par un autre client."),
                        )
                    )
                elif reference in self.seen_references:
                    plan.errors.append(
                        self._error(
                            "reference",
                            "duplicate_in_file",
                            _("Même référence que la ligne %(line)d du fichier.")
                            % {"line": self.seen_references[reference]},
                        )
                    )
                else:
                    self.seen_references[reference] = plan.line

    def _decide(self, plan: RowPlan) -> None:
        if plan.errors or plan.after is None:
            plan.action = RowAction.ERROR
            plan.contact = None
            plan.addresses = []
            plan.bank = None
            return
        if plan.before is None:
            # What a creation writes is in the client's history; the row keeps nothing.
            plan.action = RowAction.CREATE
            return
        changes = {**client_changes(plan.before, plan.after), **plan.extra_changes}
        plan.changes = changes
        plan.action = RowAction.UPDATE if changes else RowAction.UNCHANGED
