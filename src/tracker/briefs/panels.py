"""Which brief takeaways annotate which chart panel: one to three, chosen for what it shows.

A takeaway says in its brief file which panels it speaks to (``panels:``), and may narrow
that to the perpetrator groups (``actors:``) or targets (``targets:``) it is about. The
rules here apply those declarations to any brief, so a brief added later is placed the
same way as the bundled one:

- a panel gets the takeaways that name it and whose regions lie in view;
- on a perpetrator breakdown, a takeaway with ``actors`` shows only when one of those
  groups (or a group of the same family) is among the bars; on a target breakdown, one
  with ``targets`` only when one of those targets is among the bars;
- those matched on what the panel shows come first, then the most specific to the
  regions in view, then those whose claim can be checked; themes are spread out;
- takeaways another panel of the page already shows give way to fresh ones;
- a panel no takeaway names gets one general takeaway about the regions in view,
  preferably of a theme the page does not show yet and one no panel claims, and never of a
  theme the panel's content ruled out
  (``general`` is set, so the display does not pretend it is about that chart).

No Streamlit here: the display is :mod:`tracker.ui.cards`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd

from tracker import schema
from tracker.briefs import claims, loading, lookup, model
from tracker.ingest import places
from tracker.present.text import split_perpetrator_column

KINDS: tuple[str, ...] = ("province map", "district map", "timeline", "surges",
                          "perpetrators", "targets", "attack types", "coverage",
                          "border distance")
"""Panel kinds :func:`select` accepts."""

LIMITS = {"perpetrators": 3}
"""Takeaways a panel shows at most (2 unless named here; never more than 3)."""
DEFAULT_LIMIT = 2
SHORT_CHARS = 130
"""A takeaway beside a chart is its first sentence, cut to about this many characters."""

SHORT_VERDICTS = {
    claims.CONSISTENT: "consistent with the data",
    claims.FEWER: "the data holds fewer (a sample: cannot confirm or refute)",
    claims.NOT_SHOWN: "not shown by the data in view",
    claims.TOO_THIN: "too little data to judge",
}
"""Verdicts in a few words; ``NOT_IN_VIEW`` is left out (nothing a reader can use)."""


@dataclass(frozen=True)
class Choice:
    """A takeaway chosen for a panel, and whether it was matched on the panel's content."""

    item: lookup.Item
    matched: tuple[str, ...] = ()
    general: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.item.brief.id, self.item.takeaway.id


def view_provinces(regions: Sequence[str]) -> set[str]:
    """The provinces a view covers: all of them for Pakistan."""
    known = model.known_regions()
    wanted = [r for r in regions if r in known] or [model.PAKISTAN]
    if model.PAKISTAN in wanted:
        return set(schema.PROVINCES)
    return {p for r in wanted if (p := model.province_of(r))}


def view_items(regions: Sequence[str], library: loading.Library | None = None
               ) -> list[lookup.Item]:
    """Every takeaway that speaks to the regions in view, most specific first.

    A province view gets what :func:`tracker.briefs.lookup.takeaways_for` gives (its own, then the
    Pakistan-wide ones). The Pakistan view also gets the takeaways about any province or
    district, since all of them are on screen.
    """
    library = library or loading.load_library()
    items = lookup.takeaways_for(regions, library)
    if view_provinces(regions) != set(schema.PROVINCES):
        return items
    seen = {(i.brief.id, i.takeaway.id) for i in items}
    rest = [lookup.Item(b, t, "regional", tuple(t.regions)) for b in library.briefs
            for t in b.takeaways if (b.id, t.id) not in seen]
    return items + rest


def select(kind: str, regions: Sequence[str], *, shown: Iterable[str] = (),
           exclude: Iterable[tuple[str, str]] = (), limit: int | None = None,
           library: loading.Library | None = None) -> list[Choice]:
    """The one to three takeaways for one panel.

    Parameters
    ----------
    kind
        One of :data:`KINDS`.
    regions
        The regions in view (``("Pakistan",)``, provinces or districts).
    shown
        What the panel shows: the perpetrator groups of a perpetrator breakdown, the
        targets of a target breakdown, the border theme of a border-distance chart
        (ignored for other kinds).
    exclude
        ``(brief id, takeaway id)`` pairs other panels of the page already show; they are
        used only when nothing fresh is left.
    limit
        How many at most (default from :data:`LIMITS`, capped at 3).
    """
    if kind not in KINDS:
        raise ValueError(f"`kind` was {kind!r} but is expected to be one of {list(KINDS)}")
    limit = max(1, min(3, limit or LIMITS.get(kind, DEFAULT_LIMIT)))
    used = set(exclude)
    shown = [str(s) for s in shown if isinstance(s, str) and s.strip()]
    items = view_items(regions, library)
    rank = {(i.brief.id, i.takeaway.id): n for n, i in enumerate(items)}
    used_themes = {i.takeaway.theme for i in items if (i.brief.id, i.takeaway.id) in used}
    candidates: list[Choice] = []
    ruled_out: set[str] = set()  # themes the panel's content rules out (CPEC, no targets)
    for item in items:
        takeaway = item.takeaway
        if not _names_panel(takeaway.panels, kind):
            continue
        matched = _matched(takeaway, kind, shown)
        if matched is None:
            ruled_out.add(takeaway.theme)
            continue
        candidates.append(Choice(item, matched))
    general = not candidates
    if general:
        candidates = [Choice(i, general=True) for i in items
                      if not i.takeaway.actors and not i.takeaway.targets
                      and i.takeaway.theme not in ruled_out]

    def order(choice: Choice) -> tuple:
        # the largest bar it speaks to first (TTP before BLA when TTP leads the chart)
        bar = min((shown.index(m) for m in choice.matched), default=len(shown))
        if general:  # a general note: a theme the page lacks, not written for a panel
            return (choice.key in used, choice.item.takeaway.theme in used_themes,
                    bool(choice.item.takeaway.panels), choice.item.national, rank[choice.key])
        return (choice.key in used, not choice.matched, bar, choice.item.national,
                choice.item.takeaway.claim is None, rank[choice.key])

    candidates.sort(key=order)
    if general:
        return candidates[:1]
    return _spread(candidates, limit)


