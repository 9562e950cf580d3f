"""Reading uploads: every encoding and separator, Excel sheets, limits, damaged files.

All files are built in the tests (tests/upload_samples.py) and are synthetic.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from tests import upload_samples as samples
from tracker import config
from tracker.ingest import readers

LIMITS = config.Limits(max_upload_mb=5, max_rows=1000, max_columns=50, max_cell_chars=20_000)


def _expected() -> pd.DataFrame:
    rows = samples.canonical_rows()
    return pd.DataFrame(rows, columns=samples.CANONICAL_HEADER)


def _assert_same_cells(read: readers.ReadResult, rows: list[dict]) -> None:
    assert list(read.frame.columns) == samples.CANONICAL_HEADER
    assert list(read.frame.index) == list(range(2, 2 + len(rows)))
    for number, row in zip(read.frame.index, rows, strict=True):
        for column in samples.CANONICAL_HEADER:
            got = read.frame.at[number, column]
            want = row[column]
            if want in ("", None):
                assert pd.isna(got), (number, column, got)
            else:
                assert got == str(want), (number, column, got)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected_encoding"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ",", "utf-8-sig"),
        ("utf-16", ",", "utf-16"),
        ("utf-16-le", ",", "utf-16-le"),
        ("utf-8", ";", "utf-8"),
        ("utf-8", "\t", "utf-8"),
        ("utf-16", "\t", "utf-16"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16-no-bom", "semicolon", "tab", "utf16-tab"],
)
def test_unicode_encodings_and_separators_keep_every_cell_and_the_urdu_text(
        encoding, delimiter, expected_encoding):
    rows = samples.canonical_rows()
    data = samples.to_csv(rows, samples.CANONICAL_HEADER, delimiter, encoding)
    read = readers.read_upload(data, "log.csv", limits=LIMITS)
    assert read.encoding == expected_encoding
    assert read.delimiter == delimiter
    _assert_same_cells(read, rows)
    assert read.frame.at[2, "summary"] == samples.URDU


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_1252_and_latin1_are_detected(encoding):
    rows = [dict(r, summary="SYNTHETIC café crème, señor") for r in samples.canonical_rows()]
    rows[2]["summary"] = "SYNTHETIC “quoted” – dash" if encoding == "cp1252" else "SYNTHETIC ±½"
    data = samples.to_csv(rows, samples.CANONICAL_HEADER, ",", encoding)
    read = readers.read_upload(data, "log.csv", limits=LIMITS)
    assert read.encoding in {"cp1252", "latin-1"}
    assert read.frame.at[2, "summary"] == "SYNTHETIC café crème, señor"
    assert read.frame.at[4, "summary"] == rows[2]["summary"]
    assert any("not UTF-8" in note for note in read.notes)


def test_a_file_mixing_utf8_and_cp1252_lines_is_read_line_by_line_with_a_note():
    good = samples.to_csv(samples.canonical_rows(), samples.CANONICAL_HEADER)
    bad_line = "T-9,2025-01-01,day,Sindh,Karachi,,,,,bombing,police,,,1,,,,SYNTHETIC café,,S,"
    data = good + bad_line.encode("cp1252") + b"https://example.invalid/x\r\n"
    read = readers.read_upload(data, "mixed.csv", limits=LIMITS)
    assert read.encoding == "utf-8+cp1252"
    assert read.frame.at[2, "summary"] == samples.URDU
    assert read.frame.at[6, "summary"] == "SYNTHETIC café"
    assert any("mixes encodings" in note for note in read.notes)


def test_xlsx_first_sheet_and_named_sheet():
    header = ["date", "province", "attack_type", "summary"]
    data = samples.to_xlsx({
        "First": [header, ["2025-01-02", "Sindh", "bombing", samples.URDU]],
        "Second": [header, ["2025-02-03", "Punjab", "other", "SYNTHETIC"],
                   ["2025-02-04", "Punjab", "other", None]],
    })
    first = readers.read_upload(data, "book.xlsx", limits=LIMITS)
    assert first.kind == "xlsx" and first.sheet == "First"
    assert first.sheets == ("First", "Second")
    assert first.frame.at[2, "summary"] == samples.URDU
    second = readers.read_upload(data, "book.xlsx", sheet="Second", limits=LIMITS)
    assert list(second.frame["date"]) == ["2025-02-03", "2025-02-04"]
    assert pd.isna(second.frame.at[3, "summary"])
    assert readers.sheet_names(data) == ["First", "Second"]
    with pytest.raises(readers.ReadError, match="no sheet called 'Third'"):
        readers.read_upload(data, "book.xlsx", sheet="Third", limits=LIMITS)


def test_xlsx_cells_become_text_without_losing_anything():
    import datetime as dt

    data = samples.to_xlsx({"S": [
        ["date", "killed", "latitude", "flag"],
        [dt.datetime(2025, 3, 16), 12, 33.5, True],
        [dt.datetime(2025, 3, 16, 14, 30), 12.0, 71.123456, False],
        [45735, None, None, None],
    ]})
    frame = readers.read_upload(data, "cells.xlsx", limits=LIMITS).frame
    assert frame.loc[2].tolist() == ["2025-03-16", "12", "33.5", "TRUE"]
    assert frame.loc[3].tolist() == ["2025-03-16 14:30:00", "12", "71.123456", "FALSE"]
    assert frame.at[4, "date"] == "45735"


def test_row_numbers_match_the_spreadsheet_and_blank_rows_are_counted_apart():
    text = ("date,province,attack_type\r\n2025-01-01,Sindh,bombing\r\n,,\r\n\r\n"
            "2025-01-02,Sindh,\"two\nlines\"\r\n2025-01-03,Sindh,other\r\n")
    read = readers.read_upload(text.encode(), "gaps.csv", limits=LIMITS)
    assert list(read.frame.index) == [2, 5, 6]
    assert read.blank_rows == 2
    assert read.frame.at[5, "attack_type"] == "two\nlines"


def test_a_row_with_too_many_cells_is_kept_as_a_problem_not_dropped():
    text = "date,province\r\n2025-01-01,Sindh\r\n2025-01-02,Sindh,extra,cells\r\n2025-01-03\r\n"
    read = readers.read_upload(text.encode(), "shifted.csv", limits=LIMITS)
    assert list(read.frame.index) == [2, 4]
    assert pd.isna(read.frame.at[4, "province"])
    assert set(read.row_problems) == {3}
    assert "has 4 cells but the header has 2" in read.row_problems[3]


def test_duplicate_and_blank_headers_are_renamed_with_notes():
    text = "date,date,,\r\n2025-01-01,2025-01-02,x,\r\n"
    read = readers.read_upload(text.encode(), "headers.csv", limits=LIMITS)
    assert list(read.frame.columns) == ["date", "date (2)", "column 3"]
    assert any("appears more than once" in n for n in read.notes)
    assert any("empty column" in n for n in read.notes)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (bytes(range(256)) * 50, "garbage.csv", "binary data"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", "old-style Excel"),
        (b"not a zip at all", "book.xlsx", r"not a valid \.xlsx"),
        (b"PK\x03\x04truncated", "book.xlsx", "damaged or truncated"),
    ],
    ids=["empty", "binary", "xls", "renamed", "truncated-zip"],
)
def test_unreadable_files_give_a_clear_message(data, name, message):
    with pytest.raises(readers.ReadError, match=message):
        readers.read_upload(data, name, limits=LIMITS)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(readers.ReadError, match=r"not an Excel \.xlsx"):
        readers.read_upload(buffer.getvalue(), "sheet.ods", limits=LIMITS)


def test_a_zip_bomb_workbook_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(readers.ReadError, match="zip bomb"):
        readers.read_upload(data, "bomb.xlsx", limits=LIMITS)


def test_size_row_and_column_limits_each_say_so():
    small = config.Limits(max_upload_mb=1, max_rows=3, max_columns=4, max_cell_chars=100)
    with pytest.raises(readers.ReadError, match="limit is 1 MB"):
        readers.read_upload(b"a,b\n" + b"1,2\n" * 400_000, "big.csv", limits=small)
    rows = "date,x\n" + "2025-01-01,1\n" * 4
    with pytest.raises(readers.ReadError, match="more than 3 rows"):
        readers.read_upload(rows.encode(), "rows.csv", limits=small)
    wide = ",".join(f"c{i}" for i in range(5)) + "\n" + ",".join("1" * 5) + "\n"
    with pytest.raises(readers.ReadError, match="5 columns; the limit is 4"):
        readers.read_upload(wide.encode(), "wide.csv", limits=small)


def test_sniffing_prefers_the_separator_that_splits_rows_consistently():
    assert readers.sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n") == ";"
    assert readers.sniff_delimiter("a,b\n\"1;2\",3\n") == ","
    assert readers.sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert readers.sniff_delimiter("justone\nvalue\n") == ","


@pytest.mark.parametrize("kind", ["csv", "csv-excel-style", "xlsx"])
def test_title_lines_above_the_header_are_skipped_with_a_note(kind):
    rows = samples.canonical_rows()
    cells = [[row[c] for c in samples.CANONICAL_HEADER] for row in rows]
    width = len(samples.CANONICAL_HEADER)
    if kind == "xlsx":
        data = samples.to_xlsx({"Log": [["SYNTHETIC incident log"], [],
                                        ["Prepared by", "SYNTHETIC"],
                                        samples.CANONICAL_HEADER, *cells]})
    else:
        pad = "," * (width - 1) if kind == "csv-excel-style" else ""
        data = (f"SYNTHETIC incident log{pad}\r\n{pad}\r\nPrepared by,SYNTHETIC{pad[1:]}\r\n"
                ).encode() + samples.to_csv(rows, samples.CANONICAL_HEADER)
    read = readers.read_upload(data, f"titled.{kind.split('-')[0]}", limits=LIMITS)
    assert read.header_row == 4
    assert list(read.frame.columns) == samples.CANONICAL_HEADER
    assert list(read.frame.index) == [5, 6, 7, 8]
    assert read.frame.at[5, "summary"] == samples.URDU
    assert read.notes[0].startswith("The header is row 4; row(s) 1, 3 above it look like a "
                                    "title")


@pytest.mark.parametrize("text", [
    "date,province\r\n2025-01-01,Sindh,x,y,z\r\n",          # a short header stays the header
    "SYNTHETIC title\r\nalpha,beta\r\ngamma,delta\r\n",       # too narrow to tell
    "a,b,c,d\r\n1,2,3,4\r\n",                                 # an ordinary file
])
def test_the_header_is_not_moved_unless_a_title_is_clear(text):
    read = readers.read_upload(text.encode(), "plain.csv", limits=LIMITS)
    assert read.header_row == 1
    assert not any("title" in note for note in read.notes)
