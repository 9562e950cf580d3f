"""The Presenter page in AppTest: slides from the URL, navigation, notices, the safe switch.

Numbers on the page are checked against counts made here from ``data/incidents.csv``.
"""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import run_page, session_for
from tracker.access.accounts import Accounts
from tracker.present import slides
from tracker.store.database import BatchMeta, Store

PAGE = "pages/present.py"
DECK = slides.load_deck()


def present(number: int | str | None = None, step: int | str | None = None, **kwargs):
    query = {"present": "1"}
    if number is not None:
        query["slide"] = str(number)
    if step is not None:
        query["step"] = str(step)
    at = run_page(PAGE, query=query, **kwargs)
    assert not at.exception, [e.value for e in at.exception]
    return at


def data_line(at) -> str:
    lines = [c.value.replace("\\", "") for c in at.caption]
    return next(t for t in lines if re.search(r" · [\d,]+ sourced incidents? · ", t))


@pytest.mark.parametrize("number", range(1, len(DECK) + 1))
def test_each_slide_opens_from_its_link(app_store, bundled, number):
    slide = DECK.slides[number - 1]
    at = present(number)
    assert at.title[0].value.replace("\\", "") == slide.title
    assert any(m.value == f"**{number} / {len(DECK)}**" for m in at.markdown)
    expected = len(slide.spec.apply(bundled))
    assert f" · {expected:,} sourced incident" in data_line(at)
    assert "a sample of reported attacks, not a complete count" in data_line(at)
    assert len(at.get("plotly_chart")) == 1
    assert not at.warning


def test_surge_steps_show_each_day(app_store, bundled):
    days = bundled["date"].dt.date.astype(str)
    for step, day in enumerate(("2025-03-15", "2025-03-16", "2025-03-17"), start=1):
        at = present(4, step)
        n = int((days == day).sum())
        heading = next(m.value for m in at.markdown if m.value.startswith("**Day "))
        assert heading.startswith(f"**Day {step} of 3")
        assert f"{n} attacks in" in heading.replace("\\", "")
        spec = at.get("plotly_chart")[0].proto.spec
        assert f"{n} attacks" in spec


@pytest.mark.parametrize(("query", "shown"), [("99", len(DECK)), ("abc", 1), ("0", 1)])
def test_a_bad_slide_number_is_a_notice_not_an_error(app_store, query, shown):
    at = present(query)
    assert len(at.warning) == 1 and "slide" in at.warning[0].value.lower()
    assert any(m.value == f"**{shown} / {len(DECK)}**" for m in at.markdown)


def test_a_bad_step_is_a_notice(app_store):
    at = present(4, "12")
    assert "Step '12' does not exist" in at.warning[0].value
    assert any(m.value.startswith("**Day 3 of 3") for m in at.markdown)


def test_next_and_previous_buttons_move_and_update_the_url(app_store):
    at = present(3)
    at.button(key="present_next").click().run()
    assert at.query_params["slide"] == "4" and at.query_params["step"] == "1"
    at.button(key="present_next").click().run()
    assert at.query_params["step"] == "2"
    at.button(key="present_prev").click().run()
    at.button(key="present_prev").click().run()
    assert at.query_params["slide"] == "3" and "step" not in at.query_params
    first = present(1)
    assert first.button(key="present_prev").disabled
    last = present(len(DECK), DECK.slides[-1].step_count)
    assert last.button(key="present_next").disabled


def add_unreviewed_and_sensitive_batches(app_store, bundled) -> None:
    """Three surge-day rows in an unreviewed batch and three in a sensitive one."""
    store = Store(app_store)
    surge = bundled[bundled["date"].dt.date.astype(str) == "2025-03-16"].head(3)
    for name, reviewed, sensitive in (("unreviewed", False, False), ("sensitive", True, True)):
        rows = surge.copy()
        rows["incident_id"] = [f"TEST-{name}-{i}" for i in range(len(rows))]
        store.add_batch(rows, BatchMeta(file_name=f"{name}.csv", uploaded_by="test",
                                        sha256=name * 4, reviewed=reviewed,
                                        sensitive=sensitive))


def researcher(app_store) -> dict:
    """A signed-in researcher's session: researchers see batches the public does not."""
    Accounts(Store(app_store)).add("ayesha", "researcher", "a long passphrase 1",
                                   actor="test setup")
    return session_for(app_store, "ayesha")


