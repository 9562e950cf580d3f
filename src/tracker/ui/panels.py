"""The panels of the Overview and province pages: map, timeline, breakdowns, incident list.

Each panel reads its own view settings (kept in the URL), draws a figure built by
:mod:`tracker.present.charts`, puts a table beside every map and says under it what the figures
show. Pages call the panels in sections, so a new section is one more call.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from tracker import config, geo, schema
from tracker.analysis import aggregates, coverage
from tracker.analysis.filters import FilterSpec
from tracker.briefs import panels as panel_takeaways
from tracker.present import charts, shapes, tables, timelines, wording
from tracker.ui import cards, context_panels, exports, layout, memo
from tracker.ui.sidebar import url_choice

PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": True}
BREAKDOWN_KINDS = {"attack_type": "attack types", "target": "targets",
                   "perpetrator": "perpetrators"}
"""Breakdown column → the panel kind its takeaways are chosen for."""
TABLE_LIMIT = 5_000
LENS_LABELS = {"sample": "This dataset", "published": "Published totals"}
"""The lens of timelines and the province map: the sample's counts or the published ones."""
"""Rows an incident list under a panel shows at most (the browser gets every row sent)."""


def province_map_panel(frame: pd.DataFrame, spec: FilterSpec, *, key: str,
                       everything: pd.DataFrame | None = None) -> str:
    """Province choropleth with the incidents on top, its table, and what it shows.

    Returns the chosen measure, so the timeline and breakdowns can follow it.
    """
    st.subheader("Where")
    pick_measure, pick_color = st.columns([3, 2])
    measure = url_choice("Shade provinces by", "measure", charts.MEASURE_LABELS,
                         key=f"{key}_measure", kind="select", container=pick_measure)
    color_by = url_choice("Colour incidents by", "color", charts.COLOR_BY,
                          key=f"{key}_color", container=pick_color)
    totals, why_not = (None, "") if everything is None else coverage.province_totals(
        everything, coverage.load_reference(),
        spec.provinces or tuple(schema.PROVINCES), spec.start, spec.end)
    lens = st.radio("Shade provinces with", list(LENS_LABELS), format_func=LENS_LABELS.get,
                    horizontal=True, key=f"{key}_map_lens", disabled=totals is None,
                    help="Published totals: PICSS's (or PIPS's) monthly attack counts added "
                         "up over the period, per province; each province names its "
                         "publisher." + (f" Not available: {why_not}." if why_not else ""))
    if totals is None:
        lens = "sample"
        if why_not:
            st.caption(f"“Published totals” is off for this map: {why_not}.")
    map_col, table_col = st.columns([3, 2], gap="medium")
    with map_col:
        fig = memo.cached(
            "province_map", frame, (measure, color_by, spec, lens),
            lambda: charts.province_map(frame, measure=measure, color_by=color_by,
                                        provinces=spec.provinces, context_layers=True,
                                        published=totals if lens == "published" else None))
        fig = context_panels.apply_layer_switch(fig, key=key)
        st.plotly_chart(fig, key=f"{key}_map", theme=None, config=PLOTLY_CONFIG)
        cards.inline_takeaways("province map", spec.regions, frame, key=f"{key}_map")
    with table_col:
        table = (memo.cached("province_table", frame, (spec, measure),
                             lambda: _province_table(frame, spec, measure))
                 if lens == "sample" else
                 totals.rename(columns={"province": "Province", "publisher": "Publisher",
                                        "published": "Attacks published",
                                        "dataset": "In this dataset"}))
        st.dataframe(table, hide_index=True, width="stretch", key=f"{key}_map_table")
    layout.caption_data_line(frame, spec)
    for note in (charts.incident_layer_note(frame),
                 wording.census_note(spec.provinces) if measure.endswith("per_million")
                 else None):
        if note:
            st.caption(note)
    # drawn only while open (opening reruns the page): its rows are megabytes at 1M rows
    listing = st.expander("Incidents on this map, with their sources",
                          key=f"{key}_map_list_open", on_change="rerun")
    with listing:
        if listing.open:
            # no downloads here: the Overview offers them under the map (exports.export_row)
            incident_table(frame, key=f"{key}_map_incidents", downloads=False)
    return measure


