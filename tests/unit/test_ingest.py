"""The upload pipeline end to end: the report row by row, commit, duplicates, limits,
the command line, random files (hypothesis) and a crash in the middle of a commit.

Every file is synthetic and built here or in tests/upload_samples.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests import upload_samples as samples
from tests.killing import kill_while_writing
from tracker import cli, config
from tracker.devtools import synth
from tracker.ingest import mappings
from tracker.ingest import pipeline as ingest
from tracker.store.database import Store, StoreError

ROOT = Path(__file__).resolve().parents[2]
LIMITS = config.Limits(max_upload_mb=5, max_rows=5000, max_columns=60, max_cell_chars=500)


def _csv(rows: list[dict], header: list[str] | None = None) -> bytes:
    return samples.to_csv(rows, header or samples.CANONICAL_HEADER)


def _row(**changes: object) -> dict:
    row = dict(samples.canonical_rows()[0], incident_id="X-1", summary="SYNTHETIC")
    row.update(changes)
    return row


def _reasons(report: ingest.IngestReport, row: int) -> list[str]:
    return [r["reason"] for r in report.rejections if r["row"] == row]


# --- the messy researcher spreadsheet, row by row -------------------------------------------


@pytest.fixture(scope="module")
def messy() -> bytes:
    return samples.to_xlsx({"Read me": [["SYNTHETIC workbook made for tests"]],
                            "Incidents 2025": samples.messy_rows()})


def test_messy_spreadsheet_asks_for_a_mapping_and_suggests_it(messy):
    report = ingest.ingest_bytes(messy, "log.xlsx",
                                 options=ingest.IngestOptions(sheet="Incidents 2025"))
    assert report.needs_mapping
    assert {k: v for k, v in report.suggestions.items() if v} == samples.MESSY_MAPPING
    assert report.counts() == {"rows": 12, "accepted": 0, "rejected": 12, "duplicates": 0,
                               "outside_pakistan": 0}
    assert all("map them" in r["reason"] for r in report.rejections)
    assert report.adds_up


def test_messy_spreadsheet_report_row_by_row(messy):
    options = ingest.IngestOptions(sheet="Incidents 2025", mapping=samples.MESSY_MAPPING)
    report = ingest.ingest_bytes(messy, "log.xlsx", options=options)
    assert report.status.to_dict() == {
        2: "accepted", 3: "accepted", 4: "accepted", 5: "rejected", 6: "accepted",
        7: "accepted", 8: "rejected", 10: "rejected", 11: "rejected", 12: "rejected",
        13: "duplicate", 14: "accepted",
    }
    assert report.counts() == {"rows": 12, "accepted": 6, "rejected": 5, "duplicates": 1,
                               "outside_pakistan": 0}
    got = report.incidents
    # row 2: an Excel date cell, KPK and D.I. Khan by alias, "12+", TTP by its state name
    assert got.loc[2, ["province", "district", "attack_type", "target", "perpetrator",
                       "killed"]].tolist() == [
        "Khyber Pakhtunkhwa", "Dera Ismail Khan", "bombing", "police", "TTP", 12]
    assert got.loc[2, "summary"] == samples.URDU
    assert "'12+' kept as 12, a lower bound" in got.loc[2, "notes"]
    assert str(got.loc[3, "date"].date()) == "2025-03-16"
    assert got.loc[3, ["province", "district", "attack_type", "killed"]].tolist() == [
        "Balochistan", "Nushki", "suicide bombing", 5]
    assert pd.isna(got.loc[3, "injured"])  # blank stays unknown
    assert str(got.loc[4, "date"].date()) == "2025-04-03"  # 03/04/2025: day first
    assert str(got.loc[6, "date"].date()) == "2025-03-19"  # Excel serial 45735
    assert got.loc[6, ["province", "district"]].tolist() == ["Khyber Pakhtunkhwa", "Khyber"]
    assert got.loc[7, "district"] == "Peshawar"
    assert got.loc[14, "perpetrator"] == "Some New Front"
    assert got.loc[2, "source_name"] == "SYNTHETIC"
    assert all(i.startswith("U-") for i in got["incident_id"])  # serial numbers not used

    assert _reasons(report, 5) == ["no such day: 30 February 2025"]
    assert _reasons(report, 8) == ["is a district of Balochistan, not of the province given "
                                   "(Sindh)"]
    assert _reasons(report, 10)[0].startswith("is not one of: armed assault, bombing")
    assert _reasons(report, 11) == ["is not a number of people", "must not be negative"]
    assert _reasons(report, 12) == ["must be an http(s) URL"]
    columns = {(r["row"], r["column"]) for r in report.rejections}
    assert (5, "Date of attack") in columns and (11, "Injured") in columns

    assert report.fuzzy_matches == [{"row": 7, "column": "District", "value": "Peshawr",
                                     "matched": "Peshawar", "score": 93.3}]
    assert [d["row"] for d in report.duplicate_of] == [13]
    assert report.duplicate_of[0]["twin_row"] == 3 and not report.duplicate_of[0]["certain"]
    twins = report.twins.set_index("row")
    assert twins.loc[13, ["district", "twin district", "killed", "twin killed"]].tolist() == [
        "Nushki", "Nushki", "6", "5"]
    notes = {(n["row"], n["note"]) for n in report.notes}
    assert (3, "'at least 5' kept as 5, a lower bound") in notes
    assert (14, "group not in the alias table; kept as written") in notes
    assert any("1 blank row" in n for n in report.file_notes)
    assert any("read either way" in n for n in report.file_notes)
    assert not any("serial numbers" in n for n in report.file_notes)


def test_the_report_json_has_the_promised_keys_and_adds_up(messy):
    options = ingest.IngestOptions(sheet="Incidents 2025", mapping=samples.MESSY_MAPPING)
    out = json.loads(ingest.report_json(ingest.ingest_bytes(messy, "log.xlsx",
                                                            options=options)))
    for key in ("rows", "accepted", "rejected", "duplicates", "outside_pakistan", "batch_id",
                "rejections", "duplicate_of", "fuzzy_matches"):
        assert key in out
    assert out["batch_id"] is None
    assert out["rows"] == (out["accepted"] + out["rejected"] + out["duplicates"]
                           + out["outside_pakistan"])
    assert set(out["rejections"][0]) == {"row", "column", "value", "reason"}
    assert set(out["duplicate_of"][0]) >= {"row", "incident_id"}
    assert set(out["fuzzy_matches"][0]) >= {"row", "column", "value", "matched"}


def test_rejected_rows_download_holds_the_file_cells_and_every_reason(messy):
    options = ingest.IngestOptions(sheet="Incidents 2025", mapping=samples.MESSY_MAPPING)
    report = ingest.ingest_bytes(messy, "log.xlsx", options=options)
    rows = report.rejected_file_rows().set_index("row")
    assert list(rows.index) == [5, 8, 10, 11, 12]
    assert rows.loc[11, "Shaheed"] == "many"
    assert rows.loc[11, "reasons"] == ("Shaheed: is not a number of people; "
                                       "Injured: must not be negative")


def test_the_rejected_rows_download_cannot_run_formulas():
    from tracker.present import safety

    row = _row(incident_id="F-1", date="not a date", summary="=HYPERLINK(\"x\")")
    report = ingest.ingest_bytes(_csv([row]), "formula.csv")
    text = safety.to_safe_csv(report.rejected_file_rows()).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",\"=HYPERLINK" not in text


# --- saving ---------------------------------------------------------------------------------


def test_commit_writes_one_unreviewed_batch_with_provenance(seeded_store):
    data = _csv(samples.canonical_rows())
    report = ingest.ingest_bytes(data, "my log.csv", store=seeded_store)
    assert report.accepted == 4 and report.previous_batch is None
    before = seeded_store.version()
    batch_id = ingest.commit(report, seeded_store, "ayesha")
    assert report.batch_id == batch_id and seeded_store.version() > before
    batch = seeded_store.batch(batch_id)
    assert batch["file_name"] == "my log.csv"
    assert batch["sha256"] == report.sha256 and len(batch["sha256"]) == 64
    assert batch["uploaded_by"] == "ayesha" and not batch["reviewed"]
    assert (batch["rows"], batch["accepted"], batch["rejected"]) == (4, 4, 0)
    provenance = json.loads(batch["mapping"])
    assert provenance["format"] == "canonical"
    assert provenance["columns"]["date"] == "date"
    assert provenance["reader"]["encoding"] == "utf-8"
    stored = seeded_store.load_incidents().set_index("incident_id")
    assert stored.loc["T-0001", "summary"] == samples.URDU
    assert stored.loc["T-0001", "batch_id"] == batch_id
    assert "upload" in set(seeded_store.audit_log()["action"])


def test_the_same_file_again_is_recognised_and_refused(store):
    data = _csv(samples.canonical_rows())
    first = ingest.ingest_bytes(data, "a.csv", store=store)
    batch_id = ingest.commit(first, store, "ayesha")
    again = ingest.ingest_bytes(data, "renamed.csv", store=store)
    assert again.previous_batch["batch_id"] == batch_id
    assert again.duplicates == 4  # and every row is a certain duplicate by id
    with pytest.raises(StoreError, match="uploaded before"):
        ingest.commit(again, store, "bilal")
    assert len(store.batches()) == 1


def test_bundled_incidents_against_the_seeded_store_are_all_certain_duplicates(seeded_store):
    data = (ROOT / "data" / "incidents.csv").read_bytes()
    report = ingest.ingest_bytes(data, "incidents.csv", store=seeded_store)
    rows = len(pd.read_csv(ROOT / "data" / "incidents.csv"))
    assert report.duplicates == rows and report.accepted == 0
    assert all(d["certain"] for d in report.duplicate_of)
    with pytest.raises(StoreError, match="nothing to save"):
        ingest.commit(report, seeded_store, "ayesha")


def test_bundled_incidents_are_not_duplicates_of_each_other():
    """118 adopted rows share a source URL with another row (one report often covers several
    attacks); none of the rows, adopted or added since, is a probable duplicate."""
    frame = pd.read_csv(ROOT / "data" / "incidents.csv", dtype=str, keep_default_na=False)
    adopted = frame[~frame["incident_id"].str.match(r"^N\d{2}-\d{4}$")]
    assert adopted["source_url"].duplicated(keep=False).sum() == 118
    frame["incident_id"] = ""
    report = ingest.ingest_bytes(frame.to_csv(index=False).encode(), "copy.csv")
    assert report.accepted == len(frame) and report.duplicates == 0 and report.rejected == 0


def test_a_probable_duplicate_may_be_taken_as_new_but_a_certain_one_not(seeded_store):
    bundled = seeded_store.load_incidents().set_index("incident_id").loc["BAL-0023"]
    twin = _row(incident_id="NEW-1", date=str(bundled["date"].date()),
                province=bundled["province"], district=bundled["district"],
                attack_type=bundled["attack_type"], target=bundled["target"],
                killed=str(int(bundled["killed"])), injured="")
    same_id = _row(incident_id="BAL-0023", date="2025-06-01")
    report = ingest.ingest_bytes(_csv([twin, same_id, _row(incident_id="NEW-3")]), "t.csv",
                                 store=seeded_store)
    by_row = {d["row"]: d for d in report.duplicate_of}
    assert by_row[2]["incident_id"] == "BAL-0023" and not by_row[2]["certain"]
    assert by_row[3]["certain"] and report.accepted == 1
    with pytest.raises(StoreError, match="cannot: 3"):
        ingest.commit(report, seeded_store, "ayesha", accept_rows=[3])
    batch_id = ingest.commit(report, seeded_store, "ayesha", accept_rows=[2])
    assert report.adds_up and report.accepted == 2 and report.duplicates == 1
    assert seeded_store.batch(batch_id)["duplicates"] == 1
    assert {"NEW-1", "NEW-3"} <= set(seeded_store.load_incidents()["incident_id"])


def test_an_id_in_a_withdrawn_batch_is_free_again(store):
    first = ingest.ingest_bytes(_csv([_row()]), "one.csv", store=store)
    batch_id = ingest.commit(first, store, "ayesha")
    store.set_withdrawn(batch_id, True, "ayesha")
    again = ingest.ingest_bytes(_csv([_row(notes="edited")]), "two.csv", store=store)
    assert again.duplicate_of == [] and again.accepted == 1  # withdrawing is an undo
    ingest.commit(again, store, "ayesha")
    assert store.load_incidents()["notes"].str.contains("edited").all()


def test_a_store_that_changed_since_the_preview_is_not_written_blindly(store):
    report = ingest.ingest_bytes(_csv([_row()]), "late.csv", store=store)
    other = ingest.ingest_bytes(_csv([_row(notes="another file, same incident")]),
                                "other.csv", store=store)
    ingest.commit(other, store, "bilal")
    with pytest.raises(StoreError, match="changed since the preview"):
        ingest.commit(report, store, "ayesha")
    assert len(store.batches()) == 1


def test_new_incidents_show_in_the_next_load(seeded_store):
    before = len(seeded_store.load_incidents())
    report = ingest.ingest_bytes(_csv(samples.canonical_rows()), "x.csv", store=seeded_store)
    ingest.commit(report, seeded_store, "ayesha")
    assert len(seeded_store.load_incidents()) == before + 4
    assert len(seeded_store.load_incidents(reviewed_only=True)) == before


# --- placing --------------------------------------------------------------------------------


def test_places_from_coordinates_districts_and_provinces():
    rows = [
        _row(incident_id="P-2", province="", district="", latitude="33.91184",
             longitude="71.56606", geo_precision=""),
        _row(incident_id="P-3", province="Sindh", district="", geo_precision=""),
        _row(incident_id="P-4", province="Balochistan", district="", latitude="31.4336",
             longitude="74.3367"),
        _row(incident_id="P-5", province="", district="", latitude="51.5", longitude="-0.1"),
        _row(incident_id="P-6", province="", district="", latitude="71.56606",
             longitude="33.91184"),
        _row(incident_id="P-7", province="Balochistan", district="Jafarabad",
             latitude="28.22109", longitude="68.19851", geo_precision="district"),
        _row(incident_id="P-8", province="خیبر پختونخوا", district="Swat"),
        _row(incident_id="P-9", province="Punjab", district="Nowhereabad", location=""),
        _row(incident_id="P-10", province="", district="", latitude="", longitude=""),
        _row(incident_id="P-11", latitude="abc", longitude="71"),
    ]
    report = ingest.ingest_bytes(_csv(rows), "places.csv")
    got = report.incidents
    assert got.loc[2, ["province", "district", "geo_precision"]].tolist() == [
        "Khyber Pakhtunkhwa", "Peshawar", "town"]
    assert got.loc[3, ["province", "geo_precision"]].tolist() == ["Sindh", "province"]
    assert got.loc[3, "latitude"] == pytest.approx(26.01905)
    assert _reasons(report, 4)[0].startswith("disagrees with the coordinates, which are in "
                                             "Punjab")
    assert _reasons(report, 5) == ["the coordinates are outside Pakistan"]
    assert _reasons(report, 6) == ["the coordinates are outside Pakistan; latitude and "
                                   "longitude look swapped"]
    assert got.loc[7, "province"] == "Balochistan"  # point a few km inside Sindh: kept
    assert any(n["row"] == 7 and "just inside Sindh" in n["note"] for n in report.notes)
    assert got.loc[8, ["province", "district"]].tolist() == ["Khyber Pakhtunkhwa", "Swat"]
    assert pd.isna(got.loc[9, "district"]) and got.loc[9, "location"] == "Nowhereabad"
    assert any(n["row"] == 9 and "not in the district gazetteer" in n["note"]
               for n in report.notes)
    assert _reasons(report, 10) == ["no place: give a province, a district or coordinates"]
    assert _reasons(report, 11) == ["is not a number (write decimal degrees, e.g. 33.99)"]
    assert report.adds_up


def test_country_column_sends_other_countries_outside_and_keeps_pakistan():
    header = [*samples.CANONICAL_HEADER, "country"]
    rows = [dict(_row(incident_id="C-1", date="2025-01-01"), country="Pakistan"),
            dict(_row(incident_id="C-2", date="2025-01-05"), country="Afghanistan"),
            dict(_row(incident_id="C-3", date="2025-01-09"), country="")]
    report = ingest.ingest_bytes(samples.to_csv(rows, header), "c.csv")
    assert report.status.to_dict() == {2: "accepted", 3: "outside_pakistan", 4: "accepted"}
    assert report.outside_rows == [{"row": 3, "reason": "the country is Afghanistan"}]
    report = ingest.ingest_bytes(samples.to_csv(samples.acled_rows(), samples.ACLED_HEADER),
                                 "acled.csv")
    assert report.outside_pakistan == 2
    listed = report.to_dict()["outside_pakistan_rows"]
    assert [o["row"] for o in listed] == sorted(
        report.status.index[report.status.eq("outside_pakistan")])
    assert all(o["reason"].startswith("the country is ") for o in listed)


def test_rows_outside_pakistan_are_listed_with_why_in_every_report():
    rows = [_row(incident_id="A-1", date="2025-02-01"),
            _row(incident_id="A-2", date="2025-02-02", province="", district="",
                 location="Spin Boldak, Kandahar", latitude="", longitude="")]
    report = ingest.ingest_bytes(_csv(rows), "abroad.csv")
    assert report.status.to_dict() == {2: "accepted", 3: "outside_pakistan"}
    why = "it names Spin Boldak (Afghanistan), across the border, and has no coordinates"
    assert report.outside_rows == [{"row": 3, "reason": why}]
    assert report.to_dict()["outside_pakistan_rows"] == report.outside_rows
    text = ingest.report_text(report)
    assert f"Outside Pakistan (1):\n  row 3: {why}" in text


# --- limits and damaged rows ------------------------------------------------------------------


def test_long_cells_nul_bytes_and_shifted_rows_reject_their_row_only():
    text = _csv([_row(incident_id="L-1"), _row(incident_id="L-2", summary="x" * 600),
                 _row(incident_id="L-3", summary="bad\x00byte")]).decode()
    text += "L-4,2025-03-16,day,Sindh,Karachi,,,,,bombing,police,,,1,,,,s,,S,http://x.invalid,"
    text += "extra\r\n"
    report = ingest.ingest_bytes(text.encode(), "damaged.csv", limits=LIMITS)
    assert report.status.to_dict() == {2: "accepted", 3: "rejected", 4: "rejected",
                                       5: "rejected"}
    assert _reasons(report, 3) == ["is longer than 500 characters (the limit)"]
    assert report.rejections[0]["value"].endswith("(600 characters)")
    assert "NUL byte" in _reasons(report, 4)[0]
    assert "cells but the header has" in _reasons(report, 5)[0]


def test_a_file_past_a_limit_gives_an_error_and_no_rows():
    tight = config.Limits(max_upload_mb=1, max_rows=2, max_columns=60, max_cell_chars=500)
    report = ingest.ingest_bytes(_csv(samples.canonical_rows()), "big.csv", limits=tight)
    assert report.error.startswith("The file has more than 2 rows")
    assert report.counts() == {"rows": 0, "accepted": 0, "rejected": 0, "duplicates": 0,
                               "outside_pakistan": 0}
    with pytest.raises(StoreError, match="more than 2 rows"):
        ingest.commit(report, Store("sqlite://"), "ayesha")


def test_a_missing_required_column_is_named_as_missing():
    rows = [{k: v for k, v in r.items() if k != "target"} for r in samples.canonical_rows()]
    header = [h for h in samples.CANONICAL_HEADER if h != "target"]
    report = ingest.ingest_bytes(samples.to_csv(rows, header), "no-target.csv")
    assert report.rejected == 4
    assert _reasons(report, 2) == ["is required, and the file has no column for it (map one)"]


# --- mappings --------------------------------------------------------------------------------


def test_a_saved_mapping_is_offered_again_for_the_same_columns_in_any_order(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path))
    header = samples.MESSY_HEADER
    assert mappings.load(header) is None
    mappings.save(header, samples.MESSY_MAPPING)
    assert mappings.load(list(reversed(header))) == samples.MESSY_MAPPING
    assert mappings.load([*header, "Extra"]) is None
    with pytest.raises(ValueError, match="more than one column"):
        mappings.save(header, {"Date of attack": "date", "Source": "date"})
    report = ingest.ingest_bytes(samples.to_xlsx({"S": samples.messy_rows()}), "again.xlsx")
    assert report.needs_mapping and report.saved_mapping == samples.MESSY_MAPPING


def test_suggestions_know_urdu_and_common_headers():
    suggested = mappings.suggest(["تاریخ", "صوبہ", "ضلع", "ہلاکتیں", "زخمی", "Wounded",
                                  "Latitude", "Lng", "News link"])
    assert suggested == {"تاریخ": "date", "صوبہ": "province", "ضلع": "district",
                         "ہلاکتیں": "killed", "زخمی": "injured", "Wounded": None,
                         "Latitude": "latitude", "Lng": "longitude", "News link": "source_url"}
    assert mappings.missing_required({"a": "date"}) == ["attack_type", "target", "source_url"]



_REGIONAL_HEADER = ["When", "Country", "Province", "District", "Type", "Target", "Dead", "Link"]


def _regional_log() -> bytes:
    """A researcher's multi-country log in no known format (SYNTHETIC)."""
    return samples.to_csv([
        dict(zip(_REGIONAL_HEADER, row, strict=True)) for row in [
            ["16/03/2025", "Pakistan", "Khyber Pakhtunkhwa", "Bannu", "bombing", "police", "2",
             samples.URL + "r1"],
            ["17/03/2025", "Afghanistan", "Nangarhar", "Jalalabad", "bombing", "police", "1",
             samples.URL + "r2"],
        ]
    ], _REGIONAL_HEADER)


