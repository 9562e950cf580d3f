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
    assert dt.date(2025, 3, 15) <= dt.date(2025, 3, 17)


def test_bad_link_parameters_show_a_notice_not_an_exception(app):
    at = app(query={"start": "not-a-date", "province": "<b>x</b>", "bogus": "1"})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "not a date" in notices and "unknown province" in notices and "bogus" in notices


def test_a_filter_that_leaves_nothing_says_so(app):
    at = app(query={"q": "zzzz-no-such-text"})
    assert any("No incident matches" in i.value for i in at.info)
    assert not at.get("plotly_chart")
