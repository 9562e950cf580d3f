"""Hostile files through the real upload pipeline: a clear message or inert data, never a crash.

Each file is built in code (:mod:`tests.hostile.files`). For every one: the pipeline
returns a report (it never raises), the counts add up, a refusal is one plain sentence,
and whatever is accepted lands in the store exactly as written — text stays text.
"""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import files
from tracker import config
from tracker.access import batch_actions
from tracker.access.roles import PermissionDenied, User
from tracker.ingest import pipeline as ingest
from tracker.present import export
from tracker.store.database import Store

RESEARCHER = User("ayesha", "researcher")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def run(data: bytes, name: str, store: Store | None = None, **limits) -> ingest.IngestReport:
    """The pipeline on one file, with the invariants every report must keep."""
    chosen = config.Limits(**{**config.limits().__dict__, **limits}) if limits else None
    report = ingest.ingest_bytes(data, name, store=store, limits=chosen)
    assert report.adds_up, report.counts()
    if report.error:
        assert report.rows == 0
        assert_plain_sentence(report.error)
    for rejection in report.rejections:
        assert rejection["reason"]
        assert rejection["value"] is None or len(rejection["value"]) <= 250
    return report


def assert_plain_sentence(message: str) -> None:
    assert 10 < len(message) < 400, message
    assert "Traceback" not in message and "\x00" not in message
    assert message.isprintable(), repr(message)


def land(report: ingest.IngestReport, store: Store) -> pd.DataFrame:
    """Commit as a researcher; return the stored incidents of the new batch."""
    before = store.count_incidents()
    batch_id = batch_actions.commit_upload(report, store, RESEARCHER)
    stored = store.load_incidents()
    stored = stored[stored["batch_id"] == batch_id]
    assert len(stored) == report.accepted == store.count_incidents() - before
    return stored


# --- text that means something elsewhere --------------------------------------------------


def test_html_script_markdown_and_formulas_in_every_text_field_are_stored_as_written(store):
    source = files.payload_rows()
    report = run(files.to_csv(source), "payloads.csv", store)
    assert report.error is None and report.accepted == len(source)
    stored = land(report, store).set_index("incident_id")
    for row in source.itertuples(index=False):
        for column in files.FREE_TEXT:
            written = getattr(row, column).strip()
            kept = stored.loc[row.incident_id, column]
            # the pipeline appends its own notes on a row after the file's notes
            assert kept.startswith(written + "; upload:") if column == "notes" and (
                kept != written) else kept == written
    assert stored.loc[source.loc[0, "incident_id"], "source_url"] == files.URL_PAYLOAD


def test_exports_of_hostile_rows_cannot_run_as_formulas(store):
    report = run(files.to_csv(files.payload_rows()), "payloads.csv", store)
    stored = land(report, store)
    text = export.incidents_csv(stored).decode("utf-8-sig")
    for line in text.splitlines()[1:]:
        for cell in next(iter(pd.read_csv(io.StringIO(line), header=None, dtype=str)
                              .itertuples(index=False))):
            if isinstance(cell, str):
                assert not cell.startswith(FORMULA_STARTS), cell
    book = openpyxl.load_workbook(io.BytesIO(export.incidents_excel(stored)))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert any(t.startswith("'=HYPERLINK") for t in texts)


def test_formula_cells_in_a_workbook_are_never_evaluated_or_stored_as_formulas(store):
    frame = files.district_rows(3, dt.date(2024, 1, 1))
    data = files.to_xlsx(frame, {(0, "summary"): '=HYPERLINK("https://evil.example","x")',
                                 (1, "killed"): "=1+1"})
    report = run(data, "formulas.xlsx", store)
    assert report.accepted == 3
    stored = land(report, store).set_index("incident_id")
    assert pd.isna(stored.loc[frame.loc[0, "incident_id"], "summary"])  # no cached value
    assert pd.isna(stored.loc[frame.loc[1, "incident_id"], "killed"])  # unknown, not 2
    assert not stored["summary"].fillna("").str.startswith("=").any()


# --- size and shape limits ----------------------------------------------------------------


def test_a_ten_million_character_cell_rejects_its_row_only(store):
    frame = files.district_rows(3, dt.date(2021, 1, 1))
    frame.loc[1, "summary"] = "A" * 10_000_000
    report = run(files.to_csv(frame), "big-cell.csv", store)
    assert (report.rows, report.accepted, report.rejected) == (3, 2, 1)
    (why,) = report.rejections
    assert why["row"] == 3 and why["column"] == "summary"
    assert "longer than" in why["reason"] and "characters" in why["reason"]
    assert why["value"].endswith("(10,000,000 characters)")
    assert len(land(report, store)) == 2


def test_a_line_with_100000_columns_rejects_that_line_only(store):
    data = files.to_csv(files.district_rows(3, dt.date(2021, 6, 1)))
    data += ",".join(["x"] * 100_000).encode() + b"\n"
    report = run(data, "wide-line.csv", store)
    assert (report.rows, report.accepted, report.rejected) == (4, 3, 1)
    assert "100,000 cells" in report.rejections[0]["reason"]


def test_a_header_with_100000_columns_is_refused_with_the_limit():
    data = (",".join(f"c{i}" for i in range(100_000)) + "\n1,2\n").encode()
    report = run(data, "wide-header.csv")
    assert "100,000 columns" in report.error and "limit" in report.error


