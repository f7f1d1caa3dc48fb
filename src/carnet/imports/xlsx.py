"""A streaming reader of XLSX worksheets, on the standard library (``zipfile`` and expat).

openpyxl's read-only mode is slow (30 s for 100,000 rows of 30 cells) and python-calamine
loads the whole sheet in memory; this reader feeds the sheet's XML to expat in 1 MiB
chunks straight from the zip and keeps only the rows of the current chunk. Shared strings
past a few megabytes go to a temporary file, read back by index. Only what an import
needs is read: the workbook's sheet list, the number formats (dates, zero-padded codes)
and the cell values as the user sees them.

Every part read is checked against the zip-bomb limits before it is decompressed, and
``zipfile`` never yields more than a part's declared size.
"""

from __future__ import annotations

import mmap
import posixpath
import re
import struct
import tempfile
import zipfile
import zlib
from array import array
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, TypeAlias
from xml.parsers import expat

from django.utils.translation import gettext_lazy as _

from carnet.imports.reading import (
    EMPTY,
    ENCRYPTED,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_LINE_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    TOO_LONG,
    FileRefused,
    Message,
    Problem,
    RawRecord,
    format_lazy,
    too_many_columns,
)

CHUNK = 1_048_576
# A sharedStrings.xml part up to this size stays in memory as a list; a bigger one is
# spilled to a temporary file.
SMALL_STRINGS_BYTES = 8 * 1024**2
# Tiny parts compress a lot legitimately (a sheet of one repeated value): the ratio is
# only checked on parts bigger than this.
RATIO_CHECKED_FROM = 8 * 1024**2

DAMAGED = _(
    "Ce classeur Excel est endommagé et ne peut pas être lu. Ouvrez-le dans Excel, "
    "enregistrez-le de nouveau, puis importez-le à nouveau."
)
NOT_A_WORKBOOK = _(
    "Ce fichier compressé (ZIP) n'est pas un classeur Excel. Importez un fichier CSV ou un "
    "classeur Excel (.xlsx)."
)
OPENDOCUMENT = _(
    "Les classeurs OpenDocument (.ods) ne sont pas pris en charge. Enregistrez ce fichier au "
    "format « Classeur Excel (.xlsx) » ou CSV, puis importez-le à nouveau."
)
BINARY_WORKBOOK = _(
    "Les classeurs binaires Excel (.xlsb) ne sont pas pris en charge. Enregistrez ce fichier "
    "au format « Classeur Excel (.xlsx) » ou CSV, puis importez-le à nouveau."
)
ZIP_BOMB = _(
    "Ce classeur est anormalement volumineux une fois décompressé : il a été refusé par "
    "sécurité. Enregistrez-le au format CSV, ou découpez-le en plusieurs fichiers."
)
NO_WORKSHEET = _("Ce classeur ne contient aucune feuille de calcul.")
UNKNOWN_SHEET = _(
    "Le classeur n'a pas de feuille « %(sheet)s ». Feuilles disponibles : %(sheets)s."
)
EMPTY_SHEET = _("La feuille « %(sheet)s » est vide.")
EMPTY_SHEET_OTHERS = _(
    "La feuille « %(sheet)s » est vide. Choisissez une autre feuille : %(sheets)s."
)

# Booleans as French Excel shows them: the values are data, in the file's language, not
# interface text.
TRUE, FALSE = "VRAI", "FAUX"

_RELATIONSHIPS = "_rels/.rels"
_DEFAULT_WORKBOOK = "xl/workbook.xml"
# Built-in number formats that show a date or a time (ECMA-376 §18.8.30, and the CJK ones).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
# What a custom format shows besides its tokens: quoted text, [colours and conditions],
# escaped characters, and the padding (_x) and fill (*x) directives.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_DATE_TOKENS = re.compile(r"[dmyhs]", re.IGNORECASE)
_ZEROS = re.compile(r"0{2,}")
_DIGITS = "0123456789"
# Excel's last day, 9999-12-31, as a serial number (1900 system).
_MAX_SERIAL = 2_958_466
_SIGNIFICANT_DIGITS = 15  # what Excel keeps and shows of a number
_BOUNDS = struct.Struct("=2q")

