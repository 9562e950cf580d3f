"""Context layers (crossings, CPEC), distances to the borders, the bands and the claim check."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.ops import nearest_points

from tracker import config, geo
from tracker.analysis import context
from tracker.briefs import claims
from tracker.present import charts

GEOD = Geod(ellps="WGS84")


def _incidents() -> pd.DataFrame:
    return pd.read_csv(config.data_dir() / "incidents.csv", parse_dates=["date"])


def _frame(points: list[tuple[float, float]], perpetrator: str = "TTP") -> pd.DataFrame:
    """Incidents at the given (lat, lon) points, each attributed to ``perpetrator``."""
    return pd.DataFrame({
        "incident_id": [f"T-{n}" for n in range(len(points))],
        "latitude": [p[0] for p in points], "longitude": [p[1] for p in points],
        "geo_precision": "exact", "perpetrator": perpetrator,
    })


# --- the layer files ---------------------------------------------------------------------

@pytest.mark.parametrize("table", ["crossings", "cpec_sites", "corridors"])
def test_every_feature_is_sourced(table):
    frame = getattr(context, table)()
    assert not frame.empty
    for column in ("coord_source", "source_url", "licence"):
        assert frame[column].str.strip().ne("").all(), column
    assert frame["source_url"].str.match(r"^https?://").all()
    assert frame["licence"].str.contains(r"CC BY|public domain").all()


def test_named_places_are_in_the_files():
    names = " ".join(context.crossings()["name"]) + " " + " ".join(context.cpec_sites()["name"])
    for place in ("Torkham", "Chaman", "Taftan", "Gwadar"):
        assert place in names


@pytest.mark.parametrize("table", ["crossings", "cpec_sites"])
def test_points_fall_in_their_province(table):
    frame = getattr(context, table)()
    found = geo.province_of_points(frame["lat"], frame["lon"])
    assert found.tolist() == frame["province"].tolist()


def test_corridor_vertices_are_in_their_province_or_on_its_border():
    frame = context.corridors()
    found = geo.province_of_points(frame["lat"], frame["lon"])
    off = frame[found != frame["province"]]
    # only the pass on the China border may lie a little outside the drawn boundary
    assert off["place"].tolist() == ["Khunjerab Pass"]
    km = context.distance_km(off["lat"], off["lon"], "China")
    assert (km < 3).all()


def test_crossings_lie_within_a_few_km_of_their_border():
    frame = context.crossings()
    for row in frame.itertuples():
        km = context.distance_km(pd.Series([row.lat]), pd.Series([row.lon]), row.border)[0]
        other = "Iran" if row.border == "Afghanistan" else "Afghanistan"
        far = context.distance_km(pd.Series([row.lat]), pd.Series([row.lon]), other)[0]
        assert km < 6, (row.name, km)
        assert far > 50, (row.name, far)
    torkham = frame[frame["id"] == "torkham"].iloc[0]
    assert context.distance_km(pd.Series([torkham.lat]), pd.Series([torkham.lon]),
                               "Afghanistan")[0] < 5


# --- distances -----------------------------------------------------------------------------

def test_border_lines_have_the_expected_length():
    # Natural Earth at 1:10m: about 2,250 km shared with Afghanistan and 820 km with Iran
    assert context.border_line("Afghanistan").length / 1000 == pytest.approx(2250, rel=0.03)
    assert context.border_line("Iran").length / 1000 == pytest.approx(820, rel=0.03)


@pytest.mark.parametrize(("place", "lat", "lon", "country", "low", "high"), [
    ("Torkham", 34.11472, 71.08472, "Afghanistan", 0.5, 3.0),
    ("Chaman", 30.92222, 66.44472, "Afghanistan", 2.5, 4.5),
    ("Taftan", 28.948, 61.5844, "Iran", 3.0, 6.0),
    # reports put the Gabd–Rimdan crossing, on the border, about 70 km from Gwadar
    ("Gwadar", 25.12639, 62.32250, "Iran", 60.0, 85.0),
    ("Karachi airport", 24.90667, 67.16083, "Afghanistan", 450.0, 650.0),
])
def test_distances_of_known_places(place, lat, lon, country, low, high):
    km = context.distance_km(pd.Series([lat]), pd.Series([lon]), country)[0]
    assert low <= km <= high, (place, km)


@pytest.mark.parametrize(("lat", "lon", "country"), [
    (34.01, 71.58, "Afghanistan"),  # Peshawar
    (30.18, 66.99, "Afghanistan"),  # Quetta
    (26.00, 63.04, "Iran"),  # Turbat
    (25.12, 62.32, "Iran"),  # Gwadar
])
def test_projected_distance_matches_the_geodesic_one(lat, lon, country):
    """The projection's distance agrees with the ellipsoidal one to the same border point."""
    point = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs="EPSG:4326").to_crs(
        context.PAKISTAN_LCC)[0]
    nearest = nearest_points(point, context.border_line(country))[1]
    back = gpd.GeoSeries([nearest], crs=context.PAKISTAN_LCC).to_crs("EPSG:4326")[0]
    _, _, metres = GEOD.inv(lon, lat, back.x, back.y)
    km = context.distance_km(pd.Series([lat]), pd.Series([lon]), country)[0]
    assert km == pytest.approx(metres / 1000, rel=0.01)


