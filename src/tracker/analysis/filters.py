"""The filter spec: one object for everything that narrows the view, and its URL form.

A :class:`FilterSpec` round-trips through query parameters (``to_query`` /
``from_query``), so a copied link opens the same view. Parameters from a URL are
untrusted: unknown names and malformed values are dropped and reported as notices,
never raised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from tracker import schema
from tracker.analysis import asof, coded
from tracker.analysis.aggregates import data_span
from tracker.present.text import clip, last_value, split_perpetrator_column

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
"""Dates a link may ask for; outside them a date is refused with a notice (and pandas'
timestamps, which end in 1677 and 2262, never overflow)."""
SURGE_START = dt.date(2025, 3, 15)
SURGE_END = dt.date(2025, 3, 17)
"""The mid-March 2025 window of a press tally of 57 attacks in 48 hours (the brief cites
"over 57 attacks in 48 hours" but gives no dates)."""

MAX_TEXT = 200
MAX_LIST = 200


@dataclass(frozen=True)
class FilterSpec:
    """What the user asked to see. Empty tuples mean "all"."""

    start: dt.date | None = None
    end: dt.date | None = None
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    attack_types: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    perpetrators: tuple[str, ...] = ()
    min_casualties: int = 0
    text: str = ""
    as_of: dt.datetime | None = None
    """The data as it stood at this moment (naive UTC; None: live). The store applies it
    when loading (see :mod:`tracker.analysis.asof`); :meth:`apply` does not."""

    # --- applying ----------------------------------------------------------------------

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of a canonical frame that match, vectorised.

        On the big shared table (see :mod:`tracker.analysis.coded`) the mask is computed on integer
        codes; the rows returned are the same.
        """
        if (fast := coded.apply(self, frame)) is not None:
            return fast
        mask = pd.Series(True, index=frame.index)
        if self.start is not None:
            mask &= frame["date"] >= pd.Timestamp(self.start)
        if self.end is not None:
            mask &= frame["date"] < pd.Timestamp(self.end) + pd.Timedelta(days=1)
        for column, values in (
            ("province", self.provinces),
            ("district", self.districts),
            ("attack_type", self.attack_types),
            ("target", self.targets),
        ):
            if values:
                mask &= frame[column].isin(values)
        if self.perpetrators:
            parts = split_perpetrator_column(frame["perpetrator"])
            wanted = set(self.perpetrators)
            mask &= parts.map(lambda names: bool(wanted.intersection(names)))
        if self.min_casualties > 0:
            casualties = frame["killed"].fillna(0) + frame["injured"].fillna(0)
            mask &= casualties >= self.min_casualties
        if self.text.strip():
            needle = self.text.strip().lower()
            hay = (
                frame["summary"].fillna("")
                + " "
                + frame["location"].fillna("")
                + " "
                + frame["district"].fillna("")
            ).str.lower()
            mask &= hay.str.contains(needle, regex=False)
        return frame.loc[mask]

    # --- describing --------------------------------------------------------------------

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions in view, for takeaways: the chosen provinces, or Pakistan."""
        return self.provinces or ("Pakistan",)

    def period_label(self, frame: pd.DataFrame | None = None) -> str:
        """'1 Jan 2025 – 31 Mar 2025', falling back to the data's own span."""
        start, end = self.start, self.end
        if frame is not None and not frame.empty:
            start = start or frame["date"].min().date()
            end = end or frame["date"].max().date()
        if start is None or end is None:
            return "all dates"
        return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"

    def previous_period(self) -> FilterSpec | None:
        """The same filter over the period before this one (see :func:`previous_span`)."""
        if self.start is None or self.end is None:
            return None
        start, end = previous_span(self.start, self.end)
        if start < EARLIEST:  # no earlier period inside the date range
            return None
        return dataclasses.replace(self, start=start, end=end)

    def with_dates(self, start: dt.date | None, end: dt.date | None) -> FilterSpec:
        return dataclasses.replace(self, start=start, end=end)

    # --- URL round trip ---------------------------------------------------------------

    def to_query(self) -> dict[str, str | list[str]]:
        """Query parameters for this spec; defaults are left out so links stay short."""
        out: dict[str, str | list[str]] = {}
        if self.start:
            out["start"] = self.start.isoformat()
        if self.end:
            out["end"] = self.end.isoformat()
        for name in ("provinces", "districts", "attack_types", "targets", "perpetrators"):
            values = getattr(self, name)
            if values:
                out[_PARAM[name]] = list(values)
        if self.min_casualties:
            out["min_cas"] = str(self.min_casualties)
        if self.text:
            out["q"] = self.text
        if self.as_of is not None:
            out[asof.PARAM] = asof.to_param(self.as_of)
        return out

    @classmethod
    def from_query(
        cls,
        params: Mapping[str, str | Sequence[str]],
        *,
        known_districts: Sequence[str] = (),
        known_perpetrators: Sequence[str] = (),
        ignore: Sequence[str] = (),
        now: dt.datetime | None = None,
        batch_moments: Mapping[str, dt.datetime] | None = None,
    ) -> tuple[FilterSpec, list[str]]:
        """Build a spec from query parameters; return it with notices for what was ignored.

        Province values may be names or ISO codes (``PK-BA``). Values outside the fixed
        lists, unknown districts or groups, bad dates and unknown parameter names are
        dropped, each with a notice. ``ignore`` names parameters that belong to other
        parts of the page (e.g. ``present``) and are neither used nor reported.
        ``as_of`` must be a past moment (``now``: the present) or a batch id of
        ``batch_moments``; otherwise the view is live and a notice says so.
        """
        notices: list[str] = []
        kwargs: dict[str, object] = {}
        for key in params:
            if key not in _ALL_PARAMS and key not in ignore:
                notices.append(f"Ignored unknown link parameter '{clip(key)}'.")
        for key in ("start", "end"):
            raw = last_value(params.get(key))
            if raw is None:
                continue
            try:
                day = dt.date.fromisoformat(raw.strip())
            except ValueError:
                notices.append(f"Ignored '{key}={clip(raw)}': not a date (use YYYY-MM-DD).")
                continue
            if not EARLIEST <= day <= LATEST:
                notices.append(f"Ignored '{key}={clip(raw)}': dates run from "
                               f"{EARLIEST.year} to {LATEST.year}.")
                continue
            kwargs[key] = day
        if "start" in kwargs and "end" in kwargs and kwargs["start"] > kwargs["end"]:  # type: ignore[operator]
            notices.append("Ignored the dates in the link: the start is after the end.")
            kwargs.pop("start")
            kwargs.pop("end")
        allowed: dict[str, Sequence[str]] = {
            "provinces": tuple(schema.PROVINCES),
            "districts": known_districts,
            "attack_types": schema.ATTACK_TYPES,
            "targets": schema.TARGETS,
            "perpetrators": known_perpetrators,
        }
        for name, param in _PARAM.items():
            raw_values = _list(params.get(param))
            if not raw_values:
                continue
            good = []
            for value in raw_values[:MAX_LIST]:
                if name == "provinces" and value.strip().upper() in schema.PROVINCE_BY_CODE:
                    value = schema.PROVINCE_BY_CODE[value.strip().upper()]
                if value in allowed[name]:
                    good.append(value)
                else:
                    notices.append(f"Ignored unknown {_LABEL[name]} '{clip(value)}'.")
            if good:
                kwargs[name] = tuple(dict.fromkeys(good))
        raw = last_value(params.get("min_cas"))
        if raw is not None:
            try:
                value = int(raw)
                if value < 0 or value > 100_000:
                    raise ValueError
                kwargs["min_casualties"] = value
            except ValueError:
                notices.append(f"Ignored 'min_cas={clip(raw)}': not a whole number ≥ 0.")
        raw = last_value(params.get("q"))
        if raw is not None:
            text = "".join(ch for ch in raw if ch.isprintable())[:MAX_TEXT]
            if text != raw:
                notices.append("Shortened the search text from the link.")
            kwargs["text"] = text
        raw = last_value(params.get(asof.PARAM))
        if raw is not None and asof.PARAM not in ignore:
            moment, notice = asof.parse(raw, at=now, batch_moments=batch_moments)
            if notice:
                notices.append(notice)
            kwargs["as_of"] = moment
        return cls(**kwargs), notices  # type: ignore[arg-type]


