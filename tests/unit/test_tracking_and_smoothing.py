"""Face ids stay stable while faces move; smoothers steady scores per face id."""

from __future__ import annotations

import numpy as np
import pytest

from fer_video.builtins.iou import IouTracker
from fer_video.builtins.smoothers import EmaSmoother, NoSmoother, VoteSmoother
from fer_video.types import Face


def test_ids_follow_two_moving_faces_and_survive_missed_frames():
    tracker = IouTracker(max_missed=3)
    seen = []
    for frame in range(20):
        faces = [Face(10 + 3 * frame, 10, 50, 50), Face(300 - 3 * frame, 200, 60, 60)]
        if frame in (7, 8):  # the detector misses the first face twice
            faces = faces[1:]
        seen.append({(f.x < 200): f.face_id for f in tracker.update(faces, frame)})
    assert {s[True] for s in seen if True in s} == {0}
    assert {s[False] for s in seen} == {1}


@pytest.mark.parametrize("follows", [True, False], ids=["motion and nearest", "plain overlap"])
def test_one_person_in_a_handheld_shot_keeps_one_id(follows):
    """The camera pans: the face moves 40 px between detections (its box overlaps the last one too little),
    and the detector loses it for three detections while it keeps moving."""
    options = {} if follows else {"predict": False, "max_jump": 0}
    tracker = IouTracker(**options)
    ids = set()
    for step in range(30):
        if step in (12, 13, 14):
            tracker.update([], step)
            continue
        ids |= {face.face_id for face in tracker.update([Face(40 + 40 * step, 300, 80, 80)], step)}
    assert (ids == {0}) if follows else (len(ids) > 1)


def test_two_people_side_by_side_keep_their_own_ids_when_one_is_missed():
    tracker = IouTracker()
    left, right = Face(100, 100, 80, 80), Face(400, 100, 80, 80)
    tracker.update([left, right], 0)
    for step in range(1, 6):
        only_right = tracker.update([Face(400, 100, 80, 80)], step)  # the left face is not found
        assert only_right[0].face_id == 1, "the nearest track within reach is its own, not the other person's"
    assert tracker.update([Face(100, 100, 80, 80), Face(400, 100, 80, 80)], 6)[0].face_id == 0


def test_a_face_gone_too_long_gets_a_new_id():
    tracker = IouTracker(max_missed=2)
    assert tracker.update([Face(0, 0, 40, 40)], 0)[0].face_id == 0
    for frame in (1, 2, 3):
        tracker.update([], frame)
    assert tracker.update([Face(0, 0, 40, 40)], 4)[0].face_id == 1


def test_misses_are_counted_in_analysed_frames_not_frame_numbers():
    """A live source that drops frames jumps in frame numbers; that is no missed detection."""
    tracker = IouTracker(max_missed=2)
    assert tracker.update([Face(0, 0, 40, 40)], 0)[0].face_id == 0
    tracker.update([], 30)
    assert tracker.update([Face(2, 0, 40, 40)], 60)[0].face_id == 0


def _face(face_id, scores):
    face = Face(0, 0, 10, 10, face_id=face_id)
    face.raw_scores = face.scores = np.asarray(scores, np.float32)
    return face


def test_ema_averages_per_face_and_keeps_a_distribution():
    smoother = EmaSmoother(alpha=0.5)
    first, second = np.eye(7)[3], np.eye(7)[6]
    smoother.smooth([_face(0, first), _face(1, second)], 0)
    faces = [_face(0, second), _face(1, second)]
    smoother.smooth(faces, 1)
    np.testing.assert_allclose(faces[0].scores, 0.5 * first + 0.5 * second)
    np.testing.assert_allclose(faces[1].scores, second)
    assert faces[0].scores.sum() == pytest.approx(1)


def test_vote_reports_vote_shares_over_the_window():
    smoother = VoteSmoother(window=4)
    for frame, label in enumerate([3, 3, 6, 3, 6]):
        face = _face(0, np.eye(7)[label])
        smoother.smooth([face], frame)
    assert face.emotion == "happy" or face.emotion == "neutral"
    np.testing.assert_allclose(face.scores[[3, 6]], [0.5, 0.5])
    assert face.scores.sum() == pytest.approx(1)


def test_none_passes_raw_scores_through_and_says_so():
    face = _face(0, np.eye(7)[2])
    face.scores = None
    NoSmoother().smooth([face], 0)
    assert face.emotion == "fear"
    assert NoSmoother.changes_scores is False


def test_bad_smoother_options_are_refused():
    with pytest.raises(ValueError, match="alpha"):
        EmaSmoother(alpha=0)
    with pytest.raises(ValueError, match="window"):
        VoteSmoother(window=0)
