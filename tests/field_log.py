"""A 30-row field log of the kind issue 22 describes, built as an Excel file (synthetic:
every incident, place pairing, count and link is made up for tests).

Its shape: a title line above the header; day-first dates; district spellings "D.I.Khan",
"Kech (Turbat)" and "Noshki"; columns Deaths, Wounded and Source (links); target wordings
"Govt official", "FC convoy" and "Passengers" that are not on the fixed list (four rows
each); a row with no date, one with a negative count and one in Kandahar.
"""

from __future__ import annotations

import io

HEADER = ["S.No", "Date", "District", "Province", "Attack", "Target", "Group", "Deaths",
          "Wounded", "Source"]
DISTRICTS = [("D.I.Khan", "KP"), ("Kech (Turbat)", "Balochistan"), ("Noshki", "Balochistan"),
             ("Quetta", "Balochistan"), ("Bannu", "KP"), ("North Waziristan", "KP"),
             ("Peshawar", "KP"), ("Lakki Marwat", "KP"), ("Khyber", "KP"),
             ("Gwadar", "Balochistan")]
ATTACKS = ["IED blast", "Firing", "Suicide attack", "Ambush", "Grenade"]
PLAIN_TARGETS = ["Police", "Security forces", "Civilians"]
FIELD_TARGETS = ["Govt official", "FC convoy", "Passengers"]
GROUPS = ["TTP", "BLA", "", "Hafiz Gul Bahadur group"]

MISSING_DATE_ROW = 7  # spreadsheet rows: title line 1, header 2, data from 3
NEGATIVE_ROW = 12
KANDAHAR_ROW = 20
FIELD_TARGET_ROWS = 12


def rows() -> list[list[object]]:
    """The 30 data rows (synthetic)."""
    out: list[list[object]] = []
    for i in range(30):
        row_number = i + 3
        district, province = DISTRICTS[i % len(DISTRICTS)]
        day, month = (i % 27) + 1, (i % 9) + 1
        target = FIELD_TARGETS[i % 3] if i >= 30 - FIELD_TARGET_ROWS else PLAIN_TARGETS[i % 3]
        deaths: object = (i * 7) % 9
        date: object = f"{day:02d}/{month:02d}/2025"
        if row_number == MISSING_DATE_ROW:
            date = None
        if row_number == NEGATIVE_ROW:
            deaths = -2
        if row_number == KANDAHAR_ROW:
            district, province = "Kandahar", None
        out.append([i + 1, date, district, province, ATTACKS[i % len(ATTACKS)], target,
                    GROUPS[i % len(GROUPS)] or None, deaths, (i * 5) % 11,
                    f"https://www.example.org/news/field-log-{i + 1}"])
    return out


def workbook_bytes() -> bytes:
    """The log as an .xlsx file: a title line, then the header, then the rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Log"
    sheet.append(["Incident log, field team (synthetic test data)"])
    sheet.append(HEADER)
    for row in rows():
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
