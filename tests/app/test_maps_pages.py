"""Overview and province pages: the numbers inside the figures equal the bundled CSV's.

Each figure is read from the chart's JSON (``proto.spec``) as the browser would get it; the
expected values are computed here with pandas from ``data/incidents.csv``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tracker import schema
from tracker.present import map_labels

ROOT = Path(__file__).resolve().parents[2]
SURGE = {"start": "2025-03-15", "end": "2025-03-17"}
PROVINCE_PAGES = {"Balochistan": ("pages/balochistan.py", "balochistan"),
                  "Khyber Pakhtunkhwa": ("pages/khyber_pakhtunkhwa.py", "khyber_pakhtunkhwa")}


def is_context(trace: dict) -> bool:
    """Crossings, CPEC sites and the corridor drawn over the incidents (not incidents)."""
    return trace.get("meta") == "context-layer"


def expand(value):
    """Plotly's base64 typed arrays (``{"dtype", "bdata"}``) as plain lists, at any depth."""
    if isinstance(value, list):
        return [expand(v) for v in value]
    if isinstance(value, dict):
        if isinstance(value.get("bdata"), str) and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]),
                                  dtype=np.dtype(value["dtype"]).newbyteorder("<"))
            if "shape" in value:
                shape = value["shape"]
                dims = shape if isinstance(shape, list) else str(shape).split(",")
                array = array.reshape([int(d) for d in dims])
            return array.tolist()
        return {k: expand(v) for k, v in value.items()}
    return value


def figure(at, key: str) -> dict:
    """The figure JSON of the chart whose widget key is ``key``."""
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert len(charts) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return expand(json.loads(charts[0].proto.spec))


def window(bundled: pd.DataFrame, province: str | None = None) -> pd.DataFrame:
    part = bundled[(bundled.date >= SURGE["start"]) & (bundled.date <= SURGE["end"])]
    return part if province is None else part[part.province == province]


def table_with(at, *columns: str) -> pd.DataFrame:
    """The one table on the page with these columns (tables carry no id in AppTest)."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def param(at, name: str) -> list[str]:
    """A query parameter's values (AppTest holds a single value as a plain string)."""
    value = at.query_params[name]
    return [value] if isinstance(value, str) else list(value)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def bubble_counts(fig: dict) -> dict[str, int]:
    """District → value from the district bubbles' hover and customdata."""
    (bubbles,) = [t for t in fig["data"] if t["type"] == "scattermap" and not is_context(t)]
    return {h.split("</b>")[0].removeprefix("<b>"): c[0]
            for h, c in zip(bubbles["hovertext"], bubbles["customdata"], strict=True)}


# --- Overview ------------------------------------------------------------------------------


def test_overview_map_counts_in_the_surge_equal_the_csv(app, bundled):
    at = app(query=SURGE)
    assert not at.exception
    expected = window(bundled)
    fig = figure(at, "overview_map")
    fill = fig["data"][0]
    assert fill["type"] == "choroplethmap"
    got = dict(zip(fill["locations"], fill["z"], strict=True))
    by_code = expected["province"].map(schema.PROVINCES).value_counts()
    assert got["PK-BA"] == by_code["PK-BA"] == len(window(bundled, "Balochistan"))
    assert got["PK-KP"] == by_code["PK-KP"] == len(window(bundled, "Khyber Pakhtunkhwa"))
    assert sum(got.values()) == len(expected)
    points = [t for t in fig["data"] if t["type"] == "scattermap" and t.get("hoverinfo") != "skip"
              and not is_context(t)]
    assert sum(len(t["lat"]) for t in points) == len(expected)
    assert map_labels.is_offline_style(fig["layout"]["map"]["style"])
    assert fig["layout"]["map"]["center"]["lat"] > 20
    (outline,) = [layer for layer in fig["layout"]["map"]["layers"] if layer["type"] == "line"]
    assert len(outline["source"]["features"]) == 7


def test_overview_killed_measure_and_timeline_equal_the_csv(app, bundled):
    at = app(query={**SURGE, "measure": "killed"})
    expected = window(bundled)
    fill = figure(at, "overview_map")["data"][0]
    got = dict(zip(fill["locations"], fill["z"], strict=True))
    killed = expected.groupby(expected["province"].map(schema.PROVINCES))["killed"].sum()
    assert got["PK-BA"] == int(killed["PK-BA"])
    assert got["PK-KP"] == int(killed["PK-KP"])
    timeline = figure(at, "overview_timeline")
    bars = [t for t in timeline["data"] if t["type"] == "bar" and t["name"] in schema.PROVINCES]
    per_province = {t["name"]: int(sum(t["y"])) for t in bars}
    expected_killed = expected.groupby("province")["killed"].sum()
    assert per_province == {p: int(v) for p, v in expected_killed.items() if v > 0}
    # the published monthly count stands beside them, as a daily step, never summed in
    assert any(t["name"] == "PICSS: attacks published (daily avg.)" for t in timeline["data"])
    days = sorted({x for t in bars for x in t["x"]})
    assert days[0] >= "2025-03-15" and days[-1] <= "2025-03-17"  # three weeks or less: by day


