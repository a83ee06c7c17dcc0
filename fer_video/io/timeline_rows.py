"""The tidy timeline: one row per face per analysed frame, shared by the CSV and JSON Lines sinks."""

from __future__ import annotations

from typing import Any

from fer_video.emotions import EMOTIONS
from fer_video.types import Frame

BASE_COLUMNS = ("frame", "time_s", "face_id", "x", "y", "w", "h", "detector_score", "emotion", "confidence")


def columns(smoothed: bool, named: bool = False) -> list[str]:
    """Column names; the raw (unsmoothed) scores follow under ``raw_`` when a smoother ran.

    ``named`` adds ``file`` after ``frame``: the rows of a folder of pictures say which picture
    they came from, since a frame number alone means nothing to someone looking at the photos.
    """
    names = [*BASE_COLUMNS, *EMOTIONS]
    if named:
        names.insert(1, "file")
    if smoothed:
        names += [f"raw_{name}" for name in EMOTIONS]
    return names


def rows(frame: Frame, smoothed: bool, named: bool = False) -> list[dict[str, Any]]:
    """The frame's faces as timeline rows (with its ``file`` when ``named``); a frame without faces has none."""
    result = []
    for face in frame.faces:
        if face.scores is None:
            continue
        row: dict[str, Any] = {
            "frame": frame.index,
            **({"file": frame.name} if named else {}),
            "time_s": round(frame.time_s, 6),
            "face_id": face.face_id,
            "x": face.x,
            "y": face.y,
            "w": face.w,
            "h": face.h,
            "detector_score": round(float(face.detector_score), 4),
            "emotion": face.emotion,
            "confidence": round(face.confidence, 4),
        }
        row.update({name: round(float(v), 4) for name, v in zip(EMOTIONS, face.scores)})
        if smoothed:
            row.update({f"raw_{name}": round(float(v), 4) for name, v in zip(EMOTIONS, face.raw_scores)})
        result.append(row)
    return result
