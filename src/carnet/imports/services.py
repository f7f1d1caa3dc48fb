"""The only code that writes imports: upload, mapping, preview, commit, rollback.

An import is a batch (``ImportBatch``) that goes through these steps, each one a function
here, called alike by the web pages, the API and ``carnet import clients``:

1. ``start_import`` stores the file, reads its header (``reading``), proposes a mapping
   of its columns (``headers``) and previews it;
2. ``preview`` plans every row (``planning``) without writing any client: per row
   create, update, unchanged or error, with the field and the reason;
3. ``commit`` plans the rows again (the base may have changed) and writes the valid ones
   through the clients', contacts' and addresses' bulk services, in one transaction: all
   of them or none. History entries name the import (``context``);
4. ``rollback`` removes the clients the import created (when nobody changed them since)
   and gives the fields it updated their previous values back.

Previews, commits and rollbacks of large files run as background jobs (``carnet.jobs``)
with progress and cancellation; a small file is handled at once.
"""

from __future__ import annotations

import codecs
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.addresses.services import DefaultAddressWrite, write_default_addresses
from carnet.banking.services import undo_imported_account, write_primary_accounts
from carnet.clients import services as clients
from carnet.contacts.services import MainContactWrite, write_main_contacts
from carnet.core.db import insert_rows
from carnet.core.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from carnet.core.ids import parse_id
from carnet.core.models import ChangeRecord
from carnet.customfields.queries import definitions_for
from carnet.jobs import progress as job_progress
from carnet.jobs import services as jobs
from carnet.jobs.models import Job
from carnet.jobs.models import Status as JobStatus

from . import parallel
from .columns import Column, columns_for
from .headers import normalize_header, suggest_mapping
from .models import ImportBatch, ImportKey, ImportRow, RowAction, SavedMapping, Status
from .planning import CHUNK, RowPlan, RowPlanner
from .reading import FileRefused, SourceRow, Table, open_table

SOURCE = "import"
SAMPLE_ROWS = 5
# Files up to this size are previewed and committed in the request; larger ones in the
# background, with progress.
INLINE_BYTES = 1_048_576
_KEY_PREFERENCE = (ImportKey.ID, ImportKey.REFERENCE, ImportKey.SIRET, ImportKey.EMAIL)
_BUSY = (Status.ANALYZING, Status.COMMITTING, Status.ROLLING_BACK)
Callback = Callable[[job_progress.Snapshot], None]


def max_import_bytes() -> int:
    return int(getattr(settings, "CARNET_MAX_IMPORT_MB", 250)) * 1024 * 1024


def _acting(user: User | None) -> User | None:
    return user if user is not None and user.pk else None


def _path(batch: ImportBatch) -> Path:
    return Path(default_storage.path(batch.stored_name))


def _table(batch: ImportBatch) -> Table:
    options = batch.options or {}
    return open_table(
        _path(batch),
        encoding=options.get("encoding") or None,
        delimiter=options.get("delimiter") or None,
        sheet=options.get("sheet") or None,
    )


DELIMITERS = (",", ";", "\t", "|")


def _clean_reading_options(
    encoding: str | None, delimiter: str | None, sheet: str | None
) -> dict[str, str | None]:
    """How the person wants the file read (blank: detect): a known encoding, one of the
    delimiters, a sheet name."""
    errors: list[FieldError] = []
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name if len(encoding) <= 40 else None
        except LookupError:
            encoding = None
        if encoding is None:
            errors.append(
                FieldError(
                    "encoding", "invalid_choice", _("Encodage inconnu (par exemple utf-8, cp1252).")
                )
            )
    if delimiter and delimiter not in DELIMITERS:
        errors.append(
            FieldError(
                "delimiter",
                "invalid_choice",
                _("Séparateur possible : virgule, point-virgule, tabulation ou barre verticale."),
            )
        )
    if sheet is not None and (len(sheet) > 100 or "\x00" in sheet):
        errors.append(FieldError("sheet", "invalid", _("Nom de feuille invalide.")))
    if errors:
        raise ValidationFailed(errors)
    return {"encoding": encoding or None, "delimiter": delimiter or None, "sheet": sheet or None}


def _refused(code: str, message: Any) -> ValidationFailed:
    return ValidationFailed([FieldError("file", code, message)], detail=message)


# --- Reading the batch ------------------------------------------------------------------
def get_batch(organization: Organization, batch_id: Any) -> ImportBatch:
    """The organization's import with this id (with its job's news), else ``NotFound``."""
    pk = parse_id(batch_id)
    batch = ImportBatch.objects.filter(organization=organization, pk=pk).first() if pk else None
    if batch is None:
        raise NotFound(_("Import introuvable."))
    return refresh(batch)