def test_distance_is_nan_without_a_point_and_keeps_the_index():
    lat = pd.Series([34.11472, np.nan, 34.11472], index=[7, 8, 9])
    lon = pd.Series([71.08472, 71.0, 71.08472], index=[7, 8, 9])
    km = context.distance_km(lat, lon, "Afghanistan")
    assert km.index.tolist() == [7, 8, 9]
    assert np.isnan(km[8]) and km[7] == km[9]


def test_border_distances_say_what_each_was_measured_from():
    frame = _incidents().head(20)
    table = context.border_distances(frame)
    assert len(table) == 20
    assert set(table["measured_from"]) <= {"district", "exact", "province", context.NO_LOCATION}
    assert table["km_afghanistan"].notna().all()


def test_unknown_border_is_refused():
    with pytest.raises(ValueError, match="Atlantis"):
        context.border_line("Atlantis")


# --- bands ---------------------------------------------------------------------------------

@pytest.mark.parametrize("province", ["Khyber Pakhtunkhwa", "Balochistan", None])
@pytest.mark.parametrize("country", ["Afghanistan", "Iran"])
def test_bands_sum_to_the_incidents_in_view(province, country):
    frame = _incidents()
    if province:
        frame = frame[frame["province"] == province]
    table = context.distance_bands(frame, country)
    assert table["incidents"].sum() == len(frame)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["band"].head(4).tolist() == ["0–25 km", "25–50 km", "50–100 km",
                                              "over 100 km"]


def test_bands_count_incidents_without_a_location_apart():
    frame = _frame([(34.11472, 71.08472), (24.90667, 67.16083), (np.nan, np.nan)])
    table = context.distance_bands(frame, "Afghanistan").set_index("band")["incidents"]
    assert table.to_dict() == {"0–25 km": 1, "25–50 km": 0, "50–100 km": 0,
                               "over 100 km": 1, context.NO_LOCATION: 1}


def test_bands_of_an_empty_view_are_zero():
    table = context.distance_bands(_frame([]), "Iran")
    assert table["incidents"].sum() == 0 and (table["share"] == 0).all()


# --- the claim check -------------------------------------------------------------------------

TORKHAM = (34.11472, 71.08472)
KARACHI = (24.90667, 67.16083)


def test_claim_holds_when_most_ttp_attacks_are_near_the_border():
    frame = pd.concat([_frame([TORKHAM] * 8 + [KARACHI] * 3),
                       _frame([KARACHI] * 20, perpetrator="BLA")], ignore_index=True)
    check = context.check_near_border(frame)
    assert check.verdict == claims.CONSISTENT
    assert check.figures["located"] == 11 and check.figures["within"] == 8


def test_claim_not_shown_when_most_are_far():
    check = context.check_near_border(_frame([TORKHAM] * 4 + [KARACHI] * 8))
    assert check.verdict == claims.NOT_SHOWN
    assert "4 of 12" in check.observed


