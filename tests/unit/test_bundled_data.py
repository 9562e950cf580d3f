"""The bundled files: real incidents that validate, boundaries that put cities right."""

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
import shapely

from tracker import geo, schema
from tracker.ingest import places

DATA = Path(__file__).resolve().parents[2] / "data"
ADDED = r"^N\d{2}-\d{4}$"  # ids of incidents compiled into data/additions/


def _build_script():
    path = DATA.parent / "scripts" / "build_incidents.py"
    spec = importlib.util.spec_from_file_location("build_incidents", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_incidents_validate_against_the_schema(bundled):
    valid, problems = schema.validate(bundled)
    assert problems.empty, problems.head()
    assert len(valid) == len(bundled)


def test_incidents_are_the_353_adopted_rows_plus_every_addition(bundled):
    adopted = bundled[~bundled["incident_id"].str.match(ADDED)]
    assert len(adopted) == 353
    files = sorted((DATA / "additions").glob("*.csv"))
    added = pd.concat([pd.read_csv(p, dtype=str) for p in files])
    assert sorted(bundled.loc[~bundled.index.isin(adopted.index), "incident_id"]) == sorted(
        added["incident_id"])


@pytest.mark.parametrize("path", sorted((DATA / "additions").glob("*.csv")), ids=lambda p: p.name)
def test_every_additions_file_validates_with_a_report_link_on_every_row(path):
    frame = schema.conform(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]))
    _valid, problems = schema.validate(frame)
    assert problems.empty, problems.head()
    assert frame["incident_id"].str.match(ADDED).all()
    assert frame["source_url"].str.match(r"^https?://\S+$").all()
    assert (frame["batch_id"] == schema.SEED_BATCH).all()


def test_the_committed_file_is_what_the_build_script_makes(bundled, capsys):
    """The additions pass the duplicate check against the adopted rows and each other, and
    data/incidents.csv was regenerated after the last change to data/additions/."""
    built = _build_script().build(bundled)
    pd.testing.assert_frame_equal(built.reset_index(drop=True), bundled.reset_index(drop=True))


def test_the_build_refuses_an_addition_that_repeats_a_bundled_attack(bundled, tmp_path):
    build = _build_script()
    twin = bundled[bundled["incident_id"] == "PK24-0001"].copy()
    twin["incident_id"] = "N24-9999"
    twin["date"] = twin["date"] + pd.Timedelta(days=1)  # a day later, same place and toll
    found = build.probable_duplicates(schema.conform(twin), bundled)
    assert list(found["twin"]) == ["PK24-0001"]


def test_every_row_has_an_http_source_url(bundled):
    assert bundled["source_url"].str.match(r"^https?://").all()
    assert bundled["source_name"].str.len().gt(0).all()


def test_march_2025_surge_window_is_present(bundled):
    window = bundled[(bundled["date"] >= "2025-03-15") & (bundled["date"] <= "2025-03-17")]
    adopted = window[~window["incident_id"].str.match(ADDED)]
    assert len(adopted) == 19 and len(window) >= 19
    assert set(window["province"]) >= {"Balochistan", "Khyber Pakhtunkhwa"}


def test_claimed_tolls_kept_apart_from_credible_figures(bundled):
    noshki = bundled.set_index("incident_id").loc["BAL-0023"]
    assert noshki["killed"] == 5
    assert noshki["killed_claimed"] == 90


def test_every_district_is_in_the_gazetteer(bundled):
    known = set(places.districts_table()["district"])
    assert set(bundled["district"].dropna()) <= known


def test_provinces_geojson_has_seven_valid_provinces_with_iso_codes():
    layer = json.loads((DATA / "provinces.geojson").read_text())
    props = [f["properties"] for f in layer["features"]]
    assert {p["province"]: p["iso_3166_2"] for p in props} == schema.PROVINCES
    frame = geo.provinces_gdf()
    assert shapely.is_valid(frame.geometry.values).all()


@pytest.mark.parametrize(
    ("city", "lat", "lon", "province"),
    [
        ("Quetta", 30.18, 67.00, "Balochistan"),
        ("Peshawar", 34.01, 71.58, "Khyber Pakhtunkhwa"),
        ("Lahore", 31.55, 74.34, "Punjab"),
        ("Karachi", 24.86, 67.01, "Sindh"),
        ("Islamabad", 33.69, 73.05, "Islamabad Capital Territory"),
        ("Gilgit", 35.92, 74.31, "Gilgit-Baltistan"),
        ("Muzaffarabad", 34.37, 73.47, "Azad Jammu and Kashmir"),
        ("Miranshah", 33.00, 70.07, "Khyber Pakhtunkhwa"),
    ],
)
def test_cities_fall_in_the_right_province(city, lat, lon, province):
    got = geo.province_of_points(pd.Series([lat]), pd.Series([lon]))
    assert got.iloc[0] == province, city


def test_point_outside_pakistan_has_no_province():
    got = geo.province_of_points(pd.Series([51.5]), pd.Series([-0.12]))
    assert got.iloc[0] is None


def test_data_readme_lists_every_bundled_file():
    readme = (DATA / "README.md").read_text()
    for path in DATA.iterdir():
        if path.is_file() and path.name != "README.md":
            assert path.name in readme, f"{path.name} has no provenance in data/README.md"
