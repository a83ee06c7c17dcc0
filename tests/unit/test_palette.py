"""The palette: one set of emotion and face colours for the live page, the overlays and the report."""

from __future__ import annotations

import re

from fer_video.palette import EMOTION_COLOURS, face_colour
from tests.support import REPO


def test_the_palette_is_the_live_pages_and_the_overlays():
    app = (REPO / "fer_video" / "builtins" / "web" / "static" / "app.js").read_text()
    block = re.search(r"EMOTION_COLOURS = \{(.*?)\}", app, re.S).group(1)
    assert dict(re.findall(r'(\w+): "(#[0-9a-f]{6})"', block)) == EMOTION_COLOURS
    faces = re.findall(r'"(#[0-9a-f]{6})"', re.search(r"FACE_COLOURS = \[(.*?)\]", app, re.S).group(1))
    assert faces == [face_colour(i) for i in range(len(faces))]