def district_map_panel(frame: pd.DataFrame, spec: FilterSpec, province: str, *,
                       key: str) -> str:
    """District bubbles (or a district choropleth) for one province, with a ranked table.

    Returns the chosen size measure (incidents or casualties).
    """
    st.subheader("Districts")
    size_by = url_choice("Size districts by", "size", charts.SIZE_BY, key=f"{key}_size")
    district_shapes = _district_shapes(_districts_file_stamp(), province)
    map_col, table_col = st.columns([3, 2], gap="medium")
    with map_col:
        fig = memo.cached(
            "district_map", frame, (province, size_by, _districts_file_stamp()),
            lambda: charts.district_map(frame, province=province, size_by=size_by,
                                        district_shapes=district_shapes, context_layers=True))
        fig = context_panels.apply_layer_switch(fig, key=key)
        st.plotly_chart(fig, key=f"{key}_map", theme=None, config=PLOTLY_CONFIG)
        exports.png_button(fig, key=f"{key}_map", name=f"{key}-districts")
        cards.inline_takeaways("district map", (province,), frame, key=f"{key}_map")
    with table_col:
        ranked = memo.cached("district_table", frame, (size_by,),
                             lambda: aggregates.count_by_district(frame).sort_values(
                                 [size_by, "district"], ascending=[False, True]))
        st.dataframe(
            ranked[["district", "incidents", "killed", "injured"]], hide_index=True,
            width="stretch", key=f"{key}_district_table",
            column_config={"district": "District", "incidents": "Incidents",
                           "killed": "Killed", "injured": "Injured"},
        )
    layout.caption_data_line(frame, spec)
    st.caption(
        "District polygons from data/districts.geojson; districts without one are bubbles."
        if district_shapes else
        "Bubbles sit at each district's gazetteer point: no district boundaries are bundled "
        "(add data/districts.geojson to draw them)."
    )
    return size_by


def timeline_panel(frame: pd.DataFrame, regions: tuple[str, ...], *, key: str,
                   measure: str = "incidents", by: str | None = "province",
                   everything: pd.DataFrame | None = None,
                   spec: FilterSpec | None = None) -> None:
    """Stacked bars over time; the step (day, week, month) is kept in the URL.

    With ``everything`` and ``spec``, the published monthly count for the area in view is
    drawn beside the bars (see :func:`published_for`) and a lens switches the bars to it.
    """
    st.subheader("When")
    pick_freq, pick_lens = st.columns([3, 2])
    freq = url_choice("Count per", "freq", charts.FREQ_LABELS, key=f"{key}_freq",
                      default=default_freq(frame), container=pick_freq)
    published, note = (memo.cached("published_for", frame, (spec, memo.key_of(everything)),
                                    lambda: published_for(frame, everything, spec))
                        if spec is not None and everything is not None else (None, ""))
    usable = published is not None and published["published"].notna().any()
    why_not = ("" if usable and freq == "month" else
               "published figures are monthly: choose Month" if usable else
               "no published monthly count for this area and period")
    lens = pick_lens.radio("Bars show", list(LENS_LABELS), format_func=LENS_LABELS.get,
                           horizontal=True, key=f"{key}_lens", disabled=bool(why_not),
                           help="Published totals: the publisher's monthly count of attacks, "
                                "with this dataset's count as a line. "
                                + (f"Not available: {why_not}." if why_not else ""))
    if why_not and lens == "published":
        lens = "sample"
    fig = memo.cached(
        "timeline", frame, (freq, measure, by, usable, lens, spec, memo.key_of(everything)),
        lambda: timelines.timeline_chart(frame, freq=freq, measure=measure, by=by,
                                         published=published if usable else None, lens=lens))
    st.plotly_chart(fig, key=f"{key}_timeline", theme=None, config=PLOTLY_CONFIG)
    if note:
        st.caption(note)
    if why_not and published is not None and usable:
        st.caption(f"“Published totals” is off: {why_not}.")
    exports.png_button(fig, key=f"{key}_timeline", name=f"{key}-timeline-{freq}")
    cards.inline_takeaways("timeline", regions, frame, key=f"{key}_timeline")


def breakdown_panel(frame: pd.DataFrame, regions: tuple[str, ...], *, key: str,
                    measure: str = "incidents",
                    columns: tuple[str, ...] = ("attack_type", "target", "perpetrator")) -> None:
    """Bars per attack type, target and perpetrator, two to a row (long names need room),
    each with the takeaways chosen for the groups or targets it shows."""
    st.subheader("What and who")
    titles = {"attack_type": "Attack type", "target": "Target", "perpetrator": "Perpetrator"}
    for start in range(0, len(columns), 2):
        row = columns[start:start + 2]
        for col, column in zip(st.columns(2 if len(row) == 2 else [2, 1]), row, strict=False):
            with col:
                fig = memo.cached(
                    "breakdown", frame, (column, measure),
                    lambda column=column: charts.breakdown_chart(
                        frame, column, measure=measure, title=titles[column]))
                st.plotly_chart(fig, key=f"{key}_by_{column}", theme=None,
                                config=PLOTLY_CONFIG)
                exports.png_button(fig, key=f"{key}_by_{column}", name=f"{key}-{column}")
                cards.inline_takeaways(
                    BREAKDOWN_KINDS[column], regions, frame, key=f"{key}_by_{column}",
                    shown=memo.cached("shown_values", frame, (column, measure),
                                      lambda column=column: panel_takeaways.shown_values(
                                          frame, column, measure=measure)))


