"""The ``iou`` tracker: stable face ids by matching boxes frame to frame."""

from __future__ import annotations

from dataclasses import dataclass

from fer_video import hookimpl
from fer_video.builtins.options import number, whole_number
from fer_video.plugins.factories import StageFactory
from fer_video.types import Face


@dataclass
class _Track:
    face: Face
    last_seen: int


class IouTracker:
    """Greedy IoU matching; a track survives ``max_missed`` analysed frames without a detection.

    Misses are counted in frames the tracker saw, not in frame numbers, so a live source
    that drops frames does not age its tracks faster.
    """

    def __init__(self, min_iou: float = 0.3, max_missed: int = 15) -> None:
        self.min_iou = number("min_iou", min_iou, 0.0, 1.0)
        self.max_missed = whole_number("max_missed", max_missed, 0, 100_000)  # -1 ended every track at once
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
        pairs = sorted(
            (
                (face.iou(track.face), n, track_id)
                for n, face in enumerate(faces)
                for track_id, track in self._tracks.items()
            ),
            reverse=True,
        )
        taken_faces: set[int] = set()
        taken_tracks: set[int] = set()
        for overlap, n, track_id in pairs:
            if overlap < self.min_iou:
                break
            if n in taken_faces or track_id in taken_tracks:
                continue
            faces[n].face_id = track_id
            taken_faces.add(n)
            taken_tracks.add(track_id)
        for n, face in enumerate(faces):
            if n not in taken_faces:
                face.face_id = self._next_id
                self._next_id += 1
            self._tracks[face.face_id] = _Track(face, self._seen)
        return faces


@hookimpl
def fer_video_trackers() -> list[StageFactory]:
    return [StageFactory("iou", IouTracker, "box overlap matching; ids survive a few missed detections")]
