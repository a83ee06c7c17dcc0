"""``python -m build`` makes an sdist and a wheel (built from the sdist), and the wheel, installed into a
fresh venv with nothing of this checkout on the path, runs ``fer-video timeline`` from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import venv

import pytest

from tests.support import REPO, run_cli

OPTIONAL = ("tensorflow", "keras", "jax", "mediapipe")


def _clean_env() -> dict[str, str]:
    """This environment without anything that would put this checkout or this venv on the path."""
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSAFEPATH")}


def _index_reachable(tmp_path) -> bool:
    """Whether pip reaches its package index (a small download; pip's cache serves the rest)."""
    probe = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--retries", "0",
                            "--timeout", "15", "--quiet", "-d", str(tmp_path / "probe"), "pluggy"],
                           capture_output=True, text=True, env=_clean_env())
    return probe.returncode == 0


@pytest.mark.wheel
def test_the_built_wheel_installs_into_a_fresh_venv_and_runs_a_timeline_from_another_folder(sample_video, tmp_path):
    pytest.importorskip("build", reason="needs the build package: pip install 'fer-video[test]'")
    if not _index_reachable(tmp_path):
        pytest.skip("pip cannot reach its package index: the wheel's dependencies come from there")
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
                           capture_output=True, text=True, env=_clean_env(), cwd=tmp_path)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels, sdists = list(dist.glob("fer_video-*.whl")), list(dist.glob("fer_video-*.tar.gz"))
    assert len(wheels) == len(sdists) == 1

    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python, elsewhere = fresh / "bin" / "python", tmp_path / "elsewhere"
    elsewhere.mkdir()
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                str(wheels[0])], capture_output=True, text=True, env=_clean_env(), cwd=elsewhere)
    assert installed.returncode == 0, installed.stderr[-3000:]

    where = subprocess.run([str(python), "-c", "import importlib.util as u, fer_video; print(fer_video.__file__); "
                            f"print([m for m in {OPTIONAL!r} if u.find_spec(m)])"],
                           capture_output=True, text=True, env=_clean_env(), cwd=elsewhere)
    package, optional = where.stdout.splitlines()
    assert package.startswith(str(fresh)) and optional == "[]", where.stdout + where.stderr

    timeline = subprocess.run([str(fresh / "bin" / "fer-video"), "timeline", str(sample_video), "-o", "t.csv", "-q"],
                              capture_output=True, text=True, env=_clean_env(), cwd=elsewhere)
    assert timeline.returncode == 0, timeline.stderr
    assert str(fresh) in timeline.stderr  # the classifier's weights were found inside the installed package
    assert run_cli("timeline", sample_video, "-o", tmp_path / "checkout.csv", "-q").returncode == 0
    assert (elsewhere / "t.csv").read_bytes() == (tmp_path / "checkout.csv").read_bytes()
