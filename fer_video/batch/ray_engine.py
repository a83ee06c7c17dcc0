"""The Ray engine: one Ray task per video, on a cluster whose nodes need not share a filesystem.

The batch's process (the driver) ships each video's bytes through Ray's object store; the task writes
them to a scratch folder on its node, analyses them exactly as the local engine does
(:func:`fer_video.batch.video.analyse_video`), and returns its outputs' bytes, which the driver writes
and publishes itself. So outputs appear only where the driver runs, whole, and resuming and the
summary are the local engine's. Each Ray worker process loads the models once and keeps them for the
videos it is given next. A video is read whole into memory on both sides: see docs/batch.md for the
sizes this suits. With shared storage (``--shared-storage``: every node sees the inputs and the output
folder at the same paths), tasks read the videos and publish the outputs there themselves, as local
workers do, and nothing is shipped.
"""

from __future__ import annotations

import logging
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from fer_video.batch.jobs import BatchAborted, Events, Job, Outcome, reason
from fer_video.batch.video import Analyser, Wanted, analyse_video
from fer_video.io.atomic import discard, partial_path, publish
from fer_video.runtime.config import PipelineConfig

TASKS_PER_CPU = 2
"""Videos in flight per CPU of the cluster: enough to keep every worker busy, few enough that the
shipped videos do not fill the object store."""

_loaded: tuple[str, Analyser] | None = None  # in a Ray worker process: the models, for its next videos


def ray_module() -> ModuleType:
    """Ray, or a usage error saying how to get it."""
    from fer_video.messages import UsageError

    try:
        import ray
    except ImportError:
        raise UsageError("--engine ray needs Ray, an optional extra: pip install 'fer-video[ray]'") from None
    return ray


def _analyser(config: PipelineConfig) -> Analyser:
    global _loaded
    key = repr(config)
    if _loaded is None or _loaded[0] != key:
        _loaded = (key, Analyser(config))
    return _loaded[1]


def analyse_shipped(settings: tuple[PipelineConfig, Wanted], data: bytes, file_name: str, base: str,
                    shown_path: str) -> tuple[str, object]:
    """In a Ray task: analyse a video sent as bytes; return ``("done", (result, {suffix: bytes}))`` or
    ``("failed", reason)``, the reason naming the video as the driver knows it (``shown_path``), or
    ``("broken", reason)`` when the stages do not load."""
    config, wanted = settings
    try:
        analyser = _analyser(config)
    except Exception as error:
        return "broken", reason(error)
    with tempfile.TemporaryDirectory(prefix="fer-video-batch-") as scratch:
        video = Path(scratch) / "in" / file_name
        video.parent.mkdir()
        video.write_bytes(data)
        outputs = {suffix: Path(scratch) / "out" / f"{base}{suffix}" for suffix in wanted.suffixes()}
        try:
            result = analyse_video(analyser, video, outputs, wanted)
        except Exception as error:
            return "failed", reason(error).replace(str(video), shown_path)
        return "done", (result, {suffix: path.read_bytes() for suffix, path in outputs.items()})


def analyse_in_place(settings: tuple[PipelineConfig, Wanted], video: str,
                     outputs: dict[str, Path]) -> tuple[str, object]:
    """In a Ray task, with shared storage: read the video and publish its outputs where every node sees
    them, as a local worker does; return ``("done", result)`` or ``("failed", reason)``."""
    config, wanted = settings
    try:
        analyser = _analyser(config)
    except Exception as error:
        return "broken", reason(error)
    try:
        return "done", analyse_video(analyser, Path(video), outputs, wanted)
    except Exception as error:
        return "failed", reason(error)


def write_outputs(outputs: dict[str, Path], contents: dict[str, bytes]) -> None:
    """Write a video's outputs beside their final names, then publish them; nothing half-written stays."""
    staged = {suffix: partial_path(final) for suffix, final in outputs.items()}
    try:
        for suffix, partial in staged.items():
            outputs[suffix].parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(contents[suffix])
        for suffix, partial in staged.items():  # the page last, as a worker publishes them
            publish(partial, outputs[suffix])
    finally:
        for suffix, partial in staged.items():
            discard(partial, outputs[suffix])


class RayEngine:
    """Runs jobs as Ray tasks on the cluster at ``address`` (a local one, started for the batch, without)."""

    def __init__(self, config: PipelineConfig, wanted: Wanted, address: str | None, shared: bool = False) -> None:
        self.ray = ray_module()
        self.config = config
        self.wanted = wanted
        self.address = address
        self.shared = shared  # every node sees the inputs and the output folder at the same paths

    def _connect(self) -> bool:
        """Join the cluster, or start a local one; ``True`` when this process started Ray and must stop it."""
        ray = self.ray
        if ray.is_initialized():
            return False
        quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
        try:
            if self.address:
                ray.init(address=self.address, **quiet)
            else:
                ray.init(include_dashboard=False, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as error:
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray cluster"
            hint = ("; if the cluster asks for a token (recent Ray turns it on by default), give it: "
                    "RAY_AUTH_MODE=token and RAY_AUTH_TOKEN=... (`ray get-auth-token` on the head prints it), "
                    "or use --address auto on one of its nodes"
                    if self.address and self.address != "auto" else "")
            raise RuntimeError(f"cannot reach {where}: {' '.join(str(error).split())[:300]}{hint}") from None
        return True

    def run(self, jobs: list[Job], events: Events) -> Iterator[Outcome]:
        if not jobs:
            return
        ray = self.ray
        started = self._connect()
        inflight: dict = {}
        try:
            task = ray.remote(max_retries=0)(analyse_in_place if self.shared else analyse_shipped)
            settings = ray.put((self.config, self.wanted))
            window = max(2, int(TASKS_PER_CPU * ray.cluster_resources().get("CPU", 1)))
            pending = deque(jobs)
            while pending or inflight:
                while pending and len(inflight) < window:
                    job = pending.popleft()
                    if self.shared:
                        ref = task.remote(settings, str(job.video.absolute()),
                                          {suffix: path.absolute() for suffix, path in job.outputs.items()})
                    else:
                        try:
                            data = job.video.read_bytes()
                        except OSError as error:
                            yield Outcome(job.index, error=reason(error))
                            continue
                        base = job.outputs[".csv"].name[: -len(".csv")]
                        ref = task.remote(settings, data, job.video.name, base, str(job.video))
                    inflight[ref] = job
                    events.started(job.index)
                done, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
                for ref in done:
                    yield self._collect(ref, inflight.pop(ref), events)
        finally:
            for ref in inflight:
                ray.cancel(ref, force=True)
            if started:
                ray.shutdown()

    def _collect(self, ref, job: Job, events: Events) -> Outcome:
        try:
            status, payload = self.ray.get(ref)
        except self.ray.exceptions.RayError as error:  # the worker died (a decoder crash), or the node
            said = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
            return Outcome(job.index, error=f"the Ray task analysing it failed: {said[-1]}")
        if status == "broken":  # the stages do not load: every video would fail alike
            raise BatchAborted(f"the pipeline cannot start: {payload}")
        if status == "failed":
            return Outcome(job.index, error=payload)
        if self.shared:
            result = payload
        else:
            result, contents = payload
            try:
                write_outputs(job.outputs, contents)
            except OSError as error:
                return Outcome(job.index, error=reason(error))
        events.frames(result.stats.frames)
        return Outcome(job.index, result=result)
