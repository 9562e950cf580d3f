"""The Upload page's value-mapping step: the log's own wordings onto the fixed lists.

Each value of attack type, target, perpetrator or province that no list entry matches is
shown once, with its row count and a suggested word (:mod:`tracker.ingest.value_mapping`).
The researcher accepts, changes or leaves each; the choices go into the pipeline's options
and, when asked, are saved with the column mapping for files with the same columns. File
text reaches the screen only through ``st.data_editor`` cells (never Markdown or HTML).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from tracker.ingest import mappings, value_mapping
from tracker.ingest import pipeline as ingest
from tracker.present import safety
from tracker.ui import data

VALUES = "upload_values"
SURVEY = "upload_value_survey"
FIELD_NAMES = {"attack_type": "Attack type", "target": "Target", "perpetrator": "Group",
               "province": "Province"}
LEAVE = {"perpetrator": "(keep as written: a new group)"}
LEAVE_DEFAULT = "(leave: its rows are rejected)"


def _key(content: bytes, sheet: str | None) -> str:
    return hashlib.sha256(content).hexdigest() + "|" + str(sheet)


def _sheet(report: ingest.IngestReport) -> str | None:
    return report.reader.get("sheet") if len(report.reader.get("sheets", [])) > 1 else None


def leftovers(report: ingest.IngestReport, content: bytes
              ) -> tuple[list[value_mapping.Leftover], dict[int, str]]:
    """The file's left-over values and the rows outside Pakistan by a place name,
    surveyed once per file and column mapping."""
    key = (hashlib.sha256(content).hexdigest(), report.reader.get("sheet"),
           repr(report.options.mapping))
    held = st.session_state.get(SURVEY)
    if held is not None and held[0] == key:
        return held[1]
    found = value_mapping.survey_file(content, report.file_name, sheet=report.options.sheet,
                                      mapping=report.options.mapping)
    st.session_state[SURVEY] = (key, found)
    return found


def value_step(report: ingest.IngestReport, content: bytes) -> None:
    """List the values not on the fixed lists, with suggestions; apply and remember them."""
    if report.error or report.needs_mapping or report.format != "canonical":
        return
    key = _key(content, _sheet(report))
    chosen_all = st.session_state.setdefault(VALUES, {})
    if key not in chosen_all:
        saved = mappings.load_values(report.header, store=data.store())
        chosen_all[key] = saved
        if saved:  # a value mapping kept for these columns: read the file with it
            st.rerun()
    current = chosen_all.get(key) or {}
    found, away = leftovers(report, content)
    if away:
        shown = [f"row {row}, {place}" for row, place in sorted(away.items())[:20]]
        more = f" and {len(away) - 20:,} more" if len(away) > 20 else ""
        st.caption(safety.escape_markdown(
            "Counted as outside Pakistan because the place names a province or town of a "
            "neighbouring country: " + "; ".join(shown) + more + "."))
    if not found:
        return
    st.subheader("Map the values")
    st.caption("These values are not on the tracker's lists. Each is shown once with its "
               "number of rows and a suggested match: keep the suggestion, choose another "
               "word, or leave it (its rows are then rejected, with the reason shown).")
    edits: dict[str, pd.DataFrame] = {}
    for field in value_mapping.FIELDS:
        items = [item for item in found if item.field == field]
        if not items:
            continue
        leave = LEAVE.get(field, LEAVE_DEFAULT)
        mine = current.get(field, {})
        table = pd.DataFrame({
            "value": [item.value for item in items],
            "rows": [item.rows for item in items],
            "map to": [mine.get(item.value) or item.suggestion or leave for item in items],
            "suggested because": [item.why or "no close match" for item in items],
        })
        st.markdown(f"**{FIELD_NAMES[field]}** (your column "
                    f"{_quoted(items[0].column)})")
        edits[field] = st.data_editor(
            table, hide_index=True, width="stretch", key=f"upload_values_{field}",
            disabled=["value", "rows", "suggested because"],
            column_config={
                "value": st.column_config.TextColumn("Value in your file"),
                "rows": st.column_config.NumberColumn("Rows", format="%d"),
                "suggested because": st.column_config.TextColumn("Suggested because"),
                "map to": st.column_config.SelectboxColumn(
                    "Map to", options=[leave, *value_mapping.choices(field)], required=True),
            },
        )
    chosen = {field: {v: w for v, w in zip(frame["value"], frame["map to"], strict=True)
                      if w and not str(w).startswith("(")}
              for field, frame in edits.items()}
    chosen = {f: t for f, t in chosen.items() if t}
    remember = st.checkbox("Remember these values for files with the same columns",
                           value=True, key="upload_values_save")
    applied = chosen == {f: t for f, t in current.items() if t}
    if applied and current:
        st.caption("The rows below are read with these values.")
    if st.button("Apply values", key="upload_values_apply", type="primary",
                 disabled=applied):
        if remember:
            mappings.save(report.header, report.options.mapping or {}, store=data.store(),
                          values=chosen)
        chosen_all[key] = chosen
        st.rerun()


def _quoted(name: str) -> str:
    """A column name for a Markdown line, escaped so it cannot format or link."""
    return "“" + safety.escape_markdown(str(name)) + "”"
