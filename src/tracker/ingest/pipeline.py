"""The upload pipeline: a researcher's file in, one report out, then one batch committed.

``file -> read -> recognise the format (or apply a column mapping) -> normalise dates,
names, counts -> place (province, district, coordinates) -> validate lazily -> find
duplicates`` gives an :class:`IngestReport`: every row of the file is exactly one of
*accepted*, *rejected* (with every reason), *duplicate* (with its twin) or
*outside_pakistan* (another country in a multi-country export), and
``rows == accepted + rejected + duplicates + outside_pakistan`` always holds — the
pipeline checks it. Nothing is written until :func:`commit`, which writes the accepted
rows (plus any probable duplicates the researcher takes as new) as one batch in one
transaction, with the file's name, sha256 and the mapping used, marked not yet reviewed.

Row numbers are those a spreadsheet shows: the header is row 1 (or the first non-blank
row), the first data row is row 2. Blank rows are skipped, not counted, and mentioned.

Both front doors — the Upload page and ``tracker ingest`` — call :func:`ingest_bytes` and
:func:`commit`, so they report the same thing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from tracker import config, schema
from tracker.ingest import (
    abroad,
    duplicates,
    formats,
    locate,
    mappings,
    places,
    readers,
    value_mapping,
)
from tracker.ingest.formats import Mapped
from tracker.ingest.normalise import (
    VOCABULARIES,
    Distinct,
    Findings,
    ambiguous_note,
    counts,
    dates,
    decide_order,
    match_vocabulary,
    order_evidence,
)
from tracker.store.database import BatchMeta, Store, StoreError

VALUE_SHOWN_CHARS = 200
_FIELDS_IN_FILE = [c for c in schema.COLUMNS if c != "batch_id"]


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

    @property
    def twins(self) -> pd.DataFrame:
        """Each held row beside its twin, for display; built when first asked for (a
        command-line run never needs it)."""
        if self.twin_inputs is None:
            return pd.DataFrame()
        dups, stored = self.twin_inputs
        rows = set(dups["row"]) | set(dups["twin_row"].dropna().astype(int))
        shown = pd.concat([self.incidents.loc[self.incidents.index.isin(rows)], self.held])
        return _twins(dups, self.held, shown, stored)

    @property
    def adds_up(self) -> bool:
        return self.rows == self.accepted + self.rejected + self.duplicates + self.outside_pakistan

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


# --- the pipeline --------------------------------------------------------------------------


def cli_limits() -> config.Limits:
    """Limits for ``tracker ingest``: the web page's, but no size limit and a large row limit.

    Batch work brings big extracts; the pipeline reads them in chunks, so their size costs
    time, not memory. ``TRACKER_CLI_MAX_MB`` and ``TRACKER_CLI_MAX_ROWS`` set limits anyway.
    """
    web = config.limits()
    return config.Limits(
        max_upload_mb=config._int_env("TRACKER_CLI_MAX_MB", 1024 * 1024),
        max_rows=config._int_env("TRACKER_CLI_MAX_ROWS", 100_000_000),
        max_columns=web.max_columns, max_cell_chars=web.max_cell_chars,
    )


Progress = Callable[[str, int], None]
"""Told ``(stage, rows)`` as a run advances: ``read``, ``checked``, ``saved``."""


def ingest_file(path: str | Path, *, store: Store | None = None,
                options: IngestOptions | None = None,
                limits: config.Limits | None = None,
                chunk_rows: int = readers.CHUNK_ROWS,
                progress: Progress | None = None) -> IngestReport:
    """Run the pipeline on a file on disk, reading it in chunks (see :func:`ingest_bytes`)."""
    path = Path(path)
    limits = limits or config.limits()
    size = path.stat().st_size
    if size > limits.max_upload_mb * 1024 * 1024:
        report = IngestReport(path.name, "", size, options=options or IngestOptions())
        report.error = (f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
                        f"{limits.max_upload_mb} MB. Split it into smaller files.")
        return report
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return _ingest(path, path.name, size, digest.hexdigest(), store, options, limits,
                   chunk_rows, progress)


def ingest_bytes(
    data: bytes,
    file_name: str,
    *,
    store: Store | None = None,
    options: IngestOptions | None = None,
    limits: config.Limits | None = None,
    chunk_rows: int = readers.CHUNK_ROWS,
    progress: Progress | None = None,
) -> IngestReport:
    """Read, map, normalise, place, validate and de-duplicate one uploaded file.

    Parameters
    ----------
    data, file_name
        The upload.
    store
        Compared against for duplicates and the same file uploaded before; ``None`` for
        a check of the file alone.
    options
        Format, sheet, column mapping and date order (:class:`IngestOptions`).
    limits
        Upload limits (:func:`tracker.config.limits` by default).
    chunk_rows
        Rows read and checked at a time. The report does not depend on it: only memory
        does.
    progress
        Told how many rows were read and checked so far (:data:`Progress`).

    Returns
    -------
    IngestReport
        Never raises for a bad file: an unreadable one gives a report with ``error``.
    """
    return _ingest(data, file_name, len(data), hashlib.sha256(data).hexdigest(), store,
                   options, limits, chunk_rows, progress)


@dataclass
class _Facts:
    """Decisions that depend on the whole file, made before every row has been seen.

    ``order`` (how to read slash dates under ``auto``) and ``serial`` (the ids are serial
    numbers to replace) start as None and are taken from the first chunk; once every
    chunk is read, the whole file's evidence is checked against them, and the file is
    read again with the whole file's decision when the first chunk misled.
    """

    order: str | None = None
    serial: bool | None = None
    day_first: set[str] = field(default_factory=set)
    month_first: set[str] = field(default_factory=set)
    any_id: bool = False
    all_serial: bool = True
    ambiguous: int = 0
    first_ambiguous: int | None = None

    def final(self, options: IngestOptions) -> tuple[str, bool]:
        order = options.date_order
        if order == "auto":
            order = decide_order(len(self.day_first), len(self.month_first))[0]
        return order, bool(options.mapping) and self.any_id and self.all_serial

    def agree(self, options: IngestOptions) -> bool:
        order, serial = self.final(options)
        return self.order in (None, order) and self.serial in (None, serial)


@dataclass
class _Part:
    """One chunk's rows settled as far as they can be without the other chunks."""

    status: pd.Series
    rejections: list[dict[str, Any]]
    fuzzy: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    valid: pd.DataFrame
    rejected_source: pd.DataFrame


