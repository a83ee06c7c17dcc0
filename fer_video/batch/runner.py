"""A batch from start to end: plan, skip what an earlier run finished, run the rest, sum up.

Both engines run under this, so resuming, the summary and the exit code are the same whichever runs
the videos. A video is finished when every output it needs is there (outputs only ever appear
complete) and newer than the video; a failed or unfinished one is done again.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fer_video.batch.index_page import write_index
from fer_video.batch.inputs import Inputs, Video, check_output_folder, find_videos
from fer_video.batch.jobs import Job
from fer_video.batch.progress import BatchProgress
from fer_video.batch.stats import VideoStats, finished_stats
from fer_video.batch.summary import SUMMARY_NAME, Row, write_summary
from fer_video.batch.video import Wanted
from fer_video.io.atomic import clean_stale
from fer_video.messages import say
from fer_video.runtime.config import PipelineConfig

if TYPE_CHECKING:
    from fer_video.batch.local import LocalEngine
    from fer_video.batch.ray_engine import RayEngine


SUMMARY_EVERY_S = 2.0
"""summary.csv is rewritten whole as videos end, at most this often (and at the end): a cluster ending
hundreds of videos a second would otherwise spend its driver on rewriting it."""


@dataclass
class BatchRequest:
    """Everything ``fer-video batch`` was asked, checked by the command line."""

    inputs: list[str]
    output: Path
    config: PipelineConfig
    wanted: Wanted
    workers: int
    engine: str = "local"
    address: str | None = None
    force: bool = False
    progress: bool = True
    shared_storage: bool = False


def make_engine(request: BatchRequest) -> LocalEngine | RayEngine:
    """The local process pool, or Ray (imported only when asked)."""
    if request.engine == "ray":
        from fer_video.batch.ray_engine import RayEngine

        engine = RayEngine(request.config, request.wanted, request.address, shared=request.shared_storage)
        engine.connect()  # before anything is written: a cluster out of reach leaves no output folder
        return engine
    from fer_video.batch.local import LocalEngine

    return LocalEngine(request.config, request.wanted, request.workers)


def run_batch(request: BatchRequest) -> int:
    """Run the batch; the exit code is 0, 1 when a video failed, or 128 + the signal that stopped it."""
    inputs = find_videos(request.inputs)
    output = request.output
    check_output_folder(output, inputs)
    _check_folder_is_a_batchs(output, request.force)
    engine = make_engine(request)
    output.mkdir(parents=True, exist_ok=True)
    rows, jobs = _plan(inputs, output, request.wanted, request.force)
    names = {job.index: str(inputs.videos[job.index].path) for job in jobs}
    write_summary(output, _ordered(rows))
    workers = min(request.workers, len(jobs))
    say(f"{len(inputs.videos)} videos: {len(jobs)} to analyse, {len(rows)} finished by an earlier run (skipped); "
        + (f"{workers} local worker process{'es' if workers > 1 else ''}" if request.engine == "local" else "on Ray"))
    progress = BatchProgress(len(jobs), names, shown=request.progress)
    interrupted: KeyboardInterrupt | None = None
    written = 0.0
    try:
        with closing(engine.run(jobs, progress.events)) as outcomes:
            for outcome in outcomes:
                video = inputs.videos[outcome.index]
                if outcome.result is not None:
                    rows[outcome.index] = Row(str(video.path), "done", timeline=_timeline(video),
                                              stats=outcome.result.stats, seconds=outcome.result.seconds)
                else:
                    rows[outcome.index] = Row(str(video.path), "failed", error=outcome.error)
                    named = outcome.error if str(video.path) in outcome.error else f"{video.path}: {outcome.error}"
                    progress.line(f"failed: {named}")
                progress.ended(outcome.index)
                if time.monotonic() - written >= SUMMARY_EVERY_S:
                    write_summary(output, _ordered(rows))
                    written = time.monotonic()
    except KeyboardInterrupt as error:
        interrupted = error
    finally:
        progress.close()
    return _finish(request, inputs, rows, progress, interrupted)


def _finish(request: BatchRequest, inputs: Inputs, rows: dict[int, Row], progress: BatchProgress,
            interrupted: KeyboardInterrupt | None) -> int:
    ordered = _ordered(rows)
    write_summary(request.output, ordered)
    if request.wanted.report:
        pages = {str(video.path): f"{video.name}.html" for video in inputs.videos}
        say(f"wrote {write_index(request.output, ordered, pages)}")
    counts = {status: sum(row.status == status for row in ordered) for status in ("done", "skipped", "failed")}
    say(f"{counts['done']} analysed ({progress.frames} frames, {progress.frames_per_s():.1f} frames/s), "
        f"{counts['skipped']} skipped, {counts['failed']} failed; wrote {request.output / SUMMARY_NAME}")
    if interrupted is not None:
        left = len(inputs.videos) - len(ordered)
        say(f"interrupted: {left} videos not finished; run the same command again to do them "
            "(finished ones are skipped)")
        return 128 + getattr(interrupted, "signum", signal.SIGINT)
    return 1 if counts["failed"] else 0


def _plan(inputs: Inputs, output: Path, wanted: Wanted, force: bool) -> tuple[dict[int, Row], list[Job]]:
    """Rows for the videos an earlier run finished, and a job for every other one."""
    rows: dict[int, Row] = {}
    jobs = []
    cleaned = set()
    for index, video in enumerate(inputs.videos):
        outputs = {suffix: video.output(output, suffix) for suffix in wanted.suffixes()}
        folder = outputs[".csv"].parent
        if folder not in cleaned:  # what a killed run (kill -9) left half-written
            clean_stale(folder)
            cleaned.add(folder)
        stats = None if force else _finished(video.path, outputs)
        if stats is not None:
            rows[index] = Row(str(video.path), "skipped", timeline=_timeline(video), stats=stats)
        else:
            jobs.append(Job(index, video.path, outputs))
    return rows, jobs


def _finished(video: Path, outputs: dict[str, Path]) -> VideoStats | None:
    """The stats of a video whose outputs are all there and newer than it; ``None`` when it must be done."""
    modified = video.stat().st_mtime
    for path in outputs.values():
        try:
            if path.stat().st_mtime < modified:
                return None
        except OSError:
            return None
    try:
        return finished_stats(video, outputs[".csv"])
    except (ValueError, OSError):  # a timeline that cannot be read is not a finished one
        return None


def _timeline(video: Video) -> str:
    return f"{video.name}.csv"


def _ordered(rows: dict[int, Row]) -> list[Row]:
    return [rows[index] for index in sorted(rows)]


def _check_folder_is_a_batchs(output: Path, force: bool) -> None:
    """An existing output folder must be an earlier batch's (it holds ``summary.csv``), be empty, or ``--force``d."""
    if force or not output.is_dir() or (output / SUMMARY_NAME).exists():
        return
    if any(not entry.name.startswith(".") for entry in os.scandir(output)):
        raise FileExistsError(f"output folder {output} already holds files and no {SUMMARY_NAME} of an earlier "
                              "batch; name a new or empty folder, or pass --force to write into it")
