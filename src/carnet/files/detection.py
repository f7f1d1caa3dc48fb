"""What an uploaded file really is, from its content (never from its name alone).

``puremagic`` reads the signature of the first bytes; a few rules of our own refuse what
must never be stored (executables, scripts, HTML, SVG) and check that the detected type
agrees with the file's extension, so that an executable named ``facture.pdf`` is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import puremagic

HEAD_BYTES = 8192

# Each allowed extension: the content type we store and serve, and the "family" its
# content must be detected as.
ALLOWED: dict[str, tuple[str, str]] = {
    ".pdf": ("application/pdf", "pdf"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
    ".gif": ("image/gif", "gif"),
    ".webp": ("image/webp", "webp"),
    ".tif": ("image/tiff", "tiff"),
    ".tiff": ("image/tiff", "tiff"),
    ".txt": ("text/plain", "text"),
    ".csv": ("text/csv", "text"),
    ".rtf": ("application/rtf", "rtf"),
    ".doc": ("application/msword", "ole"),
    ".xls": ("application/vnd.ms-excel", "ole"),
    ".ppt": ("application/vnd.ms-powerpoint", "ole"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "zip",
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip"),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip",
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", "zip"),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", "zip"),
    ".odp": ("application/vnd.oasis.opendocument.presentation", "zip"),
    ".zip": ("application/zip", "zip"),
}

# The extensions puremagic reports for each family.
_FAMILY_EXTENSIONS: dict[str, set[str]] = {
    "pdf": {".pdf"},
    "png": {".png"},
    "jpeg": {".jpg", ".jpeg", ".jfif", ".jpe"},
    "gif": {".gif"},
    "webp": {".webp"},
    "tiff": {".tif", ".tiff"},
    "rtf": {".rtf"},
    "ole": {".doc", ".xls", ".ppt", ".msg", ".msi"},
    "zip": {".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".jar", ".apk"},
}

# Signatures refused whatever the name: Windows, Linux and macOS executables, scripts.
_EXECUTABLE_PREFIXES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_DANGEROUS_MIME = re.compile(
    r"html|svg|javascript|ecmascript|executable|x-sh\b|x-msdownload|x-msi|x-dosexec|"
    r"x-elf|x-mach",
    re.IGNORECASE,
)
# Markup a browser would render or run, looked for at the start of text content.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|svg|iframe|object|embed|meta|"
    rb"\?xml[^>]*>\s*<\s*svg)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Detected:
    """The verdict: ``content_type`` when accepted, else a ``reason`` code."""

    content_type: str = ""
    reason: str = ""


def extension_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _matches(head: bytes) -> tuple[set[str], set[str]]:
    """The extensions of every signature found, and the types of the most likely ones
    (a ZIP signature also matches Java archives: only the best guesses judge danger)."""
    try:
        found = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return set(), set()
    if not found:
        return set(), set()
    best = max(m.confidence for m in found)
    return (
        {m.extension.lower() for m in found},
        {m.mime_type for m in found if m.mime_type and m.confidence == best},
    )


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    sample = head[: HEAD_BYTES - 4]  # a multi-byte character may be cut at the end
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    # Windows-1252 text (old spreadsheets' CSV): no C0 control other than whitespace.
    return not re.search(rb"[\x01-\x08\x0b\x0e-\x1f\x7f]", sample)


def detect(name: str, head: bytes) -> Detected:
    """Accept or refuse a file given its (sanitized) name and its first bytes."""
    if head.startswith(_EXECUTABLE_PREFIXES):
        return Detected(reason="forbidden")
    extensions, mimes = _matches(head)
    if any(_DANGEROUS_MIME.search(mime) for mime in mimes) or _MARKUP.search(head[:1024]):
        return Detected(reason="forbidden")
    extension = extension_of(name)
    if extension not in ALLOWED:
        return Detected(reason="extension")
    content_type, family = ALLOWED[extension]
    if family == "text":
        ok = _is_text(head)
    else:
        ok = bool(extensions & _FAMILY_EXTENSIONS[family])
    return Detected(content_type=content_type) if ok else Detected(reason="mismatch")
