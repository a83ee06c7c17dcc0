"""The application layer: one analysis as the commands and ``fer_video.analyze`` run it, above ``runtime/``
(the pipeline) and ``io/`` (sources, outputs, the timeline's rows), which know nothing of each other's callers."""
