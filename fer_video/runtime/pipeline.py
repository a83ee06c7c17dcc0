"""The pipeline: source -> detector -> tracker -> classifier -> smoother -> (annotator) -> sinks, frame by frame."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Collection, Sequence

from fer_video.protocols import (
    Annotator,
    Classifier,
    Detector,
    Sink,
    Smoother,
    Source,
    StopPipeline,
    Tracker,
    changes_scores,
    damaged_input,
    describe,
)
from fer_video.runtime.buffering import Behind, prefetch
from fer_video.runtime.face_motion import FaceMotion
from fer_video.runtime.frame_analysis import FrameAnalysis
from fer_video.runtime.lifecycle import close_stages, end_sinks, start_sinks
from fer_video.runtime.mailbox import BufferPolicy
from fer_video.runtime.run_summary import RunSummary
from fer_video.runtime.signals import SignalsBetweenFrames
from fer_video.runtime.stage_failures import Annotating, failing_in
from fer_video.types import Frame, RunInfo

__all__ = ["CLASSIFY_EVERY", "DETECT_EVERY", "Pipeline", "RunSummary"]

DETECT_EVERY = 3
"""Default detection interval: detection is the costly stage, and between detections the faces move
on and are classified afresh, with the same top emotion for the matched faces as detecting every
frame (``benchmarks/compare_fer.py`` measures both the speed and the agreement)."""
CLASSIFY_EVERY = 2
"""Default classification interval for a tracked face: scored on one frame in two, its scores kept on
the frame between. The classifier is the second costliest stage, and a face's scores change little
from one frame to the next; ``benchmarks/compare_fer.py`` measures the speed this buys and compares
the top emotion with classifying every frame, and ``benchmarks/real_video.py`` the clips' answers."""
MOST_EVERY = 300
"""detect_every and classify_every at most: once in 10 s at 30 fps; far beyond, faces are found or scored
once in a clip (``--detect-every 1000000000`` ran without a word, finding faces on the first frame only)."""


