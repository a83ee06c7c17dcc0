"""``fer-video report``: a timeline made visible, as an offline HTML page or a PNG/SVG figure, or
summed up per face in a CSV table.

A timeline CSV is what a program wants; a person wants to see who smiled when, for how long, and
where the surprise came. The modules here each do one thing: read a timeline
(:mod:`~fer_video.report.timeline_file`), sum up each face (:mod:`~fer_video.report.summary`), bound
what is drawn (:mod:`~fer_video.report.downsample`), check and cut pictures from the video
(:mod:`~fer_video.report.video`), and render the page (:mod:`~fer_video.report.page`) or the figure
(:mod:`~fer_video.report.figure`).
"""

from __future__ import annotations

from pathlib import Path

from fer_video.io.atomic import naming, partial_path, publish
from fer_video.report.facts import RunFacts, card_accuracy, stage_label
from fer_video.report.timeline_file import NotATimelineError, Timeline, read_timeline

PAGE_SUFFIXES = (".html", ".htm")
FIGURE_SUFFIXES = (".png", ".svg")
TABLE_SUFFIXES = (".csv",)

__all__ = ["RunFacts", "NotATimelineError", "Timeline", "card_accuracy", "make_report", "output_kind",
           "read_timeline", "stage_label"]


def output_kind(path: Path | str) -> str:
    """``page``, ``figure`` or ``table`` from the output's extension; a ``ValueError`` names the ones
    that work."""
    suffix = Path(path).suffix.lower()
    if suffix in PAGE_SUFFIXES:
        return "page"
    if suffix in FIGURE_SUFFIXES:
        return "figure"
    if suffix in TABLE_SUFFIXES:
        return "table"
    raise ValueError(f"a report is an HTML page (.html), a figure (.png, .svg) or a per-face table (.csv), "
                     f"not {Path(path).name!r}")


def make_report(timeline_path: Path | str, output: Path | str, *, video: Path | str | None = None,
                run: RunFacts | None = None, force: bool = False) -> Path:
    """Write the page or figure for a timeline; check everything before writing anything.

    ``video`` (the analysed file) adds each face's picture and stills at its peaks, and is refused
    when its frame rate or frame count cannot be the timeline's. The output appears under its name
    only once complete, and an existing one is kept unless ``force``.
    """
    from fer_video.report.facts import fact_rows
    from fer_video.report.summary import summarise
    from fer_video.report.video import check_matches, probe_video

    output = Path(output)
    kind = output_kind(output)
    if output.exists() and not force:
        raise FileExistsError(f"output {output} already exists; pass --force to overwrite it")
    timeline = read_timeline(timeline_path)
    facts = None
    if video is not None:
        facts = probe_video(video)
        check_matches(timeline, facts)
        if timeline.fps is None:  # a one-frame video: its only time is 0, so the rate is the video's
            timeline.fps = facts.fps
    summaries = [summarise(face, timeline.fps) for face in timeline.faces]
    if kind == "table":
        from fer_video.report.faces_table import faces_table

        content = faces_table(timeline, summaries).encode("utf-8")
    elif kind == "figure":
        from fer_video.report.figure import render_figure

        content = render_figure(timeline, summaries, output.suffix.lower()[1:],
                                duration_s=facts.duration_s if facts else None)
    else:
        from fer_video.report.page import render_page

        pictures = _pictures(timeline, summaries, facts.path) if facts else None
        title = facts.path.name if facts else timeline.path.name
        content = render_page(title, timeline, summaries, fact_rows(timeline, facts, run), pictures).encode("utf-8")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(output)
    try:
        partial.write_bytes(content)
    except BaseException as error:
        if partial != output:  # never remove a device or FIFO written into in place
            partial.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise naming(error, output) from None
        raise
    publish(partial, output)
    return output


def _pictures(timeline: Timeline, summaries: list, video: Path) -> dict:
    """Each face at its best detection, and the frame at each emotion's highest peak, boxed."""
    from fer_video.palette import face_colour
    from fer_video.report.page import FacePictures
    from fer_video.report.video import read_frames, still, thumbnail

    wanted: dict[int, list[tuple[int, int, bool]]] = {}  # frame -> (face id, row, is the thumbnail)
    for summary in summaries:
        face = timeline.face(summary.face_id)
        wanted.setdefault(int(face.frames[summary.best_row]), []).append((summary.face_id, summary.best_row, True))
        for peaks in summary.peaks.values():
            wanted.setdefault(peaks[0].frame, []).append((summary.face_id, peaks[0].row, False))
    images = read_frames(video, set(wanted))
    pictures = {summary.face_id: FacePictures() for summary in summaries}
    for frame, uses in wanted.items():
        for face_id, row, is_thumbnail in uses:
            box = timeline.face(face_id).boxes[row]
            if is_thumbnail:
                pictures[face_id].thumbnail = thumbnail(images[frame], box)
            else:
                pictures[face_id].stills[row] = still(images[frame], box, face_colour(face_id))
    return pictures
