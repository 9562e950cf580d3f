"""Rolling windows and surge detection on constructed series with known surges and quiet
spells, then on the bundled data (the mid-March 2025 surge)."""

from __future__ import annotations

import datetime as dt
import html
import math

import pandas as pd
import pytest

from tracker.analysis import surge_detection
from tracker.analysis.surge_detection import SurgeParams
from tracker.present import surge_charts, wording
from tracker.present.text import date_range

START = dt.date(2025, 1, 1)


def incidents(per_day: dict[int, int], *, district: str = "Quetta",
              province: str = "Balochistan", killed: int | None = 1, injured: int | None = 2,
              claimed: int | None = None, start: dt.date = START,
              prefix: str = "T") -> pd.DataFrame:
    """A canonical-like frame: ``per_day`` maps day offsets from ``start`` to attack counts."""
    rows = []
    for offset, n in sorted(per_day.items()):
        for k in range(n):
            rows.append({
                "incident_id": f"{prefix}{district[:3]}-{offset}-{k}",
                "date": pd.Timestamp(start + dt.timedelta(days=offset)),
                "date_precision": "day", "province": province, "district": district,
                "perpetrator": "Unknown", "killed": killed, "injured": injured,
                "killed_claimed": claimed,
            })
    frame = pd.DataFrame(rows)
    for column in ("killed", "injured", "killed_claimed"):
        frame[column] = frame[column].astype("Int64")
    return frame


def span(last_offset: int) -> tuple[dt.date, dt.date]:
    return START, START + dt.timedelta(days=last_offset)


# --- rolling windows ------------------------------------------------------------------------


def test_a_48_hour_window_is_two_consecutive_days_summed():
    frame = incidents({0: 1, 1: 3, 2: 0, 3: 2, 4: 5})
    windows = surge_detection.rolling_windows(frame, "48 h", span=span(4))
    assert list(windows["window_start"].dt.date) == [START + dt.timedelta(days=d)
                                                     for d in range(4)]
    assert list(windows["window_end"] - windows["window_start"]) == [pd.Timedelta(days=1)] * 4
    assert list(windows["incidents"]) == [1 + 3, 3 + 0, 0 + 2, 2 + 5]
    assert list(windows["killed"]) == [4, 3, 2, 7]
    assert list(windows["casualties"]) == [12, 9, 6, 21]


@pytest.mark.parametrize(("label", "days"), [("24 h", 1), ("48 h", 2), ("72 h", 3),
                                             ("7 days", 7)])
def test_every_window_lies_inside_the_data_span(label, days):
    frame = incidents(dict.fromkeys(range(0, 30, 3), 1))
    windows = surge_detection.rolling_windows(frame, label, span=span(29))
    assert len(windows) == 30 - days + 1
    assert windows["window_start"].min() == pd.Timestamp(START)
    assert windows["window_end"].max() == pd.Timestamp(span(29)[1])
    first = windows.iloc[0]
    assert first["incidents"] == sum(1 for d in range(0, 30, 3) if d < days)


def test_baseline_is_the_previous_weeks_rate_scaled_to_the_window():
    # 28 attacks spread over the 56 days before day 56: 0.5 a day, so 1.0 per 48 h.
    frame = incidents(dict.fromkeys(range(0, 56, 2), 1) | {56: 4, 57: 2})
    windows = surge_detection.rolling_windows(frame, 2, span=span(57)).set_index("window_end")
    row = windows.loc[pd.Timestamp(START + dt.timedelta(days=57))]
    assert row["baseline"] == 28
    assert row["history_days"] == 56
    assert row["expected"] == pytest.approx(1.0)
    assert row["ratio"] == pytest.approx(6.0)


def test_windows_without_enough_history_are_not_scored():
    frame = incidents(dict.fromkeys(range(0, 40), 1))
    windows = surge_detection.rolling_windows(frame, 2, span=span(39), min_history_days=28)
    windows["first_day"] = (windows["window_start"] - pd.Timestamp(START)).dt.days
    assert windows.loc[windows["first_day"] < 28, "expected"].isna().all()
    scored = windows.loc[windows["first_day"] >= 28]
    assert scored["expected"].notna().all()
    # With 30 days of history (fewer than 56) the rate uses the 30 days there are.
    row = scored.loc[scored["first_day"] == 30].iloc[0]
    assert row["history_days"] == 30
    assert row["expected"] == pytest.approx(30 / 30 * 2)


def test_week_precision_rows_stay_out_of_short_windows():
    frame = incidents({0: 1, 1: 1})
    frame.loc[0, "date_precision"] = "week"
    windows = surge_detection.rolling_windows(frame, 2, span=span(1))
    assert list(windows["incidents"]) == [1]


