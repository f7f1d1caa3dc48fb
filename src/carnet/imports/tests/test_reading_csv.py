"""Reading CSV files: encodings, delimiters, quoting, broken lines and refused files."""

from __future__ import annotations

import codecs
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from carnet.imports import reading
from carnet.imports.reading import (
    MAX_COLUMNS,
    MAX_LINE_BYTES,
    FileRefused,
    SourceRow,
    Table,
    open_table,
)


def write(tmp_path: Path, data: bytes, name: str = "clients.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, **options: str) -> tuple[Table, list[SourceRow]]:
    with open_table(path, **options) as table:
        return table, list(table.rows())


def cells(rows: list[SourceRow]) -> list[list[str]]:
    return [row.cells for row in rows]


def refusal(path: Path, **options: str) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        open_table(path, **options)
    return caught.value


def test_it_reads_a_utf8_file_with_commas(tmp_path: Path) -> None:
    path = write(tmp_path, "Nom,Ville\nÉlodie Durand,Besançon\nŒnologie & Cie,Nîmes\n".encode())

    table, rows = read(path)

    assert table.info == reading.SourceInfo("csv", "utf-8", True, ",", None, ())
    assert table.header == ["Nom", "Ville"]
    assert table.header_line == 1
    assert cells(rows) == [["Élodie Durand", "Besançon"], ["Œnologie & Cie", "Nîmes"]]
    assert [row.line for row in rows] == [2, 3]
    assert all(row.problem is None for row in rows)


def test_it_reads_a_utf8_file_with_a_bom(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF8 + b"Nom;E-mail\nMartin;m@exemple.fr\n")

    table, rows = read(path)

    assert table.info.encoding == "utf-8-sig"
    assert table.header == ["Nom", "E-mail"]  # no BOM left in the first header
    assert cells(rows) == [["Martin", "m@exemple.fr"]]


def test_it_reads_a_cp1252_file_with_semicolons(tmp_path: Path) -> None:
    text = "Nom;Montant;Note\r\nSociété Générale;12,50 €;Œuvre d'art\r\nCœur;3;«ok»\r\n"
    path = write(tmp_path, text.encode("cp1252"))

    table, rows = read(path)

    assert (table.info.encoding, table.info.delimiter) == ("cp1252", ";")
    assert cells(rows) == [
        ["Société Générale", "12,50 €", "Œuvre d'art"],
        ["Cœur", "3", "«ok»"],
    ]


def test_it_reads_latin1_when_bytes_undefined_in_cp1252_appear(tmp_path: Path) -> None:
    path = write(tmp_path, b"Nom;Code\r\nJos\xe9;A\x90B\r\n")

    table, rows = read(path)

    assert table.info.encoding == "latin-1"
    assert cells(rows) == [["José", "A\x90B"]]


def test_it_reads_excel_unicode_text_in_utf16_with_tabs(tmp_path: Path) -> None:
    text = 'Nom\tVille\r\nÉlise\tSaint-Étienne\r\n"Deux\r\nlignes"\t€\r\n'
    path = write(tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))

    table, rows = read(path)

    assert (table.info.encoding, table.info.delimiter) == ("utf-16", "\t")
    assert table.header == ["Nom", "Ville"]
    assert cells(rows) == [["Élise", "Saint-Étienne"], ["Deux\r\nlignes", "€"]]
    assert [row.line for row in rows] == [2, 3]


def test_it_reads_big_endian_utf16(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF16_BE + "A\tB\n1\t2\n".encode("utf-16-be"))

    table, rows = read(path)

    assert table.info.encoding == "utf-16"
    assert cells(rows) == [["1", "2"]]


