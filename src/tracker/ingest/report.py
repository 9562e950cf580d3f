"""What the upload pipeline decided about one file, and how it is shown.

:class:`IngestReport` is filled by :mod:`tracker.ingest.pipeline` and saved by
:mod:`tracker.ingest.commit`; pages and the command line only display it
(:func:`report_text`, :func:`report_json`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from tracker import schema

STATUSES = ("accepted", "rejected", "duplicate", "outside_pakistan")
VALUE_SHOWN_CHARS = 200

Progress = Callable[[str, int], None]
"""Told ``(stage, rows)`` as a run advances: ``read``, ``checked``, ``saved``."""



@dataclass(frozen=True)
class IngestOptions:
    """How to read a file.

    Attributes
    ----------
    format
        ``auto`` (recognise by columns), ``canonical``, ``acled``, ``gtd`` or ``ucdp``.
    sheet
        The workbook sheet to read (the first when ``None``).
    mapping
        file column → canonical field, for a file in no known format.
    date_order
        ``auto`` (day first unless the file shows month first), ``day-first``,
        ``month-first``.
    values
        field → {value as written: word on the list}, the researcher's value mapping
        (:mod:`tracker.ingest.value_mapping`).
    """

    format: str = "auto"
    sheet: str | None = None
    mapping: dict[str, str] | None = None
    date_order: str = "auto"
    values: dict[str, dict[str, str]] | None = None


@dataclass
class IngestReport:
    """Everything the pipeline decided about one file; pages and the CLI only display it."""

    file_name: str
    sha256: str
    size_bytes: int
    format: str | None = None
    format_label: str | None = None
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    outside_pakistan: int = 0
    batch_id: str | None = None
    rejections: list[dict[str, Any]] = field(default_factory=list)
    duplicate_of: list[dict[str, Any]] = field(default_factory=list)
    fuzzy_matches: list[dict[str, Any]] = field(default_factory=list)
    outside_rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    file_notes: list[str] = field(default_factory=list)
    error: str | None = None
    needs_mapping: bool = False
    header: list[str] = field(default_factory=list)
    suggestions: dict[str, str | None] = field(default_factory=dict)
    saved_mapping: dict[str, str] | None = None
    columns: dict[str, str] = field(default_factory=dict)
    options: IngestOptions = field(default_factory=IngestOptions)
    reader: dict[str, Any] = field(default_factory=dict)
    previous_batch: dict[str, Any] | None = None
    store_version: int | None = None
    status: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    incidents: pd.DataFrame = field(default_factory=lambda: _empty())
    held: pd.DataFrame = field(default_factory=lambda: _empty())
    twin_inputs: tuple[pd.DataFrame, pd.DataFrame | None] | None = field(default=None,
                                                                        repr=False)
    rejected_source: pd.DataFrame = field(default_factory=pd.DataFrame)
    staged: Any = field(default=None, repr=False)
    """A big file's accepted rows on disk (:class:`tracker.ingest.staging.Staged`), saved
    with ``incidents``; None when every accepted row is in ``incidents``."""

    @property
    def twins(self) -> pd.DataFrame:
        """Each held row beside its twin, for display; built when first asked for (a
        command-line run never needs it)."""
        if self.twin_inputs is None:
            return pd.DataFrame()
        dups, stored = self.twin_inputs
        rows = set(dups["row"]) | set(dups["twin_row"].dropna().astype(int))
        shown = pd.concat([self.accepted_rows(rows), self.held])
        return _twins(dups, self.held, shown, stored)

    def accepted_rows(self, rows: set[int] | None = None) -> pd.DataFrame:
        """The accepted rows (only ``rows`` of them when given), staged or not."""
        mine = self.incidents if rows is None else self.incidents.loc[
            self.incidents.index.isin(rows)]
        if self.staged is None:
            return mine
        frames = [*self.staged.frames(rows), *([mine] if len(mine) else [])]
        if not frames:
            return mine
        return pd.concat(frames).sort_index() if len(frames) > 1 else frames[0]

    @property
    def adds_up(self) -> bool:
        return self.rows == self.accepted + self.rejected + self.duplicates + self.outside_pakistan

    def check_adds_up(self) -> None:
        """Every row is accepted, rejected, a duplicate or outside Pakistan: a report whose
        counts disagree would hide rows, so it is an error (kept under ``python -O``)."""
        if not self.adds_up:
            raise RuntimeError(f"the ingest counts do not add up: {self.counts()}")

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "accepted": self.accepted, "rejected": self.rejected,
                "duplicates": self.duplicates, "outside_pakistan": self.outside_pakistan}

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data (the ``--json`` output)."""
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "format": self.format,
            **self.counts(),
            "batch_id": self.batch_id,
            "error": self.error,
            "needs_mapping": self.needs_mapping,
            "previous_batch": self.previous_batch,
            "rejections": self.rejections,
            "duplicate_of": self.duplicate_of,
            "fuzzy_matches": self.fuzzy_matches,
            "outside_pakistan_rows": self.outside_rows,
            "notes": self.notes,
            "file_notes": self.file_notes,
            "suggested_mapping": self.suggestions if self.needs_mapping else None,
        }

    def rejected_rows(self) -> pd.DataFrame:
        """One line per reason, for display."""
        return pd.DataFrame(self.rejections, columns=["row", "column", "value", "reason"])

    def rejected_file_rows(self) -> pd.DataFrame:
        """The rejected rows as they were in the file, with their reasons in one column:
        what a researcher downloads, fixes and uploads again."""
        return self.rejected_source

    def provenance(self) -> dict[str, Any]:
        """What a batch records about how it was read and mapped."""
        return {
            "format": self.format,
            "columns": self.columns,
            "file_mapping": self.options.mapping,
            "value_mapping": self.options.values,
            "date_order": self.options.date_order,
            "reader": self.reader,
            "caveats": self.file_notes,
        }


