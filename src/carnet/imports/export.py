"""Exporting clients to CSV and XLSX, every field, streamed with flat memory.

The columns are those of ``columns.columns_for`` (the importer reads them back), their
cells written as ``values`` says so that re-importing an export changes nothing. Clients
are read by chunks of ``CHUNK`` ids, each chunk in a handful of queries (the clients,
their tags, main contacts and default addresses), whatever the number of clients.

CSV is UTF-8 with a byte-order mark and ``;`` by default, what French Excel opens
correctly, with decimal commas; ``,`` on request (with decimal points). Cells a
spreadsheet would run as formulas are neutralized (``values.neutralize``). XLSX cells are
typed: text stays text (a SIRET never becomes 7.3E+13, a text starting with "=" is never
a formula), amounts and counts are numbers.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from carnet.accounts.models import Membership, Organization
from carnet.addresses.models import Address
from carnet.banking.models import BankAccount
from carnet.clients.models import Category, Client, ClientTag, Kind, Tag
from carnet.contacts.models import ClientContact, Contact
from carnet.core import identifiers
from carnet.customfields.models import CustomField, FieldType
from carnet.customfields.validation import input_value
from carnet.payments.models import Carrier, OrganizationBankAccount, PriceCategory

from . import values as cells
from .columns import CUSTOM_PREFIX, Column, columns_for

CHUNK = 2000
_CENTS = Decimal("0.01")
SHEET_NAME = "Clients"
# First characters of a cell a spreadsheet could run (``values.neutralize`` decides).
_RISKY = frozenset("=+-@\t\r'")
_FRENCH_NUMBER = re.compile(r"^\+33([1-9])(\d{2})(\d{2})(\d{2})(\d{2})$")
_CLIENT_COLUMNS = (
    "id",
    "reference",
    "kind",
    "name",
    "civility",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "fax",
    "website",
    "legal_form",
    "siret",
    "siren",
    "naf_code",
    "share_capital",
    "rcs",
    "vat_number",
    "vat_regime",
    "sector",
    "employee_count",
    "country",
    "linkedin_url",
    "twitter_url",
    "facebook_url",
    "viadeo_url",
    "customer_account",
    "auxiliary_account",
    "marketing_email",
    "marketing_sms",
    "notes",
    "category_id",
    "owner_id",
    "archived",
    "created_at",
    "updated_at",
    "custom_fields",
    "payment_terms_days",
    "payment_terms_end_of_month",
    "payment_method",
    "discount_percent",
    "discount_amount",
    "currency",
    "default_vat_rate",
    "price_category_id",
    "carrier_id",
    "pays_into_id",
)
_VAT_REGIMES = {
    "standard": "TVA française",
    "reverse_charge": "Autoliquidation (UE)",
    "export": "Exonération (export)",
}


def export_phone(value: str, country: str) -> str:
    """``values.phone_for_export`` with a fast path for the common case, a French number
    of a French client ("+33142685300" -> "01 42 68 53 00", as phonenumbers formats it)."""
    if not value:
        return ""
    if country in ("FR", ""):
        match = _FRENCH_NUMBER.match(value)
        if match:
            return "0" + " ".join(match.groups())
    return cells.phone_for_export(value, country)


def client_ids(
    organization: Organization, *, archived: bool = False, ids: Iterable[int] | None = None
) -> Iterator[list[int]]:
    """Chunks of the ids to export: the given ones (of the organization, trash left out),
    else every client (archived ones when asked), in id order."""
    base = Client.objects.filter(organization=organization, deleted_at__isnull=True)
    if ids is not None:
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            found = list(base.filter(pk__in=chunk).order_by("id").values_list("id", flat=True))
            if found:
                yield found
        return
    if not archived:
        base = base.filter(archived=False)
    last = 0
    while True:
        chunk = list(base.filter(pk__gt=last).order_by("id").values_list("id", flat=True)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


class Exporter:
    """Turns chunks of client ids into rows of cells, for one organization."""

    def __init__(
        self,
        organization: Organization,
        *,
        csv_cells: bool,
        decimal_comma: bool,
        full_ibans: bool = True,
    ):
        self.organization = organization
        # IBANs in full for those who may edit clients; masked for the others (the
        # importer leaves a masked IBAN alone).
        self.full_ibans = full_ibans
        self.csv_cells = csv_cells
        self.decimal_comma = decimal_comma
        self.definitions: list[CustomField] = list(
            CustomField.objects.filter(organization=organization)
        )
        self.columns: list[Column] = columns_for(self.definitions)
        self.fields = {f.slug: f for f in self.definitions}
        self.zone = timezone.get_current_timezone()
        self.categories = dict(
            Category.objects.filter(organization=organization).values_list("id", "name")
        )
        self.owners = dict(
            Membership.objects.filter(organization=organization).values_list(
                "user_id", "user__email"
            )
        )
        self.price_categories = dict(
            PriceCategory.objects.filter(organization=organization).values_list("id", "name")
        )
        self.carriers = dict(
            Carrier.objects.filter(organization=organization).values_list("id", "name")
        )
        self.accounts = dict(
            OrganizationBankAccount.objects.filter(organization=organization).values_list(
                "id", "label"
            )
        )

    @property
    def header(self) -> list[str]:
        return [column.label for column in self.columns]

    def rows(self, chunks: Iterable[list[int]]) -> Iterator[list[Any]]:
        for ids in chunks:
            yield from self._chunk(ids)

    def _chunk(self, ids: list[int]) -> Iterator[list[Any]]:
        # Plain SQL on a cursor: the ORM's lookups and converters cost more than the
        # queries at a million clients. The ids are integers read from the database.
        organization_id = self.organization.pk
        id_list = ",".join(str(int(pk)) for pk in ids)
        tags: dict[int, list[str]] = {}
        contacts: dict[int, tuple[Any, ...]] = {}
        addresses: dict[tuple[int, str], tuple[Any, ...]] = {}
        accounts: dict[int, tuple[str, str]] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT link.client_id, tag.name FROM {ClientTag._meta.db_table} link "
                f"JOIN {Tag._meta.db_table} tag ON tag.id = link.tag_id "
                f"WHERE link.organization_id = %s AND link.client_id IN ({id_list})",
                [organization_id],
            )
            for client_id, name in cursor.fetchall():
                tags.setdefault(client_id, []).append(name)
            cursor.execute(
                "SELECT link.client_id, c.civility, c.first_name, c.last_name, c.job_title, "
                f"c.email, c.phone, c.mobile FROM {ClientContact._meta.db_table} link "
                f"JOIN {Contact._meta.db_table} c ON c.id = link.contact_id "
                f"WHERE link.organization_id = %s AND link.client_id IN ({id_list}) "
                "AND link.is_main",
                [organization_id],
            )
            contacts = {row[0]: row[1:] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT client_id, is_billing, is_delivery, line1, line2, line3, postcode, "
                f"city, region, country FROM {Address._meta.db_table} "
                f"WHERE organization_id = %s AND client_id IN ({id_list}) "
                "AND (is_billing OR is_delivery)",
                [organization_id],
            )
            for row in cursor.fetchall():
                if row[1]:
                    addresses[(row[0], "billing")] = row[3:]
                if row[2]:
                    addresses[(row[0], "delivery")] = row[3:]
            cursor.execute(
                f"SELECT client_id, iban, bic FROM {BankAccount._meta.db_table} "
                f'WHERE organization_id = %s AND client_id IN ({id_list}) AND "primary"',
                [organization_id],
            )
            accounts = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
            cursor.execute(
                f"SELECT {', '.join(_CLIENT_COLUMNS)} FROM {Client._meta.db_table} "
                f"WHERE organization_id = %s AND id IN ({id_list}) ORDER BY id",
                [organization_id],
            )
            rows = cursor.fetchall()
        for row in rows:
            data = dict(zip(_CLIENT_COLUMNS, row, strict=True))
            yield self._cells(data, tags, contacts, addresses, accounts)

    def _text(self, value: str) -> str:
        if value and self.csv_cells and value[0] in _RISKY:
            return cells.neutralize(value)
        return value

    def _cells(
        self,
        data: dict[str, Any],
        tags: dict[int, list[str]],
        contacts: dict[int, tuple[Any, ...]],
        addresses: dict[tuple[int, str], tuple[Any, ...]],
        accounts: dict[int, tuple[str, str]],
    ) -> list[Any]:
        pk = data["id"]
        country = data["country"]
        text = self._text
        out: list[Any] = [
            pk,
            text(data["reference"]),
            "Entreprise" if data["kind"] == Kind.COMPANY else "Particulier",
            text(data["name"]),
            cells.CIVILITY_LABELS.get(data["civility"], ""),
            text(data["first_name"]),
            text(data["last_name"]),
            text(data["email"]),
            text(export_phone(data["phone"], country)),
            text(export_phone(data["mobile"], country)),
            text(export_phone(data["fax"], country)),
            text(data["website"]),
            text(data["legal_form"]),
            data["siret"],
            data["siren"],
            data["naf_code"],
            self._amount(data["share_capital"]),
            text(data["rcs"]),
            data["vat_number"],
            _VAT_REGIMES.get(data["vat_regime"], data["vat_regime"]),
            text(data["sector"]),
            self._count(data["employee_count"]),
            country,
            text(data["linkedin_url"]),
            text(data["twitter_url"]),
            text(data["facebook_url"]),
            text(data["viadeo_url"]),
            text(data["customer_account"]),
            text(data["auxiliary_account"]),
            cells.yes_no(bool(data["marketing_email"])),
            cells.yes_no(bool(data["marketing_sms"])),
            text(data["notes"]),
            text(", ".join(sorted(tags.get(pk, []), key=str.casefold))),
            text(self.categories.get(data["category_id"], "")),
            self.owners.get(data["owner_id"], ""),
            cells.yes_no(bool(data["archived"])),
            _moment(data["created_at"], self.zone),
            _moment(data["updated_at"], self.zone),
            self._count(data["payment_terms_days"]),
            ""
            if data["payment_terms_end_of_month"] is None
            else cells.yes_no(bool(data["payment_terms_end_of_month"])),
            cells.PAYMENT_METHOD_LABELS.get(data["payment_method"], ""),
            self._amount(data["discount_percent"]),
            self._amount(data["discount_amount"]),
            data["currency"],
            self._amount(data["default_vat_rate"]),
            text(self.price_categories.get(data["price_category_id"], "")),
            text(self.carriers.get(data["carrier_id"], "")),
            text(self.accounts.get(data["pays_into_id"], "")),
        ]
        account = accounts.get(pk)
        if account is None:
            out += ["", ""]
        else:
            iban, bic = account
            shown = (
                identifiers.format_iban(iban) if self.full_ibans else identifiers.mask_iban(iban)
            )
            out += [shown, bic]
        contact = contacts.get(pk)
        if contact is None:
            out += [""] * 7
        else:
            civility, first, last, job, email, phone, mobile = contact
            out += [
                cells.CIVILITY_LABELS.get(civility, ""),
                text(first),
                text(last),
                text(job),
                text(email),
                text(export_phone(phone, country)),
                text(export_phone(mobile, country)),
            ]
        for group in ("billing", "delivery"):
            address = addresses.get((pk, group))
            if address is None:
                out += [""] * 7
            else:
                out += [text(part or "") for part in address]
        custom = data["custom_fields"] or {}
        if isinstance(custom, str):  # SQLite gives JSON text
            custom = json.loads(custom)
        for column in self.columns[len(out) :]:
            slug = column.key.removeprefix(CUSTOM_PREFIX)
            out.append(self._custom(self.fields[slug], custom.get(slug)))
        return out

    def _amount(self, value: Any) -> Any:
        if value is None:
            return ""
        # SQLite gives a decimal column back as a float or an integer; two places suffice.
        amount = Decimal(repr(value) if isinstance(value, float) else value).quantize(_CENTS)
        if not self.csv_cells:
            return float(amount)
        return cells.amount_for_export(amount, decimal_comma=self.decimal_comma)

    def _count(self, value: Any) -> Any:
        if value is None:
            return ""
        return value if not self.csv_cells else str(value)

    def _custom(self, field: CustomField, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return ""
        if field.type == FieldType.BOOLEAN:
            return cells.yes_no(bool(value))
        if field.type == FieldType.DECIMAL:
            # Text in both formats: the value keeps its digits as typed ("12.50").
            return cells.amount_for_export(Decimal(str(value)), decimal_comma=self.decimal_comma)
        if field.type == FieldType.INTEGER and not self.csv_cells:
            return int(value)
        rendered = input_value(field, value)
        if isinstance(rendered, list):
            rendered = ", ".join(rendered)
        return self._text(str(rendered))


def _moment(value: Any, zone: Any) -> str:
    """A stored moment in the local time zone ``zone``; SQLite gives the UTC text it
    stores."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC)
    return value.astimezone(zone).isoformat(sep=" ", timespec="seconds")[:19]