_REGIONAL_MAPPING = {"When": "date", "Country": "country", "Province": "province",
                     "District": "district", "Type": "attack_type", "Target": "target",
                     "Dead": "killed", "Link": "source_url"}


def test_a_mapped_country_column_sends_other_countries_outside_pakistan():
    unmapped = ingest.ingest_bytes(_regional_log(), "regional.csv")
    assert unmapped.needs_mapping and unmapped.suggestions["Country"] == "country"
    report = ingest.ingest_bytes(_regional_log(), "regional.csv",
                                 options=ingest.IngestOptions(mapping=_REGIONAL_MAPPING))
    assert report.status.to_dict() == {2: "accepted", 3: "outside_pakistan"}
    assert report.incidents.loc[2, ["district", "killed"]].tolist() == ["Bannu", 2]


def test_a_mapping_to_an_unknown_field_rejects_every_row_saying_why():
    mapping = {**_REGIONAL_MAPPING, "Dead": "deaths", "Nope": "summary"}
    report = ingest.ingest_bytes(_regional_log(), "regional.csv",
                                 options=ingest.IngestOptions(mapping=mapping))
    assert report.counts()["rejected"] == 2 and report.adds_up
    reason = _reasons(report, 2)[0]
    assert "'deaths' is not a field of the tracker" in reason
    assert "the file has no column 'Nope'" in reason


