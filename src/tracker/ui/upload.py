"""The Upload page's parts: choose a file, map its columns, preview the report, commit.

All decisions are made by :mod:`tracker.ingest.pipeline`; this module only shows its report. Text
from the file reaches the screen through ``st.dataframe`` (never rendered as Markdown or
HTML) or escaped with :func:`tracker.present.safety.escape_markdown`.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from tracker import config
from tracker.access import roles
from tracker.ingest import mappings
from tracker.ingest import pipeline as ingest
from tracker.present import safety
from tracker.store.database import StoreError
from tracker.ui import data, replace

STATE = "upload_report"
VALUES = "upload_values"
NOT_MAPPED = "(not used)"
FORMATS = {
    "auto": "Recognise by columns",
    "canonical": "Canonical (this tracker's columns)",
    "acled": "ACLED export",
    "gtd": "Global Terrorism Database (GTD)",
    "ucdp": "UCDP GED",
}


def choose_file() -> tuple[bytes, str] | None:
    """The file uploader, with the limits said up front."""
    limits = config.limits()
    said = (f"CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab separated) or Excel "
            f".xlsx. Up to {limits.max_upload_mb} MB, {limits.max_rows:,} rows, "
            f"{limits.max_columns:,} columns and {limits.max_cell_chars:,} characters a cell. "
            "Nothing is saved until you press Save.")
    caption = st.empty()  # said up front; once a file is chosen, the steps need the room
    upload = st.file_uploader("Incident log", type=["csv", "tsv", "txt", "xlsx"],
                              key="upload_file", help=said)
    if upload is None:
        caption.caption(said)
        return None
    return upload.getvalue(), upload.name


def choose_options(content: bytes, name: str) -> ingest.IngestOptions:
    """Format, sheet and date order; the column mapping when one was applied."""
    from tracker.ingest.readers import sheet_names

    sheets = sheet_names(content)
    columns = st.columns(3 if len(sheets) > 1 else 2)
    file_format = columns[0].selectbox("Format", list(FORMATS), format_func=FORMATS.get,
                                       key="upload_format")
    sheet = columns[1].selectbox("Sheet", sheets, key="upload_sheet") if len(sheets) > 1 else None
    order = columns[-1].selectbox(
        "Slash dates like 03/04/2025", ["auto", "day-first", "month-first"],
        format_func={"auto": "Automatic: day first unless the file shows month first",
                     "day-first": "Day first (3 April)",
                     "month-first": "Month first (4 March)"}.get,
        key="upload_date_order",
    )
    mapping = st.session_state.get("upload_mapping", {}).get(_signature(content, sheet))
    if mapping:
        st.caption("The columns are read with the mapping you chose.")
        if st.button("Change the column mapping", key="upload_mapping_reset"):
            st.session_state["upload_mapping"].pop(_signature(content, sheet), None)
            st.rerun()
    values = st.session_state.get(VALUES, {}).get(_signature(content, sheet))
    return ingest.IngestOptions(format=file_format, sheet=sheet, mapping=mapping,
                                date_order=order, values=values or None)


def report_for(content: bytes, name: str, options: ingest.IngestOptions) -> ingest.IngestReport:
    """Run the pipeline once per file and options; later reruns reuse the report."""
    key = (hashlib.sha256(content).hexdigest(), name, repr(options))
    held = st.session_state.get(STATE)
    if held is not None and held[0] == key:
        return held[1]
    with st.spinner("Checking every row…"):
        bar = st.progress(0.0, text="Reading…") if len(content) > 5 * 1024 * 1024 else None
        estimate = max(1, content.count(b"\n")) if bar is not None else 1

        def progress(stage: str, rows: int) -> None:
            if bar is not None:
                bar.progress(min(rows / estimate, 1.0),
                             text=f"{stage.capitalize()} {rows:,} rows of about {estimate:,}")

        report = ingest.ingest_bytes(content, name, store=replace.store(), options=options,
                                     progress=progress)
        if bar is not None:
            bar.empty()
    st.session_state[STATE] = (key, report)
    return report


def mapping_step(report: ingest.IngestReport, content: bytes) -> None:
    """Pair the file's columns with the tracker's fields (suggested, or saved earlier)."""
    st.subheader("Map the columns")
    saved = report.saved_mapping
    start = saved or {c: f for c, f in report.suggestions.items() if f}
    open_ = [c for c in report.header if not start.get(c)]
    st.caption("Say which field each column holds. Suggestions come from the column names "
               "and their cells"
               + ("; the mapping saved for these columns is filled in" if saved else "")
               + (f". {len(open_)} column(s) without a suggestion come first." if open_
                  else "."))
    order = open_ + [c for c in report.header if start.get(c)]  # decisions first
    table = pd.DataFrame({
        "column": order,
        "example": [_example(report, c) for c in order],
        "field": [start.get(c) or NOT_MAPPED for c in order],
    })
    edited = st.data_editor(
        table, hide_index=True, width="stretch", key="upload_mapping_editor",
        disabled=["column", "example"],
        column_config={
            "column": st.column_config.TextColumn("Your column", width="small"),
            "example": st.column_config.TextColumn("First value", width="small"),
            "field": st.column_config.SelectboxColumn(
                "Tracker field", options=[NOT_MAPPED, *mappings.MAPPABLE], required=True,
                width="large", format_func=_field_label,
                help="What the column holds: each choice says what it means, with an example.")},
    )
    chosen = {c: f for c, f in zip(edited["column"], edited["field"], strict=True)
              if f and f != NOT_MAPPED}
    problems = mappings.problems(chosen, report.header)
    missing = mappings.missing_required(chosen)
    if missing:
        st.warning("No column is mapped to " + ", ".join(missing) + ": every row will be "
                   "rejected for it.", icon=":material/warning:")
    save = st.checkbox("Remember this mapping for files with the same columns",
                       value=True, key="upload_mapping_save")
    if problems:
        st.error(safety.escape_markdown("; ".join(problems)), icon=":material/error:")
    if st.button("Apply mapping", key="upload_mapping_apply", disabled=bool(problems),
                 type="primary"):
        if save:
            mappings.save(report.header, chosen)
        sheet = report.reader.get("sheet") if len(report.reader.get("sheets", [])) > 1 else None
        store = st.session_state.setdefault("upload_mapping", {})
        store[_signature(content, sheet)] = chosen
        st.rerun()


def preview(report: ingest.IngestReport) -> set[int]:
    """The counts and what lies behind them; returns the duplicates taken as new."""
    if report.error:
        st.error(safety.escape_markdown(report.error), icon=":material/error:")
        return set()
    if report.previous_batch:
        prev = report.previous_batch
        state = "withdrawn; restore it on the Batches page" if prev["withdrawn"] else "live"
        st.warning(f"This file was uploaded before as batch {prev['batch_id']} "
                   f"({str(prev['uploaded_at'])[:16]}, {state}). It cannot be saved again.",
                   icon=":material/content_copy:")
    counts = report.counts()
    cols = st.columns(5)
    for col, (label, key) in zip(cols, [("Rows", "rows"), ("Accepted", "accepted"),
                                        ("Rejected", "rejected"),
                                        ("Probable duplicates", "duplicates"),
                                        ("Outside Pakistan", "outside_pakistan")], strict=True):
        col.metric(label, f"{counts[key]:,}")
    st.caption(f"Every row is counted once: {counts['rows']:,} = {counts['accepted']:,} "
               f"accepted + {counts['rejected']:,} rejected + {counts['duplicates']:,} "
               f"probable duplicates + {counts['outside_pakistan']:,} outside Pakistan. "
               f"Format: {report.format_label or 'not recognised'}.")
    for note in report.file_notes:
        st.caption(safety.escape_markdown(note))
    return _tabs(report)


def _tabs(report: ingest.IngestReport) -> set[int]:
    tabs = st.tabs([f"Rejected ({report.rejected:,})",
                    f"Probable duplicates ({report.duplicates:,})",
                    f"Outside Pakistan ({report.outside_pakistan:,})",
                    f"Fuzzy matches ({len(report.fuzzy_matches):,})",
                    f"Notes ({len(report.notes):,})", f"Accepted ({report.accepted:,})"])
    with tabs[0]:
        reasons = report.rejected_rows()
        if reasons.empty:
            st.write("No row was rejected.")
        else:
            st.dataframe(reasons, hide_index=True, width="stretch", key="upload_rejected")
            st.download_button(
                "Download the rejected rows with their reasons (CSV)",
                safety.to_safe_csv(report.rejected_file_rows()),
                file_name="rejected-rows.csv", mime="text/csv", key="upload_rejected_csv")
    accept: list[int] = []
    with tabs[1]:
        if report.twins.empty:
            st.write("No probable duplicate.")
        else:
            st.caption("Each held row beside its twin. Rows whose twin has the same incident "
                       "id cannot be taken as new; the others can.")
            st.dataframe(report.twins, hide_index=True, width="stretch", key="upload_twins")
            takeable = [d["row"] for d in report.duplicate_of if not d["certain"]]
            accept = st.multiselect("Take these rows as new incidents anyway", takeable,
                                    key="upload_accept", disabled=not takeable)
    with tabs[2]:
        _table(report.outside_rows, "No row is outside Pakistan.", "upload_outside")
    with tabs[3]:
        _table(report.fuzzy_matches, "No name was matched by spelling alone.", "upload_fuzzy")
    with tabs[4]:
        _table(report.notes, "Nothing to note.", "upload_notes")
    with tabs[5]:
        if report.incidents.empty:
            st.write("No row was accepted.")
        else:
            shown = report.incidents.head(1000).reset_index()
            shown["date"] = shown["date"].dt.strftime("%Y-%m-%d")
            st.dataframe(shown, hide_index=True, width="stretch", key="upload_accepted")
    return set(accept)


def commit_step(report: ingest.IngestReport, uploader: str, accept: set[int]) -> None:
    """The Save button: one batch, marked not yet reviewed."""
    count = report.accepted + len(accept)
    blocked = bool(report.error or report.needs_mapping or report.previous_batch
                   or report.batch_id or count == 0)
    if report.batch_id:
        seen_by = roles.audience(data.store().batch(report.batch_id) or {})
        st.success(f"Saved as batch {report.batch_id}: {count:,} incidents, not yet reviewed. "
                   f"{seen_by}{replace.saved_note(report.batch_id)}",
                   icon=":material/check_circle:")
        return
    replaces = replace.replacing_id()
    label = (f"Replace batch {replaces} with these {count:,} incidents" if replaces
             else f"Save {count:,} incidents as a new batch")
    if st.button(label, type="primary", key="upload_commit", disabled=blocked):
        from tracker.ui import auth as auth_ui

        try:  # the role is checked again where the batch is written
            replace.save(report, auth_ui.current_user(), accept)
        except (StoreError, roles.PermissionDenied) as exc:
            st.error(safety.escape_markdown(str(exc)), icon=":material/error:")
            return
        st.rerun()


def _table(items: list[dict], empty: str, key: str) -> None:
    if not items:
        st.write(empty)
        return
    st.dataframe(pd.DataFrame(items), hide_index=True, width="stretch", key=key)


def _example(report: ingest.IngestReport, column: str) -> str | None:
    source = report.rejected_source
    if column not in source or source[column].dropna().empty:
        return None
    value = str(source[column].dropna().iloc[0])
    return value if len(value) <= 60 else value[:60] + "…"


def _field_label(field: str) -> str:
    return field if field == NOT_MAPPED else mappings.describe(field)


def _signature(content: bytes, sheet: str | None) -> str:
    return hashlib.sha256(content).hexdigest() + "|" + str(sheet)
