"""The ``fer-video`` console script: it answers Ctrl+C from its first line.

Importing the command (NumPy, OpenCV, pluggy, the plugins) takes a noticeable moment. A Ctrl+C
then would raise inside some library's import, where it turns into a traceback or a misleading
ImportError. Until the command is loaded, Ctrl+C ends the process at once with one line and exit
130: nothing has been opened or written yet, so there is nothing to finish.

At the end, once every output is written and closed, the process exits without Python's
teardown, which frees every object of NumPy, OpenCV and the models one by one: what the user
waits for after the last line.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading


def _stop_at_once(signum: int, frame: object) -> None:
    os.write(2, b"fer-video: interrupted\n")
    os._exit(128 + signum)


def main() -> int:
    """Run ``fer-video`` with Ctrl+C answered during start-up as well as during the run."""
    guarded = signal.getsignal(signal.SIGINT) is signal.default_int_handler  # not when SIGINT is ignored
    if guarded:
        signal.signal(signal.SIGINT, _stop_at_once)
    from fer_video.cli import main as command
    from fer_video.messages import say

    if guarded:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here a run finishes its outputs
    try:
        return command()
    except KeyboardInterrupt:  # between the handlers above and the command's own (parsing the arguments)
        say("fer-video: interrupted")
        return 128 + signal.SIGINT


def run() -> None:
    """The console script: :func:`main`, then an exit that skips the interpreter's teardown.

    What exit still owes is done first: the ``atexit`` handlers (Ray's shutdown, logging's
    flush...) and the flush of stdout and stderr. A thread that is not a daemon (a plugin's) keeps
    the usual exit, which waits for it.
    """
    code = main()
    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate()
           if thread is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or a closed stream: nothing left to say
            pass
    os._exit(code if isinstance(code, int) else 0)
