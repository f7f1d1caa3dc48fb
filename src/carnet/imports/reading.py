"""Reading an uploaded client file: a CSV or XLSX file on disk becomes a stream of rows of text.

The importer maps and validates cells; this module only reads. Whatever the file, it is
read in bounded memory: CSV line by line, XLSX through a streaming XML parser
(:mod:`carnet.imports.xlsx`). Nothing here holds the whole file, all its rows or all its
strings as Python objects.

A file that cannot be read as a table at all is refused with :class:`FileRefused` (a code
for programs, a French message for people). A row that cannot be read properly (a line
too long, an unclosed quote, characters in another encoding…) is still yielded, with its
``problem`` set, so that the importer can report it and go on with the other rows.

Format and encoding are detected from the content, never from the file name: users rename
files, and Excel writes "CSV" files in whatever encoding the machine uses.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol, TypeAlias

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

MAX_COLUMNS = 500
MAX_LINE_BYTES = 1_048_576
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200

# How much of the file the encoding and delimiter are detected on.
SAMPLE_BYTES = 1_048_576
# Delimiters are sniffed on the first records of the sample: a thousand say as much as more,
# and the first 256 KiB of text hold a thousand records of any client file.
SNIFF_RECORDS = 1000
SNIFF_CHARS = 262_144
# Read size of the CSV line splitter: small enough that one chunk's lines stay a small list.
_CHUNK = 65_536

DELIMITERS = (";", ",", "\t", "|")  # in order of preference when two fit equally

Message: TypeAlias = "str | Promise"
Problem: TypeAlias = "tuple[str, str | Promise]"
# What a source yields before the table shapes it: line number, cells, problem.
RawRecord: TypeAlias = "tuple[int, list[str], Problem | None]"

# The csv module checks each field against one process-wide limit (128 KiB by default) and
# has no per-reader setting. Records here are bounded by MAX_LINE_BYTES before they reach
# the csv module, so raising the limit to that, once, only lets our own fields through;
# it never lowers a limit other code set higher.
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES + 1))


def format_lazy(message: Message, params: Mapping[str, object]) -> Message:
    """Interpolate ``%(name)s`` placeholders when the message is rendered, so that it is
    rendered in the language active then (a background import has none of its own)."""

    def render() -> str:
        return str(message) % {key: str(value) for key, value in params.items()}

    return lazy(render, str)()


class FileRefused(Exception):
    """The file cannot be read as a table at all."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"FileRefused(code={self.code!r})"


@dataclass(frozen=True)
class SourceInfo:
    """What was found out about the file: its format and how it is read."""

    format: str  # "csv" or "xlsx"
    encoding: str | None  # csv: "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"…
    encoding_detected: bool  # False when the caller forced the encoding
    delimiter: str | None  # csv: one of DELIMITERS (or the forced one)
    sheet: str | None  # xlsx: the sheet read
    sheets: tuple[str, ...]  # xlsx: every worksheet name in workbook order; () for csv


@dataclass(slots=True)
class SourceRow:
    """One data row: where it is in the file and the text of its cells."""

    line: int  # csv: physical line where the record starts; xlsx: the row number
    cells: list[str]  # "" for an empty cell; at least as many cells as the header
    problem: Problem | None = None  # (code, French message) when the row could not be read


# --------------------------------------------------------------------------- messages