def test_it_reports_a_utf16_line_over_the_limit_and_reads_the_next_rows(tmp_path: Path) -> None:
    text = "A\tB\r\n1\t2\r\n" + "x" * (MAX_LINE_BYTES // 2 + 5) + "\r\n3\t4\r\n"
    path = write(tmp_path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))

    _table, rows = read(path)

    assert [(row.line, row.problem and row.problem[0]) for row in rows] == [
        (2, None),
        (3, "too_long"),
        (4, None),
    ]
    assert rows[2].cells == ["3", "4"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_sniffs_each_delimiter(tmp_path: Path, delimiter: str) -> None:
    lines = [["Nom", "Ville", "Code"], ["Martin", "Paris", "75001"], ["Durand", "Lyon", "69001"]]
    path = write(tmp_path, "".join(delimiter.join(line) + "\n" for line in lines).encode())

    table, rows = read(path)

    assert table.info.delimiter == delimiter
    assert cells(rows) == lines[1:]


def test_it_sniffs_semicolons_even_with_decimal_commas(tmp_path: Path) -> None:
    path = write(tmp_path, b"Nom;Montant\nA;12,5\nB;3,25\nC;7\n")

    table, rows = read(path)

    assert table.info.delimiter == ";"
    assert cells(rows) == [["A", "12,5"], ["B", "3,25"], ["C", "7"]]


def test_it_sniffs_the_delimiter_giving_more_columns_when_both_are_consistent(
    tmp_path: Path,
) -> None:
    # Every line has one semicolon in a cell, but the commas give more columns.
    path = write(tmp_path, b"Nom,Ville,Note\nA,Paris,x;y\nB,Lyon,z;t\n")

    assert read(path)[0].info.delimiter == ","


def test_it_prefers_semicolons_when_delimiters_tie(tmp_path: Path) -> None:
    path = write(tmp_path, b"Nom,Pr\xc3\xa9nom;Ville\nA,B;C\n")

    assert read(path)[0].info.delimiter == ";"


def test_it_takes_commas_for_a_one_column_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"E-mail\na@exemple.fr\nb@exemple.fr\n")

    table, rows = read(path)

    assert table.info.delimiter == ","
    assert cells(rows) == [["a@exemple.fr"], ["b@exemple.fr"]]


def test_it_reads_quoted_newlines_doubled_quotes_and_delimiters(tmp_path: Path) -> None:
    data = b'Nom;Adresse;Note\n"Martin";"12 rue X\nB\xc3\xa2t. B";"Dit ""le grand""; pas"\nB;C;D\n'
    path = write(tmp_path, data)

    _table, rows = read(path)

    assert cells(rows) == [["Martin", "12 rue X\nBât. B", 'Dit "le grand"; pas'], ["B", "C", "D"]]
    assert [row.line for row in rows] == [2, 4]


def test_it_reads_cr_crlf_and_lf_line_ends(tmp_path: Path) -> None:
    path = write(tmp_path, b'A;B\r1;2\r\n3;"x\ry"\n5;6\r7;8')

    _table, rows = read(path)

    assert cells(rows) == [["1", "2"], ["3", "x\ry"], ["5", "6"], ["7", "8"]]
    assert [row.line for row in rows] == [2, 3, 5, 6]


def test_it_reads_an_old_mac_file_with_carriage_returns_only(tmp_path: Path) -> None:
    path = write(tmp_path, b"".join(b"%d;x\r" % n for n in range(20_000)))

    table, rows = read(path)

    assert table.header == ["0", "x"]
    assert len(rows) == 19_999
    assert rows[-1] == SourceRow(20_000, ["19999", "x"])


def test_it_keeps_stray_quotes_inside_cells(tmp_path: Path) -> None:
    path = write(tmp_path, b'Nom;Taille\nArmoire 2";12"5\nB;"ok"x\n')

    _table, rows = read(path)

    assert cells(rows) == [['Armoire 2"', '12"5'], ["B", "okx"]]
    assert all(row.problem is None for row in rows)


def test_it_reports_an_unclosed_quote_on_its_row_and_reads_the_rows_after(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, b'Nom;Ville\nA;Paris\nB;"Lyon\nC;Nice\nD;Metz\n')

    _table, rows = read(path)

    assert [row.line for row in rows] == [2, 3, 4, 5]
    assert rows[1].problem is not None and rows[1].problem[0] == "unclosed_quote"
    assert rows[1].cells == ["", ""]
    assert cells(rows[2:]) == [["C", "Nice"], ["D", "Metz"]]


