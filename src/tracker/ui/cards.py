"""Takeaway cards: what a brief says about the regions in view, beside the data.

:func:`inline_takeaways` goes right under every chart: the one to three takeaways
:mod:`tracker.briefs.panels` picks for it, shown without a click. :func:`takeaway_panel`
is the page's one expander with all of them. Brief text is untrusted (a
brief may be uploaded): everything from a brief is Markdown-escaped with
:func:`tracker.present.text.md_escape` before it reaches ``st.markdown`` / ``st.caption``; HTML is
never switched on.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable, Sequence

import pandas as pd
import streamlit as st

from tracker.access import batch_actions, roles
from tracker.briefs import claims, loading, lookup, model
from tracker.briefs import panels as panel_takeaways
from tracker.present.text import md_escape
from tracker.store.database import Store
from tracker.ui import memo

VERDICT_COLOURS = {
    claims.CONSISTENT: "green",
    claims.FEWER: "orange",
    claims.NOT_SHOWN: "red",
    claims.TOO_THIN: "gray",
    claims.NOT_IN_VIEW: "gray",
    claims.CONTEXT: "gray",
}
ATTRIBUTION = "The brief's view, not a finding of this dashboard."


def takeaway_panel(regions: Sequence[str], frame: pd.DataFrame, *, key: str,
                   expanded: bool = False) -> None:
    """All the brief takeaways for ``regions``, in one expander, with citations and checks.

    Parameters
    ----------
    regions
        The regions in view: the provinces (or districts) shown, or ``("Pakistan",)``.
    frame
        The filtered incidents the page shows; checkable claims are run on it.
    key
        A unique key for this panel on the page (prefixed by the page name).
    expanded
        Open the panel on first view.
    """
    library = loading.load_library()
    items = panel_takeaways.view_items(regions, library)
    view = tuple(r for r in regions if r in model.known_regions()) or (model.PAKISTAN,)
    place = lookup.region_label(view)
    with st.container(key=f"{key}_takeaways"):
        if not items:
            st.caption(f"No brief takeaways for {md_escape(place)} yet.")
            return
        sources = sorted({i.brief.short_citation for i in items})
        regional = [i for i in items if not i.national]
        national = [i for i in items if i.national]
        label = (f"All {len(items)} takeaways for {md_escape(place)} · "
                 f"{md_escape('; '.join(sources))}")
        panel = lazy_expander(label, key=f"{key}_takeaways_open", expanded=expanded)
        with panel:
            checks = panel.open
            citations = dict.fromkeys(i.brief.citation for i in items)
            st.caption(" ".join(f"Source: {md_escape(c)}" for c in citations) + " "
                       + ATTRIBUTION + " Claims are checked against the incidents in view.")
            for item in regional:
                takeaway_card(item, frame, view, checks=checks)
            if national:
                st.markdown(f"**Pakistan-wide takeaways** (apply to {md_escape(place)} too)")
                for item in national:
                    takeaway_card(item, frame, view, checks=checks)


_SHOWN: dict[int, tuple[weakref.ref, set]] = {}


def _shown_on_page(frame: pd.DataFrame) -> set:
    """Takeaways the page's panels already show, kept per frame object (one page run draws
    all its panels from one frame, and the next run filters a new one)."""
    ident = id(frame)
    entry = _SHOWN.get(ident)
    if entry is None or entry[0]() is not frame:
        entry = (weakref.ref(frame, lambda _ref, ident=ident: _SHOWN.pop(ident, None)), set())
        _SHOWN[ident] = entry
    return entry[1]


def inline_takeaways(kind: str, regions: Sequence[str], frame: pd.DataFrame, *, key: str,
                     shown: Iterable[str] = ()) -> None:
    """The takeaways chosen for one chart, under it: theme, first sentence, the claim's
    verdict in a few words, and the citation once for the block.

    ``kind`` and ``shown`` are as in :func:`tracker.briefs.panels.select`; takeaways an
    earlier panel of the page shows give way to fresh ones.
    """
    used = _shown_on_page(frame)
    choices = panel_takeaways.select(kind, regions, shown=shown, exclude=used)
    used.update(c.key for c in choices)
    if not choices:
        return
    view = tuple(r for r in regions if r in model.known_regions()) or (model.PAKISTAN,)
    place = lookup.region_label(view)
    with st.container(key=f"{key}_inline_takeaways", gap="small"):
        for choice in choices:
            takeaway = choice.item.takeaway
            label = f":material/menu_book: **{md_escape(takeaway.theme)}**"
            if choice.general:
                label += f" (on {md_escape(place)} in general)"
            line = f"{label} · {md_escape(panel_takeaways.short_text(takeaway.text))}"
            verdict = memo.cached(  # a claim checked on a million rows takes a second
                "short_verdict", frame, (choice.key, view, choice.item.takeaway.claim),
                lambda item=choice.item: panel_takeaways.short_verdict(item, frame, view))
            if verdict:
                line += f" **Data check:** {md_escape(verdict)}."
            st.caption(line)
        names = "; ".join(dict.fromkeys(c.item.brief.short_citation for c in choices))
        st.caption(f"{md_escape(names)}, in our words: the brief's view, not this "
                   "dashboard's finding. All takeaways: foot of the page.")


def lazy_expander(label: str, *, key: str, expanded: bool = False):
    """An expander whose ``open`` says whether it is open; opening it reruns the page.

    Takeaway text is cheap and always drawn; claim checks run only while the expander is
    open, so closed panels cost nothing however many incidents are in view.
    """
    return st.expander(label, expanded=expanded, icon=":material/menu_book:", key=key,
                       on_change="rerun")


def takeaway_card(item: lookup.Item, frame: pd.DataFrame, view: Sequence[str], *,
                  checks: bool = True) -> None:
    """One takeaway: theme, regions, the text, the citation and (if ``checks``) its claim
    beside the data."""
    takeaway = item.takeaway
    tag = "Pakistan-wide" if item.national else ", ".join(takeaway.regions)
    st.markdown(f"**{md_escape(takeaway.theme)}** · {md_escape(tag)}  \n"
                f"{md_escape(takeaway.text)}")
    st.caption(f"{md_escape(item.brief.short_citation)} · {md_escape(takeaway.section)}")
    if takeaway.claim is not None and checks:
        claim_line(item, frame, view)


def claim_line(item: lookup.Item, frame: pd.DataFrame, view: Sequence[str]) -> None:
    """The claim, what the data in view holds, and the verdict."""
    check = claims.check(item, frame, view)
    st.caption(f"**Against the data:** {md_escape(check.cited)} {md_escape(check.observed)}")
    label = ("Context only: no verdict" if check.verdict == claims.CONTEXT
             else f"Verdict: {check.verdict}")
    st.badge(label, color=VERDICT_COLOURS[check.verdict],  # type: ignore[arg-type]
             icon=":material/fact_check:")


def briefs_browser(frame: pd.DataFrame, view: Sequence[str], *, key: str) -> None:
    """Every takeaway, filterable by region, theme and brief, listed by region and by theme."""
    library = loading.load_library()
    if not library.briefs:
        st.info("No brief is loaded.", icon=":material/menu_book:")
        return
    for brief in library.briefs:
        origin = "bundled" if brief.source == "bundled" else "added in this app"
        noun = "takeaway" if len(brief.takeaways) == 1 else "takeaways"
        note = f" {md_escape(brief.note)}" if brief.note else ""
        st.caption(f"{md_escape(brief.citation)}{note} {len(brief.takeaways)} {noun}; "
                   f"{origin}.")
    cols = st.columns([2, 3, 2])
    region = cols[0].selectbox("Region", ["All regions", *lookup.region_options(library)],
                               key=f"{key}_region")
    themes = cols[1].multiselect("Themes", list(model.THEMES), key=f"{key}_themes",
                                 placeholder="All themes")
    names = {b.id: b.short_citation for b in library.briefs}
    chosen = cols[2].multiselect("Briefs", list(names), format_func=names.__getitem__,
                                 key=f"{key}_brief", placeholder="All briefs")
    items = lookup.filter_items(
        lookup.all_items(library), region=None if region == "All regions" else region,
        themes=themes, brief_ids=chosen, library=library,
    )
    st.caption(f"{len(items)} {'takeaway matches' if len(items) == 1 else 'takeaways match'}. "
               f"{ATTRIBUTION} Claims are checked against the "
               "incidents the sidebar filter selects.")
    if not items:
        st.info("No takeaway matches these choices.", icon=":material/filter_alt_off:")
        return
    by_region, by_theme = st.tabs(["By region", "By theme"])
    for tab, kind, groups in ((by_region, "region", lookup.group_by_region(items)),
                              (by_theme, "theme", lookup.group_by_theme(items))):
        with tab:
            for number, (name, found) in enumerate(groups.items()):
                group = lazy_expander(f"{md_escape(name)} · {len(found)}",
                                      key=f"{key}_{kind}_{_slug(name)}", expanded=number == 0)
                with group:
                    for item in found:
                        takeaway_card(item, frame, view, checks=group.open)


def _slug(text: str) -> str:
    """A key part for a name: readable, and unique through a short digest."""
    readable = "".join(ch if ch.isalnum() else "_" for ch in text.lower())[:40]
    return f"{readable}_{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def library_warnings() -> None:
    """Say which brief files could not be loaded (the rest still show)."""
    for problem in loading.load_library().problems:
        st.warning(f"A brief file was skipped: {md_escape(problem)}", icon=":material/warning:")


def brief_upload(*, user: roles.User, store: Store, key: str) -> model.Brief | None:
    """Upload a brief file: validate it, list its problems by field, add it when valid.

    Kept in one function so that access control can wrap it. Returns the added brief.
    """
    st.caption(
        f"A brief is one YAML file (format: data/briefs/README.md), at most "
        f"{model.MAX_BRIEF_BYTES // 1000} kB. It is checked before anything is stored."
    )
    upload = st.file_uploader("Brief file (.yaml)", type=["yaml", "yml"], key=f"{key}_file",
                              max_upload_size=1)
    if upload is None:
        return None
    raw = upload.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    if st.session_state.get(f"{key}_added") == digest:
        st.success("This brief has been added; its takeaways now show on its regions' panels.",
                   icon=":material/check_circle:")
        return None
    try:
        brief = model.parse_brief(raw, source="upload")
    except model.BriefError as exc:
        show_problems(exc.problems)
        return None
    st.info(f"Valid brief: {md_escape(brief.title)} — {md_escape(brief.short_citation)}, "
            f"{len(brief.takeaways)} takeaways.", icon=":material/task_alt:")
    if not st.button("Add this brief", key=f"{key}_add", type="primary"):
        return None
    try:
        added = batch_actions.add_brief(raw, store, user)
    except model.BriefError as exc:
        show_problems(exc.problems)
        return None
    st.session_state[f"{key}_added"] = digest
    st.success(f"Added {md_escape(added.title)}: its takeaways now show on its regions' panels.",
               icon=":material/check_circle:")
    return added


def show_problems(problems: Sequence[str], limit: int = 30) -> None:
    """A refused brief: one line per field and problem, as plain escaped text."""
    lines = "\n".join(f"- {md_escape(p)}" for p in problems[:limit])
    more = f"\n- … and {len(problems) - limit} more" if len(problems) > limit else ""
    st.error(f"This brief was not added. Fix these and upload it again:\n{lines}{more}",
             icon=":material/error:")