EMPTY = _("Le fichier est vide : il ne contient aucune ligne à importer.")
NOT_A_TABLE = _(
    "Ce fichier n'est pas un tableau. Importez un fichier CSV ou un classeur Excel (.xlsx)."
)
NOT_A_TABLE_KIND = _(
    "Ce fichier est %(kind)s, pas un tableau. Importez un fichier CSV ou un classeur Excel (.xlsx)."
)
OLD_EXCEL = _(
    "Ce fichier est au format Excel 97-2003 (.xls), qui n'est pas pris en charge. Ouvrez-le "
    "dans Excel, enregistrez-le au format « Classeur Excel (.xlsx) » ou « CSV UTF-8 », puis "
    "importez-le à nouveau."
)
ENCRYPTED = _(
    "Ce classeur Excel est protégé par un mot de passe et ne peut pas être lu. Ouvrez-le dans "
    "Excel, retirez le mot de passe, enregistrez-le, puis importez-le à nouveau."
)
TOO_MANY_COLUMNS_HEADER = _(
    "La ligne d'en-tête compte plus de %(max)s colonnes remplies ; %(max)s au plus sont acceptées."
)
NO_HEADER = _("La ligne d'en-tête (ligne %(line)s) ne peut pas être lue. %(reason)s")
UNKNOWN_ENCODING = _("Encodage inconnu : « %(encoding)s ».")
UNDECODABLE = _(
    "Le fichier ne peut pas être lu avec l'encodage « %(encoding)s ». Choisissez un autre encodage."
)
ROW_TOO_LONG = _("Ligne trop longue (plus de 1 Mo) : son contenu n'a pas été lu.")
ROW_UNCLOSED_QUOTE = _(
    "Un guillemet (\") ouvert sur cette ligne n'est jamais refermé : la ligne n'a pas été "
    "lue. Corrigez les guillemets de cette ligne dans le fichier."
)
ROW_NOT_UTF8 = _(
    "Cette ligne contient des caractères qui ne sont pas en UTF-8 : le fichier mélange "
    "plusieurs encodages. Enregistrez-le de nouveau en UTF-8 (« CSV UTF-8 » dans Excel), "
    "puis importez-le à nouveau."
)
ROW_UNDECODABLE = _(
    "Cette ligne contient des caractères qui ne peuvent pas être lus avec l'encodage "
    "« %(encoding)s »."
)
ROW_TOO_MANY_COLUMNS = _("Cette ligne compte %(count)s colonnes ; %(max)s au plus sont acceptées.")
ROW_UNREADABLE = _("Cette ligne ne peut pas être lue.")

_KIND_PDF = _("un document PDF")
_KIND_IMAGE = _("une image")
_KIND_ARCHIVE = _("une archive compressée")


def too_many_columns(count: int) -> Problem:
    """The row problem of a row wider than MAX_COLUMNS."""
    return (
        "too_many_columns",
        format_lazy(ROW_TOO_MANY_COLUMNS, {"count": count, "max": MAX_COLUMNS}),
    )


TOO_LONG: Problem = ("too_long", ROW_TOO_LONG)


# --------------------------------------------------------------------------- the table


class RowSource(Protocol):
    """What a file format provides to :class:`Table`: raw records and how far it got."""

    def records(self) -> Generator[RawRecord, None, None]: ...

    def progress(self) -> float: ...

    def close(self) -> None: ...

    def empty_message(self) -> Message:
        """Why the file is refused when no row holds anything."""
        ...


def _is_blank(cells: list[str]) -> bool:
    text = "".join(cells)
    return not text or text.isspace()


def _shape(
    cells: list[str], width: int, problem: Problem | None
) -> tuple[list[str], Problem | None]:
    """Trim the blank cells past the header (spreadsheets pad short rows with delimiters),
    refuse a row wider than MAX_COLUMNS, and pad to the header's width."""
    count = len(cells)
    while count > width and (not cells[count - 1] or cells[count - 1].isspace()):
        count -= 1
    if count > MAX_COLUMNS:
        if problem is None:
            problem = too_many_columns(count)
        count = MAX_COLUMNS
    if count < len(cells):
        del cells[count:]
    if count < width:
        cells.extend([""] * (width - count))
    return cells, problem


