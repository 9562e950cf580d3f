"""Results kept across sessions: named by the table object and the filter, never reused
for another table or another filter."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tracker.analysis import coded
from tracker.analysis.filters import FilterSpec
from tracker.devtools import synth
from tracker.ui import memo


@pytest.fixture
def table() -> pd.DataFrame:
    frame = synth.generate(6_000, seed=3, start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31))
    coded.prepare(frame)
    memo.table_number(frame)
    return frame


def _counter():
    calls = []

    def compute(frame):
        calls.append(1)
        return len(frame)
    return calls, compute


def test_the_same_view_is_computed_once(table):
    calls, compute = _counter()
    spec = FilterSpec(provinces=("Balochistan",))
    first = memo.view(spec, table)
    second = memo.view(spec, table)  # another session: a new frame, the same rows
    assert first is not second
    assert memo.cached("n", first, (), lambda: compute(first)) == len(first)
    assert memo.cached("n", second, (), lambda: compute(second)) == len(first)
    assert len(calls) == 1


def test_another_filter_or_setting_is_computed_again(table):
    calls, compute = _counter()
    one = memo.view(FilterSpec(provinces=("Balochistan",)), table)
    other = memo.view(FilterSpec(provinces=("Punjab",)), table)
    assert memo.cached("n", one, (), lambda: compute(one)) == len(one)
    assert memo.cached("n", other, (), lambda: compute(other)) == len(other)
    assert memo.cached("n", one, ("week",), lambda: compute(one)) == len(one)
    assert len(calls) == 3
    assert len(one) != len(other)


def test_a_new_table_gets_a_new_number(table):
    calls, compute = _counter()
    spec = FilterSpec(start=dt.date(2024, 1, 1))
    old = memo.view(spec, table)
    assert memo.cached("n", old, (), lambda: compute(old)) == len(old)
    newer = table.iloc[: len(table) // 2].copy()  # a batch withdrawn: another table
    coded.prepare(newer)
    assert memo.table_number(newer) != memo.table_number(table)
    cut = memo.view(spec, newer)
    assert memo.cached("n", cut, (), lambda: compute(cut)) == len(cut) < len(old)
    assert len(calls) == 2


def test_frames_not_made_by_view_are_never_kept(table):
    calls, compute = _counter()
    frame = table.loc[table["province"] == "Sindh"]
    assert memo.key_of(frame) is None
    for _ in range(2):
        assert memo.cached("n", frame, (), lambda: compute(frame)) == len(frame)
    assert len(calls) == 2
    assert memo.key_of(table) == (memo.table_number(table),)
