"""Reading an upload chunk by chunk, so that a large file never sits whole in memory.

A plain UTF-8 CSV is streamed by pyarrow's CSV reader; anything else is read whole by
:func:`tracker.ingest.readers.read_upload` and handed over in chunks. The cells and row
numbers are the same either way.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tracker import config
from tracker.ingest.readers import (
    DELIMITER_NAMES,
    ReadError,
    ReadResult,
    _drop_blank_rows,
    _first_records,
    _preamble,
    _tidy_header,
    _too_many_rows,
    read_upload,
    sniff_delimiter,
)
from tracker.ingest.safety import _SNIFF_CHARS, _looks_binary, _utf16_without_bom

CHUNK_ROWS = 50_000
"""Rows handed to the pipeline at a time: bounds the memory a large file needs."""

_STREAM_BLOCK = 1 << 22


class Fallback(Exception):
    """The streamed reading met something pyarrow cannot parse (a ragged row, bytes that
    are not UTF-8): read the file again with the careful whole-file reader."""


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of a file: text cells indexed by row number (see :class:`ReadResult`)."""

    frame: pd.DataFrame
    row_problems: dict[int, str] = field(default_factory=dict)
    blank_rows: int = 0
    may_hold_nul: bool = True


@dataclass
class ChunkedRead:
    """A file opened for reading chunk by chunk: what the reader decided, and the chunks.

    ``chunks`` yields :class:`Chunk` objects in row order; it may raise :class:`ReadError`
    (a limit passed late in the file) or :class:`Fallback`.
    """

    kind: str
    header: list[str]
    chunks: Iterator[Chunk]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int = 1
    notes: tuple[str, ...] = ()
    streamed: bool = False


def read_chunks(source: bytes | Path, file_name: str = "upload.csv", *,
                sheet: str | None = None, limits: config.Limits | None = None,
                chunk_rows: int = CHUNK_ROWS, stream: bool = True) -> ChunkedRead:
    """Open an upload (bytes, or a file on disk) for reading in chunks of ``chunk_rows``.

    A plain UTF-8 CSV (the large files) is streamed with pyarrow's CSV reader, so memory
    does not grow with the file. Anything else — another encoding, title lines above the
    header, unnamed columns, a workbook — is read whole by :func:`read_upload` and handed
    over in chunks. Either way the cells and row numbers are those :func:`read_upload`
    gives; how many rows a chunk holds never changes them.
    """
    limits = limits or config.limits()
    head = _head(source)
    if stream and _streamable(head, file_name):
        opened = _stream_csv(source, head, limits, chunk_rows)
        if opened is not None:
            return opened
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    read = read_upload(data, file_name, sheet=sheet, limits=limits)
    del data
    return ChunkedRead(
        kind=read.kind, header=read.header, chunks=_slices(read, chunk_rows),
        encoding=read.encoding, delimiter=read.delimiter, sheet=read.sheet,
        sheets=read.sheets, header_row=read.header_row, notes=read.notes,
    )


def _head(source: bytes | Path) -> bytes:
    if isinstance(source, bytes):
        return source[:_SNIFF_CHARS + 8]
    with open(source, "rb") as handle:
        return handle.read(_SNIFF_CHARS + 8)


def _streamable(head: bytes, file_name: str) -> bool:
    """Plain UTF-8 (a UTF-8 byte-order mark allowed) text that is not a workbook."""
    if not head.strip() or head[:4] == b"PK\x03\x04" or head[:4] == b"\xd0\xcf\x11\xe0":
        return False
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        return False
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(body):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return not _looks_binary(body)