@cache
def _empty_canonical() -> pd.DataFrame:
    return schema.empty_frame()


def _empty() -> pd.DataFrame:
    return _empty_canonical().copy()


def _duplicate_records(dups: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"row": int(d.row), "incident_id": d.incident_id,
         "twin_row": None if pd.isna(d.twin_row) else int(d.twin_row),
         "certain": bool(d.certain), "reason": d.reason}
        for d in dups.itertuples(index=False)
    ]


def _records(frame: pd.DataFrame, label: str) -> list[dict[str, Any]]:
    return [
        {"row": int(r.row), "column": None if pd.isna(r.column) else str(r.column),
         "value": _shown(r.value), label: str(r.text)}
        for r in frame.itertuples(index=False)
    ]


def _shown(value: object) -> str | None:
    """A cell value for the report: text, shortened when very long."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value)
    if len(text) > VALUE_SHOWN_CHARS:
        return text[:VALUE_SHOWN_CHARS] + f"… ({len(text):,} characters)"
    return text



def _twins(dups: pd.DataFrame, held: pd.DataFrame, conformed: pd.DataFrame,
           stored: pd.DataFrame | None) -> pd.DataFrame:
    """Each held row beside its twin (from the file or the store), for display."""
    cols = ["date", "district", "attack_type", "target", "killed", "injured", "source_url"]
    if dups.empty:
        return pd.DataFrame()
    mine = conformed.reindex(dups["row"].to_numpy())[cols].reset_index(drop=True)
    in_file = dups["twin_row"].notna().to_numpy()
    from_file = conformed.reindex(dups["twin_row"].fillna(-1).astype(int).to_numpy())[cols]
    keys = (stored.drop_duplicates("incident_id").set_index("incident_id")
            if stored is not None and len(stored) else pd.DataFrame(columns=cols))
    from_store = keys.reindex(columns=cols).reindex(dups["incident_id"].to_numpy())
    twin = from_store.reset_index(drop=True).astype(object)
    twin[in_file] = from_file.reset_index(drop=True).astype(object)[in_file]
    out = pd.DataFrame({
        "row": dups["row"].astype(int).to_numpy(),
        "twin": dups["incident_id"].to_numpy(),
        "twin is": np.where(in_file, "row " + dups["twin_row"].astype(str) + " of this file",
                            "stored"),
        "certain": dups["certain"].astype(bool).to_numpy(),
    })
    for c in ("killed", "injured"):
        mine[c] = pd.to_numeric(mine[c], errors="coerce").round().astype("Int64")
        twin[c] = pd.to_numeric(twin[c], errors="coerce").round().astype("Int64")
    for c in cols:
        out[c] = _display(mine[c])
        out[f"twin {c}"] = _display(twin[c])
    out["why"] = dups["reason"].to_numpy()
    return out


def _display(values: pd.Series) -> pd.Series:
    """Values as short text for a side-by-side table (dates as YYYY-MM-DD)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), None)
    out = values.astype(object).map(_shown)
    dates = out.str.match(r"^\d{4}-\d{2}-\d{2} 00:00:00$", na=False)
    return out.where(~dates, out.str.slice(0, 10))


