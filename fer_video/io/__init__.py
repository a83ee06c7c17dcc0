"""Input and output: frame sources, ffmpeg, timeline rows, and outputs published only when complete."""
