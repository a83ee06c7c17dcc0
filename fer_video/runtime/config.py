"""Pipeline choices from a TOML file and the command line, and building stages from them.

A ``pipeline.toml`` for repeatable runs::

    annotator = "blur"        # what video, image, window and web sinks show (default overlay)

    [detector]
    name = "mediapipe"
    model = "full"

    [classifier]
    name = "fernet"

    [smoother]
    name = "ema"
    alpha = 0.3

    [[sinks]]
    name = "jsonl"
    output = "timeline.jsonl"

A stage is a table or, without options, just its name (``annotator = "blur"``). Every key
besides ``name`` is passed to the stage as an option; command-line flags
(``--detector haar --detector-opt min_neighbors=6``) override the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fer_video.plugins.manager import PluginManager
from fer_video.runtime.pipeline import CLASSIFY_EVERY, DETECT_EVERY, Pipeline

SINGLE_STAGES = ("detector", "classifier", "tracker", "smoother", "annotator")
NUMBERS = ("margin", "detect_every", "classify_every")
DEFAULTS = {"detector": "mediapipe", "classifier": "fernet", "tracker": "iou", "smoother": "ema",
            "annotator": "overlay"}


@dataclass
class StageChoice:
    """A stage by name plus its options."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class PipelineConfig:
    """Which detector, classifier, tracker, smoother, annotator and extra sinks to run."""

    detector: StageChoice = field(default_factory=lambda: StageChoice(DEFAULTS["detector"]))
    classifier: StageChoice = field(default_factory=lambda: StageChoice(DEFAULTS["classifier"]))
    tracker: StageChoice = field(default_factory=lambda: StageChoice(DEFAULTS["tracker"]))
    smoother: StageChoice = field(default_factory=lambda: StageChoice(DEFAULTS["smoother"]))
    annotator: StageChoice = field(default_factory=lambda: StageChoice(DEFAULTS["annotator"]))
    sinks: list[StageChoice] = field(default_factory=list)
    margin: float | None = None  # None: the detector's own framing
    detect_every: int = DETECT_EVERY
    classify_every: int = CLASSIFY_EVERY

    @classmethod
    def from_toml(cls, path: Path | str) -> "PipelineConfig":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))  # TOML is UTF-8
        except FileNotFoundError:
            raise FileNotFoundError(f"config file {path} does not exist") from None
        except IsADirectoryError:
            raise ValueError(f"config file {path} is a folder; name a pipeline.toml file") from None
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"config file {path} is not valid TOML: {error}") from None
        except UnicodeDecodeError:
            raise ValueError(f"config file {path} is not text (TOML is UTF-8 text); name a pipeline.toml "
                             "file") from None
        config = cls()
        for key, value in data.items():
            if key in SINGLE_STAGES:
                setattr(config, key, stage_choice(value, f"{path} [{key}]"))
            elif key == "sinks":
                config.sinks = [stage_choice(item, f"{path} [[sinks]]") for item in value]
            elif key in NUMBERS:
                setattr(config, key, _number(key, value, f"{path}: "))
            else:
                raise ValueError(
                    f"{path}: unknown table or key {key!r}; "
                    f"use {', '.join(SINGLE_STAGES)}, sinks, margin, detect_every or classify_every"
                )
        return config

    def with_options(self, *, weights: str | Path | None = None, margin: float | None = None,
                     detect_every: int | None = None, classify_every: int | None = None,
                     **stages: str | Mapping[str, Any] | None) -> PipelineConfig:
        """These choices with options named as in the TOML file and the command line, the way the flags
        override ``--config``: ``detector="haar"`` (``--detector haar``), ``detector={"name": "haar",
        "min_neighbors": 6}`` (a ``[detector]`` table), ``detector={"model": "short"}`` without a name
        (``--detector-opt model=short``: options for the stage already chosen), ``weights=`` (``--weights``),
        ``margin=``, ``detect_every=``, ``classify_every=``. ``None`` leaves a choice as it is. Changes
        ``self`` and returns it."""
        for kind, value in stages.items():
            if kind not in SINGLE_STAGES:
                raise TypeError(f"unknown stage {kind!r}; the stages are {', '.join(SINGLE_STAGES)}")
            if isinstance(value, str):
                setattr(self, kind, StageChoice(value))
            elif isinstance(value, Mapping):
                options = dict(value)
                if "name" in options:
                    setattr(self, kind, StageChoice(str(options.pop("name"))))
                getattr(self, kind).options.update(options)
            elif value is not None:
                raise ValueError(f"{kind} must be a stage's name or a table of its options, not {value!r}")
        if weights is not None:
            if not Path(weights).exists():
                raise FileNotFoundError(f"weights {weights} does not exist; name a .tflite, .keras or .h5 file")
            self.classifier.options["weights"] = str(weights)
        for key, value in (("margin", margin), ("detect_every", detect_every), ("classify_every", classify_every)):
            if value is not None:
                setattr(self, key, _number(key, value))
        return self

    def build(self, plugins: PluginManager) -> dict[str, Any]:
        """Create the detector, classifier, tracker, smoother and annotator (in that order), once every
        name is known to be installed: a misspelt stage stops the run before any model loads."""
        for kind in SINGLE_STAGES:
            plugins.find(kind, getattr(self, kind).name)
        return {kind: self.build_stage(plugins, kind) for kind in SINGLE_STAGES}

    def build_stage(self, plugins: PluginManager, kind: str) -> Any:
        """Create one configured stage, as the pipeline does (``evaluate`` scores its classifier so)."""
        choice = getattr(self, kind)
        return plugins.create(kind, choice.name, **choice.options)

    def pipeline(self, source: Any, stages: dict[str, Any], sinks: list, **options: Any) -> Pipeline:
        """The pipeline these choices describe, around ``stages`` already built (as :meth:`build` makes
        them): ``batch`` loads the detector and classifier once and builds the rest for each video."""
        return Pipeline(source, stages["detector"], stages["classifier"], tracker=stages["tracker"],
                        smoother=stages["smoother"], annotator=stages["annotator"], sinks=sinks, margin=self.margin,
                        detect_every=self.detect_every, classify_every=self.classify_every, **options)


def _number(key: str, value: Any, where: str = "") -> float | int:
    """``margin`` as a float, ``detect_every`` and ``classify_every`` as whole numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}{key} must be a number, not {value!r}")
    if key != "margin" and int(value) < 1:  # checked again by the Pipeline; here before any model loads
        raise ValueError(f"{where}{key} must be 1 or more, not {value}")
    return float(value) if key == "margin" else int(value)


def stage_choice(table: Any, where: str) -> StageChoice:
    """A stage as a TOML file gives it: its name alone, or a table with a name and its options."""
    if isinstance(table, str):
        return StageChoice(table)
    if not isinstance(table, dict) or "name" not in table:
        raise ValueError(f"{where} needs a name = \"...\" entry")
    options = dict(table)
    return StageChoice(str(options.pop("name")), options)


def parse_option(text: str) -> tuple[str, Any]:
    """``key=value`` from the command line; the value is read as TOML when it can be (numbers, booleans)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"option {text!r} must look like key=value")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key.strip(), parsed
