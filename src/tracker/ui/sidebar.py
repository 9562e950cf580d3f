"""The shared filter sidebar: widgets ⇄ :class:`~tracker.analysis.filters.FilterSpec` ⇄ URL.

On a session's first run the URL's query parameters seed the widgets (bad values are
dropped with a visible notice); on every run the widgets' state is written back to the
URL, so the address bar always holds a link to the exact view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from tracker.analysis import asof, filters
from tracker.analysis.filters import FilterSpec
from tracker.present.safety import plain_text
from tracker.ui import data, memo

CUSTOM = "Custom range"
OTHER_PARAMS = ("present", "slide", "page", "step", "part", "measure", "color", "freq", "size",
                "briefing")
"""Query parameters owned by pages rather than the filter; kept and never reported."""

_KEYS = {
    "provinces": "flt_provinces",
    "districts": "flt_districts",
    "attack_types": "flt_types",
    "targets": "flt_targets",
    "perpetrators": "flt_perps",
}


def filter_sidebar(frame: pd.DataFrame) -> FilterSpec:
    """Draw the filters in the sidebar and return the spec they describe."""
    options, presets, span = memo.cached(  # once per table: seconds at a million rows
        "sidebar", frame, (), lambda: (filters.option_values(frame),
                                       filters.date_presets(frame), filters.data_span(frame)))
    options = {name: list(values) for name, values in options.items()}  # shared: copied
    presets = dict(presets)
    if "flt_seeded" not in st.session_state:
        _seed_from_url(options, presets, span)
    sb = st.sidebar
    sb.header("Filters")
    period = sb.selectbox("Period", [*presets, CUSTOM], key="flt_period")
    if period == CUSTOM:
        span = span or (dt.date(2024, 1, 1), dt.date.today())
        st.session_state.setdefault("flt_range", span)
        chosen = sb.date_input("From – to", key="flt_range", format="DD/MM/YYYY")
        start, end = _range(chosen)
    else:
        start, end = presets[period]
    sb.multiselect("Provinces", options["provinces"], key=_KEYS["provinces"],
                   placeholder="All provinces")
    sb.multiselect("Districts", options["districts"], key=_KEYS["districts"],
                   placeholder="All districts")
    with sb.expander("Type, target, perpetrator, search"):
        st.multiselect("Attack types", options["attack_types"], key=_KEYS["attack_types"],
                       placeholder="All types")
        st.multiselect("Targets", options["targets"], key=_KEYS["targets"],
                       placeholder="All targets")
        st.multiselect("Perpetrators", options["perpetrators"], key=_KEYS["perpetrators"],
                       placeholder="All groups")
        st.number_input("Minimum killed + injured", min_value=0, max_value=10_000, step=1,
                        key="flt_min_cas")
        st.text_input("Search summaries and places", key="flt_text", max_chars=filters.MAX_TEXT)
    spec = FilterSpec(
        start=start,
        end=end,
        min_casualties=int(st.session_state.get("flt_min_cas") or 0),
        text=str(st.session_state.get("flt_text") or ""),
        **{name: tuple(st.session_state.get(key) or ()) for name, key in _KEYS.items()},
        as_of=data.as_of(),  # read from the link before the data loaded
    )
    _write_url(spec)
    for notice in st.session_state.get("flt_notices", []):
        sb.warning(plain_text(notice), icon="⚠️")  # notices quote the link
    return spec


def _seed_from_url(options: dict[str, list[str]], presets: dict,
                   span: tuple[dt.date, dt.date] | None) -> None:
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    spec, notices = FilterSpec.from_query(
        params,
        known_districts=options["districts"],
        known_perpetrators=options["perpetrators"],
        ignore=(*OTHER_PARAMS, asof.PARAM),  # as_of: see tracker.ui.data.as_of
    )
    state = st.session_state
    state["flt_seeded"] = True
    state["flt_notices"] = notices
    match = [name for name, rng in presets.items() if rng == (spec.start, spec.end)]
    if match:
        state["flt_period"] = match[0]
    else:
        state["flt_period"] = CUSTOM
        # A link with one bound only keeps the data's own edge for the other, so that the
        # same link shows the same view on a later day.
        first, last = span or (dt.date(2024, 1, 1), dt.date.today())
        state["flt_range"] = (spec.start or min(first, spec.end or first),
                              spec.end or max(last, spec.start or last))
    for name, key in _KEYS.items():
        state[key] = [v for v in getattr(spec, name) if v in options[name]]
    state["flt_min_cas"] = spec.min_casualties
    state["flt_text"] = spec.text


def _range(chosen: object) -> tuple[dt.date | None, dt.date | None]:
    if isinstance(chosen, tuple | list):
        if len(chosen) == 2:
            return chosen[0], chosen[1]
        if len(chosen) == 1:
            return chosen[0], chosen[0]
        return None, None
    if isinstance(chosen, dt.date):
        return chosen, chosen
    return None, None


def _write_url(spec: FilterSpec) -> None:
    wanted = spec.to_query()
    keep = {k: st.query_params.get_all(k) for k in st.query_params if k in OTHER_PARAMS}
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    target = {**keep, **{k: v if isinstance(v, list) else [v] for k, v in wanted.items()}}
    if current != target:
        st.query_params.from_dict(target)


def spec_for_province(spec: FilterSpec, province: str) -> FilterSpec:
    """The same filter narrowed to one province (for the province pages)."""
    return dataclasses.replace(spec, provinces=(province,))


def url_choice(label: str, param: str, options: Mapping[str, str], *, key: str,
               default: str | None = None, kind: str = "radio", container=None,
               help: str | None = None) -> str:
    """A page's own view setting (measure, colour, frequency…) kept in the URL.

    ``param`` must be one of :data:`OTHER_PARAMS`. On the widget's first run in a session
    the link's value seeds it (a bad value falls back to ``default`` with a visible
    notice); afterwards the widget's value is written back, so a copied link reopens the
    same view. The choice also survives a visit to another page.
    """
    if param not in OTHER_PARAMS:
        raise ValueError(f"`param` was {param!r} but is expected to be one of {OTHER_PARAMS}")
    values = list(options)
    default = default if default is not None else values[0]
    state = st.session_state
    remembered = f"url_choice_{key}"
    notices = state.setdefault("view_notices", {})
    if key not in state:
        raw = st.query_params.get_all(param)
        value, notice = filters.choice_from_query(param, raw, values, default)
        if not raw and state.get(remembered) in values:
            value = state[remembered]
        state[key] = value
        if notice:
            notices[key] = (notice, value)
    box = container if container is not None else st
    if kind == "select":
        value = box.selectbox(label, values, format_func=options.get, key=key, help=help)
    else:
        value = box.radio(label, values, format_func=options.get, key=key, horizontal=True,
                          help=help)
    state[remembered] = value
    notice = notices.get(key)
    if notice and notice[1] == value:
        box.warning(plain_text(notice[0]), icon="⚠️")  # notices quote the link
    if value == default:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value
    return value