def test_overview_breakdowns_equal_the_csv(app, bundled):
    at = app(query=SURGE)
    expected = window(bundled)
    for column in ("attack_type", "target"):
        bars = figure(at, f"overview_by_{column}")["data"][0]
        assert dict(zip(bars["y"], bars["x"], strict=True)) == \
            expected[column].value_counts().to_dict()
    # an incident claimed jointly by two groups counts once for each
    bars = figure(at, "overview_by_perpetrator")["data"][0]
    assert dict(zip(bars["y"], bars["x"], strict=True)) == \
        expected["perpetrator"].str.split("; ").explode().value_counts().to_dict()


def test_overview_headline_and_data_line(app, bundled):
    at = app(query=SURGE)
    expected = window(bundled)
    shown = metrics(at)
    assert shown["Incidents"] == str(len(expected))
    assert shown["Killed"] == str(int(expected["killed"].sum()))
    assert shown["Districts affected"] == str(expected["district"].nunique())
    captions = [c.value for c in at.caption]
    assert any("15 Mar 2025 – 17 Mar 2025" in c and "19 sourced incidents" in c
               and "sample" in c for c in captions)
    assert any("known only to their district" in c for c in captions)


def test_rates_say_which_census_they_use(app, bundled):
    at = app(query={"measure": "incidents_per_million"})
    fill = figure(at, "overview_map")["data"][0]
    got = dict(zip(fill["locations"], fill["z"], strict=True))
    population = pd.read_csv(ROOT / "data" / "population.csv").set_index("iso_3166_2")["population"]
    n = bundled["province"].map(schema.PROVINCES).value_counts()
    assert got["PK-KP"] == pytest.approx(n["PK-KP"] / population["PK-KP"] * 1e6, abs=0.005)
    assert any("2023 census" in c.value and "2017" in c.value for c in at.caption)


def test_page_settings_round_trip_through_the_url(app):
    at = app(query={"measure": "casualties", "color": "perpetrator", "freq": "week"})
    assert at.selectbox(key="overview_measure").value == "casualties"
    assert at.radio(key="overview_color").value == "perpetrator"
    assert at.radio(key="overview_freq").value == "week"
    names = {t.get("name") for t in figure(at, "overview_map")["data"]}
    assert {"TTP", "BLA"} <= names
    at.selectbox(key="overview_measure").set_value("killed").run()
    at.radio(key="overview_color").set_value("attack_type").run()
    assert param(at, "measure") == ["killed"]
    assert "color" not in at.query_params  # the default leaves the link short
    assert param(at, "freq") == ["week"]


def test_bad_page_settings_are_ignored_with_a_notice(app):
    at = app(query={"measure": "<script>x</script>", "color": "mood", "freq": "fortnight"})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "<script>" not in notices  # quoted as escaped text, never markup
    shown = notices.replace("\\", "")  # the Markdown escapes, as a reader sees the notice
    assert "measure=" in shown and "color=mood" in shown and "freq=fortnight" in shown
    assert at.selectbox(key="overview_measure").value == "incidents"
    assert at.radio(key="overview_color").value == "attack_type"
    assert figure(at, "overview_map")["data"][0]["type"] == "choroplethmap"


def test_choosing_provinces_narrows_the_map(app, bundled):
    at = app(query={"province": ["PK-BA", "PK-KP"]})
    fill = figure(at, "overview_map")["data"][0]
    assert sorted(fill["locations"]) == ["PK-BA", "PK-KP"]
    table = at.dataframe[0].value
    assert set(table["Province"]) == {"Balochistan", "KP"}
    assert int(table["Incidents"].sum()) == int(
        bundled["province"].isin(["Balochistan", "Khyber Pakhtunkhwa"]).sum())


# --- province pages ------------------------------------------------------------------------


