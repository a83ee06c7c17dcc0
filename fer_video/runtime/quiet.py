"""Keep TensorFlow's and MediaPipe's native start-up chatter off the user's terminal.

Importing TensorFlow and starting MediaPipe or TF Lite print C++ log lines (CUDA factories
on a machine without a GPU, XNNPACK delegates...) straight to file descriptor 2, past
Python's ``sys.stderr``. Errors still surface as Python exceptions; set ``FER_VIDEO_DEBUG=1``
to see everything.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def native_logs_hidden() -> Iterator[None]:
    """Send fd 2 to a scratch file for the duration; replay it if the block fails unexpectedly (not
    on a ``ValueError`` or ``OSError``, whose one line says what is wrong: a damaged weights file)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if os.environ.get("FER_VIDEO_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            yield
        except (ValueError, OSError):
            raise
        except BaseException:
            os.dup2(saved, 2)
            scratch.seek(0)
            sys.stderr.write(scratch.read().decode(errors="replace")[-4000:])
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def decoder_logs_hidden() -> None:
    """Keep FFmpeg's line per broken packet of a damaged video off the terminal.

    OpenCV's FFmpeg decoder prints them straight to file descriptor 2 from its own thread; the run's
    one warning says instead where decoding stopped. Takes effect if called before the process
    opens its first video.
    """
    if not os.environ.get("FER_VIDEO_DEBUG"):
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