def _ingest(source: bytes | Path, file_name: str, size: int, sha256: str,
            store: Store | None, options: IngestOptions | None,
            limits: config.Limits | None, chunk_rows: int,
            progress: Progress | None) -> IngestReport:
    options = options or IngestOptions()
    limits = limits or config.limits()
    say = progress or (lambda _stage, _rows: None)
    facts = _Facts(order=None if options.date_order == "auto" else options.date_order)
    stream = True
    version = store.version() if store is not None else None
    while True:
        report = IngestReport(file_name=file_name, sha256=sha256, size_bytes=size,
                              options=options)
        try:
            read = readers.read_chunks(source, file_name, sheet=options.sheet, limits=limits,
                                       chunk_rows=max(1, chunk_rows), stream=stream)
            parts, blank, used = _read_parts(report, read, options, limits, facts, say)
        except readers.Fallback:
            stream = False
            continue
        except readers.ReadError as exc:
            report = IngestReport(file_name=file_name, sha256=sha256, size_bytes=size,
                                  options=options)
            report.error = str(exc)
            break
        if used.agree(options):
            _complete(report, read, parts, blank, used, options, store, say)
            break
        order, serial = used.final(options)  # the first chunk misled: read again
        facts = _Facts(order=order, serial=serial)
    if store is not None:
        report.store_version = version
        previous = store.batch_by_hash(report.sha256)
        if previous:
            report.previous_batch = _batch_summary(previous)
    return report


def _read_parts(report: IngestReport, read: readers.ChunkedRead, options: IngestOptions,
                limits: config.Limits, assumed: _Facts,
                say: Callable[[str, int], None]) -> tuple[list[_Part], int, _Facts]:
    """Read and check every chunk; return the parts, blank rows and the evidence seen."""
    facts = _Facts(order=assumed.order, serial=assumed.serial)
    parts: list[_Part] = []
    blank = read_rows = 0
    for chunk in read.chunks:
        read_rows += len(chunk.frame) + len(chunk.row_problems)
        say("read", read_rows)
        parts.append(_run_chunk(report, chunk, options, limits, facts))
        blank += chunk.blank_rows
        say("checked", read_rows)
    return parts, blank, facts