def test_windows_per_district_count_each_district_apart():
    frame = pd.concat([incidents({0: 2, 1: 1}, district="Quetta"),
                       incidents({1: 4}, district="Bannu", province="Khyber Pakhtunkhwa")],
                      ignore_index=True)
    windows = surge_detection.rolling_windows(frame, 2, by="district", span=span(1))
    got = dict(zip(windows["area"], windows["incidents"], strict=True))
    assert got == {"Quetta": 3, "Bannu": 4}
    by_province = surge_detection.rolling_windows(frame, 2, by="province", span=span(1))
    assert dict(zip(by_province["area"], by_province["incidents"], strict=True)) == {
        "Balochistan": 3, "Khyber Pakhtunkhwa": 4}


# --- surge detection --------------------------------------------------------------------------


def background(days: int, every: int = 4) -> dict[int, int]:
    """One attack every ``every`` days: a steady, quiet rate."""
    return dict.fromkeys(range(0, days, every), 1)


def test_a_built_in_surge_is_found_with_its_peak_window():
    per_day = background(160) | {100: 5, 101: 4}
    surges = surge_detection.find_surges(incidents(per_day), SurgeParams(), span=span(159))
    assert len(surges) == 1
    surge = surges[0]
    assert (surge.start, surge.end) == (START + dt.timedelta(days=100),
                                        START + dt.timedelta(days=101))
    assert surge.incidents == 9
    assert surge.killed == 9 and surge.injured == 18
    # 14 attacks in the 56 days before day 100 (days 44..99 at one in four): 0.5 per 48 h.
    assert surge.expected == pytest.approx(14 / 56 * 2)


def test_a_steady_series_has_no_surge():
    per_day = dict.fromkeys(range(200), 2)
    assert surge_detection.find_surges(incidents(per_day), SurgeParams(), span=span(199)) == []


def test_a_quiet_month_then_two_attacks_is_not_a_surge_but_the_guard_is_why():
    per_day = {80: 2}  # nothing for 80 days, then 2 attacks in a day
    frame = incidents(per_day)
    assert surge_detection.find_surges(frame, SurgeParams(), span=span(120)) == []
    loose = surge_detection.find_surges(frame, SurgeParams(min_count=2), span=span(120))
    assert [s.start for s in loose] == [START + dt.timedelta(days=79)]
    assert loose[0].expected == 0


def test_a_rise_that_is_not_three_times_the_rate_is_not_a_surge():
    per_day = dict.fromkeys(range(100), 2) | {100: 5, 101: 5}  # 10 against 4 expected
    surges = surge_detection.find_surges(incidents(per_day), SurgeParams(), span=span(101))
    assert surges == []
    assert surge_detection.find_surges(incidents(per_day), SurgeParams(min_ratio=2.5),
                                 span=span(101))


def test_a_surge_on_the_last_days_of_the_data_is_found():
    per_day = background(90) | {88: 6, 89: 6}
    surges = surge_detection.find_surges(incidents(per_day), SurgeParams(), span=span(89))
    assert [(s.start, s.end) for s in surges] == [(START + dt.timedelta(days=88),
                                                   START + dt.timedelta(days=89))]


def test_a_burst_before_the_baseline_exists_is_not_scored():
    per_day = {3: 6, 4: 6} | background(120)
    surges = surge_detection.find_surges(incidents(per_day), SurgeParams(), span=span(119))
    assert surges == []


def test_overlapping_flagged_windows_are_one_spell():
    per_day = background(150) | {100: 4, 101: 6, 102: 5}
    surges = surge_detection.find_surges(incidents(per_day), SurgeParams(), span=span(149))
    assert len(surges) == 1
    surge = surges[0]
    assert surge.spell_start <= START + dt.timedelta(days=100)
    assert surge.spell_end >= START + dt.timedelta(days=102)
    assert (surge.start, surge.end) == (START + dt.timedelta(days=101),
                                        START + dt.timedelta(days=102))
    assert surge.incidents == 11


def test_district_surges_name_the_district_and_ignore_quiet_neighbours():
    quiet = incidents(background(150, every=5), district="Bannu",
                      province="Khyber Pakhtunkhwa")
    busy = incidents(background(150, every=7) | {120: 3, 121: 2}, district="Quetta")
    frame = pd.concat([quiet, busy], ignore_index=True)
    surges = surge_detection.find_surges(frame, SurgeParams(min_count=3), by="district",
                                   span=span(149))
    assert [s.area for s in surges] == ["Quetta"]
    assert surges[0].level == "district"
    assert surges[0].districts == 1 and surges[0].provinces == 1


