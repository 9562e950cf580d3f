"""Which takeaways show for the regions in view, and how they are grouped and labelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tracker import schema
from tracker.briefs.loading import Library, load_library
from tracker.briefs.model import PAKISTAN, THEMES, Brief, Takeaway, known_regions, province_of


@dataclass(frozen=True)
class Item:
    """A takeaway with its brief, and why it shows for the regions asked about.

    ``scope`` is ``national`` for a Pakistan-wide takeaway shown on a regional view,
    otherwise ``regional``; ``matched`` lists the regions in view it speaks to.
    """

    brief: Brief
    takeaway: Takeaway
    scope: str
    matched: tuple[str, ...] = field(default=())

    @property
    def national(self) -> bool:
        return self.scope == "national"


def takeaways_for(regions: Sequence[str], library: Library | None = None) -> list[Item]:
    """Takeaways for the regions in view, most specific first, national ones last.

    For Pakistan: the takeaways about Pakistan as a whole. For a province: those naming
    the province or a district inside it, then the Pakistan-wide ones (``scope`` national).
    For a district: those naming it or its province, then the Pakistan-wide ones.
    """
    library = library or load_library()
    wanted = [r for r in dict.fromkeys(regions) if r in known_regions()] or [PAKISTAN]
    provinces = {province_of(r) for r in wanted} - {None}
    districts = {r for r in wanted if known_regions()[r] == "district"}
    regional: list[Item] = []
    national: list[Item] = []
    for brief in library.briefs:
        for takeaway in brief.takeaways:
            matched = tuple(
                r for r in takeaway.regions
                if r in provinces or r in districts
                or (known_regions()[r] == "district" and province_of(r) in provinces
                    and not districts)
            )
            if matched and wanted != [PAKISTAN]:
                regional.append(Item(brief, takeaway, "regional", matched))
            elif PAKISTAN in takeaway.regions:
                scope = "regional" if wanted == [PAKISTAN] else "national"
                (regional if scope == "regional" else national).append(
                    Item(brief, takeaway, scope, (PAKISTAN,))
                )
    return _ordered(regional) + _ordered(national)


def _ordered(items: list[Item]) -> list[Item]:
    """Takeaways about fewer provinces first (the most specific), then by theme."""
    def breadth(item: Item) -> int:
        return len({province_of(r) or r for r in item.takeaway.regions})

    return sorted(items, key=lambda i: (breadth(i), THEMES.index(i.takeaway.theme)))


def all_items(library: Library | None = None) -> list[Item]:
    """Every takeaway of every brief (for the Briefs page)."""
    library = library or load_library()
    return [Item(b, t, "regional", tuple(t.regions)) for b in library.briefs for t in b.takeaways]


def filter_items(items: Sequence[Item], *, region: str | None = None,
                 themes: Sequence[str] = (), brief_ids: Sequence[str] = (),
                 library: Library | None = None) -> list[Item]:
    """Narrow a takeaway list: to one region (as its panels would show it), themes, briefs."""
    if region is not None:
        keep = {(i.brief.id, i.takeaway.id): i for i in takeaways_for((region,), library)}
        items = [keep[(i.brief.id, i.takeaway.id)] for i in items
                 if (i.brief.id, i.takeaway.id) in keep]
    if themes:
        items = [i for i in items if i.takeaway.theme in themes]
    if brief_ids:
        items = [i for i in items if i.brief.id in brief_ids]
    return list(items)


def group_by_region(items: Sequence[Item]) -> dict[str, list[Item]]:
    """Region → the takeaways naming it: Pakistan, then provinces, then districts A–Z.

    A takeaway naming several regions appears under each of them.
    """
    groups: dict[str, list[Item]] = {}
    for item in items:
        for region in item.takeaway.regions:
            groups.setdefault(region, []).append(item)
    rank = {PAKISTAN: 0, **{p: 1 + n for n, p in enumerate(schema.PROVINCES)}}
    return dict(sorted(groups.items(), key=lambda kv: (rank.get(kv[0], 99), kv[0])))


def group_by_theme(items: Sequence[Item]) -> dict[str, list[Item]]:
    """Theme → its takeaways, in :data:`THEMES` order; empty themes left out."""
    groups: dict[str, list[Item]] = {theme: [] for theme in THEMES}
    for item in items:
        groups[item.takeaway.theme].append(item)
    return {theme: found for theme, found in groups.items() if found}


def region_options(library: Library | None = None) -> list[str]:
    """Regions any takeaway names, plus Pakistan and every province (for a filter)."""
    library = library or load_library()
    named = {r for b in library.briefs for t in b.takeaways for r in t.regions}
    districts = sorted(r for r in named if known_regions().get(r) == "district")
    return [PAKISTAN, *schema.PROVINCES, *districts]


def region_label(regions: Sequence[str]) -> str:
    """'Balochistan', 'Balochistan and KP', or 'Pakistan'."""
    names = [r for r in dict.fromkeys(regions) if r in known_regions()] or [PAKISTAN]
    short = [schema.PROVINCE_SHORT.get(n, n) if len(names) > 1 else n for n in names]
    if len(short) == 1:
        return short[0]
    return ", ".join(short[:-1]) + " and " + short[-1]