def incident_table(frame: pd.DataFrame, *, key: str, limit: int = TABLE_LIMIT,
                   downloads: bool = True) -> None:
    """The incident list with a link to each source (the newest ``limit`` rows), and
    every row of ``frame`` as CSV and Excel unless ``downloads`` is off."""
    if len(frame) > limit:
        st.caption(f"The newest {limit:,} of {len(frame):,} incidents; the Incidents page "
                   "lists more.")
    shown = memo.cached("incident_table", frame, (limit,), lambda: tables.incident_table(
        frame.nlargest(limit, "date") if len(frame) > limit else frame))
    layout.show_incidents(shown, key=key)
    if downloads:
        exports.incidents_buttons(frame, key=key, stem=key.replace("_", "-"))


def published_for(frame: pd.DataFrame, everything: pd.DataFrame,
                  spec: FilterSpec) -> tuple[pd.DataFrame | None, str]:
    """The coverage join for the timeline's area and months, and a caption in words.

    None (with the reason) where no publisher counts the area in view as one figure.
    """
    scope = coverage.area_scope(spec.provinces, spec.districts)
    if scope is None:
        what = "district" if spec.districts else "set of provinces"
        return None, (f"No publisher gives a monthly attack count for this {what}, so the "
                      "timeline shows this dataset only; the sample's coverage of each month "
                      "is unknown here (see the Coverage page for Pakistan and provinces).")
    if frame.empty:
        return None, ""
    start = spec.start or frame["date"].min().date()
    end = spec.end or frame["date"].max().date()
    table = coverage.monthly_coverage(everything, coverage.load_reference(), scope,
                                      start=start, end=end)
    if table["published"].isna().all():
        return table, (f"No publisher's monthly count of attacks in {scope} falls in this "
                       "period, so every month is marked as of unknown coverage.")
    known = table.dropna(subset=["published"])
    publishers = " and ".join(p for p in coverage.PUBLISHER_ORDER if p in set(known["publisher"]))
    text = (f"Lines: the monthly count of attacks {publishers} published for {scope} "
            "(attacks only; never added to this dataset's counts nor to each other; PICSS "
            "where it published, PIPS otherwise); by week or day, a step at the month's "
            "weekly or daily average. Hover a month for the share this sample holds. "
            f"Hatched, faded bars: the sample holds under {coverage.low_coverage_pct():g}% "
            "of the published count, or no figure was published — their height says more "
            "about collection than about violence.")
    if known["parts"].any():
        text += (" Some Khyber Pakhtunkhwa months add the publisher's own tribal and settled "
                 "district counts.")
    gaps = int(table["published"].isna().sum())
    if gaps:
        text += f" {gaps} of {len(table)} months have no published figure."
    return table, text


def default_freq(frame: pd.DataFrame) -> str:
    """Day for a few weeks of data, week up to a year, month beyond."""
    if frame.empty:
        return "month"
    days = (frame["date"].max() - frame["date"].min()).days
    return "day" if days <= 45 else "week" if days <= 366 else "month"


def _province_table(frame: pd.DataFrame, spec: FilterSpec, measure: str) -> pd.DataFrame:
    summary = aggregates.province_summary(frame, spec.provinces)
    summary["province"] = summary["province"].map(schema.PROVINCE_SHORT)
    if measure.endswith("_per_million"):
        base = measure.removesuffix("_per_million")
        columns = {"province": "Province", base: charts.MEASURE_LABELS[base],
                   measure: "Per million", "census": "Census"}
    elif measure == "casualties":
        columns = {"province": "Province", "incidents": "Incidents",
                   "casualties": "Killed + injured"}
    else:
        columns = {"province": "Province", "incidents": "Incidents", "killed": "Killed",
                   "injured": "Injured"}
    return summary.sort_values(measure, ascending=False)[list(columns)].rename(columns=columns)


def _districts_file_stamp() -> float | None:
    path = Path(config.data_dir()) / "districts.geojson"
    return path.stat().st_mtime if path.exists() else None


@st.cache_resource(show_spinner=False, max_entries=16)
def _district_shapes(stamp: float | None, province: str) -> dict | None:
    """District polygons for ``province`` from the optional file (re-read when it changes)."""
    if stamp is None:
        return None
    return shapes.district_shapes(geo.district_geojson(), province)