def _run_chunk(report: IngestReport, chunk: readers.Chunk, options: IngestOptions,
               limits: config.Limits, facts: _Facts) -> _Part:
    frame = chunk.frame
    all_rows = pd.Index(sorted(set(frame.index) | set(chunk.row_problems)), dtype="int64")
    findings = Findings()
    for row, reason in chunk.row_problems.items():
        findings.reject(pd.Series([True], index=[row]), None, None, reason)

    module, mapped, problem = _map(frame, options, report)
    if problem:
        findings.reject(pd.Series(True, index=frame.index), None, None, problem)
        part = _settle(all_rows, findings, pd.Series(False, index=all_rows), None)
        part.rejected_source = _rejected_source(frame, part)
        return part
    if module is None or mapped is None:
        raise RuntimeError("a format was chosen but the file was not mapped")
    report.format, report.format_label = module.NAME, module.LABEL
    report.file_notes = list(mapped.caveats)  # the same for every chunk
    shown = {f: mapped.columns.get(f, f) for f in _FIELDS_IN_FILE} if (
        module.NAME == "canonical") else {f: f for f in _FIELDS_IN_FILE}
    report.columns = mapped.columns

    mapped.frame = value_mapping.apply(mapped.frame, options.values)
    outside = pd.Series(False, index=all_rows)
    if mapped.country is not None:
        away = ~formats.is_pakistan(mapped.country)
        outside[away.index[away]] = True
    named = abroad.named_abroad(mapped.frame)  # "Kandahar": outside without coordinates
    outside[named.index[named]] = True
    away = outside.reindex(mapped.frame.index).to_numpy()
    in_scope = mapped.frame.loc[~away] if away.any() else mapped.frame
    _check_cells(frame.loc[in_scope.index] if away.any() else frame, findings, limits,
                 chunk.may_hold_nul)
    out_of_scope: set[int] = set()
    if mapped.rejections is not None:
        reasons = mapped.rejections.loc[in_scope.index]
        reject = reasons.notna()
        column = mapped.reject_columns.loc[in_scope.index] if (
            mapped.reject_columns is not None) else pd.Series("", index=in_scope.index)
        file_columns = formats.Columns(frame)
        for key in pd.unique(column[reject]):
            mask = reject & column.eq(key)
            name = file_columns.name(str(key))
            source = frame.loc[in_scope.index, name] if name is not None else None
            findings.reject(mask, name or str(key), source, reasons)
        out_of_scope = set(reject.index[reject])
    hint = None if mapped.district_hint is None else mapped.district_hint.loc[in_scope.index]
    canonical = _normalise(in_scope, findings, shown, options, facts, hint)
    part = _settle(all_rows, findings, outside, canonical, shown, out_of_scope,
                   set(in_scope.columns))
    part.rejected_source = _rejected_source(frame, part)
    return part


def _settle(all_rows: pd.Index, findings: Findings, outside: pd.Series,
            canonical: pd.DataFrame | None, shown: dict[str, str] | None = None,
            out_of_scope: set[int] | frozenset[int] = frozenset(),
            present: set[str] | frozenset[str] = frozenset()) -> _Part:
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
        valid = _with_row_notes(valid, findings.frame("note"))
    rejected_rows = set(rejections["row"]) - set(status.index[status.eq("outside_pakistan")])
    status[status.index.isin(rejected_rows)] = "rejected"
    if canonical is None:
        status[status.eq("accepted")] = "rejected"
    fuzzy = findings.frame("fuzzy").sort_values("row", kind="stable")
    notes = findings.frame("note")
    kept = set(status.index[status.eq("accepted")])
    return _Part(
        status=status,
        rejections=_records(rejections.sort_values("row", kind="stable"), "reason"),
        fuzzy=[{"row": int(f.row), "column": f.column, "value": _shown(f.value),
                "matched": f.matched, "score": round(float(f.text), 1)}
               for f in fuzzy.itertuples(index=False)],
        notes=_records(notes[notes["row"].isin(kept)].sort_values("row", kind="stable"),
                       "note"),
        valid=valid, rejected_source=pd.DataFrame(),
    )


