"""Entry point: page config, the shared filter sidebar and navigation over ``pages/``.

Run with ``tracker serve`` (or ``streamlit run app.py``).
"""

import streamlit as st

from tracker.ui import data, layout, sidebar

st.set_page_config(
    page_title="Pakistan incident tracker",
    page_icon="assets/favicon.png",  # a local file: a Material icon favicon is fetched online
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = {
    "Dashboard": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    ],
    "Data": [
        st.Page("pages/data.py", title="Incidents", icon=":material/table_rows:"),
    ],
}

page = st.navigation(PAGES)
incidents = data.incidents()
st.session_state["filter_spec"] = sidebar.filter_sidebar(incidents)
layout.credits_footer()
page.run()
