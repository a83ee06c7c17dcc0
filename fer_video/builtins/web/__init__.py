"""The ``web`` sink: the analysed stream, live emotion bars and a one-minute timeline in the browser.

``fer-video serve`` runs it with controls (pause, resume, switching stages); any other command
can add it as ``--sink web --sink-opt web.port=8001``. The web libraries load only when it is used.
"""

from __future__ import annotations

from typing import Any

from fer_video import hookimpl
from fer_video.plugins.factories import StageFactory, check_options


def _create(**options: Any) -> Any:
    from fer_video.builtins.web.sink import WebSink

    check_options(WebSink, options)  # a misspelt option is the user's mistake, said as for any stage
    return WebSink(**options)


@hookimpl
def fer_video_sinks() -> list[StageFactory]:
    return [StageFactory("web", _create, "live view in the browser: stream, emotion bars, timeline (host=, port=)",
                         writes="page")]