def test_claim_too_thin_below_the_minimum():
    check = context.check_near_border(_frame([TORKHAM] * 5 + [(np.nan, np.nan)] * 9))
    assert check.verdict == claims.TOO_THIN
    assert "9 without a location" in check.observed


def test_claim_counts_a_group_named_among_several():
    frame = _frame([TORKHAM] * 10, perpetrator="TTP; Lashkar-e-Islam")
    assert context.check_near_border(frame).figures["within"] == 10


def test_claim_on_the_bundled_data_matches_a_count_by_hand():
    frame = _incidents()
    check = context.check_near_border(frame)
    ttp = frame[frame["perpetrator"].fillna("").str.split("; ").map(lambda v: "TTP" in v)]
    km = context.distance_km(ttp["latitude"], ttp["longitude"], "Afghanistan")
    assert check.figures["within"] == int((km < 50).sum())
    assert check.figures["located"] == int(km.notna().sum())


# --- maps ------------------------------------------------------------------------------------

def test_maps_draw_the_layers_on_top_as_named_traces():
    frame = _incidents()
    for fig in (charts.district_map(frame, province="Balochistan", context_layers=True),
                charts.province_map(frame, context_layers=True)):
        names = [t.name for t in fig.data]
        layers = [n for n in names if n in context.LAYER_NAMES]
        assert list(dict.fromkeys(layers)) == [context.CORRIDOR, context.CPEC_SITES,
                                               context.CROSSINGS]
        assert names[-len(layers):] == layers  # drawn last, so on top
        shown = [t.name for t in fig.data if t.name in context.LAYER_NAMES and t.showlegend]
        assert sorted(shown) == sorted(context.LAYER_NAMES)  # one legend entry each
        line = next(t for t in fig.data if t.name == context.CORRIDOR)
        assert line.mode == "lines" and len(line.lat) == len(context.corridors())
        crossing = next(t for t in fig.data if t.name == context.CROSSINGS)
        assert "Torkham" in crossing.text and all(crossing.hovertext)


def test_maps_leave_the_layers_out_unless_asked():
    fig = charts.district_map(_incidents(), province="Balochistan")
    assert not set(context.LAYER_NAMES) & {t.name for t in fig.data}


def test_layers_can_be_switched_off():
    fig = context.hide_layers(charts.district_map(_incidents(), province="Khyber Pakhtunkhwa",
                                                  context_layers=True))
    states = {t.name: t.visible for t in fig.data}
    assert all(states[n] == "legendonly" for n in context.LAYER_NAMES)
    assert states["District bubbles: incidents"] is not False


def test_layer_text_is_escaped(monkeypatch):
    hostile = context.crossings().head(1).assign(name="<img src=x onerror=alert(1)>",
                                                 note="<script>x</script>")
    monkeypatch.setattr(context, "crossings", lambda: hostile)
    trace = next(t for t in context.map_layers() if t.name == context.CROSSINGS)
    assert "<img" not in trace.text[0] and "&lt;img" in trace.text[0]
    assert "<script>" not in trace.hovertext[0]


def test_each_border_chart_gets_the_takeaways_of_its_border():
    from tracker.briefs import panels as panel_takeaways

    for region, country in (("Khyber Pakhtunkhwa", "Afghanistan"), ("Balochistan", "Iran"),
                            ("Balochistan", "Afghanistan")):
        theme = context.BORDER_THEMES[country]
        chosen = panel_takeaways.select("border distance", (region,), shown=(theme,))
        assert chosen, (region, country)
        assert {c.item.takeaway.theme for c in chosen} == {theme}


def test_slides_show_each_layer_once_in_the_legend():
    from tracker.present import slides

    deck = slides.load_deck()
    slide = next(s for s in deck.slides if s.figure == "district_map")
    fig = slides.build_figure(slide, slides.slide_frame(slide, _incidents()))
    shown = [t.name for t in fig.data if context.is_layer(t) and t.showlegend is not False]
    assert sorted(shown) == sorted(context.LAYER_NAMES)
