"""Takeaways under every chart and in one page list on the Overview and province pages,
and the Briefs page (AppTest)."""

from __future__ import annotations

import pytest
import yaml

from tests.app.conftest import session_for
from tracker.briefs import claims, lookup, model
from tracker.store.database import Store

CITATION = "Sanober Institute, \"Are regional countries ready to help Pakistan in countering"
PANEL = "All "
INLINE = ":material/menu_book:"
BLOCK_CITATION = "Sanober Institute (2025), in our words"
REGION_PAGES = ("pages/overview.py", "pages/balochistan.py", "pages/khyber_pakhtunkhwa.py")


# --- walking the element tree ------------------------------------------------------------


def _children(node):
    return list(node.children.values()) if hasattr(node, "children") else []


def _text(node) -> str:
    value = getattr(node, "value", None)
    return value if isinstance(value, str) else ""


def unescape(text: str) -> str:
    return text.replace("\\", "")


def walk(node):
    yield node
    for child in _children(node):
        yield from walk(child)


def sections(at) -> list[dict]:
    """The main area cut at each subheader: its charts and its takeaway panels, in order."""
    found: list[dict] = [{"title": "(top)", "charts": 0, "panels": []}]
    for node in walk(at.main):
        kind = getattr(node, "type", None)
        if kind == "subheader":
            found.append({"title": _text(node), "charts": 0, "panels": []})
        elif kind == "plotly_chart":
            found[-1]["charts"] += 1
        elif kind == "expander" and str(getattr(node, "label", "")).startswith(PANEL):
            found[-1]["panels"].append(node)
    return found


def after_each_chart(at) -> list[list[str]]:
    """For each chart in order, the captions between it and the next chart."""
    found: list[list[str]] = []
    for node in walk(at.main):
        kind = getattr(node, "type", None)
        if kind == "plotly_chart":
            found.append([])
        elif kind == "caption" and found:
            found[-1].append(_text(node))
    return found


def panel_takeaways(panel) -> list[str]:
    """The takeaway texts in a panel (Markdown cards: '**theme** · regions  \\ntext')."""
    texts = []
    for node in walk(panel):
        if getattr(node, "type", None) == "markdown" and "  \n" in _text(node):
            texts.append(unescape(_text(node).split("  \n", 1)[1]))
    return texts


def panel_citations(panel) -> list[str]:
    """The panel's full citations (once per brief, at its top)."""
    return [unescape(_text(n)) for n in walk(panel)
            if getattr(n, "type", None) == "caption" and _text(n).startswith("Source:")]


def card_attributions(panel) -> list[str]:
    """Each card's attribution line: 'Publisher (year) · section'."""
    return [unescape(_text(n)) for n in walk(panel)
            if getattr(n, "type", None) == "caption" and " · " in _text(n)
            and "(" in _text(n) and not _text(n).startswith(("Source:", "**"))]


def all_panels(at) -> list:
    return [p for s in sections(at) for p in s["panels"]]


# --- every region panel carries takeaways -------------------------------------------------


@pytest.mark.parametrize("page", REGION_PAGES)
def test_every_chart_carries_its_own_takeaways_and_the_page_one_list(app, page):
    at = app(page)
    assert not at.exception
    charts = after_each_chart(at)
    assert len(charts) >= 5, f"expected map, timeline and three breakdowns on {page}"
    for n, captions in enumerate(charts):
        lines = [c for c in captions if c.startswith(INLINE)]
        assert 1 <= len(lines) <= 3, f"chart {n} on {page}: {captions}"
        assert sum(BLOCK_CITATION in unescape(c) for c in captions) == 1
        assert all(len(line) < 400 for line in lines), "a takeaway beside a chart is short"
    panels = all_panels(at)
    assert len(panels) == 1, "one list of all takeaways per page"
    texts = panel_takeaways(panels[0])
    attributions = card_attributions(panels[0])
    assert texts and len(attributions) == len(texts)
    assert all(a.startswith("Sanober Institute (2025) · ") for a in attributions)
    assert any(CITATION in c for c in panel_citations(panels[0]))
    assert unescape(panels[0].label).startswith(f"All {len(texts)} takeaways for ")


def _regional_texts(at) -> set[str]:
    """Takeaways before the 'Pakistan-wide' divider in the first panel."""
    panel = all_panels(at)[0]
    texts: list[str] = []
    for node in walk(panel):
        if getattr(node, "type", None) == "markdown" and _text(node).startswith(
                "**Pakistan-wide takeaways**"):
            break
        if getattr(node, "type", None) == "markdown" and "  \n" in _text(node):
            texts.append(unescape(_text(node).split("  \n", 1)[1]))
    return set(texts)


def _expected(region: str) -> set[str]:
    return {i.takeaway.text for i in lookup.takeaways_for((region,)) if not i.national}


