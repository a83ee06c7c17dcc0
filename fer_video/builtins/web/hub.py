"""What the pipeline's thread hands the web server's thread: the newest encoded frame, the session's
timeline, the last minute of scores per face, and the numbers behind ``/stats``.

The pipeline never waits on a viewer: the encoder leaves each packet in a mailbox
(:class:`~fer_video.runtime.mailbox.Mailbox`) and wakes the server's loop, and each viewer's task
sends whatever is newest (``latest``) when that viewer is ready. A slow viewer therefore skips
frames; it never queues them, and it never slows the analysis or the other viewers.
"""

from __future__ import annotations

import asyncio
import csv
import os
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fer_video.emotions import EMOTIONS
from fer_video.io.csv_cells import safe_row
from fer_video.io.timeline_rows import columns, rows
from fer_video.runtime.mailbox import Mailbox
from fer_video.types import Frame

STATS_WINDOW_S = 3.0
"""Rates and latencies in ``/stats`` cover the last few seconds, so they follow changes quickly."""


@dataclass(frozen=True)
class Packet:
    """One annotated frame, encoded once for every viewer: ``[u32 header length][JSON header][JPEG]``."""

    seq: int
    captured: float
    data: bytes


class Viewer:
    """One connected page: what it was sent, what it has shown, and how late frames reached it.

    Only the server's event loop touches a viewer, so it needs no lock.
    """

    MAX_IN_FLIGHT = 2
    """Frames sent but not yet shown: more would sit in socket buffers and add latency."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.event = asyncio.Event()
        self.sent_seq = 0
        self.in_flight = 0
        self.sent: deque[tuple[float, float]] = deque(maxlen=2000)  # (monotonic s, capture->send ms)
        self.shown: deque[tuple[float, float]] = deque(maxlen=2000)  # (monotonic s, capture->display ms)
        self.connected = time.monotonic()

    def stats(self, now: float, window: float = STATS_WINDOW_S) -> dict[str, Any]:
        sent = [ms for t, ms in self.sent if now - t <= window]
        shown = [ms for t, ms in self.shown if now - t <= window]
        span = min(window, max(1e-3, now - self.connected))
        return {
            "viewer": self.number,
            "sent_per_s": round(len(sent) / span, 2),
            "shown_per_s": round(len(shown) / span, 2),
            "capture_to_send_ms": summary(sent),
            "capture_to_display_ms": summary(shown),
        }


def summary(values: list[float]) -> dict[str, float | int | None]:
    """Median, 95th percentile and count, or ``None``s when nothing was measured."""
    if not values:
        return {"median": None, "p95": None, "n": 0}
    ordered = sorted(values)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {"median": pick(0.5), "p95": pick(0.95), "n": len(ordered)}


class SessionTimeline:
    """The session's timeline so far, in a temporary CSV that can be downloaded at any moment.

    It has the raw score columns even without a smoother, because the page may switch the
    smoother on and off during a session. The file is removed when the session ends.
    """

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="fer-video-session-", suffix=".csv")
        self.path = Path(name)
        self._file = os.fdopen(handle, "w", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=columns(True))
        self._writer.writeheader()
        self._lock = threading.Lock()
        self.rows = 0

    def add(self, frame: Frame) -> None:
        found = rows(frame, True)
        if found:
            with self._lock:
                if not self._file.closed:
                    self._writer.writerows(map(safe_row, found))
                    self.rows += len(found)

    def snapshot(self) -> int:
        """Flush, and return how many bytes of :attr:`path` make a complete CSV right now."""
        with self._lock:
            if self._file.closed:
                return 0
            self._file.flush()
            return self._file.tell()

    def close(self) -> None:
        with self._lock:
            self._file.close()
        self.path.unlink(missing_ok=True)


class Hub:
    """Shared state between the pipeline's thread, the encoder's thread and the server's loop."""

    def __init__(self, history_s: float = 60.0, max_viewers: int = 8) -> None:
        self.history_s = history_s
        self.max_viewers = max_viewers
        self._packets: Mailbox[Packet] = Mailbox()
        self.viewers: dict[int, Viewer] = {}
        self.timeline = SessionTimeline()
        self.closed = False
        self.started = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._viewers_seen = 0
        self._written: deque[tuple[float, float, bool]] = deque(maxlen=5000)  # (monotonic, capture->write ms, analysed)
        self._encoded: deque[tuple[float, float]] = deque(maxlen=5000)  # (monotonic, capture->encoded ms)
        self._history: deque[tuple[float, int, tuple[float, ...]]] = deque()  # (captured, face id, scores)
        self.frames = 0

    # --- the pipeline's side ---------------------------------------------------------------

    def record(self, frame: Frame, captured: float, analysed: bool) -> None:
        """Note one frame the pipeline finished: its rows, its faces' scores, when it was done."""
        now = time.monotonic()
        self.timeline.add(frame)
        with self._lock:
            self.frames += 1
            self._written.append((now, (time.time() - captured) * 1000, analysed))
            for face in frame.faces:
                if face.scores is not None and face.face_id is not None:
                    self._history.append((captured, int(face.face_id), tuple(round(float(v), 4) for v in face.scores)))
            while self._history and captured - self._history[0][0] > self.history_s:
                self._history.popleft()

    def publish(self, packet: Packet) -> None:
        """Make ``packet`` the newest frame and wake the viewers; never waits for them."""
        with self._lock:
            self._encoded.append((time.monotonic(), (time.time() - packet.captured) * 1000))
        self._packets.put(packet)
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self.wake)
            except RuntimeError:  # the server's loop has already stopped
                pass

    @property
    def latest(self) -> Packet | None:
        """The newest packet, which every viewer reads without taking it (``None`` before the first)."""
        return self._packets.newest

    def analysed_per_s(self) -> float:
        now = time.monotonic()
        with self._lock:
            count = sum(1 for t, _, analysed in self._written if analysed and now - t <= STATS_WINDOW_S)
        return round(count / min(STATS_WINDOW_S, max(1e-3, now - self.started)), 2)

    # --- the server's side (its event loop) -------------------------------------------------------

    def add_viewer(self) -> Viewer | None:
        """A new viewer, or ``None`` when ``max_viewers`` are already watching."""
        if len(self.viewers) >= self.max_viewers:
            return None
        self._loop = asyncio.get_running_loop()
        self._viewers_seen += 1
        viewer = Viewer(self._viewers_seen)
        self.viewers[viewer.number] = viewer
        viewer.event.set()  # send the newest frame straight away
        return viewer

    def remove_viewer(self, viewer: Viewer) -> None:
        self.viewers.pop(viewer.number, None)

    def wake(self) -> None:
        for viewer in self.viewers.values():
            viewer.event.set()

    def history(self, seconds: float) -> dict[str, Any]:
        """The last ``seconds`` of scores, per face id, as columns ready for a chart."""
        with self._lock:
            items = list(self._history)
        newest = items[-1][0] if items else time.time()
        faces: dict[str, dict[str, list[float]]] = {}
        for captured, face_id, scores in items:
            if newest - captured > seconds:
                continue
            columns_ = faces.setdefault(str(face_id), {"t": [], **{name: [] for name in EMOTIONS}})
            columns_["t"].append(round(captured, 3))
            for name, value in zip(EMOTIONS, scores):
                columns_[name].append(value)
        return {"emotions": list(EMOTIONS), "seconds": seconds, "faces": faces}

    def stats(self, window: float = STATS_WINDOW_S) -> dict[str, Any]:
        """Frames/s analysed and per viewer, and capture-to-send and capture-to-display latencies,
        over the last ``window`` seconds."""
        now = time.monotonic()
        span = min(window, max(1e-3, now - self.started))
        with self._lock:
            written = [(ms, analysed) for t, ms, analysed in self._written if now - t <= window]
            encoded = [ms for t, ms in self._encoded if now - t <= window]
            frames = self.frames
        return {
            "frames": frames,
            "rows": self.timeline.rows,
            "frames_per_s": round(len(written) / span, 2),
            "analysed_per_s": round(sum(1 for _, analysed in written if analysed) / span, 2),
            "encoded_per_s": round(len(encoded) / span, 2),
            "capture_to_analysed_ms": summary([ms for ms, analysed in written if analysed]),
            "capture_to_encoded_ms": summary(encoded),
            "viewers": [viewer.stats(now, window) for viewer in self.viewers.values()],
            "window_s": window,
            "uptime_s": round(now - self.started, 1),
        }

    def close(self) -> None:
        self.closed = True
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self.wake)
            except RuntimeError:
                pass
        self.timeline.close()
