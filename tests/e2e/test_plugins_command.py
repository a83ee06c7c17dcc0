"""`fer-video plugins --json`: the same stages as the table, as a list a script can read."""

from __future__ import annotations

import json

from tests.support import run_cli


def test_plugins_json_lists_every_stage_of_the_table_with_its_distribution():
    listed = run_cli("plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert all(set(row) == {"kind", "name", "plugin", "distribution", "summary"} for row in rows)
    found = {(row["kind"], row["name"]): row for row in rows}
    for kind, name, plugin in [("detector", "mediapipe", "mediapipe"), ("classifier", "fernet", "classifiers"),
                               ("tracker", "iou", "iou"), ("smoother", "ema", "smoothers"),
                               ("annotator", "overlay", "annotators"), ("sink", "csv", "timeline")]:
        row = found[kind, name]
        assert row["plugin"] == plugin and row["distribution"].startswith("fer-video ") and row["summary"]
    table = run_cli("plugins").stdout.splitlines()[1:]
    assert [line.split()[:3] for line in table] == [[row["kind"], row["name"], row["plugin"]] for row in rows]