_PARAM = {
    "provinces": "province",
    "districts": "district",
    "attack_types": "type",
    "targets": "target",
    "perpetrators": "perp",
}
_LABEL = {
    "provinces": "province",
    "districts": "district",
    "attack_types": "attack type",
    "targets": "target",
    "perpetrators": "perpetrator",
}
_ALL_PARAMS = {"start", "end", "min_cas", "q", asof.PARAM, *_PARAM.values()}


def _list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def date_presets(frame: pd.DataFrame) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Named date ranges for the sidebar: recent windows of the data, the surge, each year."""
    presets: dict[str, tuple[dt.date | None, dt.date | None]] = {"Everything": (None, None)}
    span = data_span(frame)
    if span is None:
        return presets
    last = span[1]
    for days in (7, 30, 90):
        presets[f"Last {days} days of the data"] = (last - dt.timedelta(days=days - 1), last)
    presets["March 2025 surge (15–17 Mar)"] = (SURGE_START, SURGE_END)
    for year in range(span[0].year, span[1].year + 1):
        presets[str(year)] = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    return presets


def option_values(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The choices the data offers for each list filter."""
    perps = split_perpetrator_column(frame["perpetrator"].dropna()).explode().dropna()
    return {
        "provinces": ([p for p in schema.PROVINCES if p in set(frame["province"])]
                      or list(schema.PROVINCES)),
        "districts": sorted(frame["district"].dropna().unique().tolist()),
        "attack_types": list(schema.ATTACK_TYPES),
        "targets": list(schema.TARGETS),
        "perpetrators": sorted(perps.unique().tolist()),
    }


