"""Coverage: published monthly attack counts beside the sample, checked by hand from the CSVs."""

from __future__ import annotations

import csv
import datetime as dt
import html

import pytest

from tracker.analysis import aggregates, coverage
from tracker.present import surge_charts


def read_csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def files(project_root):
    data = project_root / "data"
    return {
        "incidents": read_csv(data / "incidents.csv"),
        "reference": read_csv(data / "reference_counts.csv"),
        "districts": read_csv(data / "districts.csv"),
    }


def published(reference, publisher, month, scope):
    """The 'attacks only' monthly values for one publisher, month ('2025-03') and area."""
    return sorted(int(r["value"]) for r in reference
                  if r["publisher"] == publisher and r["period_start"] == f"{month}-01"
                  and r["period_kind"] == "month" and r["metric"] == "attacks"
                  and r["includes"] == "attacks only" and r["scope"] == scope)


def held(incidents, month, keep):
    return sum(1 for r in incidents if r["date"].startswith(month) and keep(r))


CASES = [
    # (publisher, month, scope, which incidents the scope covers)
    ("PICSS", "2025-03", "Pakistan", lambda r, tribal: True),
    ("PIPS", "2024-08", "Balochistan", lambda r, tribal: r["province"] == "Balochistan"),
    ("PICSS", "2024-11", "Khyber Pakhtunkhwa",
     lambda r, tribal: r["province"] == "Khyber Pakhtunkhwa"),
    ("PICSS", "2025-02", "Khyber Pakhtunkhwa (merged tribal districts)",
     lambda r, tribal: r["province"] == "Khyber Pakhtunkhwa" and r["district"] in tribal),
    ("PICSS", "2025-01", "Khyber Pakhtunkhwa (settled districts)",
     lambda r, tribal: r["province"] == "Khyber Pakhtunkhwa" and r["district"]
     and r["district"] not in tribal),
]


@pytest.mark.parametrize(("publisher", "month", "scope", "keep"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_percentages_match_a_hand_calculation(bundled, files, publisher, month, scope, keep):
    tribal = {r["district"] for r in files["districts"] if r["former_fata"] == "True"}
    values = published(files["reference"], publisher, month, scope)
    assert len(values) == 1
    count = held(files["incidents"], month, lambda r: keep(r, tribal))
    expected_pct = 100 * count / values[0]

    table = coverage.coverage_table(bundled, coverage.load_reference())
    row = table[(table["publisher"] == publisher) & (table["scope"] == scope)
                & (table["month"] == f"{month}-01")]
    assert len(row) == 1
    assert row["published"].iloc[0] == values[0]
    assert row["dataset"].iloc[0] == count
    assert row["coverage_pct"].iloc[0] == pytest.approx(expected_pct)


def test_march_2025_by_hand(bundled):
    """The most quoted month, written out: 52 incidents against PICSS's 105 attacks."""
    table = coverage.coverage_table(bundled, coverage.load_reference(),
                                    start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31))
    row = table[(table["scope"] == "Pakistan") & (table["publisher"] == "PICSS")].iloc[0]
    assert (row["published"], row["dataset"]) == (105, 52)
    assert row["coverage_pct"] == pytest.approx(52 / 105 * 100)


def test_conflicting_figures_use_the_higher_and_show_the_other(bundled, files):
    values = published(files["reference"], "PICSS", "2025-04", "Pakistan")
    assert values == [81, 82]
    count = held(files["incidents"], "2025-04", lambda r: True)
    table = coverage.coverage_table(bundled, coverage.load_reference())
    clash = coverage.conflicts(table)
    assert len(clash) == 1
    row = clash.iloc[0]
    assert (row["published"], row["alternative"]) == (82, 81)
    assert row["coverage_pct"] == pytest.approx(100 * count / 82)
    assert row["alternative_pct"] == pytest.approx(100 * count / 81)
    assert "82" in row["notes"] and "81" in row["notes"]


def test_only_attack_counts_of_picss_and_pips_are_yardsticks():
    table = coverage.monthly_yardsticks(coverage.load_reference())
    assert set(table["publisher"]) == {"PICSS", "PIPS"}
    raw = coverage.load_reference()
    expected = raw[(raw["publisher"].isin(["PICSS", "PIPS"])) & (raw["metric"] == "attacks")
                   & (raw["period_kind"] == "month") & (raw["includes"] == "attacks only")]
    # one row per publisher, month and area; the April 2025 pair becomes one row
    assert len(table) == len(expected) - 1


def test_a_month_with_none_published_has_no_percentage(bundled):
    table = coverage.coverage_table(bundled, coverage.load_reference(),
                                    start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31),
                                    provinces=("Punjab",))
    assert table["scope"].tolist() == ["Punjab"]
    assert table["published"].iloc[0] == 0
    assert table["coverage_pct"].isna().all()


def test_province_filter_keeps_kp_parts(bundled):
    table = coverage.coverage_table(bundled, coverage.load_reference(),
                                    provinces=("Khyber Pakhtunkhwa",))
    assert set(table["scope"]) == {"Khyber Pakhtunkhwa", coverage.MERGED, coverage.SETTLED}


def test_reference_figures_never_reach_incident_totals(bundled):
    before = aggregates.headline(bundled)
    coverage.coverage_table(bundled, coverage.load_reference())
    assert aggregates.headline(bundled) == before
    table = coverage.coverage_table(bundled, coverage.load_reference())
    national = table[(table["scope"] == "Pakistan")].drop_duplicates("month")
    months = bundled["date"].dt.to_period("M").astype(str)
    for month, count in zip(national["month"].dt.strftime("%Y-%m"), national["dataset"],
                            strict=True):
        assert count == (months == month).sum()


def test_links_are_http_only_and_chart_text_is_escaped(bundled):
    table = coverage.coverage_table(bundled, coverage.load_reference())
    assert table["source_url"].dropna().str.match(r"^https?://").all()
    evil = table.head(1).assign(scope="<b>x</b>", publisher="<img src=x>")
    fig = surge_charts.coverage_chart(evil, "<b>x</b>", title="<b>x</b>")
    hover = fig.data[0].hovertext[0]
    assert html.escape("<img src=x>") in hover and "<img" not in hover
    assert fig.layout.title.text == html.escape("<b>x</b>")


def test_the_published_48_hour_tally_is_found():
    tallies = coverage.window_tallies(coverage.load_reference(), dt.date(2025, 3, 15),
                                      dt.date(2025, 3, 17))
    assert tallies["value"].tolist() == [57]
