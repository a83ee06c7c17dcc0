"""One progress bar over a whole batch: videos done of all, frames analysed, frames/s, the videos in hand.

A failure gets a line of its own above the bar, so a night's batch shows at a glance what to look at.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from fer_video.batch.jobs import Events


class BatchProgress:
    """The bar (none when ``shown`` is false: ``--quiet``), fed by an engine's :class:`Events`."""

    def __init__(self, total: int, names: dict[int, str], shown: bool = True) -> None:
        self.names = names
        self.frames = 0
        self.current: dict[int, str] = {}
        self._started = time.perf_counter()
        self._bar = None
        if shown and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="video", dynamic_ncols=True, leave=True, file=sys.stderr,
                             bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} videos [{elapsed}<{remaining}]{postfix}")
        self.events = Events(started=self._on_started, frames=self._on_frames)

    def _on_started(self, index: int) -> None:
        self.current[index] = Path(self.names[index]).name
        self._refresh()

    def _on_frames(self, count: int) -> None:
        self.frames += count
        self._refresh()

    def ended(self, index: int) -> None:
        """A video is done or failed."""
        self.current.pop(index, None)
        if self._bar is not None:
            self._bar.update(1)
        self._refresh()

    def line(self, text: str) -> None:
        """A line above the bar (a failure)."""
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def frames_per_s(self) -> float:
        seconds = time.perf_counter() - self._started
        return self.frames / seconds if seconds > 0 else 0.0

    def _refresh(self) -> None:
        if self._bar is None:
            return
        now = ", ".join(self.current.values())
        self._bar.set_postfix_str(f"{self.frames} frames, {self.frames_per_s():.0f} frames/s"
                                  + (f", now: {now}" if now else ""), refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
