"""The Python equivalent of `fer-video annotate talk.mp4 -o annotated.mp4 --csv timeline.csv`.

    python examples/annotate_from_python.py INPUT.mp4
"""

import sys

from fer_video import Pipeline, PluginManager, open_source

plugins = PluginManager()  # finds every installed stage through entry points
summary = Pipeline(
    open_source(sys.argv[1]),
    detector=plugins.create("detector", "mediapipe"),
    classifier=plugins.create("classifier", "fernet"),
    tracker=plugins.create("tracker", "iou"),
    smoother=plugins.create("smoother", "ema", alpha=0.3),
    annotator=plugins.create("annotator", "overlay"),  # what the video sink draws; "blur" hides the faces
    sinks=[
        plugins.create("sink", "video", output="annotated.mp4"),
        plugins.create("sink", "csv", output="timeline.csv"),
    ],
    progress=True,
).run()
print(f"{summary.frames} frames, {summary.faces} faces, {summary.fps:.1f} frames/s")
