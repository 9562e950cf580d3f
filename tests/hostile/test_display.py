"""Hostile text that was uploaded is shown as text on every page, never as Markup.

A file whose every free-text field holds HTML, script, Markdown and formulas goes through
the real pipeline into the store. Then every page is drawn (as an admin, so the batches,
audit and accounts pages show their data too) and every piece of text Streamlit would
render as Markdown, and every string in every plotly figure, is checked: the payloads may
only appear escaped. ``tests/browser/test_hostile.py`` checks the same in a real browser.
"""

from __future__ import annotations

import json

import pytest

from tests.app.conftest import PAGE_FILES, run_page, session_for
from tests.hostile import files
from tests.hostile.apptest import use_full_runs
from tracker.access import batch_actions
from tracker.access.accounts import Accounts
from tracker.access.roles import User
from tracker.ingest import pipeline as ingest
from tracker.store.database import Store

RAW_MARKUP = ("<script", "<img", "<a href", "**loud**", "](javascript:", ":red[", "$x^2$")
"""Payload fragments that must never reach a Markdown or plotly renderer unescaped."""

MARKDOWN_FIELDS = ("body", "label", "help", "caption", "title")
"""Proto fields Streamlit renders as Markdown (message bodies, widget labels, help)."""


def hostile_store(url: str) -> str:
    """Upload the payload file through the pipeline as a researcher; return its batch id."""
    store = Store(url)
    data = files.to_csv(files.payload_rows())
    report = ingest.ingest_bytes(data, '<img src=x onerror=alert("name")>.csv', store=store)
    assert report.accepted == len(files.PAYLOADS)
    return batch_actions.commit_upload(report, store, User("ayesha", "researcher"))


def raw(fragment: str, text: str) -> bool:
    """True when ``fragment`` occurs in Markdown ``text`` without a backslash escaping it."""
    start = text.find(fragment)
    while start != -1:
        slashes = len(text[:start]) - len(text[:start].rstrip("\\"))
        if slashes % 2 == 0:
            return True
        start = text.find(fragment, start + 1)
    return False


def walk(block):
    for child in getattr(block, "children", {}).values():
        yield child
        yield from walk(child)


def markdown_texts(at) -> list[tuple[str, str, bool]]:
    """(element type, text, allows HTML) for everything rendered as Markdown."""
    out = []
    for root in (at.main, at.sidebar):
        for node in walk(root):
            proto = getattr(node, "proto", None)
            if proto is None or not hasattr(proto, "DESCRIPTOR"):
                continue
            fields = proto.DESCRIPTOR.fields_by_name
            allow_html = bool(getattr(proto, "allow_html", False))
            for name in MARKDOWN_FIELDS:
                if name in fields and fields[name].type == fields[name].TYPE_STRING:
                    out.append((node.type, getattr(proto, name), allow_html))
    return out


def figure_strings(at) -> list[str]:
    """Every string in every plotly figure of the page (titles, labels, hover text)."""
    out: list[str] = []

    def collect(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for chart in at.get("plotly_chart"):
        collect(json.loads(chart.proto.spec))
    return out


@pytest.fixture
def hostile_app(app_store, monkeypatch):
    use_full_runs(monkeypatch)
    Accounts(store=Store(app_store)).add("zara", "admin", "a long passphrase 1", actor="test")
    hostile_store(app_store)
    return session_for(app_store, "zara")


@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.split("/")[-1])
def test_uploaded_markup_is_inert_on_every_page(hostile_app, page):
    at = run_page(page, session=hostile_app)
    assert not at.exception, [e.value for e in at.exception]
    for kind, text, allow_html in markdown_texts(at):
        for fragment in RAW_MARKUP:
            assert not raw(fragment, text), f"{kind} renders {fragment!r} raw: {text[:200]!r}"
        if allow_html:
            assert "xss" not in text and "evil.example" not in text, (kind, text[:200])
    for text in figure_strings(at):
        for fragment in ("<script", "<img", "<a href"):
            assert fragment not in text, f"a figure renders {fragment!r} raw: {text[:200]!r}"


def test_the_hostile_rows_are_really_on_the_pages(hostile_app):
    """The check above means something only if the payloads reach the pages at all."""
    at = run_page("pages/data.py", session=hostile_app, query={"q": "xss"})
    shown = at.dataframe[0].value
    assert shown["summary"].str.contains("<script>", regex=False).any()
    assert shown["source_url"].isin([files.URL_PAYLOAD]).any()
    batches = run_page("pages/batches.py", session=hostile_app).dataframe[0].value
    assert batches["file_name"].str.contains("<img", regex=False).any()


@pytest.mark.parametrize(("url", "link"), [
    ("javascript:alert(1)", None),
    ("  JavaScript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("vbscript:msgbox(1)", None),
    ("//evil.example/x", None),
    ("file:///etc/passwd", None),
    ("ftp://example.org/x", None),
    ("https://example.org/report", "https://example.org/report"),
    (" HTTP://example.org/r ", "HTTP://example.org/r"),
    (None, None),
    (42, None),
])
def test_source_links_are_links_only_when_http(url, link):
    from tracker.present import tables

    assert tables.safe_link(url) == link


@pytest.mark.parametrize("extra_column", [False, True], ids=["canonical", "needs-mapping"])
def test_the_upload_preview_shows_a_hostile_file_inert(app_store, monkeypatch, extra_column):
    """The preview quotes file names, cells and headers back: all of it must stay text."""
    use_full_runs(monkeypatch)
    Accounts(store=Store(app_store)).add("ayesha", "researcher", "a long passphrase 1",
                                         actor="test")
    frame = files.payload_rows()
    frame.loc[1, "date"] = files.PAYLOADS["markdown"]  # rejected, and quoted in the reasons
    frame.loc[2, "district"] = files.PAYLOADS["img"]  # an unknown district, reported
    if extra_column:
        frame = frame.rename(columns={"summary": files.PAYLOADS["link"]})
    at = run_page("pages/upload.py", session=session_for(app_store, "ayesha"))
    at.file_uploader(key="upload_file").set_value(
        (files.PAYLOADS["script"] + ".csv", files.to_csv(frame), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    texts = markdown_texts(at)
    if extra_column:  # the unused header is quoted back: the check below bites
        assert any("pwned" in text for _, text, _ in texts)
    for kind, text, allow_html in texts:
        for fragment in RAW_MARKUP:
            assert not raw(fragment, text), f"{kind} renders {fragment!r} raw: {text[:200]!r}"
        assert not (allow_html and "xss" in text), (kind, text[:200])
