"""Upload: a researcher's incident log in, every row accounted for, then one batch saved.

The page only shows what :mod:`tracker.ingest.pipeline` decided. Its body is one function so that
access control can wrap it.
"""

import streamlit as st

from tracker.ui import auth as auth_ui
from tracker.ui import layout, replace, upload, upload_values

layout.start_page()  # before anything draws (a link may be a fresh server's first)


def body(uploader: str) -> None:
    """Choose a file, map its columns if needed, preview the report, save one batch."""
    picked = upload.choose_file()
    if picked is None:
        return
    content, name = picked
    options = upload.choose_options(content, name)
    report = upload.report_for(content, name, options)
    if report.needs_mapping:
        upload.mapping_step(report, content)
        return
    upload_values.value_step(report, content)
    accepted_anyway = upload.preview(report)
    upload.commit_step(report, uploader, accepted_anyway)


st.title("Upload an incident log")
st.caption("Your own log, or an export from ACLED, GTD or UCDP. Every row is accepted, "
           "rejected with its reasons, held as a probable duplicate, or counted as outside "
           "Pakistan. A saved batch is marked not yet reviewed until an admin reviews it.")
researcher = auth_ui.require_role("researcher", "upload files")
replace.notice(researcher)  # a corrected file chosen on the Batches page
body(researcher.name)
