"""The only code that writes client files. UI, API and any importer call these functions.

Each function takes the acting organization and user explicitly, validates, writes in one
transaction and records the change in the history of the client the file belongs to
(``object_type="client"``). A blob is stored before its row is written and removed again
when the row cannot be written; a deleted row's blob is removed once the deletion is
committed (``signals``), so nothing is ever half-written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.clients.models import Client
from carnet.clients.services import get_client
from carnet.core.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from carnet.core.history import record_change
from carnet.core.ids import parse_id
from carnet.core.text import fold

from .detection import ALLOWED, HEAD_BYTES, detect, extension_of
from .models import Category, ClientFile

OBJECT_TYPE = "client"
MAX_NAME_LENGTH = 200
MAX_FILES_PER_UPLOAD = 10
DEFAULT_NAME = "document"
# Characters that mean something to a file system or a shell, replaced in display names.
_RESERVED = re.compile(r'[/\\<>:"|?*]')
_SPACES = re.compile(r"\s+")


class TooLarge(DomainError):
    """The request body is larger than any acceptable upload."""

    status = 413


# --- Rules ------------------------------------------------------------------------------
def max_upload_bytes() -> int:
    """The size limit of one file (``CARNET_MAX_UPLOAD_MB``, 20 MB by default)."""
    return int(getattr(settings, "CARNET_MAX_UPLOAD_MB", 20)) * 1024 * 1024


def max_request_bytes() -> int:
    """The largest upload request accepted: every file at its limit, plus the form."""
    return max_upload_bytes() * MAX_FILES_PER_UPLOAD + 1024 * 1024


def clean_name(raw: str) -> str:
    """A display name safe anywhere: the last path component only (``../`` and folders
    dropped), no control or invisible characters, no characters reserved by file systems,
    no leading dots, at most ``MAX_NAME_LENGTH`` characters with the extension kept.
    Accents are kept (NFC)."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" or c in "\t ")
    name = _RESERVED.sub("_", name)
    name = _SPACES.sub(" ", name).strip().lstrip(".").strip()
    if not name or name.startswith("."):
        name = DEFAULT_NAME
    if len(name) > MAX_NAME_LENGTH:
        extension = extension_of(name)
        if len(extension) > 10:
            extension = ""
        name = name[: MAX_NAME_LENGTH - len(extension)].rstrip() + extension
    return name


def _clean_category(value: Any) -> str:
    if value in (None, ""):
        return Category.OTHER
    if value not in Category.values:
        raise ValidationFailed(
            [
                FieldError(
                    "category",
                    "invalid_choice",
                    _(
                        "Catégorie inconnue : choisissez contrat, conditions générales, "
                        "coordonnées bancaires ou autre."
                    ),
                )
            ]
        )
    return str(value)


def _size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _check_upload(uploaded: UploadedFile) -> tuple[str, str]:
    """The safe name and detected content type of ``uploaded``, or the reason it is
    refused (``ValidationFailed`` on field ``file``)."""
    name = clean_name(uploaded.name or "")

    def refuse(code: str, message: Any) -> ValidationFailed:
        return ValidationFailed([FieldError("file", code, message)])

    size = uploaded.size or 0
    if size <= 0:
        raise refuse("empty", _("Le fichier « %(name)s » est vide.") % {"name": name})
    if size > max_upload_bytes():
        raise refuse(
            "too_large",
            _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s Mo.")
            % {"name": name, "limit": _size_label(max_upload_bytes())},
        )
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    verdict = detect(name, head)
    if verdict.reason == "forbidden":
        raise refuse(
            "forbidden_type",
            _(
                "Le fichier « %(name)s » est refusé : les programmes, scripts, pages HTML et "
                "images SVG ne sont pas acceptés."
            )
            % {"name": name},
        )
    if verdict.reason == "extension":
        raise refuse(
            "unsupported_type",
            _("Le fichier « %(name)s » n'est pas d'un type accepté (%(types)s).")
            % {"name": name, "types": ", ".join(sorted(e.lstrip(".") for e in ALLOWED))},
        )
    if verdict.reason == "mismatch":
        raise refuse(
            "type_mismatch",
            _("Le contenu du fichier « %(name)s » ne correspond pas à son extension.")
            % {"name": name},
        )
    return name, verdict.content_type