def refresh(batch: ImportBatch) -> ImportBatch:
    """A batch whose background job ended without finishing its step (interrupted,
    cancelled, failed) goes back to where it was before that step."""
    if batch.status not in _BUSY or batch.job_id is None:
        return batch
    job = jobs.refresh(Job.objects.get(pk=batch.job_id))
    if not job.finished:
        return batch
    batch.refresh_from_db()
    if batch.status in _BUSY:
        back = {
            Status.ANALYZING: Status.UPLOADED,
            Status.COMMITTING: Status.READY,
            Status.ROLLING_BACK: Status.COMMITTED,
        }[Status(batch.status)]
        if batch.status == Status.ANALYZING and batch.previewed_at is not None:
            back = Status.READY
        ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(
            status=back, error=job.error
        )
        batch.refresh_from_db()
    return batch


def live_progress(batch: ImportBatch) -> job_progress.Snapshot | None:
    if batch.status not in _BUSY or batch.job_id is None:
        return None
    return job_progress.read(batch.job_id)


def columns_of(organization: Organization) -> list[Column]:
    return columns_for(definitions_for(organization))


# --- Step 1: upload ---------------------------------------------------------------------
def start_import(
    organization: Organization,
    user: User | None,
    upload: Any,
    *,
    filename: str,
    source: str,
    mapping: Any = None,
    key: str | None = None,
    clear_blanks: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    saved_mapping: Any = None,
    preview_now: bool | None = None,
    preview: bool = True,
) -> ImportBatch:
    """Store an uploaded client file and read it: its format, encoding, delimiter, header,
    a proposed mapping of its columns, then a preview (at once for a small file, in the
    background for a large one unless ``preview_now``). Without ``preview`` the batch is
    ready to commit at once (the command line commits in one pass).

    ``upload`` is a Django ``File`` (or anything with ``chunks()`` and ``size``). A file
    that cannot be read as a table is refused (``ValidationFailed`` on ``file``) and not
    kept."""
    size = int(getattr(upload, "size", 0) or 0)
    if size > max_import_bytes():
        raise _refused(
            "too_large",
            _(
                "Le fichier dépasse la taille maximale d'un import (%(limit)s Mo) : "
                "découpez-le en plusieurs fichiers."
            )
            % {"limit": max_import_bytes() // (1024 * 1024)},
        )
    options = _clean_reading_options(encoding, delimiter, sheet)
    stored = default_storage.save(f"imports/{organization.pk}/{uuid.uuid4().hex}", upload)
    batch = ImportBatch.objects.create(
        organization=organization,
        created_by=_acting(user),
        source=source,
        filename=(filename or "import")[:255],
        stored_name=stored,
        size=default_storage.size(stored),
        options=options,
        clear_blanks=bool(clear_blanks),
    )
    try:
        _analyze(batch)
        definitions = definitions_for(organization)
        columns = columns_for(definitions)
        batch.mapping = _initial_mapping(
            organization, batch.header, columns, mapping, saved_mapping
        )
        batch.key = _initial_key(batch.mapping, key, saved_mapping, organization)
        batch.save(update_fields=["mapping", "key"])
        _check_mapping(batch, columns)
    except DomainError:
        # A file or settings refused at once: nothing of this upload is kept.
        default_storage.delete(stored)
        batch.delete()
        raise
    if preview:
        schedule(batch, "preview", user, now=preview_now)
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(status=Status.READY)
        batch.refresh_from_db()
    return batch


def _analyze(batch: ImportBatch) -> None:
    """Read the header and a few rows; refuse what cannot be read."""
    try:
        with _table(batch) as table:
            sample: list[list[str]] = []
            for row in table.rows():
                sample.append(row.cells[: len(table.header)])
                if len(sample) >= SAMPLE_ROWS:
                    break
            info = table.info
            batch.header = list(table.header)
            batch.info = {
                "format": info.format,
                "encoding": info.encoding,
                "encoding_detected": info.encoding_detected,
                "delimiter": info.delimiter,
                "sheet": info.sheet,
                "sheets": list(info.sheets),
                "header_line": table.header_line,
                "sample": sample,
            }
    except FileRefused as exc:
        raise _refused(exc.code, exc.message) from None
    except OSError:
        raise _refused("unreadable", _("Le fichier n'a pas pu être lu.")) from None
    if not sample:
        raise _refused(
            "no_rows",
            _("Le fichier ne contient que la ligne d'en-tête : aucun client à importer."),
        )
    batch.save(update_fields=["header", "info"])


def _initial_mapping(
    organization: Organization,
    header: Sequence[str],
    columns: Sequence[Column],
    mapping: Any,
    saved_mapping: Any,
) -> list[str | None]:
    suggested = [match.key for match in suggest_mapping(header, columns)]
    if mapping is not None:
        return _clean_mapping(mapping, header, columns, base=suggested)
    if saved_mapping not in (None, ""):
        saved = get_saved_mapping(organization, saved_mapping)
        known = {c.key for c in columns}
        for index, text in enumerate(header):
            normalized = normalize_header(text)
            if normalized in saved.columns:
                value = saved.columns[normalized]
                suggested[index] = value if value in known else None
    return suggested


def _clean_mapping(
    mapping: Any,
    header: Sequence[str],
    columns: Sequence[Column],
    base: Sequence[str | None] | None = None,
) -> list[str | None]:
    """A mapping as given, checked: a list (one key or null per column), or
    ``{header or index: key}`` changing only those columns of ``base``."""
    known = {c.key: c for c in columns}
    result: list[str | None] = list(base) if base is not None else [None] * len(header)
    errors: list[FieldError] = []
    if isinstance(mapping, list | tuple):
        if len(mapping) != len(header):
            raise ValidationFailed(
                [
                    FieldError(
                        "mapping",
                        "invalid_length",
                        _("La correspondance doit avoir une entrée par colonne (%(count)d).")
                        % {"count": len(header)},
                    )
                ]
            )
        pairs = list(enumerate(mapping))
    elif isinstance(mapping, dict):
        pairs = []
        positions = {normalize_header(text): i for i, text in reversed(list(enumerate(header)))}
        for name, value in mapping.items():
            index = positions.get(normalize_header(str(name)))
            if index is None and str(name).isdigit() and int(str(name)) < len(header):
                index = int(str(name))
            if index is None:
                errors.append(
                    FieldError(
                        "mapping",
                        "unknown_column",
                        _("Le fichier n'a pas de colonne « %(name)s ».")
                        % {"name": str(name)[:100]},
                    )
                )
                continue
            pairs.append((index, value))
    else:
        raise ValidationFailed(
            [
                FieldError(
                    "mapping", "invalid_type", _("Une correspondance de colonnes est attendue.")
                )
            ]
        )
    for index, value in pairs:
        if value in (None, ""):
            result[index] = None
            continue
        column = known.get(str(value)) if isinstance(value, str) else None
        if column is None or not (column.importable or column.key == "id"):
            errors.append(
                FieldError(
                    "mapping",
                    "unknown_field",
                    _("« %(value)s » n'est pas une colonne de client importable.")
                    % {"value": str(value)[:100]},
                )
            )
            continue
        result[index] = column.key
    if errors:
        raise ValidationFailed(errors)
    return result


def _initial_key(
    mapping: Sequence[str | None], key: str | None, saved_mapping: Any, organization: Organization
) -> str:
    if key is not None:
        return _clean_key(key, mapping)
    if saved_mapping not in (None, ""):
        saved = get_saved_mapping(organization, saved_mapping)
        if saved.key in mapping:
            return saved.key
    for candidate in _KEY_PREFERENCE:
        if candidate in mapping:
            return str(candidate)
    return ""


def _clean_key(key: Any, mapping: Sequence[str | None]) -> str:
    if key in (None, ""):
        return ""
    if key not in ImportKey.values:
        raise ValidationFailed(
            [
                FieldError(
                    "key",
                    "invalid_choice",
                    _("Clé possible : id, reference, siret, vat_number, email."),
                )
            ]
        )
    if key not in mapping:
        raise ValidationFailed(
            [
                FieldError(
                    "key",
                    "unmapped_key",
                    _("Aucune colonne du fichier n'est associée à la clé choisie (%(key)s).")
                    % {"key": ImportKey(key).label},
                )
            ]
        )
    return str(key)


def _check_mapping(batch: ImportBatch, columns: Sequence[Column]) -> None:
    """Two columns of the file on one Carnet column, or no name at all: refused."""
    labels = {c.key: c.label for c in columns}
    seen: dict[str, int] = {}
    errors: list[FieldError] = []
    for index, key in enumerate(batch.mapping):
        if not key:
            continue
        if key in seen:
            errors.append(
                FieldError(
                    "mapping",
                    "duplicate",
                    _(
                        "Les colonnes « %(first)s » et « %(second)s » vont toutes deux "
                        "dans « %(field)s »."
                    )
                    % {
                        "first": batch.header[seen[key]],
                        "second": batch.header[index],
                        "field": labels.get(key, key),
                    },
                )
            )
        seen[key] = index
    if errors:
        raise ValidationFailed(errors)


def configure(
    batch: ImportBatch,
    user: User | None,
    *,
    mapping: Any = None,
    key: Any = None,
    clear_blanks: bool | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    preview_now: bool | None = None,
) -> ImportBatch:
    """Change how the file is read or mapped, then preview it again."""
    _require(batch, (Status.UPLOADED, Status.READY, Status.FAILED))
    options = dict(batch.options or {})
    wanted = _clean_reading_options(encoding, delimiter, sheet)
    reading_changed = False
    for name, given in (("encoding", encoding), ("delimiter", delimiter), ("sheet", sheet)):
        value = wanted[name] if given is not None else None
        if given is not None and value != options.get(name):
            options[name] = value or None
            reading_changed = True
    columns = columns_of(batch.organization)
    if reading_changed:
        batch.options = options
        old_header = list(batch.header)
        _analyze(batch)
        batch.save(update_fields=["options"])
        if batch.header != old_header and mapping is None:
            batch.mapping = [m.key for m in suggest_mapping(batch.header, columns)]
    if mapping is not None:
        batch.mapping = _clean_mapping(mapping, batch.header, columns, base=batch.mapping)
    if key is not None:
        batch.key = _clean_key(key, batch.mapping)
    elif batch.key and batch.key not in batch.mapping:
        batch.key = _initial_key(batch.mapping, None, None, batch.organization)
    if clear_blanks is not None:
        batch.clear_blanks = bool(clear_blanks)
    batch.save(update_fields=["mapping", "key", "clear_blanks"])
    _check_mapping(batch, columns)
    schedule(batch, "preview", user, now=preview_now)
    return batch


def _require(batch: ImportBatch, allowed: Sequence[str]) -> None:
    batch = refresh(batch)
    if batch.status in allowed:
        return
    messages = {
        Status.ANALYZING: _("La vérification de cet import est en cours : attendez sa fin."),
        Status.COMMITTING: _("Cet import est en cours d'enregistrement."),
        Status.COMMITTED: _("Cet import a déjà été enregistré."),
        Status.ROLLING_BACK: _("Cet import est en cours d'annulation."),
        Status.ROLLED_BACK: _("Cet import a été annulé."),
        Status.UPLOADED: _("Cet import n'a pas encore été vérifié."),
        Status.READY: _("Cet import n'a pas encore été enregistré."),
        Status.FAILED: _("La vérification de cet import a échoué."),
    }
    raise Conflict(messages[Status(batch.status)], code=f"import_{batch.status}")


# --- Running steps ----------------------------------------------------------------------
_STEP_STATUS = {
    "preview": (Status.ANALYZING, (Status.UPLOADED, Status.READY, Status.FAILED)),
    "commit": (Status.COMMITTING, (Status.READY,)),
    "rollback": (Status.ROLLING_BACK, (Status.COMMITTED,)),
}


def schedule(
    batch: ImportBatch,
    step: str,
    user: User | None,
    *,
    now: bool | None = None,
    on_update: Callback | None = None,
) -> ImportBatch:
    """Start a step (``preview``, ``commit``, ``rollback``): at once for a small file (or
    when ``now``), else as a background job. Refused when the batch is not ready for it,
    or already busy (a second click)."""
    busy, allowed = _STEP_STATUS[step]
    _require(batch, allowed)
    job = jobs.create_job(
        batch.organization,
        user,
        f"import_{step}",
        {"batch": batch.pk, "user": user.pk if user and user.pk else None},
    )
    claimed = ImportBatch.objects.filter(pk=batch.pk, status__in=allowed).update(
        status=busy, job=job, error=""
    )
    if not claimed:  # someone else started a step in the meantime
        Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
        _require(ImportBatch.objects.get(pk=batch.pk), allowed)
    inline = now if now is not None else batch.size <= INLINE_BYTES
    if inline or jobs.mode() == "inline":
        jobs.run_job(job.pk, on_update=on_update)
    else:
        jobs.start_job(job)
    batch.refresh_from_db()
    if inline and batch.status in _BUSY:
        batch = refresh(batch)
    job.refresh_from_db()
    if inline and job.status == JobStatus.FAILED and job.error:
        raise Conflict(job.error, code="import_failed")
    return batch


def _job_user(job: Job) -> User | None:
    user_id = job.payload.get("user")
    return User.objects.filter(pk=user_id).first() if user_id else None


def _run_step(job: Job, reporter: job_progress.Reporter) -> dict[str, Any]:
    batch = ImportBatch.objects.get(pk=job.payload["batch"], organization=job.organization)
    step = job.kind.removeprefix("import_")
    if step == "preview":
        counts = preview(batch, reporter)
    elif step == "commit":
        counts = commit(batch, _job_user(job), reporter)
    else:
        counts = rollback(batch, _job_user(job), reporter)
    return {"batch": batch.pk, "counts": counts}


for _step in _STEP_STATUS:
    jobs.register_handler(f"import_{_step}", _run_step)


# --- Step 2 and 3: planning every row ---------------------------------------------------
def _chunks(table: Table) -> Iterator[list[SourceRow]]:
    chunk: list[SourceRow] = []
    for row in table.rows():
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _planner(batch: ImportBatch, header: Sequence[str]) -> RowPlanner:
    return RowPlanner(
        batch.organization,
        header=header,
        mapping=batch.mapping,
        key=batch.key,
        clear_blanks=batch.clear_blanks,
        definitions=definitions_for(batch.organization),
    )


def _plans(
    batch: ImportBatch, reporter: job_progress.Reporter, phase: str, counts: dict[str, int]
) -> Iterator[list[RowPlan]]:
    """Every row's plan, a chunk at a time (validated on every core for a large file);
    ``counts`` keeps the count of each action."""
    counts.update({action: 0 for action in RowAction.values})
    try:
        with _table(batch) as table:
            planner = _planner(batch, table.header)
            reporter.update(phase=phase, fraction=0.0, done=0, force=True)
            with parallel.worker_pool(planner, parallel.workers_for(batch.size)) as pool:
                for plans in parallel.planned_chunks(
                    planner, _checked_chunks(table, reporter), pool
                ):
                    for plan in plans:
                        counts[plan.action] += 1
                    yield plans
                    reporter.update(done=sum(counts.values()), fraction=table.progress())
    except FileRefused as exc:
        raise _refused(exc.code, exc.message) from None
    counts["total"] = sum(counts[action] for action in RowAction.values)


def _checked_chunks(table: Table, reporter: job_progress.Reporter) -> Iterator[list[SourceRow]]:
    """The file's chunks, stopping at a cancellation."""
    for chunk in _chunks(table):
        reporter.check()
        yield chunk


_ROW_COLUMNS = (
    "organization_id",
    "batch_id",
    "committed",
    "line",
    "action",
    "client_id",
    "errors",
    "warnings",
    "changes",
    "version_after",
)


def _row_tuples(
    batch: ImportBatch, plans: list[RowPlan], *, committed: bool, versions: dict[int, int]
) -> list[tuple[Any, ...]]:
    from carnet.clients.services import _json_text

    return [
        (
            batch.organization_id,
            batch.pk,
            committed,
            plan.line,
            plan.action,
            plan.client_id,
            _json_text(plan.errors),  # type: ignore[arg-type]
            _json_text(plan.warnings),  # type: ignore[arg-type]
            _json_text(plan.changes if plan.action != RowAction.UNCHANGED else {}),
            versions.get(plan.client_id) if plan.client_id else None,
        )
        for plan in plans
    ]


def preview(batch: ImportBatch, reporter: job_progress.Reporter | None = None) -> dict[str, int]:
    """Plan every row without writing any client; keep each row's plan for the preview
    page and the error report."""
    reporter = reporter or job_progress.Reporter(None)
    ImportRow.objects.filter(batch=batch, committed=False).delete()
    counts: dict[str, int] = {}
    for plans in _plans(batch, reporter, "preview", counts):
        insert_rows(
            ImportRow._meta.db_table,
            _ROW_COLUMNS,
            _row_tuples(batch, plans, committed=False, versions={}),
        )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.READY, counts=counts, previewed_at=timezone.now(), error=""
    )
    batch.refresh_from_db()
    return counts


