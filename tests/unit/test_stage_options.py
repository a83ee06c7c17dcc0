"""Stage options named as in ``pipeline.toml`` and on the command line, as ``fer_video.analyze`` takes them:
a name, a table with a name, or a table without one (options for the stage already chosen)."""

from __future__ import annotations

import pytest

from fer_video.runtime.config import PipelineConfig


def test_a_name_a_table_and_options_alone(tmp_path):
    toml = tmp_path / "pipeline.toml"
    toml.write_text('detect_every = 2\n[detector]\nname = "haar"\nmin_neighbors = 3\n')
    config = PipelineConfig.from_toml(toml).with_options(
        detector={"min_neighbors": 6}, smoother="none", classifier={"name": "fernet", "tta": "flip"},
        classify_every=1)
    assert (config.detector.name, config.detector.options) == ("haar", {"min_neighbors": 6})
    assert (config.smoother.name, config.smoother.options) == ("none", {})
    assert (config.classifier.name, config.classifier.options) == ("fernet", {"tta": "flip"})
    assert (config.detect_every, config.classify_every, config.margin) == (2, 1, None)
    assert PipelineConfig().with_options(detector="haar").detector.options == {}  # a new name, new options


def test_defaults_are_the_commands():
    config = PipelineConfig().with_options()
    assert [getattr(config, kind).name for kind in ("detector", "classifier", "tracker", "smoother", "annotator")] \
        == ["mediapipe", "fernet", "iou", "ema", "overlay"]
    assert (config.detect_every, config.classify_every, config.margin) == (3, 2, None)


@pytest.mark.parametrize("options, words", [
    ({"detect_every": 0}, "detect_every must be 1 or more"),
    ({"classify_every": "two"}, "classify_every must be a number"),
    ({"detector": 3}, "detector must be a stage's name or a table"),
    ({"weights": "nothere.tflite"}, "weights nothere.tflite does not exist"),
])
def test_wrong_values_are_refused_in_one_line(options, words):
    with pytest.raises((ValueError, FileNotFoundError), match=words):
        PipelineConfig().with_options(**options)


def test_an_unknown_stage_kind_is_a_type_error():
    with pytest.raises(TypeError, match="unknown stage 'detecter'"):
        PipelineConfig().with_options(detecter="haar")
