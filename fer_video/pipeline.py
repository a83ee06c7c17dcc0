"""The pipeline: source -> detector -> tracker -> classifier -> smoother -> sinks, frame by frame."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fer_video.frame import Frame, RunInfo
from fer_video.stages import Classifier, Detector, Sink, Smoother, StopPipeline, Tracker
from fer_video.threads import Behind, prefetch


@dataclass
class RunSummary:
    """What a run did: frames and faces seen, time taken, and why it ended early if it did."""

    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    stopped_early: str | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class Pipeline:
    """Runs a source through the stages and hands every analysed frame to each sink.

    A video file is processed frame by frame without drops; a live source (webcam) hands
    out only its newest frame, so a slow analysis skips frames rather than lagging.

    ``before_frame(pipeline, frame)``, if given, runs on the pipeline's thread before each
    frame: the one safe place to swap ``detector``, ``classifier`` or ``smoother`` while running
    (see :class:`fer_video.controls.PipelineControls`). It returns ``False`` to hand the frame to
    the sinks unanalysed (paused).
    """

    def __init__(
        self,
        source,
        detector: Detector,
        classifier: Classifier,
        *,
        tracker: Tracker | None = None,
        smoother: Smoother | None = None,
        sinks: Sequence[Sink] = (),
        margin: float = 0.1,
        progress: bool = False,
        before_frame: Callable[[Pipeline, Frame], bool | None] | None = None,
    ) -> None:
        self.source = source
        self.detector = detector
        self.classifier = classifier
        self.tracker = tracker
        self.smoother = smoother
        self.sinks = list(sinks)
        self.margin = margin
        self.progress = progress
        self.before_frame = before_frame

    def analyse(self, frame: Frame) -> Frame:
        """Detect, track, classify and smooth the faces of one frame, in place."""
        faces = self.detector.detect(frame.image)
        if self.tracker is not None:
            faces = self.tracker.update(faces, frame.index)
        else:
            for number, face in enumerate(faces):
                face.face_id = number
        if faces:
            scores = self.classifier.predict([face.crop(frame.image, self.margin) for face in faces])
            for face, row in zip(faces, scores):
                face.raw_scores = row
                face.scores = row
        if self.smoother is not None:
            self.smoother.smooth(faces, frame.index)
        frame.faces = faces
        return frame

    def run(self) -> RunSummary:
        """Process the whole source; sinks are always closed, so outputs stay valid on Ctrl+C."""
        summary = RunSummary()
        info = RunInfo(
            source=self.source.info,
            smoothed=self.smoother is not None and getattr(self.smoother, "changes_scores", True),
            detector=type(self.detector).__name__,
            classifier=getattr(self.classifier, "description", type(self.classifier).__name__),
        )
        started = time.perf_counter()
        bar = self._progress_bar()
        opened: list[Sink] = []
        live = self.source.info.live
        writer = frames = None
        try:
            self._start(self.sinks, info, opened)
            # A file is decoded ahead and written behind on threads; a live source stays on
            # this thread so windows (which some platforms only draw from here) keep working.
            frames = iter(self.source) if live else prefetch(self.source)
            writer = None if live else Behind(self._write)
            for frame in frames:
                if self.before_frame is None or self.before_frame(self, frame) is not False:
                    self.analyse(frame)
                if writer is None:
                    self._write(frame)
                else:
                    writer.submit(frame)
                summary.frames += 1
                summary.faces += len(frame.faces)
                if bar is not None:
                    bar.update(1)
        except StopPipeline:
            pass
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            if bar is not None:
                bar.close()
            errors = []
            if frames is not None and hasattr(frames, "close"):
                frames.close()  # stop decoding ahead before the source is released
            if writer is not None:
                try:
                    writer.finish()  # every analysed frame reaches the sinks, also after Ctrl+C
                except StopPipeline:
                    pass
                except Exception as error:
                    errors.append(error)
            for sink in opened:
                try:
                    sink.close()
                except Exception as error:  # close the others before reporting
                    errors.append(error)
            self.source.close()
            summary.seconds = time.perf_counter() - started
            summary.stopped_early = getattr(self.source, "stopped_early", None)
            if errors:
                raise errors[0]
        return summary

    def _write(self, frame: Frame) -> None:
        for sink in self.sinks:
            sink.write(frame)

    def _start(self, sinks: list[Sink], info: RunInfo, opened: list[Sink]) -> None:
        """Start every sink; if one refuses, the others discard what they began."""
        try:
            for sink in sinks:
                sink.start(info)
                opened.append(sink)
        except BaseException:
            for sink in opened:
                discard = getattr(sink, "discard", sink.close)
                discard()
            opened.clear()
            raise

    def _progress_bar(self):
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=self.source.info.frame_count, unit="frame", dynamic_ncols=True, leave=True)
