"""A plugin's mistakes as the command reports them: a wrong option is the user's (one line), a bug
inside a stage is the stage's (one line that says so, and where to look)."""

from __future__ import annotations

import textwrap

from tests.support import installed_plugin, plugin_env, run_cli

_BUGGY_PLUGIN = """
from fer_video import StageFactory, hookimpl


def _buggy(threshold: float = 0.5):
    return len(threshold)  # a bug: float has no len()


@hookimpl
def fer_video_detectors():
    return [StageFactory("buggy", _buggy, "a detector whose start has a bug")]
"""


def test_the_command_tells_a_bug_in_a_stage_from_a_wrong_option(sample_video, tmp_path):
    """One line either way, exit code 1; the bug says it is one (its type, the plugin, where to look)."""
    installed_plugin(tmp_path, entry_point="buggy", module="fer_video_buggy", source=textwrap.dedent(_BUGGY_PLUGIN),
                     distribution="fer-video-buggy")
    env = plugin_env(tmp_path)

    wrong = run_cli("timeline", sample_video, "-o", tmp_path / "a.csv", "--detector", "buggy",
                    "--detector-opt", "colour=red", env=env)
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == ("fer-video: error: detector 'buggy' does not take these options "
                                    "(got an unexpected keyword argument 'colour')")

    bug = run_cli("timeline", sample_video, "-o", tmp_path / "b.csv", "--detector", "buggy", env=env)
    assert bug.returncode == 1
    assert len(bug.stderr.strip().splitlines()) == 1, bug.stderr
    assert "TypeError: object of type 'float' has no len()" in bug.stderr
    assert "the detector 'buggy' from plugin 'buggy' (fer-video-buggy 0.1) failed to start" in bug.stderr
    assert "does not take these options" not in bug.stderr
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()
