"""``--annotator`` end to end: a privacy copy with every face pixelated, a plain copy, the default overlay,
the choice made in a config file, and a misspelt name refused like any other stage's."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pandas as pd
import pytest

from fer_video.io.ffmpeg import count_frames, probe
from tests.support import run_cli


def frames_of(path) -> list[np.ndarray]:
    capture, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames


@pytest.fixture(scope="module")
def copies(sample_video, tmp_path_factory):
    """The sample annotated three ways: blur chosen in a config file, none by flag, and the default."""
    folder = tmp_path_factory.mktemp("annotators")
    config = folder / "private.toml"
    config.write_text('annotator = "blur"\n')
    runs = {"blur": ["--config", config], "none": ["--annotator", "none"], "overlay": []}
    for name, flags in runs.items():
        result = run_cli("annotate", sample_video, "-o", folder / f"{name}.mp4", "--csv", folder / f"{name}.csv",
                         *flags, "-q")
        assert result.returncode == 0, result.stderr
    return folder


def _block_detail(region: np.ndarray, blocks: int = 8) -> float:
    """Mean spread of the pixels inside each of a mosaic's squares (their edges left out): about 0 once
    a face is pixelated into ``blocks`` squares across, high where it still shows eyes and hair."""
    height, width = region.shape[:2]
    down = max(1, round(blocks * height / width))
    spreads = []
    for row in range(down):
        for column in range(blocks):
            top, bottom = math.ceil(row * height / down) + 2, math.floor((row + 1) * height / down) - 2
            left, right = math.ceil(column * width / blocks) + 2, math.floor((column + 1) * width / blocks) - 2
            if bottom > top and right > left:
                spreads.append(region[top:bottom, left:right].astype(float).std(axis=(0, 1)).mean())
    return float(np.mean(spreads))


def _faces(timeline) -> pd.DataFrame:
    return pd.read_csv(timeline)


def test_blur_from_the_config_file_pixelates_every_face_and_draws_nothing_else(copies, sample_video):
    original, private = frames_of(sample_video), frames_of(copies / "blur.mp4")
    assert len(private) == len(original) == count_frames(sample_video)
    assert probe(copies / "blur.mp4").has_audio
    faces = _faces(copies / "blur.csv")
    hidden = 0
    for _, face in faces.iterrows():
        x, y, w, h = (int(face[key]) for key in ("x", "y", "w", "h"))
        grow_x, grow_y = round(w * 0.1), round(h * 0.1)
        box = np.s_[max(0, y - grow_y):y + h + grow_y, max(0, x - grow_x):x + w + grow_x]
        frame = int(face["frame"])
        detail = _block_detail(original[frame][box])
        if detail < 5:
            continue  # a box carried on after its face left: nothing there to hide
        assert _block_detail(private[frame][box]) < 0.25 * detail, \
            f"face {face['face_id']} on frame {frame} is still recognisable"
        hidden += 1
    assert hidden > 40
    for frame in (0, 30, 59):  # away from the faces (and where the overlay's labels and bars would be)
        outside = np.ones(original[frame].shape[:2], bool)
        for _, face in faces[faces["frame"] == frame].iterrows():
            x, y, w, h = (int(face[key]) for key in ("x", "y", "w", "h"))
            outside[max(0, y - h // 4):y + h + h // 4, max(0, x - w // 4):x + w + w // 4] = False
        difference = np.abs(original[frame].astype(int) - private[frame].astype(int))[outside]
        assert difference.mean() < 3, f"something was drawn outside the faces on frame {frame}"


def test_none_gives_the_input_frames_and_the_same_timeline(copies, sample_video):
    original, plain = frames_of(sample_video), frames_of(copies / "none.mp4")
    assert len(plain) == len(original)
    differences = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(original, plain)]
    assert max(differences) < 2.5, "more than the codec's loss: something was drawn"
    assert _faces(copies / "none.csv").equals(_faces(copies / "overlay.csv")), "the annotator changed the analysis"


def test_the_default_is_the_overlay(copies, sample_video):
    original, plain, drawn = frames_of(sample_video), frames_of(copies / "none.mp4"), frames_of(copies / "overlay.mp4")
    faces = _faces(copies / "overlay.csv")
    frame = int(faces["frame"].mode()[0])
    x, y, w, h = (int(faces[faces["frame"] == frame].iloc[0][key]) for key in ("x", "y", "w", "h"))
    edge = np.s_[y:y + 3, x:x + w]  # the box's top edge
    assert np.abs(drawn[frame][edge].astype(int) - original[frame][edge].astype(int)).mean() > 20
    assert np.abs(plain[frame][edge].astype(int) - original[frame][edge].astype(int)).mean() < 5


def test_a_picture_flag_over_config_and_the_explicit_overlay(picture_files, tmp_path):
    config = tmp_path / "private.toml"
    config.write_text('[annotator]\nname = "blur"\nblocks = 4\n')
    picture = picture_files["astronaut"]
    for name, flags in {"default": [], "overlay": ["--annotator", "overlay"],
                        "none": ["--config", config, "--annotator", "none"]}.items():
        result = run_cli("annotate", picture, "-o", tmp_path / f"{name}.png", *flags, "-q")
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "default.png").read_bytes() == (tmp_path / "overlay.png").read_bytes()
    assert np.array_equal(cv2.imread(str(tmp_path / "none.png")), cv2.imread(str(picture))), \
        "--annotator none on the command line wins over the config file's blur"


def test_an_unknown_annotator_gets_the_one_line_error_of_an_unknown_detector(sample_video, tmp_path):
    config = tmp_path / "typo.toml"
    config.write_text('annotator = "bluur"\n')
    detector = run_cli("annotate", sample_video, "-o", tmp_path / "d.mp4", "--detector", "haaar", "-q")
    flag = run_cli("annotate", sample_video, "-o", tmp_path / "a.mp4", "--annotator", "bluur", "-q")
    from_config = run_cli("annotate", sample_video, "-o", tmp_path / "c.mp4", "--config", config, "-q")
    assert detector.stderr.startswith("fer-video: error: no detector named 'haaar'; known detectors: ")
    for result in (flag, from_config):
        assert result.returncode == detector.returncode == 2
        [line] = result.stderr.splitlines()
        assert line.startswith("fer-video: error: no annotator named 'bluur'; known annotators: blur, none, overlay")
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*"))
