"""Briefs: the bundled brief, region lookup, claims against data, and hostile brief files."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from tracker import schema
from tracker.briefs import claims, loading, lookup, model
from tracker.briefs.model import BriefError
from tracker.present.text import md_escape

BUNDLED_ID = "sanober-2025-regional-ct"


# --- helpers -----------------------------------------------------------------------------


def incidents(rows: list[dict]) -> pd.DataFrame:
    """A small canonical frame; each row needs date, province; the rest has defaults."""
    full = []
    for n, row in enumerate(rows):
        full.append({
            "incident_id": f"t{n}", "date_precision": "day", "geo_precision": "district",
            "attack_type": "armed assault", "target": "police", "perpetrator": "Unknown",
            "claimed": "unknown", "source_name": "Test", "source_url": "https://example.org",
            "batch_id": "test", **row,
        })
    return schema.conform(pd.DataFrame(full))


def spread(n: int, day: str, province: str, district: str | None = None, **extra) -> list[dict]:
    return [{"date": day, "province": province, "district": district, **extra}
            for _ in range(n)]


def brief_text(**changes) -> str:
    """A minimal valid brief as YAML, with top-level or first-takeaway fields changed."""
    takeaway = {
        "id": "one", "regions": ["Balochistan"], "theme": "Iran border",
        "section": "Iran", "text": "A takeaway written in plain words for the test.",
    }
    takeaway.update(changes.pop("takeaway", {}))
    doc = {
        "id": "test-brief", "title": "A test brief", "publisher": "Test Institute",
        "date": 2024, "citation": "Test Institute, A test brief, 2024.",
        "takeaways": [takeaway],
    }
    doc.update(changes)
    return yaml.safe_dump({k: v for k, v in doc.items() if v is not None}, sort_keys=False)


def refused(raw: str | bytes) -> list[str]:
    with pytest.raises(BriefError) as caught:
        model.parse_brief(raw)
    assert caught.value.problems, "a refusal must say why"
    return caught.value.problems


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


# --- the bundled brief -------------------------------------------------------------------


def test_bundled_brief_loads_with_citation():
    library = loading.load_library()
    assert library.problems == ()
    brief = library.brief(BUNDLED_ID)
    assert brief is not None
    assert brief.publisher == "Sanober Institute"
    assert brief.year == "2025"
    assert "Are regional countries ready to help Pakistan" in brief.citation
    assert brief.short_citation == "Sanober Institute (2025)"


def test_bundled_brief_covers_every_section_and_region_of_the_mapping():
    brief = loading.load_library().brief(BUNDLED_ID)
    sections = {t.section for t in brief.takeaways}
    for needed in ("Summary", "Regional counterterrorism cooperation", "Afghanistan's role",
                   "China's strategic position", "India's approach",
                   "Iran-Pakistan security dynamics", "Pakistan's internal challenges",
                   "Recommendations", "Conclusion"):
        assert any(needed in s for s in sections), needed
    by_section = {}
    for t in brief.takeaways:
        by_section.setdefault(t.section, set()).update(t.regions)
    assert {"Khyber Pakhtunkhwa", "Balochistan"} <= by_section["Afghanistan's role"]
    china = by_section["China's strategic position"]
    assert {"Balochistan", "Gwadar", "Khyber Pakhtunkhwa"} <= china
    assert by_section["India's approach"] == {"Balochistan"}
    assert "Balochistan" in by_section["Iran-Pakistan security dynamics"]
    assert {"Pakistan", "Balochistan"} <= by_section["Pakistan's internal challenges"]
    recommendations = [t for t in brief.takeaways if t.section == "Recommendations"]
    assert {t.theme for t in recommendations} >= {
        "Afghanistan/TTP", "China/CPEC", "Iran border", "India", "internal governance",
        "regional cooperation", "legal framework", "economy"}


def test_bundled_takeaways_are_plain_short_and_unique():
    brief = loading.load_library().brief(BUNDLED_ID)
    texts = [t.text for t in brief.takeaways]
    assert len(set(texts)) == len(texts)
    for t in brief.takeaways:
        assert 20 <= len(t.text) <= model.MAX_TEXT_CHARS
        assert "<" not in t.text and "\n" not in t.text


# --- regions -----------------------------------------------------------------------------


def ids(items) -> set[str]:
    return {i.takeaway.id for i in items}


def test_pakistan_view_shows_only_pakistan_wide_takeaways():
    items = lookup.takeaways_for(("Pakistan",))
    assert items
    assert all("Pakistan" in i.takeaway.regions and not i.national for i in items)


def test_province_view_shows_its_own_then_pakistan_wide_marked():
    items = lookup.takeaways_for(("Balochistan",))
    regional = [i for i in items if not i.national]
    national = [i for i in items if i.national]
    assert regional and national
    assert items == regional + national, "province takeaways come before Pakistan-wide ones"
    for item in regional:
        assert any(model.province_of(r) == "Balochistan" for r in item.takeaway.regions)
    for item in national:
        assert "Pakistan" in item.takeaway.regions
        assert not any(model.province_of(r) == "Balochistan" for r in item.takeaway.regions)
    # district-level takeaways reach their province's panel
    assert "rec-cpec-task-force" in ids(regional)  # regions: Balochistan, Gwadar
    assert {"india-absent-and-accused", "iran-border-militancy"} <= ids(regional)


def test_choosing_a_province_changes_the_takeaways():
    balochistan = ids(i for i in lookup.takeaways_for(("Balochistan",)) if not i.national)
    kp = ids(i for i in lookup.takeaways_for(("Khyber Pakhtunkhwa",)) if not i.national)
    punjab = lookup.takeaways_for(("Punjab",))
    assert balochistan != kp
    assert "india-narratives" in balochistan - kp
    assert not any(not i.national for i in punjab), "no Punjab-specific takeaway exists"
    assert punjab, "Pakistan-wide takeaways still show for Punjab"
    both = ids(i for i in lookup.takeaways_for(("Balochistan", "Khyber Pakhtunkhwa"))
               if not i.national)
    assert both == balochistan | kp


def test_district_only_takeaway_shows_on_its_province(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    loading.add_brief(brief_text(takeaway={"regions": ["Kurram"]}).encode(), actor="test")
    library = loading.load_library()
    assert library.problems == ()
    assert "one" in ids(lookup.takeaways_for(("Khyber Pakhtunkhwa",), library))
    assert "one" in ids(lookup.takeaways_for(("Kurram",), library))
    assert "one" not in ids(lookup.takeaways_for(("Balochistan",), library))
    assert "one" not in ids(lookup.takeaways_for(("Bannu",), library))


def test_region_label():
    assert lookup.region_label(("Pakistan",)) == "Pakistan"
    assert lookup.region_label(("Balochistan", "Khyber Pakhtunkhwa")) == "Balochistan and KP"
    assert lookup.region_label(("Nowhere",)) == "Pakistan"


def test_filters_and_groups_on_the_briefs_page():
    items = lookup.all_items()
    china = lookup.filter_items(items, themes=["China/CPEC"])
    assert china and all(i.takeaway.theme == "China/CPEC" for i in china)
    gwadar = lookup.filter_items(items, region="Gwadar")
    assert "rec-cpec-task-force" in ids(gwadar)
    assert "india-narratives" in ids(gwadar), "a district sees its province's takeaways too"
    by_region = lookup.group_by_region(items)
    assert next(iter(by_region)) == "Pakistan"
    assert sum(len(v) for v in by_region.values()) == sum(len(i.takeaway.regions) for i in items)
    by_theme = lookup.group_by_theme(items)
    assert list(by_theme) == [t for t in model.THEMES if t in by_theme]
    assert sum(len(v) for v in by_theme.values()) == len(items)


# --- claims on the bundled data ----------------------------------------------------------


def claim(takeaway_id: str):
    brief = loading.load_library().brief(BUNDLED_ID)
    return next(t.claim for t in brief.takeaways if t.id == takeaway_id)


def test_surge_claim_on_bundled_data(bundled):
    window = bundled[(bundled["date"] >= "2025-03-15") & (bundled["date"] <= "2025-03-17")]
    held = len(window)
    check = claims.evaluate(claim("surge-march-2025"), bundled)
    assert check.figures["incidents"] == held < 57
    assert check.figures["districts"] == window["district"].dropna().nunique()
    assert check.figures["provinces"] == window["province"].nunique()
    assert check.verdict == claims.FEWER
    # The brief says only "over 57 attacks in 48 hours": no dates, no districts, no
    # provinces. The window and the 23 districts / 3 provinces are the press tally's.
    assert check.cited.startswith("The brief cites 57 attacks in 48 hours, without dates.")
    assert "brief cites 57 attacks in 48 hours (15–17" not in check.cited
    tally = check.cited.split("The window checked, 15–17 Mar 2025, is from ")[1]
    assert "press tally" in tally and "23 districts in 3 provinces" in tally
    assert f"holds {held} sourced incidents in that window, across " \
           f"{window['district'].nunique()} districts in " \
           f"{window['province'].nunique()} provinces" in check.observed
    outside_days = (bundled["date"].max() - bundled["date"].min()).days + 1 - 3
    expected = (len(bundled) - held) / outside_days * 3
    assert check.figures["baseline"] == pytest.approx(expected, abs=1e-3)
    assert f"{expected:.1f} incidents per 3 days" in check.observed
    # "fewer than cited" says how much of the published count the sample holds (March
    # 2025, PICSS: 105 attacks, data/reference_counts.csv)
    march = ((bundled["date"] >= "2025-03-01") & (bundled["date"] <= "2025-03-31")).sum()
    assert f"holds about {march / 105:.0%} of the attacks PICSS published for March 2025" \
        in check.observed


def test_surge_claim_on_a_province_view_cannot_be_judged(bundled):
    """A national figure is not set against one province's incidents."""
    balochistan = bundled[bundled["province"] == "Balochistan"]
    check = claims.evaluate(claim("surge-march-2025"), balochistan, view=("Balochistan",))
    in_window = balochistan[(balochistan["date"] >= "2025-03-15")
                            & (balochistan["date"] <= "2025-03-17")]
    assert check.figures["incidents"] == len(in_window)
    assert check.verdict == claims.NOT_IN_VIEW
    chinese = claims.evaluate(claim("china-attacks-on-nationals"), balochistan,
                              view=("Balochistan",))
    assert chinese.verdict == claims.NOT_IN_VIEW