@pytest.mark.parametrize(("window", "count"), [(1, 7), (3, 10), (7, 12)])
def test_other_window_lengths_find_the_burst(window, count):
    per_day = background(160, every=8) | {100: 7, 101: 2, 102: 1, 104: 2}
    surges = surge_detection.find_surges(incidents(per_day), SurgeParams(window_days=window),
                                   span=span(159))
    assert len(surges) == 1
    assert surges[0].incidents == count
    assert surges[0].window_label == {1: "24 h", 3: "72 h", 7: "7 days"}[window]


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="window_days"):
        SurgeParams(window_days=0)
    with pytest.raises(ValueError, match="baseline_days"):
        SurgeParams(baseline_days=10, min_history_days=28)


# --- words, claims ------------------------------------------------------------------------


def test_card_says_it_in_words_and_claims_stay_out_of_the_toll():
    per_day = background(160) | {100: 5, 101: 4}
    frame = incidents(per_day)
    in_surge = frame["date"] >= pd.Timestamp(START + dt.timedelta(days=100))
    frame.loc[in_surge & (frame.index == frame.index[in_surge][0]), "killed_claimed"] = 90
    frame.loc[frame.index[in_surge][1], "district"] = "Kech"
    surge = surge_detection.find_surges(frame, SurgeParams(), span=span(159))[0]
    assert wording.surge_card(surge) == (
        "9 attacks in 48 h across 2 districts in 1 province, 11–12 Apr 2025; "
        "killed 9, injured 18."
    )
    details = wording.surge_details(surge)
    assert "claimed 90 killed in 1 attack; claims are not counted" in details
    assert surge.killed == 9  # not 99


def test_a_country_level_surge_is_named_for_what_the_filter_left():
    """Counted over Balochistan's rows only, a surge must not be called Pakistan's."""
    frame = incidents(background(160) | {100: 5, 101: 4})
    national = surge_detection.find_surges(frame, SurgeParams(), span=span(159))[0]
    by_province = surge_detection.find_surges(frame, SurgeParams(), by="province",
                                              span=span(159))[0]
    assert wording.surge_details(national).startswith("Pakistan as a whole:")
    assert wording.surge_details(national, "Balochistan").startswith("Balochistan:")
    assert wording.surge_label(national, "Balochistan").split(" · ")[1] == "Balochistan"
    # a province's own surge keeps its name whatever the country-level label is
    assert wording.area_name(by_province, "Balochistan (filtered)") == "Balochistan"
    found, text = wording.window_finding(
        frame, [national], START + dt.timedelta(days=100), START + dt.timedelta(days=101),
        SurgeParams(), national="Balochistan")
    assert found and "in 48 h in Balochistan," in text and "Pakistan" not in text


def test_rolling_killed_never_includes_claims():
    frame = incidents({0: 1, 1: 1}, killed=5, claimed=90)
    windows = surge_detection.rolling_windows(frame, 2, span=span(1))
    assert windows["killed"].tolist() == [10]
    assert windows["killed_claimed"].tolist() == [180]
    assert windows["casualties"].tolist() == [10 + 4]
    daily = surge_detection.daily_counts(frame, span=span(1))
    assert daily["killed"].sum() == 10 and daily["killed_claimed"].sum() == 180


def test_date_range_text():
    assert date_range(dt.date(2025, 3, 15), dt.date(2025, 3, 15)) == "15 Mar 2025"
    assert date_range(dt.date(2025, 3, 15), dt.date(2025, 3, 16)) == \
        "15–16 Mar 2025"
    assert date_range(dt.date(2025, 3, 31), dt.date(2025, 4, 1)) == \
        "31 Mar – 1 Apr 2025"
    assert date_range(dt.date(2024, 12, 31), dt.date(2025, 1, 1)) == \
        "31 Dec 2024 – 1 Jan 2025"


# --- the bundled data ------------------------------------------------------------------------