def _stream_csv(source: bytes | Path, head: bytes, limits: config.Limits,
                chunk_rows: int) -> ChunkedRead | None:
    """Stream a plain UTF-8 CSV; None when the careful reader must see it whole."""
    bom = head.startswith(codecs.BOM_UTF8)
    text = codecs.getincrementaldecoder("utf-8")().decode(head[3:] if bom else head)
    if len(head) > _SNIFF_CHARS and "\n" not in text and "\r" not in text:
        return None  # a header longer than the sample: let the careful reader measure it
    delimiter = sniff_delimiter(text)
    records = _first_records(text, delimiter)
    if not records or _preamble(records):
        return None
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    if not first or not all(cell.strip() for cell in first):
        return None  # no header on the first line, or unnamed columns: read whole
    if len(first) > limits.max_columns:
        raise ReadError(
            f"The header has {len(first):,} columns; the limit is "
            f"{limits.max_columns:,}. Remove unused columns and upload again."
        )
    empty = pd.DataFrame(columns=range(len(first)))
    empty.columns = first
    tidy, notes = _tidy_header(empty)
    if delimiter != ",":
        notes.append(f"Values are separated by {DELIMITER_NAMES[delimiter]}s.")
    return ChunkedRead(
        kind="csv", header=[str(c) for c in tidy.columns],
        chunks=_csv_batches(source, bom, delimiter, len(first), list(tidy.columns), limits,
                            chunk_rows),
        encoding="utf-8-sig" if bom else "utf-8", delimiter=delimiter, notes=tuple(notes),
        streamed=True,
    )


def _csv_batches(source: bytes | Path, bom: bool, delimiter: str, width: int,
                 names: list[str], limits: config.Limits, chunk_rows: int) -> Iterator[Chunk]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    try:
        if bom:
            handle.seek(3)
        try:
            reader = pacsv.open_csv(
                handle,
                read_options=pacsv.ReadOptions(autogenerate_column_names=True,
                                               block_size=_STREAM_BLOCK),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types={f"f{i}": pa.string() for i in range(width)},
                    strings_can_be_null=True, null_values=[""],
                    quoted_strings_can_be_null=True),
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, OSError) as exc:
            raise Fallback(str(exc)) from exc
        pending: list = []
        held = 0
        next_row = 1  # the header is row 1; it is the first record of the first batch
        seen = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, OSError) as exc:
                raise Fallback(str(exc)) from exc
            if batch.num_columns != width:
                raise Fallback("the rows are not all as wide as the header")
            pending.append(batch)
            held += batch.num_rows
            while held >= chunk_rows + (1 if next_row == 1 else 0):
                table = pa.Table.from_batches(pending)
                take = chunk_rows + (1 if next_row == 1 else 0)
                chunk, next_row, seen = _arrow_chunk(table.slice(0, take), next_row, names,
                                                     seen, limits)
                rest = table.slice(take)
                pending, held = rest.to_batches(), rest.num_rows
                yield chunk
        table = (pa.Table.from_batches(pending) if pending else None)
        if table is not None and table.num_rows:
            chunk, next_row, seen = _arrow_chunk(table, next_row, names, seen, limits)
            yield chunk
        elif next_row == 1:
            raise Fallback("no rows")
    finally:
        handle.close()


def _arrow_chunk(table, next_row: int, names: list[str], seen: int,
                 limits: config.Limits) -> tuple[Chunk, int, int]:
    """Rows of an Arrow table as a :class:`Chunk` (skipping the header in the first)."""
    if next_row == 1:
        table = table.slice(1)
        next_row = 2
    seen += table.num_rows
    if seen > limits.max_rows:
        raise _too_many_rows(limits)
    frame = table.to_pandas()
    frame.columns = names
    frame.index = pd.RangeIndex(next_row, next_row + len(frame), name="row")
    frame, blank = _drop_blank_rows(frame)
    return Chunk(frame=frame, blank_rows=blank), next_row + table.num_rows, seen


def _slices(read: ReadResult, chunk_rows: int) -> Iterator[Chunk]:
    """A whole-file read handed over in chunks; each row problem goes with its rows."""
    frame = read.frame
    problems = sorted(read.row_problems.items())
    starts = list(range(0, len(frame), chunk_rows)) or [0]
    for number, start in enumerate(starts):
        part = frame.iloc[start:start + chunk_rows]
        last = number == len(starts) - 1
        upto = None if last else int(frame.index[start + chunk_rows - 1])
        mine = {r: p for r, p in problems if (upto is None or r <= upto)}
        problems = [(r, p) for r, p in problems if r not in mine]
        yield Chunk(frame=part, row_problems=mine,
                    blank_rows=read.blank_rows if number == 0 else 0,
                    may_hold_nul=read.may_hold_nul)
