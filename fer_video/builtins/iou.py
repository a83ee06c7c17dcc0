"""The ``iou`` tracker: stable face ids by matching boxes frame to frame.

A handheld camera or a turning head moves a face further between two detections than its box
overlaps, and a face the detector misses for a few frames comes back elsewhere: each would start
a new id, and one person would become several in the timeline. So each track's box is carried
along its own motion before matching, and a face that overlaps no track is matched, second, to
the nearest unmatched track whose predicted centre lies within ``max_jump`` of its size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fer_video import hookimpl
from fer_video.builtins.options import flag, number, whole_number
from fer_video.plugins.factories import StageFactory
from fer_video.types import Face

MOTION_MEMORY = 0.5
"""Weight of the newest step in a track's velocity (the rest is its previous velocity)."""


@dataclass
class _Track:
    face: Face
    last_seen: int
    velocity: tuple[float, float] = (0.0, 0.0)
    """Centre motion per analysed frame, in pixels."""

    def predicted(self, seen: int) -> Face:
        """The track's box carried along its motion to analysed frame ``seen``."""
        steps = seen - self.last_seen
        return replace(self.face, x=round(self.face.x + self.velocity[0] * steps),
                       y=round(self.face.y + self.velocity[1] * steps))


def _centre(face: Face) -> tuple[float, float]:
    return face.x + face.w / 2, face.y + face.h / 2


class IouTracker:
    """IoU matching against motion-predicted boxes, then nearest-centre matching for the rest.

    A track survives ``max_missed`` analysed frames without a detection (frames the detector ran
    on: a second and a half of 30 fps video at the default ``--detect-every 3``). Misses are
    counted in frames the tracker saw, not in frame numbers, so a live source that drops frames
    does not age its tracks faster. ``predict=False`` and ``max_jump=0`` give plain frame-to-frame
    IoU matching.
    """

    def __init__(self, min_iou: float = 0.3, max_missed: int = 15, max_jump: float = 1.0,
                 predict: bool = True) -> None:
        self.min_iou = number("min_iou", min_iou, 0.0, 1.0)
        self.max_missed = whole_number("max_missed", max_missed, 0, 100_000)  # -1 ended every track at once
        self.max_jump = number("max_jump", max_jump, 0.0, 100.0)
        """How far (in the larger box's side) a face may be from a track's predicted centre and still
        continue it when their boxes do not overlap enough; 0 turns the second matching off."""
        self.predict = flag("predict", predict)
        self._tracks: dict[int, _Track] = {}
        self._next_id = 0
        self._seen = 0

    def update(self, faces: list[Face], frame_index: int) -> list[Face]:
        self._seen += 1
        self._tracks = {
            track_id: track
            for track_id, track in self._tracks.items()
            if self._seen - track.last_seen <= self.max_missed + 1
        }
        expected = {track_id: track.predicted(self._seen) if self.predict else track.face
                    for track_id, track in self._tracks.items()}
        matches: dict[int, int] = {}  # face index -> track id
        pairs = sorted(((face.iou(box), n, track_id) for n, face in enumerate(faces)
                        for track_id, box in expected.items()), reverse=True)
        for overlap, n, track_id in pairs:
            if overlap < self.min_iou:
                break
            if n not in matches and track_id not in matches.values():
                matches[n] = track_id
        if self.max_jump > 0:
            near = sorted((self._distance(face, expected[track_id]), n, track_id) for n, face in enumerate(faces)
                          for track_id in expected if n not in matches and self._similar_size(face, expected[track_id]))
            for distance, n, track_id in near:
                if distance > self.max_jump:
                    break
                if n not in matches and track_id not in matches.values():
                    matches[n] = track_id
        for n, face in enumerate(faces):
            if n in matches:
                face.face_id = matches[n]
                self._tracks[face.face_id] = self._moved(self._tracks[face.face_id], face)
            else:
                face.face_id = self._next_id
                self._next_id += 1
                self._tracks[face.face_id] = _Track(face, self._seen)
        return faces

    def _moved(self, track: _Track, face: Face) -> _Track:
        steps = max(1, self._seen - track.last_seen)
        (old_x, old_y), (new_x, new_y) = _centre(track.face), _centre(face)
        step = ((new_x - old_x) / steps, (new_y - old_y) / steps)
        velocity = tuple(MOTION_MEMORY * s + (1 - MOTION_MEMORY) * v for s, v in zip(step, track.velocity))
        return _Track(face, self._seen, velocity)

    @staticmethod
    def _distance(face: Face, box: Face) -> float:
        (fx, fy), (bx, by) = _centre(face), _centre(box)
        return ((fx - bx) ** 2 + (fy - by) ** 2) ** 0.5 / max(face.w, face.h, box.w, box.h, 1)

    @staticmethod
    def _similar_size(face: Face, box: Face) -> bool:
        """One person's face grows or shrinks gradually: at most twice or half the side between matches."""
        ratio = max(face.w, face.h) / max(box.w, box.h, 1)
        return 0.5 <= ratio <= 2.0


@hookimpl
def fer_video_trackers() -> list[StageFactory]:
    return [StageFactory("iou", IouTracker, "box overlap along each face's motion, then the nearest face; "
                         "ids survive a second or so of missed detections")]
