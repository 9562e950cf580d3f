"""The duplicate rules, one by one, on small constructed (synthetic) rows."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker.ingest import duplicates


def _rows(*rows: dict) -> pd.DataFrame:
    base = {"incident_id": None, "date": "2025-03-16", "district": "Bannu",
            "attack_type": "bombing", "target": "police", "killed": 3, "injured": None,
            "source_url": "https://example.invalid/a"}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["incident_id"] = [r.get("incident_id") or f"N-{i}" for i, r in enumerate(rows)]
    frame["date"] = pd.to_datetime(frame["date"])
    frame["killed"] = frame["killed"].astype("Int64")
    frame["injured"] = frame["injured"].astype("Int64")
    frame.index = range(2, 2 + len(frame))
    return frame


@pytest.mark.parametrize(
    ("second", "duplicate"),
    [
        ({}, True),
        ({"date": "2025-03-17", "killed": 3}, True),
        ({"date": "2025-03-18"}, False),
        ({"district": "Kohat"}, False),
        ({"attack_type": "suicide bombing"}, True),
        ({"attack_type": "other"}, True),
        ({"attack_type": "armed assault"}, False),
        ({"target": "civilians"}, False),
        ({"killed": 5}, False),
        ({"killed": None}, False),
        ({"killed": None, "source_url": "https://example.invalid/a"}, False),
    ],
    ids=["same", "next-day", "two-days", "other-district", "same-family", "other-type",
         "other-family", "other-target", "counts-differ", "no-comparable-count",
         "shared-url-alone"],
)
def test_probable_duplicate_rules(second, duplicate):
    found = duplicates.find(_rows({}, second))
    assert (found["row"].tolist() == [3]) is duplicate
    if duplicate:
        assert found.loc[0, "twin_row"] == 2 and not found.loc[0, "certain"]


def test_counts_agree_within_a_quarter_of_the_larger():
    assert duplicates.find(_rows({"killed": 20}, {"killed": 25})).shape[0] == 1
    assert duplicates.find(_rows({"killed": 20}, {"killed": 27})).shape[0] == 0
    both_zero = _rows({"killed": 0, "injured": 0}, {"killed": 0, "injured": 0})
    assert duplicates.find(both_zero).empty  # nothing above zero to agree on


def test_a_shared_url_only_ranks_twins_and_is_named():
    frame = _rows({"source_url": "https://example.invalid/x"},
                  {"source_url": "https://example.invalid/y"},
                  {"source_url": "https://example.invalid/y"})
    found = duplicates.find(frame).set_index("row")
    assert found.loc[3, "twin_row"] == 2
    assert found.loc[3, "reason"].startswith("same district (Bannu) and same day")
    assert found.loc[3, "reason"].endswith("killed 3 / 3")
    assert 4 not in found.index or found.loc[4, "twin_row"] == 2


def test_ids_against_the_store_and_in_the_file_are_certain():
    stored = _rows({"incident_id": "S-1", "date": "2024-01-01"}).assign(batch_id="b1")
    new = _rows({"incident_id": "S-1"}, {"incident_id": "X-9", "date": "2025-01-01"},
                {"incident_id": "X-9", "date": "2025-06-01"})
    found = duplicates.find(new, stored, hidden_batches={"b1"}).set_index("row")
    assert found.loc[2, "certain"] and "withdrawn batch" in found.loc[2, "reason"]
    assert found.loc[4, "certain"] and found.loc[4, "twin_row"] == 3
    assert 3 not in found.index


def test_stored_rows_of_withdrawn_batches_are_not_offered_as_similar_twins():
    stored = _rows({"incident_id": "S-1"}).assign(batch_id="b1")
    new = _rows({"incident_id": "N-1"})
    assert duplicates.find(new, stored, hidden_batches={"b1"}).empty
    assert duplicates.find(new, stored).loc[0, "incident_id"] == "S-1"
