"""What a Markdown source would turn into links or images, as Streamlit's renderer would.

Streamlit renders text with CommonMark plus GFM, whose auto-linker also turns bare
``https://…``, ``www.…`` and ``name@host`` into links. Without a Markdown library in the
project this reads the source conservatively: any unescaped link or image syntax, raw HTML
tag or angle-bracket autolink, and any bare URL or e-mail address left after backslash
escapes are resolved, counts as a live link.
"""

from __future__ import annotations

import re

_UNESCAPED_LINK = re.compile(r"(?<!\\)!?\[[^\]]*(?<!\\)\]\s*[(\[]")
_HTML = re.compile(r"(?<!\\)<\s*/?\s*[A-Za-z!]")
_ESCAPE = re.compile(r"\\(.)")
_BARE = re.compile(r"(?i)(https?://[-.\w]|www\.[-\w]|[-.\w+]+@[-\w]+\.\w)")


def live_links(source: str) -> list[str]:
    """The pieces of ``source`` that would render as a link, an image or HTML (empty if none)."""
    found = [m.group(0) for m in _UNESCAPED_LINK.finditer(source)]
    found += [m.group(0) for m in _HTML.finditer(source)]
    text = _ESCAPE.sub(r"\1", source)  # what the auto-linker sees after escapes resolve
    found += [m.group(0) for m in _BARE.finditer(text)]
    return found


def markdown_sources(at) -> list[str]:
    """Every piece of Markdown an AppTest run drew: text, notices, captions, titles."""
    kinds = ("markdown", "caption", "warning", "info", "error", "success", "title", "header",
             "subheader", "toast")
    out: list[str] = []
    for kind in kinds:
        try:
            elements = getattr(at, kind)
        except (AttributeError, KeyError):
            continue
        out += [e.value for e in elements if isinstance(getattr(e, "value", None), str)]
    return out
