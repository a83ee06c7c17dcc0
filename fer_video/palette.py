"""The colours of faces and emotions, shared by the overlay, the live page and the report, and line
styles for grey print.

The emotion colours are the live page's (``builtins/web/static/app.js``, a test keeps the two equal),
the face colours the overlay's box colours, so a face is the same colour in the video, the live page,
the report and the figure. Colours alone do not survive a grey printer: each emotion also has its
own dash pattern.
"""

from __future__ import annotations

from fer_video.emotions import EMOTIONS

PALETTE = [(66, 135, 245), (60, 180, 75), (230, 50, 50), (245, 130, 48), (145, 30, 180),
           (70, 240, 240), (240, 50, 230), (210, 245, 60), (0, 128, 128), (170, 110, 40)]
"""Face colours (BGR) cycled by face id, so a face keeps its colour as long as it keeps its id."""

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


def face_colour_bgr(face_id: int | None) -> tuple[int, int, int]:
    """The overlay's box colour for this id, as OpenCV draws it."""
    return PALETTE[(face_id or 0) % len(PALETTE)]


def face_colour(face_id: int) -> str:
    """The overlay's box colour for this id, as ``#rrggbb``."""
    blue, green, red = face_colour_bgr(face_id)
    return f"#{red:02x}{green:02x}{blue:02x}"