FIELDS = tuple(f.name for f in dataclasses.fields(FilterSpec))


def choice_from_query(param: str, raw: str | Sequence[str] | None, allowed: Sequence[str],
                      default: str) -> tuple[str, str | None]:
    """A page's own view setting (measure, colour, frequency…) read from a link.

    Returns the value and a notice when the link's value was not one of ``allowed`` (the
    default is used then). Like the filter, a bad value is never raised.

    Examples
    --------
    >>> choice_from_query("freq", "week", ["day", "week"], "day")
    ('week', None)
    >>> choice_from_query("freq", "fortnight", ["day", "week"], "day")[0]
    'day'
    """
    value = last_value(raw)
    if value is None:
        return default, None
    if value in allowed:
        return value, None
    return default, (f"Ignored '{param}={clip(value)}' from the link: expected one of "
                     f"{', '.join(allowed)}.")


def calendar_unit(start: dt.date, end: dt.date) -> str | None:
    """'year', 'quarter' or 'month' when [start, end] is exactly one such calendar period."""
    if start.day != 1 or (end + dt.timedelta(days=1)).day != 1:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 12 and start.month == 1:
        return "year"
    if months == 3 and start.month in (1, 4, 7, 10):
        return "quarter"
    return "month" if months == 1 else None


def previous_span(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period to compare [start, end] with: the previous calendar year, quarter or
    month when it is one; otherwise the days of equal length just before it."""
    unit = calendar_unit(start, end)
    if unit is not None:
        months = {"year": 12, "quarter": 3, "month": 1}[unit]
        first = (pd.Timestamp(start) - pd.DateOffset(months=months)).date()
        return first, start - dt.timedelta(days=1)
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)
