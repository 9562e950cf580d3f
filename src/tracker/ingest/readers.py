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

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tracker import config

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

XLSX_MAX_RATIO = 200
"""A workbook member may unpack to at most this many times its packed size (zip bombs)."""

XLSX_UNCOMPRESSED_FACTOR = 20
"""A workbook may unpack to at most this many times the upload size limit in total."""

XLSX_MAX_MEMBERS = 10_000

_SNIFF_CHARS = 64_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReadError(ValueError):
    """The file cannot be read; the message says why in words a researcher understands."""


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


def decode_text(data: bytes) -> tuple[str, str, list[str]]:
    """Decode CSV bytes (see :func:`_decode`), refusing text that is mostly control bytes.

    A run of NUL bytes is valid UTF-8 but no table: such a file is refused as binary.
    """
    text, encoding, notes = _decode(data)
    sample = text[:_SNIFF_CHARS]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.1:
        raise ReadError(
            "This does not look like a text (CSV) file: it holds binary data or NUL bytes. "
            "Upload a CSV or an .xlsx workbook."
        )
    return text, encoding, notes


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """Decode CSV bytes: ``(text, encoding name, notes)``.

    Byte-order marks decide first (UTF-8, UTF-16, UTF-32); then strict UTF-8; then UTF-16
    without a mark (many NUL bytes in alternate positions); then a line-by-line repair for
    files that mix UTF-8 with Windows-1252; then ``charset-normalizer`` restricted to the
    encodings a Pakistani spreadsheet plausibly uses (Windows-1252, Windows-1256 for
    Arabic-script text, Latin-1).
    """
    notes: list[str] = []
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name, notes
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"The file starts with a {name.upper()} byte-order mark but is not valid "
                    f"{name.upper()} (byte {exc.start}). It may be damaged."
                ) from exc
    utf16 = _utf16_without_bom(data)  # first: ASCII text in UTF-16 is also valid UTF-8
    if utf16:
        try:
            return data.decode(utf16), utf16, notes
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_binary(data):  # NUL and other control bytes are valid UTF-8 too
            raise ReadError(
                "This does not look like a text (CSV) file: it holds binary data. Upload a "
                "CSV or an .xlsx workbook."
            )
        return text, "utf-8", notes
    mixed = _mixed_utf8(data)
    if mixed is not None:
        text, repaired = mixed
        notes.append(
            f"{repaired} line(s) were not valid UTF-8 and were read as Windows-1252 "
            "(the file mixes encodings); check accented and non-Latin text in them."
        )
        return text, "utf-8+cp1252", notes
    if _looks_binary(data):
        raise ReadError(
            "This does not look like a text (CSV) file: it holds binary data. Upload a CSV "
            "or an .xlsx workbook."
        )
    import charset_normalizer

    best = charset_normalizer.from_bytes(
        data[:2_000_000], cp_isolation=["cp1252", "cp1256", "latin_1"]
    ).best()
    candidates = ["cp1252", "latin-1"]
    if best is not None and best.encoding == "cp1256":
        candidates.insert(0, "cp1256")
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        label = {"cp1252": "Windows-1252", "cp1256": "Windows-1256", "latin-1": "Latin-1"}
        notes.append(f"The file is not UTF-8; it was read as {label[name]}.")
        return text, name, notes
    raise ReadError("The file's text encoding could not be recognised.")  # pragma: no cover


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _mixed_utf8(data: bytes) -> tuple[str, int] | None:
    """Decode line by line when most lines are UTF-8 (with real multibyte text) and some not."""
    lines = data.split(b"\n")
    out: list[str] = []
    repaired = 0
    multibyte = False
    for line in lines:
        try:
            text = line.decode("utf-8")
            multibyte = multibyte or any(ord(ch) > 127 for ch in text)
        except UnicodeDecodeError:
            repaired += 1
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                text = line.decode("latin-1")
        out.append(text)
    if not multibyte or repaired == 0 or repaired > len(lines) // 2:
        return None
    text = "\n".join(out)
    if _CONTROL.search(text[:_SNIFF_CHARS]) and _looks_binary(data):
        return None
    return text, repaired


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SNIFF_CHARS]
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls / len(sample) > 0.01


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


def _check_zip(data: bytes, limits: config.Limits) -> None:
    """Refuse a workbook whose parts would unpack to far more than any real sheet (zip bomb).

    Python's zipfile never yields more bytes than a member declares, so the declared sizes
    bound what openpyxl can unpack; they are checked here before any XML is parsed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReadError(
            "The workbook is damaged or truncated (its zip container cannot be opened)."
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > XLSX_MAX_MEMBERS:
            raise ReadError("The workbook has an implausible number of parts; it was refused.")
        total = sum(info.file_size for info in infos)
        cap = limits.max_upload_mb * 1024 * 1024 * XLSX_UNCOMPRESSED_FACTOR
        if total > cap:
            raise ReadError(
                f"The workbook would unpack to {total / 1024 / 1024:,.0f} MB, more than "
                f"{cap / 1024 / 1024:,.0f} MB: refused as a possible zip bomb."
            )
        for info in infos:
            packed = max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and info.file_size / packed > XLSX_MAX_RATIO:
                raise ReadError(
                    f"A part of the workbook unpacks {info.file_size / packed:,.0f} times "
                    "larger than it is packed: refused as a possible zip bomb."
                )
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise ReadError(
                "This zip file is not an Excel .xlsx workbook (no xl/workbook.xml). .ods and "
                "other formats are not read; save as .xlsx or CSV."
            )


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


# --- reading in chunks ---------------------------------------------------------------------

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