def commit(
    batch: ImportBatch, user: User | None, reporter: job_progress.Reporter | None = None
) -> dict[str, int]:
    """Write the valid rows in one transaction: all of them, or none when anything fails
    (a cancellation, a concurrent change, a crash of the process)."""
    reporter = reporter or job_progress.Reporter(None)
    definitions = definitions_for(batch.organization)
    organization = batch.organization
    counts: dict[str, int] = {}
    try:
        with transaction.atomic(), clients.search_index_deferred():
            # The preview's rows give way to what the commit did.
            ImportRow.objects.filter(batch=batch).delete()
            for plans in _plans(batch, reporter, "commit", counts):
                versions = _write(organization, user, batch, plans, definitions)
                insert_rows(
                    ImportRow._meta.db_table,
                    _ROW_COLUMNS,
                    _row_tuples(batch, plans, committed=True, versions=versions),
                    adapted=True,
                )
            reporter.update(phase="index", fraction=1.0, force=True)
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=Status.COMMITTED,
                counts=counts,
                committed_at=timezone.now(),
                committed_by=_acting(user),
                error="",
            )
    except IntegrityError:
        raise Conflict(
            _(
                "Un autre enregistrement a créé entre-temps un client en double (même e-mail, "
                "SIRET ou référence) : rien n'a été importé. Relancez la vérification."
            ),
            code="conflict",
        ) from None
    batch.refresh_from_db()
    return counts