# How a cell style shows numbers: a date, or zero-padded to a width.
NumberStyle: TypeAlias = "str | int"
DATE = "date"


class XlsxSource:
    """The rows of one worksheet of an XLSX file, read as a stream."""

    sheet: str
    sheets: tuple[str, ...]

    def __init__(self, path: Path, sheet: str | None = None) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise FileRefused("invalid_xlsx", DAMAGED) from exc
        self._strings: SharedStrings | None = None
        self._consumed = 0
        try:
            with _damaged_on_error():
                self._open(sheet)
        except BaseException:
            self.close()
            raise

    def _open(self, requested: str | None) -> None:
        self._parts = {
            info.filename.replace("\\", "/").lstrip("/").casefold(): info
            for info in self._zip.infolist()
        }
        workbook = self._workbook_path()
        folder = posixpath.dirname(workbook)
        worksheets, date1904 = _read_workbook(self._read(workbook))
        targets = _read_relationships(
            self._read(posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")),
            folder,
        )
        found = [
            (name, targets[rid][1], hidden)
            for name, rid, hidden in worksheets
            if rid in targets and targets[rid][0] == "worksheet"
        ]
        self.sheets = tuple(name for name, _path, _hidden in found)
        if not found:
            raise FileRefused("empty", NO_WORKSHEET)
        if requested is None:
            # The first sheet the user can see: a hidden first sheet is usually a list of
            # values for drop-downs, not the data.
            chosen = next((entry for entry in found if not entry[2]), found[0])
        else:
            wanted = requested.strip().casefold()
            match = next((entry for entry in found if entry[0].casefold() == wanted), None)
            if match is None:
                raise FileRefused(
                    "unknown_sheet",
                    format_lazy(
                        UNKNOWN_SHEET, {"sheet": requested, "sheets": _quoted(self.sheets)}
                    ),
                )
            chosen = match
        self.sheet = chosen[0]
        self._sheet_part = self._part(chosen[1])
        self._date1904 = date1904
        parts = {kind: path for kind, path in targets.values() if path.casefold() in self._parts}
        self._styles = _read_styles(self._read(parts["styles"])) if "styles" in parts else {}
        if "sharedStrings" in parts:
            self._strings = SharedStrings.read(self, self._part(parts["sharedStrings"]))

    def _workbook_path(self) -> str:
        """The workbook part named by the package relationships (xl/workbook.xml normally)."""
        if _RELATIONSHIPS in self._parts:
            for kind, target in _read_relationships(self._read(_RELATIONSHIPS), "").values():
                if kind == "officeDocument" and target.casefold() in self._parts:
                    if target.casefold().endswith(".bin"):
                        raise FileRefused("invalid_xlsx", BINARY_WORKBOOK)
                    return target
        if _DEFAULT_WORKBOOK in self._parts:
            return _DEFAULT_WORKBOOK
        if "content.xml" in self._parts and "mimetype" in self._parts:
            raise FileRefused("invalid_xlsx", OPENDOCUMENT)
        raise FileRefused("invalid_xlsx", NOT_A_WORKBOOK)

    def _part(self, name: str) -> zipfile.ZipInfo:
        """The zip entry of a part, checked against the zip-bomb limits."""
        info = self._parts.get(name.casefold())
        if info is None:
            raise FileRefused("invalid_xlsx", DAMAGED)
        if info.flag_bits & 0x1:
            raise FileRefused("encrypted", ENCRYPTED)
        if info.file_size > MAX_UNCOMPRESSED_BYTES or (
            info.file_size > RATIO_CHECKED_FROM
            and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            raise FileRefused("zip_bomb", ZIP_BOMB)
        return info

    def _read(self, name: str) -> Iterator[bytes]:
        """The chunks of a part, decompressed as they are read."""
        return self.chunks(self._part(name))

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        with self._zip.open(info) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    def records(self) -> Generator[RawRecord, None, None]:
        pending: list[RawRecord] = []
        handlers = _SheetHandlers(pending, self._strings, self._styles, self._date1904)
        parser = handlers.parser
        with _damaged_on_error():
            for chunk in self.chunks(self._sheet_part):
                self._consumed += len(chunk)
                parser.Parse(chunk, False)
                if pending:
                    yield from pending
                    pending.clear()
            parser.Parse(b"", True)
        yield from pending

    def progress(self) -> float:
        return self._consumed / max(self._sheet_part.file_size, 1)

    def empty_message(self) -> Message:
        others = [name for name in self.sheets if name != self.sheet]
        if others:
            return format_lazy(EMPTY_SHEET_OTHERS, {"sheet": self.sheet, "sheets": _quoted(others)})
        return format_lazy(EMPTY_SHEET, {"sheet": self.sheet}) if self.sheet else EMPTY

    def close(self) -> None:
        if self._strings is not None:
            self._strings.close()
            self._strings = None
        self._zip.close()


def _quoted(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"« {name} »" for name in names)


@contextmanager
def _damaged_on_error() -> Iterator[None]:
    """Turn what a damaged package raises into a refusal, never a traceback."""
    try:
        yield
    except FileRefused:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        expat.ExpatError,
        struct.error,
        IndexError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise FileRefused("invalid_xlsx", DAMAGED) from exc


def _parser(names: dict[str, str] | None = None) -> Any:
    """An expat parser; ``names`` are the strings it hands element names out as (its
    intern table), so that handlers compare names by identity."""
    parser = expat.ParserCreate(intern={} if names is None else names)
    parser.buffer_text = True
    parser.buffer_size = 65_536

    def refuse_entities(*_args: object) -> None:
        # OOXML parts never declare entities; a part that does is an attack (entity
        # expansion), not a workbook.
        raise FileRefused("invalid_xlsx", DAMAGED)

    parser.EntityDeclHandler = refuse_entities
    return parser


def _local(name: str) -> str:
    """An element or attribute name without its namespace prefix."""
    return name.rpartition(":")[2]


def _parse(chunks: Iterator[bytes], parser: Any) -> None:
    for chunk in chunks:
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _read_workbook(chunks: Iterator[bytes]) -> tuple[list[tuple[str, str, bool]], bool]:
    """The sheets of workbook.xml (name, relationship id, hidden) and its date system."""
    sheets: list[tuple[str, str, bool]] = []
    date1904 = False
    root = True

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal date1904, root
        local = _local(name)
        if root:
            root = False
            if local != "workbook":  # a Word or PowerPoint file: a package, not a workbook
                raise FileRefused("invalid_xlsx", NOT_A_WORKBOOK)
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if ":" in k and _local(k) == "id"), "")
            hidden = attrs.get("state", "visible") != "visible"
            sheets.append((attrs.get("name", ""), rid, hidden))
        elif local == "workbookPr":
            date1904 = attrs.get("date1904", "").lower() in ("1", "true")

    parser = _parser()
    parser.StartElementHandler = start
    _parse(chunks, parser)
    return sheets, date1904


