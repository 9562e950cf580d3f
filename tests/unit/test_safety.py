import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from tracker.present.safety import neutralise_formulas, to_safe_csv, to_safe_excel

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("cell", HOSTILE)
def test_formula_cells_are_neutralised(cell):
    out = neutralise_formulas(pd.DataFrame({"summary": [cell]}))
    assert out["summary"].iloc[0] == "'" + cell


def test_numbers_and_plain_text_are_untouched():
    frame = pd.DataFrame({"killed": [-1, 5], "summary": ["plain", "کوئٹہ"]})
    out = neutralise_formulas(frame)
    assert out["killed"].tolist() == [-1, 5]
    assert out["summary"].tolist() == ["plain", "کوئٹہ"]


def test_csv_and_excel_exports_hold_no_formula():
    frame = pd.DataFrame({"summary": HOSTILE})
    rows = list(csv.reader(io.StringIO(to_safe_csv(frame).decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + cell for cell in HOSTILE]
    sheet = load_workbook(io.BytesIO(to_safe_excel(frame))).active
    values = [c.value for c in sheet["A"]][1:]
    assert all(isinstance(v, str) and v.startswith("'") for v in values)
    assert all(c.data_type != "f" for c in sheet["A"])


@pytest.mark.parametrize("text", [
    "[Sign in again](https://evil.example)", "![x](https://evil.example/p.png)",
    "<img src=https://evil.example/i.png>", "<a href='https://evil.example'>x</a>",
    "https://evil.example/bare", "HTTP://EVIL.EXAMPLE", "www.evil.example", "Www.Evil.Example",
    "phish@evil.example", "<https://evil.example>", ":red[x] **bold** $x$",
])
def test_plain_text_is_never_a_link_and_reads_as_typed(text):
    from tests.hostile.links import live_links
    from tracker.present.safety import plain_text

    shown = plain_text(text)
    assert live_links(text) or ":red" in text  # the checker sees the raw payload as live
    assert live_links(shown) == []
    assert shown.replace("\\", "").replace("\u2060", "") == text  # what the reader sees