def _write(
    organization: Organization,
    user: User | None,
    batch: ImportBatch,
    plans: list[RowPlan],
    definitions: Any,
) -> dict[int, int]:
    """Write one chunk's plans; returns each written client's version."""
    creates = [p for p in plans if p.action == RowAction.CREATE]
    updates = [p for p in plans if p.action == RowAction.UPDATE]
    versions: dict[int, int] = {}
    if creates:
        ids = clients.create_clients_bulk(
            organization,
            user,
            [p.after or {} for p in creates],
            definitions=definitions,
            contact_names=[p.contact_names for p in creates],
            extra_changes=[p.extra_changes for p in creates],
            prepared=[p.prepared for p in creates],
            source=SOURCE,
            context=batch.context,
        )
        for plan, client_id in zip(creates, ids, strict=True):
            plan.client_id = client_id
            versions[client_id] = 1
            if plan.contact is not None:
                plan.contact.client_id = client_id
            for address in plan.addresses:
                address.client_id = client_id
            if plan.bank is not None:
                plan.bank.client_id = client_id
    _write_contacts_and_addresses(organization, [*creates, *updates])
    if updates:
        versions.update(
            clients.update_clients_bulk(
                organization,
                user,
                [
                    clients.ClientUpdate(
                        client_id=p.client_id or 0,
                        version=p.version or 0,
                        before=p.before or {},
                        after=p.after or {},
                        extra_changes=p.extra_changes,
                    )
                    for p in updates
                ],
                definitions=definitions,
                source=SOURCE,
                context=batch.context,
            )
        )
    return versions


