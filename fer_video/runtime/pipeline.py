"""The pipeline: source -> detector -> tracker -> classifier -> smoother -> (annotator) -> sinks, frame by frame."""

from __future__ import annotations

import copy
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from fer_video.framing import Framing
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
    framing_of,
)
from fer_video.runtime.buffering import Behind, prefetch
from fer_video.runtime.face_motion import FaceMotion
from fer_video.runtime.lifecycle import close_stages, end_sinks, start_sinks
from fer_video.runtime.mailbox import BufferPolicy
from fer_video.types import Frame, RunInfo

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


@dataclass
class RunSummary:
    """What a run did: frames and faces seen, time taken, and why it ended early if it did."""

    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    signal: int | None = None
    """The signal that interrupted the run: SIGINT (Ctrl+C), SIGTERM or SIGHUP."""
    stopped_early: str | None = None
    warnings: list[str] = field(default_factory=list)
    """What went wrong without spoiling the outputs (a detector's unusable boxes, left out)."""

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


class Pipeline:
    """Runs a source through the stages and hands every analysed frame to each sink.

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

    @property
    def _detection_interval(self) -> int:
        return 1 if self._unrelated_pictures else self.detect_every

    @property
    def _unrelated_pictures(self) -> bool:
        """Pictures (a folder of them, or one) are unrelated: each is a sequence of its own."""
        return self.source.info.kind.pictures

    @property
    def _framing(self) -> Framing:
        """``margin`` when one is set, else the framing the detector declares (see :mod:`fer_video.framing`)."""
        if self.margin is not None:
            return Framing.grown_by(self.margin)
        return framing_of(self.detector) or Framing()

    def analyse(self, frame: Frame) -> Frame:
        """Detect (when due), track, classify and smooth the faces of one frame, in place."""
        due = self._analysed % self._detection_interval == 0
        return self._analyse_detected(frame, self._detect(frame) if due else None)

    def _detect(self, frame: Frame) -> list:
        """The detector's faces on ``frame``, less those no stage could use (see :meth:`_usable`)."""
        with _failing_in("detector", self.detector, frame):
            faces = self.detector.detect(frame.image)
        return self._usable(faces, frame)

    def _usable(self, faces: list, frame: Frame) -> list:
        """Faces with a finite score and a box of some size that overlaps the frame.

        A plugin detector may return boxes off the frame, of zero or negative size, or NaN scores;
        cropping those would crash the classifier and writing them would spoil the timeline, so
        they are left out and counted (the run says so at its end).
        """
        height, width = frame.image.shape[:2]
        kept = []
        for face in faces:
            try:
                x, y, w, h, score = (float(v) for v in (*face.box, face.detector_score))
            except (TypeError, ValueError):
                x = math.nan
            if (all(math.isfinite(v) for v in (x, y, w, h, score)) and w >= 1 and h >= 1
                    and x < width and y < height and x + w > 0 and y + h > 0):
                kept.append(face)
            else:
                self._unusable += 1
        return kept

    def _analyse_detected(self, frame: Frame, detected: list | None) -> Frame:
        """:meth:`analyse` given the detector's faces, or ``None`` on a frame it skipped."""
        # Each picture of a folder is tracked and smoothed from a copy of the stages as they were
        # made, so no id or smoothed score carries over from one unrelated photo to the next.
        tracker, smoother = self.tracker, self.smoother
        if self._unrelated_pictures:
            tracker, smoother = copy.deepcopy(tracker), copy.deepcopy(smoother)
        if detected is not None:
            faces = detected
            if tracker is not None:
                with _failing_in("tracker", tracker, frame):
                    faces = tracker.update(faces, frame.index)
            else:
                for number, face in enumerate(faces):
                    face.face_id = number
            self._motion.remember(faces, frame.index)
        else:
            height, width = frame.image.shape[:2]
            faces = self._motion.carried(frame.index, width, height)
        self._analysed += 1
        if faces:
            self._classify(faces, frame, tracked=tracker is not None and not self._unrelated_pictures)
        if smoother is not None:
            with _failing_in("smoother", smoother, frame):
                smoother.smooth(faces, frame.index)
        frame.faces = faces
        return frame

    def _classify(self, faces: list, frame: Frame, tracked: bool) -> None:
        """Give each face its raw scores: fresh, or (``classify_every``) a tracked face's recent ones."""
        if self._scores_from is not self.classifier:  # swapped on the live page: old scores no longer apply
            self._recent_scores.clear()
            self._scores_from = self.classifier
        if not tracked or self.classify_every == 1:  # every face scored afresh: nothing to keep
            fresh = self._score(faces, frame)
            for face in faces:
                face.raw_scores = face.scores = fresh[id(face)]
            return
        recent = self._recent_scores
        due = [face for face in faces
               if frame.index - recent.get(face.face_id, (-math.inf, None))[0] >= self.classify_every]
        fresh = self._score(due, frame) if due else {}
        for face in faces:
            row = fresh[id(face)] if id(face) in fresh else recent[face.face_id][1]
            if id(face) in fresh:
                recent[face.face_id] = (frame.index, row)
            face.raw_scores = row
            face.scores = row
        for face_id in [key for key, (index, _) in recent.items() if frame.index - index >= self.classify_every]:
            del recent[face_id]

    def _score(self, faces: list, frame: Frame) -> dict[int, object]:
        """The classifier's raw scores for ``faces`` on ``frame``, by ``id(face)``."""
        framing = self._framing
        with _failing_in("classifier", self.classifier, frame):
            scores = self.classifier.predict([framing.crop(frame.image, face) for face in faces])
        return {id(face): row for face, row in zip(faces, scores)}

    def _detected_ahead(self):
        """A file's frames with the detector's faces on every ``detect_every``-th.

        Three threads: decoding, detecting, and the caller's (tracking,
        classifying); detection, the costliest stage, waits on neither of the others.
        """
        for number, frame in enumerate(prefetch(self.source, 8)):
            yield frame, self._detect(frame) if number % self._detection_interval == 0 else None

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
        signals = _SignalsBetweenFrames()
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
            frame.annotator = _Annotating(self.annotator)
        for sink in self.sinks:
            with _failing_in("sink", sink, frame):
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


