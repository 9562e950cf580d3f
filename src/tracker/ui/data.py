"""The cached data layer between the store and the pages.

The store handle and the full incident table are ``st.cache_resource``: one read-only copy
shared by every session, keyed by the store's version so that a batch that lands (here or
in another app process) refreshes it on the next rerun. Nothing returned here may be
mutated; filtering makes new frames.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker import coded, config, synth
from tracker.store import Store, open_store


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_store(url)


def store() -> Store:
    """The configured store, created and seeded on first use."""
    return _store(config.db_url())


@st.cache_resource(show_spinner="Loading incidents…", max_entries=4)
def _incidents(url: str, version: int, reviewed_only: bool,
               include_sensitive: bool) -> pd.DataFrame:
    frame = _store(url).load_incidents(
        reviewed_only=reviewed_only, include_sensitive=include_sensitive
    )
    frame.flags.allows_duplicate_labels = False
    coded.prepare(frame)  # filters and counts on this shared table run on integer codes
    return frame


def incidents(*, reviewed_only: bool = False, include_sensitive: bool = True) -> pd.DataFrame:
    """All visible incidents (shared, read-only)."""
    s = store()
    return _incidents(s.url, s.version(), reviewed_only, include_sensitive)


@st.cache_resource(show_spinner=False, max_entries=4)
def _synthetic(url: str, version: int) -> tuple[int, int]:
    frame = _incidents(url, version, False, True)
    return synth.synthetic_count(frame), len(frame)


def synthetic_rows() -> tuple[int, int]:
    """(synthetic incidents, all incidents) in the store; counted once per store version."""
    s = store()
    return _synthetic(s.url, s.version())