def test_it_reports_an_unclosed_quote_that_would_swallow_megabytes(tmp_path: Path) -> None:
    body = b"".join(
        b"%d;ligne de donn\xc3\xa9es assez longue pour remplir\n" % n for n in range(40_000)
    )
    path = write(tmp_path, b'Nom;Note\nA;"ouvert\n' + body)
    assert path.stat().st_size > MAX_LINE_BYTES

    _table, rows = read(path)

    assert rows[0].line == 2 and rows[0].problem is not None
    assert rows[0].problem[0] == "unclosed_quote"
    assert len(rows) == 40_001
    assert rows[-1].cells == ["39999", "ligne de données assez longue pour remplir"]
    assert all(row.problem is None for row in rows[1:])


def test_it_reads_a_quote_left_open_on_the_last_line_as_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, b'Nom;Note\nA;"sans fin')

    _table, rows = read(path)

    assert rows == [SourceRow(2, ["A", "sans fin"])]


def test_it_reports_only_the_cp1252_line_of_a_utf8_file(tmp_path: Path) -> None:
    data = (
        "Nom;Ville\nÉlodie;Besançon\nJérôme;Nîmes\n".encode()
        + "Cédric;Orléans\n".encode("cp1252")
        + "Zoé;Sète\n".encode()
    )
    path = write(tmp_path, data)

    table, rows = read(path)

    assert table.info.encoding == "utf-8"
    assert [row.problem is None for row in rows] == [True, True, False, True]
    problem = rows[2].problem
    assert problem is not None and problem[0] == "encoding"
    assert "UTF-8" in str(problem[1])
    # The line is still shown as typed, so the error report can be fixed and re-imported.
    assert rows[2].cells == ["Cédric", "Orléans"]
    assert rows[3].cells == ["Zoé", "Sète"]


def test_it_reads_a_header_in_cp1252_above_utf8_rows(tmp_path: Path) -> None:
    data = "Prénom;Société\n".encode("cp1252") + "Élodie;Générale\nZoé;Crédit\n".encode()

    table, rows = read(write(tmp_path, data))

    assert table.info.encoding == "utf-8"
    assert table.header == ["Prénom", "Société"]
    assert cells(rows) == [["Élodie", "Générale"], ["Zoé", "Crédit"]]


def test_it_reports_the_lines_a_forced_encoding_cannot_read(tmp_path: Path) -> None:
    ascii_rows = b"".join(b"client %06d;Paris\r\n" % n for n in range(70_000))
    path = write(tmp_path, b"Nom;Ville\r\n" + ascii_rows + "Hélène;Besançon\r\n".encode("cp1252"))

    _table, rows = read(path, encoding="utf-8")

    problem = rows[-1].problem
    assert problem is not None and problem[0] == "encoding"
    assert "« utf-8 »" in str(problem[1])
    assert all(row.problem is None for row in rows[:-1])


def test_it_detects_cp1252_when_the_first_accent_comes_after_the_sample(
    tmp_path: Path,
) -> None:
    ascii_rows = b"".join(b"client %06d;Paris\r\n" % n for n in range(70_000))
    assert len(ascii_rows) > reading.SAMPLE_BYTES
    path = write(tmp_path, b"Nom;Ville\r\n" + ascii_rows + "Hélène;Besançon\r\n".encode("cp1252"))

    table, rows = read(path)

    assert table.info.encoding == "cp1252"
    assert rows[-1] == SourceRow(70_002, ["Hélène", "Besançon"])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        codecs.BOM_UTF8,
        b"  \r\n\t\n",
        b";;;\n\n;;\n",
        codecs.BOM_UTF16_LE + "\r\n".encode("utf-16-le"),
    ],
    ids=["zero-bytes", "bom-only", "whitespace", "delimiters-only", "utf16-bom-and-blank-line"],
)
def test_it_refuses_an_empty_file(tmp_path: Path, data: bytes) -> None:
    refused = refusal(write(tmp_path, data))

    assert refused.code == "empty"
    assert str(refused.message) == "Le fichier est vide : il ne contient aucune ligne à importer."


def test_it_reads_a_header_without_rows(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, b"Nom;E-mail\r\n"))

    assert table.header == ["Nom", "E-mail"]
    assert rows == []
    assert table.progress() == 1.0


