"""The documentation works: the MkDocs site builds with ``--strict`` (a broken link or anchor fails it),
every Python block of the README and of docs/ runs, and the README's links and pictures are there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.support import REPO

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]


def _python_blocks(document) -> list[tuple[int, str]]:
    text = document.read_text()
    return [(text.count("\n", 0, match.start()) + 2, match.group(2))
            for match in FENCE.finditer(text) if match.group(1) in ("python", "py")]


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    """The ``talk.mp4`` the examples name: 1 s of the sample video, 640x360, two faces crossing."""
    from fer_video.io.sample_video import make_sample_video

    return make_sample_video(tmp_path_factory.mktemp("talk") / "talk.mp4", width=640, height=360, seconds=1.0)


def test_the_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed: pip install -e '.[test]'")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed: pip install -e '.[test]'")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "index.html").read_text().count("fer_video.application.analyze.analyze") > 0


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if _python_blocks(d)], ids=lambda d: d.name)
def test_every_python_block_runs(document, talk, tmp_path, monkeypatch):
    """The blocks of one page run in order, in one namespace, as a reader pastes them, in a folder
    holding ``talk.mp4``."""
    shutil.copy(talk, tmp_path / "talk.mp4")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for line, code in _python_blocks(document):
        exec(compile(code, f"{document.relative_to(REPO)}:{line}", "exec"), namespace)


def test_the_readmes_links_and_pictures_are_there():
    text = (REPO / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [target for target in targets if "://" not in target]
    assert "docs/annotated-frame.jpg" in local and "docs/report-page.jpg" in local
    missing = [target for target in local if not (REPO / target).exists()]
    assert missing == []
    for picture in ("docs/annotated-frame.jpg", "docs/report-page.jpg"):
        assert (REPO / picture).stat().st_size < 200_000, f"{picture} is too large for a README"
