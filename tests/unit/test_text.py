"""The shared text helpers, and the rule that perpetrator lists are split in one place."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tracker.present import text

SRC = Path(__file__).resolve().parents[2] / "src" / "tracker"


@pytest.mark.parametrize(("value", "names"), [
    ("TTP", ["TTP"]),
    ("TTP; Hafiz Gul Bahadur group", ["TTP", "Hafiz Gul Bahadur group"]),
    ("", [""]),
    (None, [""]),
    (np.nan, [""]),
    (pd.NA, [""]),
])
def test_split_perpetrators(value, names):
    assert text.split_perpetrators(value) == names


def test_split_perpetrator_column_matches_one_value_at_a_time():
    column = pd.Series(["BLA; BLF", None, "TTP", ""], dtype=object)
    assert text.split_perpetrator_column(column).tolist() == [
        text.split_perpetrators(v) for v in column]


def test_no_other_module_splits_perpetrators_itself():
    pattern = re.compile(r"""split\(\s*["']; ["']\s*\)""")
    found = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
             if path.name != "text.py" and pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_plural_and_clip():
    assert text.plural(1, "attack") == "1 attack"
    assert text.plural(2345, "attack") == "2,345 attacks"
    assert text.plural(2, "casualty", "casualties") == "2 casualties"
    assert text.clip("ab\x00c", 40) == "abc"
    assert text.clip("x" * 50, 40) == "x" * 40 + "…"


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("a", "a"), (["a", "b"], "b"), (("a",), "a"), ([], None), (5, None),
])
def test_last_value(value, expected):
    assert text.last_value(value) == expected


def test_date_range():
    day = dt.date(2025, 3, 15)
    assert text.date_range(day, day) == "15 Mar 2025"
    assert text.date_range(day, dt.date(2025, 3, 17)) == "15–17 Mar 2025"
    assert text.date_range(dt.date(2025, 3, 30), dt.date(2025, 4, 2)) == "30 Mar – 2 Apr 2025"
    assert text.date_range(dt.date(2024, 12, 31), dt.date(2025, 1, 1)) == \
        "31 Dec 2024 – 1 Jan 2025"


def test_md_escape_and_hide_password():
    assert text.md_escape("**bold**\n\n# [x](javascript:y)") == \
        r"\*\*bold\*\* \# \[x\]\(javascript\:y\)"
    shown = text.hide_password("postgresql://user:s3cret@db.example:5432/tracker")
    assert "s3cret" not in shown and "user" in shown and "db.example" in shown
