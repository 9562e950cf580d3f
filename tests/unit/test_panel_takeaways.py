"""Per-panel takeaways: which one to three takeaways each chart panel shows, and why."""

from __future__ import annotations

import html

import pytest
import yaml

from tracker import schema
from tracker.briefs import loading, model
from tracker.briefs import panels as panel_takeaways
from tracker.briefs.model import BriefError
from tracker.present import charts

KP, BA = "Khyber Pakhtunkhwa", "Balochistan"


def themes(choices) -> list[str]:
    return [c.item.takeaway.theme for c in choices]


def ids(choices) -> list[str]:
    return [c.item.takeaway.id for c in choices]


def library_of(*takeaways: dict, brief_id: str = "second-brief") -> loading.Library:
    """A library holding one made-up brief (the test's own words, not a real brief)."""
    doc = {"id": brief_id, "title": "A second test brief", "publisher": "Other Institute",
           "date": 2026, "citation": "Other Institute, A second test brief, 2026.",
           "takeaways": list(takeaways)}
    return loading.Library((model.parse_brief(yaml.safe_dump(doc, sort_keys=False)),))


def takeaway(tid: str, theme: str, regions: list[str], **extra) -> dict:
    return {"id": tid, "regions": regions, "theme": theme, "section": "Test",
            "text": f"A takeaway for the test, about {theme}, in plain words.", **extra}


@pytest.mark.parametrize("regions", [("Pakistan",), (KP,), (BA,)])
def test_ttp_on_the_perpetrator_panel_gets_an_afghanistan_takeaway(regions):
    chosen = panel_takeaways.select("perpetrators", regions, shown=["TTP"])
    assert 1 <= len(chosen) <= 3
    assert "Afghanistan/TTP" in themes(chosen)
    assert all("TTP" in c.matched for c in chosen if c.item.takeaway.actors)


def test_an_allied_group_counts_as_ttp_and_baloch_groups_bring_india_and_iran():
    allied = panel_takeaways.select("perpetrators", (KP,), shown=["Hafiz Gul Bahadur group"])
    assert "Afghanistan/TTP" in themes(allied)
    baloch = panel_takeaways.select("perpetrators", (BA,), shown=["BLA", "BLF"])
    assert {"India", "Iran border"} <= set(themes(baloch))
    assert "Afghanistan/TTP" not in themes(baloch)  # no TTP bar, no Afghanistan line


def test_the_largest_group_comes_first():
    chosen = panel_takeaways.select("perpetrators", ("Pakistan",), shown=["BLA", "TTP"])
    assert themes(chosen)[0] in ("India", "Iran border")
    chosen = panel_takeaways.select("perpetrators", ("Pakistan",), shown=["TTP", "BLA"])
    assert themes(chosen)[0] == "Afghanistan/TTP"


@pytest.mark.parametrize("regions", [("Pakistan",), (KP,), (BA,)])
def test_a_target_panel_without_infrastructure_or_foreigners_gets_no_cpec(regions):
    chosen = panel_takeaways.select("targets", regions,
                                    shown=["police", "security forces", "civilians"])
    assert chosen, "every panel gets at least one takeaway"
    assert "China/CPEC" not in themes(chosen)
    assert not any("CPEC" in c.item.takeaway.text for c in chosen)


@pytest.mark.parametrize("target", ["infrastructure", "foreign nationals"])
def test_a_target_panel_with_infrastructure_or_foreigners_gets_cpec(target):
    chosen = panel_takeaways.select("targets", (BA,), shown=["police", target])
    assert themes(chosen) and set(themes(chosen)) == {"China/CPEC"}
    assert all(target in c.matched for c in chosen)


def test_maps_speak_of_where_and_timelines_of_the_surge():
    ba_map = panel_takeaways.select("district map", (BA,))
    assert "Iran border" in themes(ba_map)
    assert all("map" in c.item.takeaway.panels for c in ba_map)
    timeline = panel_takeaways.select("timeline", (KP,))
    assert "surge-march-2025" in ids(timeline)
    assert all("timeline" in c.item.takeaway.panels for c in timeline)
    assert ids(panel_takeaways.select("coverage", ("Pakistan",))) == ["surge-march-2025"]


def test_a_province_panel_never_shows_another_provinces_takeaway():
    for kind in panel_takeaways.KINDS:
        for choice in panel_takeaways.select(kind, (KP,), shown=["TTP", "BLA", "police"]):
            regions = choice.item.takeaway.regions
            assert "Pakistan" in regions or any(
                model.province_of(r) == KP for r in regions), (kind, regions)


def test_one_to_three_and_panels_of_a_page_do_not_repeat_themselves():
    used: set = set()
    for kind, shown in (("district map", ()), ("timeline", ()), ("perpetrators", ["TTP"]),
                        ("targets", ["police"]), ("attack types", ())):
        chosen = panel_takeaways.select(kind, (KP,), shown=shown, exclude=used)
        assert 1 <= len(chosen) <= 3, kind
        assert not used & {c.key for c in chosen}, kind
        used |= {c.key for c in chosen}