def test_files_past_the_size_and_row_limits_are_refused_before_anything_is_read(store):
    data = files.to_csv(files.district_rows(30, dt.date(2022, 6, 1)))
    too_big = run(data + b" " * (1024 * 1024), "big.csv", store, max_upload_mb=1)
    assert "the limit is 1 MB" in too_big.error
    too_long = run(data, "long.csv", store, max_rows=10)
    assert "more than 10 rows" in too_long.error
    assert store.count_incidents() == 0


# --- not a table at all --------------------------------------------------------------------


def test_binary_garbage_named_csv_is_refused():
    report = run(files.binary_garbage(), "photo.csv")
    assert "binary" in report.error


def test_a_truncated_workbook_is_refused():
    report = run(files.truncated_xlsx(), "cut.xlsx")
    assert "damaged or truncated" in report.error


@pytest.mark.parametrize("declared_mb", [None, 1], ids=["honest-sizes", "lying-sizes"])
def test_a_zip_bomb_workbook_is_refused_without_unpacking_it(declared_mb):
    bomb = files.zip_bomb_xlsx(1024, declared_mb=declared_mb)
    assert len(bomb) < 2 * 1024 * 1024  # ~1 MB that would unpack to 1 GB
    tracemalloc.start()
    try:
        report = run(bomb, "bomb.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.error
    assert peak < 100 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while refusing a zip bomb"
    if declared_mb is None:
        assert "zip bomb" in report.error


_SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>incident_id</t></is></c>'
          b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>&x;</t></is></c></row>'
          b"</sheetData></worksheet>")
_LAUGHS = b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
ENTITY_ATTACKS = {
    "billion-laughs": b'<!DOCTYPE w [<!ENTITY l0 "lol">' + _LAUGHS + b'<!ENTITY x "&l9;">]>',
    "external-file": b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
}


@pytest.mark.parametrize("attack", list(ENTITY_ATTACKS))
def test_xml_entity_tricks_in_a_workbook_are_refused(attack):
    """defusedxml refuses entity declarations: no expansion, no file read from the server."""
    valid = files.to_xlsx(files.district_rows(2))
    sheet = b'<?xml version="1.0" encoding="UTF-8"?>' + ENTITY_ATTACKS[attack] + _SHEET
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = sheet if item.filename == "xl/worksheets/sheet1.xml" else src.read(item)
            dst.writestr(item, body)
    tracemalloc.start()
    try:
        report = run(out.getvalue(), f"{attack}.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.error, report.counts()
    assert "root:" not in report.error and "lol" not in report.error
    assert peak < 100 * 1024 * 1024


# --- broken text ---------------------------------------------------------------------------


def test_a_nul_byte_in_a_cell_rejects_that_row_with_a_reason(store):
    frame = files.district_rows(3, dt.date(2022, 1, 1))
    frame.loc[1, "summary"] = "before\x00after"
    report = run(files.to_csv(frame), "nul.csv", store)
    assert (report.accepted, report.rejected) == (2, 1)
    assert "NUL byte" in report.rejections[0]["reason"]
    assert "\x00" not in report.rejections[0]["value"]


def test_a_file_of_nul_bytes_gets_a_clear_message():
    report = run(b"\x00" * 5000, "zeros.csv")
    assert report.error is not None, "a file of NUL bytes must be refused with a message"
    assert "binary" in report.error or "NUL" in report.error


def test_mixed_encodings_keep_urdu_and_repair_the_windows_lines(store):
    frame = files.district_rows(5, dt.date(2023, 1, 1))
    report = run(files.mixed_encoding_csv(frame), "mixed.csv", store)
    assert report.accepted == 5
    assert any("Windows-1252" in note for note in report.file_notes)
    stored = land(report, store).set_index("incident_id")["location"]
    assert stored[frame.loc[0, "incident_id"]] == "کوئٹہ شہر"
    assert stored[frame.loc[1, "incident_id"]] == "Café Peshawar"
    assert stored[frame.loc[2, "incident_id"]] == "Naïve bazaar"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_not_mistaken_for_binary_or_utf8(encoding):
    frame = files.district_rows(4, dt.date(2023, 6, 1))
    frame.loc[0, "location"] = "کوئٹہ"
    report = run(files.to_csv(frame).decode("utf-8").encode(encoding), "u16.csv")
    assert report.reader["encoding"] == encoding and report.accepted == 4
    assert report.incidents["location"].iloc[0] == "کوئٹہ"


# --- who may save --------------------------------------------------------------------------


@pytest.mark.parametrize("user", [None, User("vik", "viewer")], ids=["nobody", "viewer"])
def test_only_a_signed_in_researcher_can_save_an_upload(store, user):
    report = run(files.to_csv(files.district_rows(2)), "ok.csv", store)
    with pytest.raises(PermissionDenied):
        batch_actions.commit_upload(report, store, user)
    assert store.count_incidents() == 0 and store.batches().empty


# --- anything at all -----------------------------------------------------------------------


_VALID = files.to_csv(files.district_rows(6, dt.date(2018, 1, 1)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(0, len(_VALID)),
    cut=st.integers(0, 200),
    insert=st.sampled_from([
        *[p.encode("utf-8") for p in files.PAYLOADS.values()], b"\x00", b'"', b"\r", b"\n",
        b",,,,,,,,", b"\xff\xfe", b"\xef\xbb\xbf", "کوئٹہ".encode(), "é".encode("cp1252"),
        b"PK\x03\x04",
    ]),
)
def test_any_damage_to_a_valid_file_gives_a_report_that_adds_up(position, cut, insert):
    data = _VALID[:position] + insert + _VALID[position + cut:]
    run(data, "damaged.csv")