def test_it_finds_the_header_after_blank_lines_and_strips_it(tmp_path: Path) -> None:
    table, rows = read(write(tmp_path, b"\n;;\n  Nom ; Ville ;;\nA;B;;\n"))

    assert (table.header, table.header_line) == (["Nom", "Ville"], 3)
    assert rows == [SourceRow(4, ["A", "B"])]


def test_it_pads_short_rows_trims_trailing_blanks_and_skips_blank_rows(tmp_path: Path) -> None:
    _table, rows = read(write(tmp_path, b"A;B;C\n1;\n\n;;\n1;2;3;;;\n1;2;3;4\n  \n"))

    assert cells(rows) == [["1", "", ""], ["1", "2", "3"], ["1", "2", "3", "4"]]
    assert [row.line for row in rows] == [2, 5, 6]


def test_it_keeps_cells_as_they_are(tmp_path: Path) -> None:
    _table, rows = read(write(tmp_path, b"A;B\n  espace ;007\n"))

    assert cells(rows) == [["  espace ", "007"]]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (os.urandom(4096), "random.csv"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "logo.csv"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "devis.csv"),
        (b"Nom;Ville\nA\x00B;C\n", "nul.csv"),
        (b"\x1f\x8b\x08\x00" + os.urandom(100), "clients.csv.gz"),
    ],
    ids=["random", "png", "pdf", "nul-bytes", "gzip"],
)
def test_it_refuses_binary_files(tmp_path: Path, data: bytes, name: str) -> None:
    refused = refusal(write(tmp_path, data, name))

    assert refused.code == "not_a_table"
    assert "CSV" in str(refused.message)


def test_it_says_what_a_pdf_is(tmp_path: Path) -> None:
    refused = refusal(write(tmp_path, b"%PDF-1.4\n1 0 obj\n", "clients.csv"))

    assert "un document PDF" in str(refused.message)


def test_it_refuses_an_old_excel_file(tmp_path: Path) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le")
    refused = refusal(write(tmp_path, ole2 + bytes(2048), "clients.xls"))

    assert refused.code == "old_excel"
    assert ".xlsx" in str(refused.message) and "CSV" in str(refused.message)


def test_it_refuses_a_password_protected_workbook(tmp_path: Path) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1_500_000)
    directory = (
        "EncryptionInfo".encode("utf-16-le") + bytes(40) + "EncryptedPackage".encode("utf-16-le")
    )
    refused = refusal(write(tmp_path, ole2 + directory + bytes(512), "clients.xlsx"))

    assert refused.code == "encrypted"
    assert "mot de passe" in str(refused.message)


def test_it_reports_a_line_over_the_limit_and_reads_the_next_rows(tmp_path: Path) -> None:
    long_line = b"X;" + b"y" * (MAX_LINE_BYTES + 10) + b"\r\n"
    path = write(tmp_path, b"A;B\r\n1;2\r\n" + long_line + b"3;4\r\n" + long_line + b"5;6")

    _table, rows = read(path)

    assert [row.line for row in rows] == [2, 3, 4, 5, 6]
    assert [row.problem[0] if row.problem else None for row in rows] == [
        None,
        "too_long",
        None,
        "too_long",
        None,
    ]
    assert str(rows[1].problem[1]).startswith("Ligne trop longue")  # type: ignore[index]
    assert cells(rows) == [["1", "2"], ["", ""], ["3", "4"], ["", ""], ["5", "6"]]


def test_it_reads_a_line_of_exactly_the_limit(tmp_path: Path) -> None:
    cell = b"y" * (MAX_LINE_BYTES - 2)
    _table, rows = read(write(tmp_path, b"A;B\n1;" + cell + b"\n2;3\n"))

    assert rows[0].problem is None and rows[0].cells[1] == cell.decode()
    assert rows[1].cells == ["2", "3"]


def test_it_reports_a_too_long_line_ending_with_a_carriage_return(tmp_path: Path) -> None:
    data = b"A;B\r" + b"z" * (MAX_LINE_BYTES + 70_000) + b"\r1;2\r"

    _table, rows = read(write(tmp_path, data))

    assert [(row.line, row.problem and row.problem[0]) for row in rows] == [
        (2, "too_long"),
        (3, None),
    ]


