"""Reading XLSX workbooks: cell types, number formats, sheets, damaged and hostile files."""

from __future__ import annotations

import datetime
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from carnet.imports import xlsx
from carnet.imports.reading import (
    MAX_COLUMNS,
    MAX_LINE_BYTES,
    FileRefused,
    SourceInfo,
    SourceRow,
    Table,
    open_table,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def read(path: Path, **options: str) -> tuple[Table, list[SourceRow]]:
    with open_table(path, **options) as table:
        return table, list(table.rows())


def cells(rows: list[SourceRow]) -> list[list[str]]:
    return [row.cells for row in rows]


def refusal(path: Path, **options: str) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        with open_table(path, **options) as table:
            list(table.rows())
    return caught.value


def workbook(tmp_path: Path, *rows: list[object], name: str = "clients.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Clients"
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def handmade(
    tmp_path: Path,
    sheets: list[tuple[str, str]],
    *,
    shared: list[str] | None = None,
    styles: str | None = None,
    workbook_pr: str = "",
    chartsheet: bool = False,
    absolute: bool = False,
    name: str = "fait-main.xlsx",
) -> Path:
    """An XLSX package written by hand: ``sheets`` are (name, sheetData content) pairs."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries, relations = [], []
        for index, (sheet_name, data) in enumerate(sheets, start=1):
            entries.append(f'<sheet name="{sheet_name}" sheetId="{index}" r:id="rId{index}"/>')
            target = (
                f"/xl/worksheets/sheet{index}.xml" if absolute else f"worksheets/sheet{index}.xml"
            )
            relations.append(
                f'<Relationship Id="rId{index}" Type="{DOC}/worksheet" Target="{target}"/>'
            )
            package.writestr(
                f"xl/worksheets/sheet{index}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
                f"<sheetData>{data}</sheetData></worksheet>",
            )
        if chartsheet:
            entries.insert(0, '<sheet name="Graphique" sheetId="99" r:id="rId99"/>')
            relations.append(
                f'<Relationship Id="rId99" Type="{DOC}/chartsheet" '
                'Target="chartsheets/sheet1.xml"/>'
            )
            package.writestr("xl/chartsheets/sheet1.xml", f'<chartsheet xmlns="{MAIN}"/>')
        if shared is not None:
            relations.append(
                f'<Relationship Id="rIdS" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            )
            package.writestr(
                "xl/sharedStrings.xml",
                f'<sst xmlns="{MAIN}">' + "".join(shared) + "</sst>",
            )
        if styles is not None:
            relations.append(f'<Relationship Id="rIdY" Type="{DOC}/styles" Target="styles.xml"/>')
            package.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
        package.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}">{workbook_pr}'
            f"<sheets>{''.join(entries)}</sheets></workbook>",
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}">{"".join(relations)}</Relationships>',
        )
    return path


def test_it_reads_a_workbook_saved_by_openpyxl(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["Nom", "Ville"], ["Élodie Durand", "Besançon"], ["Zoé", "Sète"])

    table, rows = read(path)

    assert table.info == SourceInfo("xlsx", None, False, None, "Clients", ("Clients",))
    assert (table.header, table.header_line) == (["Nom", "Ville"], 1)
    assert rows == [SourceRow(2, ["Élodie Durand", "Besançon"]), SourceRow(3, ["Zoé", "Sète"])]


def test_it_reads_a_workbook_written_by_carnets_export_writer(tmp_path: Path) -> None:
    from rustpy_xlsxwriter import FastExcel

    path = tmp_path / "export.xlsx"
    record = {
        "Nom": "Élodie",
        "SIRET": "73282932000074",
        "Montant": 12.5,
        "Créé le": datetime.date(2024, 1, 15),
        "Actif": True,
        "Effectif": 6000,
    }
    FastExcel(str(path)).format(bold_headers=True).sheet("Clients", [record]).save()

    table, rows = read(path)

    assert table.header == list(record)
    assert cells(rows) == [["Élodie", "73282932000074", "12.5", "2024-01-15", "VRAI", "6000"]]


def shared_sheet(texts: list[list[str]]) -> tuple[str, list[str]]:
    """sheetData content and shared strings for rows of text, as Excel writes them."""
    shared: list[str] = []
    index: dict[str, int] = {}
    data = []
    for number, row in enumerate(texts, start=1):
        row_cells = []
        for column, text in enumerate(row):
            if text not in index:
                index[text] = len(shared)
                shared.append(f'<si><t xml:space="preserve">{text}</t></si>')
            reference = f"{chr(65 + column)}{number}"
            row_cells.append(f'<c r="{reference}" t="s"><v>{index[text]}</v></c>')
        data.append(f'<row r="{number}">{"".join(row_cells)}</row>')
    return "".join(data), shared


def test_it_reads_shared_strings(tmp_path: Path) -> None:
    data, shared = shared_sheet([["Nom", "Ville"], ["Élodie", "Besançon"], ["Zoé", "Besançon"]])

    table, rows = read(handmade(tmp_path, [("Feuil1", data)], shared=shared))

    assert table.header == ["Nom", "Ville"]
    assert cells(rows) == [["Élodie", "Besançon"], ["Zoé", "Besançon"]]


def test_it_reads_rich_text_as_plain_text(tmp_path: Path) -> None:
    rich = CellRichText("Société ", TextBlock(InlineFont(b=True), "Générale"), " SA")
    path = workbook(tmp_path, ["Nom"], [rich])

    _table, rows = read(path)

    assert cells(rows) == [["Société Générale SA"]]


def test_it_concatenates_runs_and_ignores_phonetic_readings(tmp_path: Path) -> None:
    shared = [
        "<si><t>Nom</t></si>",
        '<si><r><rPr><b/></rPr><t xml:space="preserve">Tanaka </t></r><r><t>Tarō</t></r>'
        '<rPh sb="0" eb="1"><t>タナカ</t></rPh></si>',
        "<si><t>A &amp; B &lt;C&gt;</t></si>",
    ]
    data = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>2</v></c></row>'
    )
    _table, rows = read(handmade(tmp_path, [("Feuil1", data)], shared=shared))

    assert cells(rows) == [["Tanaka Tarō"], ["A & B <C>"]]


def test_it_reads_inline_strings_formula_text_and_typed_dates(tmp_path: Path) -> None:
    data = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Calcul</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>Date</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><r><t>Dur</t></r><r><t>and</t></r></is></c>'
        '<c r="B2" t="str"><f>UPPER(A2)</f><v>DURAND</v></c>'
        '<c r="C2" t="d"><v>2024-03-05T00:00:00Z</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve"> espace </t></is></c>'
        '<c r="C3" t="d"><v>2024-03-05T14:07:09</v></c></row>'
    )
    _table, rows = read(handmade(tmp_path, [("Feuil1", data)]))

    assert cells(rows) == [
        ["Durand", "DURAND", "2024-03-05"],
        [" espace ", "", "2024-03-05T14:07:09"],
    ]


def test_it_reads_numbers_as_the_user_sees_them(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        ["SIRET", "Code postal", "Montant", "Calcul", "Grand", "Petit", "Négatif", "Téléphone"],
        [73282932000074, 6000, 12.5, 0.1 + 0.2, 1e16, 1.5e-7, -42, 612345678],
    )
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["B2"].number_format = "00000"
    sheet["H2"].number_format = "0000000000"
    book.save(path)

    _table, rows = read(path)

    assert cells(rows) == [
        [
            "73282932000074",
            "06000",
            "12.5",
            "0.3",
            "10000000000000000",
            "0.00000015",
            "-42",
            "0612345678",
        ]
    ]


def test_it_reads_dates_with_and_without_time(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        ["Date", "Moment", "Heure", "Personnalisée"],
        [
            datetime.date(2024, 1, 15),
            datetime.datetime(2024, 1, 15, 10, 30, 5),
            datetime.time(8, 15),
            datetime.date(1999, 12, 31),
        ],
    )
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["D2"].number_format = 'dd/mm/yyyy" (jour)";[Red]@'
    book.save(path)

    _table, rows = read(path)

    assert cells(rows) == [["2024-01-15", "2024-01-15T10:30:05", "08:15:00", "1999-12-31"]]


def test_it_reads_dates_of_the_1904_system(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.append(["Date"])
    sheet.append([datetime.date(2024, 1, 15)])
    path = tmp_path / "mac.xlsx"
    book.save(path)

    _table, rows = read(path)

    assert cells(rows) == [["2024-01-15"]]


def test_it_reads_styled_numbers_from_built_in_and_custom_formats(tmp_path: Path) -> None:
    styles = (
        '<numFmts count="3"><numFmt numFmtId="164" formatCode="00000"/>'
        '<numFmt numFmtId="165" formatCode="[$-40C]d\\ mmmm\\ yyyy"/>'
        '<numFmt numFmtId="166" formatCode="#,##0.00\\ &quot;€&quot;"/></numFmts>'
        '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
        '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>'
        '<xf numFmtId="166"/><xf numFmtId="22"/></cellXfs>'
    )
    data = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c></row>'
        '<row r="2"><c r="A2" s="1"><v>6000</v></c><c r="B2" s="2"><v>45306</v></c>'
        '<c r="C2" s="3"><v>1234.5</v></c><c r="D2" s="4"><v>45306.75</v></c>'
        '<c r="E2" s="0"><v>45306</v></c><c r="F2" s="1"><v>12.5</v></c></row>'
    )
    _table, rows = read(handmade(tmp_path, [("Feuil1", data)], styles=styles))

    assert cells(rows) == [
        ["06000", "2024-01-15", "1234.5", "2024-01-15T18:00:00", "45306", "12.5"]
    ]


def test_it_reads_booleans_in_french_and_errors_as_shown(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["Actif", "Ancien", "Erreur"], [True, False, "#N/A"])

    _table, rows = read(path)

    assert cells(rows) == [["VRAI", "FAUX", "#N/A"]]


def test_it_places_sparse_cells_by_their_reference(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["A", "B", "C", "D"])
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["C4"] = "c4"
    sheet["A6"] = "a6"
    sheet["AB6"] = "ab6"
    book.save(path)

    _table, rows = read(path)

    assert rows[0] == SourceRow(4, ["", "", "c4", ""])
    assert rows[1].line == 6
    assert rows[1].cells[0] == "a6" and rows[1].cells[27] == "ab6"
    assert len(rows[1].cells) == 28


def test_it_places_cells_and_rows_without_references_in_sequence(tmp_path: Path) -> None:
    data = (
        '<row><c t="inlineStr"><is><t>A</t></is></c><c t="inlineStr"><is><t>B</t></is></c></row>'
        '<row><c><v>1</v></c><c r="D2"><v>4</v></c><c><v>5</v></c></row>'
        '<row r="7"><c><v>7</v></c></row><row><c r="B8"><v>8</v></c></row>'
    )
    _table, rows = read(handmade(tmp_path, [("Feuil1", data)]))

    assert rows == [
        SourceRow(2, ["1", "", "", "4", "5"]),
        SourceRow(7, ["7", ""]),
        SourceRow(8, ["", "8"]),
    ]


def test_it_reads_a_workbook_whose_elements_have_a_prefix(tmp_path: Path) -> None:
    path = tmp_path / "prefixe.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(
            "xl/workbook.xml",
            f'<x:workbook xmlns:x="{MAIN}" xmlns:rel="{DOC}"><x:sheets>'
            '<x:sheet name="Données" sheetId="1" rel:id="rId1"/></x:sheets></x:workbook>',
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        package.writestr(
            "xl/worksheets/sheet1.xml",
            f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
            '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Nom</x:t></x:is></x:c></x:row>'
            '<x:row r="2"><x:c r="A2"><x:v>3.0</x:v></x:c></x:row>'
            "</x:sheetData></x:worksheet>",
        )

    table, rows = read(path)

    assert (table.info.sheet, table.header, cells(rows)) == ("Données", ["Nom"], [["3"]])


def test_it_reads_the_first_worksheet_or_the_one_named(tmp_path: Path) -> None:
    sheets = [
        ("Clients", '<row r="1"><c r="A1"><v>1</v></c></row>'),
        (
            "Prospects",
            '<row r="3"><c r="A3"><v>2</v></c></row><row r="4"><c r="A4"><v>3</v></c></row>',
        ),
    ]
    path = handmade(tmp_path, sheets, chartsheet=True, absolute=True)

    first, _rows = read(path)
    named, rows = read(path, sheet="prospects")

    assert first.info.sheets == ("Clients", "Prospects")  # the chart sheet is not one
    assert (first.info.sheet, first.header) == ("Clients", ["1"])
    assert (named.info.sheet, named.header, named.header_line) == ("Prospects", ["2"], 3)
    assert rows == [SourceRow(4, ["3"])]


def test_it_skips_a_hidden_first_sheet_by_default(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    lists = book.active
    assert lists is not None
    lists.title = "Listes"
    lists.append(["Choix"])
    lists.sheet_state = "hidden"
    book.create_sheet("Clients").append(["Nom"])
    path = tmp_path / "cache.xlsx"
    book.save(path)

    table, _rows = read(path)

    assert (table.info.sheet, table.info.sheets) == ("Clients", ("Listes", "Clients"))


def test_it_refuses_an_unknown_sheet_and_lists_the_others(tmp_path: Path) -> None:
    path = handmade(tmp_path, [("Clients", ""), ("Prospects", "")])

    refused = refusal(path, sheet="Fournisseurs")

    assert refused.code == "unknown_sheet"
    assert str(refused.message) == (
        "Le classeur n'a pas de feuille « Fournisseurs ». "
        "Feuilles disponibles : « Clients », « Prospects »."
    )


def test_it_refuses_an_empty_sheet_and_names_the_other_sheets(tmp_path: Path) -> None:
    path = handmade(tmp_path, [("Vide", '<row r="1"><c r="A1" s="3"/></row>'), ("Clients", "")])

    refused = refusal(path)

    assert refused.code == "empty"
    assert "« Vide »" in str(refused.message) and "« Clients »" in str(refused.message)


def test_it_reads_a_header_without_rows(tmp_path: Path) -> None:
    table, rows = read(workbook(tmp_path, ["Nom", "E-mail"]))

    assert (table.header, rows) == (["Nom", "E-mail"], [])


def test_it_reads_a_workbook_whatever_its_name(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["Nom"], ["A"], name="export.csv")

    table, rows = read(path)

    assert (table.info.format, cells(rows)) == ("xlsx", [["A"]])


def test_it_reads_a_csv_named_like_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsx"
    path.write_bytes(b"Nom;Ville\nA;B\n")

    table, rows = read(path)

    assert (table.info.format, cells(rows)) == ("csv", [["A", "B"]])


def test_it_refuses_an_xlsx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsx"
    path.write_bytes(bytes(range(256)) * 16)

    assert refusal(path).code == "not_a_table"


def test_it_refuses_a_damaged_zip(tmp_path: Path) -> None:
    good = workbook(tmp_path, ["Nom"], ["A"]).read_bytes()
    path = tmp_path / "tronque.xlsx"
    path.write_bytes(good[: len(good) // 2])

    refused = refusal(path)

    assert refused.code == "invalid_xlsx"
    assert "endommagé" in str(refused.message)


def test_it_refuses_a_zip_without_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("lisezmoi.txt", "bonjour")

    refused = refusal(path)

    assert refused.code == "invalid_xlsx"
    assert "n'est pas un classeur Excel" in str(refused.message)


def test_it_refuses_an_opendocument_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "clients.ods"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("content.xml", "<office:document-content/>")

    refused = refusal(path)

    assert refused.code == "invalid_xlsx"
    assert ".ods" in str(refused.message)


def test_it_refuses_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "lettre.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        package.writestr("word/document.xml", '<w:document xmlns:w="urn:w"><w:body/></w:document>')

    refused = refusal(path)

    assert refused.code == "invalid_xlsx"
    assert "n'est pas un classeur Excel" in str(refused.message)


def test_it_refuses_a_binary_workbook(tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsb"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        package.writestr("xl/workbook.bin", bytes(100))

    refused = refusal(path)

    assert refused.code == "invalid_xlsx"
    assert ".xlsb" in str(refused.message)


def test_it_refuses_a_sheet_found_damaged_while_reading_its_rows(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Client numéro {n}</t></is></c></row>'
        for n in range(1, 30_000)
    )
    path = handmade(tmp_path, [("Feuil1", rows + '<row r="30000"><c r="A30000"><v>1</c></row>')])

    with open_table(path) as table:
        assert table.header == ["Client numéro 1"]
        with pytest.raises(FileRefused) as caught:
            for _row in table.rows():
                pass

    assert caught.value.code == "invalid_xlsx"


def test_it_refuses_bad_xml(tmp_path: Path) -> None:
    path = handmade(tmp_path, [("Feuil1", '<row r="1"><c r="A1"><v>1</v></row>')])

    assert refusal(path).code == "invalid_xlsx"


def test_it_refuses_xml_declaring_entities(tmp_path: Path) -> None:
    path = handmade(tmp_path, [("Feuil1", "")])
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t>'
        "</is></c></row></sheetData></worksheet>"
    )
    rewritten = tmp_path / "entites.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
        for info in source.infolist():
            data = bomb.encode() if info.filename.endswith("sheet1.xml") else source.read(info)
            target.writestr(info.filename, data)

    assert refusal(rewritten).code == "invalid_xlsx"


def test_it_refuses_a_shared_string_index_past_the_table(tmp_path: Path) -> None:
    data = '<row r="1"><c r="A1" t="s"><v>5</v></c></row>'
    path = handmade(tmp_path, [("Feuil1", data)], shared=["<si><t>Nom</t></si>"])

    assert refusal(path).code == "invalid_xlsx"


def _zeros(size: int) -> Iterator[bytes]:
    block = bytes(1024 * 1024)
    for _ in range(size // len(block)):
        yield block


def test_it_refuses_a_zip_bomb(tmp_path: Path) -> None:
    path = handmade(tmp_path, [("Feuil1", "")])
    bomb = tmp_path / "bombe.xlsx"
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename.endswith("sheet1.xml"):
                with target.open(info.filename, "w", force_zip64=True) as part:
                    for block in _zeros(300 * 1024 * 1024):
                        part.write(block)
            else:
                target.writestr(info.filename, source.read(info))
    assert bomb.stat().st_size < 2 * 1024 * 1024

    refused = refusal(bomb)

    assert refused.code == "zip_bomb"
    assert "sécurité" in str(refused.message)


def test_it_refuses_a_part_bigger_than_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED_BYTES", 10_000)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 10007}</v></c></row>' for n in range(1, 500)
    )

    assert refusal(handmade(tmp_path, [("Feuil1", rows)])).code == "zip_bomb"


def test_it_reports_a_row_over_the_limit_and_reads_the_next(tmp_path: Path) -> None:
    huge = "x" * (MAX_LINE_BYTES + 10)
    data = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{huge}</t></is></c></row>'
        f'<row r="3"><c r="A3" t="s"><v>1</v></c></row>'
        '<row r="4"><c r="A4"><v>4</v></c></row>'
    )
    shared = ["<si><t>Nom</t></si>", f"<si><t>{huge}</t></si>"]
    _table, rows = read(handmade(tmp_path, [("Feuil1", data)], shared=shared))

    assert [(row.line, row.problem and row.problem[0]) for row in rows] == [
        (2, "too_long"),
        (3, "too_long"),
        (4, None),
    ]
    assert cells(rows) == [[""], [""], ["4"]]


def test_it_reports_a_row_with_too_many_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Nom", "Ville"])
    sheet.append(list(range(1000)))
    sheet.append(["A", "B"])
    path = tmp_path / "large.xlsx"
    book.save(path)

    _table, rows = read(path)

    assert rows[0].problem is not None and rows[0].problem[0] == "too_many_columns"
    assert "1000 colonnes" in str(rows[0].problem[1])
    assert rows[1] == SourceRow(3, ["A", "B"])


def test_it_refuses_a_header_with_too_many_columns(tmp_path: Path) -> None:
    path = workbook(tmp_path, [f"Colonne {n}" for n in range(MAX_COLUMNS + 1)])

    assert refusal(path).code == "too_many_columns"


def test_it_spills_big_shared_string_tables_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "SMALL_STRINGS_BYTES", 0)
    texts = [["Nom", "Ville", "Note"]] + [
        [f"Client {n} é", "Orléans" if n % 3 == 0 else " ", f"€{n}"] for n in range(3000)
    ]
    data, shared = shared_sheet(texts)
    path = handmade(tmp_path, [("Feuil1", data)], shared=[*shared, "<si><t/></si>"])

    with open_table(path) as table:
        strings = table._source._strings  # type: ignore[attr-defined]
        assert strings is not None and strings._list is None  # on disk
        assert strings.get(len(strings) - 1) == ""
        rows = list(table.rows())

    assert len(rows) == 3000
    assert rows[0].cells == ["Client 0 é", "Orléans", "€0"]
    assert rows[1].cells == ["Client 1 é", " ", "€1"]
    assert rows[2997].cells == ["Client 2997 é", "Orléans", "€2997"]
    assert strings._data is None  # the temporary files are closed, so gone


def test_it_reports_progress(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Clients")
    for n in range(20_000):
        sheet.append([n, f"x{n}"])
    path = tmp_path / "progression.xlsx"
    book.save(path)

    with open_table(path) as table:
        seen = [table.progress()]
        for index, _row in enumerate(table.rows()):
            if index % 5000 == 0:
                seen.append(table.progress())
    seen.append(table.progress())

    assert seen == sorted(seen)
    assert seen[1] < 1.0 and seen[-1] == 1.0


def test_it_reads_a_big_sheet_in_bounded_memory(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Clients")
    sheet.append([f"Colonne {n}" for n in range(10)])
    for n in range(10_000):
        sheet.append([f"Client {n}", n, n * 1.5, "Paris", f"c{n}@exemple.fr", 1, 2, 3, 4, 5])
    path = tmp_path / "gros.xlsx"
    book.save(path)

    tracemalloc.start()
    try:
        with open_table(path) as table:
            count = sum(1 for _row in table.rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 10_000
    assert peak < 20 * 1024**2
