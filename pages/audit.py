"""Audit log (admins): who did what and when, filterable and exportable."""

import streamlit as st

from tracker.present import safety
from tracker.ui import auth as auth_ui
from tracker.ui import data, layout

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("Audit log")
auth_ui.require_role("admin", "see the audit log")
log = data.store().audit_log()
st.caption("Every upload, withdrawal, restore, review, brief added, account change and failed "
           "sign-in, newest first. Times are UTC.")

left, right = st.columns(2)
actions = left.multiselect("Actions", sorted(log["action"].unique()), key="audit_actions",
                           placeholder="All actions")
actors = right.multiselect("Who", sorted(log["actor"].unique()), key="audit_actors",
                           placeholder="Everyone")
shown = log
if actions:
    shown = shown.loc[shown["action"].isin(actions)]
if actors:
    shown = shown.loc[shown["actor"].isin(actors)]

st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    key="audit_table",
    column_config={
        "id": st.column_config.NumberColumn("#", width="small"),
        "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "actor": st.column_config.TextColumn("Who"),
        "action": st.column_config.TextColumn("Did"),
        "target": st.column_config.TextColumn("To", width="medium"),
        "detail": st.column_config.TextColumn("Detail", width="large"),
    },
)
st.caption(f"{len(shown):,} of {len(log):,} entries shown.")
csv_col, xlsx_col = st.columns(2)
csv_col.download_button("Download as CSV", safety.to_safe_csv(shown), "audit-log.csv",
                        mime="text/csv", key="audit_csv", icon=":material/download:")
xlsx_col.download_button(
    "Download as Excel", safety.to_safe_excel(shown, sheet_name="audit log"), "audit-log.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="audit_xlsx", icon=":material/download:",
)
