"""What the tests share beyond fixtures (those are in conftest.py): where things are; the ``fer-video``
command started as a user starts it (run to its end, stopped midway, or serving the live view); plugins
installed as pip leaves them; and inputs made for a test."""

from __future__ import annotations

import csv
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import numpy as np
import pytest

from fer_video.extras import installed

REPO = Path(__file__).resolve().parent.parent
FER2013 = REPO.parent / "shared" / "data" / "fer2013" / "fer2013_train_val.npz"
FER_VIDEO = Path(sys.executable).parent / "fer-video"
ARTIFACTS = REPO / "tests" / "artifacts"
"""Screenshots a browser test leaves for a person to look at (ignored by git)."""

needs_train = pytest.mark.skipif(
    not (installed("tensorflow") and installed("keras")),
    reason="needs TensorFlow, which a core install leaves out: pip install 'fer-video[train]'",
)
"""For a test of training, Keras models, export or blend: CI also runs the suite on a core install."""

needs_fer2013 = pytest.mark.skipif(
    not FER2013.exists(),
    reason=f"FER-2013 is not on this machine ({FER2013}); it is never shipped with fer-video",
)


# --- the command, run as a user runs it


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the command runs in: this one, TensorFlow quiet, and no plugin blocked unless
    ``env`` says so (a tester's own ``FER_VIDEO_BLOCK_PLUGINS`` must not change what a test sees)."""
    full = {key: value for key, value in os.environ.items() if key != "FER_VIDEO_BLOCK_PLUGINS"}
    return {**full, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}


def ctrl_c_reaches_the_child() -> None:
    """``preexec_fn`` for a child the test will stop with a signal: a shell starts background jobs
    with SIGINT ignored, and ``nohup`` ignores SIGHUP; a child that inherits that never sees the
    test's Ctrl+C or hang-up (fer-video rightly leaves an ignored SIGHUP ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def run_cli(*args: object, env: dict[str, str] | None = None, timeout: float = 300,
            preexec_fn=None) -> subprocess.CompletedProcess:
    """Run the installed ``fer-video`` console script to its end, as a user would."""
    return subprocess.run([str(FER_VIDEO), *map(str, args)], capture_output=True, text=True, env=cli_env(env),
                          timeout=timeout, preexec_fn=preexec_fn)


def start_cli(*args: object, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
              env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the command in the background, for a test that watches it or stops it with a signal."""
    return subprocess.Popen([str(FER_VIDEO), *map(str, args)], stdout=stdout, stderr=stderr, text=True,
                            env=cli_env(env), preexec_fn=ctrl_c_reaches_the_child)


def stop_midway(process: subprocess.Popen, total: int, at: int, signum: int = signal.SIGINT) -> str:
    """Read the progress bar of ``process`` (started with ``start_cli``) until ``at`` of its ``total``
    frames are done, then send ``signum`` and wait for it to end; returns all it wrote to stderr."""
    deadline = time.time() + 180
    progress = ""
    while time.time() < deadline and process.poll() is None:
        progress += process.stderr.read(1) or ""
        done = re.findall(rf"(\d+)/{total}", progress)
        if done and int(done[-1]) >= at:
            break
    process.send_signal(signum)
    _, rest = process.communicate(timeout=60)
    return progress + rest


# --- plugins installed as pip leaves them


def installed_plugin(folder: Path, *, entry_point: str, module: str, source: str, distribution: str,
                     version: str = "0.1") -> Path:
    """``folder`` holding a plugin as pip leaves one: ``module``.py with ``source``, and the dist-info of
    ``distribution`` naming it under the ``fer_video`` entry point ``entry_point``. Pass ``plugin_env(folder)``
    to the command for it to find the plugin."""
    info = folder / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[fer_video]\n{entry_point} = {module}\n")
    (folder / f"{module}.py").write_text(source)
    return folder


def plugin_env(*folders: Path) -> dict[str, str]:
    """The environment that puts ``folders`` (plugins) on the command's PYTHONPATH, before what is there."""
    return {"PYTHONPATH": os.pathsep.join(filter(None, [*map(str, folders), os.environ.get("PYTHONPATH")]))}


# --- inputs made for a test, and what an output must not leave behind


def ffmpeg(*args: object) -> None:
    """Run the ffmpeg fer-video uses (imageio-ffmpeg's), quietly, to make a test's input: a copy of a video
    remuxed, damaged or re-timed. A failure fails the test."""
    from fer_video.io.ffmpeg import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *map(str, args)], check=True)