# --- Writers ----------------------------------------------------------------------------
class _Buffer(io.StringIO):
    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate(0)
        return text


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";"
) -> Iterator[bytes]:
    """A CSV file, UTF-8 with a byte-order mark, in pieces of about 64 KB."""
    buffer = _Buffer()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff".encode() + buffer.take().encode()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 65536:
            yield buffer.take().encode()
    rest = buffer.take()
    if rest:
        yield rest.encode()


def _unique(header: Sequence[str]) -> list[str]:
    """The writer takes each row as a dict keyed by header: a header repeated in a file
    (an error report keeps the file's own) gets invisible zero-width spaces to stay apart."""
    seen: set[str] = set()
    keys = []
    for text in header:
        key = text
        while key in seen:
            key += "\u200b"
        seen.add(key)
        keys.append(key)
    return keys


def _records(keys: list[str], rows: Iterable[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    """Rows as the writer takes them; with no row at all, one blank row, since the writer
    takes its header from the rows (an empty export still has its header)."""
    empty = True
    for row in rows:
        empty = False
        yield dict(zip(keys, row, strict=False))
    if empty:
        yield dict.fromkeys(keys)


def write_xlsx(
    path: Path,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
    *,
    widths: dict[str, Sequence[float]] | None = None,
) -> None:
    """Write an XLSX workbook: each sheet a name, a header and rows, streamed (the writer
    keeps one row in memory at a time). Text cells stay text."""
    from rustpy_xlsxwriter import FastExcel

    workbook = FastExcel(str(path)).format(bold_headers=True)
    for name, header, rows in sheets:
        keys = _unique(header)
        records = _records(keys, rows)
        workbook = workbook.freeze(row=1, col=0).sheet(
            name, records, column_widths=list((widths or {}).get(name, [])) or None
        )
    workbook.save()


def export_csv(
    organization: Organization,
    *,
    delimiter: str = ";",
    archived: bool = False,
    ids: Iterable[int] | None = None,
    full_ibans: bool = True,
) -> Iterator[bytes]:
    exporter = Exporter(
        organization, csv_cells=True, decimal_comma=delimiter == ";", full_ibans=full_ibans
    )
    chunks = client_ids(organization, archived=archived, ids=ids)
    return csv_chunks(exporter.header, exporter.rows(chunks), delimiter=delimiter)


def export_xlsx(
    organization: Organization,
    path: Path,
    *,
    archived: bool = False,
    ids: Iterable[int] | None = None,
    full_ibans: bool = True,
) -> None:
    exporter = Exporter(organization, csv_cells=False, decimal_comma=False, full_ibans=full_ibans)
    chunks = client_ids(organization, archived=archived, ids=ids)
    widths = [max(10.0, min(40.0, len(label) + 2.0)) for label in exporter.header]
    write_xlsx(
        path,
        [(SHEET_NAME, exporter.header, exporter.rows(chunks))],
        widths={SHEET_NAME: widths},
    )
