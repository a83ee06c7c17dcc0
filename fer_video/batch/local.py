"""The local engine: ``--workers N`` processes on this machine, each loading the models once.

A worker takes one video at a time from the batch's process through a pipe of its own, so a slow
video holds up nobody and a worker that dies (a decoder crashing on a damaged file) costs one
``failed`` row: the batch starts another worker and goes on. Workers ignore Ctrl+C, which a terminal
sends to every process; the batch's process stops them with SIGTERM, which each takes as Ctrl+C:
the video it was on is discarded, never published half-made.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Generator, Iterator
from multiprocessing.connection import Connection, wait

from fer_video.batch.jobs import BatchAborted, Events, Job, Outcome, reason
from fer_video.batch.video import Analyser, Wanted, analyse_video
from fer_video.io.atomic import clean_stale
from fer_video.runtime.config import PipelineConfig

STOP_TIMEOUT_S = 30.0
"""How long a stopped worker may take to discard its video's outputs and exit before it is killed."""


def default_workers() -> int:
    """One worker per core: a pipeline decodes, detects and classifies on threads of its own, but
    leaves a core partly idle while it waits on one of them, which a second process fills; more
    processes than cores only contend (``benchmarks/batch_speed.py`` measures 1, 2 and 4)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores)


class _Stop(KeyboardInterrupt):
    """SIGTERM in a worker: stop like Ctrl+C, so the pipeline closes and the video is discarded."""


def _stop(signum, frame) -> None:
    raise _Stop


def _serve(config: PipelineConfig, wanted: Wanted, conn: Connection) -> None:
    """A worker's life: load the models, then analyse the videos it is sent until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    _native_logs_off()
    try:
        try:
            analyser = Analyser(config)
        except Exception as error:
            conn.send(("broken", reason(error)))
            return
        while True:
            job = conn.recv()
            if job is None:
                return
            try:
                result = analyse_video(analyser, job.video, job.outputs, wanted,
                                       on_frames=lambda count: conn.send(("frames", count)))
            except KeyboardInterrupt:
                return
            except Exception as error:
                conn.send(("failed", job.index, reason(error)))
            else:
                conn.send(("done", job.index, result))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):  # stopped, or the batch's process is gone
        return


def _native_logs_off() -> None:
    """FFmpeg's and LiteRT's lines about a damaged file would break the bar; the worker says why a video
    failed through its pipe (``FER_VIDEO_DEBUG=1`` keeps them)."""
    if os.environ.get("FER_VIDEO_DEBUG"):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


class _Worker:
    def __init__(self, context, config: PipelineConfig, wanted: Wanted) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(config, wanted, child), daemon=True,
                                       name="fer-video-batch-worker")
        self.process.start()
        child.close()
        self.job: Job | None = None
        self.finished = 0  # videos it has ended, done or failed

    def send(self, job: Job) -> bool:
        """Hand it a video; ``False`` when it is gone (its end is then handled like any worker's death)."""
        try:
            self.conn.send(job)
        except OSError:
            return False
        self.job = job
        return True


class LocalEngine:
    """Runs jobs on worker processes; yields each job's outcome as it ends."""

    def __init__(self, config: PipelineConfig, wanted: Wanted, workers: int) -> None:
        self.config = config
        self.wanted = wanted
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")  # a clean interpreter: no threads forked

    def run(self, jobs: list[Job], events: Events) -> Iterator[Outcome]:
        pending = deque(jobs)
        workers: list[_Worker] = []
        try:
            workers = self._start(min(self.workers, len(jobs)))
            while pending or any(worker.job is not None for worker in workers):
                for worker in workers:
                    if worker.job is None and pending and worker.send(pending[0]):
                        events.started(pending.popleft().index)
                ready = wait([w.conn for w in workers] + [w.process.sentinel for w in workers], timeout=1.0)
                for worker in list(workers):
                    open_ = yield from self._receive(worker, events)
                    if not open_ or worker.process.sentinel in ready:
                        yield from self._replace(worker, workers, pending)
        finally:
            self._stop(workers)

    def _start(self, count: int) -> list[_Worker]:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited: a worker starting up ignores Ctrl+C
        try:
            return [_Worker(self._context, self.config, self.wanted) for _ in range(count)]
        finally:
            signal.signal(signal.SIGINT, previous)

    def _receive(self, worker: _Worker, events: Events) -> Generator[Outcome, None, bool]:
        """Handle what the worker sent; returns ``False`` once its pipe is closed (it has ended)."""
        while worker.conn.poll():
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                return False
            kind = message[0]
            if kind == "frames":
                events.frames(message[1])
            elif kind == "broken":
                raise BatchAborted(f"the pipeline cannot start: {message[1]}")
            else:
                worker.job = None
                worker.finished += 1
                yield Outcome(message[1], result=message[2]) if kind == "done" else Outcome(message[1],
                                                                                            error=message[2])
        return True

    def _replace(self, worker: _Worker, workers: list[_Worker], pending: deque) -> Iterator[Outcome]:
        """A worker died: its video failed; another worker takes its place while videos remain."""
        worker.process.join()
        code = worker.process.exitcode
        died = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        workers.remove(worker)
        worker.conn.close()
        if worker.job is not None:
            for folder in {path.parent for path in worker.job.outputs.values()}:
                clean_stale(folder)  # what it was writing: its process is gone, so its partial files go too
            yield Outcome(worker.job.index, error=f"the worker analysing it died ({died}); the file may be damaged")
        elif not worker.finished:
            raise BatchAborted(f"a worker process ended before analysing anything ({died})")
        if pending:
            workers.extend(self._start(1))

    def _stop(self, workers: list[_Worker]) -> None:
        """Tell idle workers to finish and busy ones to stop (their video discarded); wait for all."""
        for worker in workers:
            if not worker.process.is_alive():
                continue
            try:
                if worker.job is None:
                    worker.conn.send(None)
                else:
                    worker.process.terminate()
            except OSError:
                worker.process.terminate()
        for worker in workers:
            worker.process.join(STOP_TIMEOUT_S)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
