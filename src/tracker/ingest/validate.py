"""Validating one chunk of an upload: the schema's checks, cell limits, each row's status.

Used by :mod:`tracker.ingest.pipeline` chunk by chunk; nothing here depends on the other
chunks (duplicates are found across the whole file afterwards).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tracker import config, schema
from tracker.ingest.normalise import Findings
from tracker.ingest.report import _empty, _records, _shown


@dataclass
class Part:
    """One chunk's rows settled as far as they can be without the other chunks."""

    status: pd.Series
    rejections: list[dict[str, Any]]
    fuzzy: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    valid: pd.DataFrame
    rejected_source: pd.DataFrame
    outside: list[dict[str, Any]] = field(default_factory=list)
    """The rows counted as outside Pakistan, each with why."""


def settle(all_rows: pd.Index, findings: Findings, outside: pd.Series,
            canonical: pd.DataFrame | None, shown: dict[str, str] | None = None,
            out_of_scope: set[int] | frozenset[int] = frozenset(),
            present: set[str] | frozenset[str] = frozenset()) -> Part:
    """Validate one chunk and settle each row's status but for duplicates.

    Schema problems already explained by the pipeline (the same row and column) are not
    repeated, and a row the format says is out of scope is not also told that the fields
    it could not fill are empty.
    """
    shown = shown or {}
    rejections = findings.frame("rejection")
    if out_of_scope:
        echo = rejections["row"].isin(out_of_scope) & rejections["text"].eq(
            "is required but empty")
        rejections = rejections[~echo]
    status = pd.Series("accepted", index=all_rows, dtype=object)
    status[outside.reindex(all_rows, fill_value=False).to_numpy()] = "outside_pakistan"
    valid = _empty()
    if canonical is not None and len(canonical):
        conformed = schema.conform(canonical, text="str")  # fast pandera checks
        _valid, problems = schema.validate(conformed)
        extra = _schema_problems(problems, rejections, shown, out_of_scope, present)
        if len(extra):
            rejections = pd.concat([rejections, extra], ignore_index=True)
        bad = conformed.index.isin(set(rejections["row"]))
        valid = conformed.loc[~bad]  # a compact copy: frees the chunk's raw text
        valid = with_row_notes(valid, findings.frame("note"))
    rejected_rows = set(rejections["row"]) - set(status.index[status.eq("outside_pakistan")])
    status[status.index.isin(rejected_rows)] = "rejected"
    if canonical is None:
        status[status.eq("accepted")] = "rejected"
    fuzzy = findings.frame("fuzzy").sort_values("row", kind="stable")
    notes = findings.frame("note")
    kept = set(status.index[status.eq("accepted")])
    return Part(
        status=status,
        rejections=_records(rejections.sort_values("row", kind="stable"), "reason"),
        fuzzy=[{"row": int(f.row), "column": f.column, "value": _shown(f.value),
                "matched": f.matched, "score": round(float(f.text), 1)}
               for f in fuzzy.itertuples(index=False)],
        notes=_records(notes[notes["row"].isin(kept)].sort_values("row", kind="stable"),
                       "note"),
        valid=valid, rejected_source=pd.DataFrame(),
    )


