"""The Overview shows real figures computed independently from data/incidents.csv."""

import datetime as dt


def test_headline_counts_equal_the_bundled_csv(app, bundled):
    at = app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents"] == f"{len(bundled):,}"
    assert metrics["Killed"] == f"{int(bundled['killed'].sum()):,}"
    assert metrics["Injured"] == f"{int(bundled['injured'].sum()):,}"
    assert metrics["Districts affected"] == f"{bundled['district'].nunique():,}"
    assert any("sourced sample" in c.value for c in at.caption)


def test_link_parameters_filter_the_view(app, bundled):
    at = app(query={"start": "2025-03-15", "end": "2025-03-17", "province": "PK-BA"})
    window = bundled[(bundled.date >= "2025-03-15") & (bundled.date <= "2025-03-17")
                     & (bundled.province == "Balochistan")]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents"] == str(len(window))
    assert at.session_state["flt_provinces"] == ["Balochistan"]
    assert at.session_state["flt_period"] == "March 2025 surge (15–17 Mar)"
    # the address bar still holds the same filter, so the link can be copied on
    link = {k: [at.query_params[k]] if isinstance(at.query_params[k], str)
            else list(at.query_params[k]) for k in ("start", "end", "province")}
    assert link == {"start": ["2025-03-15"], "end": ["2025-03-17"], "province": ["Balochistan"]}


def test_headline_changes_against_the_previous_period_of_equal_length(app, bundled):
    """15–17 March 2025 against 12–14 March 2025, counted here from the CSV."""
    at = app(query={"start": "2025-03-15", "end": "2025-03-17"})
    days = bundled["date"].dt.date
    now = bundled[(days >= dt.date(2025, 3, 15)) & (days <= dt.date(2025, 3, 17))]
    before = bundled[(days >= dt.date(2025, 3, 12)) & (days <= dt.date(2025, 3, 14))]
    assert len(before) > 0

    def change(current: int, previous: int) -> str:
        diff = current - previous
        small = min(current, previous) < 10  # no percentage on small counts
        return f"{diff:+d}" if small else f"{diff:+d} ({diff / previous:+.0%})"

    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Incidents"] == change(len(now), len(before))
    assert deltas["Killed"] == change(int(now["killed"].sum()), int(before["killed"].sum()))
    assert deltas["Injured"] == change(int(now["injured"].sum()), int(before["injured"].sum()))
    assert deltas["Districts affected"] == change(now["district"].nunique(),
                                                  before["district"].nunique())


def test_title_names_the_province_the_sidebar_narrows_to(app):
    assert app().title[0].value == "Militant attacks in Pakistan"
    assert app(query={"province": "PK-BA"}).title[0].value == "Militant attacks in Balochistan"


def test_headline_shows_no_change_across_months_of_very_different_coverage(app):
    """April 2025 against March 2025: the sample holds a far smaller share of the published
    attacks in April (data/reference_counts.csv), so no change is shown, and it says why."""
    at = app(query={"start": "2025-04-01", "end": "2025-04-30"})
    assert not at.exception
    assert all(not m.delta for m in at.metric)
    assert any(c.value.startswith("No change is shown against the previous period: not "
                                  "comparable") for c in at.caption)


def test_all_dates_have_no_previous_period_and_show_no_change(app):
    at = app()
    assert all(not m.delta for m in at.metric)


def test_bad_link_parameters_show_a_notice_not_an_exception(app):
    at = app(query={"start": "not-a-date", "province": "<b>x</b>", "bogus": "1"})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "not a date" in notices and "unknown province" in notices and "bogus" in notices


def test_a_filter_that_leaves_nothing_says_so(app):
    at = app(query={"q": "zzzz-no-such-text"})
    assert any("No incident matches" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_a_link_with_one_bound_keeps_the_datas_edge_for_the_other(app, bundled):
    """``?start=`` alone means "from then on": the end is the data's last day, not today,
    so the same link shows the same view on a later day."""
    at = app(query={"start": "2025-06-01"})
    assert at.session_state["flt_range"] == (dt.date(2025, 6, 1),
                                             bundled["date"].max().date())
    assert at.metric[0].value == f"{int((bundled['date'] >= '2025-06-01').sum()):,}"
    at = app(query={"end": "2024-06-30"})
    assert at.session_state["flt_range"] == (bundled["date"].min().date(), dt.date(2024, 6, 30))


def test_map_incident_list_is_not_sent_while_closed(app):
    """The list under the map (thousands of rows at scale) is drawn only when opened;
    closed, its expander is there and sends no rows. (AppTest cannot open an expander; the
    open state is Streamlit's ``on_change="rerun"`` expander, as for the takeaway panels.)"""
    at = app(query={"start": "2025-03-15", "end": "2025-03-17"})
    listing = [e for e in at.expander if "Incidents on this map" in e.label]
    assert len(listing) == 1
    assert len(listing[0].dataframe) == 0
    assert listing[0].proto.id.endswith("overview_map_list_open")