class Table:
    """An open client file: its header, then its data rows, read once, in order.

    Use :func:`open_table` to get one, as a context manager: closing it closes the file and
    removes the temporary files an XLSX file needs.
    """

    info: SourceInfo
    header: list[str]
    header_line: int

    def __init__(self, info: SourceInfo, source: RowSource) -> None:
        self.info = info
        self._source = source
        self._records = source.records()
        self._done = False
        self._closed = False
        self.header, self.header_line = self._read_header()

    def _read_header(self) -> tuple[list[str], int]:
        for line, cells, problem in self._records:
            if problem is not None and problem[0] == "encoding":
                # Column names in another encoding than the rows are still read, in the
                # encoding they most likely are: nothing to refuse the file for.
                problem = None
            if problem is None and _is_blank(cells):
                continue
            if problem is not None:
                if problem[0] == "too_many_columns":
                    raise FileRefused(
                        "too_many_columns",
                        format_lazy(TOO_MANY_COLUMNS_HEADER, {"max": MAX_COLUMNS}),
                    )
                raise FileRefused(
                    "no_header", format_lazy(NO_HEADER, {"line": line, "reason": problem[1]})
                )
            header = [cell.strip() for cell in cells]
            if header:
                # Excel, and our own decoding of a forced "utf-8", leave a BOM in the first cell.
                header[0] = header[0].lstrip("\ufeff").strip()
            width = _width(header)
            if width > MAX_COLUMNS:
                raise FileRefused(
                    "too_many_columns", format_lazy(TOO_MANY_COLUMNS_HEADER, {"max": MAX_COLUMNS})
                )
            del header[width:]
            return header, line
        self._done = True
        raise FileRefused("empty", self._source.empty_message())

    def rows(self) -> Iterator[SourceRow]:
        """The data rows after the header, fully blank rows skipped. One pass: a second
        call goes on where the first stopped.

        An XLSX sheet found corrupt midway raises :class:`FileRefused` ("invalid_xlsx")."""
        width = len(self.header)
        for line, cells, problem in self._records:
            if problem is None:
                text = "".join(cells)
                if not text or text.isspace():
                    continue
                if len(cells) == width:  # the usual row: nothing to trim or pad
                    yield SourceRow(line, cells)
                    continue
            cells, problem = _shape(cells, width, problem)
            yield SourceRow(line, cells, problem)
        self._done = True

    def progress(self) -> float:
        """The fraction of the input consumed, 0.0 to 1.0, for progress bars."""
        if self._done:
            return 1.0
        return min(1.0, max(0.0, self._source.progress()))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            # The records first: an XLSX sheet is read inside a ``with`` of its own.
            self._records.close()
            self._source.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _width(cells: list[str]) -> int:
    """The number of cells up to the last non-blank one."""
    count = len(cells)
    while count and (not cells[count - 1] or cells[count - 1].isspace()):
        count -= 1
    return count