@pytest.mark.parametrize("province", list(PROVINCE_PAGES))
def test_province_page_surge_figures_equal_the_csv(app, bundled, province):
    path, key = PROVINCE_PAGES[province]
    at = app(path, query=SURGE)
    assert not at.exception
    expected = window(bundled, province)
    shown = metrics(at)
    assert shown["Incidents"] == str(len(expected))
    assert shown["Killed"] == str(int(expected["killed"].sum()))
    fig = figure(at, f"{key}_map")
    assert bubble_counts(fig) == expected["district"].value_counts().to_dict()
    (fill,) = [layer for layer in fig["layout"]["map"]["layers"] if layer["type"] == "fill"]
    assert fill["source"]["features"][0]["properties"]["province"] == province
    timeline = figure(at, f"{key}_timeline")
    assert sum(int(sum(t["y"])) for t in timeline["data"]) == len(expected)
    perps = figure(at, f"{key}_by_perpetrator")["data"][0]
    joint = expected["perpetrator"].str.split("; ").explode().value_counts()
    assert dict(zip(perps["y"], perps["x"], strict=True)) == joint.to_dict()
    ranked = table_with(at, "district", "incidents", "killed", "injured")
    assert dict(zip(ranked["district"], ranked["incidents"], strict=True)) == \
        expected["district"].value_counts().to_dict()


@pytest.mark.parametrize("province", list(PROVINCE_PAGES))
def test_province_page_all_dates_per_district_casualties(app, bundled, province):
    path, key = PROVINCE_PAGES[province]
    at = app(path, query={"size": "casualties"})
    part = bundled[bundled.province == province]
    expected = (part["killed"].fillna(0) + part["injured"].fillna(0)).groupby(
        part["district"]).sum()
    assert bubble_counts(figure(at, f"{key}_map")) == {d: int(v) for d, v in expected.items()}
    assert at.radio(key=f"{key}_size").value == "casualties"
    assert param(at, "size") == ["casualties"]
    incidents = table_with(at, "incident_id")
    assert len(incidents) == len(part)
    assert incidents["source_url"].str.startswith(("http://", "https://")).all()


def test_province_page_keeps_its_province_whatever_the_sidebar_says(app, bundled):
    at = app("pages/balochistan.py", query={**SURGE, "province": "PK-PB"})
    assert metrics(at)["Incidents"] == str(len(window(bundled, "Balochistan")))
    assert any("always shows Balochistan" in c.value for c in at.caption)


def test_province_page_with_nothing_to_show_says_so(app):
    at = app("pages/khyber_pakhtunkhwa.py", query={"q": "zzzz-no-such-text"})
    assert any("No incident matches" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    assert not at.exception


def test_province_pages_are_thin_calls_of_one_template():
    navigation = (ROOT / "app.py").read_text(encoding="utf-8")
    assert '"Provinces"' in navigation
    for province, (path, _) in PROVINCE_PAGES.items():
        assert path in navigation
        page = (ROOT / path).read_text(encoding="utf-8")
        assert f'province_page.render("{province}")' in page
        assert len(page.splitlines()) < 10


def test_a_district_boundary_file_turns_bubbles_into_a_choropleth(app, bundled, tmp_path,
                                                                  monkeypatch):
    """A user-added ``districts.geojson`` (here made-up squares, synthetic) is drawn."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for path in (ROOT / "data").iterdir():
        (data_dir / path.name).symlink_to(path)
    points = pd.read_csv(ROOT / "data" / "districts.csv").set_index("district")

    def square(name: str) -> dict:
        lat, lon = points.loc[name, "lat"], points.loc[name, "lon"]
        ring = [[lon - .2, lat - .2], [lon + .2, lat - .2], [lon + .2, lat + .2],
                [lon - .2, lat + .2], [lon - .2, lat - .2]]
        return {"type": "Feature", "properties": {"ADM2_EN": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    layer = {"type": "FeatureCollection", "features": [square("Quetta"), square("Kech")]}
    (data_dir / "districts.geojson").write_text(json.dumps(layer), encoding="utf-8")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(data_dir))
    at = app("pages/balochistan.py")
    assert not at.exception
    fig = figure(at, "balochistan_map")
    fill = next(t for t in fig["data"] if t["type"] == "choroplethmap")
    counts = bundled[bundled.province == "Balochistan"]["district"].value_counts()
    assert dict(zip(fill["locations"], fill["z"], strict=True)) == \
        {"Quetta": counts["Quetta"], "Kech": counts["Kech"]}
    assert sum(bubble_counts(fig).values()) + counts["Quetta"] + counts["Kech"] == counts.sum()
    assert any("data/districts.geojson" in c.value and "polygons" in c.value
               for c in at.caption)


def test_the_template_serves_any_province(app_store, bundled):
    """Sindh has no page of its own; the template draws one from the same code."""
    from streamlit.testing.v1 import AppTest

    def sindh_page():
        from tracker.ui import province_page

        province_page.render("Sindh")

    at = AppTest.from_function(sindh_page, default_timeout=90).run()
    assert not at.exception
    part = bundled[bundled.province == "Sindh"]
    assert metrics(at)["Incidents"] == str(len(part))
    assert bubble_counts(figure(at, "sindh_map")) == part["district"].value_counts().to_dict()
