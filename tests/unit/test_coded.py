"""The coded fast path gives exactly the pandas results, on random filters."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from tracker import schema
from tracker.analysis import aggregates, coded
from tracker.analysis.filters import FilterSpec
from tracker.devtools import synth


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    frame = synth.generate(30_000, seed=7, start=dt.date(2022, 1, 1), end=dt.date(2025, 6, 30))
    # Rows the generator never makes: missing districts, counts and several perpetrators.
    frame.loc[frame.index[::97], "district"] = None
    frame.loc[frame.index[::89], "perpetrator"] = "TTP; Hafiz Gul Bahadur group"
    frame.loc[frame.index[::83], "killed"] = pd.NA
    assert coded.prepare(frame) is not None
    return frame


def _specs(frame: pd.DataFrame, n: int = 25) -> list[FilterSpec]:
    rng = random.Random(3)
    districts = sorted(frame["district"].dropna().unique())
    perps = ["TTP", "BLA", "Hafiz Gul Bahadur group", "Unknown"]
    specs = [FilterSpec()]
    for _ in range(n):
        start = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 1200))
        specs.append(FilterSpec(
            start=start if rng.random() < 0.7 else None,
            end=start + dt.timedelta(days=rng.randrange(0, 400)) if rng.random() < 0.7 else None,
            provinces=tuple(rng.sample(list(schema.PROVINCES), rng.randrange(0, 3))),
            districts=tuple(rng.sample(districts, rng.randrange(0, 2) * 5)),
            attack_types=tuple(rng.sample(schema.ATTACK_TYPES, rng.randrange(0, 3))),
            targets=tuple(rng.sample(schema.TARGETS, rng.randrange(0, 2))),
            perpetrators=tuple(rng.sample(perps, rng.randrange(0, 2))),
            min_casualties=rng.choice([0, 0, 1, 5]),
            text=rng.choice(["", "", "bannu", "police"]),
        ))
    return specs


def _both(fn, *args, **kwargs):
    fast = fn(*args, **kwargs)
    with coded.disabled():
        slow = fn(*args, **kwargs)
    return fast, slow


def test_filters_match_pandas(table):
    for spec in _specs(table):
        fast, slow = _both(spec.apply, table)
        pd.testing.assert_frame_equal(fast, slow)


def test_aggregates_match_pandas(table):
    for spec in _specs(table, 12):
        frame = spec.apply(table)
        if frame.empty:
            continue
        assert coded.view(frame, ["province"]) is not None  # the fast path is really taken
        fast, slow = _both(aggregates.headline, frame)
        assert fast == slow
        for column in ("province", "district", "attack_type", "target", "perpetrator"):
            fast, slow = _both(aggregates.count_by, frame, column)
            pd.testing.assert_frame_equal(fast, slow)
        pd.testing.assert_frame_equal(*_both(aggregates.count_by_province, frame))
        pd.testing.assert_frame_equal(*_both(aggregates.count_by_district, frame))
        for freq in ("day", "week", "month"):
            for by in ("province", None, "attack_type"):
                fast, slow = _both(aggregates.timeline, frame, freq, by)
                pd.testing.assert_frame_equal(fast, slow)


def test_a_changed_frame_is_not_read_through_the_codes(table):
    frame = table.iloc[:1000].copy()
    frame["province"] = "Punjab"
    assert coded.view(frame, ["province"]) is None
    counts = aggregates.count_by(frame, "province")
    assert counts["incidents"].tolist() == [1000]


def test_frames_cut_by_pandas_still_use_the_codes(table):
    located = table.dropna(subset=["district"])
    found = coded.view(located, ["district"])
    assert found is not None
    assert np.array_equal(found.pos, located.index.to_numpy())


def test_small_tables_are_not_coded():
    frame = synth.generate(100, seed=1)
    assert coded.prepare(frame) is None


def test_everything_matching_shares_data_but_stays_safe(table):
    before = table["killed"].copy()
    out = FilterSpec().apply(table)
    assert out is not table and len(out) == len(table)
    out.loc[out.index[1], "killed"] = 999
    assert out["killed"].iloc[1] == 999
    pd.testing.assert_series_equal(table["killed"], before)


def test_spec_fields_are_all_handled():
    handled = {"start", "end", "provinces", "districts", "attack_types", "targets",
               "perpetrators", "min_casualties", "text"}
    at_load = {"as_of"}  # chooses the batches the store reads, never filters rows
    assert {f.name for f in dataclasses.fields(FilterSpec)} == handled | at_load


def test_a_replaced_column_of_a_filtered_frame_is_noticed(table):
    cut = FilterSpec(provinces=("Balochistan",)).apply(table)
    assert coded.view(cut, ["province", "killed"]) is not None
    cut["province"] = "Punjab"
    counts = aggregates.count_by(cut, "province")
    assert counts["province"].tolist() == ["Punjab"]
    assert counts["incidents"].tolist() == [len(cut)]


def test_replaced_columns_are_noticed_every_time(table):
    # A replaced column's memory may be handed straight to its replacement; the check must
    # never take the new data for the old (it once did, about one time in six).
    for _ in range(40):
        cut = FilterSpec(provinces=("Balochistan",)).apply(table)
        assert coded.view(cut, ["province", "killed"]) is not None
        cut["province"] = "Punjab"
        assert aggregates.count_by(cut, "province")["province"].tolist() == ["Punjab"]
    for _ in range(40):
        cut = FilterSpec(provinces=("Balochistan",)).apply(table)
        assert coded.view(cut, ["province", "killed"]) is not None
        cut["killed"] = pd.array([3] * len(cut), dtype="Int64")
        assert aggregates.count_by(cut, "province")["killed"].tolist() == [3 * len(cut)]


def test_day_precision_matches_pandas():
    from tracker.analysis import surge_detection

    frame = synth.generate(20_000, seed=11, start=dt.date(2022, 1, 1), end=dt.date(2025, 6, 30))
    frame.loc[frame.index[::7], "date_precision"] = "week"
    frame.loc[frame.index[::11], "date_precision"] = None
    coded.prepare(frame)
    for spec in _specs(frame, 8):
        cut = spec.apply(frame)
        if cut.empty:
            continue
        assert surge_detection.coded_day_mask(cut) is not None  # the fast path is taken
        fast, slow = _both(surge_detection.day_precision, cut)
        pd.testing.assert_frame_equal(fast, slow)
        assert set(fast["date_precision"].fillna("day")) <= {"day"}
