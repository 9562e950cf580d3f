"""House rules for the shape of ``src/tracker``, checked on the source (no imports run).

- the import graph inside ``tracker`` has no cycle (function-level imports count too:
  they still tie the two modules together);
- at most 12 modules directly in ``src/tracker/`` and no module over 600 lines, so the
  layers stay visible in the tree;
- no ctypes and no private pandas attributes in ``src/``: they break across releases.

Each test lists every offender, so one run shows all the work left.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "tracker"
MAX_TOP_LEVEL_MODULES = 12
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module ``name`` refers to: itself, or the package holding the attribute it names."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """``module -> modules inside tracker it imports`` (at any depth of the file)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    stem = ".".join([*base, node.module] if node.module else base)
                else:
                    stem = node.module or ""
                # ``from tracker.x import y``: y is a module or a name inside tracker.x
                targets = [f"{stem}.{alias.name}" for alias in node.names]
            for target in targets:
                if not target.startswith("tracker"):
                    continue
                found = _resolve(target, modules)
                if found and found != name:
                    graph[name].add(found)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def _describe(group: list[str], graph: dict[str, set[str]]) -> str:
    members = set(group)
    edges = [f"{a} -> {b}" for a in group for b in sorted(graph[a] & members)]
    return f"cycle among {', '.join(group)}: " + "; ".join(edges)


def test_the_cycle_finder_sees_a_cycle_and_a_clean_graph():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_reads_function_level_and_relative_imports():
    graph = import_graph()
    assert graph, "no modules found under src/tracker"
    # cli imports most of the package, much of it inside its commands
    assert any(m.startswith("tracker.ingest") for m in graph["tracker.cli"])


def _bound_names(path: Path) -> set[str]:
    """Names a module binds at its top level (definitions, assignments, imports)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def test_every_import_from_tracker_names_something_that_exists():
    """In src, pages, app.py, tests, scripts and benchmarks: a module moved into a
    sub-package leaves no stale ``from tracker import x`` behind (function-level imports
    only fail when the function runs)."""
    modules = _modules()
    offenders = []
    others = [ROOT / "app.py", *(ROOT / d for d in ("pages", "tests", "scripts", "benchmarks"))]
    files = [*modules.values(), *(p for o in others for p in (
        sorted(o.rglob("*.py")) if o.is_dir() else [o]))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and (
                    node.module or "").startswith("tracker"):
                where = f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"
                if node.module not in modules:
                    offenders.append(f"{where}: no module {node.module}")
                    continue
                bound = _bound_names(modules[node.module])
                offenders += [f"{where}: {node.module} has no {a.name}" for a in node.names
                              if f"{node.module}.{a.name}" not in modules
                              and a.name not in bound and a.name != "*"]
    assert not offenders, "\n".join(offenders)


def test_every_attribute_of_an_imported_tracker_module_exists():
    """``readers.read_chunks`` after ``from tracker.ingest import readers``: a function moved
    to another module leaves no stale ``module.name`` behind (it fails only when it runs)."""
    modules = _modules()
    offenders = []
    others = [ROOT / "app.py", *(ROOT / d for d in ("pages", "tests", "scripts", "benchmarks"))]
    files = [*modules.values(), *(p for o in others for p in (
        sorted(o.rglob("*.py")) if o.is_dir() else [o]))]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        local: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and not node.level and (
                    node.module or "").startswith("tracker"):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in modules:
                        local[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in local):
                module = local[node.value.id]
                if node.attr not in _bound_names(modules[module]) \
                        and f"{module}.{node.attr}" not in modules:
                    offenders.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}: "
                                     f"{module} has no {node.attr}")
    assert not offenders, "\n".join(offenders)


def test_no_import_cycle_inside_tracker():
    graph = import_graph()
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(g, graph) for g in cycles)


def test_top_level_of_the_package_stays_small():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, (
        f"{len(top)} modules directly in src/tracker/ (at most {MAX_TOP_LEVEL_MODULES}): "
        + ", ".join(top))


def test_no_module_over_the_line_limit():
    long = sorted(
        (n, p.relative_to(ROOT).as_posix())
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(
        f"  {path}: {n}" for n, path in reversed(long))


def test_no_ctypes_or_private_pandas_attributes_in_src():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]
                if any(n == "ctypes" or n.startswith("ctypes.") for n in names):
                    offenders.append(f"{where}:{node.lineno}: imports ctypes")
            elif isinstance(node, ast.Attribute):
                if node.attr in {"_mask", "_data"}:
                    offenders.append(f"{where}:{node.lineno}: private attribute .{node.attr}")
                elif node.attr == "ctypeslib":
                    offenders.append(f"{where}:{node.lineno}: numpy.ctypeslib")
    assert not offenders, "\n".join(sorted(set(offenders)))


def test_no_assert_guards_data_in_src():
    """``python -O`` removes ``assert``: a check that guards data must raise an error."""
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert not offenders, "assert statements in src/:\n" + "\n".join(offenders)
