"""Frames decoded, and copies drawn on, into images nothing holds any more instead of fresh ones."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import numpy as np


class ReusedImages:
    """Images a decoder or an annotator may write into again: those no frame, sink or view still holds.

    A fresh 720p image a frame costs the kernel a page fault for every 4 KiB of it; a file's
    frames are all the same size, so after the first few each is written into an image the
    pipeline has finished with. An image counts as free when nothing but this pool refers to
    it: a frame still queued, a sink keeping the last frame, or a view of a face cropped from
    it, all hold a reference, so those are never written over.
    """

    def __init__(self, keep: int = 32) -> None:
        self.keep = keep
        self._images: list[np.ndarray] = []
        self._lock = threading.Lock()  # sinks on threads of their own may draw frames at once
        # The reference count of an image nothing else holds, measured as free() measures it
        # rather than assumed (interpreters count a loop's own references differently).
        self._images.append(np.empty(0, np.uint8))
        self._idle = next(self._counted())[1]
        self._images.clear()

    def free(self, like: np.ndarray | None = None) -> np.ndarray | None:
        """An image nothing else holds (of ``like``'s shape and type, when given), or ``None``.

        The caller's reference to it is what keeps the next call from handing it out again."""
        with self._lock:
            for image, references in self._counted():
                if references <= self._idle and (like is None or (image.shape == like.shape
                                                                  and image.dtype == like.dtype)):
                    return image
        return None

    def copy_of(self, image: np.ndarray) -> np.ndarray:
        """``image``'s pixels in an image of this pool's (a new one when none is free)."""
        given = self.free(like=image)
        if given is None:
            copy = image.copy()
            self.returned(None, copy)
            return copy
        np.copyto(given, image)
        return given

    def __getstate__(self) -> dict:
        """A copy (or a pickle, for another process) starts with no images and a lock of its own."""
        return {"keep": self.keep, "_idle": self._idle}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._images = []
        self._lock = threading.Lock()

    def _counted(self) -> Iterator[tuple[np.ndarray, int]]:
        for image in self._images:
            yield image, sys.getrefcount(image)

    def returned(self, given: np.ndarray | None, image: np.ndarray) -> None:
        """Note what the decoder gave back for ``given``: the same image, or a new one (the
        first frames, or a size that changed), which then takes ``given``'s place."""
        if image is given:
            return
        with self._lock:
            if given is not None:
                self._images = [kept for kept in self._images if kept is not given]
            if len(self._images) < self.keep:
                self._images.append(image)
