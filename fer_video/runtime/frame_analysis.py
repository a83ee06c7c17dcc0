"""What the pipeline does to one frame: detect when due, track, classify (every face, or a tracked
face when due) and smooth, leaving out the detections no stage could use."""

from __future__ import annotations

import copy
import math

from fer_video.framing import Framing
from fer_video.protocols import Classifier, Detector, Smoother, Source, Tracker, framing_of
from fer_video.runtime.buffering import prefetch
from fer_video.runtime.face_motion import FaceMotion
from fer_video.runtime.stage_failures import failing_in
from fer_video.types import Frame


class FrameAnalysis:
    """The per-frame half of :class:`~fer_video.runtime.pipeline.Pipeline`, which sets these attributes
    (its arguments, and the counts and recent scores kept from frame to frame) and runs the source."""

    source: Source
    detector: Detector
    classifier: Classifier
    tracker: Tracker | None
    smoother: Smoother | None
    margin: float | None
    detect_every: int
    classify_every: int
    _recent_scores: dict[int, tuple[int, object]]
    _scores_from: Classifier | None
    _motion: FaceMotion
    _analysed: int
    _unusable: int

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

    def _detect(self, frame: Frame) -> list:
        """The detector's faces on ``frame``, less those no stage could use (see :meth:`_usable`)."""
        with failing_in("detector", self.detector, frame):
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
                with failing_in("tracker", tracker, frame):
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
            with failing_in("smoother", smoother, frame):
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
        with failing_in("classifier", self.classifier, frame):
            scores = self.classifier.predict([framing.crop(frame.image, face) for face in faces])
        return {id(face): row for face, row in zip(faces, scores)}

    def _detected_ahead(self):
        """A file's frames with the detector's faces on every ``detect_every``-th.

        Three threads: decoding, detecting, and the caller's (tracking,
        classifying); detection, the costliest stage, waits on neither of the others.
        """
        for number, frame in enumerate(prefetch(self.source, 8)):
            yield frame, self._detect(frame) if number % self._detection_interval == 0 else None
