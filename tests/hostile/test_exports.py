"""Every spreadsheet the app hands out is inert: no cell a spreadsheet would run.

Covers the downloads that carry text from outside: the audit log (names typed into the
sign-in form), the rejected rows of an upload (the file's own cells and headers) and the
incidents (tested with uploaded payloads in ``test_files.py``).
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.hostile import files
from tracker.access.accounts import Accounts
from tracker.ingest import pipeline as ingest
from tracker.present import safety

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_inert_csv(data: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for row in rows:
        for cell in row:
            assert _number(cell) or not cell.startswith(FORMULA_STARTS), cell
    return rows


def assert_inert_xlsx(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for cell in cells:
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_STARTS), cell.value
    return [c.value for c in cells]


def test_the_audit_log_export_is_inert_when_names_are_formulas(store, tmp_path):
    accounts = Accounts(store)
    for payload in files.PAYLOADS.values():
        accounts.authenticate(payload, "guess")
    log = store.audit_log()
    assert len(log) == len(files.PAYLOADS)
    rows = assert_inert_csv(safety.to_safe_csv(log))
    assert any(cell.startswith("'=hyperlink") for row in rows for cell in row)  # lower-cased
    values = assert_inert_xlsx(safety.to_safe_excel(log, sheet_name="audit log"))
    assert any(isinstance(v, str) and v.startswith("'@sum") for v in values)


def test_rejected_rows_download_is_inert_even_with_formula_headers():
    frame = files.district_rows(3)
    frame.loc[1, "date"] = "=1+1"  # not a date: the row is rejected and offered for download
    frame["=HYPERLINK(\"https://evil.example\",\"x\")"] = "@SUM(1)"
    report = ingest.ingest_bytes(files.to_csv(frame), "formula-headers.csv")
    assert report.rejected == 1
    rows = assert_inert_csv(safety.to_safe_csv(report.rejected_file_rows()))
    assert rows[0][-1].startswith("'=HYPERLINK") or any(c.startswith("'=HYPERLINK")
                                                         for c in rows[0])
    assert any(c == "'=1+1" for row in rows[1:] for c in row)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_neutralised_in_both_formats(start):
    import pandas as pd

    frame = pd.DataFrame({f"{start}head": [f"{start}1+1", "plain", None], "n": [1, -2, 3]})
    rows = assert_inert_csv(safety.to_safe_csv(frame))
    assert rows[1][0] == f"'{start}1+1" and rows[2][1] == "-2"  # numbers stay numbers
    values = assert_inert_xlsx(safety.to_safe_excel(frame))
    assert f"'{start}1+1" in values and -2 in values
