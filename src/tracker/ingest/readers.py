"""Reading an uploaded file into a frame of text cells, whatever its encoding or shape.

A researcher's file arrives as bytes: CSV in UTF-8 (with or without a byte-order mark),
UTF-16, Windows-1252 or Latin-1, separated by commas, semicolons, tabs or pipes; or an
Excel ``.xlsx`` workbook. :func:`read_upload` turns it into a :class:`ReadResult` whose
frame holds every cell as text (missing when blank) under the file's own column names,
indexed by the row number a spreadsheet shows for that row: the header is row 1 (or the
first non-blank row), the first data row is the next one. Nothing is interpreted here —
dates, numbers and names are the pipeline's job — so a cell is never changed on the way in.

Excel is parsed defensively: ``openpyxl`` in read-only mode with ``defusedxml`` installed
(so XML entity tricks are refused), formulas never evaluated (cached values only), and the
zip container checked before parsing so that a small file cannot unpack into gigabytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from tracker import config
from tracker.ingest.safety import (
    _SNIFF_CHARS,
    ReadError,
    _check_zip,
    decode_text,
)

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class ReadResult:
    """A file read into text cells.

    Attributes
    ----------
    frame
        One column per header cell (names as in the file, made unique), pandas ``str``
        dtype, blank cells missing; the index is the row number a spreadsheet shows.
    kind
        ``"csv"`` or ``"xlsx"``.
    encoding, delimiter
        How a CSV was decoded and split (``None`` for Excel).
    sheet, sheets
        The Excel sheet read and all sheet names (empty for CSV).
    row_problems
        Row number → why the row could not be read as cells (e.g. more cells than the
        header); the pipeline rejects these rows with that reason.
    blank_rows
        Rows with no value in any cell: not incidents, not counted, only mentioned.
    notes
        Plain sentences about what the reader decided (encoding, renamed headers...).
    may_hold_nul
        False when the decoded text has no NUL character, so no cell needs checking.
    """

    frame: pd.DataFrame
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header_row: int = 1
    row_problems: dict[int, str] = field(default_factory=dict)
    blank_rows: int = 0
    notes: tuple[str, ...] = ()

    may_hold_nul: bool = True

    @property
    def header(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def read_upload(
    data: bytes,
    file_name: str = "upload.csv",
    *,
    sheet: str | None = None,
    limits: config.Limits | None = None,
) -> ReadResult:
    """Read an uploaded file (CSV or .xlsx) into text cells.

    Parameters
    ----------
    data
        The file's bytes.
    file_name
        Used for messages and to tell old ``.xls`` apart; the content decides the kind.
    sheet
        For a workbook, the sheet to read; the first sheet when ``None``.
    limits
        Size, row and column limits (:func:`tracker.config.limits` by default).

    Raises
    ------
    ReadError
        When the file is empty, too large, not a table we can read, or past a limit.
    """
    limits = limits or config.limits()
    max_bytes = limits.max_upload_mb * 1024 * 1024
    if len(data) > max_bytes:
        raise ReadError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{limits.max_upload_mb} MB. Split it into smaller files and upload each."
        )
    if not data.strip():
        raise ReadError("The file is empty.")
    lower = file_name.lower()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ReadError(
            "This is an old-style Excel (.xls) or other legacy Office file. Open it in a "
            "spreadsheet and save it as .xlsx or CSV, then upload that."
        )
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, sheet, limits)
    if lower.endswith((".xlsx", ".xlsm")):
        raise ReadError(
            f"{_shown(file_name)} is named like an Excel workbook but is not a valid .xlsx "
            "(it may be truncated, damaged, or another format renamed)."
        )
    return _read_csv(data, limits)


def sheet_names(data: bytes) -> list[str]:
    """The sheet names of a workbook (empty for anything that is not one)."""
    if data[:4] != b"PK\x03\x04":
        return []
    try:
        _check_zip(data, config.limits())
        workbook = _open_workbook(data)
    except (ReadError, zipfile.BadZipFile, OSError, KeyError, ValueError):
        return []
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


# --- CSV -----------------------------------------------------------------------------------


def sniff_delimiter(text: str) -> str:
    """The separator that splits the first lines into the most consistent number of cells.

    Candidates are comma, semicolon, tab and pipe; a one-column file reads as comma.
    """
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delim)
                       if r][:100]
        except csv.Error:
            continue
        if not records:
            continue
        widths = Counter(len(r) for r in records)
        width, count = widths.most_common(1)[0]
        if width < 2:
            continue
        header_agrees = len(records[0]) == width
        score = (count / len(records) + (0.5 if header_agrees else 0.0), width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(data: bytes, limits: config.Limits) -> ReadResult:
    text, encoding, notes = decode_text(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = sniff_delimiter(text)
    titles = _preamble(_first_records(text, delimiter))
    utf8 = data if encoding == "utf-8" else text.encode("utf-8")
    fast = None if titles else _read_csv_fast(utf8, delimiter, limits)
    if fast is not None:
        _, header_row, frame, problems = fast
    else:
        _, header_row, frame, problems, skipped = _read_csv_slow(text, delimiter, limits,
                                                                 titles)
        notes += _preamble_notes(skipped, header_row)
    frame, blank = _drop_blank_rows(frame)
    frame, header_notes = _tidy_header(frame)
    notes += header_notes
    if delimiter != ",":
        notes.append(f"Values are separated by {DELIMITER_NAMES[delimiter]}s.")
    return ReadResult(
        frame=frame, kind="csv", encoding=encoding, delimiter=delimiter,
        header_row=header_row, row_problems=problems, blank_rows=blank, notes=tuple(notes),
        may_hold_nul="\x00" in text,
    )


def _read_csv_fast(utf8: bytes, delimiter: str, limits: config.Limits):
    """Parse a well-formed CSV with pyarrow (every record the same width); None otherwise.

    Records, not lines, are numbered, so a value with a line break inside quotes still
    gives the row number a spreadsheet shows.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=_all_string_types(utf8, delimiter),
                strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, OSError, csv.Error):
        return None  # the careful reader below explains what is wrong
    if table.num_columns > limits.max_columns:
        raise ReadError(
            f"The header has {table.num_columns:,} columns; the limit is "
            f"{limits.max_columns:,}. Remove unused columns and upload again."
        )
    if table.num_rows == 0:
        return None
    head = table.slice(0, 1).to_pylist()[0]
    header = [head[c] if head[c] is not None else "" for c in table.column_names]
    if not any(h.strip() for h in header):
        return None  # leading blank line: let the careful reader find the header
    if table.num_rows - 1 > limits.max_rows:
        raise _too_many_rows(limits)
    frame = table.slice(1).to_pandas()
    frame.columns = header
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return header, 1, frame, {}