def _names_panel(panels: Sequence[str], kind: str) -> bool:
    return kind in panels or (kind.endswith(" map") and "map" in panels)


def _matched(takeaway: model.Takeaway, kind: str, shown: Sequence[str]
             ) -> tuple[str, ...] | None:
    """What on the panel the takeaway is about: () when not narrowed, None when it does
    not apply to what the panel shows."""
    if kind == "perpetrators" and takeaway.actors:
        found = tuple(g for g in dict.fromkeys(shown) if _same_group(g, takeaway.actors))
        return found or None
    if kind == "targets" and takeaway.targets:
        found = tuple(t for t in dict.fromkeys(shown) if t in takeaway.targets)
        return found or None
    if kind == "border distance" and shown:
        return (takeaway.theme,) if takeaway.theme in shown else None
    return ()


def _same_group(shown: str, actors: Sequence[str]) -> bool:
    """A group shown matches an actor named by itself, by its family, or by a group of the
    same family (TTP covers the Hafiz Gul Bahadur group; BLA covers BLF)."""
    families = {family_of(a) for a in actors} | set(actors)
    families.discard(OTHER_FAMILY)
    parts = [p.strip() for p in shown.split(";") if p.strip()]
    return any(p in actors or family_of(p) in families for p in parts)


OTHER_FAMILY = "Other or unknown"


@cache
def _families() -> dict[str, str]:
    table = places.perpetrators_table()  # read once per process
    return dict(zip(table["perpetrator"], table["family"].astype(str), strict=True))


def family_of(name: str) -> str:
    """:func:`tracker.ingest.places.perpetrator_family` from a lookup built once (panels
    ask it hundreds of times per page)."""
    return _families().get(name.split(";")[0].strip(), OTHER_FAMILY)


def _spread(candidates: list[Choice], limit: int) -> list[Choice]:
    """Up to ``limit``, one per theme first (in rank order); beyond two only for another
    theme, so a third line never repeats a theme."""
    chosen: list[Choice] = []
    themes: set[str] = set()
    for choice in candidates:
        if len(chosen) < limit and choice.item.takeaway.theme not in themes:
            chosen.append(choice)
            themes.add(choice.item.takeaway.theme)
    for choice in candidates:
        if len(chosen) < min(limit, DEFAULT_LIMIT) and choice not in chosen:
            chosen.append(choice)
    return sorted(chosen, key=candidates.index)


def shown_values(frame: pd.DataFrame, column: str, *, measure: str = "incidents",
                 top: int = 10) -> list[str]:
    """The bars a breakdown of ``frame`` by ``column`` shows (its ``top`` values by
    ``measure``, as :func:`tracker.present.charts.breakdown_chart` draws them), without bars of zero
    or Unknown. A joint claim ("TTP; Hafiz Gul Bahadur group") counts for each group.

    Counted on the distinct values, not the rows, so it stays cheap on a million rows.
    """
    base = measure.removesuffix("_per_million")
    values = frame[column].fillna("").astype(str)
    if base in ("killed", "injured", "casualties"):
        amount = (frame["killed"].fillna(0) if base != "injured" else 0) + (
            frame["injured"].fillna(0) if base != "killed" else 0)
        totals = pd.Series(amount, index=frame.index).groupby(values, sort=False).sum()
    else:
        totals = values.value_counts(sort=False)
    if column == "perpetrator":
        parts = totals.rename_axis("value").reset_index(name="n")
        parts["value"] = split_perpetrator_column(parts["value"])
        totals = parts.explode("value").groupby("value", sort=False)["n"].sum()
    ranked = totals[totals.index != ""].rename_axis("value").reset_index(name="n")
    ranked = ranked.sort_values(["n", "value"], ascending=[False, True]).head(top)
    return [str(v) for v, n in zip(ranked["value"], ranked["n"], strict=True)
            if n > 0 and v != schema.UNKNOWN_PERPETRATOR]


def short_text(text: str, limit: int = SHORT_CHARS) -> str:
    """The first sentence, cut at a word before ``limit`` characters (with an ellipsis)."""
    text = re.sub(r"\s+", " ", text).strip()
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return f"{cut}…"


def short_verdict(item: lookup.Item, frame: pd.DataFrame, view: Sequence[str]) -> str | None:
    """The claim's verdict on the incidents in view, in a few words (None: no claim, or
    one that cannot be judged in this view)."""
    if item.takeaway.claim is None:
        return None
    return SHORT_VERDICTS.get(claims.check(item, frame, tuple(view)).verdict)
