"""How a run's stages begin and end: sinks started, then closed (their outputs published) or
discarded, and every other stage closed once.

A run publishes its outputs only when it ends well or is interrupted; any failure discards them.
A sink without ``discard`` is never closed after a failure, since closing would publish what it
began (see :class:`fer_video.protocols.Sink`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fer_video.protocols import Sink, SupportsClose, SupportsDiscard, describe
from fer_video.types import RunInfo


def start_sinks(sinks: Sequence[Sink], info: RunInfo, opened: list[Sink]) -> None:
    """Start every sink in order, adding each to ``opened``; if one refuses, the others discard what they began."""
    try:
        for sink in sinks:
            sink.start(info)
            opened.append(sink)
    except BaseException as error:
        for message in end_sinks(opened, error)[1]:
            error.add_note(f"and while discarding the other outputs: {message}")
        opened.clear()
        raise


def end_sinks(sinks: Sequence[Sink], failure: BaseException | None) -> tuple[BaseException | None, list[Exception]]:
    """Close every sink, or after ``failure`` discard those that can; a sink failing to close makes the
    rest discard. Returns the failure (``failure``, else the first sink's error) and every sink's error."""
    errors: list[Exception] = []
    for sink in sinks:
        try:
            if failure is None:
                sink.close()
            elif isinstance(sink, SupportsDiscard):
                sink.discard()
        except Exception as error:  # the others are discarded, not published, then it is reported
            errors.append(error)
            failure = failure or error
    return failure, errors


def close_stages(stages: Iterable[tuple[str, object]], keep_open: Iterable[object] = ()) -> list[str]:
    """Close each ``(kind, stage)`` that can be closed, once even if given twice, but none in ``keep_open``.

    Returns a warning per stage that failed to close: the outputs do not depend on it.
    """
    done = {id(stage) for stage in keep_open}
    warnings = []
    for kind, stage in stages:
        if stage is None or id(stage) in done:
            continue
        done.add(id(stage))
        if isinstance(stage, SupportsClose):
            try:
                stage.close()
            except Exception as error:
                warnings.append(f"the {kind} {describe(stage)} failed to close: {type(error).__name__}: {error}")
    return warnings
