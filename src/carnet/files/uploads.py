"""Reading an upload request safely: size first, then the multipart body."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from carnet.core.errors import DomainError, FieldError, ValidationFailed

from .services import MAX_FILES_PER_UPLOAD, TooLarge, max_request_bytes, max_upload_bytes


class NotMultipart(DomainError):
    status = 415


def read_upload(request: HttpRequest) -> tuple[list[UploadedFile], Any]:
    """The ``file`` parts and the ``category`` of a multipart request.

    A body announced larger than every file at its limit is refused (413) before it is
    read; a body that is not ``multipart/form-data`` is refused (415).
    """
    if not (request.content_type or "").lower().startswith("multipart/form-data"):
        raise NotMultipart(_("Envoyez les fichiers en multipart/form-data (champ « file »)."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_request_bytes():
        raise TooLarge(
            _(
                "Envoi trop volumineux : chaque fichier est limité à %(limit)s Mo, "
                "%(count)s fichiers au plus."
            )
            % {"limit": max_upload_bytes() // (1024 * 1024), "count": MAX_FILES_PER_UPLOAD}
        )
    try:
        uploads = request.FILES.getlist("file")
        category = request.POST.get("category", "")
    except (MultiPartParserError, RequestDataTooBig, TooManyFilesSent):
        raise ValidationFailed(
            [FieldError("file", "malformed", _("L'envoi des fichiers est illisible ou incomplet."))]
        ) from None
    return list(uploads), category
