"""Checks on an upload's raw bytes before any parsing: its text encoding, binary content
passed off as text, and workbooks that would unpack into gigabytes (zip bombs)."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from tracker import config

_SNIFF_CHARS = 64_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

XLSX_MAX_RATIO = 200
"""A workbook member may unpack to at most this many times its packed size (zip bombs)."""

XLSX_UNCOMPRESSED_FACTOR = 20
"""A workbook may unpack to at most this many times the upload size limit in total."""

XLSX_MAX_MEMBERS = 10_000

_SNIFF_CHARS = 64_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReadError(ValueError):
    """The file cannot be read; the message says why in words a researcher understands."""



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