def _read_relationships(chunks: Iterator[bytes], folder: str) -> dict[str, tuple[str, str]]:
    """A .rels part: relationship id → (kind, part path), the kind being the last segment
    of the relationship type ("worksheet", "chartsheet", "sharedStrings", "styles"…)."""
    found: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) != "Relationship" or attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "").replace("\\", "/")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(folder, target)).lstrip("/")
        found[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], path)

    parser = _parser()
    parser.StartElementHandler = start
    _parse(chunks, parser)
    return found


def _read_styles(chunks: Iterator[bytes]) -> dict[str, NumberStyle]:
    """The cell styles that change how a number reads, by style index (as the cell's
    ``s`` attribute spells it): DATE, or the width to zero-pad to."""
    formats: dict[int, str] = {}
    cell_formats: list[int] = []
    in_cell_xfs = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_xfs
        local = _local(name)
        if local == "numFmt":
            try:
                formats[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            except ValueError:
                pass
        elif local == "cellXfs":
            in_cell_xfs = True
        elif local == "xf" and in_cell_xfs:
            try:
                cell_formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                cell_formats.append(0)

    def end(name: str) -> None:
        nonlocal in_cell_xfs
        if _local(name) == "cellXfs":
            in_cell_xfs = False

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    _parse(chunks, parser)
    styles: dict[str, NumberStyle] = {}
    for index, format_id in enumerate(cell_formats):
        style = number_style(format_id, formats.get(format_id))
        if style is not None:
            styles[str(index)] = style
    return styles


def number_style(format_id: int, code: str | None) -> NumberStyle | None:
    """How a number format shows a number, when it matters: DATE for a date or time
    format, the width for a format of zeros only ("00000": a postcode), else None."""
    if code is None:
        return DATE if format_id in _DATE_FORMAT_IDS else None
    if _ZEROS.fullmatch(code):
        return len(code)
    if _DATE_TOKENS.search(_FORMAT_LITERALS.sub("", code)):
        return DATE
    return None


def format_number(raw: str) -> str:
    """A number as plain text: digits without ".0" for a whole number, a plain decimal
    with "." otherwise, never an exponent; 15 significant digits at most, as Excel shows
    (0.1 + 0.2 is stored 0.30000000000000004 and shown 0.3)."""
    if raw.isascii():
        digits = raw[1:] if raw[:1] == "-" else raw
        if digits.isdigit():
            return raw
        # A short decimal ("12.5", "-0.25") is already as shown: no Decimal needed.
        whole, dot, fraction = digits.partition(".")
        if (
            dot
            and whole.isdigit()
            and fraction.isdigit()
            and fraction[-1] != "0"
            and (whole[0] != "0" or whole == "0")
            and len(whole) + len(fraction) <= _SIGNIFICANT_DIGITS
        ):
            return raw
    try:
        number = Decimal(raw)
    except (InvalidOperation, ValueError):
        return raw
    if not number.is_finite() or abs(number.adjusted()) > 400:
        return raw.strip()
    if not number:
        return "0"
    if len(number.as_tuple().digits) > _SIGNIFICANT_DIGITS:
        number = round(number, _SIGNIFICANT_DIGITS - 1 - number.adjusted())
    return format(number.normalize(), "f")


def excel_datetime(serial: float, date1904: bool) -> str | None:
    """An Excel serial date as ISO 8601: "YYYY-MM-DD", with "THH:MM:SS" when it has a
    time of day, or "HH:MM:SS" alone for a time (a serial below 1). None when out of
    Excel's range."""
    if not 0 <= serial < _MAX_SERIAL:
        return None
    days, seconds = divmod(round(serial * 86400), 86400)
    hours, rest = divmod(seconds, 3600)
    time = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    if days == 0:
        return time
    if date1904:
        day = date(1904, 1, 1) + timedelta(days=days)
    elif days < 60:
        day = date(1899, 12, 31) + timedelta(days=days)
    elif days == 60:
        # Excel's 29 February 1900, a day that never was (a Lotus 1-2-3 bug kept on purpose).
        day = date(1900, 2, 28)
    else:
        day = date(1899, 12, 30) + timedelta(days=days)
    return day.isoformat() if seconds == 0 else f"{day.isoformat()}T{time}"


def iso_datetime(raw: str) -> str:
    """A cell of type "d" (an ISO 8601 date written by the tool) in our form."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def column_index(letters: str) -> int:
    """0-based index of a column from its letters ("A" → 0, "AB" → 27)."""
    if not letters:
        raise ValueError("a cell reference without its column")
    index = 0
    for letter in letters.upper():
        if not "A" <= letter <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        index = index * 26 + ord(letter) - 64
    return index - 1


class SharedStrings:
    """The workbook's shared strings, by index, in bounded memory.

    A small table is a list. A big one is written, UTF-8, to a temporary file, with the
    boundaries of each string in a second one (eight bytes per string), both mapped in
    memory to read a string back by index: millions of strings cost a few pages of
    memory, not millions of Python objects.
    """

    def __init__(self) -> None:
        self._list: list[str] | None = []
        self._too_long: set[int] = set()  # strings longer than a row may be
        self._count = 0
        self._data: IO[bytes] | None = None
        self._bounds: IO[bytes] | None = None
        self._data_map: mmap.mmap | None = None
        self._bounds_map: mmap.mmap | None = None

    @classmethod
    def read(cls, source: XlsxSource, info: zipfile.ZipInfo) -> SharedStrings:
        strings = cls()
        try:
            strings._read(source.chunks(info), spill=info.file_size > SMALL_STRINGS_BYTES)
        except BaseException:
            strings.close()
            raise
        return strings

    def _read(self, chunks: Iterator[bytes], *, spill: bool) -> None:
        add: Callable[[str], None]
        if spill:
            self._list = None
            data = self._data = tempfile.TemporaryFile()
            bounds = self._bounds = tempfile.TemporaryFile()
            pending = array("q", [0])
            written = 0

            def add(text: str) -> None:
                nonlocal written
                encoded = text.encode("utf-8")
                data.write(encoded)
                written += len(encoded)
                pending.append(written)
                if len(pending) >= 65_536:
                    pending.tofile(bounds)
                    del pending[:]

        else:
            add = self._list.append  # type: ignore[union-attr]

        parts: list[str] = []
        size = 0
        collecting = False
        phonetic = False
        local_names: dict[str, str] = {}  # element name → name without prefix, computed once

        def local_name(name: str) -> str:
            local = local_names.get(name)
            if local is None:
                local = local_names[name] = _local(name)
            return local

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal collecting, phonetic, size
            local = local_name(name)
            if local == "t":
                collecting = not phonetic
            elif local == "si":
                parts.clear()
                size = 0
            elif local == "rPh":
                phonetic = True

        def end(name: str) -> None:
            nonlocal collecting, phonetic
            local = local_name(name)
            if local == "t":
                collecting = False
            elif local == "rPh":
                phonetic = False
            elif local == "si":
                if size > MAX_LINE_BYTES:
                    self._too_long.add(self._count)
                    add("")
                else:
                    add("".join(parts))
                self._count += 1

        def characters(text: str) -> None:
            nonlocal size
            if collecting:
                size += len(text)
                # Past the limit the string is only counted, never held whole.
                if size <= MAX_LINE_BYTES:
                    parts.append(text)

        parser = _parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        _parse(chunks, parser)
        if spill:
            assert self._data is not None and self._bounds is not None
            pending.tofile(self._bounds)
            self._data.flush()
            self._bounds.flush()
            if written:
                self._data_map = mmap.mmap(self._data.fileno(), 0, access=mmap.ACCESS_READ)
            self._bounds_map = mmap.mmap(self._bounds.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return self._count

    def get(self, index: int) -> str | None:
        """The string at ``index``; None when it is longer than a row may be. Raises
        IndexError for an index past the table (a damaged file)."""
        if not 0 <= index < self._count:
            raise IndexError(index)
        if index in self._too_long:
            return None
        if self._list is not None:
            return self._list[index]
        assert self._bounds_map is not None
        start, end = _BOUNDS.unpack_from(self._bounds_map, index * 8)
        if start == end:
            return ""
        assert self._data_map is not None
        return self._data_map[start:end].decode("utf-8")

    def close(self) -> None:
        for resource in (self._data_map, self._bounds_map, self._data, self._bounds):
            if resource is not None:
                resource.close()
        self._data_map = self._bounds_map = None
        self._data = self._bounds = None
        self._list = None


class _SheetHandlers:
    """The expat handlers that turn a worksheet's XML into rows.

    This is the hot loop of an XLSX import (one call per element and per text): the
    handlers are closures over local state, compare element names with ``==`` (the
    prefix, if the file uses one, is found on the root element once), and do nothing for
    elements they do not need.
    """

    def __init__(
        self,
        pending: list[RawRecord],
        strings: SharedStrings | None,
        styles: dict[str, NumberStyle],
        date1904: bool,
    ) -> None:
        self._pending = pending
        self._strings = strings
        self._styles = styles
        self._date1904 = date1904
        self._names: dict[str, str] = {}
        self.parser = _parser(self._names)
        self.parser.StartElementHandler = self._root

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        prefix = name[: name.index(":") + 1] if ":" in name else ""
        self._install(prefix)

    def _install(self, prefix: str) -> None:
        C, V, T, IS, ROW, RPH = (
            self._names.setdefault(name, name)
            for name in (prefix + local for local in ("c", "v", "t", "is", "row", "rPh"))
        )
        pending = self._pending
        strings = self._strings
        styles = self._styles
        date1904 = self._date1904
        # Module names bound here: closure variables are faster to read than globals.
        digits, max_columns, max_size = _DIGITS, MAX_COLUMNS, MAX_LINE_BYTES
        plain, styled, to_index = format_number, _styled_number, column_index
        column_cache: dict[str, int] = {}
        cells: list[str] = []
        text: str | None = None  # of the current <v> or <t>
        line = 0
        column = 0
        kind: str | None = None
        style = "0"
        collecting = False
        phonetic = False
        size = 0
        widest = 0
        too_long = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal column, kind, style, collecting, line, cells, size, widest, too_long
            nonlocal phonetic, text
            if name == C:
                ref = attrs.get("r")
                if ref is not None:
                    letters = ref.rstrip(digits)
                    index = column_cache.get(letters)
                    if index is None:
                        index = to_index(letters)
                        if len(column_cache) < 20_000:
                            column_cache[letters] = index
                    column = index
                kind = attrs.get("t")
                style = attrs.get("s", "0")
                text = None
            elif name == V:
                collecting = True
            elif name == T:
                collecting = not phonetic
            elif name == IS:
                pass
            elif name == ROW:
                number = attrs.get("r")
                line = int(number) if number is not None else line + 1
                cells = []
                column = size = widest = 0
                too_long = False
            elif name == RPH:
                phonetic = True

        def end(name: str) -> None:
            nonlocal column, collecting, phonetic, size, widest, too_long, cells
            # Text is only taken between <v> or <t> and the next end tag.
            collecting = False
            if name == C:
                at = column
                column += 1
                if text is None:
                    return
                value: str | None
                if kind is None or kind == "n":
                    number_style = styles.get(style)
                    if number_style is not None:
                        value = styled(text, number_style, date1904)
                    elif text.isdigit() and text.isascii():  # most numbers: nothing to do
                        value = text
                    else:
                        value = plain(text)
                elif kind == "s":
                    if strings is None:
                        raise IndexError(text)
                    value = strings.get(int(text))
                elif kind == "inlineStr" or kind == "str" or kind == "e":
                    # Inline text, a formula's text result, an error as shown ("#N/A").
                    value = text
                elif kind == "b":
                    value = TRUE if text == "1" else FALSE if text == "0" else text
                elif kind == "d":
                    value = iso_datetime(text)
                else:
                    value = text
                if value is None:  # a shared string longer than a row may be
                    too_long = True
                if too_long or not value:
                    return
                if at >= max_columns:
                    if at >= widest:
                        widest = at + 1
                    return
                size += len(value)
                if size > max_size:
                    too_long = True
                    cells = []
                    return
                count = len(cells)
                if at == count:
                    cells.append(value)
                elif at > count:
                    cells.extend([""] * (at - count))
                    cells.append(value)
                else:
                    cells[at] = value
            elif name == ROW:
                problem: Problem | None = None
                if too_long:
                    problem = TOO_LONG
                    cells = []
                elif widest:
                    problem = too_many_columns(widest)
                pending.append((line, cells, problem))
            elif name == RPH:
                phonetic = False

        def characters(data: str) -> None:
            nonlocal text, too_long, collecting
            if collecting:
                if text is None:
                    text = data
                else:
                    # More pieces than one (each at most the parser's buffer): measured, and
                    # dropped past the limit, so a huge value is never held whole.
                    text += data
                    if len(text) > max_size:
                        too_long = True
                        collecting = False
                        text = None

        self.parser.StartElementHandler = start
        self.parser.EndElementHandler = end
        self.parser.CharacterDataHandler = characters


def _styled_number(raw: str, style: NumberStyle, date1904: bool) -> str:
    if style == DATE:
        try:
            shown = excel_datetime(float(raw), date1904)
        except ValueError:
            shown = None
        return shown if shown is not None else format_number(raw)
    text = format_number(raw)
    if isinstance(style, int) and text.isdigit():
        return text.zfill(style)
    return text