def _all_string_types(utf8: bytes, delimiter: str) -> dict:
    """Column types for pyarrow: every autogenerated column read as text, none inferred."""
    import pyarrow as pa

    sample = io.StringIO(utf8[:_SNIFF_CHARS].decode("utf-8", "ignore"), newline="")
    try:
        first = next(csv.reader(sample, delimiter=delimiter), [])
    except csv.Error:
        first = []
    return {f"f{i}": pa.string() for i in range(max(len(first), 1))}


def _read_csv_slow(text: str, delimiter: str, limits: config.Limits, titles: int = 0):
    """Parse record by record, keeping rows whose cell count does not match the header.

    The first ``titles`` non-blank records are title lines above the header (see
    :func:`_preamble`); they are returned as ``(row number, text)`` for a note.
    """
    csv.field_size_limit(max(limits.max_upload_mb * 1024 * 1024, 131_072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_row = 0
    records: list[list[str]] = []
    numbers: list[int] = []
    problems: dict[int, str] = {}
    skipped: list[tuple[int, str]] = []
    row_number = 0
    try:
        for record in reader:
            row_number += 1
            if header is None:
                if not any(cell.strip() for cell in record):
                    continue
                if len(skipped) < titles:
                    skipped.append((row_number, _title_text(record)))
                    continue
                header, header_row = record, row_number
                if len(header) > limits.max_columns:
                    raise ReadError(
                        f"The header has {len(header):,} columns; the limit is "
                        f"{limits.max_columns:,}. Remove unused columns and upload again."
                    )
                continue
            if len(records) + len(problems) >= limits.max_rows:
                raise _too_many_rows(limits)
            if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
                problems[row_number] = (
                    f"has {len(record):,} cells but the header has {len(header):,}: a "
                    "separator inside an unquoted value, or a shifted row"
                )
                continue
            records.append(record)
            numbers.append(row_number)
    except csv.Error as exc:
        raise ReadError(
            f"The file could not be split into rows near row {row_number + 1} ({exc}). It "
            "may not be a CSV file, or a quote is left open."
        ) from exc
    if header is None:
        raise ReadError("The file has no header row (it holds no values).")
    return header, header_row, _frame(header, records, numbers), problems, skipped


_NUMBER_LIKE = re.compile(r"^[\d\s.,:/+\-]+$")
_PREAMBLE_LOOKAHEAD = 30


def _first_records(text: str, delimiter: str) -> list[list[str]]:
    """The first non-blank records of a CSV, for :func:`_preamble` (empty if unparsable)."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    out: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                out.append(record)
            if len(out) >= _PREAMBLE_LOOKAHEAD:
                break
    except csv.Error:
        return []
    return out


def _preamble(records: list[list[str]]) -> int:
    """How many title lines stand above the header row; 0 unless it is clear.

    Spreadsheets often start with a title ("Incident log, March 2025") or a line about
    the period before the header. Such lines hold one or two values; the header is the
    first row that fills at least half of the table's width (and 3 cells or more) with
    distinct names that are not numbers or dates. Nothing is skipped when the table is
    narrower than 4 columns, or when any line above that row holds more than two values.
    """
    filled = [[c.strip() for c in record if c and c.strip()] for record in records]
    filled = [cells for cells in filled if cells]
    if not filled:
        return 0
    widest = max(len(cells) for cells in filled)
    if widest < 4 or len(filled[0]) > 2:
        return 0
    need = max(3, -(-widest // 2))
    for position, cells in enumerate(filled[:10]):
        if len(cells) > 2:
            looks_like_names = (len(set(cells)) == len(cells)
                                and not any(_NUMBER_LIKE.match(c) for c in cells))
            return position if len(cells) >= need and looks_like_names else 0
    return 0


def _title_text(cells: list[str]) -> str:
    return " ".join(c.strip() for c in cells if c and c.strip())


def _preamble_notes(skipped: list[tuple[int, str]], header_row: int) -> list[str]:
    if not skipped:
        return []
    rows = ", ".join(str(r) for r, _ in skipped)
    text = " / ".join(_shown(t, 60) for _, t in skipped)
    return [f"The header is row {header_row}; row(s) {rows} above it look like a title and "
            f"were not read as incidents: {text}."]


def _too_many_rows(limits: config.Limits) -> ReadError:
    return ReadError(
        f"The file has more than {limits.max_rows:,} rows, the limit. Split it into smaller "
        "files; nothing was saved."
    )


def _frame(header: list[str], records: list[list[str]], numbers: list[int]) -> pd.DataFrame:
    """Text cells under positional names (renamed by :func:`_tidy_header`); blank is missing."""
    width = len(header)
    padded = [r[:width] + [""] * (width - len(r)) if len(r) != width else r for r in records]
    frame = pd.DataFrame(padded, columns=range(width), dtype=object)
    frame = frame.astype("str").mask(frame.eq(""))
    frame.index = pd.Index(numbers, dtype="int64", name="row")
    frame.columns = [str(h) for h in header]
    return frame


def _drop_blank_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    if frame.empty:
        return frame, 0
    blank = frame.isna().all(axis=1)
    count = int(blank.sum())
    return (frame.loc[~blank] if count else frame), count


def _tidy_header(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Strip header names, name blank ones, make duplicates unique; drop empty unnamed columns."""
    notes: list[str] = []
    names: list[str] = []
    keep: list[int] = []
    seen: Counter[str] = Counter()
    dropped = 0
    for position, raw in enumerate(frame.columns):
        name = str(raw).strip().lstrip("\ufeff")
        column = frame.iloc[:, position]
        if not name:
            if column.isna().all():
                dropped += 1
                continue
            name = f"column {position + 1}"
            notes.append(f"Column {position + 1} has no header; it is called '{name}'.")
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name} ({seen[name]})"
            notes.append(f"The header '{name}' appears more than once; a copy is '{new}'.")
            name = new
        names.append(name)
        keep.append(position)
    out = frame.iloc[:, keep].copy()
    out.columns = names
    if dropped:
        notes.append(f"{dropped} empty column(s) without a header were ignored.")
    return out, notes


# --- Excel ---------------------------------------------------------------------------------


def _open_workbook(data: bytes):
    import openpyxl
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise ReadError("Excel files are refused: the XML safety library is not installed.")
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def _read_xlsx(data: bytes, sheet: str | None, limits: config.Limits) -> ReadResult:
    _check_zip(data, limits)
    try:
        workbook = _open_workbook(data)
    except ReadError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise ReadError(f"The workbook could not be opened ({_short(exc)}).") from exc
    try:
        sheets = tuple(workbook.sheetnames)
        if not sheets:
            raise ReadError("The workbook has no sheets.")
        if sheet is None:
            chosen = sheets[0]
        elif sheet in sheets:
            chosen = sheet
        else:
            raise ReadError(
                f"The workbook has no sheet called {_shown(sheet)}; its sheets are: "
                + ", ".join(_shown(s) for s in sheets)
            )
        worksheet = workbook[chosen]
        try:
            result = _read_rows(worksheet.iter_rows(values_only=True), limits)
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(f"The sheet could not be read ({_short(exc)}).") from exc
    finally:
        workbook.close()
    header, header_row, records, numbers, problems, blank, skipped = result
    frame, notes = _tidy_header(_frame(header, records, numbers))
    notes = _preamble_notes(skipped, header_row) + notes
    if len(sheets) > 1:
        notes.insert(0, f"Read the sheet {_shown(chosen)} (of {len(sheets)} sheets).")
    return ReadResult(
        frame=frame, kind="xlsx", sheet=chosen, sheets=sheets, header_row=header_row,
        row_problems=problems, blank_rows=blank, notes=tuple(notes),
    )


def _read_rows(rows, limits: config.Limits):
    rows = iter(rows)
    ahead = [[_cell_text(v) for v in values] for values in itertools.islice(rows, 40)]
    titles = _preamble([c for c in ahead if any(c)][:_PREAMBLE_LOOKAHEAD])
    header: list[str] | None = None
    header_row = 0
    records: list[list[str]] = []
    numbers: list[int] = []
    problems: dict[int, str] = {}
    skipped: list[tuple[int, str]] = []
    blank = 0
    later = ([_cell_text(v) for v in values] for values in rows)
    for row_number, cells in enumerate(itertools.chain(ahead, later), start=1):
        if not any(c for c in cells):
            if header is not None:
                blank += 1
            continue
        if header is None and len(skipped) < titles:
            skipped.append((row_number, _title_text(cells)))
            continue
        if header is None:
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > limits.max_columns:
                raise ReadError(
                    f"The header has {len(cells):,} columns; the limit is "
                    f"{limits.max_columns:,}. Remove unused columns and upload again."
                )
            header, header_row = cells, row_number
            continue
        if len(records) + len(problems) >= limits.max_rows:
            raise ReadError(
                f"The sheet has more than {limits.max_rows:,} rows, the limit. Split it into "
                "smaller files; nothing was saved."
            )
        if len(cells) > len(header) and any(c for c in cells[len(header):]):
            problems[row_number] = (
                "has values to the right of the last header column; give those columns a "
                "header or remove them"
            )
            continue
        records.append(cells)
        numbers.append(row_number)
    if header is None:
        raise ReadError("The sheet is empty.")
    return header, header_row, records, numbers, problems, blank, skipped


def _cell_text(value: object) -> str:
    """An Excel cell as text, losslessly: whole numbers without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _shown(text: str, limit: int = 80) -> str:
    """User text quoted for a message, shortened."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _short(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
