"""Make the README's pictures of ``fer-video report``: a screenshot of the page and the figure.

    python examples/make_report_screenshots.py          # or: make report-screenshots

Builds the demo's 6-second sample video with ``fer-video demo``, runs ``fer-video annotate --csv --report``
and ``fer-video report -o figure.png`` on it as a user would (the command only, no fer_video import), and
photographs the page in Debian's headless Chromium (``apt-get install chromium``) through Playwright.
Writes ``docs/report-page.jpg`` and ``docs/report-figure.png``; the work files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
FER_VIDEO = Path(sys.executable).parent / "fer-video"


def run(*args: str | Path) -> None:
    print("$ fer-video", *map(str, args), flush=True)
    subprocess.run([str(FER_VIDEO), *map(str, args)], check=True)


def screenshot(page_path: Path, out: Path, width: int, height: int) -> None:
    """The top of the page (facts, overview and the first face), as a small JPEG."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(page_path.resolve().as_uri())
        page.wait_for_selector(".chart[data-ready=true] canvas")
        page.screenshot(path=str(out), type="jpeg", quality=80)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="folder for the two pictures")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"needs Debian's Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        run("demo", "--out", work, "-q")  # writes sample.mp4, and an annotated copy the next run replaces
        run("annotate", work / "sample.mp4", "-o", work / "annotated.mp4", "--csv", work / "timeline.csv",
            "--report", work / "report.html", "--force", "-q")
        run("report", work / "timeline.csv", "-o", args.out / "report-figure.png", "--force")
        screenshot(work / "report.html", args.out / "report-page.jpg", 1100, 1180)
    for name in ("report-page.jpg", "report-figure.png"):
        print(f"wrote {args.out / name} ({(args.out / name).stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
