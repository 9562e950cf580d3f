import datetime as dt

import pandas as pd
import pytest

from tracker.analysis import filters
from tracker.analysis.filters import FilterSpec, date_presets


def test_round_trip_through_query_parameters():
    spec = FilterSpec(
        start=dt.date(2025, 3, 15), end=dt.date(2025, 3, 17), provinces=("Balochistan",),
        districts=("Quetta",), attack_types=("bombing",), targets=("police",),
        perpetrators=("BLA",), min_casualties=3, text="convoy",
    )
    back, notices = FilterSpec.from_query(
        spec.to_query(), known_districts=["Quetta"], known_perpetrators=["BLA"]
    )
    assert back == spec
    assert notices == []


def test_bad_and_unknown_parameters_are_ignored_with_notices():
    params = {
        "start": "16/03/2025", "end": "2025-13-40", "province": ["PK-KP", "Atlantis"],
        "type": "<script>alert(1)</script>", "min_cas": "-4", "zzz": "1",
        "district": "Nowhere",
    }
    spec, notices = FilterSpec.from_query(params, known_districts=["Bannu"])
    assert spec == FilterSpec(provinces=("Khyber Pakhtunkhwa",))
    assert len(notices) == 7
    assert any("zzz" in n for n in notices)


def test_start_after_end_is_ignored():
    spec, notices = FilterSpec.from_query({"start": "2025-05-01", "end": "2025-01-01"})
    assert spec.start is None and spec.end is None
    assert notices


def test_apply_filters_the_bundled_surge(bundled: pd.DataFrame):
    spec = FilterSpec(start=dt.date(2025, 3, 15), end=dt.date(2025, 3, 17),
                      provinces=("Balochistan",))
    got = spec.apply(bundled)
    expected = bundled[(bundled.date >= "2025-03-15") & (bundled.date <= "2025-03-17")
                       & (bundled.province == "Balochistan")]
    assert list(got["incident_id"]) == list(expected["incident_id"])
    assert len(got) > 0


def test_previous_period_is_the_previous_calendar_one_or_of_the_same_length():
    spec = FilterSpec(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    prev = spec.previous_period()
    assert (prev.start, prev.end) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    year = FilterSpec(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)).previous_period()
    assert (year.start, year.end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    days = FilterSpec(start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 31)).previous_period()
    assert (days.start, days.end) == (dt.date(2025, 1, 31), dt.date(2025, 3, 1))


def test_presets_include_the_surge_and_each_year(bundled):
    presets = date_presets(bundled)
    assert presets["March 2025 surge (15–17 Mar)"] == (dt.date(2025, 3, 15), dt.date(2025, 3, 17))
    assert {"2024", "2025", "2026"} <= set(presets)


def test_recent_presets_end_on_the_last_day_of_the_data(bundled):
    presets = date_presets(bundled)
    last = bundled["date"].max().date()
    for days in (7, 30, 90):
        start, end = presets[f"Last {days} days of the data"]
        assert end == last and (end - start).days + 1 == days
    assert presets["Everything"] == (None, None)
    years = sorted(k for k in presets if k.isdigit())
    assert years == [str(y) for y in range(bundled["date"].min().year, last.year + 1)]
    assert presets["2025"] == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize("query", [{"end": "9999-12-31"}, {"start": "0001-01-01"},
                                   {"start": "1899-12-31", "end": "2101-01-01"}])
def test_dates_out_of_range_are_refused_with_a_notice(query):
    spec, notices = FilterSpec.from_query(query)
    assert spec.start is None and spec.end is None
    assert len(notices) == len(query)
    assert all("dates run from 1900 to 2100" in n for n in notices)


def test_the_previous_period_never_leaves_the_date_range():
    first = FilterSpec(start=filters.EARLIEST, end=dt.date(1900, 12, 31))
    assert first.previous_period() is None
    wide = FilterSpec(start=dt.date(1950, 1, 1), end=filters.LATEST)
    assert wide.previous_period() is None  # would begin before 1900
    inside = FilterSpec(start=dt.date(1901, 1, 1), end=dt.date(1901, 12, 31))
    assert inside.previous_period().start == dt.date(1900, 1, 1)
    both, _ = FilterSpec.from_query({"start": "1900-01-01", "end": "2100-12-31"})
    assert both.apply(pd.DataFrame({"date": pd.to_datetime(["2025-01-01"])})).shape[0] == 1
