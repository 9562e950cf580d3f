"""Value mapping, content-aware column suggestions, places abroad by name, and the
mapping file of ``tracker ingest``. Every file here is synthetic (tests/field_log.py)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from tests import field_log
from tracker import cli
from tracker.ingest import abroad, mappings, value_mapping
from tracker.ingest import pipeline as ingest


@pytest.fixture(scope="module")
def log() -> bytes:
    return field_log.workbook_bytes()


def _suggested(log: bytes) -> dict[str, str]:
    report = ingest.ingest_bytes(log, "log.xlsx")
    assert report.needs_mapping
    return {c: f for c, f in report.suggestions.items() if f}


# --- column suggestions ------------------------------------------------------------------


def test_a_column_of_links_goes_to_source_url_whatever_its_header():
    header = ["Date", "Source", "Outlet"]
    frame = pd.DataFrame({"Date": ["16/03/2025", "17/03/2025"],
                          "Source": ["https://www.dawn.com/news/1", "http://tribune.com.pk/2"],
                          "Outlet": ["Dawn", "Express Tribune"]})
    assert mappings.suggest(header)["Source"] == "source_name"  # the name alone misleads
    suggested = mappings.suggest(header, frame)
    assert suggested["Source"] == "source_url"
    assert suggested["Outlet"] == "source_name"


def test_cells_suggest_dates_and_counts_when_the_header_says_nothing():
    frame = pd.DataFrame({"Col A": ["16/03/2025", "2025-03-17", "18 March 2025"],
                          "Col B": ["3", "0", "12"], "Col C": ["4", "1", "7"],
                          "Col D": ["1", "2", "3"], "Col E": ["Bannu", "Quetta", "Tank"]})
    suggested = mappings.suggest(list(frame.columns), frame)
    assert suggested["Col A"] == "date"
    assert {suggested["Col B"], suggested["Col C"]} == {"killed", "injured"}
    assert suggested["Col D"] is None  # serial numbers are not a count
    assert suggested["Col E"] is None


def test_the_field_log_columns_are_suggested_from_names_and_cells(log):
    assert _suggested(log) == {
        "Date": "date", "District": "district", "Province": "province",
        "Attack": "attack_type", "Target": "target", "Group": "perpetrator",
        "Deaths": "killed", "Wounded": "injured", "Source": "source_url"}


def test_every_mappable_field_has_a_description_and_an_example():
    for field in mappings.MAPPABLE:
        text = mappings.describe(field)
        assert text.startswith(f"{field}: ") and "(e.g. " in text, field


# --- value mapping -----------------------------------------------------------------------


def test_suggestions_for_field_wordings_aliases_and_spellings():
    assert value_mapping.suggest("target", "FC convoy")[0] == "security forces"
    assert value_mapping.suggest("target", "Govt official")[0] == "government officials"
    assert value_mapping.suggest("target", "Passengers")[0] == "civilians"
    assert value_mapping.suggest("target", "FC check post at Mach")[0] == "security forces"
    assert value_mapping.suggest("attack_type", "Remote control blast")[0] == "bombing"
    assert value_mapping.suggest("target", "Plicemen")[0] == "police"  # spelling
    assert value_mapping.suggest("province", "Khyber Pakhtoonkhwa")[0] == "Khyber Pakhtunkhwa"
    assert value_mapping.suggest("target", "zzzz qqqq") == (None, None)


def test_values_already_read_are_not_listed():
    frame = pd.DataFrame({"target": ["Police", "police", "FC convoy", "FC convoy", None],
                          "attack_type": ["IED blast", "firing", "Bombing", None, None],
                          "province": ["KP", "Balochistan", "Baluchistan", None, None],
                          "perpetrator": ["TTP", "Lashkar-e-Nowhere", None, None, None]})
    found = value_mapping.leftovers(frame, {"target": "Target", "perpetrator": "Group"})
    assert [(f.field, f.column, f.value, f.rows) for f in found] == [
        ("target", "Target", "FC convoy", 2), ("perpetrator", "Group", "Lashkar-e-Nowhere", 1)]
    assert found[0].suggestion == "security forces"
    assert found[1].suggestion in (None, *value_mapping.choices("perpetrator"))


def test_the_field_log_survey_lists_each_target_wording_once_with_its_rows(log):
    found, away = value_mapping.survey_file(log, "log.xlsx", mapping=_suggested(log))
    assert away == {field_log.KANDAHAR_ROW: "Kandahar (Afghanistan)"}
    assert [(f.value, f.rows, f.suggestion, f.column) for f in found] == [
        ("FC convoy", 4, "security forces", "Target"),
        ("Govt official", 4, "government officials", "Target"),
        ("Passengers", 4, "civilians", "Target"),
    ]


def test_values_left_alone_reject_their_rows_and_mapped_ones_are_read(log):
    mapping = _suggested(log)
    first = ingest.ingest_bytes(log, "log.xlsx", options=ingest.IngestOptions(mapping=mapping))
    assert first.counts() == {"rows": 30, "accepted": 15, "rejected": 14, "duplicates": 0,
                              "outside_pakistan": 1}
    some = {"target": {"fc convoy": "security forces", "Govt official": "government officials"}}
    second = ingest.ingest_bytes(log, "log.xlsx",
                                 options=ingest.IngestOptions(mapping=mapping, values=some))
    assert second.counts()["accepted"] == 23 and second.counts()["rejected"] == 6
    left = [r for r in second.rejections if r["value"] == "Passengers"]
    assert len(left) == 4 and all(r["column"] == "Target" for r in left)
    assert left[0]["reason"].startswith("is not one of: security forces")
    assert second.provenance()["value_mapping"] == some


def test_apply_changes_only_the_chosen_values():
    frame = pd.DataFrame({"target": pd.array(["FC convoy", "Police", None], dtype="str"),
                          "summary": ["FC convoy", "x", "y"]})
    out = value_mapping.apply(frame, {"target": {"FC Convoy ": "security forces"}})
    assert out["target"].tolist()[:2] == ["security forces", "Police"]
    assert pd.isna(out["target"].iloc[2])
    assert out["summary"].tolist() == ["FC convoy", "x", "y"]
    assert frame["target"].iloc[0] == "FC convoy"  # the input is not changed


def test_a_value_map_naming_a_word_off_the_list_is_refused():
    assert value_mapping.problems({"target": {"FC convoy": "soldiers"}}) == [
        "'soldiers' (for 'FC convoy') is not on the list for target"]
    assert value_mapping.problems({"claimed": {"yes": "claimed"}})


def test_values_are_saved_with_the_column_mapping_and_old_mappings_still_load(store):
    header = field_log.HEADER
    columns = {"Date": "date", "District": "district", "Target": "target"}
    mappings.save(header, columns, store=store)  # the plain shape older versions wrote
    assert mappings.load(header, store=store) == columns
    assert mappings.load_values(header, store=store) == {}
    values = {"target": {"FC convoy": "security forces"}}
    mappings.save(header, columns, store=store, values=values)
    mappings.save(list(reversed(header)), columns, store=store)  # columns again: values kept
    assert mappings.load(header, store=store) == columns
    assert mappings.load_values(header, store=store) == values


# --- places abroad -------------------------------------------------------------------------


def test_neighbouring_places_are_abroad_and_pakistani_names_win():
    assert abroad.foreign_place("Kandahar") == "Kandahar (Afghanistan)"
    assert abroad.foreign_place("Nangarhar Province") == "Nangarhar (Afghanistan)"
    assert abroad.foreign_place("Sistan and Baluchestan") == "Sistan-Baluchestan (Iran)"
    assert abroad.foreign_place("Spin Boldak, Kandahar") == "Spin Boldak (Afghanistan)"
    assert abroad.foreign_place("Kech (Turbat)") is None
    assert abroad.foreign_place("Qalat") is None  # Kalat district of Balochistan
    assert abroad.foreign_place("Khyber") is None
    frame = pd.DataFrame({"district": ["Kandahar", "Kandahar", "Quetta", "Kabul", None],
                          "province": [None, None, None, "KP", None],
                          "location": [None, None, None, None, "Zahedan"],
                          "latitude": [None, "31.6", None, None, None],
                          "longitude": [None, "65.7", None, None, None]})
    assert abroad.named_abroad(frame).tolist() == [True, False, False, False, True]


def test_every_neighbouring_place_has_a_point_and_a_source():
    table = abroad.gazetteer()
    assert len(table) >= 30 and table["name"].is_unique
    assert set(table["country"]) == {"Afghanistan", "Iran"}
    assert table["lat"].between(24, 38).all() and table["lon"].between(58, 72).all()
    assert table["source_url"].str.match(r"^https://www\.geonames\.org/\d+$").all()


def test_an_unknown_district_without_a_province_is_rejected_in_the_files_words():
    csv = (b"Date,District,Attack,Target,Deaths,Source\n"
           b"16/03/2025,Nowhereabad,IED blast,Police,2,https://example.org/a\n"
           b"17/03/2025,Kandahar,IED blast,Police,2,https://example.org/b\n")
    mapping = {"Date": "date", "District": "district", "Attack": "attack_type",
               "Target": "target", "Deaths": "killed", "Source": "source_url"}
    report = ingest.ingest_bytes(csv, "x.csv", options=ingest.IngestOptions(mapping=mapping))
    assert report.status.to_dict() == {2: "rejected", 3: "outside_pakistan"}
    assert [(r["column"], r["value"]) for r in report.rejections] == [
        ("District", "Nowhereabad")]
    assert "add the province" in report.rejections[0]["reason"]


# --- the command line --------------------------------------------------------------------


def test_cli_takes_columns_and_values_from_one_yaml_mapping_file(tmp_path, monkeypatch, log):
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "field-log.xlsx"
    path.write_bytes(log)
    spec = tmp_path / "mapping.yaml"
    columns = "\n".join(f"  {c}: {f}" for c, f in _suggested(log).items())
    spec.write_text("columns:\n" + columns + "\nvalues:\n  target:\n"
                    "    FC convoy: security forces\n    Govt official: government officials\n"
                    "    Passengers: civilians\n", encoding="utf-8")
    runner = CliRunner()
    saved = runner.invoke(cli.main, ["ingest", str(path), "--mapping", str(spec), "--json"])
    assert saved.exit_code == 0, saved.output
    out = json.loads(saved.stdout)
    assert (out["accepted"], out["rejected"], out["outside_pakistan"]) == (27, 2, 1)
    assert mappings.load_values(field_log.HEADER)["target"]["Passengers"] == "civilians"
    again = path.with_name("copy.xlsx")  # same columns, other bytes: saved mapping used
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active["A1"] = "Incident log, second copy (synthetic test data)"
    book.save(again)
    reused = runner.invoke(cli.main, ["ingest", str(again), "--dry-run", "--json"])
    assert reused.exit_code == 0, reused.output
    assert json.loads(reused.stdout)["rejected"] == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("values:\n  target:\n    FC convoy: soldiers\n", encoding="utf-8")
    refused = runner.invoke(cli.main, ["ingest", str(path), "--mapping", str(bad)])
    assert refused.exit_code != 0 and "not on the list for target" in refused.output
