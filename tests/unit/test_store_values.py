"""Awkward values come back exactly as written, on SQLite and on PostgreSQL.

Both stores read and write in bulk (SQLite through ADBC, PostgreSQL through COPY as CSV),
so text that looks like CSV syntax, empty text against no text, and very long cells are
checked here, as is the row order, which must not depend on a database's collation.
"""

from __future__ import annotations

import pandas as pd

from tests.unit.test_store_concurrency import incidents_frame
from tracker.store.database import BatchMeta, Store

AWKWARD = [
    'quote " and ""double"" quotes',
    "comma, semicolon; tab\there",
    "first line\nsecond line\r\nthird",
    "",
    "\\N and \\. and a backslash \\",
    "کوئٹہ میں دھماکہ — en dash, emoji-free",
    "=1+2 looks like a formula",
]


def test_awkward_text_and_missing_values_round_trip(store: Store):
    frame = incidents_frame([f"v-{i}" for i in range(len(AWKWARD) + 1)])
    frame["summary"] = [*AWKWARD, None]
    frame.loc[0, "killed"] = None
    frame.loc[1, "latitude"] = None
    frame.loc[2, "killed_claimed"] = 40
    store.add_batch(frame, BatchMeta("awkward.csv", "u", sha256="awk"))
    loaded = store.load_incidents().set_index("incident_id")
    for i, text in enumerate(AWKWARD):
        assert loaded.loc[f"v-{i}", "summary"] == text
    assert pd.isna(loaded.loc[f"v-{len(AWKWARD)}", "summary"])  # str dtype: NaN
    assert pd.isna(loaded.loc["v-0", "killed"]) and loaded.loc["v-1", "killed"] == 1
    assert pd.isna(loaded.loc["v-1", "latitude"]) and loaded.loc["v-0", "latitude"] == 30.18
    assert loaded.loc["v-2", "killed_claimed"] == 40


def test_a_cell_longer_than_a_read_block_comes_back_whole(store: Store):
    frame = incidents_frame(["long-1", "long-2"])
    long_text = "ab\n," * 5_000_000  # 20 MB: more than one block of the bulk reader
    frame["notes"] = [long_text, "short"]
    store.add_batch(frame, BatchMeta("long.csv", "u", sha256="long"))
    loaded = store.load_incidents().set_index("incident_id")
    assert loaded.loc["long-1", "notes"] == long_text
    assert loaded.loc["long-2", "notes"] == "short"


def test_rows_are_ordered_by_date_then_id_by_code_point(store: Store):
    ids = ["b-10", "B-2", "b-9", "a-1", "ä-1", "_x"]
    store.add_batch(incidents_frame(ids), BatchMeta("order.csv", "u", sha256="order"))
    assert store.load_incidents()["incident_id"].tolist() == sorted(ids)
