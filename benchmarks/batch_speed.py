"""Total frames/s of ``fer-video batch`` on 8 clips of 10 s: 1, 2 and 4 local workers and the Ray engine,
against a shell loop running ``fer-video timeline`` once per file; and Ray's own costs.

Every way runs in its own process(es) in one run, on the same clips (720p, 30 fps, with audio, from
:mod:`fer_video.io.sample_video`), end to end: start-up and model loading included, as a user waits for
them. The Ray engine runs against a head started beforehand on this machine, as docs/batch.md starts one;
its start-up is reported apart. Then Ray's costs that decide how a cluster scales: the overhead of a
task, shipping a video's bytes to a task and outputs back (per MB, here through one machine's object
store; a network adds its own), and loading the models in a worker.

    python benchmarks/batch_speed.py [--clips 8] [--seconds 10] [--work DIR] [--no-ray]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
FER_VIDEO = BIN / "fer-video"


def timed(command: list[str] | str, env: dict | None = None, shell: bool = False) -> tuple[float, float]:
    """Wall seconds of a command that must succeed, and the CPU seconds of it and its descendants
    (not of a Ray cluster's processes, which are not its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, shell=shell, capture_output=True, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})})
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{command} failed:\n{result.stderr[-2000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_ray_head(env: dict) -> tuple[subprocess.Popen, str, float, str]:
    """``ray start --head --block`` on the loopback; returns the process, its address, its start-up seconds."""
    scratch = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    port = free_port()
    started = time.perf_counter()
    head = subprocess.Popen(
        [str(BIN / "ray"), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
         "--include-dashboard=false", f"--ray-client-server-port={free_port()}",
         f"--dashboard-agent-listen-port={free_port()}", f"--temp-dir={scratch}", "--disable-usage-stats"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **env})
    said = ""
    while "--block" not in said and head.poll() is None:
        said += head.stdout.readline()
    if head.poll() is not None:
        raise SystemExit(f"ray start failed:\n{said[-2000:]}")
    return head, f"127.0.0.1:{port}", time.perf_counter() - started, scratch


def ray_costs(address: str, env: dict) -> dict[str, float]:
    """Per-task overhead, shipping cost per MB each way, measured from a driver on this machine."""
    os.environ.update(env)
    import ray

    ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)

    @ray.remote
    def nothing() -> None:
        return None

    @ray.remote
    def size(data: bytes) -> int:
        return len(data)

    @ray.remote
    def make(megabytes: int) -> bytes:
        return bytes(megabytes << 20)

    ray.get([nothing.remote() for _ in range(20)])  # warm the workers
    started = time.perf_counter()
    ray.get([nothing.remote() for _ in range(500)])
    throughput = (time.perf_counter() - started) / 500
    rounds = []
    for _ in range(30):
        started = time.perf_counter()
        ray.get(nothing.remote())
        rounds.append(time.perf_counter() - started)
    round_trip = statistics.median(rounds)
    megabytes = 64
    data = bytes(megabytes << 20)
    ray.get(size.remote(data))
    ray.get(make.remote(megabytes))
    there, back = [], []
    for _ in range(3):
        started = time.perf_counter()
        ray.get(size.remote(data))
        there.append(time.perf_counter() - started - round_trip)
        started = time.perf_counter()
        ray.get(make.remote(megabytes))
        back.append(time.perf_counter() - started - round_trip)
    ray.shutdown()
    return {"task_s": throughput, "round_trip_s": round_trip, "ship_s_per_mb": statistics.median(there) / megabytes,
            "return_s_per_mb": statistics.median(back) / megabytes}


def model_load_seconds() -> float:
    """Loading the default detector and classifier, as each worker does once (median of 3, in a fresh process)."""
    code = ("import time; t = time.perf_counter(); from fer_video.batch.video import Analyser; "
            "from fer_video.runtime.config import PipelineConfig; "
            "Analyser(PipelineConfig()); print(time.perf_counter() - t)")
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}).stdout.split()[-1])
            for _ in range(3)]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each clip")
    parser.add_argument("--work", type=Path, help="folder for the clips and outputs (default: temporary)")
    parser.add_argument("--no-ray", action="store_true", help="leave the Ray engine out")
    args = parser.parse_args()

    from fer_video.io.sample_video import make_sample_video

    work = args.work or Path(tempfile.mkdtemp(prefix="fer-video-batch-bench-"))
    clips = work / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    first = make_sample_video(clips / "clip0.mp4", seconds=args.seconds)
    for number in range(1, args.clips):
        shutil.copy(first, clips / f"clip{number}.mp4")
    frames = args.clips * int(round(args.seconds * 30))
    megabytes = sum(p.stat().st_size for p in clips.iterdir()) / 1e6
    print(f"{args.clips} clips of {args.seconds:g} s, 1280x720, 30 fps, with audio: {frames} frames, "
          f"{megabytes:.1f} MB; {os.cpu_count()} CPUs\n")

    rows = []
    loop_out = work / "loop"
    loop_out.mkdir(exist_ok=True)
    loop = (f'for f in "{clips}"/*.mp4; do "{FER_VIDEO}" timeline "$f" -o "{loop_out}/$(basename "$f" .mp4).csv" '
            "-q || exit 1; done")
    rows.append(("shell loop of `fer-video timeline`", timed(loop, shell=True)))
    for workers in (1, 2, 4):
        out = work / f"local{workers}"
        rows.append((f"`batch --workers {workers}`",
                     timed([str(FER_VIDEO), "batch", str(clips), "-o", str(out), "--workers", str(workers), "-q"])))
    costs = None
    if not args.no_ray:
        env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16), "RAY_USAGE_STATS_ENABLED": "0"}
        head, address, startup, scratch = start_ray_head(env)
        try:
            rows.append(("`batch --engine ray` (a head already running)",
                         timed([str(FER_VIDEO), "batch", str(clips), "-o", str(work / "ray"), "--engine", "ray",
                                "--address", address, "-q"], env=env)))
            costs = ray_costs(address, env)
        finally:
            head.terminate()
            head.wait(timeout=120)
            shutil.rmtree(scratch, ignore_errors=True)
    for out in [work / "local2", work / "local4", work / "ray"]:
        for csv in loop_out.glob("*.csv"):
            if (out / csv.name).exists() and (out / csv.name).read_bytes() != csv.read_bytes():
                raise SystemExit(f"{out / csv.name} differs from what timeline wrote alone")

    base = rows[0][1][0]
    print("| way | wall s | frames/s | x shell loop | cores busy on average |")
    print("|---|---|---|---|---|")
    for name, (seconds, cpu) in rows:
        busy = f"{cpu / seconds:.2f}" if "ray" not in name else "(in the cluster's processes)"
        print(f"| {name} | {seconds:.1f} | {frames / seconds:.0f} | {base / seconds:.2f} | {busy} |")
    print(f"\nmodel loading per worker: {model_load_seconds():.2f} s")
    if costs is not None:
        print(f"Ray head start-up: {startup:.1f} s")
        print(f"Ray per task: {1000 * costs['task_s']:.2f} ms in a stream of 500 no-op tasks, "
              f"{1000 * costs['round_trip_s']:.2f} ms one round trip")
        print(f"Ray shipping on one machine: {1000 * costs['ship_s_per_mb']:.2f} ms per MB to a task, "
              f"{1000 * costs['return_s_per_mb']:.2f} ms per MB back")
    print(f"\noutputs in {work}; every timeline is the bytes `timeline` wrote alone")


if __name__ == "__main__":
    main()