def test_checks_that_cannot_test_the_claim_are_context_without_a_verdict(bundled):
    for takeaway in ("afghanistan-sanctuary", "iran-border-militancy"):
        check = claims.evaluate(claim(takeaway), bundled)
        assert check.verdict == claims.CONTEXT != claims.CONSISTENT
        assert "Shown as context:" in check.observed
        assert "consistent" not in check.verdict


def test_share_claim_on_bundled_data(bundled):
    check = claims.evaluate(claim("regional-no-mechanism"), bundled)
    inside = bundled["province"].isin(["Balochistan", "Khyber Pakhtunkhwa"]).sum()
    assert check.figures["inside"] == inside
    assert check.figures["incidents"] == len(bundled)
    assert check.figures["share"] == pytest.approx(inside / len(bundled), abs=1e-4)
    assert check.verdict == claims.CONSISTENT
    narrowed = claims.evaluate(claim("regional-no-mechanism"),
                               bundled[bundled["province"] == "Punjab"], view=("Punjab",))
    assert narrowed.verdict == claims.NOT_IN_VIEW


def test_ttp_share_counts_joint_claims(bundled):
    check = claims.evaluate(claim("afghanistan-sanctuary"), bundled)
    ttp = bundled[bundled["perpetrator"].str.split("; ").map(lambda names: "TTP" in names)]
    assert check.figures["incidents"] == len(ttp)
    assert check.figures["inside"] == ttp["province"].isin(
        ["Khyber Pakhtunkhwa", "Balochistan"]).sum()


