"""``fer-video batch``: many videos, on a local pool of processes or a Ray cluster, resumable, summed up.

One idea per module: which videos and where their outputs go (:mod:`~fer_video.batch.inputs`), one
video analysed and published (:mod:`~fer_video.batch.video`), its numbers
(:mod:`~fer_video.batch.stats`), the summary (:mod:`~fer_video.batch.summary`) and the pages' index
(:mod:`~fer_video.batch.index_page`), the progress bar (:mod:`~fer_video.batch.progress`), the two
engines (:mod:`~fer_video.batch.local`, :mod:`~fer_video.batch.ray_engine`) and the run that ties them
(:mod:`~fer_video.batch.runner`).
"""

from __future__ import annotations

from fer_video.batch.local import default_workers
from fer_video.batch.runner import BatchRequest, run_batch
from fer_video.batch.video import Wanted

__all__ = ["BatchRequest", "Wanted", "default_workers", "run_batch"]
