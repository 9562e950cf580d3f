"""Crossings, CPEC sites and the Karakoram Highway on the province maps, in a real browser.

On the Balochistan and KP pages at 1280×720: the map draws the three layers as named traces
on top of the district bubbles, the switch above the map hides them (kept in the legend),
the distance panel shows its bands in km, and (through the ``page`` fixture) nothing is
fetched from outside localhost: the layers carry no text labels, whose font MapLibre would
download. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, assert_no_exception, open_app, scroll_to, wait_for_run
from tests.browser.test_maps import wait_for_map
from tracker.analysis import context

pytestmark = pytest.mark.browser

MAP_TRACES = """
() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(el => el._fullLayout && el._fullLayout.map);
  return gd.data.map(t => ({name: t.name, visible: t.visible === undefined ? true : t.visible}));
}
"""


def _layer_states(page) -> dict[str, set]:
    states: dict[str, set] = {}
    for trace in page.evaluate(MAP_TRACES):
        states.setdefault(trace["name"], set()).add(str(trace["visible"]))
    return states


@pytest.mark.parametrize(("path", "name"), [("balochistan", "balochistan"),
                                            ("khyber_pakhtunkhwa", "khyber-pakhtunkhwa")])
def test_layers_draw_on_top_and_switch_off(page, server, path, name):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    open_app(page, f"{server}/{path}")
    assert_no_exception(page)
    wait_for_map(page)
    names = [t["name"] for t in page.evaluate(MAP_TRACES)]
    assert names[0].startswith("District bubbles")
    assert set(context.LAYER_NAMES) <= set(names[1:])
    assert all(s == {"True"} for n, s in _layer_states(page).items() if n in context.LAYER_NAMES)
    panel = page.locator(".js-plotly-plot").filter(has=page.locator("canvas.maplibregl-canvas"))
    scroll_to(panel.first)
    wait_for_map(page)
    page.screenshot(path=str(OUTPUT / f"context-{name}-layers-on.png"))

    page.get_by_text("Show border crossings and CPEC sites").click()
    wait_for_run(page)
    wait_for_map(page)
    states = _layer_states(page)
    assert all(states[n] == {"legendonly"} for n in context.LAYER_NAMES), states
    assert states[names[0]] == {"True"}
    page.screenshot(path=str(OUTPUT / f"context-{name}-layers-off.png"))

    main = page.locator("[data-testid='stMain']")
    for words in ("Distance to the border", "0–25 km", "over 100 km",
                  "A border statement the data can test", "Verdict:"):
        expect(main).to_contain_text(words, use_inner_text=True)
    if path == "balochistan":
        assert "Iranian border" in page.content()
