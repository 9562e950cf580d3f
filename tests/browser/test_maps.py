"""The map pages in a real browser: MapLibre draws, outlines show, links reopen the view.

Overview, Balochistan and Khyber Pakhtunkhwa at 1280×720: the map canvas is drawn, the
province outline layer is rendered by MapLibre (queried from the live map), no exception
box shows and (through the ``page`` fixture) no request leaves localhost. A screenshot of
each map panel, scrolled into view, is saved under test-output/screenshots/.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.conftest import (
    OUTPUT,
    assert_no_exception,
    open_app,
    scroll_to,
    streamlit_server,
    wait_for_run,
)
from tracker.present import map_labels

pytestmark = pytest.mark.browser

PAGES = [("", "overview"), ("balochistan", "balochistan"),
         ("khyber_pakhtunkhwa", "khyber-pakhtunkhwa")]

RENDERED_OUTLINES = """
() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(el => el._fullLayout && el._fullLayout.map);
  if (!gd) return null;
  const map = gd._fullLayout.map._subplot.map;
  const layers = map.getStyle().layers.filter(l => l.type === 'line');
  const rendered = map.queryRenderedFeatures({layers: layers.map(l => l.id)});
  return {
    lineLayers: layers.length,
    renderedOutlineFeatures: rendered.length,
    sourceFeatures: gd.layout.map.layers.find(l => l.type === 'line').source.features.length,
    center: gd.layout.map.center,
    style: gd.layout.map.style,
  };
}
"""


def wait_for_map(page) -> None:
    page.wait_for_selector("canvas.maplibregl-canvas", timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some("
        "el => el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot"
        " && el._fullLayout.map._subplot.map.loaded())",
        timeout=60_000,
    )


def map_panel_screenshot(page, name: str) -> Image.Image:
    """Scroll the map into view, save a screenshot of it, and return it as an image."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    panel = page.locator(".js-plotly-plot").filter(has=page.locator("canvas.maplibregl-canvas"))
    scroll_to(panel.first)
    wait_for_map(page)  # drawn, not only placed
    page.screenshot(path=str(OUTPUT / f"maps-{name}-window.png"))
    data = panel.first.screenshot(path=str(OUTPUT / f"maps-{name}-map.png"))
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.mark.parametrize(("path", "name"), PAGES, ids=[n for _, n in PAGES])
def test_map_page_draws_offline_with_outlines(page, server, path, name):
    open_app(page, f"{server}/{path}")
    assert_no_exception(page)
    page.screenshot(path=str(OUTPUT / f"maps-{name}-top.png"))
    wait_for_map(page)
    info = page.evaluate(RENDERED_OUTLINES)
    assert map_labels.is_offline_style(info["style"])
    assert info["sourceFeatures"] == 7
    assert info["lineLayers"] >= 1
    assert info["renderedOutlineFeatures"] > 0, info
    image = map_panel_screenshot(page, name)
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50, "the map panel looks blank"
    assert_no_exception(page)


def test_a_link_with_filters_opens_the_same_province_view(page, seeded_url, tmp_path, bundled):
    """The link is the first request of a fresh server: the case where Streamlit would run
    the page file alone (legacy ``pages/`` mode) and drop the sidebar and its filters."""
    window = bundled[(bundled.date >= "2025-03-15") & (bundled.date <= "2025-03-17")
                     & (bundled.province == "Khyber Pakhtunkhwa")]
    killed_injured = int(window["killed"].sum()) + int(window["injured"].sum())
    with streamlit_server(seeded_url, tmp_path / "state") as fresh:
        open_app(page, f"{fresh}/khyber_pakhtunkhwa?start=2025-03-15&end=2025-03-17"
                       f"&size=casualties&freq=day")
        check_kp_link(page, window, killed_injured)


def check_kp_link(page, window, killed_injured) -> None:
    assert_no_exception(page)
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Khyber Pakhtunkhwa" in nav and "khyber pakhtunkhwa" not in nav  # not legacy nav
    assert page.locator("[data-testid='stSidebar']").get_by_text("Filters").count() >= 1
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics[:2] == [str(len(window)), str(int(window["killed"].sum()))]
    wait_for_map(page)
    sizes = page.evaluate(
        "() => { const gd = [...document.querySelectorAll('.js-plotly-plot')]"
        ".find(el => el._fullLayout && el._fullLayout.map);"
        " return gd.data.map(t => t.customdata ? Array.from(t.customdata).map(r => r[0]) : []); }"
    )
    assert sum(sum(s) for s in sizes) == killed_injured
    checked = page.locator("[data-testid='stRadio'] input:checked").evaluate_all(
        "els => els.map(e => e.closest('label').innerText)")
    assert "Killed + injured" in checked and "Day" in checked
    assert "size=casualties" in page.url and "start=2025-03-15" in page.url
    map_panel_screenshot(page, "kp-link")
    hover = hover_biggest_bubble(page)
    assert "Incidents:" in hover and "gazetteer point" in hover
    page.locator(".js-plotly-plot").filter(
        has=page.locator("canvas.maplibregl-canvas")).first.screenshot(
        path=str(OUTPUT / "maps-kp-link-hover.png"))


def hover_biggest_bubble(page) -> str:
    """Move the mouse onto the largest bubble of the map and return the hover's text."""
    x, y = page.evaluate(
        "() => { const gd = [...document.querySelectorAll('.js-plotly-plot')]"
        ".find(el => el._fullLayout && el._fullLayout.map);"
        " const t = gd._fullData.find(t => t.type === 'scattermap');"
        " const sizes = Array.from(t.marker.size); const i = sizes.indexOf(Math.max(...sizes));"
        " const map = gd._fullLayout.map._subplot.map;"
        " const p = map.project([t.lon[i], t.lat[i]]);"
        " const box = map.getCanvas().getBoundingClientRect();"
        " return [box.left + p.x, box.top + p.y]; }"
    )
    page.mouse.move(x, y)
    label = page.locator(".hoverlayer .hovertext")
    label.first.wait_for(timeout=10_000)
    return label.first.text_content()


def test_changing_the_measure_writes_it_to_the_url(page, server):
    open_app(page, f"{server}/?province=PK-BA&province=PK-KP")
    wait_for_map(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Shade provinces by").click()
    page.get_by_role("option", name="Killed per million inhabitants").click()
    wait_for_run(page)
    assert "measure=killed_per_million" in page.url
    assert "province=Balochistan" in page.url or "province=PK-BA" in page.url
    assert page.get_by_text("census", exact=False).count() >= 1
    wait_for_map(page)
    map_panel_screenshot(page, "overview-rate")
    # what the province's hover shows, read from the drawn figure (incident bubbles now
    # cover most of Balochistan at this zoom, so a mouse hover lands on one of them)
    fill = page.evaluate(
        "() => { const gd = [...document.querySelectorAll('.js-plotly-plot')]"
        ".find(el => el._fullLayout && el._fullLayout.map);"
        " const t = gd.data.find(d => d.type === 'choroplethmap');"
        " return {template: t.hovertemplate, rows: t.customdata}; }")
    assert "per million" in fill["template"]
    assert "Population: %{customdata[1]:,}" in fill["template"]
    assert ["Balochistan", 14894402, "2023"] in [list(r) for r in fill["rows"]]
    assert_no_exception(page)
