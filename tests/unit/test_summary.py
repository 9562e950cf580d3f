"""The view in words: built from the data, so the numbers and places follow the data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tracker.analysis import surge_detection
from tracker.analysis.filters import FilterSpec
from tracker.present import summary
from tracker.schema import conform


def _frame(rows: list[tuple[str, str, str, int | None]]) -> pd.DataFrame:
    """(date, province, district, killed) rows as canonical incidents."""
    return conform(pd.DataFrame([{
        "incident_id": f"t-{i}", "date": day, "date_precision": "day", "province": province,
        "district": district, "geo_precision": "district", "attack_type": "bombing",
        "target": "police", "perpetrator": "Unknown", "claimed": "unknown", "killed": killed,
        "source_name": "Test", "source_url": "https://example.org", "batch_id": "b",
    } for i, (day, province, district, killed) in enumerate(rows)]))


def _mix(n_ba: int, n_kp: int, n_si: int, day: str = "2025-03-10") -> pd.DataFrame:
    rows = ([(day, "Balochistan", "Quetta", 2)] * n_ba
            + [(day, "Khyber Pakhtunkhwa", "Bannu", 1)] * n_kp
            + [(day, "Sindh", "Karachi", None)] * n_si)
    return _frame(rows)


MARCH = FilterSpec(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))


def test_the_paragraph_names_the_period_the_counts_and_where_attacks_concentrate():
    frame = _mix(6, 3, 1)
    text = summary.summarise(frame, MARCH)
    assert "1 March 2025" in text and "31 March 2025" in text
    assert "10 attacks" in text and "15 people were killed" in text
    assert "reported for 9 of them" in text  # one toll not reported: not counted as zero
    assert text.index("Balochistan (6, 60%)") < text.index("Khyber Pakhtunkhwa (3, 30%)")
    assert "Most were in" in text


def test_it_changes_with_the_data():
    one = summary.summarise(_mix(6, 3, 1), MARCH)
    other = summary.summarise(_mix(1, 7, 2), MARCH)
    assert one != other
    assert "Khyber Pakhtunkhwa (7, 70%)" in other and "8 attacks" not in other
    assert other.index("Khyber Pakhtunkhwa") < other.index("Sindh (2, 20%)")


def test_a_province_view_names_its_top_districts():
    frame = _frame([("2025-03-02", "Balochistan", "Kech", 1)] * 4
                   + [("2025-03-03", "Balochistan", "Quetta", 0)] * 2
                   + [("2025-03-03", "Balochistan", "Nushki", 0)] * 1
                   + [("2025-03-03", "Balochistan", "Gwadar", 0)] * 1)
    spec = FilterSpec(start=MARCH.start, end=MARCH.end, provinces=("Balochistan",))
    text = summary.summarise(frame, spec)
    assert "in Balochistan" in text and "8 attacks" in text
    assert "Kech (4, 50%)" in text and "Quetta (2, 25%)" in text
    assert "Gwadar and Nushki (1 each)" in text  # a tie at the third place is named whole


@pytest.mark.parametrize("now, before, says_change", [(12, 10, True), (12, 9, False),
                                                       (9, 30, False), (20, 25, True)])
def test_the_change_is_said_only_when_both_periods_hold_enough(now, before, says_change):
    frame = _mix(now, 0, 0, "2025-03-10")
    previous = _mix(before, 0, 0, "2025-02-10")
    text = summary.summarise(frame, MARCH, previous=previous, data_start=dt.date(2024, 1, 1))
    assert f"{before:,}" in text
    if says_change:
        word = "more" if now > before else "fewer"
        assert f"{abs(now - before)} {word}" in text
        assert f"{(now - before) / before:+.0%}" in text
    else:
        assert "Too few attacks to speak of a change" in text
        assert f"{now} attacks against {before}" in text


def test_no_change_is_read_from_a_previous_period_before_the_data_begins():
    text = summary.summarise(_mix(20, 0, 0), MARCH, previous=_mix(0, 0, 0).head(0),
                             data_start=dt.date(2025, 3, 1))
    assert "does not reach back" in text and "fewer" not in text and "more" not in text


def test_a_surge_in_the_period_is_described_from_the_detector():
    quiet = [(str(d.date()), "Balochistan", "Quetta", 0)
             for d in pd.date_range("2025-01-01", "2025-03-10", freq="7D")]
    burst = [("2025-03-15", "Balochistan", "Kech", 1)] * 4 + [
        ("2025-03-16", "Balochistan", "Nushki", 1)] * 4
    frame = _frame(quiet + burst)
    found = surge_detection.find_surges(frame)
    assert found, "the test data should hold a surge"
    text = summary.summarise(MARCH.apply(frame), MARCH, surges=found)
    best = max(found, key=lambda s: s.incidents)
    assert f"burst of {best.incidents} attacks" in text and f"{best.start.day} March" in text
    calm = summary.summarise(MARCH.apply(frame), MARCH, surges=[])
    assert "no surge" in calm


def test_an_empty_view_and_open_dates_are_said_plainly():
    assert "no attack" in summary.summarise(_mix(0, 0, 0), MARCH)
    text = summary.summarise(_mix(2, 1, 0), FilterSpec())
    assert "On 10 March 2025" in text and "3 attacks" in text


def test_places_with_equal_counts_are_named_together_in_a_fixed_order():
    frame = _frame([("2025-03-02", "Balochistan", "Quetta", 1)] * 5
                   + [("2025-03-03", "Balochistan", d, 0) for d in ("Kech", "Kalat", "Gwadar")])
    spec = FilterSpec(start=MARCH.start, end=MARCH.end, provinces=("Balochistan",))
    text = summary.summarise(frame, spec)
    assert "Quetta (5, 62%)" in text and "Gwadar, Kalat and Kech (1 each)" in text
    assert summary.summarise(frame.iloc[::-1], spec) == text


def _span(pct_of: tuple[int, int] | None, publisher: str | None = "PICSS"):
    """A coverage span holding ``dataset`` of ``published`` attacks (None: no figure)."""
    from tracker.analysis.coverage import SpanCoverage

    dataset, published = pct_of or (0, None)
    return SpanCoverage(MARCH.start, MARCH.end, "Pakistan", publisher if pct_of else None,
                        published, dataset, True)


def test_a_change_is_said_only_when_the_coverage_of_both_periods_is_alike():
    frame, earlier = _mix(12, 6, 2), _mix(6, 3, 1, day="2025-02-10")
    alike = summary.summarise(frame, MARCH, previous=earlier,
                              coverage_pair=(_span((20, 100)), _span((10, 60))))
    assert "+100%" in alike and "No change is read" not in alike
    unlike = summary.summarise(frame, MARCH, previous=earlier,
                               coverage_pair=(_span((20, 40)), _span((10, 100))))
    assert "+100%" not in unlike and "No change is read from this dataset" in unlike
    assert "50% of the attacks PICSS published" in unlike and "10% in those" in unlike
    assert "PICSS published 40 attacks in those months against 100, -60%" in unlike
    unknown = summary.summarise(frame, MARCH, previous=earlier,
                                coverage_pair=(_span((20, 40)), _span(None)))
    assert "no published count gives its coverage in both periods" in unknown
    assert "+100%" not in unknown


def test_period_coverage_measures_both_periods_against_one_publisher(bundled):
    april = FilterSpec(start=dt.date(2025, 4, 1), end=dt.date(2025, 4, 30))
    this, before = summary.period_coverage(april, bundled)
    assert this.publisher == before.publisher == "PICSS"
    assert (this.start, before.start) == (dt.date(2025, 4, 1), dt.date(2025, 3, 1))
    assert this.dataset == int((bundled["date"].dt.strftime("%Y-%m") == "2025-04").sum())
    assert summary.period_coverage(FilterSpec(), bundled) is None