def open_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Open a CSV or XLSX file (told apart by content) and read its header.

    ``encoding`` and ``delimiter`` force those of a CSV file (any Python codec name; one
    character); ``sheet`` names the worksheet of an XLSX file (case-insensitive; the first
    visible worksheet by default). Options that do not apply to the format are ignored.

    Raises :class:`FileRefused` when the file cannot be read as a table, and ``ValueError``
    for a forced delimiter that cannot be one (a programming error: the caller offers a
    choice among DELIMITERS).
    """
    path = Path(path)
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
        raise ValueError(f"not a usable CSV delimiter: {delimiter!r}")
    with path.open("rb") as file:
        head = file.read(SAMPLE_BYTES)
    if not head:
        raise FileRefused("empty", EMPTY)
    _refuse_non_tables(path, head)
    if head.startswith(_ZIP_SIGNATURES):
        # Imported here: the XLSX reader builds on this module's errors and limits.
        from carnet.imports.xlsx import XlsxSource

        xlsx_source = XlsxSource(path, sheet)
        source: RowSource = xlsx_source
        info = SourceInfo(
            format="xlsx",
            encoding=None,
            encoding_detected=False,
            delimiter=None,
            sheet=xlsx_source.sheet,
            sheets=xlsx_source.sheets,
        )
    else:
        csv_source = CsvSource.open(path, head, encoding=encoding, delimiter=delimiter)
        source = csv_source
        info = SourceInfo(
            format="csv",
            encoding=csv_source.encoding,
            encoding_detected=encoding is None,
            delimiter=csv_source.delimiter,
            sheet=None,
            sheets=(),
        )
    try:
        return Table(info, source)
    except BaseException:
        source.close()
        raise


# --------------------------------------------------------------------------- detection

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names of an encrypted OOXML package, as stored in the OLE2 directory (UTF-16LE).
_ENCRYPTED_STREAMS = tuple(
    name.encode("utf-16-le") for name in ("EncryptedPackage", "EncryptionInfo")
)
# Signatures of files people upload by mistake, to say what they are. Those that a CSV
# header could start with (GIF8, BM, BZh) only count when the bytes are not text.
_BINARY_KINDS: tuple[tuple[bytes, Message], ...] = (
    (b"%PDF-", _KIND_PDF),
    (b"\x89PNG", _KIND_IMAGE),
    (b"\xff\xd8\xff", _KIND_IMAGE),
    (b"GIF8", _KIND_IMAGE),
    (b"BM", _KIND_IMAGE),
    (b"II*\x00", _KIND_IMAGE),
    (b"MM\x00*", _KIND_IMAGE),
    (b"\x1f\x8b", _KIND_ARCHIVE),
    (b"7z\xbc\xaf\x27\x1c", _KIND_ARCHIVE),
    (b"Rar!", _KIND_ARCHIVE),
    (b"BZh", _KIND_ARCHIVE),
    (b"\xfd7zXZ\x00", _KIND_ARCHIVE),
)
_BOM_UTF8 = codecs.BOM_UTF8
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control bytes that text never holds (tab, line ends, vertical tab and form feed, which
# some tools write inside cells, ESC and the DOS end-of-file mark excepted).
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 26), *range(28, 32)])
_BINARY_RATIO = 0.01
# Bytes cp1252 leaves undefined: a text that has them is Latin-1.
_CP1252_HOLES = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _refuse_non_tables(path: Path, head: bytes) -> None:
    """Refuse what is recognizably not a CSV or XLSX file, from its first bytes."""
    if head.startswith(_OLE2_SIGNATURE):
        if _contains_any(path, _ENCRYPTED_STREAMS):
            raise FileRefused("encrypted", ENCRYPTED)
        raise FileRefused("old_excel", OLD_EXCEL)
    for signature, kind in _BINARY_KINDS:
        if head.startswith(signature) and (signature == b"%PDF-" or not _looks_like_text(head)):
            raise FileRefused("not_a_table", format_lazy(NOT_A_TABLE_KIND, {"kind": kind}))
    if head.startswith(_ZIP_SIGNATURES) or head.startswith(_BOMS_UTF16):
        return
    if not _looks_like_text(head):
        raise FileRefused("not_a_table", NOT_A_TABLE)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls <= len(head) * _BINARY_RATIO


def _contains_any(path: Path, needles: tuple[bytes, ...]) -> bool:
    """Whether the file holds one of the byte strings, read in chunks.

    An OLE2 file's directory can sit anywhere in it; scanning for the stream name is
    simpler than following the sector chains, and a false hit only changes which refusal
    message is shown.
    """
    overlap = max(len(needle) for needle in needles)
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(SAMPLE_BYTES):
            window = tail + chunk
            if any(needle in window for needle in needles):
                return True
            tail = window[-overlap:]
    return False


def _codec(name: str) -> codecs.CodecInfo:
    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise FileRefused("bad_encoding", format_lazy(UNKNOWN_ENCODING, {"encoding": name}))
    return info


def _ascii_compatible(codec: codecs.CodecInfo) -> bool:
    """Whether line ends and delimiters are the ASCII bytes, so lines can be split as bytes."""
    probe = '\r\n,;\t|"ab'
    try:
        return codec.encode(probe)[0] == probe.encode("ascii")
    except UnicodeError:
        return False


def _decodes(data: bytes, encoding: str, *, final: bool) -> bool:
    """Whether the bytes decode; when not ``final``, a sequence cut at the end is fine."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final)
    except UnicodeDecodeError:
        return False
    return True


def _single_byte_encoding(data: bytes) -> str:
    return "latin-1" if _CP1252_HOLES.search(data) else "cp1252"


