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

Both front doors — the Upload page and ``tracker ingest`` — call :func:`ingest_bytes` (or
:func:`ingest_file`) and :func:`commit`, so they report the same thing. The report is in
:mod:`tracker.ingest.report`, each chunk's checks in :mod:`tracker.ingest.validate`, the
save in :mod:`tracker.ingest.commit`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from tracker import config, schema
from tracker.ingest import (
    abroad,
    chunks,
    duplicates,
    formats,
    locate,
    mappings,
    places,
    readers,
    staging,
    validate,
    value_mapping,
)
from tracker.ingest.commit import _stored_keys, commit
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
from tracker.ingest.report import (
    STATUSES,
    VALUE_SHOWN_CHARS,
    IngestOptions,
    IngestReport,
    Progress,
    _batch_summary,
    _duplicate_records,
    _empty,
    report_json,
    report_text,
)
from tracker.store.database import Store

__all__ = ["STATUSES", "VALUE_SHOWN_CHARS", "IngestOptions", "IngestReport", "Progress",
           "cli_limits", "commit", "ingest_bytes", "ingest_file", "report_json",
           "report_text"]

_FIELDS_IN_FILE = [c for c in schema.COLUMNS if c != "batch_id"]

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


def ingest_file(path: str | Path, *, store: Store | None = None,
                options: IngestOptions | None = None,
                limits: config.Limits | None = None,
                chunk_rows: int = chunks.CHUNK_ROWS,
                progress: Progress | None = None,
                stage: bool | None = None) -> IngestReport:
    """Run the pipeline on a file on disk, reading it in chunks (see :func:`ingest_bytes`).

    ``stage`` keeps the accepted rows on disk until the save (:mod:`tracker.ingest.staging`;
    by default for files over :data:`~tracker.ingest.staging.STAGE_BYTES`): the report
    and the saved batch are the same, only the memory differs.
    """
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
    stage = size > staging.STAGE_BYTES if stage is None else stage
    staging.remove_stale()  # folders of killed runs (a kill leaves its folder behind)
    return _ingest(path, path.name, size, digest.hexdigest(), store, options, limits,
                   chunk_rows, progress, stage)


def ingest_bytes(
    data: bytes,
    file_name: str,
    *,
    store: Store | None = None,
    options: IngestOptions | None = None,
    limits: config.Limits | None = None,
    chunk_rows: int = chunks.CHUNK_ROWS,
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
                   options, limits, chunk_rows, progress, False)


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


def _ingest(source: bytes | Path, file_name: str, size: int, sha256: str,
            store: Store | None, options: IngestOptions | None,
            limits: config.Limits | None, chunk_rows: int,
            progress: Progress | None, stage: bool) -> IngestReport:
    options = options or IngestOptions()
    limits = limits or config.limits()
    say = progress or (lambda _stage, _rows: None)
    facts = _Facts(order=None if options.date_order == "auto" else options.date_order)
    stream = True
    version = store.version() if store is not None else None
    while True:
        report = IngestReport(file_name=file_name, sha256=sha256, size_bytes=size,
                              options=options, staged=staging.Staged() if stage else None)
        try:
            read = chunks.read_chunks(source, file_name, sheet=options.sheet, limits=limits,
                                       chunk_rows=max(1, chunk_rows), stream=stream)
            parts, blank, used = _read_parts(report, read, options, limits, facts, say)
        except chunks.Fallback:
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


def _read_parts(report: IngestReport, read: chunks.ChunkedRead, options: IngestOptions,
                limits: config.Limits, assumed: _Facts,
                say: Callable[[str, int], None]) -> tuple[list[validate.Part], int, _Facts]:
    """Read and check every chunk; return the parts, blank rows and the evidence seen."""
    facts = _Facts(order=assumed.order, serial=assumed.serial)
    parts: list[validate.Part] = []
    blank = read_rows = 0
    for chunk in read.chunks:
        read_rows += len(chunk.frame) + len(chunk.row_problems)
        chunk_blank = chunk.blank_rows
        say("read", read_rows)
        part = _run_chunk(report, chunk, options, limits, facts)
        if report.staged is not None:  # to disk; only what the duplicate search needs stays
            report.staged.add(part.valid)
            part.valid = part.valid[duplicates.KEY_COLUMNS]
        parts.append(part)
        del chunk, part
        blank += chunk_blank
        say("checked", read_rows)
    return parts, blank, facts


def _run_chunk(report: IngestReport, chunk: chunks.Chunk, options: IngestOptions,
               limits: config.Limits, facts: _Facts) -> validate.Part:
    frame = chunk.frame
    all_rows = pd.Index(sorted(set(frame.index) | set(chunk.row_problems)), dtype="int64")
    findings = Findings()
    for row, reason in chunk.row_problems.items():
        findings.reject(pd.Series([True], index=[row]), None, None, reason)

    module, mapped, problem = _map(frame, options, report)
    if problem:
        findings.reject(pd.Series(True, index=frame.index), None, None, problem)
        part = validate.settle(all_rows, findings, pd.Series(False, index=all_rows), None)
        part.rejected_source = validate.rejected_source(frame, part)
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
    why_outside: dict[int, str] = {}
    if mapped.country is not None:
        away = ~formats.is_pakistan(mapped.country)
        outside[away.index[away]] = True
        why_outside.update((int(row), f"the country is {str(country).strip()[:80]}")
                           for row, country in mapped.country[away].items())
    named = abroad.named_abroad(mapped.frame)  # "Kandahar": outside without coordinates
    outside[named.index[named]] = True
    if named.any():
        for row, place in abroad.places_named(mapped.frame, named).items():
            why_outside.setdefault(int(row), f"it names {place}, across the border, and "
                                             "has no coordinates")
    away = outside.reindex(mapped.frame.index).to_numpy()
    in_scope = mapped.frame.loc[~away] if away.any() else mapped.frame
    validate.check_cells(frame.loc[in_scope.index] if away.any() else frame, findings, limits,
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
    part = validate.settle(all_rows, findings, outside, canonical, shown, out_of_scope,
                   set(in_scope.columns))
    part.rejected_source = validate.rejected_source(frame, part)
    part.outside = [{"row": row, "reason": why_outside[row]} for row in sorted(why_outside)]
    return part


def _complete(report: IngestReport, read: chunks.ChunkedRead, parts: list[validate.Part],
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
    report.outside_rows = [o for p in parts for o in p.outside]
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
    if report.staged is not None:
        parts.clear()
        held_parts = list(report.staged.frames(held_rows))
        report.held = pd.concat(held_parts) if held_parts else _empty()
        report.staged.drop = frozenset(held_rows)
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
    report.check_adds_up()
    report.incidents = valid
    if report.staged is None:
        report.held = held
    report.duplicate_of = _duplicate_records(dups)
    report.notes = row_notes


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
