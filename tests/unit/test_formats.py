"""Outside formats (ACLED, GTD, UCDP) and the canonical one: recognised by their columns,
mapped by the documented tables, checked row by row through the whole pipeline.

Every file here is synthetic (tests/upload_samples.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests import upload_samples as samples
from tracker import schema
from tracker.ingest import formats
from tracker.ingest import pipeline as ingest
from tracker.ingest.formats import acled, canonical, gtd, ucdp


def _frame(rows: list[dict], header: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header).astype(str).replace({"": None, "nan": None})
    frame.index = range(2, 2 + len(frame))
    return frame.astype("str")


def _run(rows, header, **options) -> ingest.IngestReport:
    return ingest.ingest_bytes(samples.to_csv(rows, header), "sample.csv",
                               options=ingest.IngestOptions(**options))


@pytest.mark.parametrize(
    ("rows", "header", "module"),
    [
        (samples.acled_rows(), samples.ACLED_HEADER, acled),
        (samples.gtd_rows(), samples.GTD_HEADER, gtd),
        (samples.ucdp_rows(), samples.UCDP_HEADER, ucdp),
        (samples.canonical_rows(), samples.CANONICAL_HEADER, canonical),
    ],
    ids=["acled", "gtd", "ucdp", "canonical"],
)
def test_each_format_is_recognised_by_its_columns(rows, header, module):
    assert formats.detect(_frame(rows, header)) is module


@pytest.mark.parametrize(
    ("rows", "header", "module"),
    [
        (samples.acled_rows(), samples.ACLED_HEADER, acled),
        (samples.gtd_rows(), samples.GTD_HEADER, gtd),
        (samples.ucdp_rows(), samples.UCDP_HEADER, ucdp),
        (samples.canonical_rows(), samples.CANONICAL_HEADER, canonical),
    ],
    ids=["acled", "gtd", "ucdp", "canonical"],
)
def test_each_format_follows_the_protocol_and_maps_to_canonical_columns_only(rows, header,
                                                                            module):
    assert isinstance(module, formats.Format)
    frame = _frame(rows, header)
    mapped = module.to_canonical(frame)
    assert set(mapped.frame.columns) <= set(schema.COLUMNS)
    for extra in (mapped.country, mapped.rejections, mapped.reject_columns,
                  mapped.district_hint):
        assert extra is None or extra.index.equals(frame.index)


def test_what_a_format_knows_beyond_the_fields_travels_in_typed_fields():
    mapped = acled.to_canonical(_frame(samples.acled_rows(), samples.ACLED_HEADER))
    assert mapped.country is not None and mapped.rejections is not None
    rejected = mapped.rejections.dropna()
    assert len(rejected) and (mapped.reject_columns[rejected.index].isin(
        ["sub_event_type", "actor1"])).all()
    gtd_mapped = gtd.to_canonical(_frame(samples.gtd_rows(), samples.GTD_HEADER))
    assert gtd_mapped.district_hint is not None
    assert gtd_mapped.district_hint.equals(gtd_mapped.frame["location"])


def test_headers_are_compared_without_case_or_spacing():
    frame = pd.DataFrame(columns=["Date", "Attack Type", "PROVINCE", "summary"])
    assert formats.detect(frame) is canonical
    assert formats.detect(pd.DataFrame(columns=["when", "where", "what"])) is None


def test_every_mapping_table_lands_in_the_fixed_vocabularies():
    assert {v for v in acled.SUB_EVENT_ATTACK_TYPES.values() if v} <= set(schema.ATTACK_TYPES)
    assert set(gtd.ATTACK_TYPES.values()) <= set(schema.ATTACK_TYPES)
    assert set(gtd.WEAPON_SUBTYPES.values()) <= set(schema.ATTACK_TYPES)
    assert set(gtd.TARGETS.values()) <= set(schema.TARGETS)
    assert set(gtd.SPECIFICITY.values()) <= set(schema.GEO_PRECISIONS)
    assert {v for v in ucdp.WHERE_PRECISION.values() if v} <= set(schema.GEO_PRECISIONS)


def test_the_mapping_tables_are_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text()
    for value in [*acled.SUB_EVENT_ATTACK_TYPES, *gtd.ATTACK_TYPES, *gtd.TARGETS]:
        assert f"| {value} |" in doc, value


def test_acled_rows_one_by_one():
    report = _run(samples.acled_rows(), samples.ACLED_HEADER)
    assert report.format == "acled"
    assert report.status.to_dict() == {
        2: "accepted", 3: "accepted", 4: "rejected", 5: "rejected", 6: "outside_pakistan",
        7: "accepted", 8: "outside_pakistan", 9: "rejected",
    }
    assert report.counts() == {"rows": 8, "accepted": 3, "rejected": 3, "duplicates": 0,
                               "outside_pakistan": 2}
    got = report.incidents
    assert got.loc[2, ["incident_id", "attack_type", "target", "perpetrator", "claimed"]
                   ].tolist() == ["ACLED-PAK90001", "bombing", "police", "Unknown", "unknown"]
    assert got.loc[2, "killed"] == 2 and pd.isna(got.loc[2, "injured"])
    # a battle: the non-state side attacks; "TTP: ..." resolves through the alias table
    assert got.loc[3, ["attack_type", "target", "perpetrator", "claimed"]].tolist() == [
        "armed assault", "security forces", "TTP", "claimed"]
    assert got.loc[7, ["target", "perpetrator", "province", "district"]].tolist() == [
        "civilians", "BLA", "Balochistan", "Kech"]
    assert str(got.loc[2, "date"].date()) == "2025-03-16"
    assert got.loc[2, "source_url"] == acled.DATASET_URL
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert "not a militant attack" in reasons[4] and "Protests" in reasons[4]
    assert "state forces" in reasons[5]
    assert reasons[9].startswith("disagrees with the coordinates, which are in Punjab")
    assert any("fatalities" in note for note in report.file_notes)


def test_gtd_rows_one_by_one():
    report = _run(samples.gtd_rows(), samples.GTD_HEADER)
    assert report.format == "gtd"
    assert report.status.to_dict() == {
        2: "accepted", 3: "accepted", 4: "rejected", 5: "outside_pakistan", 6: "accepted",
        7: "accepted", 8: "rejected",
    }
    got = report.incidents
    # nkill includes the attacker: killed = nkill - nkillter
    assert got.loc[2, ["killed", "injured", "militants_killed"]].tolist() == [2, 5, 1]
    assert got.loc[2, ["perpetrator", "claimed", "attack_type", "target"]].tolist() == [
        "TTP", "claimed", "bombing", "police"]
    assert got.loc[2, "source_url"].endswith("gtdid=201501050001")
    # iday 0: first of the month, month precision
    assert str(got.loc[3, "date"].date()) == "2015-02-01"
    assert got.loc[3, "date_precision"] == "month"
    # FATA, no coordinates: the city names the district, placed at its point
    assert got.loc[6, ["province", "district", "geo_precision"]].tolist() == [
        "Khyber Pakhtunkhwa", "North Waziristan", "district"]
    assert pd.isna(got.loc[6, "killed"]) and pd.isna(got.loc[6, "injured"])  # -99: unknown
    assert got.loc[7, "attack_type"] == "suicide bombing"
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert "only the year" in reasons[4]
    assert reasons[8] == "no such day: 31 June 2015"
    assert [r["row"] for r in report.rejections] == [4, 8]  # one reason each, no echoes


def test_ucdp_rows_one_by_one():
    report = _run(samples.ucdp_rows(), samples.UCDP_HEADER)
    assert report.format == "ucdp"
    assert report.status.to_dict() == {
        2: "accepted", 3: "accepted", 4: "rejected", 5: "rejected", 6: "outside_pakistan",
        7: "rejected",
    }
    got = report.incidents
    # state-based: side B attacks; deaths split by side
    assert got.loc[2, ["perpetrator", "target", "killed", "militants_killed"]].tolist() == [
        "TTP", "security forces", 3, 2]
    assert got.loc[2, ["province", "district", "geo_precision"]].tolist() == [
        "Khyber Pakhtunkhwa", "Bannu", "exact"]
    assert got.loc[3, ["perpetrator", "target", "date_precision"]].tolist() == [
        "ISKP", "civilians", "week"]
    assert set(got["attack_type"]) == {"other"}
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert "only in the country" in reasons[4]
    assert "more than a month" in reasons[5]
    assert "between states" in reasons[7]


def test_a_forced_format_that_does_not_fit_rejects_every_row_with_the_reason():
    report = _run(samples.canonical_rows(), samples.CANONICAL_HEADER, format="gtd")
    assert report.counts()["rejected"] == 4 and report.accepted == 0
    assert "lacks the columns" in report.rejections[0]["reason"]


def test_canonical_rows_all_pass_and_keep_their_values():
    report = _run(samples.canonical_rows(), samples.CANONICAL_HEADER)
    assert report.format == "canonical" and report.accepted == 4
    got = report.incidents
    assert got.loc[2, "summary"] == samples.URDU
    assert got.loc[3, "killed_claimed"] == 20
    # no coordinates: placed at the district's gazetteer point
    assert got.loc[2, ["latitude", "longitude", "geo_precision"]].tolist() == [
        32.83132, 70.65333, "district"]


def test_ucdp_unit_suffixes_and_actor_names_are_cleaned():
    values = pd.Series(["Khyber Pakhtunkhwa province", "Bannu district", "Kurram Agency"])
    assert ucdp._strip_unit(values).tolist() == ["Khyber Pakhtunkhwa", "Bannu", "Kurram"]
    assert formats.resolve_actor("Unidentified Armed Group (Pakistan)") == ""
    assert formats.resolve_actor("TTP: Tehreek-i-Taliban Pakistan") == "TTP"
    assert formats.resolve_actor("BLA: Baloch Liberation Army") == "BLA"
    assert acled.actor_kind("Police Forces of Pakistan (2018-)") == "police"
    assert acled.actor_kind("Civilians (Pakistan)") == "civilians"
    assert acled.actor_kind("Some Militia", "1") == "military"


def test_acled_codes_saved_as_decimals_keep_their_meaning():
    """A file saved from pandas writes a code column with blanks as 3.0, 1.0 ..."""
    first = samples.acled_rows()[0]
    rows = [{**first, "geo_precision": "3.0", "time_precision": "2.0", "location": "Bannu",
             "admin3": "bannu"},
            {**first, "event_id_cnty": "PAK90099", "event_date": "1 March 2025",
             "actor1": "SYNTHETIC unnamed unit", "inter1": "1.0"}]
    report = _run(rows, samples.ACLED_HEADER)
    assert report.status.to_dict() == {2: "accepted", 3: "rejected"}
    got = report.incidents
    assert got.loc[2, ["geo_precision", "date_precision"]].tolist() == ["district", "week"]
    # admin3 repeating the location is not written twice
    assert got.loc[2, "location"] == "Bannu"
    # inter code 1.0 is state forces: a state's own operation, not a militant attack
    assert "state forces" in _reasons_of(report, 3)


def _reasons_of(report: ingest.IngestReport, row: int) -> str:
    return " ".join(r["reason"] for r in report.rejections if r["row"] == row)
