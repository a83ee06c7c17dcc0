"""File names fer-video can pass on: OpenCV, FFmpeg and the CSV files all need them in UTF-8.

A name that is not valid UTF-8 (an old archive's Latin-1 ``caf\\xe9.mp4``, another locale's) reaches
Python with its bad bytes as surrogates, which OpenCV cannot take (it crashed with SIGSEGV) and no
UTF-8 file can hold. Such a name is refused before any work, in one line that shows its bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

from fer_video.messages import UsageError


def shown(path: Path | str) -> str:
    """``path`` as a line can show it: bytes that are not UTF-8 as ``\\xff``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def check_name(path: Path | str, what: str = "input") -> None:
    """Refuse (exit 2) a path whose name, or a folder's on the way to it, is not valid UTF-8."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {shown(path)} has a name that is not valid UTF-8, which fer-video cannot "
                         "pass on; rename it (convmv -f latin1 -t utf-8 --notest NAME does it)") from None
