"""District counts, populations and per-million rates, checked against the bundled files.

The oracle is pandas on ``data/incidents.csv``, ``data/districts.csv`` and
``data/population.csv`` read directly, not the functions under test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tracker.analysis import aggregates, filters
from tracker.present import wording

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return pd.read_csv(DATA / "districts.csv", keep_default_na=False).set_index("district")


@pytest.fixture(scope="module")
def populations() -> pd.DataFrame:
    return pd.read_csv(DATA / "population.csv").set_index("province")


def test_count_by_district_matches_the_csv_district_by_district(bundled, gazetteer):
    got = aggregates.count_by_district(bundled).set_index("district")
    expected = bundled.groupby("district").agg(
        incidents=("incident_id", "size"), killed=("killed", "sum"), injured=("injured", "sum"))
    assert int(got["incidents"].sum()) == len(bundled)
    assert set(got.index) == set(expected.index)
    for district, row in expected.iterrows():
        assert got.loc[district, "incidents"] == row["incidents"], district
        assert got.loc[district, "killed"] == int(row["killed"]), district
        assert got.loc[district, "injured"] == int(row["injured"]), district
        assert got.loc[district, "casualties"] == int(row["killed"]) + int(row["injured"])
        assert got.loc[district, "lat"] == pytest.approx(float(gazetteer.loc[district, "lat"]))
        assert got.loc[district, "lon"] == pytest.approx(float(gazetteer.loc[district, "lon"]))
    assert list(got["incidents"]) == sorted(got["incidents"], reverse=True)


def test_count_by_district_in_the_surge_window_for_balochistan(bundled):
    window = bundled[(bundled.date >= "2025-03-15") & (bundled.date <= "2025-03-17")
                     & (bundled.province == "Balochistan")]
    got = aggregates.count_by_district(window)
    assert dict(zip(got["district"], got["incidents"], strict=True)) == \
        window["district"].value_counts().to_dict()
    assert int(got["killed"].sum()) == int(window["killed"].sum())


def test_incidents_without_a_district_stay_in_the_totals(bundled):
    frame = bundled.head(5).copy()
    frame.loc[frame.index[:2], "district"] = None
    got = aggregates.count_by_district(frame)
    unknown = got[got["district"] == aggregates.UNKNOWN_DISTRICT]
    assert int(unknown["incidents"].sum()) == 2
    assert unknown["lat"].isna().all()
    assert int(got["incidents"].sum()) == 5


def test_unreported_counts_are_left_out_of_sums_not_counted(bundled):
    frame = bundled.head(3).copy()
    frame["killed"] = pd.array([4, None, None], dtype="Int64")
    frame["district"] = "Quetta"
    frame["province"] = "Balochistan"
    got = aggregates.count_by_district(frame)
    assert got.loc[0, "killed"] == 4
    assert got.loc[0, "incidents"] == 3


def test_count_by_district_of_nothing_is_an_empty_table(bundled):
    got = aggregates.count_by_district(bundled.iloc[0:0])
    assert got.empty and "district" in got.columns


def test_population_table_has_every_province_with_its_census(populations):
    table = aggregates.population().set_index("province")
    assert len(table) == 7
    assert table.loc["Balochistan", "population"] == populations.loc["Balochistan", "population"]
    assert table.loc["Balochistan", "census"] == "2023"
    assert table.loc["Gilgit-Baltistan", "census"] == "2017"


def test_per_million_rates_equal_counts_over_population(bundled, populations):
    got = aggregates.per_million(aggregates.count_by_province(bundled)).set_index("province")
    for province in ("Balochistan", "Khyber Pakhtunkhwa", "Punjab"):
        part = bundled[bundled.province == province]
        pop = populations.loc[province, "population"]
        assert got.loc[province, "incidents_per_million"] == pytest.approx(
            len(part) / pop * 1e6, abs=0.005)
        assert got.loc[province, "killed_per_million"] == pytest.approx(
            int(part["killed"].sum()) / pop * 1e6, abs=0.005)
    assert got.loc["Azad Jammu and Kashmir", "incidents_per_million"] == 0


def test_census_note_names_the_years_used():
    everything = wording.census_note()
    assert "2023 census" in everything
    assert "AJK" in everything and "GB" in everything and "2017" in everything
    assert wording.census_note(("Balochistan",)) == \
        "Rates per million inhabitants use the 2023 census."
    assert "2017" in wording.census_note(("Gilgit-Baltistan",))


def test_province_summary_keeps_only_the_provinces_in_view(bundled):
    got = aggregates.province_summary(bundled, ("Balochistan", "Khyber Pakhtunkhwa"))
    assert set(got["province"]) == {"Balochistan", "Khyber Pakhtunkhwa"}
    assert int(got["incidents"].sum()) == int(
        bundled["province"].isin(["Balochistan", "Khyber Pakhtunkhwa"]).sum())


def test_count_by_perpetrator_counts_each_named_group(bundled):
    frame = bundled.copy()
    frame.flags.allows_duplicate_labels = False  # as the app's shared table is
    got = aggregates.count_by(frame, "perpetrator").set_index("perpetrator")
    joint = bundled["perpetrator"].str.split("; ").explode()
    assert got.loc["TTP", "incidents"] == int((joint == "TTP").sum())
    assert got.loc["Hafiz Gul Bahadur group", "incidents"] == int(
        (joint == "Hafiz Gul Bahadur group").sum())


@pytest.mark.parametrize(
    ("raw", "value", "has_notice"),
    [(None, "month", False), ("week", "week", False), (["day", "week"], "week", False),
     ("fortnight", "month", True), ("<b>x</b>", "month", True), ("", "month", True)],
    ids=["absent", "good", "last-of-many", "unknown", "markup", "empty"],
)
def test_a_page_setting_from_a_link_is_validated(raw, value, has_notice):
    got, notice = filters.choice_from_query("freq", raw, ["day", "week", "month"], "month")
    assert got == value
    assert (notice is not None) == has_notice
    if notice:
        assert "freq=" in notice