class Pipeline(FrameAnalysis):
    """Runs a source through the stages and hands every analysed frame to each sink.

    Required: ``source`` (``open_source(path)``), ``detector`` and ``classifier``. The rest is
    optional, and leaving a stage out changes what comes out:

    - ``tracker``: gives each face a ``face_id`` that stays with it from frame to frame. Without
      one, a face's ``face_id`` is only its number among the faces of its frame (0, 1, ...), so a
      smoother may mix two faces' scores, boxes stay put between detections instead of moving on,
      and every face is scored on every frame (``classify_every`` needs the ids).
    - ``smoother``: turns each face's ``raw_scores`` into steadier ``scores``. Without one,
      ``scores`` are the raw scores of each frame, and the timeline has no ``raw_*`` columns.
    - ``annotator``: draws what the sinks that show pictures write. Without one they write the
      frames as they came.
    - ``sinks``: where frames go (files, a window, a page); without any, a run writes nothing.
      A file sink writes one file, its ``output``; like the command, the ``csv``, ``jsonl`` and
      ``video`` sinks refuse an existing one unless made with ``force=True``.
    - ``progress``: a progress bar on stderr (the command's, which ``-q`` hides).

    The command's defaults are ``mediapipe``, ``fernet``, ``iou``, ``ema`` and ``overlay``, and
    :func:`fer_video.analyze` runs them with their rows kept in memory.

    A video file is processed frame by frame without drops; a live source (webcam) hands
    out only its newest frame, so a slow analysis skips frames rather than lagging (the two
    :class:`~fer_video.runtime.mailbox.BufferPolicy`).

    ``detect_every=n`` runs the detector on one frame in ``n``; on the others the faces of the
    last detection are carried along their motion (:class:`FaceMotion`) and classified afresh.
    Detection is the costly stage, so this is the main speed lever. ``classify_every=n`` likewise
    scores a tracked face on one frame in ``n`` and keeps its scores between (each face on its own
    count, a new face at once; never without a tracker, whose ids say which face is which). Only
    videos and cameras skip: images and folders of images are unrelated pictures, each detected,
    and each tracked and smoothed from a fresh copy of the tracker and smoother (ids from 0 in
    each). On a file the detector also runs ahead, on a thread of its own, beside the decoding of
    later frames and the tracking and classifying of earlier ones.

    ``before_frame(pipeline, frame)``, if given, runs on the pipeline's thread before each
    frame: the one safe place to swap ``classifier`` or ``smoother`` while running, and, on a
    live source, ``detector`` (see :class:`fer_video.runtime.controls.PipelineControls`). It returns
    ``False`` to hand the frame to the sinks unanalysed (paused).

    When the run ends, however it ends, the pipeline closes every stage it holds then (see
    :class:`fer_video.protocols.SupportsClose`) but those in ``keep_open``, which the caller
    reuses for further runs (``batch`` keeps its models loaded from one video to the next).

    ``annotator`` draws each frame for the sinks that show pictures, which ask for it as
    ``frame.annotated()``: drawn once a frame, and only when a sink asks. Without one they show
    the frames as they are.
    """

    def __init__(
        self,
        source: Source,
        detector: Detector,
        classifier: Classifier,
        *,
        tracker: Tracker | None = None,
        smoother: Smoother | None = None,
        annotator: Annotator | None = None,
        sinks: Sequence[Sink] = (),
        margin: float | None = None,
        detect_every: int = DETECT_EVERY,
        classify_every: int = CLASSIFY_EVERY,
        progress: bool = False,
        before_frame: Callable[[Pipeline, Frame], bool | None] | None = None,
        keep_open: Collection[object] = (),
    ) -> None:
        self.source = source
        self.detector = detector
        self.classifier = classifier
        self.tracker = tracker
        self.smoother = smoother
        self.annotator = annotator
        self.sinks = list(sinks)
        if margin is not None and not 0 <= margin <= 2:  # a negative margin crops nothing
            raise ValueError(f"margin must be from 0 to 2 (the fraction of the face box added on each side), "
                             f"not {margin}")
        self.margin = margin
        for name, every in (("detect_every", detect_every), ("classify_every", classify_every)):
            if not 1 <= int(every) <= MOST_EVERY:
                raise ValueError(f"{name} must be from 1 to {MOST_EVERY}, not {every}")
        self.detect_every = int(detect_every)
        self.classify_every = int(classify_every)
        self._recent_scores: dict[int, tuple[int, object]] = {}  # face id -> (frame index, raw scores)
        self._scores_from: Classifier | None = None
        self._motion = FaceMotion(moving=tracker is not None)
        self._analysed = 0
        self._unusable = 0  # detections left out: off the frame, no size, or no numeric score
        self.progress = progress
        self.before_frame = before_frame
        self.keep_open = keep_open

    def analyse(self, frame: Frame) -> Frame:
        """Detect (when due), track, classify and smooth the faces of one frame, in place."""
        due = self._analysed % self._detection_interval == 0
        return self._analyse_detected(frame, self._detect(frame) if due else None)

    def run(self) -> RunSummary:
        """Process the whole source. A normal end, Ctrl+C or a termination signal (raised here as a
        ``KeyboardInterrupt`` with a ``signum``) closes the sinks, so the outputs are valid up to the
        last frame; any other failure discards them: an output is never published half-made."""
        summary = RunSummary()
        info = RunInfo(
            source=self.source.info,
            smoothed=changes_scores(self.smoother),
            detector=type(self.detector).__name__,
            classifier=describe(self.classifier),
        )
        started = time.perf_counter()
        bar = self._progress_bar()
        opened: list[Sink] = []
        live = BufferPolicy.for_source(self.source.info) is BufferPolicy.NEWEST_FRAME
        writer = frames = None
        failure: BaseException | None = None  # what ended the run other than its end, a stop or a signal
        body_failed = False
        signals = SignalsBetweenFrames()
        try:
            start_sinks(self.sinks, info, opened)
            # A file is decoded and detected ahead and written behind on threads; a live source
            # stays on this thread so windows (which some platforms only draw from here) keep working.
            frames = ((frame, None) for frame in self.source) if live else prefetch(self._detected_ahead(), 8)
            writer = None if live else Behind(self._write)
            for frame, detected in frames:
                signals.deliver()
                if self.before_frame is None or self.before_frame(self, frame) is not False:
                    if live:
                        self.analyse(frame)
                    else:
                        self._analyse_detected(frame, detected)
                else:
                    frame.analysed = False
                if writer is None:
                    self._write(frame)
                else:
                    writer.submit(frame)
                summary.frames += 1
                summary.faces += len(frame.faces)
                if bar is not None:
                    bar.update(1)
            signals.deliver()
        except StopPipeline:
            pass
        except KeyboardInterrupt as error:
            summary.interrupted = True
            summary.signal = getattr(error, "signum", signal.SIGINT)
        except BaseException as error:
            failure, body_failed = error, True
            raise
        finally:
            signals.restore()  # from here a second Ctrl+C stops at once
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
                    failure = failure or error
            failure, sink_errors = end_sinks(opened, failure)
            errors += sink_errors
            raised = failure if body_failed else (errors[0] if errors else None)
            if raised is not None and failure is not None and opened:
                raised.add_note("nothing was written: a failed run discards its outputs")
            self.source.close()
            summary.warnings += close_stages(self._stages(), self.keep_open)
            summary.seconds = time.perf_counter() - started
            summary.stopped_early = self.source.stopped_early
            summary.warnings += getattr(self.source, "warnings", [])  # what a source left out on purpose
            for sink in opened:  # a sink that copied part of the input (its audio) may find it damaged
                damage = damaged_input(sink) if failure is None else None
                summary.stopped_early = summary.stopped_early or damage  # a truncated file says it all
            if self._unusable:
                summary.warnings.append(
                    f"the detector ({type(self.detector).__name__}) gave {self._unusable} face(s) off the frame, "
                    "of no size or without a numeric score; they were left out")
            if raised is not None and not body_failed:
                raise raised
        return summary

    def _write(self, frame: Frame) -> None:
        if self.annotator is not None:
            frame.annotator = Annotating(self.annotator)
        for sink in self.sinks:
            with failing_in("sink", sink, frame):
                sink.write(frame)

    def _stages(self) -> list[tuple[str, object]]:
        """The stages the pipeline holds now (a live page may have swapped some), by kind."""
        return [("detector", self.detector), ("classifier", self.classifier), ("tracker", self.tracker),
                ("smoother", self.smoother), ("annotator", self.annotator)]

    def _progress_bar(self):
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=self.source.info.frame_count, unit="frame", dynamic_ncols=True, leave=True)