def _batch_summary(batch: dict[str, Any]) -> dict[str, Any]:
    when = batch.get("uploaded_at")
    return {"batch_id": batch["batch_id"], "file_name": batch.get("file_name"),
            "uploaded_by": batch.get("uploaded_by"),
            "uploaded_at": when.isoformat() if hasattr(when, "isoformat") else when,
            "withdrawn": bool(batch.get("withdrawn"))}


def report_json(report: IngestReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)


def report_text(report: IngestReport, limit: int = 30) -> str:
    """The report as plain lines for a terminal (control characters in data made visible)."""
    lines: list[str] = []
    reader = ", ".join(str(v) for v in (report.format, report.reader.get("encoding"),
                                        report.reader.get("sheet")) if v)
    lines.append(f"{_plain(report.file_name)} ({reader or 'not read'}): {report.rows:,} rows = "
                 f"{report.accepted:,} accepted + {report.rejected:,} rejected + "
                 f"{report.duplicates:,} duplicates + {report.outside_pakistan:,} outside "
                 "Pakistan")
    if report.error:
        lines.append(f"Not read: {_plain(report.error)}")
    if report.previous_batch:
        prev = report.previous_batch
        state = "withdrawn" if prev["withdrawn"] else "live"
        lines.append(f"This file was uploaded before: batch {prev['batch_id']} "
                     f"({prev.get('uploaded_at')}, {state}).")
    if report.needs_mapping:
        lines.append("The columns are not a known format. Suggested mapping (give a JSON file "
                     "with --mapping):")
        lines.append(json.dumps({k: v for k, v in report.suggestions.items() if v},
                                ensure_ascii=False, indent=2))
    sections = [
        ("Rejected", report.rejections,
         lambda r: f"{_where(r)}: {r['reason']}"),
        ("Probable duplicates", report.duplicate_of,
         lambda d: f"row {d['row']} = {d['incident_id']}"
                   + (f" (row {d['twin_row']})" if d["twin_row"] else " (stored)")
                   + f": {d['reason']}"),
        ("Outside Pakistan", report.outside_rows, lambda o: f"row {o['row']}: {o['reason']}"),
        ("Fuzzy matches", report.fuzzy_matches,
         lambda f: f"{_where(f)} -> {f['matched']} ({f['score']})"),
        ("Notes", report.notes, lambda n: f"{_where(n)}: {n['note']}"),
    ]
    for title, items, render in sections:
        if not items:
            continue
        lines.append(f"{title} ({len(items):,}):")
        lines += ["  " + _plain(render(item)) for item in items[:limit]]
        if len(items) > limit:
            lines.append(f"  ... {len(items) - limit:,} more (use --json for all)")
    if report.file_notes:
        lines.append("About the file:")
        lines += ["  " + _plain(n) for n in report.file_notes]
    if report.batch_id:
        lines.append(f"Saved as batch {report.batch_id} (not yet reviewed).")
    return "\n".join(lines)


def _where(item: dict[str, Any]) -> str:
    """'row 5, date '2025-02-30'' — the row, then the column and value when there are."""
    text = f"row {item['row']}"
    if item.get("column"):
        text += f", {item['column']}"
    if item.get("value") is not None:
        text += f" {str(item['value'])!r}"
    return text


def _plain(text: str) -> str:
    """Text safe to print on a terminal: control characters shown, not obeyed."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in str(text))
