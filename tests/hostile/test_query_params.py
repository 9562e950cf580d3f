"""Hostile URL query parameters: ignored with a visible notice, never an exception.

A link is untrusted input. ``FilterSpec.from_query`` is fuzzed with arbitrary parameter
names and values; then every page of the app is opened with a hostile link and must draw
without an exception, show a notice, and leave the store unchanged.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.app.conftest import PAGE_FILES, run_page
from tests.hostile.apptest import use_full_runs
from tracker import schema
from tracker.analysis import filters
from tracker.analysis.filters import FilterSpec
from tracker.store.database import Store

text = st.text(st.characters(codec="utf-8"), max_size=300) | st.sampled_from([
    "<script>alert(1)</script>", "javascript:alert(1)", "../../etc/passwd", "\x00",
    "' OR 1=1 --", "=cmd|' /C calc'!A0", "9" * 400, "-1", "1e309", "NaN", "2025-02-30",
    "PK-BA", "pk-xx", "Balochistan\x00", " Sindh ", "\u202eevil", "%00", "%3Cscript%3E",
])
names = st.sampled_from(["start", "end", "province", "district", "type", "target", "perp",
                         "min_cas", "q", "present", "slide", "__proto__", "", "page"]) | text
params = st.dictionaries(names, st.lists(text, max_size=5) | text, max_size=12)


@settings(max_examples=400, deadline=None)
@given(params)
def test_from_query_never_raises_and_keeps_only_allowed_values(raw):
    known_districts = ["Quetta", "Karachi"]
    known_perps = ["TTP", "BLA"]
    spec, notices = FilterSpec.from_query(raw, known_districts=known_districts,
                                          known_perpetrators=known_perps)
    assert set(spec.provinces) <= set(schema.PROVINCES)
    assert set(spec.districts) <= set(known_districts)
    assert set(spec.attack_types) <= set(schema.ATTACK_TYPES)
    assert set(spec.targets) <= set(schema.TARGETS)
    assert set(spec.perpetrators) <= set(known_perps)
    assert 0 <= spec.min_casualties <= 100_000
    assert len(spec.text) <= filters.MAX_TEXT and spec.text.isprintable()
    if spec.start and spec.end:
        assert spec.start <= spec.end
    for notice in notices:
        assert isinstance(notice, str) and notice.isprintable() and len(notice) < 200
    unknown = [k for k in raw if k not in {"start", "end", "province", "district", "type",
                                           "target", "perp", "min_cas", "q"}]
    assert len(notices) >= len(unknown)  # every unknown name is reported
    again, _ = FilterSpec.from_query(spec.to_query(), known_districts=known_districts,
                                     known_perpetrators=known_perps)
    assert again == spec  # what survives round-trips


HOSTILE_LINK = {
    "province": ["<script>alert('p')</script>", "Sindh"],
    "district": "'; DROP TABLE incidents; --",
    "type": ["javascript:alert(1)", "bombing"],
    "start": "2025-13-45",
    "end": "../../etc/passwd",
    "min_cas": "-1e309",
    "q": "\x00<img src=x onerror=alert('q')>" + "a" * 5000,
    "perp": "**loud** [x](javascript:alert(1))",
    "present": "<b>yes</b>",
    "slide": "-99999999999999999999999",
    "step": "NaN",
    "page": "../../../../etc/passwd",
    "measure": "__class__",
    "color": "#<script>",
    "freq": "Z",
    "size": "1e400",
    "__proto__": "polluted",
}


@pytest.fixture
def full_runs(monkeypatch):
    use_full_runs(monkeypatch)


@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.split("/")[-1])
def test_every_page_survives_a_hostile_link_and_says_what_it_ignored(app_store, full_runs,
                                                                       page):
    store = Store(app_store)
    before = (store.count_incidents(), len(store.audit_log()))
    at = run_page(page, query=HOSTILE_LINK)
    assert not at.exception, [e.value for e in at.exception]
    notices = [w.value for w in at.warning]  # Markdown source, escaped
    shown = [n.replace("\\", "") for n in notices]  # as the reader sees it
    assert any("Ignored unknown link parameter '__proto__'" in n for n in shown), notices
    assert any("Ignored unknown province '<script>alert('p')</script>'" in n for n in shown)
    for notice in notices:
        assert "<script>" not in notice and "**loud**" not in notice and "\x00" not in notice
    assert (store.count_incidents(), len(store.audit_log())) == before


@pytest.mark.parametrize("query", [
    {"present": "1", "slide": "-1"},
    {"present": "1", "slide": "999999999999", "step": "-5"},
    {"present": "1", "slide": "<script>", "step": "1e9"},
    {"present": "1", "slide": "", "step": ""},
])
def test_presenter_mode_survives_hostile_slide_numbers(app_store, full_runs, query):
    at = run_page("pages/present.py", query=query)
    assert not at.exception, [e.value for e in at.exception]
