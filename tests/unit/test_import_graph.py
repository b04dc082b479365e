"""How the packages depend on each other, read from the source.

Every import counts: at module level, inside a function, and under ``if TYPE_CHECKING:``. A
function-local import hides a circle from the interpreter but not from a reader, and a type-only
one still means the two modules cannot be understood apart.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("proguard_core", "proguard_integrations", "training")
ABOVE_THE_CORE = ("proguard_integrations", "training")

# Circles tolerated for now; the test fails when one of them is gone, so that its entry is deleted
# with it. None is left.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def find_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_names(module: str, path: Path) -> set[str]:
    """Absolute dotted names of everything ``module`` imports; ``from a import b`` gives ``a.b``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        targets = {resolve(name) for name in imported_names(module, path)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Modules that reach each other through imports (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = {stack.pop()}
            while module not in component:
                component.add(stack.pop())
            if len(component) > 1:
                found.add(frozenset(component))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_the_graph_sees_local_and_type_only_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\nfrom . import c\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import f\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n")
    (package / "d.py").write_text("import pkg.a\n")
    graph = import_graph(find_modules(tmp_path, ["pkg"]))
    assert graph["pkg.a"] == {"pkg.b", "pkg.c"}
    assert circles(graph) == {frozenset({"pkg.a", "pkg.b", "pkg.c"})}


def test_no_import_circles() -> None:
    found = circles(import_graph(find_modules(ROOT, PACKAGES)))
    assert found - KNOWN_CIRCLES == set(), "import circles"
    assert KNOWN_CIRCLES - found == set(), "gone: delete these from KNOWN_CIRCLES"


def test_proguard_core_imports_nothing_from_the_packages_above_it() -> None:
    # Module paths in strings too: importlib.import_module("training.x") is an import as well.
    module_path = re.compile(rf"^({'|'.join(ABOVE_THE_CORE)})(\.\w+)*(:\w+)?$")
    offending = []
    for module, path in find_modules(ROOT, ["proguard_core"]).items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n for n in imported_names(module, path) if n.split(".")[0] in ABOVE_THE_CORE]
        names += [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and module_path.match(node.value)
        ]
        # Nor may it reach them by putting the checkout on the import path.
        names += [
            "sys.path"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.path"
        ]
        offending += [f"{module}: {name}" for name in names]
    assert offending == []
