"""The bundled files: real incidents that validate, boundaries that put cities right."""

import json
from pathlib import Path

import pandas as pd
import pytest
import shapely

from tracker import geo, places, schema

DATA = Path(__file__).resolve().parents[2] / "data"


def test_incidents_validate_against_the_schema(bundled):
    valid, problems = schema.validate(bundled)
    assert problems.empty, problems.head()
    assert len(valid) == 353


def test_every_row_has_an_http_source_url(bundled):
    assert bundled["source_url"].str.match(r"^https?://").all()
    assert bundled["source_name"].str.len().gt(0).all()


def test_march_2025_surge_window_is_present(bundled):
    window = bundled[(bundled["date"] >= "2025-03-15") & (bundled["date"] <= "2025-03-17")]
    assert len(window) == 19
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
