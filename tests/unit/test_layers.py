"""The package's layers (docs/architecture.md): no module imports one that imports it back, and the
pipeline's runtime knows nothing of the files it is fed from or of the application that runs it."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "fer_video"


def _module(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(path): path for path in CORE.rglob("*.py")}


def _imports(module: str) -> set[str]:
    """The fer_video modules ``module`` imports anywhere: at the top, in a function, or for type checking."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # `from package import module` or `from module import name`
                name = name.rpartition(".")[0]
            if name and name not in ("fer_video", module):  # fer_video/__init__ only names the public API lazily
                found.add(name)
    return found


def _circle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for imported in graph[module]:
            if imported == start:
                return [*path, start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*path, imported]))
    return None


def test_no_module_imports_one_that_imports_it_back():
    graph = {module: _imports(module) for module in MODULES}
    circles = [circle for module in sorted(graph) if (circle := _circle_through(module, graph))]
    assert not circles, "import circle: " + " -> ".join(circles[0])


def test_runtime_imports_neither_io_nor_the_layers_above_it():
    above = ("fer_video.io", "fer_video.application", "fer_video.batch", "fer_video.report", "fer_video.cli")
    arrows = [f"{module} -> {imported}" for module in sorted(MODULES) if module.startswith("fer_video.runtime")
              for imported in sorted(_imports(module)) if imported.startswith(above)]
    assert not arrows, arrows