def detect_encoding(path: Path, head: bytes, whole: bool) -> str:
    """The encoding of a text file from its first bytes (``whole`` when that is the file).

    A sample that is all ASCII says nothing: the file is then scanned (as bytes, in chunks)
    for its first non-ASCII byte and the encoding is decided there, so that a cp1252 file
    whose first accent comes after the sample is not taken for UTF-8 mixed with cp1252.
    """
    if head.startswith(_BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(_BOMS_UTF16):
        return "utf-16"
    sample = head
    if head.isascii() and not whole:
        found = _first_non_ascii(path, len(head))
        if found is None:
            return "utf-8"
        sample, whole = found
    if _decodes(sample, "utf-8", final=whole) or _mostly_utf8(sample, whole):
        return "utf-8"
    return _single_byte_encoding(sample)


def _mostly_utf8(sample: bytes, whole: bool) -> bool:
    """Whether most lines with accents are UTF-8: a UTF-8 file into which a few lines were
    pasted from a cp1252 one. Those lines get a problem; read as cp1252, all the others
    would be silently garbled ("Ã©" for "é")."""
    lines = sample.splitlines()
    if not whole:
        lines.pop()  # may be cut
    valid = invalid = 0
    for line in lines:
        if not line.isascii():
            if _decodes(line, "utf-8", final=True):
                valid += 1
            else:
                invalid += 1
    return valid > 0 and valid >= invalid


def _first_non_ascii(path: Path, start: int) -> tuple[bytes, bool] | None:
    """The bytes from the first non-ASCII byte after ``start`` on (64 KiB of them), and
    whether they reach the end of the file."""
    with path.open("rb") as file:
        file.seek(start)
        while chunk := file.read(SAMPLE_BYTES):
            found = _NON_ASCII.search(chunk)
            if found is not None:
                position = found.start()
                window = chunk[position : position + _CHUNK]
                rest = _CHUNK - len(window)
                if rest > 0:
                    window += file.read(rest)
                return window, len(window) < _CHUNK
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter among DELIMITERS that splits the records into the most consistent
    number of columns (more than one); "," for a one-column file.

    ``text`` holds whole lines. Ties go to the candidate giving more columns (a ";" file
    whose every line has one comma in a cell is still a ";" file), then to DELIMITERS'
    order.
    """
    best: tuple[float, int, int] | None = None
    chosen = ","
    blank_with: str | None = None
    for rank, candidate in enumerate(DELIMITERS):
        counts: Counter[int] = Counter()
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=candidate)
        try:
            for record in islice(reader, SNIFF_RECORDS):
                if any(cell.strip() for cell in record):
                    counts[len(record)] += 1
        except csv.Error:
            continue
        if not counts:
            # Nothing but delimiters (";;;" lines): this delimiter shows the file empty.
            if blank_with is None and candidate in text:
                blank_with = candidate
            continue
        columns, frequency = counts.most_common(1)[0]
        if columns <= 1:
            continue
        score = (frequency / sum(counts.values()), columns, -rank)
        if best is None or score > best:
            best, chosen = score, candidate
    return chosen if best is not None or blank_with is None else blank_with


# --------------------------------------------------------------------------- CSV

# One physical line as the splitter gives it: its number, its bytes (None when it was too
# long and skipped) and the offset just past it.
_ByteLine: TypeAlias = "tuple[int, bytes | None, int]"
# One decoded line: its number, its text (None when too long), its problem and its size.
_TextLine: TypeAlias = "tuple[int, str | None, Problem | None, int]"


def split_lines(file: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[_ByteLine]:
    """The physical lines of a file, ends kept, split on "\\r\\n", "\\r" or "\\n".

    A line longer than ``limit`` bytes (its end not counted) is yielded as None and skipped
    without ever being held whole: at most ``limit`` plus one chunk are buffered.
    """
    number = 0
    offset = 0  # just past the last line yielded
    carry = b""  # the start of a line whose end is not read yet
    skipping = False  # inside a too-long line: its bytes are dropped until its end
    eat_newline = False  # a too-long line ended with "\r": a "\n" next belongs to it
    while chunk := file.read(_CHUNK):
        if eat_newline:
            eat_newline = False
            if chunk.startswith(b"\n"):
                offset += 1
                chunk = chunk[1:]
        if skipping:
            end = _line_end(chunk)
            if end is None:
                offset += len(chunk)
                continue
            number += 1
            offset += end
            skipping = False
            # A "\r" closing the chunk may be the first half of a "\r\n".
            eat_newline = end == len(chunk) and chunk.endswith(b"\r")
            yield number, None, offset
            chunk = chunk[end:]
        if not chunk:
            continue
        lines = (carry + chunk if carry else chunk).splitlines(keepends=True)
        # The last piece is the start of the next line, or ends with a "\r" that may be the
        # first half of a "\r\n" cut by the chunk: it waits for the next chunk.
        carry = b"" if lines[-1].endswith(b"\n") else lines.pop()
        for line in lines:
            number += 1
            offset += len(line)
            yield number, (None if len(line) - _ending_length(line) > limit else line), offset
        if len(carry) - _ending_length(carry) > limit:
            offset += len(carry)
            if carry.endswith(b"\r"):
                number += 1
                eat_newline = True
                yield number, None, offset
            else:
                skipping = True
            carry = b""
    if skipping:
        number += 1
        yield number, None, offset
    elif carry:
        number += 1
        offset += len(carry)
        yield number, (None if len(carry) - _ending_length(carry) > limit else carry), offset


def _ending_length(line: bytes) -> int:
    if line.endswith(b"\r\n"):
        return 2
    if line.endswith((b"\n", b"\r")):
        return 1
    return 0


def _line_end(data: bytes) -> int | None:
    """The offset just past the first line end in ``data``, if any."""
    newline = data.find(b"\n")
    carriage = data.find(b"\r", 0, newline if newline >= 0 else len(data))
    if carriage >= 0:
        return carriage + 2 if data[carriage + 1 : carriage + 2] == b"\n" else carriage + 1
    return newline + 1 if newline >= 0 else None


class _Feed:
    """The iterator ``csv.reader`` pulls lines from, one record at a time.

    It stops the record (StopIteration) at a too-long line, when the record would grow
    past MAX_LINE_BYTES (an unclosed quote swallowing the lines after it) and at the end of
    the file; :meth:`CsvSource.records` then reports the record and replays the lines it
    took, so that one bad quote costs one row, not the rest of the file.
    """

    def __init__(self, lines: Iterator[_TextLine]) -> None:
        self._lines = lines
        self.replay: deque[_TextLine] = deque()
        self.taken: list[_TextLine] = []  # the lines of the record being read
        self.size = 0
        self.stop: _TextLine | None = None  # the line that stopped the record
        self.at_end = False

    def start(self) -> None:
        self.taken = []
        self.size = 0
        self.stop = None
        self.at_end = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.stop is not None or self.at_end:
            raise StopIteration
        if self.replay:
            line = self.replay.popleft()
        else:
            following = next(self._lines, None)
            if following is None:
                self.at_end = True
                raise StopIteration
            line = following
        text, size = line[1], line[3]
        if text is None or (self.taken and self.size + size > MAX_LINE_BYTES):
            self.stop = line
            raise StopIteration
        self.taken.append(line)
        self.size += size
        return text


class CsvSource:
    """The records of a delimited text file, read line by line."""

    def __init__(self, path: Path, encoding: str, delimiter: str, *, forced: bool) -> None:
        self.encoding = encoding
        self.delimiter = delimiter
        self._forced = forced
        self._file = path.open("rb")
        self._size = max(path.stat().st_size, 1)
        self._position = 0

    @classmethod
    def open(
        cls, path: Path, head: bytes, *, encoding: str | None, delimiter: str | None
    ) -> CsvSource:
        """Detect (or take) the encoding and delimiter from the first bytes ``head``."""
        whole = len(head) < SAMPLE_BYTES or path.stat().st_size == len(head)
        if encoding is None:
            chosen = detect_encoding(path, head, whole)
        else:
            chosen = encoding
        codec = _codec(chosen)
        # A detected encoding may not decode every line (a UTF-8 file with a cp1252 line):
        # those lines are reported as rows. A forced one must decode the sample.
        errors = "strict" if encoding is not None else "replace"
        try:
            text = codecs.getincrementaldecoder(codec.name)(errors).decode(head, whole)
        except UnicodeDecodeError as exc:
            raise FileRefused(
                "bad_encoding", format_lazy(UNDECODABLE, {"encoding": chosen})
            ) from exc
        if not whole or len(text) > SNIFF_CHARS:
            # The sample may stop inside a line, or inside a quoted cell spanning lines:
            # whole lines only, and the sniffer parses too few records to mind the last one.
            text = text[:SNIFF_CHARS]
            cut = max(text.rfind("\n"), text.rfind("\r"))
            text = text[: cut + 1] if cut >= 0 else text
        chosen_delimiter = delimiter or sniff_delimiter(text.lstrip("\ufeff"))
        return cls(path, chosen, chosen_delimiter, forced=encoding is not None)

    def progress(self) -> float:
        return self._position / self._size

    def close(self) -> None:
        self._file.close()

    def empty_message(self) -> Message:
        return EMPTY

    def _lines(self) -> Iterator[_TextLine]:
        """The decoded physical lines, each decoded on its own so that one line in another
        encoding spoils only its row."""
        codec = _codec(self.encoding)
        if not _ascii_compatible(codec):
            yield from self._wide_lines(codec)
            return
        # A BOM is stripped from the first decoded line instead, whatever the codec.
        name = "utf-8" if codec.name == "utf-8-sig" else codec.name
        decode = codecs.lookup(name).decode
        fallback = self._fallback(name)
        problem = self._problem(name)
        first = True
        for number, data, position in split_lines(self._file):
            self._position = position
            if data is None:
                yield number, None, None, 0
                continue
            try:
                text = decode(data)[0]
                line_problem = None
            except UnicodeDecodeError:
                text = fallback(data)
                line_problem = problem
            if first:
                text = text.lstrip("\ufeff")
                first = False
            yield number, text, line_problem, len(data)

    def _fallback(self, name: str) -> Callable[[bytes], str]:
        """How a line that does not decode is shown: in the encoding it most likely is
        (cp1252 in a UTF-8 file), so that the error report gives back what was typed."""

        def single_byte(data: bytes) -> str:
            return data.decode(_single_byte_encoding(data))

        def replace(data: bytes) -> str:
            return data.decode(name, errors="replace")

        return single_byte if name == "utf-8" and not self._forced else replace

    def _problem(self, name: str) -> Problem:
        if name == "utf-8" and not self._forced:
            return ("encoding", ROW_NOT_UTF8)
        return ("encoding", format_lazy(ROW_UNDECODABLE, {"encoding": self.encoding}))

    def _wide_lines(self, codec: codecs.CodecInfo) -> Iterator[_TextLine]:
        """Lines of a file whose line ends are not single bytes (UTF-16, UTF-32…)."""
        text = io.TextIOWrapper(self._file, encoding=codec.name, errors="replace", newline="")
        limit = MAX_LINE_BYTES // 2  # in characters: UTF-16 takes two bytes for most
        number = 0
        first = True
        while line := text.readline(limit + 1):
            number += 1
            too_long = len(line.rstrip("\r\n")) > limit
            while line and not line.endswith(("\n", "\r")) and too_long:
                line = text.readline(limit + 1)
            self._position = self._file.tell()
            if too_long:
                yield number, None, None, 0
                continue
            if first:
                line = line.lstrip("\ufeff")
                first = False
            yield number, line, None, len(line) * 2

    def records(self) -> Generator[RawRecord, None, None]:
        feed = _Feed(self._lines())
        reader = csv.reader(feed, delimiter=self.delimiter, quotechar='"', strict=False)
        while True:
            feed.start()
            error = False
            try:
                cells = next(reader)
            except StopIteration:
                cells = []
            except csv.Error:
                cells, error = [], True
            taken, stop = feed.taken, feed.stop
            # The reader asks for a line past the record only from inside a quoted cell: a
            # record stopped by a line it cannot take, or by the end of the file after more
            # than one line, has a quote opened on its first line and never closed. It is
            # reported, and the lines after its first are read again as records of their
            # own, so that one stray quote costs one row, not the rest of the file. (One
            # line at the very end with a quote left open is read as it is.)
            if taken and (stop is not None or (feed.at_end and len(taken) > 1)):
                feed.replay.extendleft(reversed([*taken[1:], *([stop] if stop else [])]))
                yield taken[0][0], [], ("unclosed_quote", ROW_UNCLOSED_QUOTE)
            elif stop is not None:
                yield stop[0], [], TOO_LONG
            elif error:
                yield taken[0][0] if taken else 0, [], ("unreadable", ROW_UNREADABLE)
            elif not taken:
                return
            else:
                problem = next((line[2] for line in taken if line[2] is not None), None)
                yield taken[0][0], cells, problem
