"""Read a timeline CSV and print each face's dominant emotion and when it was on screen.

    fer-video timeline talk.mp4 -o timeline.csv
    python examples/emotion_of_each_face.py timeline.csv
"""

import sys

import pandas as pd

timeline = pd.read_csv(sys.argv[1])
for face_id, rows in timeline.groupby("face_id"):
    top = rows.emotion.value_counts(normalize=True)
    print(f"face #{face_id}: {rows.time_s.min():.1f}-{rows.time_s.max():.1f} s, "
          f"{top.index[0]} {top.iloc[0]:.0%} of frames, mean happy score {rows.happy.mean():.2f}")
