"""The coverage rules the main views share: the area × month join, comparability, the
coverage-adjusted surge ratio. Expectations are computed from the CSVs, not pinned."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tracker.analysis import coverage, surge_detection
from tracker.present import timelines, wording


@pytest.fixture(scope="module")
def reference():
    return coverage.load_reference()


def yardstick(reference: pd.DataFrame, scope: str, month: str, publisher: str) -> int | None:
    """The highest 'attacks only' monthly figure one publisher gave (None if none)."""
    rows = reference[(reference["scope"] == scope) & (reference["publisher"] == publisher)
                     & (reference["period_kind"] == "month")
                     & (reference["metric"] == "attacks")
                     & (reference["includes"] == "attacks only")
                     & (reference["period_start"] == pd.Timestamp(f"{month}-01"))]
    return int(rows["value"].max()) if len(rows) else None


def test_join_pakistan_by_month_picss_first_then_pips(bundled, reference):
    table = coverage.monthly_coverage(bundled, reference, "Pakistan", threshold=20)
    months = bundled["date"].dt.to_period("M")
    assert len(table) >= months.nunique()  # every month in the span, gaps included
    for row in table.itertuples(index=False):
        month = f"{row.month:%Y-%m}"
        picss = yardstick(reference, "Pakistan", month, "PICSS")
        pips = yardstick(reference, "Pakistan", month, "PIPS")
        held = int((months == month).sum())
        assert row.dataset == held
        if picss is not None:
            assert (row.publisher, row.published) == ("PICSS", picss)
        elif pips is not None:
            assert (row.publisher, row.published) == ("PIPS", pips)
        else:
            assert pd.isna(row.published) and row.low and pd.isna(row.coverage_pct)
            continue
        assert row.coverage_pct == pytest.approx(100 * held / row.published)
        assert row.low == (100 * held / row.published < 20)


def test_join_khyber_pakhtunkhwa_uses_one_publishers_two_parts(bundled, reference):
    table = coverage.monthly_coverage(bundled, reference, "Khyber Pakhtunkhwa").set_index(
        "month")
    kp = bundled[bundled["province"] == "Khyber Pakhtunkhwa"]
    checked = 0
    for month, row in table.iterrows():
        key = f"{month:%Y-%m}"
        assert row["dataset"] == int((kp["date"].dt.to_period("M") == key).sum())
        whole = yardstick(reference, "Khyber Pakhtunkhwa", key, "PICSS")
        merged = yardstick(reference, coverage.MERGED, key, "PICSS")
        settled = yardstick(reference, coverage.SETTLED, key, "PICSS")
        if whole is None and merged is not None and settled is not None:
            assert row["published"] == merged + settled and row["parts"]
            assert row["publisher"] == "PICSS"
            checked += 1
        elif whole is not None:
            assert row["published"] == whole and not row["parts"]
    assert checked, "the bundled reference has KP months given only as two parts"


def test_join_for_an_area_no_publisher_counts(bundled, reference):
    assert coverage.area_scope((), ()) == "Pakistan"
    assert coverage.area_scope(("Balochistan",), ()) == "Balochistan"
    assert coverage.area_scope(("Balochistan", "Sindh"), ()) is None
    assert coverage.area_scope(("Balochistan",), ("Quetta",)) is None
    table = coverage.monthly_coverage(bundled, reference, None)
    assert table["published"].isna().all() and table["low"].all()


def synthetic_reference(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(publisher, month 'YYYY-MM', value) → reference rows for Pakistan, attacks only."""
    out = []
    for publisher, month, value in rows:
        start = pd.Timestamp(f"{month}-01")
        out.append({"publisher": publisher, "period_start": start,
                    "period_end": start + pd.offsets.MonthEnd(0), "period_kind": "month",
                    "scope": "Pakistan", "metric": "attacks", "value": value,
                    "includes": "attacks only", "source_url": "https://example.org/r",
                    "notes": ""})
    return pd.DataFrame(out)


def incidents_on(days: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime(days), "province": "Punjab",
                         "district": "Lahore", "incident_id": [f"X{i}" for i in range(len(days))]})


def test_span_coverage_is_pro_rata_and_never_mixes_publishers():
    ref = synthetic_reference([("PICSS", "2025-01", 31), ("PICSS", "2025-02", 56),
                               ("PIPS", "2025-03", 10)])
    frame = incidents_on(["2025-01-20", "2025-02-05", "2025-02-06"])
    span = coverage.span_coverage(frame, ref, "Pakistan", dt.date(2025, 1, 17),
                                  dt.date(2025, 2, 13))
    # 15 of January's 31 days (15 attacks) and 13 of February's 28 (26 attacks)
    assert span.publisher == "PICSS" and span.published == pytest.approx(15 + 26)
    assert span.dataset == 3 and span.pct == pytest.approx(3 / 41 * 100)
    assert not span.whole_months
    mixed = coverage.span_coverage(frame, ref, "Pakistan", dt.date(2025, 2, 1),
                                   dt.date(2025, 3, 31))
    assert mixed.publisher is None and mixed.pct is None  # PICSS for Feb, PIPS for Mar
    whole = coverage.span_coverage(frame, ref, "Pakistan", dt.date(2025, 2, 1),
                                   dt.date(2025, 2, 28))
    assert whole.whole_months and whole.published == 56 and whole.dataset == 2


