"""A link "as of now" shows the same numbers and charts after the data changes."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from tests.app.conftest import run_page
from tests.unit.test_as_of import _rows
from tracker.store.database import BatchMeta, Store


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _charts(at) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def _link(at) -> dict[str, list[str]]:
    """The query of the sidebar's "Copy a link to this view as of now"."""
    codes = [c.value for c in at.sidebar.code if "as_of=" in c.value]
    assert len(codes) == 1, codes
    return parse_qs(urlsplit(codes[0]).query)


def test_a_link_as_of_now_is_unchanged_by_an_upload_and_a_withdrawal(app_store, bundled):
    """Batches here are reviewed, so signed-out visitors see them (the publication rule)."""
    store = Store(app_store)
    older = store.add_batch(_rows("older", 4),
                            BatchMeta("older.csv", "tester", sha256="o", reviewed=True))
    live = run_page(query={"start": "2025-01-01", "end": "2025-12-31"})
    assert not live.exception
    link = _link(live)
    assert link["start"] == ["2025-01-01"] and "as_of" in link
    before = run_page(query=link)
    time.sleep(0.05)
    store.add_batch(_rows("newer", 9, province="Sindh"),
                    BatchMeta("newer.csv", "tester", sha256="n", reviewed=True))
    store.set_withdrawn(older, True, "tester")

    after = run_page(query=link)
    assert not after.exception
    assert _metrics(after) == _metrics(before) == _metrics(live)
    assert _charts(after) == _charts(before) and _charts(after)
    captions = " ".join(c.value for c in after.main.caption)
    assert "as of" in captions.lower()
    assert "Newer data exists" in " ".join(i.value for i in after.info)
    assert [after.query_params["as_of"]] == link["as_of"]

    now = run_page(query={"start": "2025-01-01", "end": "2025-12-31"})
    assert _metrics(now)["Incidents"] != _metrics(after)["Incidents"]
    assert not any("Newer data" in i.value for i in now.info)
    assert "as of" not in " ".join(c.value for c in now.main.caption).lower()


def test_a_province_page_from_the_link_keeps_its_numbers(app_store):
    store = Store(app_store)
    live = run_page("pages/balochistan.py")
    link = _link(live)
    store.add_batch(_rows("late", 5), BatchMeta("late.csv", "tester", sha256="l", reviewed=True))
    after = run_page("pages/balochistan.py", query=link)
    assert _metrics(after) == _metrics(live)
    assert _metrics(run_page("pages/balochistan.py"))["Incidents"] != _metrics(live)["Incidents"]


def test_a_malformed_or_future_as_of_shows_the_live_data_with_a_notice(app_store, bundled):
    for raw, words in (("<b>soon</b>", "not a moment"), ("2999-01-01T00:00:00Z", "future")):
        at = run_page(query={"as_of": raw})
        assert not at.exception
        assert _metrics(at)["Incidents"] == f"{len(bundled):,}"
        notices = " ".join(w.value for w in at.sidebar.warning)
        assert words in notices
        assert "<b>" not in notices  # the link's text is quoted escaped, never as markup
        assert "as_of" not in at.query_params


def _first_paragraph(at) -> str:
    """The first Markdown block of the page's main area, after its title."""
    blocks = [m.value for m in at.main.markdown if m.value.strip()]
    assert blocks, "the page has no paragraph"
    return blocks[0].replace("\\", "")


def test_the_overview_begins_with_the_view_in_words(app_store, bundled):
    at = run_page(query={"start": "2025-03-01", "end": "2025-03-31"})
    words = _first_paragraph(at)
    march = bundled[(bundled.date >= "2025-03-01") & (bundled.date <= "2025-03-31")]
    top = march["province"].value_counts()
    assert "1 March 2025" in words and "31 March 2025" in words
    assert f"{len(march)} attacks" in words
    assert f"{int(march['killed'].sum()):,} people" in words
    assert top.index[0] in words
    assert f"({top.iloc[0]}," in words or f"({top.iloc[0]} each)" in words
    # the same words are the caption of the charts
    assert any(words in c.value.replace("\\", "") for c in at.main.caption)


def test_a_province_page_begins_with_its_top_districts(app_store, bundled):
    at = run_page("pages/balochistan.py", query={"start": "2025-01-01", "end": "2025-12-31"})
    words = _first_paragraph(at)
    rows = bundled[(bundled.date >= "2025-01-01") & (bundled.date <= "2025-12-31")
                   & (bundled.province == "Balochistan")]
    top = rows["district"].value_counts()
    assert f"{len(rows)} attacks in Balochistan" in words
    leaders = top[top == top.iloc[0]].index  # places tied for the most are named together
    assert all(name in words for name in leaders[:5])


def test_a_batch_id_as_as_of_shows_the_data_right_after_that_batch(app_store, bundled):
    from tracker import schema

    store = Store(app_store)
    store.add_batch(_rows("after", 6), BatchMeta("after.csv", "tester", sha256="a", reviewed=True))
    at = run_page(query={"as_of": schema.SEED_BATCH})
    assert not at.exception
    assert _metrics(at)["Incidents"] == f"{len(bundled):,}"
    assert at.query_params["as_of"].endswith("Z")  # the link now names the moment
    assert "as of" in " ".join(c.value for c in at.main.caption).lower()