def _complete(report: IngestReport, read: readers.ChunkedRead, parts: list[_Part],
              blank: int, facts: _Facts, options: IngestOptions, store: Store | None,
              say: Callable[[str, int], None]) -> None:
    """Join the chunks' parts, find duplicates across the whole file and fill the report."""
    report.reader = {"kind": read.kind, "encoding": read.encoding,
                     "delimiter": read.delimiter, "sheet": read.sheet,
                     "sheets": list(read.sheets), "header_row": read.header_row,
                     "blank_rows": blank}
    report.header = read.header
    notes = list(read.notes)
    if blank:
        notes.append(f"{blank} blank row(s) were skipped (not counted).")
    notes += report.file_notes  # the format's caveats
    if report.format is not None:
        order, serial = facts.final(options)
        if options.date_order == "auto":
            note = decide_order(len(facts.day_first), len(facts.month_first))[1]
            notes += [note] if note else []
        if facts.first_ambiguous is not None:
            notes.append(ambiguous_note(facts.ambiguous, facts.first_ambiguous, order))
        if serial:
            notes.append(
                "The incident_id column holds serial numbers (1, 2, 3…), which other files "
                "reuse; each row was given a stable id derived from its content instead.")
    report.file_notes = notes

    status = pd.concat([p.status for p in parts]) if parts else pd.Series(dtype=object)
    report.rejections = [r for p in parts for r in p.rejections]
    report.fuzzy_matches = [f for p in parts for f in p.fuzzy]
    row_notes = [n for p in parts for n in p.notes]
    sources = [p.rejected_source for p in parts if len(p.rejected_source)]
    report.rejected_source = (pd.concat(sources, ignore_index=True) if sources
                              else (parts[0].rejected_source if parts else pd.DataFrame()))
    keys = [p.valid[duplicates.KEY_COLUMNS] for p in parts if len(p.valid)]
    dups = pd.DataFrame(columns=duplicates.RESULT_COLUMNS)
    if keys:
        stored, hidden = (_stored_keys(store) if store is not None
                          else (None, frozenset()))
        dups = duplicates.find(pd.concat(keys), stored, hidden)
        report.twin_inputs = (dups, stored)
        if dups.attrs.get("dense"):
            report.file_notes.append(
                f"{dups.attrs['dense']:,} row(s) fall on days with more than "
                f"{duplicates.MAX_BLOCK} incidents in one district; each was compared only "
                f"with the {duplicates.MAX_BLOCK} most alike there, so a duplicate among "
                "them may be missed.")
    del keys
    held_rows = set(dups["row"])
    kept, held_parts = [], []
    for part in parts:  # split chunk by chunk: the rows never exist three times over
        is_dup = part.valid.index.isin(held_rows)
        if not is_dup.all():
            kept.append(part.valid.loc[~is_dup] if is_dup.any() else part.valid)
        if is_dup.any():
            held_parts.append(part.valid.loc[is_dup])
        part.valid = _empty()
    parts.clear()
    valid = pd.concat(kept) if kept else _empty()
    del kept
    held = pd.concat(held_parts) if held_parts else _empty()
    status[status.index.isin(set(dups["row"])) & status.eq("accepted")] = "duplicate"
    say("checked", len(status))
    report.status = status
    tally = status.value_counts()
    report.rows = len(status)
    report.accepted = int(tally.get("accepted", 0))
    report.rejected = int(tally.get("rejected", 0))
    report.duplicates = int(tally.get("duplicate", 0))
    report.outside_pakistan = int(tally.get("outside_pakistan", 0))
    _check_adds_up(report)
    report.incidents = valid
    report.held = held
    report.duplicate_of = _duplicate_records(dups)
    report.notes = row_notes


def _rejected_source(frame: pd.DataFrame, part: _Part) -> pd.DataFrame:
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