def _write_contacts_and_addresses(organization: Organization, plans: list[RowPlan]) -> None:
    contacts = [p.contact for p in plans if p.contact is not None]
    if contacts:
        write_main_contacts(organization, contacts)
    addresses = [a for p in plans for a in p.addresses]
    if addresses:
        write_default_addresses(organization, addresses)
    write_primary_accounts(organization, [p.bank for p in plans if p.bank is not None])


# --- Step 4: rollback -------------------------------------------------------------------
def rollback(
    batch: ImportBatch, user: User | None, reporter: job_progress.Reporter | None = None
) -> dict[str, int]:
    """Undo a committed import, in one transaction: the clients it created are deleted
    when nobody changed them since; the fields it updated get their previous values back
    when they still hold what the import wrote. What was changed since is kept, and
    counted."""
    reporter = reporter or job_progress.Reporter(None)
    organization = batch.organization
    definitions = definitions_for(organization)
    result = {"removed": 0, "restored": 0, "kept": 0}
    total = ImportRow.objects.filter(batch=batch, committed=True).count()
    done = 0
    reporter.update(phase="rollback", total=total, done=0, force=True)
    with transaction.atomic():
        rows = ImportRow.objects.filter(
            batch=batch, committed=True, action__in=(RowAction.CREATE, RowAction.UPDATE)
        ).order_by("line")
        for chunk in _chunked(rows.values_list("action", "client_id", "changes", "version_after")):
            reporter.check()
            _rollback_chunk(organization, user, batch, chunk, definitions, result)
            done += len(chunk)
            reporter.update(done=done, fraction=done / max(total, 1))
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.ROLLED_BACK, rolled_back_at=timezone.now(), rollback_result=result
        )
    batch.refresh_from_db()
    return result