def test_word_and_district_claims_on_bundled_data(bundled):
    chinese = claims.evaluate(claim("china-attacks-on-nationals"), bundled)
    text = bundled["summary"].fillna("") + " " + bundled["notes"].fillna("")
    expected = text.str.contains(r"\bChinese\b", case=False, regex=True).sum()
    assert chinese.figures["incidents"] == expected >= 2
    assert chinese.verdict == claims.CONSISTENT
    iran = claims.evaluate(claim("iran-border-militancy"), bundled)
    border = bundled["district"].isin(["Chagai", "Washuk", "Panjgur", "Kech", "Gwadar"])
    assert iran.figures["incidents"] == border.sum()


# --- claims on constructed frames --------------------------------------------------------


def window_claim(**extra) -> model.CountInWindow:
    return model.CountInWindow(kind="count_in_window", statement="Many attacks in two days.",
                                start=dt.date(2025, 3, 15), end=dt.date(2025, 3, 17),
                                cited=12, hours=48, **extra)


def test_window_count_reaches_the_cited_figure():
    frame = incidents(spread(8, "2025-03-15", "Balochistan", "Quetta")
                      + spread(4, "2025-03-17", "Sindh", "Karachi")
                      + spread(1, "2025-03-18", "Sindh", "Karachi"))  # the day after: outside
    check = claims.evaluate(window_claim(), frame)
    assert check.figures == {"incidents": 12, "districts": 2, "provinces": 2, "cited": 12,
                             "baseline": None}
    assert check.verdict == claims.CONSISTENT
    assert "read as the 3 calendar days 15–17 Mar 2025" in check.observed


