"""Text drawn in a real font at any size, fast enough for every frame: each string rendered once.

OpenCV's Hershey fonts are stroke fonts: at the sizes a 360p frame allows they blur into "ongry"
for "angry". Text here is DejaVu Sans, the font matplotlib ships (a dependency), rendered by
Pillow's FreeType (a matplotlib dependency too; the opencv-contrib-python wheel installed with
fer-video, 4.11, has no ``cv2.freetype``). Rendering a string costs a few hundred microseconds, so
each distinct string at each size becomes an alpha mask once, kept in a bounded cache, and is
alpha-blended onto frames after that: the overlay's seven emotion names are rendered once per frame
size, a label such as ``#0 happy 87%`` once per id, emotion and percentage.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

TOP_GLYPHS = "Hdl#%"
"""The glyphs whose tops are a line's top: capitals, ascenders, digits and signs (accents above are
not drawn in an overlay's words, so the line is cut just above them)."""
BOTTOM_GLYPHS = "gjpqy"
"""The glyphs whose bottoms are a line's bottom: the descenders."""


@lru_cache(maxsize=1)
def font_file() -> Path:
    """DejaVu Sans as matplotlib ships it (``mpl-data/fonts/ttf``)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if not path.is_file():
        raise FileNotFoundError(f"matplotlib's DejaVu Sans is missing ({path}): reinstall matplotlib")
    return path


@lru_cache(maxsize=64)
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(font_file()), size)


@lru_cache(maxsize=64)
def line_box(size: int) -> tuple[int, int]:
    """``(top, bottom)`` of a line of text ``size`` pixels high (the font's em), in pixels below the
    font's ascender line: every string of one size is cut to these rows, so strings line up."""
    font = _font(size)
    return font.getbbox(TOP_GLYPHS)[1], font.getbbox(BOTTOM_GLYPHS)[3]


def text_width(text: str, size: int) -> int:
    """Pixels the string advances at ``size`` (its mask's width)."""
    return max(1, int(np.ceil(_font(size).getlength(text))))


def line_height(size: int) -> int:
    """Pixels from the top of capitals and ascenders to the bottom of descenders."""
    top, bottom = line_box(size)
    return bottom - top


def render_mask(text: str, size: int) -> np.ndarray:
    """``text`` as an alpha mask (uint8, 255 where fully inked), :func:`line_height` rows high."""
    from PIL import Image, ImageDraw

    top, bottom = line_box(size)
    image = Image.new("L", (text_width(text, size), bottom - top))
    ImageDraw.Draw(image).text((0, -top), text, fill=255, font=_font(size))
    return np.asarray(image)


class SpriteCache:
    """Pictures made once and reused (text masks, labels), the least recently used dropped beyond
    ``keep``; safe to share between the sink threads that draw frames."""

    def __init__(self, keep: int = 256) -> None:
        self.keep = keep
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        """The item made for ``key``, made by ``make()`` the first time (and after it was dropped)."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item
        item = make()  # outside the lock: another thread may make the same one, the last one is kept
        if isinstance(item, np.ndarray):
            item.flags.writeable = False  # shared by every frame drawn after
        with self._lock:
            self._items[key] = item
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        return item

    def __len__(self) -> int:
        return len(self._items)


class WhiteText:
    """White text ready to blend: per pixel, how much of the picture under it stays (``255 - alpha``,
    times ``darken``) and the white it adds (``alpha``), on three channels, so a blend is two in-place
    operations. ``darken`` below 1 also dims the picture around the text, in the same two."""

    def __init__(self, mask: np.ndarray, darken: float = 1.0) -> None:
        ink = cv2.merge([mask, mask, mask])
        self.keep = cv2.bitwise_not(ink) if darken == 1 else cv2.convertScaleAbs(cv2.bitwise_not(ink), alpha=darken)
        self.ink = ink
        self.shape = mask.shape
        self.keep.flags.writeable = self.ink.flags.writeable = False

    def blend(self, region: np.ndarray) -> None:
        """``region * darken * (1 - alpha) + 255 * alpha``, in place; ``region`` is this text's shape (or
        less, where a frame ends: the text is cut to it)."""
        height, width = region.shape[:2]
        cv2.multiply(region, self.keep[:height, :width], dst=region, scale=1 / 255)
        cv2.add(region, self.ink[:height, :width], dst=region)


def stack(masks: list[np.ndarray], row: int, size: tuple[int, int], margin: int) -> np.ndarray:
    """Masks one under the other, ``row`` pixels apart, ``margin`` from the top and left of a mask of
    ``size`` (height, width)."""
    out = np.zeros(size, np.uint8)
    for i, mask in enumerate(masks):
        top = margin + i * row
        out[top:top + mask.shape[0], margin:margin + mask.shape[1]] = mask
    return out


def on_colour(mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """White text on a solid ``colour`` (BGR): an opaque picture, pasted rather than blended."""
    patch = np.empty((*mask.shape, 3), np.uint8)
    patch[:] = colour
    WhiteText(mask).blend(patch)
    return patch
