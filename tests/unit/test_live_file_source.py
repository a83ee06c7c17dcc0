"""A video file played as a live source (``serve --source FILE``): in real time, stale frames dropped,
looping unless told not to."""

from __future__ import annotations

import time

import pytest

from fer_video.io.sources import LiveFileSource, open_source


def test_a_live_file_plays_in_real_time_drops_stale_frames_and_loops(sample_video):
    source = open_source(sample_video, live=True)
    assert isinstance(source, LiveFileSource) and source.info.live
    started = time.monotonic()
    indices, captured = [], []
    try:
        for frame in source:
            indices.append(frame.index)
            captured.append(frame.captured)
            time.sleep(0.1)  # a slow pipeline: the source must skip, not queue
            if time.monotonic() - started > 2.6:
                break
    finally:
        source.close()
    assert max(indices) > 61, "a 2 s, 30 fps file looped past its last frame"
    assert max(b - a for a, b in zip(indices, indices[1:])) >= 2, "stale frames were queued, not dropped"
    assert captured == sorted(captured) and time.time() - captured[-1] < 1.0
    assert max(indices) / source.info.fps == pytest.approx(time.monotonic() - started, abs=0.5)


def test_a_live_file_without_loop_ends_after_one_pass(sample_video):
    source = LiveFileSource(sample_video, loop=False)
    started = time.monotonic()
    try:
        frames = [frame.index for frame in source]
    finally:
        source.close()
    assert time.monotonic() - started == pytest.approx(2.0, abs=0.6)  # real time, not as fast as decoding
    assert 40 < len(frames) <= 61 and frames == sorted(frames)
