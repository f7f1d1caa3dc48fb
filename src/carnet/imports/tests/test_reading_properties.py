"""Properties of the readers: whatever a spreadsheet tool writes comes back as written."""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
from decimal import Decimal
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel

from carnet.imports import reading
from carnet.imports.reading import DELIMITERS, open_table, split_lines
from carnet.imports.xlsx import column_index, excel_datetime, format_number

# Text a person can type in a cell: anything but control characters (line ends and tabs
# aside) and lone surrogates, which no file holds.
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\r\n"),
    max_size=12,
)
HEADER = ["Nom", "Ville", "Note"]


def _write_and_read(
    rows: list[list[str]], delimiter: str, encoding: str, *, forced: bool
) -> list[list[str]]:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clients.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        with open_table(path, delimiter=delimiter if forced else None) as table:
            assert table.header == HEADER
            assert table.info.delimiter == delimiter
            read = list(table.rows())
    assert all(row.problem is None for row in read)
    return [row.cells for row in read]


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(cell_text, min_size=3, max_size=3), max_size=15),
    delimiter=st.sampled_from(DELIMITERS),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_it_reads_back_any_text_the_csv_writer_wrote(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    expected = [row for row in rows if "".join(row).strip()]

    assert _write_and_read(rows, delimiter, encoding, forced=True) == expected


plain_cell = st.text(alphabet=st.characters(whitelist_categories=("L", "N", "Zs")), max_size=10)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.lists(plain_cell, min_size=3, max_size=3), max_size=15),
    delimiter=st.sampled_from(DELIMITERS),
)
def test_it_sniffs_the_delimiter_the_writer_used(rows: list[list[str]], delimiter: str) -> None:
    expected = [row for row in rows if "".join(row).strip()]

    assert _write_and_read(rows, delimiter, "utf-8", forced=False) == expected


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b"a", b"bb", b"\r", b"\n", b"\r\n", b"xyzxyzxyz", b";"]), max_size=40
    ),
    chunk=st.integers(min_value=1, max_value=9),
    limit=st.integers(min_value=1, max_value=12),
)
def test_the_line_splitter_keeps_every_byte_of_lines_within_the_limit(
    data: list[bytes], chunk: int, limit: int
) -> None:
    content = b"".join(data)
    expected = re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", content)

    with mock.patch.object(reading, "_CHUNK", chunk):
        lines = list(split_lines(io.BytesIO(content), limit))

    assert [number for number, _line, _offset in lines] == list(range(1, len(expected) + 1))
    assert [line for _number, line, _offset in lines] == [
        None if len(line.rstrip(b"\r\n")) > limit else line for line in expected
    ]
    # Offsets (for progress) may leave out the "\n" of a skipped line's "\r\n" split
    # across chunks.
    ends = [sum(len(line) for line in expected[: index + 1]) for index in range(len(expected))]
    assert all(end - 1 <= offset <= end for (_n, _l, offset), end in zip(lines, ends, strict=True))


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_whole_numbers_are_written_as_digits(number: int) -> None:
    assert format_number(str(number)) == str(number)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_plain_decimals_with_at_most_15_significant_digits(number: float) -> None:
    shown = format_number(repr(number))

    assert "e" not in shown.lower()
    assert not shown.endswith(".0") and not (("." in shown) and shown.endswith("0"))
    exact = Decimal(repr(number))
    if exact:
        rounded = round(exact, 14 - exact.adjusted())
        assert Decimal(shown) == rounded
    else:
        assert shown == "0"


@given(
    st.datetimes(
        min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59)
    )
)
def test_serial_dates_read_back_as_iso_dates(moment: datetime.datetime) -> None:
    moment = moment.replace(microsecond=0)
    shown = excel_datetime(to_excel(moment), date1904=False)

    if moment.time() == datetime.time(0):
        assert shown == moment.date().isoformat()
    else:
        assert shown == moment.isoformat()


@given(st.integers(min_value=1, max_value=16384))
def test_column_letters_read_back_as_indexes(number: int) -> None:
    letters = get_column_letter(number)

    assert column_index(letters) == column_index_from_string(letters) - 1
