"""AppTest that runs ``app.py`` on every run, as a live server does.

With a ``pages/`` folder beside ``app.py``, AppTest re-detects Streamlit's old "pages
directory" mode before every run and, from the second run on, executes only the page file:
``app.py`` (sidebar filters, sign-in form, navigation, URL notices) is skipped. A live server
never does this, because ``st.navigation`` switches that mode off for the whole process.
Swapping in :class:`NavigationPagesManager` restores the server's behaviour in tests.
"""

from __future__ import annotations

import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager


class NavigationPagesManager(PagesManager):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False  # what st.navigation does in a live server


def use_full_runs(monkeypatch) -> None:
    """Make every AppTest run in this test execute ``app.py`` and then the page."""
    monkeypatch.setattr(app_test_module, "PagesManager", NavigationPagesManager)
