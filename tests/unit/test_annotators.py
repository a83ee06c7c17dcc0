"""Annotators in memory: what each built-in draws, and how the pipeline hands their drawing to sinks."""

from __future__ import annotations

import copy
import pickle
import threading
import time

import numpy as np
import pytest

from fer_video import Face, Frame, Pipeline, PluginManager, StopPipeline, open_source
from fer_video.runtime.config import PipelineConfig
from fer_video.runtime.controls import PipelineControls

SCORES = np.array([0.05, 0.05, 0.05, 0.6, 0.05, 0.1, 0.1])


@pytest.fixture(scope="module")
def plugins() -> PluginManager:
    return PluginManager()


@pytest.fixture
def frame(pictures) -> Frame:
    """A real face on a grey 640x360 frame, classified (as the sinks receive it)."""
    face_image = pictures["astronaut"]
    image = np.full((360, 640, 3), 90, np.uint8)
    height, width = face_image.shape[:2]
    image[60:60 + height, 100:100 + width] = face_image
    box = Face(100 + width // 4, 60 + height // 5, width // 2, height // 2, face_id=0, scores=SCORES)
    return Frame(0, 0.0, image, [box])


def _outside(face: Face, shape, grow: float) -> np.ndarray:
    mask = np.ones(shape[:2], bool)
    dx, dy = round(face.w * grow), round(face.h * grow)
    mask[max(0, face.y - dy):face.y + face.h + dy, max(0, face.x - dx):face.x + face.w + dx] = False
    return mask


def test_overlay_draws_box_label_and_bars_on_a_copy(plugins, frame):
    before = frame.image.copy()
    drawn = plugins.create("annotator", "overlay").annotate(frame)
    assert np.array_equal(frame.image, before), "the annotator wrote into the frame every sink shares"
    face = frame.faces[0]
    changed = np.any(drawn != before, axis=2)
    assert changed[face.y, face.x:face.x + face.w].mean() > 0.9, "the box's top edge"
    assert changed[:face.y, face.x:face.x + face.w].any(), "the label above the box"
    assert changed[face.y:face.y + face.h, face.x + face.w + 4:].any(), "the score bars beside the box"


def test_blur_pixelates_each_face_and_draws_nothing_else(plugins, frame):
    before = frame.image.copy()
    annotator = plugins.create("annotator", "blur", blocks=6)
    drawn = annotator.annotate(frame)
    assert np.array_equal(frame.image, before)
    face = frame.faces[0]
    region = face.crop(drawn, 0.1)
    colours = {tuple(pixel) for pixel in region.reshape(-1, 3)}
    assert len(colours) <= 6 * 6, "the face is a mosaic of a few squares, no detail left"
    assert len({tuple(pixel) for pixel in face.crop(before, 0.1).reshape(-1, 3)}) > 500
    outside = _outside(face, drawn.shape, 0.1)
    assert np.array_equal(drawn[outside], before[outside]), "no box, label or bars: the rest is untouched"


def test_none_gives_the_frame_as_it_is(plugins, frame):
    assert np.array_equal(plugins.create("annotator", "none").annotate(frame), frame.image)


@pytest.mark.parametrize("options, message", [({"blocks": 0}, "blocks must be"), ({"blocks": 2.5}, "whole number"),
                                              ({"margin": "wide"}, "margin must be"), ({"margin": -1}, "margin")])
def test_blur_options_are_checked_when_it_is_built(plugins, options, message):
    with pytest.raises(ValueError, match=f"annotator 'blur': .*{message}"):
        plugins.create("annotator", "blur", **options)


def test_an_unknown_annotator_is_named_with_those_installed(plugins):
    with pytest.raises(LookupError, match="no annotator named 'sparkles'; known annotators: blur, none, overlay"):
        plugins.find("annotator", "sparkles")


class Counting:
    """An annotator that counts its calls (slowly, so that threads asking at once overlap)."""

    def __init__(self, delay: float = 0.0, fail_on: int | None = None) -> None:
        self.calls, self.delay, self.fail_on = 0, delay, fail_on

    def annotate(self, frame: Frame) -> np.ndarray:
        self.calls += 1
        if frame.index == self.fail_on:
            raise RuntimeError("no ink left")
        time.sleep(self.delay)
        return frame.image + 1


def test_frame_annotated_draws_once_however_many_threads_ask(frame):
    counting = Counting(delay=0.05)
    frame.annotator = counting
    got, start = [], threading.Barrier(6)

    def ask() -> None:
        start.wait()
        got.append(frame.annotated())

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.calls == 1 and all(image is got[0] for image in got)


def test_without_an_annotator_a_frame_shows_its_own_image(frame):
    assert frame.annotated() is frame.image


def test_a_frame_still_copies_and_pickles(frame, plugins):
    frame.annotator = plugins.create("annotator", "blur")
    for copied in (copy.deepcopy(frame), pickle.loads(pickle.dumps(frame))):
        assert np.array_equal(copied.annotated(), frame.annotated()) and copied.faces[0].box == frame.faces[0].box


class Showing:
    """A sink that shows pictures, as a third-party one would: it asks the frame, not an annotator."""

    def __init__(self) -> None:
        self.shown: list[np.ndarray] = []

    def start(self, run) -> None:
        pass

    def write(self, frame: Frame) -> None:
        self.shown.append(frame.annotated())

    def close(self) -> None:
        pass


class Counted(Showing):
    """A sink that writes no picture (a timeline, say)."""

    def write(self, frame: Frame) -> None:
        self.shown.append(None)


def _run(video, annotator, sinks) -> None:
    plugins = PluginManager()
    Pipeline(open_source(video), plugins.create("detector", "haar"), plugins.create("classifier", "fernet"),
             tracker=plugins.create("tracker", "iou"), annotator=annotator, sinks=sinks).run()


def test_the_pipeline_draws_each_frame_once_for_every_sink_that_shows_it(sample_video):
    counting, one, two = Counting(), Showing(), Showing()
    _run(sample_video, counting, [one, Counted(), two])
    assert counting.calls == len(one.shown) == 60
    assert all(a is b for a, b in zip(one.shown, two.shown)), "the two sinks share one drawing a frame"


def test_a_run_whose_sinks_show_no_picture_draws_nothing(sample_video):
    counting, timeline = Counting(), Counted()
    _run(sample_video, counting, [timeline])
    assert counting.calls == 0 and len(timeline.shown) == 60


class Discarding(Showing):
    """A sink that writes a file: published at close, removed at discard."""

    def __init__(self) -> None:
        super().__init__()
        self.ended = ""

    def close(self) -> None:
        self.ended = "published"

    def discard(self) -> None:
        self.ended = "discarded"


def test_a_failing_annotator_is_named_with_the_frame_and_nothing_is_published(sample_video):
    sink = Discarding()
    with pytest.raises(RuntimeError, match="no ink left") as raised:
        _run(sample_video, Counting(fail_on=5), [sink])
    assert "in the annotator Counting on frame 5" in raised.value.__notes__
    assert sink.ended == "discarded" and len(sink.shown) == 5


class Switching(Showing):
    """A sink that asks the live page's controls for another annotator on its fifth frame."""

    def __init__(self, controls: PipelineControls) -> None:
        super().__init__()
        self.controls, self.plain = controls, []

    def write(self, frame: Frame) -> None:
        self.plain.append(frame.annotated() is frame.image)  # the overlay draws on a copy, none does not
        if len(self.plain) == 5:
            self.controls.switch("annotator", "none")


def test_the_live_page_turns_the_overlay_off_between_two_frames(sample_video, plugins):
    current = {"detector": "haar", "classifier": "fernet", "smoother": "ema", "annotator": "overlay"}
    controls = PipelineControls(plugins, current)
    assert {"blur", "none", "overlay"} <= set(controls.choices()["annotator"])
    sink = Switching(controls)
    Pipeline(open_source(sample_video, live=True, loop=False), plugins.create("detector", "haar"),
             plugins.create("classifier", "fernet"), annotator=plugins.create("annotator", "overlay"),
             sinks=[sink], before_frame=controls.before_frame).run()
    switched = sink.plain.index(True)
    assert switched >= 5 and all(sink.plain[switched:]) and len(sink.plain) > switched + 5, sink.plain
    assert controls.state()["stages"]["annotator"] == "none"


def test_the_config_file_names_the_annotator_as_a_name_or_a_table(tmp_path):
    plain, table = tmp_path / "plain.toml", tmp_path / "table.toml"
    plain.write_text('annotator = "blur"\n[detector]\nname = "haar"\n')
    table.write_text('[annotator]\nname = "blur"\nblocks = 4\n')
    assert PipelineConfig().annotator.name == "overlay"
    assert PipelineConfig.from_toml(plain).annotator.name == "blur"
    assert PipelineConfig.from_toml(table).annotator.options == {"blocks": 4}
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('annotators = "blur"\n')
    with pytest.raises(ValueError, match="unknown table or key 'annotators'.*annotator"):
        PipelineConfig.from_toml(wrong)


class Pausing:
    """A sink that pauses the live view once it sees a face, and keeps what blur drew of ten paused frames."""

    def __init__(self, controls: PipelineControls) -> None:
        self.controls, self.frames = controls, []

    def start(self, run) -> None: ...

    def close(self) -> None: ...

    def write(self, frame: Frame) -> None:
        self.frames.append((frame.analysed, frame, frame.annotated()))
        if frame.faces:
            self.controls.pause()
        if sum(not analysed for analysed, _, _ in self.frames) == 10:
            raise StopPipeline


def test_blur_hides_the_whole_picture_while_the_live_view_is_paused(sample_video, plugins):
    controls = PipelineControls(plugins, {"detector": "haar", "classifier": "fernet", "smoother": "ema",
                                          "annotator": "blur"})
    sink = Pausing(controls)
    Pipeline(open_source(sample_video, live=True, loop=True), plugins.create("detector", "haar"),
             plugins.create("classifier", "fernet"), annotator=plugins.create("annotator", "blur"),
             sinks=[sink], before_frame=controls.before_frame).run()
    faces = [face for analysed, frame, _ in sink.frames if analysed for face in frame.faces]
    assert faces  # where the faces were while the view was analysed
    paused = [(frame.image, drawn) for analysed, frame, drawn in sink.frames if not analysed]
    assert len(paused) == 10  # no faces were looked for in these frames
    for image, drawn in paused:
        for face in faces:  # whatever moved, each place a face was seen is pixelated
            shown, hidden = face.crop(image, 0.0).astype(int), face.crop(drawn, 0.0).astype(int)
            assert np.mean(np.abs(shown - hidden)) > 3