def test_a_panel_no_takeaway_names_gets_one_general_note():
    chosen = panel_takeaways.select("attack types", (BA,))
    assert len(chosen) == 1 and chosen[0].general
    assert not chosen[0].item.takeaway.actors and not chosen[0].item.takeaway.targets


def test_a_second_brief_is_placed_by_its_own_tags():
    library = library_of(
        takeaway("ttp-bases", "Afghanistan/TTP", [KP], panels=["perpetrators"],
                 actors=["TTP"]),
        takeaway("gwadar-port", "China/CPEC", ["Gwadar"], panels=["targets", "map"],
                 targets=["infrastructure"]),
        takeaway("trend-up", "internal governance", ["Pakistan"], panels=["timeline"]),
    )
    assert ids(panel_takeaways.select("perpetrators", (KP,), shown=["TTP"],
                                      library=library)) == ["ttp-bases"]
    assert ids(panel_takeaways.select("targets", (BA,), shown=["infrastructure"],
                                      library=library)) == ["gwadar-port"]
    none = panel_takeaways.select("targets", (BA,), shown=["police"], library=library)
    assert "gwadar-port" not in ids(none)
    assert ids(panel_takeaways.select("district map", (BA,), library=library)) == [
        "gwadar-port"]
    assert ids(panel_takeaways.select("timeline", (KP,), library=library)) == ["trend-up"]


def test_the_pakistan_view_covers_every_provinces_takeaways():
    everything = {t.id for b in loading.load_library().briefs for t in b.takeaways}
    assert {i.takeaway.id for i in panel_takeaways.view_items(("Pakistan",))} == everything
    kp = {i.takeaway.id for i in panel_takeaways.view_items((KP,))}
    assert "india-narratives" not in kp  # a Balochistan-only takeaway


def test_bad_panel_tags_are_refused_with_the_field_named():
    for field, value, words in (("panels", ["mapp"], "must be one of"),
                                ("actors", ["Atlantis Front"], "unknown group"),
                                ("targets", ["ships"], "unknown target")):
        doc = {"id": "b", "title": "A test brief", "publisher": "Test", "date": 2024,
               "citation": "Test Institute, a brief, 2024.",
               "takeaways": [takeaway("one", "India", [BA], **{field: value})]}
        with pytest.raises(BriefError) as caught:
            model.parse_brief(yaml.safe_dump(doc))
        assert any(field in p and words in p for p in caught.value.problems), \
            caught.value.problems


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        panel_takeaways.select("pie chart", ("Pakistan",))


@pytest.mark.parametrize("province", [None, BA, KP])
@pytest.mark.parametrize("measure", ["incidents", "killed", "casualties"])
def test_shown_values_are_the_bars_of_the_breakdown(bundled, province, measure):
    frame = bundled if province is None else bundled[bundled["province"] == province]
    for column in ("perpetrator", "target"):
        bars = charts.breakdown_chart(frame, column, measure=measure).data[0]
        drawn = [html.unescape(str(y)) for y, x in zip(bars.y, bars.x, strict=True) if x > 0]
        expected = [v for v in reversed(drawn) if v != schema.UNKNOWN_PERPETRATOR]
        got = panel_takeaways.shown_values(frame, column, measure=measure)
        assert got == expected, (column, measure)


def test_short_text_is_the_first_sentence_cut_at_a_word():
    text = ("The first sentence is short. The second one is not shown beside the chart at "
            "all, because only the first sentence is.")
    assert panel_takeaways.short_text(text) == "The first sentence is short."
    long = "word " * 80
    short = panel_takeaways.short_text(long, limit=50)
    assert short.endswith("…") and len(short) <= 51 and "wor…" not in short


def test_word_search_is_whole_word_and_survives_letters_that_change_length():
    """The word claims behind CPEC takeaways scan joined text; 'İ' lower-cases to two
    characters, which must not shift which row a match belongs to."""
    import pandas as pd

    from tracker.briefs.claims import _has_word

    rows = pd.Series(["İİİ nothing here", "Chinese engineers", "Indochinese", None,
                      "the chinese-run plant", "Chinesey", "İ Chinese"])
    assert _has_word(rows, "Chinese").tolist() == [False, True, False, False, True, False,
                                                   True]


def test_family_lookup_matches_the_gazetteer():
    from tracker.briefs import panels as chosen
    from tracker.ingest import places

    names = [*places.perpetrators_table()["perpetrator"], "TTP; BLA", " BLA ", "Nobody", ""]
    assert [chosen.family_of(n) for n in names] == [places.perpetrator_family(n) for n in names]
    assert chosen.family_of("Nobody") == chosen.OTHER_FAMILY
