"""The cached data layer between the store and the pages.

The store handle and the full incident table are ``st.cache_resource``: one read-only copy
shared by every session, keyed by the store's version so that a batch that lands (here or
in another app process) refreshes it on the next rerun. Nothing returned here may be
mutated; filtering makes new frames.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker import config
from tracker.store import Store, open_store


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_store(url)


def store() -> Store:
    """The configured store, created and seeded on first use."""
    return _store(config.db_url())


@st.cache_resource(show_spinner="Loading incidents…", max_entries=4)
def _incidents(url: str, version: int, reviewed_only: bool, include_sensitive: bool) -> pd.DataFrame:
    frame = _store(url).load_incidents(
        reviewed_only=reviewed_only, include_sensitive=include_sensitive
    )
    frame.flags.allows_duplicate_labels = False
    return frame


def incidents(*, reviewed_only: bool = False, include_sensitive: bool = True) -> pd.DataFrame:
    """All visible incidents (shared, read-only)."""
    s = store()
    return _incidents(s.url, s.version(), reviewed_only, include_sensitive)
