"""The live page without a browser, in Node: its rules (static/live_rules.js) for how long it waits before
reconnecting and which face cards stay in its side panel, and app.js itself over a stand-in for the
browser (live_page_in_node.js) fed what the server sends (issue 26)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from fer_video.builtins.web.app import STATIC_FILES, VIEWER_LIMIT_CODE
from tests.support import REPO

STATIC = REPO / "fer_video" / "builtins" / "web" / "static"
NODE = shutil.which("node")


def _rules(expression: str):
    """The value of ``expression`` (JSON), with the page's rules as ``rules``."""
    if NODE is None:
        pytest.skip("the live page's rules run in Node.js, which is not installed")
    script = f"const rules = require({json.dumps(str(STATIC / 'live_rules.js'))}); " \
             f"process.stdout.write(JSON.stringify({expression}));"
    return json.loads(subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True,
                                     timeout=30).stdout)


def test_a_page_turned_away_at_the_viewer_limit_backs_off_others_retry_soon():
    limit = _rules(f"[1, 2, 3, 4, 5, 6, 7].map((n) => rules.reconnectDelay(n, {VIEWER_LIMIT_CODE}))")
    lost = _rules("[1, 2, 3, 4, 5, 6, 7].map((n) => rules.reconnectDelay(n, 1006))")
    assert limit[0] >= 5000 and limit == sorted(limit) and limit[-1] == 60_000, limit  # was 1 s, every time
    assert lost[0] == 1000 and lost == sorted(lost) and lost[-1] == 10_000, lost
    assert _rules("rules.VIEWER_LIMIT_CODE") == VIEWER_LIMIT_CODE  # the server's close code


def test_on_a_looping_file_stale_face_cards_leave_the_panel():
    """Each 10 s loop of a file starts two new face ids; the page used to keep a face's card for the
    whole minute of history, piling up 40 stale cards in a minute and a half."""
    steps = _rules("""(() => {
      const seen = new Map();  // id -> last time seen
      const steps = [];
      for (let tenth = 0; tenth <= 900; tenth += 1) {
        const t = tenth / 10, loop = Math.floor(tenth / 100);
        for (const id of [2 * loop + 1, 2 * loop + 2]) seen.set(id, t);  // both faces in view all loop long
        const panel = rules.panelFaces([...seen].map(([id, lastT]) => ({ id, lastT })), t);
        for (const id of panel.leave) seen.delete(id);
        steps.push({ t, ids: [...seen.keys()] });
      }
      return steps;
    })()""")
    assert max(len(step["ids"]) for step in steps) <= 2 + 3, max(steps, key=lambda step: len(step["ids"]))
    assert set(steps[-1]["ids"]) == {17, 18, 19, 20}, steps[-1]  # loop 9's faces and loop 8's, seen 0.1 s ago
    assert _rules("rules.panelFaces([{id: 1, lastT: 99.5}, {id: 2, lastT: 97}, {id: 3, lastT: 80}], 100)") == {
        "absent": [2, 3], "leave": [3]}  # in view; out of view a moment, dimmed; gone a while, out


def _page(scenario: str) -> dict:
    """What the page showed in ``scenario`` of live_page_in_node.js."""
    if NODE is None:
        pytest.skip("the live page runs in Node.js here, which is not installed")
    harness = REPO / "tests" / "unit" / "live_page_in_node.js"
    done = subprocess.run([NODE, str(harness), str(STATIC), scenario], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_page_says_the_viewer_limit_was_reached_and_waits_longer_each_time():
    tries = _page("viewer-limit")["tries"]
    assert [attempt["wait_ms"] for attempt in tries] == [5000, 10000, 20000], tries  # was 1000, 1000, 1000
    for attempt in tries:
        assert attempt["status"] == f"viewer limit reached, retrying in {attempt['wait_ms'] // 1000} s", attempt
        assert attempt["error"].startswith("viewer limit reached (8 watching); try again later"), attempt


def test_the_pages_panel_keeps_few_cards_on_a_looping_file():
    seen = _page("looping-file")  # 90 s of a 10 s file looping, two new face ids each loop
    assert seen["most_cards"] <= 2 + 3, seen  # was 14: every face of the last minute
    assert sorted(seen["cards_at_end"]) == [17, 18, 19, 20], seen


def test_the_page_loads_its_rules_and_the_server_serves_them():
    page = (STATIC / "index.html").read_text()
    scripts = re.findall(r'<script src="/static/([\w.]+)"', page)
    assert scripts.index("live_rules.js") < scripts.index("app.js")
    assert set(scripts) <= set(STATIC_FILES)
    app = (STATIC / "app.js").read_text()
    assert "rules.reconnectDelay(" in app and "rules.panelFaces(" in app