def _map(frame: pd.DataFrame, options: IngestOptions,
         report: IngestReport) -> tuple[formats.Format | None, Mapped | None, str | None]:
    """Choose the format (or mapping) and map the columns; or say why the rows cannot be."""
    from tracker.ingest.formats import canonical

    if options.mapping:
        issues = mappings.problems(options.mapping, [str(c) for c in frame.columns])
        if issues:
            return None, None, "the column mapping cannot be used: " + "; ".join(issues)
        mapped = canonical.to_canonical(frame, options.mapping)
        return canonical, mapped, None
    if options.format != "auto":
        module = formats.by_name(options.format)
        missing = formats.missing_signature(module, frame)
        if missing and module.NAME != "canonical":
            return None, None, (f"the file is not a {module.LABEL}: it lacks the columns "
                                + ", ".join(missing))
    else:
        module = formats.detect(frame)
    if module is None:
        report.needs_mapping = True
        report.suggestions = mappings.suggest(list(frame.columns), frame)
        report.saved_mapping = mappings.load(list(frame.columns))
        return None, None, ("the columns are not a known format: map them to the tracker's "
                            "fields first")
    return module, module.to_canonical(frame), None


def _check_cells(frame: pd.DataFrame, findings: Findings, limits: config.Limits,
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


def _normalise(src: pd.DataFrame, findings: Findings, shown: dict[str, str],
               options: IngestOptions, facts: _Facts,
               district_hint: pd.Series | None = None) -> pd.DataFrame:
    """Turn the mapped text into canonical values, recording every decision."""
    index = src.index

    def text(name: str) -> pd.Series:
        """A mapped column: text (stripped, blank missing, as the formats give it) or numbers."""
        if name not in src:
            return pd.Series(np.nan, index=index, dtype="str")
        col = src[name]
        if col.dtype == "str" or not (pd.api.types.is_string_dtype(col) or col.dtype == object):
            return col
        col = col.astype("str").str.strip()
        return col.mask(col.eq(""))

    out = pd.DataFrame(index=index)
    for name in VOCABULARIES:
        out[name] = _vocabulary(text(name), name, findings, shown[name])

    date_text = text("date")
    day_first, month_first = order_evidence(date_text.dropna().unique())
    facts.day_first |= day_first
    facts.month_first |= month_first
    if facts.order is None:  # the first chunk decides; checked on the whole file later
        facts.order = decide_order(len(day_first), len(month_first))[0]
    parsed = dates(date_text, facts.order)
    if parsed.ambiguous:
        facts.ambiguous += parsed.ambiguous
        if facts.first_ambiguous is None:
            facts.first_ambiguous = parsed.first_ambiguous
    findings.reject(parsed.error.notna(), shown["date"], date_text, parsed.error)
    out["date"] = parsed.values
    given = out["date_precision"]
    coarser = parsed.precision.eq("month") & given.isin(["day", "week"])
    findings.note(coarser, shown["date_precision"], given,
                  "the date gives no day, so date_precision is month")
    precision = given.where(given.notna() & ~coarser, parsed.precision)
    out["date_precision"] = precision.where(precision.notna(), None)

    rows = pd.DataFrame({k: text(k) for k in ("province", "district", "location",
                                              "latitude", "longitude")})
    if district_hint is not None:
        rows["_district_hint"] = district_hint
    rows["geo_precision"] = out["geo_precision"]
    placed = locate.place(rows, findings, shown)
    for name in ("province", "district", "latitude", "longitude", "geo_precision", "location"):
        out[name] = getattr(placed, name)

    out["perpetrator"] = _perpetrators(text("perpetrator"), findings, shown["perpetrator"])
    known = out["perpetrator"].ne(schema.UNKNOWN_PERPETRATOR)
    default_claim = pd.Series(np.where(known, "attributed", "unknown"), index=index)
    out["claimed"] = out["claimed"].where(out["claimed"].notna() | text("claimed").notna(),
                                          default_claim)

    for name in schema.COUNT_COLUMNS:
        raw = text(name)
        parsed_counts = counts(raw)
        out[name] = parsed_counts.values
        findings.reject(parsed_counts.error.notna(), shown[name], raw, parsed_counts.error)
        findings.note(parsed_counts.note.notna(), shown[name], raw, parsed_counts.note)

    for name in ("summary", "notes", "source_url"):
        out[name] = text(name)
    out["source_name"] = _source_names(text("source_name"), out["source_url"], findings,
                                       shown["source_name"])
    ids = text("incident_id")
    given = ids.dropna()
    if len(given):
        facts.any_id = True
        facts.all_serial = facts.all_serial and bool(given.str.fullmatch(r"\d{1,6}").all())
    if facts.serial is None and options.mapping:  # the first chunk decides (checked later)
        facts.serial = facts.any_id and facts.all_serial
    if options.mapping and facts.serial:
        ids = pd.Series(np.nan, index=index, dtype="str")
    out["incident_id"] = _incident_ids(ids, src)
    out["batch_id"] = "pending"
    return out


def _vocabulary(values: pd.Series, name: str, findings: Findings, column: str) -> pd.Series:
    matches = Distinct(values, lambda v: match_vocabulary(v, name))
    value = matches.get_text("value")
    findings.fuzzy(matches.get("kind").eq("fuzzy"), column, values, value, matches.get("score"))
    words = ", ".join(VOCABULARIES[name][0])
    findings.reject(values.notna() & value.isna(), column, values, f"is not one of: {words}")
    return value


def _perpetrators(values: pd.Series, findings: Findings, column: str) -> pd.Series:
    matches = Distinct(values, places.resolve_perpetrator)
    value, kind = matches.get_text("value"), matches.get("kind")
    findings.fuzzy(kind.eq("fuzzy"), column, values, value, matches.get("score"))
    findings.note(values.notna() & kind.eq("none"), column, values,
                  "group not in the alias table; kept as written")
    return value.where(value.notna(), schema.UNKNOWN_PERPETRATOR)


def _source_names(names: pd.Series, urls: pd.Series, findings: Findings,
                  column: str) -> pd.Series:
    out = names.astype(object).where(names.notna(), None)
    missing = names.isna() & urls.notna()
    if not missing.any():
        return out
    hosts = Distinct(urls[missing], _host).get()
    fill = hosts.notna()
    findings.note(fill.reindex(names.index, fill_value=False), column, urls,
                  "empty; the link's site is used as the source name")
    out[fill.index[fill]] = hosts[fill]
    return out


def _host(url: str) -> str | None:
    if schema.http_url(url) is None:
        return None
    try:
        host = urlparse(str(url)).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def _incident_ids(ids: pd.Series, src: pd.DataFrame) -> pd.Series:
    """The file's ids; a row without one gets a stable id derived from its content."""
    missing = ids.isna()
    if not missing.any():
        return ids.astype(object)
    content = src.loc[missing, [c for c in src.columns if not c.startswith("_")]]
    hashed = pd.util.hash_pandas_object(content.astype("str").fillna(""), index=False)
    derived = "U-" + pd.Series([f"{h:016x}" for h in hashed.to_numpy()], index=content.index)
    return ids.astype(object).where(~missing, derived)


def _recheck(report: IngestReport, store: Store) -> None:
    """Find the duplicates again against the store as it is now; update the report."""
    valid = pd.concat([report.incidents, report.held]).sort_index()
    before = report.duplicates
    stored, hidden = _stored_keys(store)
    dups = duplicates.find(valid, stored, hidden)
    is_dup = valid.index.isin(set(dups["row"]))
    report.held = valid.loc[is_dup]
    report.incidents = valid.loc[~is_dup]
    report.twin_inputs = (dups, stored)
    report.duplicate_of = _duplicate_records(dups)
    status = report.status
    status[status.eq("duplicate")] = "accepted"
    status[status.index.isin(set(dups["row"])) & status.eq("accepted")] = "duplicate"
    report.accepted = int(status.eq("accepted").sum())
    report.duplicates = int(status.eq("duplicate").sum())
    report.file_notes.append(
        f"Incidents were saved by someone else since this preview; checked again at save "
        f"time: {report.duplicates:,} probable duplicate(s), {before:,} in the preview.")


def _duplicate_records(dups: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"row": int(d.row), "incident_id": d.incident_id,
         "twin_row": None if pd.isna(d.twin_row) else int(d.twin_row),
         "certain": bool(d.certain), "reason": d.reason}
        for d in dups.itertuples(index=False)
    ]


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