def test_cli_saves_a_mapping_it_used_and_offers_it_for_the_same_header(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    first = tmp_path / "march.csv"
    first.write_bytes(_regional_log())
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(_REGIONAL_MAPPING))
    runner = CliRunner()
    saved = runner.invoke(cli.main, ["ingest", str(first), "--mapping", str(mapping),
                                     "--json"])
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.stdout)["batch_id"] is not None
    assert mappings.load(list(reversed(_REGIONAL_HEADER))) == _REGIONAL_MAPPING
    later = tmp_path / "april.csv"  # the same columns, new rows, no --mapping
    later.write_bytes(_regional_log().replace(b"/03/2025", b"/04/2025").replace(b"r1", b"r9"))
    again = runner.invoke(cli.main, ["ingest", str(later), "--dry-run", "--json"])
    assert again.exit_code == 0, again.output
    out = json.loads(again.stdout)
    assert (out["accepted"], out["outside_pakistan"], out["batch_id"]) == (1, 1, None)
    assert out["file_notes"][0].startswith("Used the mapping saved earlier")


# --- the command line ------------------------------------------------------------------------


def test_cli_ingest_dry_run_then_commit_then_same_file_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "log.csv"
    path.write_bytes(_csv(samples.canonical_rows()))
    runner = CliRunner()
    dry = runner.invoke(cli.main, ["ingest", str(path), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    out = json.loads(dry.stdout)
    assert out["accepted"] == 4 and out["batch_id"] is None
    saved = runner.invoke(cli.main, ["ingest", str(path), "--user", "ayesha"])
    assert saved.exit_code == 0, saved.output
    assert "4 accepted" in saved.output and "Saved as batch" in saved.output
    again = runner.invoke(cli.main, ["ingest", str(path), "--json"])
    assert again.exit_code == 1
    assert json.loads(again.stdout)["previous_batch"] is not None


def test_cli_ingest_uses_a_mapping_file_and_a_named_sheet(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    book = tmp_path / "log.xlsx"
    book.write_bytes(samples.to_xlsx({"Notes": [["SYNTHETIC"]],
                                      "Incidents 2025": samples.messy_rows()}))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(samples.MESSY_MAPPING))
    runner = CliRunner()
    unmapped = runner.invoke(cli.main, ["ingest", str(book), "--sheet", "Incidents 2025",
                                        "--dry-run"])
    assert unmapped.exit_code == 1 and "Suggested mapping" in unmapped.output
    result = runner.invoke(cli.main, ["ingest", str(book), "--sheet", "Incidents 2025",
                                      "--mapping", str(mapping), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    # the store is seeded: the synthetic Nushki row 3 matches the bundled convoy attack
    assert out["accepted"] == 5 and out["duplicates"] == 2
    assert {d["row"]: d["incident_id"] for d in out["duplicate_of"]}[3] == "BAL-0023"


# --- a crash in the middle of a commit leaves no partial batch --------------------------------

_CHILD = textwrap.dedent("""
    import sys
    from tracker import config
    from tracker.ingest import pipeline as ingest
    from tracker.devtools import synth
    from tracker.store.database import Store
    store = Store(sys.argv[1]); store.init()
    rows = int(sys.argv[2])
    data = synth.csv_bytes(rows)
    limits = config.Limits(500, rows, 100, 20000)
    report = ingest.ingest_bytes(data, "big.csv", store=store, limits=limits)
    print("committing", flush=True)
    ingest.commit(report, store, "crash test", accept_rows=[
        d["row"] for d in report.duplicate_of if not d["certain"]])
    print("committed", flush=True)
""")


@pytest.mark.slow
def test_killing_the_process_mid_commit_leaves_no_partial_batch(tmp_path):
    db = tmp_path / "crash.db"
    url = f"sqlite:///{db}"
    store = Store(url)
    store.init()
    first = ingest.ingest_bytes(_csv(samples.canonical_rows()), "before.csv", store=store)
    ingest.commit(first, store, "ayesha")
    store.engine.dispose()
    wal = Path(f"{db}-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, url, "150000"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ,
                                 "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})
    try:
        assert proc.stdout.readline().strip() == "committing"
    except BaseException:
        proc.kill()
        raise
    kill_while_writing(proc, wal, start_size, 2_000_000, timeout=300, what="commit")
    assert proc.returncode == -signal.SIGKILL
    assert "committed" not in proc.stdout.read()

    after = Store(url)
    assert list(after.batches()["file_name"]) == ["before.csv"]
    assert after.count_incidents() == 4
    assert (after.audit_log()["action"] == "upload").sum() == 1
    with after.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    retry = ingest.ingest_bytes(synth.csv_bytes(50), "retry.csv", store=after)
    ingest.commit(retry, after, "ayesha", accept_rows=[d["row"] for d in retry.duplicate_of])
    assert after.count_incidents() == 54
