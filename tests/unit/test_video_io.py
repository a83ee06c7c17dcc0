"""Frames in and out: every frame, the right colours, odd sizes."""

from __future__ import annotations

import numpy as np

from fer_video.io.ffmpeg import H264Writer, count_frames, probe
from fer_video.io.sources.video_file import VideoFileSource


def test_odd_sized_frames_round_trip_with_their_colours(tmp_path):
    path = tmp_path / "odd.mp4"
    writer = H264Writer(path, 321, 179, 25)
    for red in range(0, 250, 10):  # 25 frames, ever redder (BGR)
        frame = np.zeros((179, 321, 3), np.uint8)
        frame[..., 2] = red
        frame[..., 0] = 60
        writer.write(frame)
    writer.close()
    assert count_frames(path) == 25
    assert (probe(path).width, probe(path).height) == (322, 180)  # 4:2:0 needs even sides: one pixel padded
    source = VideoFileSource(path)
    frames = list(source)
    assert [f.index for f in frames] == list(range(25)) and source.stopped_early is None
    middle = frames[12].image[90, 160].astype(int)
    assert abs(middle[2] - 120) < 8 and abs(middle[0] - 60) < 8 and middle[1] < 12



def test_probe_answers_again_when_the_file_changes(tmp_path):
    """A run probes its input twice (source, video sink) and the second answer comes from memory;
    a file written over in between (another size) must be probed afresh."""
    path = tmp_path / "clip.mp4"
    for width in (64, 96):
        writer = H264Writer(path, width, 48, 25)
        for _ in range(5):
            writer.write(np.zeros((48, width, 3), np.uint8))
        writer.close()
        assert probe(path).width == width
        assert probe(str(path)).width == width


def test_the_ffmpeg_binary_is_the_wheels_unless_the_user_names_one(monkeypatch, tmp_path):
    import subprocess

    from fer_video.io.ffmpeg import ffmpeg_exe

    ffmpeg_exe.cache_clear()
    try:
        monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
        assert "ffmpeg version" in subprocess.run([ffmpeg_exe(), "-version"], capture_output=True,
                                                  text=True).stdout
        ffmpeg_exe.cache_clear()
        monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "my-ffmpeg"))
        assert ffmpeg_exe() == str(tmp_path / "my-ffmpeg")
    finally:
        ffmpeg_exe.cache_clear()
