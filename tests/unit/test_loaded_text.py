"""The store's free-text columns load as pandas' ``str`` dtype (NaN when missing).

Each consumer of those columns gives the same answer on the frame the store loads (through
the columnar path) as on the ``object`` frame with ``None`` (:func:`tracker.schema.conform`).
"""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tracker import schema
from tracker.analysis import coded, surge_detection
from tracker.analysis.filters import FilterSpec
from tracker.briefs import claims
from tracker.devtools import synth
from tracker.present import charts, export, slides, tables
from tracker.store import columnar
from tracker.store.database import BatchMeta, Store

ROWS = 6000  # above coded.MIN_ROWS, so the coded filter path runs too
MAY_MISS = ("location", "summary", "notes")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> pd.DataFrame:
    """A file store whose free text is missing in some rows and formula-like in others
    (a link is required: the store refuses a missing one)."""
    frame = synth.generate(ROWS, seed=5)
    gaps = np.arange(ROWS)
    for i, name in enumerate(MAY_MISS):
        frame[name] = frame[name].astype(object).where(gaps % 7 != i, None)
    frame.loc[3, "summary"] = "=HYPERLINK(\"http://x.invalid\") Quetta bombing"
    frame.loc[4, "location"] = "+92 Mastung road"
    frame.loc[5, "source_url"] = "javascript:alert(1)"
    path = tmp_path_factory.mktemp("loaded") / "s.db"
    store = Store(f"sqlite:///{path.as_posix()}")
    store.init()
    store.add_batch(frame, BatchMeta("gaps.csv", "tester"))
    fast = columnar.load_incidents(store.engine, store.url, store_rule())
    assert fast is not None  # the columnar path read it
    return fast


def store_rule():
    from tracker.store.visibility import EVERYTHING
    return EVERYTHING


@pytest.fixture(scope="module")
def plain(loaded) -> pd.DataFrame:
    """The same rows with every text column ``object`` and ``None`` for missing."""
    return schema.conform(loaded)


def test_free_text_is_str_with_nan_and_the_rest_object(loaded, plain):
    for name in schema.LONG_TEXT:
        assert loaded[name].dtype == "str"
        assert plain[name].dtype == object
    for i, name in enumerate(MAY_MISS):
        assert loaded[name].isna().sum() == ROWS // 7 + (i < ROWS % 7)
    assert loaded["incident_id"].dtype == object
    assert loaded["province"].dtype == object
    assert plain["summary"].isna().equals(loaded["summary"].isna())


def test_incident_table_keeps_only_http_links(loaded, plain):
    shown, before = tables.incident_table(loaded), tables.incident_table(plain)
    assert shown["source_url"].isna().equals(before["source_url"].isna())
    assert shown["source_url"].isna().sum() == 1  # the javascript: link
    assert shown["source_url"].dropna().str.startswith("https://").all()
    assert (shown["summary"].fillna("<none>") == before["summary"].fillna("<none>")).all()


def test_csv_export_is_formula_safe_and_blank_when_missing(loaded, plain):
    body = export.incidents_csv(loaded)
    assert body == export.incidents_csv(plain)
    read = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
    assert "'=HYPERLINK(\"http://x.invalid\") Quetta bombing" in set(read["summary"])
    assert "'+92 Mastung road" in set(read["location"])
    assert (read["summary"] == "").sum() == loaded["summary"].isna().sum()
    assert "nan" not in set(read["notes"])


def test_excel_export_is_formula_safe_and_blank_when_missing(loaded):
    book = openpyxl.load_workbook(io.BytesIO(export.incidents_excel(loaded)))
    sheet = book.active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    summaries = [row[header.index("summary")] for row in sheet.iter_rows(min_row=2,
                                                                          values_only=True)]
    assert "'=HYPERLINK(\"http://x.invalid\") Quetta bombing" in summaries
    assert not any(isinstance(v, str) and v.startswith("=") for v in summaries)
    assert summaries.count(None) == loaded["summary"].isna().sum()


@pytest.mark.parametrize("text", ["quetta", "mastung", "bombing", "site 1"])
def test_search_text_finds_the_same_rows(loaded, plain, text):
    spec = FilterSpec(text=text)
    with coded.disabled():
        expected = spec.apply(plain)["incident_id"].tolist()
        assert spec.apply(loaded)["incident_id"].tolist() == expected
    coded.prepare(loaded)
    assert spec.apply(loaded)["incident_id"].tolist() == expected
    assert expected  # the search matches something, so the comparison means something


def test_brief_claims_find_words_in_summaries_with_gaps(loaded, plain):
    found = claims._has_word(loaded["summary"], "bombing")
    assert found.dtype == bool
    assert found.equals(claims._has_word(plain["summary"], "bombing"))
    assert found.any() and not found[loaded["summary"].isna()].any()


def test_slide_sources_never_print_nan(loaded, plain):
    missing = loaded.head(3).assign(source_url=pd.Series([None] * 3, dtype="str"))
    lines = slides.sources(missing)
    assert len(lines) == 3 and all(line.endswith(" · no link") for line in lines)
    assert slides.sources_by_outlet(loaded) == slides.sources_by_outlet(plain)
    assert not any(u == "nan" for urls in slides.sources_by_outlet(loaded).values()
                   for u in urls)


def test_map_hover_leaves_out_a_missing_place(loaded, plain):
    rows = loaded.loc[loaded["location"].isna()].head(5)
    hover = charts.incident_hover(rows)
    assert hover.tolist() == charts.incident_hover(plain.loc[rows.index]).tolist()
    assert not any("nan" in text.split("<br>")[0] for text in hover)


def test_pinned_events_with_a_missing_summary(loaded, tmp_path):
    ids = loaded.loc[loaded["summary"].isna(), "incident_id"].head(1).tolist()
    ids += loaded.loc[loaded["summary"].notna(), "incident_id"].head(1).tolist()
    pins = tmp_path / "pins.csv"
    pins.write_text("incident_id,label\n" + "".join(f"{i},pin {i}\n" for i in ids))
    found = surge_detection.pinned_events(loaded, str(pins))
    assert len(found) == 2
    assert "" in set(found["summary"]) and not found["summary"].isna().any()
