"""Images written into again only once nothing holds them: kept frames keep their pixels."""

from __future__ import annotations

import copy
import pickle

import numpy as np

from fer_video.io.ffmpeg import H264Writer
from fer_video.io.reused_images import ReusedImages
from fer_video.io.sources.video_file import VideoFileSource


def test_an_image_is_handed_out_again_only_when_nothing_holds_it():
    pool = ReusedImages()
    image = np.zeros((4, 4, 3), np.uint8)
    pool.returned(None, image)
    assert pool.free() is None  # this test holds it
    view = image[1:3]
    del image
    assert pool.free() is None  # a view of it (a face crop) holds it too
    del view
    again = pool.free()
    assert again is not None and again.shape == (4, 4, 3)
    assert pool.free() is None  # handed out: held now


def test_a_copy_has_the_pixels_and_a_different_size_is_a_new_image():
    pool = ReusedImages()
    first = pool.copy_of(np.full((2, 2), 7, np.uint8))
    del first
    second = pool.copy_of(np.full((2, 2), 9, np.uint8))
    assert (second == 9).all()
    other = pool.copy_of(np.full((3, 3), 5, np.uint8))
    assert other.shape == (3, 3) and (other == 5).all() and (second == 9).all()


def test_a_copied_or_pickled_pool_starts_empty():
    pool = ReusedImages()
    pool.copy_of(np.zeros((2, 2), np.uint8))
    for other in (copy.deepcopy(pool), pickle.loads(pickle.dumps(pool))):
        assert other.free() is None
        assert other.copy_of(np.ones((2, 2), np.uint8)).sum() == 4


def test_frames_a_consumer_keeps_keep_their_own_pixels(tmp_path):
    """The decoder writes into images the pipeline let go of; the frames still held (here every
    third, as a sink keeping frames would) must not be among them."""
    path = tmp_path / "ramp.mp4"
    writer = H264Writer(path, 64, 48, 25)
    for level in range(60):
        writer.write(np.full((48, 64, 3), 4 * level, np.uint8))
    writer.close()
    kept = []
    for frame in VideoFileSource(path):
        if frame.index % 3 == 0:
            kept.append(frame)
    assert len(kept) == 20
    for frame in kept:
        assert abs(int(frame.image[24, 32, 1]) - 4 * frame.index) <= 3, frame.index
