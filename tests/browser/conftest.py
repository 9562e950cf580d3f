"""Real-browser fixtures: a live ``streamlit run`` on a free port and headless Chromium.

The browser is the system's Chromium (Debian's ``chromium`` package) driven by Playwright;
no browser is ever downloaded. A missing browser fails the run: it is never skipped.
Every request the page makes is recorded, and a test fails if any leaves localhost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tracker.devtools import app_server
from tracker.store.database import Store

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "screenshots"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def chromium_path() -> str:
    found = app_server.chromium_path()
    if found is None:
        pytest.fail("No Chromium found for the browser tests: install Debian's `chromium` "
                    "package (python tasks.py test does this when it may).")
    return found


@contextlib.contextmanager
def streamlit_server(db_url: str, state_dir: Path, env: dict | None = None) -> Iterator[str]:
    """Start the app on a free port against ``db_url``; yield its base URL."""
    with contextlib.ExitStack() as stack:
        try:
            base = stack.enter_context(app_server.running_app(db_url, state_dir, env))
        except app_server.AppDidNotStart as exc:
            pytest.fail(str(exc))
        yield base


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("browser-store") / "store.db"
    url = f"sqlite:///{path.as_posix()}"
    Store(url).seed()
    return url


@pytest.fixture(scope="session")
def server(seeded_url, tmp_path_factory) -> Iterator[str]:
    with streamlit_server(seeded_url, tmp_path_factory.mktemp("browser-state")) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(),
                                args=app_server.CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A 1280×720 page; fails the test if any request leaves localhost."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    outside: list[str] = []

    def _record(request):
        host = urlparse(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in LOCAL_HOSTS:
            outside.append(request.url)

    pg.on("request", _record)
    yield pg
    context.close()
    assert not outside, f"requests left localhost: {outside[:10]}"


def open_app(page, url: str, timeout_ms: int = 60_000) -> None:
    """Go to ``url`` and wait until the script has finished and nothing is loading."""
    page.goto(url)
    wait_for_run(page, timeout_ms)


def wait_for_run(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script has run and no placeholder is left.

    The one fixed pause is between two runs: a rerun the page asks for (a URL written back,
    the first link's rerun through ``app.py``) has no sign in the page until it starts.
    """
    app = page.locator("[data-testid='stApp']")
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout_ms)
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=timeout_ms)
    page.wait_for_timeout(300)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout_ms)


def scroll_to(locator, timeout_ms: int = 10_000) -> None:
    """Scroll ``locator`` into the window and wait until it is there (for a screenshot)."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_in_viewport(timeout=timeout_ms)


def assert_no_exception(page) -> None:
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.first.inner_text()


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the visible window to test-output/screenshots/NAME.png."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path))
    return path
