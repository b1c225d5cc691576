"""The import graph of ``app/``: no cycles, nothing imported by string, Flask only in the web layer.

A small ast-based walker: every ``import``/``from ... import`` of an ``app`` module is an edge,
function-level (lazy) imports included; imports inside ``if TYPE_CHECKING:`` are left out (they
never run). A name imported from a package is an edge to that submodule when it is one.
"""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in APP.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def import_graph() -> dict[str, set[str]]:
    """module -> the app modules it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = _package_of(name, path).split(".")
                    base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    walk = _Tarjan(graph)
    for node in sorted(graph):
        if node not in walk.index:
            walk.connect(node)
    return walk.found


class _Tarjan:
    def __init__(self, graph: dict[str, set[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.found: list[list[str]] = []

    def connect(self, node: str) -> None:
        index, low = self.index, self.low
        index[node] = low[node] = len(index)
        self.stack.append(node)
        self.on_stack.add(node)
        for target in sorted(self.graph[node]):
            if target not in index:
                self.connect(target)
                low[node] = min(low[node], low[target])
            elif target in self.on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = self.pop_component(node)
            if len(component) > 1:
                self.found.append(sorted(component))

    def pop_component(self, root: str) -> list[str]:
        component = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == root:
                return component


def test_the_walker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_walker_sees_every_kind_of_import():
    graph = import_graph()
    assert "app.erp.registry" in graph["app.services"]                # from app.erp.registry import ERPRegistry
    assert "app.erp.sandbox" in graph["app.erp.registry"]             # from app.erp import sandbox
    assert "app.web.routes" in graph["app"]                           # a lazy import inside create_app


def test_app_has_no_import_cycles():
    found = cycles(import_graph())
    assert found == [], "import cycles in app/:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_nothing_under_app_imports_by_string():
    offenders = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = node.func if isinstance(node, ast.Call) else None
            label = (called.id if isinstance(called, ast.Name) else called.attr if isinstance(called, ast.Attribute)
                     else "")
            if label in ("import_module", "__import__") or (isinstance(node, ast.Import | ast.ImportFrom) and any(
                    (alias.name if isinstance(node, ast.Import) else node.module or "") == "importlib"
                    for alias in node.names)):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


#: process entry points besides the web layer: the app factory, the WSGI module, the CLI's dev server
ENTRY_POINTS = ("app", "app.wsgi", "app.cli")


def test_only_the_web_layer_imports_flask():
    outside = [name for name, path in _modules().items()
               if not name.startswith("app.web") and name not in ENTRY_POINTS
               and any((alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
                       in ("flask", "flask_smorest", "werkzeug")
                       for node in _imports(ast.parse(path.read_text(encoding="utf-8"))) for alias in node.names)]
    assert outside == []
