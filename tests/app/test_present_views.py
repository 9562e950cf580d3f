"""``?present=1`` on a dashboard view: the view's panels as slides, with parts in the link."""

from __future__ import annotations

from tests.app.conftest import run_page

KP = "Khyber Pakhtunkhwa"


def titles(at) -> str:
    return at.title[0].value.replace("\\", "")


def test_a_province_page_presents_its_map_timeline_and_groups(app_store, bundled):
    """Each slide by its link (the keys and buttons are driven in tests/browser)."""
    expected = [f"{KP}: attacks by district", f"{KP}: attacks per month",
                f"{KP}: attacks by the group named"]
    rows = bundled[bundled["province"] == KP]
    for number, title in enumerate(expected, start=1):
        at = run_page("pages/khyber_pakhtunkhwa.py",
                      query={"present": "1", "slide": str(number)})
        assert not at.exception
        assert titles(at) == title
        assert any(m.value == f"**{number} / 3**" for m in at.markdown)
        assert any(f" · {len(rows):,} sourced incidents · " in c.value for c in at.caption)
        assert at.button(key="present_prev").disabled == (number == 1)
        assert at.button(key="present_next").disabled == (number == 3)
        if number == 2:  # the published monthly count beside the bars
            assert "attacks published" in at.get("plotly_chart")[0].proto.spec


def test_the_overview_presents_the_country_as_slides(app_store):
    at = run_page("pages/overview.py", query={"present": "1", "slide": "3"})
    assert not at.exception
    assert titles(at) == "Pakistan: attacks by the group named"
    assert any(m.value == "**3 / 3**" for m in at.markdown)


def test_a_bad_part_is_a_notice_and_a_part_beyond_the_slide_opens_its_last(app_store):
    at = run_page("pages/overview.py", query={"present": "1", "slide": "2", "part": "two"})
    assert not at.exception
    assert "Part 'two' is not a number" in at.warning[0].value
    far = run_page("pages/overview.py", query={"present": "1", "part": "9"})
    assert not far.exception and not far.warning
    assert "part" not in far.query_params  # one part on the design screen: the link is tidied