def test_window_count_below_cited_is_not_a_refutation():
    frame = incidents(spread(11, "2025-03-16", "Punjab", "Lahore"))
    check = claims.evaluate(window_claim(), frame)
    assert check.figures["incidents"] == 11
    assert check.verdict == claims.FEWER
    assert "cannot confirm or refute" in check.verdict


def test_window_count_too_thin_to_judge():
    frame = incidents(spread(model.MIN_TO_JUDGE - 1, "2025-03-16", "Punjab", "Lahore"))
    assert claims.evaluate(window_claim(), frame).verdict == claims.TOO_THIN
    empty = claims.evaluate(window_claim(), incidents([]))
    assert empty.figures["incidents"] == 0 and empty.verdict == claims.TOO_THIN


def test_window_baseline_on_a_long_series():
    # 30 quiet days with one incident each, then 12 in the window
    quiet = [{"date": f"2025-02-{d:02d}", "province": "Sindh", "district": "Karachi"}
             for d in range(1, 29)]
    frame = incidents(quiet + spread(12, "2025-03-15", "Sindh", "Karachi"))
    check = claims.evaluate(window_claim(), frame)
    span = (dt.date(2025, 3, 15) - dt.date(2025, 2, 1)).days + 1  # 43 days
    assert check.figures["baseline"] == pytest.approx(28 / (span - 3) * 3, abs=1e-3)


def share_claim(**extra) -> model.ShareInProvinces:
    return model.ShareInProvinces(kind="share_in_provinces", statement="Most are in Balochistan.",
                                   provinces=["Balochistan"], threshold=0.5, **extra)