def test_choosing_a_province_changes_the_overview_takeaways(app):
    everywhere = app("pages/overview.py")
    labels = [p.label for p in all_panels(everywhere)]
    assert labels and all("takeaways for Pakistan" in label for label in labels)
    pakistan = _regional_texts(everywhere)
    # every province is in view on Pakistan, so the list holds every takeaway
    assert pakistan == {i.takeaway.text for i in lookup.all_items()}

    balochistan = app("pages/overview.py", query={"province": "Balochistan"})
    assert not balochistan.exception
    assert all("takeaways for Balochistan" in p.label for p in all_panels(balochistan))
    assert _regional_texts(balochistan) == _expected("Balochistan")

    kp = app("pages/overview.py", query={"province": "Khyber Pakhtunkhwa"})
    assert _regional_texts(kp) == _expected("Khyber Pakhtunkhwa")
    assert len({frozenset(pakistan), frozenset(_regional_texts(balochistan)),
                frozenset(_regional_texts(kp))}) == 3


def test_province_pages_show_their_own_takeaways(app):
    balochistan = app("pages/balochistan.py")
    kp = app("pages/khyber_pakhtunkhwa.py")
    assert _regional_texts(balochistan) == _expected("Balochistan")
    assert _regional_texts(kp) == _expected("Khyber Pakhtunkhwa")
    india = next(i.takeaway.text for i in lookup.all_items()
                 if i.takeaway.id == "india-narratives")
    assert india in _regional_texts(balochistan)
    assert india not in _regional_texts(kp)
    # Pakistan-wide takeaways are there too, clearly marked
    marked = [n for n in walk(all_panels(kp)[0]) if getattr(n, "type", None) == "markdown"
              and _text(n).startswith("**Pakistan-wide takeaways**")]
    assert len(marked) == 1


def test_claims_are_checked_only_in_open_panels(app):
    closed = app("pages/overview.py")
    for panel in all_panels(closed):
        assert not [n for n in walk(panel) if "Against the data" in _text(n)]
    opened = app("pages/overview.py", session={"overview_takeaways_open": True})
    (first,) = all_panels(opened)
    assert [n for n in walk(first) if "Against the data" in _text(n)]


def test_surge_claim_beside_the_data_on_the_overview(app, bundled):
    at = app("pages/overview.py", query={"start": "2025-03-15", "end": "2025-03-17"},
             session={"overview_takeaways_open": True})
    assert not at.exception
    window = bundled[(bundled["date"] >= "2025-03-15") & (bundled["date"] <= "2025-03-17")]
    lines = [unescape(_text(n)) for n in walk(all_panels(at)[0])
             if getattr(n, "type", None) == "caption" and "Against the data" in _text(n)]
    surge = next(line for line in lines if "57 attacks in 48 hours" in line)
    assert (f"holds {len(window)} sourced incidents in that window, across "
            f"{window['district'].nunique()} districts in {window['province'].nunique()} "
            "provinces") in surge
    badges = [_text(n) for n in walk(all_panels(at)[0]) if getattr(n, "type", None) == "markdown"
              and "Verdict:" in _text(n)]
    assert any(claims.FEWER in b for b in badges)


# --- the Briefs page ---------------------------------------------------------------------


def test_briefs_page_lists_by_region_and_by_theme(app):
    at = app("pages/briefs.py")
    assert not at.exception
    total = len(lookup.all_items())
    count = next(c for c in at.caption if "takeaways match" in c.value)
    assert count.value.startswith(f"{total} takeaways match")
    assert [t.label for t in at.tabs] == ["By region", "By theme"]
    region_labels = [e.label for e in at.tabs[0].expander]
    theme_labels = [e.label for e in at.tabs[1].expander]
    assert region_labels[0].startswith("Pakistan")
    assert any(label.startswith("Gwadar") for label in region_labels)
    assert {unescape(label).split(" · ")[0] for label in theme_labels} == set(model.THEMES)

    at.multiselect(key="briefs_themes").set_value(["India"]).run()
    india = [i for i in lookup.all_items() if i.takeaway.theme == "India"]
    count = next(c for c in at.caption if "takeaways match" in c.value)
    assert count.value.startswith(f"{len(india)} takeaways match")
    assert [unescape(e.label) for e in at.tabs[1].expander] == [f"India · {len(india)}"]

    at.multiselect(key="briefs_themes").set_value([]).run()
    at.selectbox(key="briefs_region").set_value("Punjab").run()
    count = next(c for c in at.caption if "takeaways match" in c.value)
    punjab = lookup.takeaways_for(("Punjab",))
    assert count.value.startswith(f"{len(punjab)} takeaways match")


# --- adding a brief ----------------------------------------------------------------------