def test_safe_switch_hides_unreviewed_and_sensitive_batches(app_store, bundled):
    add_unreviewed_and_sensitive_batches(app_store, bundled)
    window = int(bundled["date"].dt.date.astype(str).between("2025-03-15", "2025-03-17").sum())
    at = present(4, session=researcher(app_store))
    assert at.toggle(key="screen_share_safe").value is True  # on by default in presenter mode
    assert f" · {window} sourced incidents" in data_line(at)
    at.toggle(key="screen_share_safe").set_value(False).run()
    assert f" · {window + 6} sourced incidents" in data_line(at)
    visitor = present(4)  # signed out: the publication rule, whatever the switch says
    visitor.toggle(key="screen_share_safe").set_value(False).run()
    assert f" · {window} sourced incidents" in data_line(visitor)


def test_present_on_any_view_is_screen_share_safe_and_the_sidebar_switch_works(
        app_store, bundled):
    add_unreviewed_and_sensitive_batches(app_store, bundled)
    everything = len(bundled) + 6

    def listed(at) -> int:
        return int(at.metric[0].value.replace(",", ""))

    session = researcher(app_store)
    assert listed(run_page("pages/overview.py", query={})) == len(bundled)  # signed out
    plain = run_page("pages/overview.py", query={}, session=session)
    assert plain.toggle(key="screen_share_safe").value is False  # off outside presenter mode
    assert listed(plain) == everything
    plain.toggle(key="screen_share_safe").set_value(True).run()
    assert listed(plain) == len(bundled)
    presenting = run_page("pages/overview.py", query={"present": "1"},
                          session=session)  # the view as a slide
    assert presenting.toggle(key="screen_share_safe").value is True
    assert f" · {len(bundled):,} sourced incidents · " in data_line(presenting)
    presenting.toggle(key="screen_share_safe").set_value(False).run()
    assert f" · {everything:,} sourced incidents · " in data_line(presenting)


def test_takeaways_are_shown_as_inert_text(app_store):
    at = present(4)
    texts = " ".join(m.value for m in at.markdown)
    assert "mid\\-March 2025" in texts  # Markdown-escaped brief text
    assert any(c.value.startswith("Takeaways: Sanober Institute") for c in at.caption)


def test_present_param_hides_the_sidebar_on_any_view(app_store):
    at = run_page("pages/overview.py", query={"present": "1"})
    assert not at.exception
    styles = [h.proto.body for h in at.get("html")]
    assert any('[data-testid="stSidebar"]' in s and "display: none" in s for s in styles)
    plain = run_page("pages/overview.py")
    assert not any('[data-testid="stSidebar"]' in h.proto.body for h in plain.get("html"))


def test_overview_offers_the_map_and_its_incidents_for_download(app_store, bundled):
    at = run_page("pages/overview.py")
    assert not at.exception
    keys = {b.key for b in at.get("download_button")}
    assert {"overview_export_png", "overview_export_csv", "overview_export_xlsx"} <= keys
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"{len(bundled):,} incidents as CSV" in labels


@pytest.mark.parametrize(("page", "query", "png_keys", "csv_key", "province"), [
    ("pages/balochistan.py", {}, {"balochistan_map_png", "balochistan_timeline_png",
                                  "balochistan_by_perpetrator_png", "balochistan_by_target_png",
                                  "balochistan_by_attack_type_png"},
     "balochistan_incidents_csv", "Balochistan"),
    ("pages/overview.py", {}, {"overview_timeline_png", "overview_by_attack_type_png"},
     "overview_export_csv", None),
    ("pages/data.py", {"province": "PK-KP"}, set(), "data_export_csv", "Khyber Pakhtunkhwa"),
    ("pages/surges.py", {}, {"surges_timeline_png"}, "surges_incidents_csv", None),
])
def test_every_chart_has_a_png_and_every_list_a_spreadsheet(app_store, bundled, page, query,
                                                            png_keys, csv_key, province):
    at = run_page(page, query=query)
    assert not at.exception
    buttons = {b.key: b.proto.label for b in at.get("download_button")}
    assert png_keys <= set(buttons), sorted(buttons)
    assert csv_key in buttons and csv_key.removesuffix("csv") + "xlsx" in buttons
    if page != "pages/surges.py":  # the surge list holds one window's incidents
        rows = bundled if province is None else bundled[bundled.province == province]
        assert buttons[csv_key] == f"{len(rows):,} incidents as CSV"