def _sha256(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


# --- Reading ----------------------------------------------------------------------------
def get_file(organization: Organization, file_id: Any) -> ClientFile:
    """The organization's file ``file_id``, else ``NotFound`` (another organization's
    file included)."""
    pk = parse_id(file_id)
    found = (
        ClientFile.objects.filter(organization=organization, pk=pk).select_related("client").first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound(_("Document introuvable."))
    return found


def list_files(organization: Organization, client_id: Any) -> list[ClientFile]:
    """The files of the organization's client ``client_id``, newest first."""
    client = get_client(organization, client_id)
    return list(files_of(organization, client))


def files_of(organization: Organization, client: Client) -> QuerySet[ClientFile]:
    return ClientFile.objects.filter(organization=organization, client=client)


def search_files(
    organization: Organization,
    *,
    client_id: Any = None,
    category: str = "",
    q: str = "",
) -> QuerySet[ClientFile]:
    """The organization's files, newest first, narrowed by client, category and words of
    the name (accents and case ignored)."""
    files = ClientFile.objects.filter(organization=organization).select_related("client")
    if client_id not in (None, ""):
        pk = parse_id(client_id)
        files = files.filter(client_id=pk) if pk is not None else files.none()
    if category:
        files = files.filter(category=_clean_category(category))
    words = fold(q).split()
    for word in words:
        files = files.filter(_word_filter(word))
    return files


def _word_filter(word: str) -> Q:
    """Match a folded word against names, whatever their accents and case: each letter
    of the word also matches its accented forms (the same on SQLite and PostgreSQL)."""
    pattern = "".join(_ACCENT_CLASSES.get(c, re.escape(c)) for c in word)
    return Q(name__iregex=pattern)


_ACCENT_CLASSES = {
    "a": "[aàâäáãå]",
    "e": "[eéèêë]",
    "i": "[iîïíì]",
    "o": "[oôöóòõ]",
    "u": "[uùûüú]",
    "c": "[cç]",
    "y": "[yÿý]",
    "n": "[nñ]",
}


# --- Helpers ----------------------------------------------------------------------------
def _refuse_if_deleted(client: Client) -> Client:
    if client.is_deleted:
        raise Conflict(
            _("Ce client est dans la corbeille : restaurez-le pour modifier ses documents."),
            code="deleted",
        )
    return client


def _client_for_change(organization: Organization, client_id: Any) -> Client:
    """The client, locked for the rest of the transaction, unless it is in the trash."""
    return _refuse_if_deleted(get_client(organization, client_id, for_update=True))


def _record(
    organization: Organization,
    user: User | None,
    client: Client,
    action: str,
    changes: dict[str, dict[str, Any]],
    source: str,
) -> None:
    record_change(
        organization_id=organization.pk,
        object_type=OBJECT_TYPE,
        object_id=client.pk,
        action=action,
        user=user,
        changes=changes,
        source=source,
    )


def _remove_blobs(files: Sequence[ClientFile]) -> None:
    for item in files:
        if item.stored.name:
            item.stored.storage.delete(item.stored.name)


# --- Changes ----------------------------------------------------------------------------
def upload_files(
    organization: Organization,
    user: User | None,
    client_id: Any,
    uploads: Sequence[UploadedFile],
    category: Any = Category.OTHER,
    *,
    source: str = "",
) -> list[ClientFile]:
    """Attach ``uploads`` to a client, all or none: every file is checked (size, type
    from the content, name) before any is stored; when writing the rows fails, the blobs
    already stored are removed."""
    if not uploads:
        raise ValidationFailed(
            [FieldError("file", "required", _("Choisissez au moins un fichier."))]
        )
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationFailed(
            [
                FieldError(
                    "file",
                    "too_many",
                    _("Envoyez au plus %(count)s fichiers à la fois.")
                    % {"count": MAX_FILES_PER_UPLOAD},
                )
            ]
        )
    category = _clean_category(category)
    client = _refuse_if_deleted(get_client(organization, client_id))
    checked = [(uploaded, *_check_upload(uploaded)) for uploaded in uploads]
    stored: list[ClientFile] = []
    try:
        for uploaded, name, content_type in checked:
            item = ClientFile(
                organization=organization,
                client=client,
                category=category,
                name=name,
                size=uploaded.size or 0,
                content_type=content_type,
                sha256=_sha256(uploaded),
                uploaded_by=user,
            )
            item.stored.save(name, uploaded, save=False)
            stored.append(item)
        with transaction.atomic():
            client = _client_for_change(organization, client.pk)
            for item in stored:
                item.client = client
                item.save()
                _record(
                    organization,
                    user,
                    client,
                    "file_add",
                    {"file": {"old": None, "new": item.history_label()}},
                    source,
                )
    except BaseException:
        _remove_blobs(stored)
        raise
    return stored


def upload_file(
    organization: Organization,
    user: User | None,
    client_id: Any,
    uploaded: UploadedFile,
    category: Any = Category.OTHER,
    *,
    source: str = "",
) -> ClientFile:
    """Attach one file to a client (see ``upload_files``)."""
    return upload_files(organization, user, client_id, [uploaded], category, source=source)[0]


@transaction.atomic
def update_file(
    organization: Organization,
    user: User | None,
    file_id: Any,
    data: dict[str, Any],
    *,
    source: str = "",
) -> ClientFile:
    """Rename a file and/or change its category. A new name keeps the file's extension
    (added when missing), so that the name never lies about the content."""
    item = get_file(organization, file_id)
    client = _client_for_change(organization, item.client_id)
    changes: dict[str, dict[str, Any]] = {}
    if "name" in data:
        raw = data["name"]
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationFailed(
                [FieldError("name", "required", _("Donnez un nom au document."))]
            )
        name = clean_name(raw)
        extension = extension_of(item.name)
        if extension and extension_of(name) != extension:
            name = clean_name(name[: MAX_NAME_LENGTH - len(extension)] + extension)
        if name != item.name:
            changes["name"] = {"old": item.name, "new": name}
            item.name = name
    if "category" in data:
        category = _clean_category(data["category"])
        if category != item.category:
            changes["category"] = {
                "old": str(item.get_category_display()),
                "new": str(Category(category).label),
            }
            item.category = category
    if not changes:
        return item
    item.save()
    action = "file_rename" if "name" in changes else "file_change"
    _record(organization, user, client, action, changes, source)
    return item


def rename_file(
    organization: Organization, user: User | None, file_id: Any, name: str, *, source: str = ""
) -> ClientFile:
    return update_file(organization, user, file_id, {"name": name}, source=source)


def change_category(
    organization: Organization,
    user: User | None,
    file_id: Any,
    category: str,
    *,
    source: str = "",
) -> ClientFile:
    return update_file(organization, user, file_id, {"category": category}, source=source)


@transaction.atomic
def delete_file(
    organization: Organization, user: User | None, file_id: Any, *, source: str = ""
) -> None:
    """Delete a file; its blob is removed once the deletion is committed."""
    item = get_file(organization, file_id)
    client = _client_for_change(organization, item.client_id)
    label = item.history_label()
    item.delete()
    _record(
        organization, user, client, "file_delete", {"file": {"old": label, "new": None}}, source
    )