def test_share_consistent_not_shown_and_too_thin():
    yes = incidents(spread(6, "2025-01-01", "Balochistan") + spread(4, "2025-01-01", "Sindh"))
    assert claims.evaluate(share_claim(), yes).verdict == claims.CONSISTENT
    no = incidents(spread(4, "2025-01-01", "Balochistan") + spread(6, "2025-01-01", "Sindh"))
    check = claims.evaluate(share_claim(), no)
    assert check.figures["share"] == 0.4
    assert check.verdict == claims.NOT_SHOWN
    thin = incidents(spread(9, "2025-01-01", "Balochistan"))
    assert claims.evaluate(share_claim(), thin).verdict == claims.TOO_THIN
    assert claims.evaluate(share_claim(), yes, view=("Balochistan",)).verdict == (
        claims.NOT_IN_VIEW)


def test_share_with_window_and_perpetrators():
    frame = incidents(
        spread(10, "2025-01-05", "Balochistan", perpetrator="BLA")
        + spread(10, "2025-01-05", "Sindh", perpetrator="TTP; Hafiz Gul Bahadur group")
        + spread(30, "2024-01-05", "Balochistan", perpetrator="TTP")  # outside the window
    )
    check = claims.evaluate(share_claim(start=dt.date(2025, 1, 1), perpetrators=["TTP"]), frame)
    assert check.figures["incidents"] == 10
    assert check.figures["inside"] == 0
    assert check.verdict == claims.NOT_SHOWN


def test_count_matching_word_is_whole_word():
    frame = incidents([
        {"date": "2025-01-01", "province": "Sindh", "district": "Karachi",
         "summary": "Convoy of Chinese engineers hit."},
        {"date": "2025-01-02", "province": "Sindh", "district": "Karachi",
         "summary": "Machinery torched at a dam site."},
        {"date": "2025-01-03", "province": "Balochistan", "district": "Gwadar",
         "notes": "A CHINESE-run port project was also targeted."},
    ])
    rule = model.CountMatching(kind="count_matching", statement="Chinese targets, repeatedly.",
                                word="Chinese", minimum=2)
    check = claims.evaluate(rule, frame)
    assert check.figures == {"incidents": 2, "districts": 2, "minimum": 2}
    assert check.verdict == claims.CONSISTENT
    assert claims.evaluate(rule, frame.iloc[:2]).verdict == claims.FEWER
    assert claims.evaluate(rule, frame.iloc[1:2]).verdict == claims.TOO_THIN


def test_count_matching_filters_combine():
    frame = incidents(spread(3, "2025-01-01", "Balochistan", "Kech", target="police")
                      + spread(2, "2025-01-01", "Balochistan", "Kech", target="civilians")
                      + spread(5, "2025-01-01", "Balochistan", "Quetta", target="police"))
    rule = model.CountMatching(kind="count_matching", statement="Police hit in Kech.",
                                districts=["Kech"], targets=["police"], minimum=1)
    assert claims.evaluate(rule, frame).figures["incidents"] == 3


# --- malformed and hostile brief files ---------------------------------------------------


