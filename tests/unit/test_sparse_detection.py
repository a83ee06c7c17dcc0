"""Detection on one frame in n: faces carried along their motion, and the run that uses it."""

from __future__ import annotations

import pytest

from fer_video.builtins.iou import IouTracker
from fer_video.builtins.mediapipe import MediaPipeDetector
from fer_video.io.sources import open_source
from fer_video.plugins.manager import PluginManager
from fer_video.runtime.face_motion import FaceMotion
from fer_video.runtime.pipeline import Pipeline
from fer_video.types import Face
from tests.support import KeepFrames


def test_carried_faces_keep_moving_at_the_speed_between_the_last_two_detections():
    motion = FaceMotion()
    motion.remember([Face(100, 50, 40, 40, face_id=7)], frame_index=0)
    motion.remember([Face(106, 47, 46, 46, face_id=7)], frame_index=3)  # 2 px/frame right, 1 up, growing 2
    [face] = motion.carried(5, width=640, height=360)
    assert (face.box, face.face_id) == ((110, 45, 50, 50), 7)
    assert face.scores is None  # a fresh face: the classifier scores it again


def test_a_face_seen_once_is_held_in_place_and_boxes_stay_inside_the_frame():
    motion = FaceMotion()
    motion.remember([Face(600, 10, 30, 30, face_id=1)], 0)
    motion.remember([Face(600, 10, 30, 30, face_id=1), Face(5, 5, 20, 20, face_id=2)], 2)
    motion.remember([Face(630, 10, 30, 30, face_id=1), Face(5, 5, 20, 20, face_id=2)], 4)
    one, two = motion.carried(10, width=640, height=360)
    assert one.x + one.w <= 640 and one.w >= 1  # ran off the right edge: clipped, not lost
    assert two.box == (5, 5, 20, 20)


def test_without_a_tracker_faces_are_held_not_moved():
    motion = FaceMotion(moving=False)
    motion.remember([Face(0, 0, 10, 10, face_id=0)], 0)
    motion.remember([Face(30, 0, 10, 10, face_id=0)], 1)
    assert motion.carried(2, 640, 360)[0].box == (30, 0, 10, 10)


class CountingDetector:
    def __init__(self, detector) -> None:
        self.detector, self.frames = detector, []

    def detect(self, image):
        self.frames.append(image)
        return self.detector.detect(image)


def _run(video, every: int):
    plugins = PluginManager()
    detector, sink = CountingDetector(MediaPipeDetector()), KeepFrames()
    Pipeline(open_source(video), detector, plugins.create("classifier", "fernet"), tracker=IouTracker(),
             sinks=[sink], detect_every=every).run()
    return detector, sink.frames


def test_detecting_every_third_frame_finds_the_same_faces_and_emotions(sample_video):
    every, every_third = _run(sample_video, 1), _run(sample_video, 3)
    assert len(every[0].frames) == 60 and len(every_third[0].frames) == 20
    frames, sparse = every[1], every_third[1]
    assert [f.index for f in sparse] == list(range(60))
    matched = agreeing = 0
    for dense, thin in zip(frames, sparse):
        for face in dense.faces:
            best = max(thin.faces, key=face.iou, default=None)
            if best is not None and best.iou(face) > 0.5:
                matched += 1
                agreeing += best.emotion == face.emotion
    total = sum(len(f.faces) for f in frames)
    assert total > 50 and matched >= 0.9 * total and agreeing >= 0.9 * matched
    ids = {face.face_id for f in sparse for face in f.faces}
    assert len(ids) <= len({face.face_id for f in frames for face in f.faces})  # no id churn from skipping


@pytest.mark.parametrize("key", ["detect_every", "classify_every"])
def test_intervals_must_be_positive(sample_video, key):
    with pytest.raises(ValueError, match=key):
        Pipeline(open_source(sample_video), MediaPipeDetector(), None, **{key: 0})


@pytest.mark.parametrize("key, default", [("detect_every", 3), ("classify_every", 2)])
def test_intervals_come_from_the_config_file_and_the_flag_overrides_them(tmp_path, key, default):
    from fer_video.cli import build_parser
    from fer_video.cli.stages import pipeline_config
    from fer_video.plugins.manager import PluginManager
    from fer_video.runtime.config import PipelineConfig

    config = tmp_path / "pipeline.toml"
    config.write_text(f'{key} = 2\n[detector]\nname = "haar"\n')
    assert getattr(PipelineConfig.from_toml(config), key) == 2
    assert getattr(PipelineConfig(), key) == default
    args = build_parser().parse_args(["timeline", "in.mp4", "-o", "t.csv", "--config", str(config),
                                      f"--{key.replace('_', '-')}", "5"])
    assert getattr(pipeline_config(args, PluginManager()), key) == 5
