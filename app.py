"""Entry point: page config, the shared filter sidebar and navigation over ``pages/``.

Run with ``tracker serve`` (or ``streamlit run app.py``).
"""

import streamlit as st

from tracker.devtools import synth
from tracker.ui import as_of, data, layout, present, sidebar
from tracker.ui import auth as auth_ui

st.set_page_config(
    page_title="Pakistan incident tracker",
    page_icon="assets/favicon.png",  # a local file: a Material icon favicon is fetched online
    layout="wide",
    initial_sidebar_state="expanded",
)

user = auth_ui.current_user()  # pages a role may not use stay hidden (and gated)
auth_ui.stop_unless_viewing_allowed(user)

PAGES = {
    "Dashboard": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/surges.py", title="Surges", icon=":material/trending_up:"),
        st.Page("pages/coverage.py", title="Coverage", icon=":material/fact_check:"),
        st.Page("pages/present.py", title="Presenter", icon=":material/slideshow:",
                url_path=present.PAGE_PATH),
    ],
    "Provinces": [
        st.Page("pages/balochistan.py", title="Balochistan", icon=":material/map:",
                url_path="balochistan"),
        st.Page("pages/khyber_pakhtunkhwa.py", title="Khyber Pakhtunkhwa", icon=":material/map:",
                url_path="khyber_pakhtunkhwa"),
    ],
    "Data": [
        st.Page("pages/data.py", title="Incidents", icon=":material/table_rows:"),
        st.Page("pages/briefs.py", title="Briefs", icon=":material/menu_book:"),
        st.Page("pages/upload.py", title="Upload", icon=":material/upload_file:",
                url_path="upload", visibility=auth_ui.visibility("upload", user)),
    ],
    "Manage": [
        st.Page("pages/batches.py", title="Batches", icon=":material/inventory_2:",
                visibility=auth_ui.visibility("batches", user)),
        st.Page("pages/audit.py", title="Audit log", icon=":material/history:",
                visibility=auth_ui.visibility("audit", user)),
        st.Page("pages/accounts.py", title="Accounts", icon=":material/manage_accounts:",
                visibility=auth_ui.visibility("accounts", user)),
    ],
}

page = st.navigation(PAGES)
presenter_page = page.url_path == present.PAGE_PATH
presenting = presenter_page or present.is_requested()
data.set_presenting(presenting)
if presenting:
    present.apply_style()  # presenter mode: no sidebar or controls, large type
auth_ui.sidebar_login(user)
if not presenting:  # in presenter mode the switch is in the Export menu
    data.safe_share_toggle(st.sidebar)
    data.label_unpublished(user)  # researchers and admins: what the public does not see
incidents = data.incidents()
if (synthetic := data.synthetic_rows())[0]:  # generated load-test data is never shown as real
    st.warning(synth.banner_text(*synthetic), icon=":material/science:")
spec = st.session_state["filter_spec"] = sidebar.filter_sidebar(incidents)
as_of.notice(compact=presenting)  # a link as of a past moment says so on every view
if not presenting:
    with st.sidebar.expander(as_of.COPY_LABEL, icon=":material/link:"):
        as_of.copy_link(titled=False)
layout.credits_footer()
view = present.view_deck(page.url_path, spec) if presenting and not presenter_page else None
if view:
    present.show_view_deck(view)  # ?present=1: the view's panels as slides that fit the screen
else:
    page.run()
