"""The exit codes every command shares, and the help text that lists them.

Apart from the parser so that a command module can return a code without importing the parser,
which imports every command module to build itself.
"""

from __future__ import annotations

import signal

EXIT_INPUT_PROBLEM = 1  # the input (or a stage on it) failed; a truncated video was processed as far as it decodes
EXIT_USAGE = 2  # a wrong command line, option or output path, or a missing extra: nothing was run
EXIT_INTERRUPTED = 128 + signal.SIGINT  # Ctrl+C: 130; SIGTERM 143 and SIGHUP 129 end a run the same way

EXIT_CODES = f"""exit codes:
  0            done; every output is complete
  {EXIT_INPUT_PROBLEM}            the input, a stage's option value or a stage failed, or a truncated video was
               processed as far as it decodes
  {EXIT_USAGE}            usage: a wrong command line, an output path that would overwrite something, or
               a part of fer-video this install lacks (pip install 'fer-video[train]'); nothing was run
  130 143 129  interrupted by Ctrl+C, SIGTERM or SIGHUP: the outputs are complete up to the last frame"""
