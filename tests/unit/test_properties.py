"""Property-based tests (Hypothesis): for any sequence of boxes and scores, the tracker keeps ids stable,
the smoothers keep scores a distribution, and a timeline written is a timeline read back (issue 13)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fer_video.builtins.iou import IouTracker
from fer_video.builtins.smoothers import EmaSmoother, NoSmoother, VoteSmoother
from fer_video.builtins.timeline import CsvSink, JsonLinesSink
from fer_video.emotions import EMOTIONS
from fer_video.io.csv_cells import real_text
from fer_video.report.timeline_file import read_timeline
from fer_video.types import Face, Frame, RunInfo, SourceInfo

CELL = 100  # people sit in cells of a grid, 100 px apart: their boxes never overlap


def _distribution(weights: list[float]) -> np.ndarray:
    scores = np.asarray(weights, np.float32) + 1e-6
    return scores / scores.sum()


distributions = st.lists(st.floats(0, 1, allow_nan=False), min_size=len(EMOTIONS), max_size=len(EMOTIONS)) \
    .map(_distribution)


@st.composite
def crowds(draw):
    """Up to 6 people over up to 40 frames: each in or out of view on each frame, jittering a few pixels."""
    people = draw(st.integers(1, 6))
    frames = draw(st.integers(1, 40))
    seen = draw(st.lists(st.lists(st.booleans(), min_size=people, max_size=people), min_size=frames,
                         max_size=frames))
    jitter = draw(st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4), st.integers(-4, 4)),
                           min_size=frames, max_size=frames))
    return people, seen, jitter


@settings(max_examples=150, deadline=None)
@given(crowds(), st.integers(0, 20))
def test_tracker_ids_are_stable_and_never_shared(crowd, max_missed):
    people, seen, jitter = crowd
    tracker = IouTracker(max_missed=max_missed)
    last_id: dict[int, int] = {}
    last_frame: dict[int, int] = {}
    owner: dict[int, int] = {}  # id -> the person it was given to
    for frame, (present, (dx, dy, dw)) in enumerate(zip(seen, jitter)):
        who = [person for person in range(people) if present[person]]
        faces = [Face(x=person * CELL * 2 + 20 + dx, y=20 + dy, w=CELL + dw, h=CELL + dw) for person in who]
        faces = tracker.update(faces, frame)
        ids = [face.face_id for face in faces]
        assert len(set(ids)) == len(ids) and all(isinstance(i, int) and i >= 0 for i in ids)
        for person, face_id in zip(who, ids):
            assert owner.setdefault(face_id, person) == person  # an id is never handed to someone else
            if person in last_id and frame - last_frame[person] <= max_missed + 1:
                assert face_id == last_id[person]  # back within max_missed frames: same id
            last_id[person], last_frame[person] = face_id, frame


@st.composite
def score_streams(draw):
    """Frames of faces with ids 0-3, in any order and any gaps, each with a distribution of raw scores."""
    frames = draw(st.lists(st.lists(st.tuples(st.integers(0, 3), distributions), max_size=4,
                                    unique_by=lambda face: face[0]), max_size=30))
    gaps = draw(st.lists(st.integers(1, 100), min_size=len(frames), max_size=len(frames)))
    return frames, np.cumsum(gaps).tolist()


@settings(max_examples=150, deadline=None)
@given(score_streams(), st.sampled_from(["none", "ema", "vote"]), st.floats(0.01, 1), st.integers(1, 20))
def test_smoothed_scores_stay_a_distribution(stream, name, alpha, window):
    smoother = {"none": NoSmoother(), "ema": EmaSmoother(alpha=alpha), "vote": VoteSmoother(window=window)}[name]
    for faces_of_frame, index in zip(*stream):
        faces = [Face(0, 0, 10, 10, face_id=face_id, raw_scores=raw) for face_id, raw in faces_of_frame]
        smoother.smooth(faces, index)
        for face in faces:
            scores = np.asarray(face.scores, np.float64)
            assert scores.shape == (len(EMOTIONS),) and np.isfinite(scores).all()
            assert (scores >= 0).all() and abs(scores.sum() - 1) < 1e-4


names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"), min_size=1,
                max_size=12).map(lambda text: text + ".jpg")


@st.composite
def timelines(draw):
    """Frames with faces: boxes, detector scores, ids, smoothed and raw scores, and (for folders) file names."""
    count = draw(st.integers(0, 12))
    frames = []
    indices = np.cumsum(draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))) - 1
    for index in indices.tolist():
        faces = []
        for face_id in draw(st.lists(st.integers(0, 50), max_size=3, unique=True)):
            box = draw(st.tuples(st.integers(0, 4000), st.integers(0, 4000), st.integers(1, 4000),
                                 st.integers(1, 4000)))
            faces.append(Face(*box, detector_score=draw(st.floats(0, 1)), face_id=face_id,
                              scores=draw(distributions), raw_scores=draw(distributions)))
        frames.append(Frame(index=index, time_s=index / 30,
                            image=np.zeros((1, 1, 3), np.uint8), faces=faces, name=draw(names)))
    return frames


def _pictures_named(*names: str) -> list[Frame]:
    return [Frame(index=index, time_s=0.0, image=np.zeros((1, 1, 3), np.uint8), name=name,
                  faces=[Face(1, 2, 3, 4, face_id=0, scores=_distribution([1] * 7), raw_scores=_distribution([1] * 7))])
            for index, name in enumerate(names)]


@settings(max_examples=60, deadline=None)
@given(timelines(), st.booleans(), st.sampled_from(["video", "folder"]), st.sampled_from(["csv", "jsonl"]))
@example(_pictures_named("line\u2028separator.jpg", "form\x0cfeed.jpg", "new\nline.jpg", 'a,"quoted".jpg'),
         True, "folder", "csv")  # names a CSV quotes but str.splitlines() cuts
@example(_pictures_named("carriage\rreturn.jpg", "0.jpg"), False, "folder", "csv")  # read back as \n before
def test_timeline_rows_round_trip(frames, smoothed, kind, form):
    source = SourceInfo(path=None, fps=30.0, width=640, height=360, kind=kind)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t.{form}"
        sink = (CsvSink if form == "csv" else JsonLinesSink)(output=path)
        sink.start(RunInfo(source=source, smoothed=smoothed))
        for frame in frames:
            sink.write(frame)
        sink.close()
        timeline = read_timeline(path)
        if form == "csv" and kind == "folder":
            with path.open(newline="", encoding="utf-8") as handle:
                files = [real_text(row["file"]) for row in csv.DictReader(handle)]  # '-.jpg is -.jpg, safe
            assert files == [frame.name for frame in frames for _ in frame.faces]

    written = [(frame, face) for frame in frames for face in frame.faces]
    assert timeline.rows == len(written)
    assert timeline.smoothed == smoothed or (form == "jsonl" and not written)  # JSON Lines has no header line
    for frame, face in written:
        # A video's face is one track through its frames; a picture's face is a track of its own.
        [track] = [track for track in timeline.faces if frame.index in track.frames and face.face_id == (
            track.face_id if track.picture is None else track.id_in_picture)]
        assert track.picture == (frame.name if kind == "folder" else None)
        row = int(np.flatnonzero(track.frames == frame.index)[0])
        assert tuple(track.boxes[row]) == face.box
        assert track.times[row] == round(frame.time_s, 6)
        assert abs(track.detector_scores[row] - face.detector_score) <= 5e-5
        np.testing.assert_allclose(track.scores[row], face.scores, atol=5e-5)
        assert EMOTIONS[track.top[row]] == face.emotion
