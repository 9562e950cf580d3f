"""The configured store, one per server process: opened, migrated and seeded on first use.

Its own module so that both the data helpers and the sign-in code reach the store without
importing each other.
"""

from __future__ import annotations

import streamlit as st

from tracker import config
from tracker.store.database import Store, open_store


@st.cache_resource(show_spinner=False)
def cached(url: str) -> Store:
    return open_store(url)


def store() -> Store:
    """The configured store, created and seeded on first use."""
    return cached(config.db_url())