@pytest.mark.parametrize(("this", "other", "expected"), [
    (11, 50, False), (50, 40, True), (40, 60, True), (40, 60.5, False), (None, 50, False),
    (50, None, False), (0, 10, False), (30, float("nan"), False),
])
def test_comparability_rule(this, other, expected):
    assert coverage.comparable(this, other) is expected


def test_comparable_spans_must_share_a_publisher():
    a = coverage.SpanCoverage(dt.date(2025, 1, 1), dt.date(2025, 1, 31), "Pakistan", "PICSS",
                              100.0, 30, True)
    b = coverage.SpanCoverage(dt.date(2025, 2, 1), dt.date(2025, 2, 28), "Pakistan", "PIPS",
                              100.0, 30, True)
    assert coverage.comparable(a.pct, b.pct)
    assert not coverage.comparable_spans(a, b)


def test_no_percentage_on_small_counts():
    assert coverage.percent_allowed(10, 12)
    assert not coverage.percent_allowed(8, 1)  # Khuzdar's 1 → 8 is not "+700%"
    assert not coverage.percent_allowed(40, 9)
    assert wording.change_words(8, 1) == "up 7"


def test_adjusted_surge_ratio():
    # the sample holds 50% in the window's month and 25% in the baseline weeks: steady
    # violence alone would double the sample's count, so the expected count doubles
    assert coverage.adjusted_expected(2.0, 50, 25) == pytest.approx(4.0)
    assert coverage.adjusted_ratio(12, 2.0, 50, 25) == pytest.approx(3.0)
    assert coverage.adjusted_ratio(12, 2.0, 25, 25) == pytest.approx(6.0)
    assert coverage.adjusted_ratio(12, 2.0, None, 25) is None
    assert coverage.adjusted_ratio(12, 2.0, 50, 0) is None
    assert coverage.adjusted_ratio(5, 0.0, 50, 25) == float("inf")


def test_mid_march_2025_surge_coverage_from_the_csvs(bundled, reference):
    params = surge_detection.SurgeParams()
    surges = surge_detection.find_surges(bundled, params)
    march = surge_detection.surges_in_window(surges, dt.date(2025, 3, 15), dt.date(2025, 3, 17))
    assert march, "the mid-March 2025 surge is found on the sample's counts"
    surge = max(march, key=lambda s: s.incidents)
    found = surge_detection.surge_coverage(surge, bundled, reference, "Pakistan",
                                     params.baseline_days)
    days = bundled["date"]
    in_march = ((days >= "2025-03-01") & (days <= "2025-03-31")).sum()
    picss_march = yardstick(reference, "Pakistan", "2025-03", "PICSS")
    assert found.window.pct == pytest.approx(100 * in_march / picss_march)
    first = pd.Timestamp(surge.start) - pd.Timedelta(days=params.baseline_days)
    last = pd.Timestamp(surge.start) - pd.Timedelta(days=1)
    held = ((days >= first) & (days <= last)).sum()
    published = 0.0
    for month in pd.period_range(first, last, freq="M"):
        lo, hi = max(month.start_time, first), min(month.end_time.normalize(), last)
        share = ((hi - lo).days + 1) / month.days_in_month
        published += yardstick(reference, "Pakistan", f"{month}", "PICSS") * share
    assert found.baseline.pct == pytest.approx(100 * held / published)
    expected = surge.expected * found.window.pct / found.baseline.pct
    assert found.adjusted_expected == pytest.approx(expected)
    assert found.adjusted_ratio == pytest.approx(surge.incidents / expected)
    assert found.holds(params.min_ratio) == (surge.incidents / expected >= params.min_ratio)


def test_low_coverage_threshold_is_one_setting(monkeypatch):
    assert coverage.low_coverage_pct() == coverage.LOW_COVERAGE_PCT == 20
    monkeypatch.setenv("TRACKER_LOW_COVERAGE_PCT", "35")
    assert coverage.low_coverage_pct() == 35
    monkeypatch.setenv("TRACKER_LOW_COVERAGE_PCT", "lots")
    with pytest.raises(ValueError, match="TRACKER_LOW_COVERAGE_PCT"):
        coverage.low_coverage_pct()


def test_timeline_carries_the_publishers_series_and_marks_low_months(bundled, reference):
    table = coverage.monthly_coverage(bundled, reference, "Pakistan")
    fig = timelines.timeline_chart(bundled, freq="month", published=table)
    names = [t.name for t in fig.data]
    assert "PICSS: attacks published" in names
    line = next(t for t in fig.data if t.name == "PICSS: attacks published")
    picss = table[table["publisher"] == "PICSS"]
    assert sorted(v for v in line.y if v == v) == sorted(picss["published"].astype(float))
    assert any("coverage" in (h or "") for h in line.hovertext)
    low = {f"{m:%Y-%m}" for m in table.loc[table["low"], "month"]}
    bars = [t for t in fig.data if t.type == "bar" and t.x is not None and len(t.x)
            and t.x[0] is not None]
    for bar in bars:
        for x, shape in zip(bar.x, bar.marker.pattern.shape, strict=True):
            assert (shape == "/") == (str(x)[:7] in low)
    assert any("Hatched" in n for n in names)
    weekly = timelines.timeline_chart(bundled, freq="week", published=table)
    assert any(n == "PICSS: attacks published (weekly avg.)" for n in
               [t.name for t in weekly.data])
