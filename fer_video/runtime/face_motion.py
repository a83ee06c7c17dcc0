"""Faces carried between detections, moving at the speed they had between the last two."""

from __future__ import annotations

from fer_video.types import Face


class FaceMotion:
    """Stands in for the detector on the frames it skips.

    After each detection it remembers every face's box by id and, for faces seen in the previous
    detection too, their velocity in pixels per frame. :meth:`carried` returns those faces moved
    on to a later frame, under the same ids, so tracking, smoothing and the timeline carry on.
    Without stable ids (no tracker) faces are held in place instead of moved.
    """

    def __init__(self, moving: bool = True) -> None:
        self.moving = moving
        self._faces: list[Face] = []
        self._seen_at = 0
        self._velocity: dict[int, tuple[float, ...]] = {}

    def remember(self, faces: list[Face], frame_index: int) -> None:
        """Note the faces the detector (and tracker) just gave for ``frame_index``."""
        steps = frame_index - self._seen_at
        before = {face.face_id: face.box for face in self._faces} if self.moving and steps > 0 else {}
        self._velocity = {
            face.face_id: tuple((now - then) / steps for now, then in zip(face.box, before[face.face_id]))
            for face in faces
            if face.face_id in before
        }
        self._faces = [Face(f.x, f.y, f.w, f.h, f.detector_score, f.face_id, roll=f.roll)
                       for f in faces if f.face_id is not None]
        self._seen_at = frame_index

    def carried(self, frame_index: int, width: int, height: int) -> list[Face]:
        """The last detection's faces as they should stand at ``frame_index``, clipped to the frame."""
        steps = frame_index - self._seen_at
        faces = []
        for face in self._faces:
            dx, dy, dw, dh = self._velocity.get(face.face_id, (0.0, 0.0, 0.0, 0.0))
            w = max(1, round(face.w + dw * steps))
            h = max(1, round(face.h + dh * steps))
            x = min(max(0, round(face.x + dx * steps)), width - 1)
            y = min(max(0, round(face.y + dy * steps)), height - 1)
            faces.append(Face(x, y, min(w, width - x), min(h, height - y), face.detector_score, face.face_id,
                              roll=face.roll))
        return faces
