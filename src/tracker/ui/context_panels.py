"""Borders on the page: the switch for the map's context layers, and the distance panel.

The panel kind is ``border_distance``: attacks by distance band to the Afghan (and, in
Balochistan, the Iranian) border, in counts and shares, with the brief's border takeaways
beside it. Logic and figures live in :mod:`tracker.analysis.context`.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from tracker.analysis import context
from tracker.present.text import md_escape
from tracker.ui import cards, memo

PANEL_KIND = "border_distance"
BORDERS_OF = {
    "Khyber Pakhtunkhwa": ("Afghanistan",),
    "Balochistan": ("Afghanistan", "Iran"),
}
"""Provinces that have a distance panel, and the borders it measures to."""


def apply_layer_switch(fig: go.Figure, *, key: str) -> go.Figure:
    """A switch above the map: borders, crossings and CPEC on (default) or off."""
    shown = st.toggle("Show border crossings and CPEC sites", value=True,
                      key=f"{key}_context_layers",
                      help="The layers come from data/context (sourced points; the "
                           "Karakoram Highway is drawn town to town). A click on a legend "
                           "entry also hides one layer.")
    return fig if shown else context.hide_layers(go.Figure(fig))  # a copy: fig may be shared


def border_distance_panel(frame, province: str, *, key: str) -> None:
    """Attacks by distance to the border(s) of ``province``, with the border takeaways."""
    borders = BORDERS_OF.get(province)
    if not borders:
        return
    with st.container(key=f"{key}_{PANEL_KIND}"):
        st.subheader("Distance to the border")
        columns = st.columns(len(borders), gap="medium")
        for column, country in zip(columns, borders, strict=True):
            with column:
                table, fig = memo.cached(  # distances to a border: seconds at 1M rows
                    "border_bands", frame, (country,),
                    lambda country=country: _bands(frame, country))
                st.plotly_chart(fig, theme=None,
                                key=f"{key}_{PANEL_KIND}_{country.lower()}",
                                config={"displaylogo": False})
                shown = table.assign(share=(table["share"] * 100).round(1))
                st.dataframe(shown, hide_index=True, width="stretch",
                             key=f"{key}_{PANEL_KIND}_{country.lower()}_table",
                             column_config={"band": "Distance to the border",
                                            "incidents": "Incidents",
                                            "share": st.column_config.NumberColumn(
                                                "Share of incidents in view",
                                                format="%.1f %%")})
                cards.inline_takeaways("border distance", (province,), frame,
                                       key=f"{key}_{PANEL_KIND}_{country.lower()}",
                                       shown=(context.BORDER_THEMES[country],))
        st.caption(md_escape(memo.cached("precision_note", frame, (),
                                         lambda: context.precision_note(frame))))
        if "Afghanistan" in borders:
            _near_border_check(frame)


def _bands(frame, country: str) -> tuple:
    table = context.distance_bands(frame, country)
    return table, context.bands_figure(table, country)


def _near_border_check(frame) -> None:
    """The statement the bands can test: most TTP attacks in view near the Afghan border."""
    check = memo.cached("near_border", frame, (), lambda: context.check_near_border(frame))
    st.caption(f"**A border statement the data can test.** {md_escape(check.cited)} "
               f"{md_escape(check.observed)}")
    st.badge(f"Verdict: {check.verdict}", color=cards.VERDICT_COLOURS[check.verdict],  # type: ignore[arg-type]
             icon=":material/fact_check:")


