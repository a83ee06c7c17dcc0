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
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from fer_video.batch.jobs import BatchAborted, Events, Job, Outcome, reason
from fer_video.batch.video import Analyser, Wanted, analyse_video
from fer_video.io.atomic import discard, partial_path, publish
from fer_video.messages import say
from fer_video.runtime.config import PipelineConfig

TASKS_PER_CPU = 2
"""Videos in flight per CPU of the cluster: enough to keep every worker busy, few enough that the
shipped videos do not fill the object store."""

PROBE_TIMEOUT_S = 5.0
"""How long the cluster's head may take to answer the first question, before Ray itself is started:
Ray's own connection retries for 20 s or more, printing a warning a second, when the head refuses."""
TOKEN_HINT = ("set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN to the cluster's token (`ray get-auth-token` on the "
              "head prints it), or run with --address auto on one of its nodes")

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
        self._started = False  # this process started Ray (joined or made a cluster) and must stop it

    def connect(self) -> None:
        """Join the cluster (or start a local one) and say which it is: called before the batch writes
        anything, so a cluster that cannot be reached stops it in one line and leaves no output."""
        ray = self.ray
        if ray.is_initialized():
            return
        target, named = self._target()
        if target is not None and "://" not in target:  # ray:// (Ray Client) has no head to ask first
            probe_cluster(target, named)
        quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
        try:
            if target is not None:
                ray.init(address=target, **quiet)
            else:
                ray.init(include_dashboard=False, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as error:
            where = f"the Ray cluster at {named}" if target else "a local Ray cluster"
            said = " ".join(str(error).split())[:300]
            raise RuntimeError(f"cannot reach {where}: {said}" + (f"; if it asks for a token, {TOKEN_HINT}"
                                                                   if target else "")) from None
        self._started = True
        nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        cpus = ray.cluster_resources().get("CPU", 0)
        where = f"the Ray cluster at {named}" if target else "a local Ray cluster started for the batch"
        say(f"on {where}: {nodes} node{'s' if nodes != 1 else ''}, {cpus:g} CPU{'s' if cpus != 1 else ''}")

    def _target(self) -> tuple[str | None, str]:
        """The address Ray will join (``None``: it starts a local cluster) and how to name it to the user,
        found as ``ray.init`` finds it: ``--address``, else ``RAY_ADDRESS``, else (without ``--address``
        or with ``auto``) the cluster ``ray start`` started on this machine."""
        if self.address and self.address != "auto":
            return self.address, self.address
        from ray._private.services import canonicalize_bootstrap_address

        from_env = os.environ.get("RAY_ADDRESS")
        if from_env:
            return from_env, f"{from_env} (from RAY_ADDRESS)"
        try:
            found = canonicalize_bootstrap_address(self.address)
        except (ConnectionError, ValueError) as error:
            raise RuntimeError(f"no Ray cluster for --address {self.address}: {' '.join(str(error).split())[:200]}"
                               ) from None
        return found, f"{found} (the one this machine runs)" if found else "a local cluster"

    def run(self, jobs: list[Job], events: Events) -> Iterator[Outcome]:
        ray = self.ray
        self.connect()
        inflight: dict = {}
        try:
            if not jobs:
                return
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
            if self._started:
                self._started = False
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


def probe_cluster(address: str, named: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Ask the head at ``address`` for its nodes, once, as Ray's driver would (with the token Ray
    would send); raise a one-line error when nothing answers or it refuses. Ray's own first connection
    retries for 20 s and more, with a C++ warning each second, and then names the head's resolved
    address rather than the one given."""
    try:
        import grpc
        from ray._raylet import AuthenticationTokenLoader
        from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc
    except ImportError:  # a Ray without these: its own connection says what went wrong
        return
    loader = AuthenticationTokenLoader.instance()
    metadata = tuple(loader.get_token_for_http_header().items()) if loader.has_token() else ()
    with grpc.insecure_channel(address) as channel:
        stub = gcs_service_pb2_grpc.NodeInfoGcsServiceStub(channel)
        try:
            stub.GetAllNodeInfo(gcs_service_pb2.GetAllNodeInfoRequest(), timeout=timeout, metadata=metadata)
        except grpc.RpcError as error:
            code = error.code()
            if code == grpc.StatusCode.UNAUTHENTICATED:
                told = "refused the token in RAY_AUTH_TOKEN" if metadata else "asks for a token"
                raise RuntimeError(f"the Ray cluster at {named} {told}: {TOKEN_HINT}") from None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise RuntimeError(f"no Ray cluster answers at {named} within {timeout:g} s: check the address "
                                   "and that the head is running (`ray status` on it)") from None
            if code == grpc.StatusCode.UNAVAILABLE:
                raise RuntimeError(f"no Ray cluster at {named}: nothing answers there (is the head running? "
                                   "`ray start --head` starts one; see docs/batch.md)") from None
            raise RuntimeError(f"the Ray cluster at {named} cannot be used: {error.details() or code.name}") from None