def test_minimal_brief_is_valid():
    brief = model.parse_brief(brief_text())
    assert brief.id == "test-brief" and brief.date == "2024"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"title": None}, "title", "required"),
    ({"takeaway": {"regions": ["Atlantis"]}}, "takeaways[0] (id 'one').regions", "unknown region"),
    ({"takeaway": {"regions": "Balochistan"}}, "takeaways[0] (id 'one').regions", "list"),
    ({"takeaway": {"theme": "weather"}}, "takeaways[0] (id 'one').theme", "must be one of"),
    ({"takeaway": {"text": "<script>alert(1)</script> and more words here"}},
     "takeaways[0] (id 'one').text", "HTML"),
    ({"takeaway": {"text": "Looks fine <img src=x onerror=alert(1)> really"}},
     "takeaways[0] (id 'one').text", "HTML"),
    ({"citation": "Test <b>bold</b> citation"}, "citation", "HTML"),
    ({"takeaway": {"claim": {"kind": "count_in_window", "statement": "Fifty-seven attacks.",
                             "start": "2025-03-15", "end": "2025-03-17", "cited": "57"}}},
     "takeaways[0] (id 'one').claim.cited", "integer"),
    ({"takeaway": {"claim": {"kind": "guess", "statement": "Something happened."}}},
     "takeaways[0] (id 'one').claim", "claim kind must be one of"),
    ({"takeaway": {"claim": {"kind": "count_in_window", "statement": "Backwards window.",
                             "start": "2025-03-17", "end": "2025-03-15", "cited": 5}}},
     "takeaways[0] (id 'one').claim", "end is before start"),
    ({"takeaway": {"claim": {"kind": "share_in_provinces", "statement": "Most in Narnia.",
                             "provinces": ["Narnia"], "threshold": 0.5}}},
     "takeaways[0] (id 'one').claim.provinces", "unknown province"),
    ({"url": "javascript:alert(1)"}, "url", "http(s)"),
    ({"date": "last spring"}, "date", "year"),
    ({"id": "../../etc/passwd"}, "id", "pattern"),
    ({"colour": "red"}, "colour", "not a field"),
    ({"takeaways": []}, "takeaways", "at least 1"),
])
def test_malformed_brief_names_field_and_problem(changes, field, words):
    problems = refused(brief_text(**changes))
    assert any(p.startswith(f"{field}:") and words.lower() in p.lower() for p in problems), problems


def test_duplicate_takeaway_ids_refused():
    doc = yaml.safe_load(brief_text())
    doc["takeaways"].append(copy.deepcopy(doc["takeaways"][0]))
    problems = refused(yaml.safe_dump(doc))
    assert any("used twice" in p for p in problems)


def test_yaml_bomb_with_aliases_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
        f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n"
        for n in range(12)
    )
    problems = refused(bomb)
    assert any("anchors and aliases" in p for p in problems)


def test_anchor_alone_refused():
    text = brief_text().replace("title: A test brief", "title: &t A test brief")
    assert any("anchors" in p for p in refused(text))


def test_huge_file_refused_before_parsing():
    problems = refused(b"a: " + b"x" * (model.MAX_BRIEF_BYTES + 1))
    assert problems[0].startswith("file:") and "limit" in problems[0]


@pytest.mark.parametrize(("raw", "words"), [
    (b"\xff\xfe\x00garbage", "UTF-8"),
    (b"title: a\x00b", "NUL"),
    ("title: [unclosed", "not valid YAML"),
    ("- just\n- a list", "mapping"),
    ("!!python/object/apply:os.system ['echo hi']", "not valid YAML"),
    ("title: a\ntitle: b\n", "appears twice"),
    ("a: " + "[" * 40 + "]" * 40, "nested"),
])
def test_broken_files_refused(raw, words):
    problems = refused(raw)
    assert any(words in p for p in problems), problems


def test_many_values_refused():
    text = "numbers: [" + ", ".join("1" for _ in range(model.MAX_YAML_NODES + 5)) + "]"
    assert any("values" in p for p in refused(text))


def test_markdown_escape_leaves_text_inert():
    hostile = "**bold** [x](javascript:alert(1)) :red[red] $x^2$ <b>\nnew line"
    escaped = md_escape(hostile)
    assert "\n" not in escaped
    # every Markdown-active character is preceded by a backslash
    bare = re.findall(r"(?<!\\)[*\[\]()$<>:^_]", escaped)
    assert bare == [], escaped
    unescaped = escaped.replace("\\", "")
    assert unescaped == hostile.replace("\n", " ")


# --- adding a brief ----------------------------------------------------------------------


