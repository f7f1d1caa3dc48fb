"""Serving a stored file: always as an attachment, never rendered by the browser."""

from __future__ import annotations

from django.http import FileResponse

from .models import ClientFile

# Types a browser may be told; anything else is served as application/octet-stream.
SAFE_CONTENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
    }
)


def download_content_type(item: ClientFile) -> str:
    return (
        item.content_type
        if item.content_type in SAFE_CONTENT_TYPES
        else ("application/octet-stream")
    )


def file_response(item: ClientFile) -> FileResponse:
    """The file as a download: ``Content-Disposition: attachment`` with an RFC 6266
    file name (Django quotes or percent-encodes it), ``nosniff``, and a content type from
    the safe list only. Opening the blob fails with the storage's error when it is gone."""
    response = FileResponse(
        item.stored.open("rb"),
        as_attachment=True,
        filename=item.name,
        content_type=download_content_type(item),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
