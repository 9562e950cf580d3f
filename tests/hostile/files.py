"""Hostile files, built in code: nothing dangerous is ever committed to the repository.

Every builder returns bytes that a researcher's upload could plausibly contain by accident
or by malice. The rows are SYNTHETIC (``source_name`` says so); they exist only inside tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import zipfile
import zlib

import pandas as pd

from tracker import schema
from tracker.ingest import places

SYNTHETIC = "SYNTHETIC test source"

PAYLOADS = {
    "script": '<script>alert("xss-script")</script>',
    "img": '<img src=x onerror=alert("xss-img") id=pwned>',
    "link": '<a href="https://evil.example/a" id=pwned-link>evil link</a>',
    "markdown": '[click me](javascript:alert("xss-md")) **loud** :red[red] $x^2$',
    "formula": '=HYPERLINK("https://evil.example/f","open")',
    "dde": "@SUM(1+1)*cmd|' /C calc'!A0",
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "tab": "\t=1+2",
    "cr": "\r=1+2",
}
"""Text a file may carry in any field: HTML, script, Markdown, spreadsheet formulas."""

URL_PAYLOAD = 'https://example.invalid/"><img/src=x/onerror=alert("xss-url")>'
"""An http(s) URL (so it validates) that tries to break out of an attribute."""

FREE_TEXT = ("location", "summary", "notes", "source_name", "perpetrator")
"""Canonical text fields that take any text (the rest are fixed lists or checked)."""


def district_rows(n: int, start: dt.date = dt.date(2019, 1, 1), step_days: int = 5,
                  ) -> pd.DataFrame:
    """``n`` SYNTHETIC canonical rows in real districts, ``step_days`` apart (no twins)."""
    gazetteer = places.districts_table()
    gazetteer = gazetteer[gazetteer["province"].isin(schema.PROVINCES)].reset_index(drop=True)
    rows = []
    for i in range(n):
        place = gazetteer.iloc[i % len(gazetteer)]
        rows.append({
            "incident_id": f"HOSTILE-{start:%Y}-{i:05d}",
            "date": (start + dt.timedelta(days=step_days * i)).isoformat(),
            "date_precision": "day",
            "province": place["province"],
            "district": place["district"],
            "location": f"SYNTHETIC place {i}",
            "latitude": round(float(place["lat"]), 4),
            "longitude": round(float(place["lon"]), 4),
            "geo_precision": "district",
            "attack_type": schema.ATTACK_TYPES[i % len(schema.ATTACK_TYPES)],
            "target": schema.TARGETS[i % len(schema.TARGETS)],
            "perpetrator": "Unknown",
            "claimed": "unknown",
            "killed": str(i % 7),
            "injured": "",
            "militants_killed": "",
            "killed_claimed": "",
            "summary": f"SYNTHETIC row {i} for hostile-input tests; not a real event.",
            "notes": "",
            "source_name": SYNTHETIC,
            "source_url": f"https://example.invalid/hostile/{start:%Y}/{i}",
        })
    return pd.DataFrame(rows)


def to_csv(frame: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    """Plain CSV bytes, every cell exactly as given (no spreadsheet protection)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, quoting=csv.QUOTE_ALL, lineterminator="\n")
    return buffer.getvalue().encode(encoding)


def payload_rows(start: dt.date = dt.date(2020, 1, 1)) -> pd.DataFrame:
    """One row per payload, the payload in every free-text field (and a hostile URL)."""
    frame = district_rows(len(PAYLOADS), start)
    for i, payload in enumerate(PAYLOADS.values()):
        for column in FREE_TEXT:
            frame.loc[i, column] = f"{payload} ({column} {i})"
    frame.loc[0, "source_url"] = URL_PAYLOAD
    return frame


def to_xlsx(frame: pd.DataFrame, formulas: dict[tuple[int, str], str] | None = None) -> bytes:
    """An .xlsx of ``frame``; ``formulas`` puts real formula cells at (row, column)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(["" if pd.isna(v) else str(v) for v in row])
    for (row, column), formula in (formulas or {}).items():
        sheet.cell(row=row + 2, column=list(frame.columns).index(column) + 1, value=formula)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb_xlsx(unpacked_mb: int = 1024, *, declared_mb: int | None = None) -> bytes:
    """A ~1 MB .xlsx whose one sheet unpacks to ``unpacked_mb`` MB of zeros.

    Built by hand from identical deflate blocks, so making it costs almost no memory.
    ``declared_mb`` (default: the true size) is the size the zip headers claim: a bomb
    that lies about its size must be caught too.
    """
    valid = to_xlsx(district_rows(1))
    chunk = b"\0" * (1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_chunk = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(unpacked_mb):
        crc = zlib.crc32(chunk, crc)
    body = packed_chunk * unpacked_mb + packer.flush(zlib.Z_FINISH)
    declared = (unpacked_mb if declared_mb is None else declared_mb) * 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
    return _append_deflated(out.getvalue(), "xl/worksheets/sheet1.xml", body, declared, crc)


def _append_deflated(archive: bytes, name: str, body: bytes, size: int, crc: int) -> bytes:
    """Add an already-deflated member to a zip and rewrite its central directory."""
    with zipfile.ZipFile(io.BytesIO(archive)) as existing:
        count = len(existing.infolist()) + 1
    split = archive.find(b"PK\x01\x02")
    entries, directory = archive[:split], archive[split:]
    central = directory[: directory.find(b"PK\x05\x06")]
    encoded = name.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), size,
                        len(encoded), 0) + encoded
    entry = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body),
                        size, len(encoded), 0, 0, 0, 0, 0, len(entries)) + encoded
    entries += local + body
    central += entry
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central),
                      len(entries), 0)
    return entries + central + end


def truncated_xlsx() -> bytes:
    """A real workbook cut off half way (a failed download)."""
    data = to_xlsx(district_rows(20))
    return data[: len(data) // 2]


def binary_garbage(size: int = 200_000, seed: int = 7) -> bytes:
    """Random bytes, as if an image or an archive were renamed ``.csv``."""
    import random

    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(size))


def mixed_encoding_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 lines with Urdu, and a few lines in Windows-1252 (copy-paste from old files)."""
    frame = frame.copy()
    frame.loc[0, "location"] = "کوئٹہ شہر"
    frame.loc[1, "location"] = "Café Peshawar"
    frame.loc[2, "location"] = "Naïve bazaar"
    head = to_csv(frame.iloc[:1])
    lines = [head]
    for i in range(1, len(frame)):
        body = to_csv(frame.iloc[i : i + 1]).split(b"\n", 1)[1]
        if i in (1, 2):
            body = body.decode("utf-8").encode("cp1252")
        lines.append(body)
    return b"".join(lines)
