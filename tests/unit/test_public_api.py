"""The examples and the example plugins need nothing beyond the public API, ``fer_video.__all__``: what a
plugin author copies from them keeps working when a module inside the package moves."""

from __future__ import annotations

import ast
import re

import pytest

import fer_video
from tests.support import REPO

PUBLIC = set(fer_video.__all__) | {"__version__"}
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)


def _sources() -> dict[str, str]:
    """Each Python file of examples/, plugins/ (the plugin guide's worked example) and tests/faulty_plugin,
    and each Python block of the README and docs/, by a name a failure can point at."""
    files = [*REPO.glob("examples/**/*.py"), *REPO.glob("plugins/**/*.py"), *REPO.glob("tests/faulty_plugin/*.py")]
    sources = {str(path.relative_to(REPO)): path.read_text() for path in sorted(files)}
    for document in [REPO / "README.md", *sorted(REPO.glob("docs/**/*.md"))]:
        text = document.read_text()
        for match in FENCE.finditer(text):
            language, code = match.group(1), match.group(2)
            if language not in ("python", "py", "") or "fer_video" not in code:
                continue
            line = text.count("\n", 0, match.start()) + 1
            name = f"{document.relative_to(REPO)}:{line}"
            try:
                ast.parse(code)
            except SyntaxError:
                if language:  # a block marked Python must be Python; an unmarked one may be a shell session
                    raise AssertionError(f"{name}: the Python block does not parse") from None
                continue
            sources[name] = code
    return sources


def _beyond_the_public_api(code: str) -> list[str]:
    """Each use of fer_video in ``code`` that is not ``import fer_video`` or a name of ``__all__``."""
    found = []
    module_names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "fer_video":
                    module_names.add(alias.asname or "fer_video")
                elif alias.name.startswith("fer_video."):
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "fer_video":
            if node.module != "fer_video":
                found.append(f"line {node.lineno}: from {node.module} import ...")
            else:
                found += [f"line {node.lineno}: from fer_video import {alias.name} (not in __all__)"
                          for alias in node.names if alias.name not in PUBLIC]
    for node in ast.walk(ast.parse(code)):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in module_names
                and node.attr not in PUBLIC):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr} (not in __all__)")
    return found


SOURCES = _sources()


def test_there_are_examples_to_check():
    assert "examples/my_detector_plugin.py" in SOURCES and "tests/faulty_plugin/fer_video_faulty.py" in SOURCES
    assert any(name.startswith("README.md:") for name in SOURCES), "the README has no Python block"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_imports_only_the_public_api(name):
    beyond = _beyond_the_public_api(SOURCES[name])
    assert not beyond, f"{name} reaches past fer_video.__all__: " + "; ".join(beyond)


def test_every_public_name_is_there():
    """``__all__`` promises each of its names: ``from fer_video import X`` works for every one."""
    missing = [name for name in fer_video.__all__ if not hasattr(fer_video, name)]
    assert missing == []


def test_the_checker_catches_what_it_should():
    code = ("import fer_video\nimport fer_video.io.atomic\nfrom fer_video import Face, not_public\n"
            "from fer_video.types import Frame\nfer_video.Pipeline\nfer_video.cli\n")
    assert _beyond_the_public_api(code) == [
        "line 2: import fer_video.io.atomic", "line 3: from fer_video import not_public (not in __all__)",
        "line 4: from fer_video.types import ...", "line 6: fer_video.cli (not in __all__)"]
