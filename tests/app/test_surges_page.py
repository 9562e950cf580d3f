"""The Surges and Coverage pages and the period comparison, against independent counts of
data/incidents.csv and data/reference_counts.csv."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

SURGES = "pages/surges.py"


def table_with(at, *columns: str) -> pd.DataFrame:
    """The first dataframe on the page that has all ``columns``."""
    for frame in at.dataframe:
        if set(columns) <= set(frame.value.columns):
            return frame.value
    raise AssertionError(f"no table with columns {columns!r}")


def window(bundled: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    days = bundled["date"].dt.date
    return bundled[(days >= dt.date.fromisoformat(start)) & (days <= dt.date.fromisoformat(end))]


def test_surges_page_finds_mid_march_2025_and_says_it_in_words(app, bundled):
    at = app(SURGES)
    assert not at.exception, [e.value for e in at.exception]
    found = " ".join(s.value for s in at.success)
    assert "Mid-March 2025 surge" in found and "Found" in found
    peak = window(bundled, "2025-03-15", "2025-03-16")
    card = (f"{len(peak)} attacks in 48 h across {peak['district'].nunique()} districts in "
            f"{peak['province'].nunique()} provinces, 15–16 Mar 2025; killed "
            f"{int(peak['killed'].sum())}, injured {int(peak['injured'].sum())}")
    cards = [m.value.replace("\\", "") for m in at.markdown]
    assert any(card in text for text in cards), cards[:5]
    # The published tally stands beside it, apart from the data.
    assert any("57 attacks" in c.value for c in at.caption)
    # Coverage in the window's month (March 2025: PICSS published 105 attacks,
    # data/reference_counts.csv) and in the baseline weeks, and the adjusted ratio.
    march = len(window(bundled, "2025-03-01", "2025-03-31"))
    plain = found.replace("\\", "")
    assert f"Coverage of PICSS: {100 * march / 105:.0f}% in March 2025, " in plain, plain
    assert "in the baseline weeks. Adjusted for it, " in plain
    coverage_lines = [c.value.replace("\\", "") for c in at.caption
                      if c.value.replace("\\", "").startswith("Coverage of")]
    assert coverage_lines, "every card states its coverage"
    # The incidents of the largest window, each with its source link.
    listed = table_with(at, "incident_id")
    assert set(listed["incident_id"]) == set(peak["incident_id"])
    assert listed["source_url"].str.startswith(("http://", "https://")).all()
    # Claimed tolls are listed apart: the Noshki convoy's claim of 90 is not in the killed column.
    noshki = listed.set_index("incident_id").loc["BAL-0023"]
    assert (noshki["killed"], noshki["killed_claimed"]) == (5, 90)


def test_surges_timeline_shades_the_spell_and_pins_the_landmarks(app):
    at = app(SURGES)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Jaffar Express hijacking" in spec and "Noshki convoy attack" in spec
    fig = json.loads(spec)
    rects = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    spans = [(pd.Timestamp(r["x0"]).date(), pd.Timestamp(r["x1"]).date()) for r in rects]
    assert any(a <= dt.date(2025, 3, 15) and b >= dt.date(2025, 3, 16) for a, b in spans)


def test_surges_page_says_plainly_when_the_window_is_not_found(app, bundled):
    at = app(SURGES)
    at.number_input(key="surges_min_count_Pakistan").set_value(50).run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    held = len(window(bundled, "2025-03-15", "2025-03-17"))
    assert "Not found" in text and f"only {held} incidents" in text
    assert any("No window in this period passes" in i.value for i in at.info)


@pytest.mark.parametrize("level", ["province", "district"])
def test_surges_by_province_and_district(app, level):
    at = app(SURGES)
    at.selectbox(key="surges_level").set_value(level).run()
    at.selectbox(key="surges_window").set_value("72 h").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=f"surges_area_{level}").value
    assert any("72 h" in m.value for m in at.markdown)


def test_claims_series_on_the_killed_timeline(app):
    at = app(SURGES)
    at.radio(key="surges_measure").set_value("killed").run()
    at.toggle(key="surges_claims").set_value(True).run()
    assert not at.exception
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Killed as claimed by perpetrators (not in totals)" in spec


def test_overview_comparison_matches_an_independent_count(app, bundled, project_root):
    reference = pd.read_csv(project_root / "data" / "reference_counts.csv", dtype=str,
                            keep_default_na=False)
    at = app(query={"start": "2025-03-01", "end": "2025-03-31"})
    assert not at.exception, [e.value for e in at.exception]
    totals = table_with(at, "measure").set_index("measure")
    this = window(bundled, "2025-03-01", "2025-03-31")
    previous = window(bundled, "2025-02-01", "2025-02-28")  # the previous calendar month
    year = window(bundled, "2024-03-01", "2024-03-31")
    assert totals.loc["Attacks", ["this", "previous", "year_before"]].tolist() == [
        len(this), len(previous), len(year)]
    assert totals.loc["Killed", "this"] == int(this["killed"].sum())
    by_province = table_with(at, "area", "vs_previous").set_index("area")
    for province in ("Balochistan", "Khyber Pakhtunkhwa"):
        now = (this["province"] == province).sum()
        before = (previous["province"] == province).sum()
        assert by_province.loc[province, "this"] == now
        assert by_province.loc[province, "previous"] == before
        diff = now - before
        published = reference.loc[(reference["scope"] == province)
                                  & (reference["period_kind"] == "month")
                                  & (reference["metric"] == "attacks")
                                  & (reference["includes"] == "attacks only")
                                  & reference["period_start"].isin(["2025-02-01",
                                                                    "2025-03-01"])]
        if published["period_start"].nunique() < 2:  # a month without a published count
            assert by_province.loc[province, "vs_previous"] == \
                "not comparable: coverage unknown"
        else:
            assert by_province.loc[province, "vs_previous"].startswith(
                f"{'up' if diff > 0 else 'down'} {abs(diff)}") or \
                by_province.loc[province, "vs_previous"].startswith("not comparable")


def _month_with_a_new_district(incidents, province: str) -> tuple[str, str]:
    """The latest month in which a district of ``province`` first appears in the data."""
    rows = incidents[(incidents["province"] == province) & incidents["district"].notna()]
    first = rows.groupby("district")["date"].min()
    month = first.max().to_period("M")
    return str(month.start_time.date()), str(month.end_time.date())


def test_province_page_compares_districts(app, bundled):
    start, end = _month_with_a_new_district(bundled, "Khyber Pakhtunkhwa")
    at = app("pages/khyber_pakhtunkhwa.py", query={"start": start, "end": end})
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key="khyber_pakhtunkhwa_compare_by").set_value("district").run()
    table = table_with(at, "area", "vs_previous").set_index("area")
    this = window(bundled, start, end)
    this = this[this["province"] == "Khyber Pakhtunkhwa"]
    expected = this["district"].value_counts()
    for district, count in expected.items():
        assert table.loc[district, "this"] == count
    assert set(table.index) >= set(expected.index)
    first = " ".join(m.value for m in at.markdown if "First time in the data" in m.value)
    province = bundled[bundled["province"] == "Khyber Pakhtunkhwa"]
    seen = set(province.loc[province["date"] < start, "district"])
    new = sorted(set(this["district"]) - seen)
    assert new, f"a district of Khyber Pakhtunkhwa is new in the data from {start}"
    assert all(name in first for name in new), first


def test_coverage_page_shows_published_counts_and_the_april_2025_conflict(app, bundled):
    at = app("pages/coverage.py")
    assert not at.exception, [e.value for e in at.exception]
    table = table_with(at, "coverage_pct")
    march = table[(table["month"] == "Mar 2025") & (table["scope"] == "Pakistan")].iloc[0]
    held = len(window(bundled, "2025-03-01", "2025-03-31"))
    assert (march["published"], march["dataset"]) == (105, held)
    assert march["coverage_pct"] == round(100 * held / 105, 1)
    april = table[(table["month"] == "Apr 2025") & (table["scope"] == "Pakistan")].iloc[0]
    assert (april["published"], april["alternative"]) == (82, 81)
    assert any("also published 81" in c.value for c in at.caption)
    assert set(table["scope"]) == {"Pakistan"}  # the table follows the Area selector
    at.selectbox(key="coverage_scope").set_value("Balochistan").run()
    assert set(table_with(at, "coverage_pct")["scope"]) == {"Balochistan"}


def test_a_province_filter_names_the_surges_for_that_province(app, bundled):
    """With the sidebar on Balochistan, country-level counts cover Balochistan only, and
    the page says so instead of "Pakistan"."""
    at = app(SURGES, query={"province": "PK-BA"})
    assert not at.exception, [e.value for e in at.exception]
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert fig["layout"]["title"]["text"].startswith("Balochistan: attacks per day")
    assert any(h.value.startswith("Surges in Balochistan,") for h in at.subheader)
    details = [c.value for c in at.caption if "expected from the previous" in c.value
               and not c.value.startswith("A 48 h window is flagged")]  # not the rule
    assert details and all(d.startswith("Balochistan") for d in details), details
    assert not any("Pakistan as a whole" in c.value for c in at.caption)
    # the surge's incidents are Balochistan's, counted here from the CSV
    listed = table_with(at, "incident_id")
    ids = set(bundled.loc[bundled["province"] == "Balochistan", "incident_id"])
    assert set(listed["incident_id"]) <= ids


def test_scope_name_says_what_a_country_level_count_covers():
    from tracker.analysis.filters import FilterSpec
    from tracker.ui.surges import scope_name

    assert scope_name(FilterSpec()) == "Pakistan as a whole"
    assert scope_name(FilterSpec(provinces=("Balochistan", "Khyber Pakhtunkhwa"))) == \
        "Balochistan and Khyber Pakhtunkhwa"
    assert scope_name(FilterSpec(districts=("Quetta",), attack_types=("bombing",))) == \
        "Quetta (filtered)"
    assert scope_name(FilterSpec(districts=tuple("ABCD"))) == "4 districts"
    assert scope_name(FilterSpec(text="convoy")) == "Pakistan as a whole (filtered)"


def test_a_period_without_incidents_says_so_instead_of_empty_bars(app, bundled):
    days = set(bundled["date"].dt.date)
    quiet = next(d for d in (dt.date(2025, 6, 1) + dt.timedelta(days=i) for i in range(200))
                 if d not in days)
    at = app(SURGES, query={"start": quiet.isoformat(), "end": quiet.isoformat()})
    assert not at.exception
    assert any("No incident matches" in i.value for i in at.info)
    assert not at.get("plotly_chart")
