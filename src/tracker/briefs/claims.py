"""Checkable claims beside the data: what a brief cites, what the incidents in view hold, a verdict.

The verdict never claims more agreement than the data shows; the bundled incidents are a
sample, so a count below the cited figure cannot refute it, and fewer than
:data:`tracker.briefs.model.MIN_TO_JUDGE` incidents is too little to judge a share at all.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracker.analysis import coverage
from tracker.briefs.lookup import Item, region_label
from tracker.briefs.model import (
    MIN_TO_JUDGE,
    PAKISTAN,
    CountInWindow,
    CountMatching,
    ShareInProvinces,
)
from tracker.present.text import date_range, day_label, plural, split_perpetrators

CONSISTENT = "consistent with the data"
FEWER = "the data holds fewer than cited — it is a sample, so it cannot confirm or refute"
NOT_SHOWN = "the data in view does not show this"
TOO_THIN = "too little data to judge"
NOT_IN_VIEW = "cannot be judged in this view"
CONTEXT = "none: context only, this check cannot test the brief's point"


@dataclass(frozen=True)
class ClaimCheck:
    """A claim beside the data: what the brief says, what the data in view holds, a verdict."""

    cited: str
    observed: str
    verdict: str
    figures: dict[str, float | int | None]


def _window_mask(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame["date"] >= pd.Timestamp(start)
    if end is not None:
        mask &= frame["date"] < pd.Timestamp(end) + pd.Timedelta(days=1)
    return mask


def _on_uniques(column: pd.Series, test: Any) -> pd.Series:
    """Apply a per-value test once per distinct value (cheap on large, repetitive columns)."""
    codes, uniques = pd.factorize(column.fillna(""), sort=False)
    hits = pd.Series([bool(test(str(u))) for u in uniques], dtype=bool).to_numpy()
    if len(uniques) == 0:
        return pd.Series(False, index=column.index)
    return pd.Series(hits[codes], index=column.index)


def _has_word(column: pd.Series, word: str) -> pd.Series:
    """Which values contain ``word`` as a whole word, ignoring case.

    Summaries are nearly all distinct, so a Python regex per value (or per distinct value)
    means a million calls on a million rows; Arrow's vectorised regex (RE2) does it in C++.
    """
    values = pa.array(column, from_pandas=True, type=pa.string())
    found = pc.match_substring_regex(values, rf"\b{re.escape(word)}\b", ignore_case=True)
    return pd.Series(found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool),
                     index=column.index)


def _perpetrator_mask(frame: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    wanted = set(names)
    return _on_uniques(frame["perpetrator"],
                       lambda v: bool(wanted.intersection(split_perpetrators(v))))


def _span(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return ""
    if start is not None and end is not None:
        return date_range(start, end)
    return f"from {day_label(start)}" if start is not None else f"until {day_label(end)}"  # type: ignore[arg-type]


def evaluate(claim: CountInWindow | ShareInProvinces | CountMatching, frame: pd.DataFrame,
             *, view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    """Check a claim on the incidents in view.

    Parameters
    ----------
    claim
        The takeaway's claim.
    frame
        The filtered canonical incidents the panel shows.
    view
        The regions in view. A share across provinces cannot be judged on a view narrowed
        to some provinces, so :data:`NOT_IN_VIEW` is returned there.
    """
    if isinstance(claim, CountInWindow):
        found = _count_in_window(claim, frame, view)
    elif isinstance(claim, ShareInProvinces):
        found = _share_in_provinces(claim, frame, view)
    else:
        found = _count_matching(claim, frame, view)
    if claim.no_verdict and found.verdict != NOT_IN_VIEW:
        return ClaimCheck(found.cited, f"{found.observed} Shown as context: "
                          f"{claim.no_verdict}", CONTEXT, found.figures)
    return found


def _narrowed(view: Sequence[str]) -> list[str]:
    return [r for r in view if r != PAKISTAN]


def _coverage_words(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> str:
    """How much of the published count the sample holds over the months of [start, end]
    that a publisher reports: said beside every "fewer than cited" verdict."""
    if frame.empty:
        return ""
    start = start or frame["date"].min().date()
    end = end or frame["date"].max().date()
    table = coverage.monthly_coverage(frame, coverage.load_reference(), PAKISTAN,
                                      start=start, end=end)
    for publisher in coverage.PUBLISHER_ORDER:
        part = table.loc[table["publisher"] == publisher]
        if len(part) and int(part["published"].sum()) > 0:
            share = int(part["dataset"].sum()) / int(part["published"].sum())
            months = (f"{part['month'].iloc[0]:%B %Y}" if len(part) == 1
                      else f"the {len(part)} months of the period it reports")
            return (f" The sample holds about {share:.0%} of the attacks {publisher} "
                    f"published for {months}, so a shortfall reflects the sample, not the "
                    "claim.")
    return " No published monthly count gives the sample's coverage for this period."


_MEMO: dict[int, tuple[weakref.ref, dict[tuple, ClaimCheck]]] = {}


def check(item: Item, frame: pd.DataFrame, view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    """:func:`evaluate` a takeaway's claim, once per frame object.

    Several panels of one page show the same claims for the same frame; the result is kept
    while that frame object lives (frames are never changed in place), so each claim is
    computed once per page run.
    """
    claim = item.takeaway.claim
    if claim is None:
        raise ValueError(f"takeaway {item.takeaway.id!r} has no claim")
    ident = id(frame)
    entry = _MEMO.get(ident)
    if entry is None or entry[0]() is not frame:
        entry = (weakref.ref(frame, lambda _ref, ident=ident: _MEMO.pop(ident, None)), {})
        _MEMO[ident] = entry
    key = (item.brief.id, item.takeaway.id, len(frame), tuple(view))
    found = entry[1].get(key)
    if found is None:
        found = entry[1][key] = evaluate(claim, frame, view=view)
    return found


def _count_in_window(claim: CountInWindow, frame: pd.DataFrame,
                     view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    days = (claim.end - claim.start).days + 1
    inside = frame.loc[_window_mask(frame, claim.start, claim.end), ["district", "province"]]
    n = len(inside)
    k = int(inside["district"].dropna().nunique())
    p = int(inside["province"].dropna().nunique())
    window = _span(claim.start, claim.end)
    cited = f"The brief cites {claim.cited:,} attacks"
    cited += f" in {claim.hours} hours" if claim.hours else ""
    spread = [x for x in (
        plural(claim.cited_districts, "district") if claim.cited_districts else "",
        plural(claim.cited_provinces, "province") if claim.cited_provinces else "",
    ) if x]
    if claim.window_from:  # the brief gave no dates: say whose they are
        cited += (f"{', across ' + ' in '.join(spread) if spread else ''}, without dates. "
                  f"The window checked, {window}, is from {claim.window_from}.")
    else:
        cited += f" ({window})"
        cited += f", across {' in '.join(spread)}." if spread else "."
    observed = (f"This view holds {plural(n, 'sourced incident')} in that window, across "
                f"{plural(k, 'district')} in {plural(p, 'province')}.")
    if claim.hours and claim.hours < days * 24:
        observed += (f" Dates here are days, so the {claim.hours}-hour window is read as the "
                     f"{days} calendar days {window}.")
    baseline = None
    if not frame.empty:
        total_days = (frame["date"].max() - frame["date"].min()).days + 1
        outside = len(frame) - n
        if total_days >= 4 * days and total_days > days:
            baseline = outside / (total_days - days) * days
            if baseline > 0 and n >= MIN_TO_JUDGE:
                observed += (f" Outside it, the view averages {baseline:.1f} incidents per "
                             f"{days} days, so the window stands out "
                             f"({n / baseline:.0f}× that).")
    if _narrowed(view):
        verdict = NOT_IN_VIEW
        observed += (f" This view is limited to {region_label(_narrowed(view))}; a national "
                     "count is judged on the Pakistan-wide view.")
    elif n < MIN_TO_JUDGE:
        verdict = TOO_THIN
    elif n >= claim.cited:
        verdict = CONSISTENT
    else:
        verdict = FEWER
        observed += _coverage_words(frame, claim.start, claim.end)
    return ClaimCheck(cited, observed, verdict, {
        "incidents": n, "districts": k, "provinces": p, "cited": claim.cited,
        "baseline": None if baseline is None else round(baseline, 3),
    })


def _share_in_provinces(claim: ShareInProvinces, frame: pd.DataFrame,
                        view: Sequence[str]) -> ClaimCheck:
    mask = _window_mask(frame, claim.start, claim.end)
    if claim.perpetrators:
        mask &= _perpetrator_mask(frame, claim.perpetrators)
    base = frame.loc[mask, "province"]
    n = len(base)
    inside = int(base.isin(claim.provinces).sum())
    share = inside / n if n else None
    names = region_label(claim.provinces)
    window = _span(claim.start, claim.end)
    who = f"attributed to {', '.join(claim.perpetrators)}" if claim.perpetrators else ""
    scope = " ".join(x for x in (who, f"on {window}" if window else "") if x)
    cited = f"Checked: {claim.statement}"
    if n:
        observed = (f"In this view, {inside:,} of {plural(n, 'incident')}"
                    f"{' ' + scope if scope else ''} ({share:.0%}) are in {names}; "
                    f"the claim needs at least {claim.threshold:.0%}.")
    else:
        observed = f"This view holds no incidents{' ' + scope if scope else ''}."
    narrowed = [r for r in view if r != PAKISTAN]
    if narrowed:
        verdict = NOT_IN_VIEW
        observed = (f"This view is limited to {region_label(narrowed)}; a share across "
                    "provinces is judged on the Pakistan-wide view.")
    elif n < MIN_TO_JUDGE:
        verdict = TOO_THIN
    elif share is not None and share >= claim.threshold:
        verdict = CONSISTENT
    else:
        verdict = NOT_SHOWN
    return ClaimCheck(cited, observed, verdict, {
        "incidents": n, "inside": inside, "share": None if share is None else round(share, 4),
        "threshold": claim.threshold,
    })


def _count_matching(claim: CountMatching, frame: pd.DataFrame,
                    view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    mask = _window_mask(frame, claim.start, claim.end)
    if claim.provinces:
        mask &= frame["province"].isin(claim.provinces)
    if claim.districts:
        mask &= frame["district"].isin(claim.districts)
    if claim.targets:
        mask &= frame["target"].isin(claim.targets)
    if claim.perpetrators:
        mask &= _perpetrator_mask(frame, claim.perpetrators)
    if claim.word:
        subset = frame.loc[mask, ["summary", "notes"]]
        hit = _has_word(subset["summary"], claim.word) | _has_word(subset["notes"], claim.word)
        mask &= hit.reindex(frame.index, fill_value=False)
    found = frame.loc[mask, "district"]
    n = len(found)
    k = int(found.dropna().nunique())
    cited = f"Checked: {claim.statement}"
    where = f" in {plural(k, 'district')}" if n else ""
    observed = (f"This view holds {plural(n, 'matching sourced incident')}{where}; "
                f"the claim implies at least {claim.minimum:,}.")
    national = not claim.provinces and not claim.districts
    if national and _narrowed(view):
        verdict = NOT_IN_VIEW
        observed += (f" This view is limited to {region_label(_narrowed(view))}; a claim "
                     "about Pakistan as a whole is judged on the Pakistan-wide view.")
    elif n == 0:
        verdict = TOO_THIN
    elif n >= claim.minimum:
        verdict = CONSISTENT
    else:
        verdict = FEWER
        observed += _coverage_words(frame, claim.start, claim.end)
    return ClaimCheck(cited, observed, verdict, {"incidents": n, "districts": k,
                                                "minimum": claim.minimum})