def test_add_brief_stores_it_records_it_and_it_shows_at_once(state, seeded_store):
    raw = brief_text(takeaway={"regions": ["Sindh"], "theme": "economy"}).encode()
    before = ids(i for i in lookup.takeaways_for(("Sindh",), loading.load_library(seeded_store))
                 if not i.national)
    assert "one" not in before
    added = loading.add_brief(raw, actor="researcher1", store=seeded_store)
    assert added.source == "added"
    assert _stored(seeded_store) == {"test-brief": raw}  # byte for byte, in the store
    assert not (state / "briefs").exists()
    library = loading.load_library(seeded_store)
    assert {b.id for b in library.briefs} == {BUNDLED_ID, "test-brief"}
    assert "one" in ids(i for i in lookup.takeaways_for(("Sindh",), library) if not i.national)
    audit = seeded_store.audit_log()
    row = audit[audit["action"] == "brief added"]
    assert len(row) == 1
    assert row.iloc[0]["actor"] == "researcher1"
    assert row.iloc[0]["target"] == "test-brief"


def _stored(store) -> dict[str, bytes]:
    from tracker.store.tables import added_briefs

    with store.engine.connect() as conn:
        return {r.brief_id: bytes(r.content)
                for r in conn.execute(sa.select(added_briefs.c.brief_id, added_briefs.c.content))}


def test_add_brief_refuses_a_taken_id(state, seeded_store):
    raw = brief_text().encode()
    loading.add_brief(raw, actor="a", store=seeded_store)
    with pytest.raises(BriefError, match="already exists"):
        loading.add_brief(raw, actor="a", store=seeded_store)
    with pytest.raises(BriefError, match="already exists"):
        loading.add_brief(brief_text(id=BUNDLED_ID).encode(), actor="a", store=seeded_store)
    audit = seeded_store.audit_log()
    assert (audit["action"] == "brief added").sum() == 1


def test_add_brief_refuses_invalid_and_stores_nothing(state, seeded_store):
    with pytest.raises(BriefError):
        loading.add_brief(brief_text(takeaway={"regions": ["Atlantis"]}).encode(), actor="a",
                         store=seeded_store)
    assert _stored(seeded_store) == {}
    assert (seeded_store.audit_log()["action"] == "brief added").sum() == 0


def test_a_damaged_stored_brief_is_skipped_not_fatal(state, seeded_store):
    from tracker.store.tables import added_briefs

    with seeded_store.engine.begin() as conn:
        conn.execute(added_briefs.insert().values(
            brief_id="broken", content=b"title: [unclosed", sha256="x", added_by="t",
            added_at=dt.datetime.now(dt.UTC)))
    library = loading.load_library(seeded_store)
    assert [b.id for b in library.briefs] == [BUNDLED_ID]
    assert len(library.problems) == 1 and library.problems[0].startswith("added brief broken:")


def test_briefs_in_an_old_state_folder_are_imported_once(state, seeded_store):
    from tracker.store import statefiles

    folder = state / "briefs"
    folder.mkdir(parents=True)
    (folder / "good.yaml").write_text(brief_text())
    (folder / "broken.yaml").write_text("title: [unclosed")
    lines = statefiles.import_once(seeded_store, state)
    assert lines == ["1 added briefs imported; 1 invalid left out (broken.yaml)"]
    assert list(_stored(seeded_store)) == ["test-brief"]
    assert sorted(p.name for p in (state / "briefs.imported").iterdir()) == [
        "broken.yaml", "good.yaml"]  # kept, never deleted
    assert statefiles.import_once(seeded_store, state) == []  # once


def test_check_runs_each_claim_once_per_frame(bundled, monkeypatch):
    calls: list[str] = []
    real = claims.evaluate

    def counting(claim, frame, *, view=("Pakistan",)):
        calls.append(claim.kind)
        return real(claim, frame, view=view)

    monkeypatch.setattr(claims, "evaluate", counting)
    item = next(i for i in lookup.all_items() if i.takeaway.id == "surge-march-2025")
    frame = bundled.copy()
    first = claims.check(item, frame)
    again = claims.check(item, frame)
    assert again is first and len(calls) == 1
    other = bundled.copy()  # a new frame object: computed afresh
    assert claims.check(item, other).figures == first.figures
    assert len(calls) == 2
    narrowed = claims.check(item, frame, ("Balochistan",))  # another view: its own result
    assert len(calls) == 3 and narrowed is not first