def test_bundled_mid_march_2025_surge_is_found(bundled):
    """Pins the truth on the real sample: the 48 h detector finds 15–16 March 2025."""
    params = SurgeParams()
    surges = surge_detection.find_surges(bundled, params)
    found, text = wording.window_finding(bundled, surges, dt.date(2025, 3, 15),
                                           dt.date(2025, 3, 17), params)
    assert found, text
    hits = surge_detection.surges_in_window(surges, dt.date(2025, 3, 15), dt.date(2025, 3, 17))
    peak = max(hits, key=lambda s: s.incidents)
    on = bundled["date"].dt.date
    in_peak = bundled[(on >= peak.start) & (on <= peak.end)]
    assert (peak.start, peak.end) == (dt.date(2025, 3, 15), dt.date(2025, 3, 16))
    assert peak.incidents == len(in_peak) == 16
    assert peak.killed == int(in_peak["killed"].sum())
    assert peak.districts == in_peak["district"].nunique()
    held = ((on >= dt.date(2025, 3, 15)) & (on <= dt.date(2025, 3, 17))).sum()
    assert f"holds {held} incidents" in text and held == 19
    # The 8 weeks before 15 Mar 2025, scaled to two days, by hand.
    before = ((on >= dt.date(2025, 1, 18)) & (on <= dt.date(2025, 3, 14))).sum()
    assert peak.expected == pytest.approx(before / 56 * 2)


def test_bundled_surge_in_khyber_pakhtunkhwa_by_province(bundled):
    surges = surge_detection.find_surges(bundled, SurgeParams(), by="province")
    march = surge_detection.surges_in_window(surges, dt.date(2025, 3, 15), dt.date(2025, 3, 17))
    assert [s.area for s in march] == ["Khyber Pakhtunkhwa"]
    on = bundled["date"].dt.date
    kp = bundled[(bundled["province"] == "Khyber Pakhtunkhwa") & (on >= march[0].start)
                 & (on <= march[0].end)]
    assert march[0].incidents == len(kp)


def test_pinned_events_are_real_incidents(bundled, project_root):
    pins = pd.read_csv(project_root / "data" / "pinned_events.csv", dtype=str)
    assert set(pins["incident_id"]) <= set(bundled["incident_id"])
    shown = surge_detection.pinned_events(bundled).set_index("incident_id")
    assert shown.loc["BAL-0020", "date"] == pd.Timestamp("2025-03-11")
    assert "Jaffar Express" in shown.loc["BAL-0020", "summary"]
    assert shown.loc["BAL-0023", "date"] == pd.Timestamp("2025-03-16")
    assert shown.loc["BAL-0023", "district"] == "Nushki"
    kp_only = surge_detection.pinned_events(bundled[bundled["province"] == "Khyber Pakhtunkhwa"])
    assert kp_only.empty


# --- the chart ------------------------------------------------------------------------------


def test_timeline_shades_surges_marks_pins_and_escapes_text():
    per_day = background(160) | {100: 5, 101: 4}
    frame = incidents(per_day, claimed=3)
    surges = surge_detection.find_surges(frame, SurgeParams(), span=span(159))
    pins = pd.DataFrame({"date": [pd.Timestamp(START + dt.timedelta(days=50))],
                         "label": ["<b>bold</b> & co"], "summary": ["<script>x</script>"]})
    fig = surge_charts.surge_timeline(surge_detection.daily_counts(frame),
                                      surge_detection.rolling_windows(frame),
                                surges, pins, title="<i>Quetta</i>")
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 1
    assert pd.Timestamp(rects[0].x0) < pd.Timestamp(START + dt.timedelta(days=100))
    assert [a.text for a in fig.layout.annotations] == [html.escape("<b>bold</b> & co")]
    pin_trace = next(t for t in fig.data if t.name == "Pinned event")
    assert "&lt;script&gt;" in pin_trace.hovertext[0] and "<script>" not in pin_trace.hovertext[0]
    assert fig.layout.title.text == "&lt;i&gt;Quetta&lt;/i&gt;"


def test_timeline_claims_are_a_separate_series():
    frame = incidents({0: 1, 3: 2}, killed=5, claimed=40)
    daily = surge_detection.daily_counts(frame)
    fig = surge_charts.surge_timeline(daily, surge_detection.rolling_windows(frame), [],
                                pd.DataFrame(columns=["date", "label", "summary"]),
                                measure="killed", show_claims=True)
    bars = fig.data[0]
    assert list(bars.y) == [5, 0, 0, 10]
    claims = next(t for t in fig.data if "claimed" in t.name)
    assert list(claims.y) == [40, 80]
    without = surge_charts.surge_timeline(daily, surge_detection.rolling_windows(frame), [],
                                    pd.DataFrame(columns=["date", "label", "summary"]),
                                    measure="killed", show_claims=False)
    assert not any("claimed" in (t.name or "") for t in without.data)
    assert "claimed 40 killed (not counted)" in bars.hovertext[0]


def test_ratio_is_infinite_when_nothing_was_expected():
    surge = surge_detection.find_surges(incidents({80: 3}), SurgeParams(min_count=3),
                                  span=span(90))[0]
    assert math.isinf(surge.ratio)
    assert "no attack at all in the previous 8 weeks" in wording.surge_details(surge)
