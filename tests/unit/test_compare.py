"""Period comparison: this period, the previous one, a year earlier, and when to compare."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tracker.analysis import comparison
from tracker.present import wording


def frame_of(rows: list[tuple[str, str, str, str, int | None, int | None]]) -> pd.DataFrame:
    """(date, province, district, perpetrator, killed, killed_claimed) → incidents."""
    frame = pd.DataFrame(rows, columns=["date", "province", "district", "perpetrator",
                                        "killed", "killed_claimed"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["incident_id"] = [f"C-{i}" for i in range(len(frame))]
    frame["injured"] = pd.array([1] * len(frame), dtype="Int64")
    frame["killed"] = frame["killed"].astype("Int64")
    frame["killed_claimed"] = frame["killed_claimed"].astype("Int64")
    return frame


ROWS = [
    # a year earlier: March 2024
    ("2024-03-05", "Balochistan", "Quetta", "BLA", 2, None),
    ("2024-03-20", "Khyber Pakhtunkhwa", "Bannu", "TTP", 1, None),
    # previous period of March 2025: February 2025 (a calendar month)
    ("2025-02-10", "Balochistan", "Quetta", "BLA", 3, None),
    ("2025-02-11", "Balochistan", "Kech", "Unknown", None, None),
    ("2025-02-20", "Khyber Pakhtunkhwa", "Bannu", "TTP", 0, None),
    # this period: March 2025
    ("2025-03-11", "Balochistan", "Kachhi", "BLA", 26, None),
    ("2025-03-16", "Balochistan", "Nushki", "BLA", 5, 90),
    ("2025-03-15", "Khyber Pakhtunkhwa", "Bannu", "TTP; Hafiz Gul Bahadur group", 1, None),
    ("2025-03-15", "Khyber Pakhtunkhwa", "Lakki Marwat", "Unknown", 0, None),
    ("2025-03-17", "Punjab", "Dera Ghazi Khan", "Unknown", 0, None),
]
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def test_the_three_periods():
    periods = comparison.comparison_periods(*MARCH)
    assert (periods["previous"].start, periods["previous"].end) == (dt.date(2025, 2, 1),
                                                                    dt.date(2025, 2, 28))
    assert (periods["year_before"].start, periods["year_before"].end) == (
        dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    leap = comparison.comparison_periods(dt.date(2024, 2, 29), dt.date(2024, 2, 29))
    assert leap["year_before"].start == dt.date(2023, 2, 28)
    with pytest.raises(ValueError):
        comparison.comparison_periods(dt.date(2025, 3, 2), dt.date(2025, 3, 1))


@pytest.mark.parametrize(("start", "end", "previous", "year_before"), [
    # calendar periods: the previous calendar period, and the same one a year earlier
    ((2025, 1, 1), (2025, 12, 31), ((2024, 1, 1), (2024, 12, 31)),
     ((2024, 1, 1), (2024, 12, 31))),
    ((2025, 4, 1), (2025, 6, 30), ((2025, 1, 1), (2025, 3, 31)),
     ((2024, 4, 1), (2024, 6, 30))),
    ((2025, 4, 1), (2025, 4, 30), ((2025, 3, 1), (2025, 3, 31)),
     ((2024, 4, 1), (2024, 4, 30))),
    ((2025, 2, 1), (2025, 2, 28), ((2025, 1, 1), (2025, 1, 31)),
     ((2024, 2, 1), (2024, 2, 29))),
    # any other span: the days of equal length just before it
    ((2025, 3, 10), (2025, 3, 20), ((2025, 2, 27), (2025, 3, 9)),
     ((2024, 3, 10), (2024, 3, 20))),
])
def test_calendar_periods_compare_with_calendar_periods(start, end, previous, year_before):
    periods = comparison.comparison_periods(dt.date(*start), dt.date(*end))
    assert (periods["previous"].start, periods["previous"].end) == (
        dt.date(*previous[0]), dt.date(*previous[1]))
    assert (periods["year_before"].start, periods["year_before"].end) == (
        dt.date(*year_before[0]), dt.date(*year_before[1]))


def test_per_province_numbers_match_a_hand_count():
    table = wording.with_change_words(
        comparison.compare_periods(frame_of(ROWS), *MARCH, by="province")).set_index("area")
    assert table.loc["Balochistan", ["this", "previous", "year_before"]].tolist() == [2, 2, 1]
    assert table.loc["Khyber Pakhtunkhwa", ["this", "previous", "year_before"]].tolist() == \
        [2, 1, 1]
    assert table.loc["Punjab", ["this", "previous", "year_before"]].tolist() == [1, 0, 0]
    assert table.loc["Balochistan", "vs_previous"] == "no change"
    assert table.loc["Balochistan", "vs_year_before"] == "up 1"  # small counts: no %
    assert table.loc["Khyber Pakhtunkhwa", "change"] == 1
    assert pd.isna(table.loc["Khyber Pakhtunkhwa", "change_pct"])
    assert table.loc["Punjab", "vs_previous"] == "new (up 1 from none)"
    assert pd.isna(table.loc["Punjab", "change_pct"])
    assert list(table.index[:2]) == ["Balochistan", "Khyber Pakhtunkhwa"]  # largest first


def test_per_district_and_killed_exclude_claims():
    table = wording.with_change_words(comparison.compare_periods(
        frame_of(ROWS), *MARCH, by="district", measure="killed")).set_index("area")
    assert table.loc["Nushki", "this"] == 5  # the claim of 90 is not counted
    assert table.loc["Quetta", ["this", "previous", "year_before"]].tolist() == [0, 3, 2]
    assert table.loc["Quetta", "vs_previous"] == "down 3"
    assert table.loc["Kech", "vs_previous"] == "none in either"  # killed not reported
    totals = comparison.comparison_totals(frame_of(ROWS), *MARCH).set_index("measure")
    assert totals.loc["killed", "this"] == 26 + 5 + 1 + 0 + 0
    assert totals.loc["incidents", ["this", "previous", "year_before"]].tolist() == [5, 3, 2]
    worded = wording.totals_with_words(totals.reset_index()).set_index("measure")
    assert list(worded.columns) == ["this", "previous", "vs_previous", "year_before",
                                    "vs_year_before"]
    assert worded.loc["incidents", "vs_previous"] == "up 2"  # small counts: no percentage
    assert worded.loc["incidents", "vs_year_before"] == "up 3"


def test_words_say_not_comparable_where_coverage_differs():
    def cover(period):
        return 50.0 if period.start.month == 3 else 20.0

    totals = comparison.comparison_totals(frame_of(ROWS), *MARCH, coverage_of=cover)
    assert not totals["comparable_previous"].any()
    worded = wording.totals_with_words(totals).set_index("measure")
    assert worded.loc["incidents", "vs_previous"] == "not comparable: sample holds 50% vs 20%"


def test_periods_before_the_data_have_no_data_not_zero():
    frame = frame_of([r for r in ROWS if r[0] >= "2025"])
    table = wording.with_change_words(
        comparison.compare_periods(frame, *MARCH, by="province")).set_index("area")
    assert table["year_before"].isna().all()
    assert set(table["vs_year_before"]) == {"no data"}
    assert table.loc["Balochistan", "previous"] == 2
    partial = comparison.comparison_periods(*MARCH)["previous"]
    assert partial.coverage(dt.date(2025, 2, 10)) == "partial"
    assert partial.coverage(dt.date(2025, 1, 1)) == "full"
    assert partial.coverage(dt.date(2025, 3, 1)) == "none"


@pytest.mark.parametrize(("current", "previous", "words"), [
    (12, 10, "up 2 (+20%)"), (20, 10, "up 10 (+100%)"), (5, 10, "down 5"), (8, 1, "up 7"),
    (3, 3, "no change"),
    (4, 0, "new (up 4 from none)"), (0, 0, "none in either"), (3, None, "no data"),
])
def test_change_words(current, previous, words):
    assert wording.change_words(current, previous) == words


def test_first_appearances_call_out_new_districts_and_groups():
    frame = frame_of(ROWS)
    assert comparison.first_appearances(frame, *MARCH, "district") == [
        "Dera Ghazi Khan", "Kachhi", "Lakki Marwat", "Nushki"]
    # TTP and BLA were seen before; "Unknown" is never a group.
    assert comparison.first_appearances(frame, *MARCH, "perpetrator") == [
        "Hafiz Gul Bahadur group"]
    # A period that starts with the data can hold nothing new.
    assert comparison.first_appearances(frame, dt.date(2024, 3, 1), dt.date(2024, 3, 31),
                                       "district") == []
    assert comparison.first_appearances(frame, *MARCH, "district",
                                       data_start=dt.date(2025, 3, 1)) == []


def test_first_appearances_work_on_frames_that_refuse_duplicate_labels():
    frame = frame_of(ROWS).set_flags(allows_duplicate_labels=False)
    assert comparison.first_appearances(frame, *MARCH, "perpetrator") == [
        "Hafiz Gul Bahadur group"]


def test_bundled_march_2025_against_a_hand_count(bundled):
    table = comparison.compare_periods(bundled, *MARCH, by="province").set_index("area")
    month = bundled["date"].dt.to_period("M")
    for province in ("Balochistan", "Khyber Pakhtunkhwa"):
        mine = bundled["province"] == province
        assert table.loc[province, "this"] == (mine & (month == "2025-03")).sum()
        assert table.loc[province, "year_before"] == (mine & (month == "2024-03")).sum()
        days = bundled["date"].dt.date
        prev = mine & (days >= dt.date(2025, 2, 1)) & (days <= dt.date(2025, 2, 28))
        assert table.loc[province, "previous"] == prev.sum()


def test_first_appearances_ignore_values_first_seen_after_the_period_or_inside_a_pair():
    rows = [*ROWS,
            ("2025-02-12", "Balochistan", "Kech", "BLA; BLF", 1, None),  # BLF seen in a pair
            ("2025-03-20", "Balochistan", "Kech", "BLF", 1, None),
            ("2025-04-02", "Balochistan", "Zhob", "New Front", 1, None)]  # after March
    frame = frame_of(rows)
    assert comparison.first_appearances(frame, *MARCH, "perpetrator") == [
        "Hafiz Gul Bahadur group"]
    assert "Zhob" not in comparison.first_appearances(frame, *MARCH, "district")
    assert comparison.first_appearances(frame, dt.date(2025, 4, 1), dt.date(2025, 4, 30),
                                        "perpetrator") == ["New Front"]


def test_coverage_decides_whether_a_change_is_a_trend():
    """The comparability rule: coverages within a factor of 1.5, both known."""
    rows = [(f"2025-02-0{d % 9 + 1}", "Balochistan", "Quetta", "BLA", 1, None)
            for d in range(12)]
    rows += [(f"2025-03-1{d % 9}", "Balochistan", "Quetta", "BLA", 1, None)
             for d in range(30)]
    frame = frame_of(rows)
    for this_pct, previous_pct, fine in ((50, 40, True), (50, 20, False), (50, None, False)):
        def cover(area, period, this_pct=this_pct, previous_pct=previous_pct):
            return this_pct if period.start.month == 3 else previous_pct
        table = wording.with_change_words(comparison.compare_periods(
            frame, *MARCH, by="province", coverage_of=cover)).set_index("area")
        words = table.loc["Balochistan", "vs_previous"]
        if fine:
            assert words == "up 18 (+150%)"
            assert table.loc["Balochistan", "change_pct"] == pytest.approx(1.5)
        else:
            assert words.startswith("not comparable")
            assert "%" not in words.split(":")[0] and "+" not in words
            assert pd.isna(table.loc["Balochistan", "change_pct"])
        assert table.loc["Balochistan", "cov_this"] == this_pct
