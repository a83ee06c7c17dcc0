"""The facts above the faces: which file, how long, how it was analysed.

A timeline holds frames, times and scores but not which stages produced them; those come from the
run when ``annotate --report`` writes the page, and the classifier's accuracy from its model card.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fer_video.models.card import ModelCard, card_path_for
from fer_video.models.shipped import shipped
from fer_video.report.timeline_file import Timeline
from fer_video.report.video import VideoFacts


@dataclass(frozen=True)
class RunFacts:
    """How the timeline was made, when the caller knows (``annotate --report`` does)."""

    detector: str = ""
    classifier: str = ""
    smoother: str = ""
    accuracy: str = ""
    """The model card's measured accuracy, in words, e.g. ``55.6% on FER-2013 val (3589 faces)``."""


def run_facts(config) -> RunFacts:
    """The stages a :class:`fer_video.runtime.config.PipelineConfig` runs, as a page names them (``annotate --report``
    and ``batch --report`` alike)."""
    return RunFacts(detector=stage_label(config.detector.name, config.detector.options),
                    classifier=stage_label(config.classifier.name, config.classifier.options),
                    smoother=stage_label(config.smoother.name, config.smoother.options),
                    accuracy=card_accuracy(config.classifier.name, config.classifier.options.get("weights")))


def stage_label(name: str, options: dict) -> str:
    """``ema (alpha=0.5)``: a stage as the user chose it."""
    shown = {key: value for key, value in options.items() if key != "output"}
    return name + (f" ({', '.join(f'{k}={v}' for k, v in shown.items())})" if shown else "")


def card_accuracy(classifier: str, weights: str | Path | None = None) -> str:
    """The accuracy the classifier's model card records (the shipped card without ``weights``); ``""``
    when there is no card or it records none."""
    card_path = card_path_for(Path(weights)) if weights else shipped(f"{classifier}.card.toml")
    if card_path is None or not card_path.exists():
        return ""
    try:
        validation = ModelCard.read(card_path).details.get("validation", {})
    except ValueError:
        return ""
    accuracy = validation.get("accuracy")
    if not isinstance(accuracy, int | float):
        return ""
    split = validation.get("split", "")
    faces = validation.get("faces")
    return (f"{accuracy:.1%} on FER-2013 {split}".rstrip() + (f" ({faces} faces)" if faces else "")
            + f", model card {card_path.name}")


def fact_rows(timeline: Timeline, video: VideoFacts | None, run: RunFacts | None) -> list[tuple[str, str]]:
    """``(label, value)`` pairs, only those the timeline, the video and the run tell."""
    rows = [("timeline", f"{timeline.path.name} ({timeline.rows:,} rows, {len(timeline.faces)} "
                         f"face id{'s' if len(timeline.faces) != 1 else ''})")]
    if video is not None:
        rows += [("video", video.path.name),
                 ("duration", f"{clock(video.duration_s)} ({video.duration_s:.1f} s)"),
                 ("frames", f"{video.frame_count:,}"),
                 ("frame rate", f"{video.fps:g} fps"),
                 ("size", f"{video.width}×{video.height}")]
    elif timeline.fps is not None:
        last = timeline.last_frame / timeline.fps
        rows += [("duration", f"at least {clock(last)} (the last face, at frame {timeline.last_frame:,})"),
                 ("frame rate", f"{timeline.fps:.3g} fps (from the timeline's times)")]
    elif timeline.rows:
        rows += [("pictures", f"{timeline.last_frame + 1:,} (a timeline of pictures, without times)")]
    run = run or RunFacts()
    if run.detector:
        rows.append(("detector", run.detector))
    if run.classifier:
        rows.append(("classifier", run.classifier))
    if run.accuracy:
        rows.append(("classifier accuracy", run.accuracy))
    if run.smoother:
        rows.append(("smoother", run.smoother + (" (raw scores kept in the timeline)" if timeline.smoothed else "")))
    elif timeline.rows:
        rows.append(("smoother", "yes: the scores drawn are smoothed, the raw ones are in the timeline"
                     if timeline.smoothed else "none: the scores are each frame's own"))
    return rows


def clock(seconds: float) -> str:
    """``1:02:03.4`` or ``2:03.4``: a timestamp a person finds in a player."""
    minutes, tenths = divmod(round(max(0.0, seconds) * 10), 600)
    hours, minutes = divmod(minutes, 60)
    rest = f"{tenths // 10:02d}.{tenths % 10}"
    return f"{hours}:{minutes:02d}:{rest}" if hours else f"{minutes}:{rest}"