def rejected_source(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    rows = part.status.index[part.status.eq("rejected")]
    reasons = pd.DataFrame(part.rejections, columns=["row", "column", "value", "reason"])
    if reasons.empty:
        return pd.DataFrame(columns=["row", *frame.columns, "reasons"])
    text = (reasons["column"].fillna("row") + ": " + reasons["reason"]).groupby(
        reasons["row"].to_numpy()).agg("; ".join)
    out = frame.reindex(rows).astype(object)
    out.insert(0, _free_name("row", out.columns), rows)
    out[_free_name("reasons", out.columns)] = text.reindex(rows).to_numpy()
    return out.reset_index(drop=True)


def _free_name(name: str, taken: pd.Index) -> str:
    while name in taken:
        name = f"{name} (upload)"
    return name


def check_cells(frame: pd.DataFrame, findings: Findings, limits: config.Limits,
                 may_hold_nul: bool = True) -> None:
    """Reject rows with a cell past the length limit or holding a NUL byte."""
    for column in frame.columns:
        text = frame[column]
        too_long = text.str.len().gt(limits.max_cell_chars)
        if too_long.any():
            findings.reject(too_long, str(column), text,
                            f"is longer than {limits.max_cell_chars:,} characters (the limit)")
        if not may_hold_nul:
            continue
        nul = text.str.contains("\x00", regex=False).fillna(False).astype(bool)
        if nul.any():
            findings.reject(nul, str(column), text.str.replace("\x00", "\\0", regex=False),
                            "contains a NUL byte: the file may be damaged or binary")


_SAME_VALUE = {"latitude": ("longitude",), "longitude": ("latitude",)}
"""Columns that hold one value together: a rejected point is not rejected twice."""

_DERIVED_FROM = {
    "date_precision": ("date",),
    "province": ("province", "district", "latitude", "longitude"),
    "geo_precision": ("province", "district", "latitude", "longitude"),
}


def _schema_problems(problems: pd.DataFrame, rejections: pd.DataFrame, shown: dict[str, str],
                     out_of_scope: set[int] | frozenset[int],
                     present: set[str] | frozenset[str]) -> pd.DataFrame:
    """The schema's problems that the pipeline has not already explained, in report shape.

    Dropped: duplicate ids (the duplicate check handles them); a problem on a row and
    column already rejected; "required but empty" on a row the format put out of scope, or
    on a field derived from one already rejected (no date precision for a bad date).
    A required field the file has no column for says so.
    """
    problems = problems[~problems["reason"].eq("the same incident_id appears more than once")]
    if problems.empty:
        return pd.DataFrame(columns=["row", "column", "value", "text", "matched"])
    already = set(zip(rejections["row"], rejections["column"], strict=True))
    keep, reasons, values = [], [], []
    for row, column, value, reason in zip(problems["index"], problems["column"],
                                          problems["value"], problems["reason"], strict=True):
        empty = reason == "is required but empty"
        parents = _DERIVED_FROM.get(column, ())
        siblings = _SAME_VALUE.get(column, ())
        skip = ((row, shown.get(column, column)) in already
                or any((row, shown.get(s, s)) in already for s in siblings)
                or (empty and row in out_of_scope)
                or (empty and any((row, shown.get(p, p)) in already for p in parents)))
        keep.append(not skip)
        if empty and column not in present and column not in _DERIVED_FROM:
            reason = "is required, and the file has no column for it (map one)"
        reasons.append(reason)
        values.append(None if empty else value)
    problems = problems.assign(reason=reasons, value=values)[keep]
    return pd.DataFrame({
        "row": problems["index"].astype("int64").to_numpy(),
        "column": problems["column"].map(lambda c: shown.get(c, c)).to_numpy(),
        "value": problems["value"].to_numpy(), "text": problems["reason"].to_numpy(),
        "matched": None,
    })


def with_row_notes(valid: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """Append the pipeline's notes on a row to its ``notes`` field, so they stay with it."""
    notes = notes[notes["row"].isin(valid.index)]
    if notes.empty:
        return valid
    text = ("upload: " + notes["column"].fillna("row").astype(str) + " "
            + notes["value"].map(lambda v: "" if _shown(v) is None else f"'{_shown(v)}' ")
            + notes["text"].astype(str))
    joined = text.groupby(notes["row"].to_numpy()).agg("; ".join)
    valid = valid.copy()
    current = valid.loc[joined.index, "notes"]
    valid.loc[joined.index, "notes"] = [
        f"{c}; {j}" if isinstance(c, str) and c else j
        for c, j in zip(current, joined, strict=True)
    ]
    return valid
