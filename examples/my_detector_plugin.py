"""A detector plugin in a dozen lines, registered in code (an entry point does the same for a package).

It runs OpenCV's profile-face cascade, then the usual pipeline:

    python examples/my_detector_plugin.py INPUT.mp4
"""

import sys

import cv2

from fer_video import Face, Pipeline, PluginManager, StageFactory, hookimpl, open_source


class ProfileDetector:
    """Faces seen from the side, which the frontal cascade misses."""

    def __init__(self) -> None:
        self.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_profileface.xml")

    def detect(self, image):
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        return [Face(int(x), int(y), int(w), int(h)) for x, y, w, h in self.cascade.detectMultiScale(gray, 1.1, 5)]


@hookimpl
def fer_video_detectors():
    return [StageFactory("profile", ProfileDetector, "OpenCV profile-face cascade")]


plugins = PluginManager()
plugins.register(sys.modules[__name__], "profile")
summary = Pipeline(
    open_source(sys.argv[1]),
    detector=plugins.create("detector", "profile"),
    classifier=plugins.create("classifier", "fernet"),
    tracker=plugins.create("tracker", "iou"),
    sinks=[plugins.create("sink", "csv", output="profile_timeline.csv")],
).run()
print(f"{summary.faces} profile faces in {summary.frames} frames")