class _Annotating:
    """The run's annotator as a frame calls it: a failure names the annotator and the frame."""

    def __init__(self, annotator: Annotator) -> None:
        self.annotator = annotator

    def annotate(self, frame: Frame):
        with _failing_in("annotator", self.annotator, frame):
            return self.annotator.annotate(frame)


class _SignalsBetweenFrames:
    """Ctrl+C, SIGTERM and SIGHUP noted while a run is on and acted on at the next frame boundary,
    by the handler that was in place (which raises what ends the run), instead of wherever the main
    thread happens to be.

    Raised at any bytecode, the interrupt could land inside a queue's lock shared with the decoding
    or writing threads and leave it held, so the run hung while finishing its outputs. A second
    signal before the next frame is acted on at once, as before, and so is a signal that waited
    ``GRACE_S`` for a boundary that did not come (a camera that stopped sending frames, a frame
    that takes that long): a run always ends on a signal. Signals left at their default or ignored
    are not touched.
    """

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
    GRACE_S = 3.0

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.previous: dict[int, Callable] = {}
        self._overdue: threading.Timer | None = None
        self._lock = threading.RLock()  # re-entrant: the handler may run while this thread holds it
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in self.SIGNALS:
            handler = signal.getsignal(signum)
            if callable(handler):
                self.previous[signum] = handler
                signal.signal(signum, self._note)

    def _note(self, signum: int, frame: object) -> None:
        if self.pending:
            self.previous[signum](signum, frame)
        self.pending.append(signum)
        with self._lock:
            if self._overdue is None and self.previous:
                self._overdue = threading.Timer(self.GRACE_S, self._repeat, (signum,))
                self._overdue.daemon = True
                self._overdue.start()

    def _repeat(self, signum: int) -> None:
        """No frame boundary came within the grace: send the signal again, which acts at once."""
        with self._lock:
            if self._overdue is not None and self.pending:
                os.kill(os.getpid(), signum)

    def _cancel(self) -> None:
        with self._lock:
            if self._overdue is not None:
                self._overdue.cancel()
                self._overdue = None

    def deliver(self) -> None:
        """Act on a signal that came during the last frame: its handler raises what ends the run."""
        if not self.pending:
            return
        self._cancel()
        while self.pending:
            signum = self.pending.pop(0)
            self.previous[signum](signum, None)

    def restore(self) -> None:
        """Put the previous handlers back: from here a signal is acted on at once."""
        self._cancel()
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous = {}


@contextmanager
def _failing_in(kind: str, stage: object, frame: Frame) -> Iterator[None]:
    """Name the stage and frame a failure came from: a plugin's own message rarely says."""
    try:
        yield
    except StopPipeline:
        raise
    except Exception as error:
        error.add_note(f"in the {kind} {describe(stage)} on frame {frame.index}")
        raise