def _chunked(rows: Any, size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rollback_chunk(
    organization: Organization,
    user: User | None,
    batch: ImportBatch,
    rows: list[tuple[str, int, dict[str, Any], int | None]],
    definitions: Any,
    result: dict[str, int],
) -> None:
    from carnet.clients.models import Client
    from carnet.clients.validation import current_values

    ids = [client_id for _a, client_id, _c, _v in rows if client_id]
    # Changed since by someone or something else than this import (a file added, a contact
    # linked: these do not change the client's version but do write its history).
    touched = set(
        ChangeRecord.objects.filter(
            organization=organization, object_type="client", object_id__in=ids
        )
        .exclude(context=batch.context)
        .values_list("object_id", flat=True)
    )
    current = {
        client.pk: client
        for client in Client.objects.filter(organization=organization, pk__in=ids)
        .select_related("category")
        .prefetch_related("tags")
    }
    created: list[int] = []
    updates: list[clients.ClientUpdate] = []
    parts = _Parts(organization, [c for a, c, _ch, _v in rows if a == RowAction.UPDATE])
    for action, client_id, changes, version_after in rows:
        client = current.get(client_id)
        if client is None:
            continue  # deleted since: nothing to undo
        untouched = (
            client.version == version_after
            and client.deleted_at is None
            and client_id not in touched
        )
        if action == RowAction.CREATE:
            if untouched:
                created.append(client_id)
            else:
                result["kept"] += 1
            continue
        before = current_values(client)
        after = dict(before)
        extra = parts.restore(client_id, changes)
        if "bank.iban" in changes or "bank.bic" in changes:
            extra.update(
                undo_imported_account(
                    organization,
                    client_id,
                    changes.get("bank.iban"),
                    changes.get("bank.bic"),
                )
            )
        restored = bool(extra)
        for name, change in changes.items():
            if "." in name and not name.startswith("custom_fields."):
                continue  # the main contact and the addresses: ``parts`` above
            if name.startswith("custom_fields."):
                slug = name.removeprefix("custom_fields.")
                values = dict(after.get("custom_fields") or {})
                if _same(values.get(slug), change["new"]):
                    if change["old"] is None:
                        values.pop(slug, None)
                    else:
                        values[slug] = change["old"]
                    after["custom_fields"] = values
                    restored = True
            elif name in after and _same(after[name], change["new"]):
                after[name] = _restored_value(name, change["old"])
                restored = True
        if restored:
            updates.append(
                clients.ClientUpdate(
                    client_id=client_id,
                    version=client.version,
                    before=before,
                    after=after,
                    extra_changes=extra,
                )
            )
        else:
            result["kept"] += 1
    parts.write()
    if created:
        clients.purge_clients_bulk(
            organization, user, created, source=SOURCE, context=f"{batch.context}:rollback"
        )
        result["removed"] += len(created)
    if updates:
        changed = clients.update_clients_bulk(
            organization,
            user,
            updates,
            definitions=definitions,
            source=SOURCE,
            context=f"{batch.context}:rollback",
        )
        result["restored"] += len(changed)


class _Parts:
    """The main contacts and default addresses an import changed, as they are now, and
    what a rollback gives back to them: each field still holding what the import wrote
    gets its previous value; a contact or an address the import created, still as it was
    written, is removed."""

    GROUPS = {"contact": None, "billing": "is_billing", "delivery": "is_delivery"}

    def __init__(self, organization: Organization, client_ids: list[int]) -> None:
        from carnet.addresses.models import Address
        from carnet.addresses.validation import current_values as address_values
        from carnet.contacts.models import ClientContact
        from carnet.contacts.validation import current_values as contact_values

        self.organization = organization
        self.now: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
        for link in ClientContact.objects.filter(
            organization=organization, client_id__in=client_ids, is_main=True
        ).select_related("contact"):
            self.now[(link.client_id, "contact")] = (
                link.contact_id,
                contact_values(link.contact),
            )
        for address in Address.objects.filter(organization=organization, client_id__in=client_ids):
            for group, flag in (("billing", "is_billing"), ("delivery", "is_delivery")):
                if getattr(address, flag):
                    self.now[(address.client_id, group)] = (address.pk, address_values(address))
        self.contacts: list[MainContactWrite] = []
        self.addresses: dict[int, DefaultAddressWrite] = {}
        self.removed_contacts: list[tuple[int, int]] = []
        self.removed_addresses: set[int] = set()

    def restore(self, client_id: int, changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Plan the restoration of one client's parts; returns the history's changes."""
        history: dict[str, dict[str, Any]] = {}
        for group in self.GROUPS:
            mine = {
                name.split(".", 1)[1]: change
                for name, change in changes.items()
                if name.startswith(f"{group}.")
            }
            current = self.now.get((client_id, group))
            if not mine or current is None:
                continue
            object_id, values = current
            still = {f: c for f, c in mine.items() if values.get(f) == c["new"]}
            if not still:
                continue
            created = all(c["old"] in ("", None) for c in mine.values())
            if created and len(still) == len(mine):
                if group == "contact":
                    self.removed_contacts.append((client_id, object_id))
                else:
                    self.removed_addresses.add(object_id)
                history.update(
                    {f"{group}.{f}": {"old": c["new"], "new": ""} for f, c in still.items()}
                )
                continue
            restored = dict(values)
            for f, c in still.items():
                restored[f] = c["old"] if c["old"] is not None else ""
                history[f"{group}.{f}"] = {"old": c["new"], "new": c["old"]}
            if group == "contact":
                self.contacts.append(MainContactWrite(client_id, object_id, restored))
            else:
                written = self.addresses.get(object_id)
                if written is not None:  # one address for billing and delivery
                    written.values.update({f: restored[f] for f in still})
                else:
                    self.addresses[object_id] = DefaultAddressWrite(client_id, object_id, restored)
        return history

    def write(self) -> None:
        from carnet.addresses.models import Address
        from carnet.contacts.models import ClientContact, Contact

        if self.contacts:
            write_main_contacts(self.organization, self.contacts)
        kept = [a for pk, a in self.addresses.items() if pk not in self.removed_addresses]
        if kept:
            write_default_addresses(self.organization, kept)
        if self.removed_addresses:
            Address.objects.filter(
                organization=self.organization, pk__in=self.removed_addresses
            ).delete()
        for client_id, contact_id in self.removed_contacts:
            ClientContact.objects.filter(
                organization=self.organization, client_id=client_id, contact_id=contact_id
            ).delete()
            Contact.objects.filter(organization=self.organization, pk=contact_id).exclude(
                links__isnull=False
            ).delete()
        self.contacts, self.addresses = [], {}
        self.removed_contacts, self.removed_addresses = [], set()


def _same(value: Any, stored: Any) -> bool:
    from carnet.core.history import to_json

    return to_json(value) == stored


def _restored_value(name: str, old: Any) -> Any:
    from decimal import Decimal

    if name == "share_capital" and old is not None:
        return Decimal(old)
    if name == "tags":
        return list(old or [])
    if old is None and name not in ("category", "owner", "share_capital", "employee_count"):
        return ""
    return old


# --- Rows of a batch, for the preview and the report ------------------------------------
def rows_of(
    batch: ImportBatch, *, action: str | None = None, offset: int = 0, limit: int = 100
) -> list[ImportRow]:
    committed = batch.status in (Status.COMMITTED, Status.ROLLED_BACK, Status.ROLLING_BACK)
    rows = ImportRow.objects.filter(batch=batch, committed=committed)
    if action:
        rows = rows.filter(action=action)
    return list(rows.order_by("line")[offset : offset + limit])


def action_counts(batch: ImportBatch) -> dict[str, int]:
    committed = batch.status in (Status.COMMITTED, Status.ROLLED_BACK, Status.ROLLING_BACK)
    return dict(
        ImportRow.objects.filter(batch=batch, committed=committed)
        .values_list("action")
        .annotate(n=Count("id"))
        .values_list("action", "n")
    )


def error_rows(batch: ImportBatch) -> Iterator[tuple[SourceRow, list[dict[str, str]]]]:
    """The file's rows that have errors, as they were written, with their errors, by
    reading the file again alongside the stored errors (both in line order)."""
    rows = _rows_of_action(batch, RowAction.ERROR)
    wanted = next(rows, None)
    if wanted is None:
        return
    try:
        with _table(batch) as table:
            for row in table.rows():
                while wanted is not None and wanted[0] < row.line:
                    wanted = next(rows, None)
                if wanted is None:
                    return
                if wanted[0] == row.line:
                    yield row, wanted[1]
    except FileRefused as exc:
        raise _refused(exc.code, exc.message) from None


def _rows_of_action(batch: ImportBatch, action: str) -> Iterator[tuple[int, list[dict[str, str]]]]:
    committed = batch.status in (Status.COMMITTED, Status.ROLLED_BACK, Status.ROLLING_BACK)
    yield from (
        ImportRow.objects.filter(batch=batch, committed=committed, action=action)
        .order_by("line")
        .values_list("line", "errors")
        .iterator(chunk_size=2000)
    )


def cancel(batch: ImportBatch) -> ImportBatch:
    """Stop a preview, commit or rollback running in the background (nothing it did
    stays)."""
    batch = refresh(batch)
    if batch.status not in _BUSY or batch.job_id is None:
        raise Conflict(_("Aucune opération en cours sur cet import."), code="not_running")
    jobs.cancel_job(Job.objects.get(pk=batch.job_id))
    return refresh(batch)


# --- Saved mappings ---------------------------------------------------------------------
def get_saved_mapping(organization: Organization, mapping_id: Any) -> SavedMapping:
    pk = parse_id(mapping_id)
    saved = SavedMapping.objects.filter(organization=organization, pk=pk).first() if pk else None
    if saved is None:
        raise NotFound(_("Correspondance enregistrée introuvable."))
    return saved


def save_mapping(batch: ImportBatch, user: User | None, name: Any) -> SavedMapping:
    """Keep the batch's mapping under ``name`` (replacing one of that name)."""
    text = " ".join(str(name or "").split())
    if not text or len(text) > 100:
        raise ValidationFailed(
            [FieldError("name", "invalid", _("Donnez un nom de 1 à 100 caractères."))]
        )
    columns = {
        normalize_header(header): key
        for header, key in zip(batch.header, batch.mapping, strict=False)
        if normalize_header(header)
    }
    existing = SavedMapping.objects.filter(
        organization=batch.organization, name__iexact=text
    ).first()
    if existing is not None:
        existing.columns, existing.key = columns, batch.key
        existing.save(update_fields=["columns", "key"])
        return existing
    return SavedMapping.objects.create(
        organization=batch.organization,
        name=text,
        columns=columns,
        key=batch.key,
        created_by=_acting(user),
    )


def delete_saved_mapping(organization: Organization, mapping_id: Any) -> None:
    get_saved_mapping(organization, mapping_id).delete()


def describe_key(key: str) -> str:
    return str(ImportKey(key).label) if key in ImportKey.values else key
