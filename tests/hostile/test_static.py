"""The code base never hands data to a renderer that would run it (checked on the source).

- ``unsafe_allow_html=True`` appears nowhere;
- ``st.html`` / ``components.html`` only ever receive constant text (page styling);
- every page reruns through ``app.py`` (the gate) before it draws;
- every CSV or Excel download gets its bytes from :mod:`tracker.present.safety` or
  :mod:`tracker.present.export` (which uses it), so no spreadsheet leaves without formula guards.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"),
                  *(ROOT / "src" / "tracker").rglob("*.py")])
SPREADSHEET = (".csv", ".xlsx", "text/csv", "spreadsheetml", "XLSX_MIME")


def _calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants = {
        target.id
        for node in tree.body if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, constants


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_data_reaches_an_html_renderer(path):
    for call, constants in _calls(path):
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        for keyword in call.keywords:
            if keyword.arg == "unsafe_allow_html":
                assert isinstance(keyword.value, ast.Constant) and not keyword.value.value, (
                    f"{where}: unsafe_allow_html must stay off")
        if _name(call) == "html" and call.args:
            first = call.args[0]
            constant = isinstance(first, ast.Constant) or (
                isinstance(first, ast.Name) and first.id in constants)
            assert constant, f"{where}: st.html may only render a constant"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_spreadsheet_downloads_go_through_the_formula_guard(path):
    source = path.read_text(encoding="utf-8")
    for call, _ in _calls(path):
        if _name(call) != "download_button":
            continue
        text = ast.get_source_segment(source, call) or ""
        if not any(marker in text for marker in SPREADSHEET):
            continue  # a PNG, PPTX or PDF
        data = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "data"), None)
        assert data is not None
        made_by = ast.get_source_segment(source, data) or ""
        assert "safety." in made_by or "export.incidents_" in made_by, (
            f"{path.relative_to(ROOT)}:{call.lineno}: a spreadsheet download must come "
            f"from tracker.present.safety (got {made_by!r})")


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_every_page_makes_sure_the_gate_ran_before_it_draws(path):
    """A link to a page on a fresh server runs the page file alone (Streamlit's legacy
    ``pages/`` layout) unless the page's first statement reruns it through ``app.py``,
    which holds the sign-in gate, the sidebar and the filters."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    statements = [node for node in tree.body
                  if not isinstance(node, ast.Import | ast.ImportFrom)
                  and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    first = statements[0]
    assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Call), path.name
    assert ast.unparse(first.value) == "layout.start_page()", path.name


def test_tables_offer_no_unguarded_csv_download():
    """st.dataframe's own toolbar download writes cells as they are (``=HYPERLINK(…)``
    included); the app's download buttons are the only way out of a table."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


PORTABLE_DATE_SOURCES = sorted([
    ROOT / "app.py", ROOT / "tasks.py",
    *(p for folder in ("src", "pages", "scripts", "benchmarks")
      for p in (ROOT / folder).rglob("*.py")),
])


def test_no_glibc_only_date_format_in_python_code():
    """``%-d`` and its kind raise on Windows; plotly's hover templates (d3 formats, read by
    the browser) may use them: inside ``%{…}`` or on a line ending ``# d3 format``."""
    assert {ROOT / "app.py", ROOT / "pages" / "overview.py",
            ROOT / "src" / "tracker" / "present" / "charts.py"} <= set(PORTABLE_DATE_SOURCES)
    offenders = []
    for path in PORTABLE_DATE_SOURCES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = re.sub(r"%\{[^}]*\}", "", line)  # drop d3 hover-template fields
            if re.search(r"%-[a-zA-Z]", code) and not code.rstrip().endswith("# d3 format"):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