def _with_row_notes(valid: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
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


def _stored_keys(store: Store) -> tuple[pd.DataFrame, frozenset[str]]:
    batches = store.batches()
    hidden = frozenset(batches.loc[batches["withdrawn"].astype(bool), "batch_id"]) if len(
        batches) else frozenset()
    return store.incident_keys(), hidden


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


# --- commit --------------------------------------------------------------------------------


def commit(report: IngestReport, store: Store, user: str,
           accept_rows: Iterable[int] = (), progress: Progress | None = None) -> str:
    """Write the accepted rows (and any probable duplicates taken as new) as one batch.

    Parameters
    ----------
    report
        A report from :func:`ingest_bytes` against the same ``store``.
    store
        Where to write; one transaction (all rows and the audit line, or nothing).
    user
        Who uploads (recorded with the batch and in the audit log).
    accept_rows
        Row numbers of probable duplicates to take as new incidents anyway. Rows whose
        twin has the same incident id cannot be taken (ids are unique).
    progress
        Told ``("saved", rows)`` as rows are written.

    When the store changed since the preview, the duplicate search runs again inside the
    save's transaction, under the store's write lock: rows that now match a stored
    incident are held, the report says so, and the rest is saved. Two files saved at the
    same moment thus end as they would saved one after the other.

    Returns
    -------
    str
        The new batch id (also set on ``report.batch_id``).

    Raises
    ------
    StoreError
        When nothing can be written: a read error, an unmapped file, the same file
        uploaded before, no accepted row, or the store changed so that rows now match
        stored incidents.
    """
    if report.error:
        raise StoreError(report.error)
    if report.needs_mapping:
        raise StoreError("Map the file's columns first: nothing was saved.")
    if report.batch_id:
        raise StoreError(f"This report was already saved as batch {report.batch_id}.")
    if report.previous_batch:
        prev = report.previous_batch
        raise StoreError(
            f"This file was uploaded before (batch {prev['batch_id']}, "
            f"{prev.get('uploaded_at') or 'earlier'}); nothing was saved. "
            + ("Restore that batch instead." if prev.get("withdrawn") else "")
        )
    accept = {int(r) for r in accept_rows}
    takeable = {d["row"] for d in report.duplicate_of if not d["certain"]}
    refused = accept - takeable
    if refused:
        raise StoreError(
            "Only probable duplicates can be taken as new; these rows cannot: "
            + ", ".join(str(r) for r in sorted(refused))
        )
    if report.incidents.empty and not accept:
        raise StoreError("No row was accepted, so there is nothing to save.")

    def batch() -> tuple[pd.DataFrame, BatchMeta]:
        """What to write, decided under the store's write lock (see Store.add_batch)."""
        nonlocal accept
        if report.store_version is not None and store.version() != report.store_version:
            _recheck(report, store)
            still = {d["row"] for d in report.duplicate_of if not d["certain"]}
            accept &= still
            if report.incidents.empty and not accept:
                raise StoreError(
                    "The store changed since the preview and every accepted row now matches "
                    "a stored incident. Nothing was saved.")
        frame = pd.concat([report.incidents, report.held.loc[sorted(accept)]]) if accept else (
            report.incidents)
        counts = {**report.counts(), "accepted": report.accepted + len(accept),
                  "duplicates": report.duplicates - len(accept)}
        meta = BatchMeta(
            file_name=report.file_name[:500], uploaded_by=user,
            sha256=report.sha256 or None, format=report.format or "canonical",
            mapping=report.provenance(), counts=counts, reviewed=False,
        )
        return frame, meta

    batch_id = store.add_batch(report.incidents, BatchMeta(file_name="", uploaded_by=user),
                               check=batch,
                               saved=(lambda n: progress("saved", n)) if progress else None)
    report.batch_id = batch_id
    if accept:
        report.status[report.status.index.isin(accept)] = "accepted"
        report.accepted += len(accept)
        report.duplicates -= len(accept)
    _check_adds_up(report)
    return batch_id


def _check_adds_up(report: IngestReport) -> None:
    """Every row of the file is accepted, rejected, a duplicate or outside Pakistan: a report
    whose counts disagree would hide rows, so it is an error (kept under ``python -O``)."""
    if not report.adds_up:
        raise RuntimeError(f"the ingest counts do not add up: {report.counts()}")


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
