"""Ctrl+C while the command is still starting (Python importing OpenCV, NumPy and the plugins, a few
tenths of a second) is one line and exit 130, not a traceback from inside a library (issue 13)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.support import partial_files, start_cli


def _loading(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc to see what a process loads")
@pytest.mark.parametrize("library", ["numpy", "cv2"])
def test_ctrl_c_while_the_command_imports_is_one_line_and_exit_130(sample_video, tmp_path, library):
    output = tmp_path / "t.csv"
    child = start_cli("timeline", sample_video, "-o", output, "-q")
    deadline = time.monotonic() + 60
    while not _loading(child.pid, library) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    child.send_signal(signal.SIGINT)  # the moment the library's code is mapped in: mid-import
    _, errors = child.communicate(timeout=120)
    assert "Traceback" not in errors, errors
    assert child.returncode == 130, errors
    assert errors.strip().splitlines()[-1] == "fer-video: interrupted", errors
    assert not output.exists() and partial_files(tmp_path) == []