def random_faces(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` 48x48 grey faces of noise and their labels: FER-2013's shapes, for data-handling tests."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 48, 48), dtype=np.uint8), rng.integers(0, 7, count)


PLANTED = {"frame": 70_368, "emotion": "surprise", "score": 0.99}
"""The one peak ``synthesise_timeline`` plants in face 0, at 39:05.6 at 30 fps (in timelines that long)."""


def synthesise_timeline(path: Path, *, seconds: float, fps: float = 30.0, faces: int = 1,
                        smoothed: bool = True, jsonl: bool = False, gap: tuple[int, int] | None = None,
                        seed: int = 0) -> Path:
    """A timeline as the csv/jsonl sinks write it: a random walk of scores per face, one planted peak."""
    from fer_video.emotions import EMOTIONS
    from fer_video.io.timeline_rows import columns

    rng = np.random.default_rng(seed)
    frames = np.arange(int(round(seconds * fps)))
    if gap is not None:
        frames = frames[(frames < gap[0]) | (frames >= gap[1])]
    names = columns(smoothed)
    rows = []
    for face_id in range(faces):
        logits = np.cumsum(rng.normal(0, 0.08, (len(frames), len(EMOTIONS))), axis=0)
        scores = np.exp(logits - logits.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        scores *= 0.9  # no score reaches the planted peak by chance
        planted = np.flatnonzero(frames == PLANTED["frame"])
        if face_id == 0 and len(planted):
            scores[planted[0]] = 0.0015
            scores[planted[0], EMOTIONS.index(PLANTED["emotion"])] = PLANTED["score"]
        for frame, row_scores in zip(frames.tolist(), np.round(scores, 4).tolist()):
            top = int(np.argmax(row_scores))
            row = [frame, round(frame / fps, 6), face_id, 100 + 300 * face_id, 120, 90, 90, 0.9, EMOTIONS[top],
                   row_scores[top], *row_scores]
            rows.append(row + row_scores if smoothed else row)
    rows.sort(key=lambda row: (row[0], row[2]))
    with path.open("w", newline="") as handle:
        if jsonl:
            handle.writelines(json.dumps(dict(zip(names, row))) + "\n" for row in rows)
        else:
            writer = csv.writer(handle)
            writer.writerow(names)
            writer.writerows(rows)
    return path


class KeepFrames:
    """A sink that keeps every frame it is given, to look at after the run."""

    def __init__(self) -> None:
        self.frames: list = []

    def start(self, run) -> None:
        pass

    def write(self, frame) -> None:
        self.frames.append(frame)

    def close(self) -> None:
        pass


def partial_files(folder: Path) -> list[str]:
    """The partial files (``.NAME.PID-TAG.partial.EXT``) anywhere under ``folder``: what an output that was
    neither published nor discarded leaves behind. A test expects none."""
    return sorted(path.name for path in folder.rglob("*") if ".partial" in path.name)


# --- the live view: ``fer-video serve`` and a browser on its page


@dataclass
class Reply:
    """An HTTP answer, read whole."""

    status: int
    headers: Message
    body: bytes


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Reply:
    """One HTTP request to a server on this machine's loopback."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


@dataclass
class LiveServer:
    """A running ``fer-video serve``: ``url`` as printed without its token (``http://HOST:PORT``)."""

    process: subprocess.Popen
    url: str
    port: int
    token: str | None
    lines: list[str] = field(default_factory=list)

    def said(self) -> str:
        return "".join(self.lines)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Reply:
        return request(self.port, method, path, body, headers)

    def ctrl_c(self, timeout: float = 30) -> int:
        """Stop it as a user at its terminal does; its exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)


@contextmanager
def serving(*args: object) -> Iterator[LiveServer]:
    """``fer-video serve --port 0 ARGS...``, once it says where it listens; killed on the way out unless
    the test stopped it. Its stderr lines collect in ``lines`` as it runs."""
    process = start_cli("serve", "--port", "0", *args, stdout=subprocess.DEVNULL)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            if "live view at " in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not ready.wait(0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                time.sleep(0.2)  # its last lines
                pytest.fail("fer-video serve did not start:\n" + "".join(lines))
        printed = next(line for line in lines if "live view at " in line).split("live view at ")[1].split()[0]
        url, _, query = printed.partition("?")
        token = query.removeprefix("token=") if query.startswith("token=") else None
        url = url.rstrip("/")
        yield LiveServer(process, url, int(url.rsplit(":", 1)[1]), token, lines)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(5)  # its last lines, for the test to read


def wait_in_page(page, expression: str, timeout: float = 20) -> None:
    """Poll ``expression`` in a Playwright page (``wait_for_function`` needs eval, which fer-video's pages'
    Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {expression}")
        time.sleep(0.1)