@pytest.fixture
def signed_in(app_store, tmp_path):
    """An admin session (manage briefs needs the admin role when access control is on)."""
    from tracker.access.accounts import Accounts

    Accounts(store=Store(app_store)).add("editor", "admin", "a long test passphrase",
                                         actor="test")
    return session_for(app_store, "editor")


def _brief(**takeaway) -> bytes:
    doc = {
        "id": "new-sindh-brief", "title": "Karachi's security", "publisher": "Test Desk",
        "date": "2025-06", "citation": "Test Desk, Karachi's security, June 2025.",
        "takeaways": [{
            "id": "karachi-one", "regions": ["Sindh"], "theme": "China/CPEC",
            "section": "Summary",
            "text": "Attacks on foreign workers in Karachi worry investors, the desk says.",
            **takeaway,
        }],
    }
    return yaml.safe_dump(doc).encode()


def _upload(at, raw: bytes, name: str = "brief.yaml"):
    at.file_uploader(key="briefs_upload_file").set_value((name, raw, "application/x-yaml"))
    return at.run()


def test_valid_brief_is_added_and_shows_at_once(app, signed_in, app_store):
    at = app("pages/briefs.py", session=signed_in)
    at = _upload(at, _brief())
    assert not at.exception
    assert any("Valid brief" in i.value for i in at.info)
    at.button(key="briefs_upload_add").click().run()
    assert not at.exception
    assert any("Added" in s.value for s in at.success)
    audit = Store(app_store).audit_log()
    added = audit[audit["action"] == "brief added"]
    assert list(added["target"]) == ["new-sindh-brief"]
    assert added.iloc[0]["actor"] == "editor"

    sindh = app("pages/overview.py", query={"province": "Sindh"})
    texts = {t for p in all_panels(sindh) for t in panel_takeaways(p)}
    assert "Attacks on foreign workers in Karachi worry investors, the desk says." in texts
    citations = {c for p in all_panels(sindh) for c in panel_citations(p)}
    assert any("Test Desk, Karachi's security, June 2025." in c for c in citations)


@pytest.mark.parametrize(("raw", "words"), [
    (_brief(regions=["Atlantis"]), "takeaways[0] (id 'karachi-one').regions: unknown region"),
    (_brief(text="<script>alert('x')</script> and a long enough text"),
     "takeaways[0] (id 'karachi-one').text: the text contains HTML markup"),
    (_brief(theme=7), "takeaways[0] (id 'karachi-one').theme"),
    (b"a: &a [1,2]\nb: [*a, *a]\n", "anchors and aliases"),
    (b"title: x\n" + b"#" * (model.MAX_BRIEF_BYTES + 10), "limit"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not UTF-8"),
])
def test_malformed_brief_is_refused_with_its_field(app, signed_in, app_store, raw, words):
    at = _upload(app("pages/briefs.py", session=signed_in), raw)
    assert not at.exception
    errors = [unescape(e.value) for e in at.error]
    assert any("This brief was not added" in e and words in e for e in errors), errors
    assert not [b for b in at.button if b.key == "briefs_upload_add"]
    audit = Store(app_store).audit_log()
    assert (audit["action"] == "brief added").sum() == 0


def test_markdown_in_a_valid_brief_stays_inert(app, signed_in):
    hostile = "**Loud** claim with [a link](javascript:alert(1)) and :red[colour] and $x$."
    at = app("pages/briefs.py", session=signed_in)
    at = _upload(at, _brief(text=hostile))
    at.button(key="briefs_upload_add").click().run()
    sindh = app("pages/overview.py", query={"province": "Sindh"})
    raw = [_text(n) for p in all_panels(sindh) for n in walk(p)
           if getattr(n, "type", None) == "markdown" and "Loud" in _text(n)]
    assert raw, "the added takeaway should show on Sindh's panels"
    for value in raw:
        assert "**Loud**" not in value and "](javascript" not in value and ":red[" not in value
        assert unescape(value).endswith(hostile)


def test_takeaways_beside_a_chart_carry_their_verdict_in_a_few_words(app, bundled):
    """The March 2025 window: the timeline's surge takeaway says the sample holds fewer
    attacks than the brief cites (19 of 57), without opening anything."""
    from tracker.briefs import panels as panel_takeaways

    at = app("pages/overview.py", query={"start": "2025-03-15", "end": "2025-03-17"})
    assert not at.exception
    window = bundled[(bundled["date"] >= "2025-03-15") & (bundled["date"] <= "2025-03-17")]
    assert model.MIN_TO_JUDGE <= len(window) < 57
    surge = next(i for i in lookup.all_items() if i.takeaway.id == "surge-march-2025")
    short = panel_takeaways.short_text(surge.takeaway.text)
    timeline = after_each_chart(at)[1]
    line = next(unescape(c) for c in timeline if short[:40] in unescape(c))
    assert f"Data check: {panel_takeaways.SHORT_VERDICTS[claims.FEWER]}" in line.replace("**", "")
