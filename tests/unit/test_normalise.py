"""Reading researchers' dates, counts and words: each form accepted, each bad one explained."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tracker.ingest import normalise
from tracker.ingest.normalise import DAY_FIRST, MONTH_FIRST, parse_count, parse_date

TODAY = dt.date(2026, 1, 10)


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2025-03-16", "2025-03-16", "day"),
        ("2025-3-6", "2025-03-06", "day"),
        ("2025-03-16T14:30:00", "2025-03-16", "day"),
        ("2025-03-16 00:00:00.000", "2025-03-16", "day"),
        ("2025/03/16", "2025-03-16", "day"),
        ("16/03/2025", "2025-03-16", "day"),
        ("16.03.25", "2025-03-16", "day"),
        ("16-03-2025", "2025-03-16", "day"),
        ("03/04/2025", "2025-04-03", "day"),
        ("16 March 2025", "2025-03-16", "day"),
        ("16-Mar-25", "2025-03-16", "day"),
        ("16 mar 2025", "2025-03-16", "day"),
        ("March 16, 2025", "2025-03-16", "day"),
        ("Sunday, 16th March 2025", "2025-03-16", "day"),
        ("1st Sept 2024", "2024-09-01", "day"),
        ("March 2025", "2025-03-01", "month"),
        ("2025-03", "2025-03-01", "month"),
        ("20250316", "2025-03-16", "day"),
        ("45732", "2025-03-16", "day"),
        ("45732.5", "2025-03-16", "day"),
    ],
)
def test_dates_researchers_write(text, value, precision):
    parsed = parse_date(text, DAY_FIRST, TODAY)
    assert parsed.error is None
    assert str(parsed.value) == value
    assert parsed.precision == precision


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-02-30", "no such day: 30 February 2025"),
        ("31/04/2025", "no such day: 31 April 2025"),
        ("16/13/2025", "has no month 13"),
        ("2025", "gives only a year"),
        ("16 March", "has a day and month but no year"),
        ("1930-01-01", "is before 1947"),
        ("2026-05-01", "is in the future"),
        ("next Tuesday", "not a date the tracker can read"),
        ("12345", "read as an Excel day number"),
        ("", "is required but empty"),
    ],
)
def test_impossible_or_unreadable_dates_are_errors_never_guesses(text, reason):
    parsed = parse_date(text, DAY_FIRST, TODAY)
    assert parsed.value is None
    assert reason in parsed.error


def test_slash_dates_that_only_work_month_first_are_errors_in_a_day_first_file():
    parsed = parse_date("03/16/2025", DAY_FIRST, TODAY)
    assert parsed.value is None
    assert "only makes sense month first" in parsed.error
    assert str(parse_date("03/16/2025", MONTH_FIRST, TODAY).value) == "2025-03-16"
    assert parse_date("03/04/2025", DAY_FIRST, TODAY).ambiguous
    assert not parse_date("16/04/2025", DAY_FIRST, TODAY).ambiguous


def test_a_column_shows_month_first_only_when_the_file_proves_it():
    us_style = normalise.dates(pd.Series(["03/16/2025", "04/01/2025", None]))
    assert us_style.order == MONTH_FIRST
    assert [str(v.date()) if pd.notna(v) else None for v in us_style.values] == [
        "2025-03-16", "2025-04-01", None]
    assert any("month first" in n for n in us_style.notes)
    local = normalise.dates(pd.Series(["16/03/2025", "04/01/2025"]))
    assert local.order == DAY_FIRST
    assert str(local.values.iloc[1].date()) == "2025-01-04"
    assert any("read either way" in n for n in local.notes)
    mixed = normalise.dates(pd.Series(["16/03/2025", "03/16/2025"]))
    assert mixed.order == DAY_FIRST
    assert "only makes sense month first" in mixed.error.iloc[1]
    assert any("mixes" in n for n in mixed.notes)
    assert pd.isna(mixed.error.iloc[0])


@pytest.mark.parametrize(
    ("text", "value", "note"),
    [
        ("12", 12, None),
        ("12.0", 12, None),
        (" 7 ", 7, None),
        ("1,200", 1200, None),
        ("12+", 12, "lower bound"),
        ("at least 12", 12, "lower bound"),
        ("more than 12", 12, "lower bound"),
        ("over 12", 12, "lower bound"),
        ("about 12", 12, "approximate"),
        ("~12", 12, "approximate"),
        ("12-15", 12, "lower end of the range"),
        ("12 to 15", 12, "lower end of the range"),
        ("none", 0, "read as 0"),
        ("", None, None),
        ("unknown", None, None),
        ("N/A", None, None),
        ("-", None, None),
        ("?", None, None),
    ],
)
def test_counts(text, value, note):
    parsed = parse_count(text)
    assert parsed.error is None
    assert parsed.value == value
    if note is None:
        assert parsed.note is None
    else:
        assert note in parsed.note


@pytest.mark.parametrize(
    ("text", "reason"),
    [("-3", "must not be negative"), ("2.5", "not a whole number"),
     ("many", "not a number"), ("twelve", "not a number")],
)
def test_counts_that_are_errors(text, reason):
    parsed = parse_count(text)
    assert parsed.value is None
    assert reason in parsed.error


def test_count_columns_keep_blank_as_unknown_not_zero():
    column = normalise.counts(pd.Series(["3", None, "", "0", "5+", "x"]))
    assert column.values.tolist() == [3, pd.NA, pd.NA, 0, 5, pd.NA]
    assert column.note.tolist()[4] == "'5+' kept as 5, a lower bound"
    assert column.error.tolist()[5] == "is not a number of people"
    numeric = normalise.counts(pd.Series([3.0, None, -1.0, 2.5]))
    assert numeric.values.tolist() == [3, pd.NA, pd.NA, pd.NA]
    assert numeric.error.tolist()[2:] == ["must not be negative", "is not a whole number"]


@pytest.mark.parametrize(
    ("field", "text", "value", "kind"),
    [
        ("attack_type", "bombing", "bombing", "exact"),
        ("attack_type", "Suicide Bombing", "suicide bombing", "exact"),
        ("attack_type", "IED blast", "bombing", "alias"),
        ("attack_type", "firing", "armed assault", "alias"),
        ("attack_type", "bombng", "bombing", "fuzzy"),
        ("attack_type", "drone strike", None, "none"),
        ("target", "FC", "security forces", "alias"),
        ("target", "polce", "police", "fuzzy"),
        ("claimed", "yes", "claimed", "alias"),
        ("geo_precision", "village", "town", "alias"),
    ],
)
def test_fixed_vocabularies(field, text, value, kind):
    match = normalise.match_vocabulary(text, field)
    assert (match.value, match.kind) == (value, kind)


def test_distinct_values_are_worked_out_once():
    calls: list[str] = []

    def record(value: str) -> str:
        calls.append(value)
        return value.upper()

    result = normalise.Distinct(pd.Series(["a", "b", "a", None, "b"]), record)
    assert sorted(calls) == ["a", "b"]
    assert result.get().tolist() == ["A", "B", "A", None, "B"]
    assert result.get_text().tolist()[:3] == ["A", "B", "A"]
    assert pd.isna(result.get_text().iloc[3])
    pairs = normalise.Distinct.pairs(pd.Series(["x", "x", "y", None]),
                                     pd.Series(["1", "1", None, "2"]), lambda a, b: f"{a}{b}")
    assert pairs.get().tolist() == ["x1", "x1", "yNone", None]
    assert len(pairs.results) == 2
