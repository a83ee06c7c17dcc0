"""The colours the overlay and the live page already use, and line styles for grey print.

The emotion colours are the live page's (``builtins/web/static/app.js``, a test keeps the two equal),
the face colours the overlay's box colours, so a face is the same colour in the video, the live page,
the report and the figure. Colours alone do not survive a grey printer: each emotion also has its
own dash pattern.
"""

from __future__ import annotations

from fer_video.builtins.annotator import PALETTE
from fer_video.emotions import EMOTIONS

EMOTION_COLOURS: dict[str, str] = {
    "angry": "#e6194b", "disgust": "#3cb44b", "fear": "#b05ee0", "happy": "#ffd21f",
    "sad": "#4f8cff", "surprise": "#f58231", "neutral": "#a9b0bd",
}

EMOTION_DASHES: dict[str, tuple[float, ...]] = {
    "angry": (), "disgust": (6, 3), "fear": (1.5, 2), "happy": (), "sad": (8, 3, 1.5, 3),
    "surprise": (3, 3), "neutral": (10, 2, 1.5, 2, 1.5, 2),
}
"""Dash patterns in line widths (empty: solid). happy and angry are both solid: in grey, happy's
yellow is the lightest line and angry's red among the darkest, and happy is drawn thicker."""

EMOTION_WIDTHS: dict[str, float] = {name: 2.4 if name == "happy" else 1.5 for name in EMOTIONS}


def face_colour(face_id: int) -> str:
    """The overlay's box colour for this id, as ``#rrggbb`` (the overlay's palette is BGR)."""
    blue, green, red = PALETTE[face_id % len(PALETTE)]
    return f"#{red:02x}{green:02x}{blue:02x}"