def test_it_refuses_a_header_line_over_the_limit(tmp_path: Path) -> None:
    refused = refusal(write(tmp_path, b"A" * (MAX_LINE_BYTES + 1) + b"\nB\n"))

    assert refused.code == "no_header"
    assert "ligne 1" in str(refused.message)


def test_it_reports_a_row_with_too_many_columns(tmp_path: Path) -> None:
    wide = ";".join(str(n) for n in range(1000)).encode()
    _table, rows = read(write(tmp_path, b"A;B\n" + wide + b"\n1;2\n"))

    problem = rows[0].problem
    assert problem is not None and problem[0] == "too_many_columns"
    assert "1000 colonnes" in str(problem[1])
    assert len(rows[0].cells) == MAX_COLUMNS
    assert rows[1] == SourceRow(3, ["1", "2"])


def test_it_refuses_a_header_with_too_many_columns(tmp_path: Path) -> None:
    header = ";".join(f"Colonne {n}" for n in range(1000)).encode()

    refused = refusal(write(tmp_path, header + b"\n1;2\n"))

    assert refused.code == "too_many_columns"
    assert "500" in str(refused.message)


def test_it_accepts_a_header_padded_with_many_empty_cells(tmp_path: Path) -> None:
    table, _rows = read(write(tmp_path, b"A;B" + b";" * 2000 + b"\n1;2\n"))

    assert table.header == ["A", "B"]


def test_it_takes_a_forced_encoding_and_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, "Nom|Ville,Pays\nMüller|Köln,DE\n".encode("cp1252"))

    table, rows = read(path, encoding="latin-1", delimiter="|")

    assert table.info == reading.SourceInfo("csv", "latin-1", False, "|", None, ())
    assert cells(rows) == [["Müller", "Köln,DE"]]


def test_it_reads_a_forced_encoding_that_is_not_ascii_compatible(tmp_path: Path) -> None:
    path = write(tmp_path, "Nom;Ville\nÉmile;Sète\n".encode("utf-32"))

    _table, rows = read(path, encoding="utf-32")

    assert cells(rows) == [["Émile", "Sète"]]


def test_it_refuses_an_unknown_forced_encoding(tmp_path: Path) -> None:
    for name in ("klingon", "rot13"):
        refused = refusal(write(tmp_path, b"A;B\n1;2\n"), encoding=name)

        assert refused.code == "bad_encoding"
        assert name in str(refused.message)


def test_it_refuses_a_forced_encoding_that_cannot_decode_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "Nom;Ville\nHélène;Besançon\n".encode("cp1252"))

    refused = refusal(path, encoding="utf-8")

    assert refused.code == "bad_encoding"
    assert "utf-8" in str(refused.message)


def test_it_refuses_a_forced_delimiter_that_cannot_be_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        open_table(write(tmp_path, b"A;B\n"), delimiter=";;")


def test_it_reports_progress_from_start_to_end(tmp_path: Path) -> None:
    path = write(tmp_path, b"A;B\n" + b"".join(b"%d;x\n" % n for n in range(100_000)))

    with open_table(path) as table:
        seen = [table.progress()]
        for index, _row in enumerate(table.rows()):
            if index % 20_000 == 0:
                seen.append(table.progress())
        seen.append(table.progress())

    assert seen[0] < 0.2
    assert seen == sorted(seen)
    assert 0.1 < seen[3] < 0.9
    assert seen[-1] == 1.0


def test_it_closes_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"A;B\n1;2\n")

    with open_table(path) as table:
        pass

    table.close()  # twice is fine
    assert table._source._file.closed  # type: ignore[attr-defined]


def test_it_reads_a_big_file_in_bounded_memory_and_quickly(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as file:
        file.write("Nom;Prénom;E-mail;Téléphone;Ville;Code postal;SIRET;Notes\r\n".encode())
        for n in range(50_000):
            file.write(
                f"Société n°{n};Élise;contact{n}@exemple.fr;01 42 68 {n % 100:02d} 00;"
                f"Saint-Étienne;42000;7328293200{n % 10000:04d};"
                '"Une note\r\nsur deux lignes"\r\n'.encode()
            )
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with open_table(path) as table:
            count = sum(1 for _row in table.rows())
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 50_000
    assert peak < 20 * 1024**2
    assert elapsed < 30  # about 1 s untraced; tracemalloc slows it several times
