"""The house stays untied: the apps of src/otklik import only apps below them (docs/architecture.md),
no two modules of an app import each other round a circle, nothing imports the composition roots,
and no module grows past 600 lines (it becomes a package first).

The graph is computed from the source with `ast`: every import statement, at module level or
inside a function or under TYPE_CHECKING, migrations aside; a string model reference such as
"tickets.Ticket" is no import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "otklik"
MAX_LINES = 600

# Lowest first; the apps of one level may import each other one way, never round a circle.
LAYERS: list[set[str]] = [
    {"core"},
    {"accounts"},
    {"routes", "catalog"},
    {"notify"},
    {"tickets"},
    {"sla", "feedback", "complaints"},
    {"quality", "regulation"},
    {"workflow"},
    {"web", "api"},
]
# The composition roots: they put the apps together, and nothing imports them.
ROOTS = {"runtime", "settings", "asgi", "asgi_stream", "wsgi", "__main__", "testing"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        if "migrations" in rel.parts:
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """The otklik modules (or packages) `name` imports, resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return {f for f in found if f == "otklik" or f.startswith("otklik.")}


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]], dict[str, set[str]]]:
    modules = _modules()
    apps = {_app(m) for m in modules} - {None}
    app_edges: dict[str, set[str]] = defaultdict(set)
    why: dict[tuple[str, str], set[str]] = defaultdict(set)
    module_edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        a = _app(name)
        for target in _imports(name, path):
            b = _app(target)
            if b is None or b not in apps:
                continue
            if b != a:
                app_edges[a].add(b)
                why[(a, b)].add(name)
            else:  # inside one app: the module itself, or the package when the name is no module
                t = target if target in modules else target.rpartition(".")[0]
                if t in modules and t != name:
                    module_edges[name].add(t)
    return app_edges, why, module_edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
        if v not in index:
            visit(v)
    return found


def test_every_app_has_its_place():
    apps = {_app(m) for m in _modules()} - {None}
    placed = set().union(*LAYERS) | ROOTS
    assert apps - placed == set(), "an app with no place in the layers: add it to LAYERS and to docs/architecture.md"


def test_apps_import_only_apps_below_them():
    edges, why, _ = _graph()
    level = {app: i for i, layer in enumerate(LAYERS) for app in layer}
    upward = [
        f"{a} → {b} ({', '.join(sorted(why[(a, b)]))})"
        for a, targets in sorted(edges.items())
        for b in sorted(targets)
        if a not in ROOTS and b not in ROOTS and level[b] > level[a]
    ]
    assert upward == []


def test_no_cycle_between_apps():
    edges, _, _ = _graph()
    outside_roots = {a: {b for b in bs if b not in ROOTS} for a, bs in edges.items() if a not in ROOTS}
    assert _cycles(outside_roots) == []


def test_nothing_imports_the_composition_roots():
    edges, why, _ = _graph()
    into_roots = [
        f"{a} → {b} ({', '.join(sorted(why[(a, b)]))})"
        for a, targets in sorted(edges.items())
        for b in sorted(targets)
        if b in ROOTS and a not in ROOTS
    ]
    assert into_roots == []


def test_no_circle_of_modules_inside_an_app():
    _, _, module_edges = _graph()
    assert _cycles(module_edges) == []


def test_no_module_over_600_lines():
    over = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert over == {}


def test_the_graph_sees_imports_inside_functions_and_type_checking(tmp_path):
    """The scanner itself: a lazy import and a TYPE_CHECKING import are imports."""
    mod = tmp_path / "m.py"
    mod.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from otklik.web import views\n"
        "def f():\n    from otklik.api.main import api\n    return api\n",
        encoding="utf-8",
    )
    found = _imports("otklik.core.m", mod)
    assert {"otklik.web", "otklik.web.views", "otklik.api.main", "otklik.api.main.api"} <= found
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
