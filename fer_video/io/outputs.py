"""Output paths checked before any work: nothing overwritten without --force, never the input.

Every command that writes runs its outputs through ``check_outputs`` first, so a refusal costs
nothing and leaves nothing behind (exit code 2).
"""

from __future__ import annotations

import os
from pathlib import Path

from fer_video.io.atomic import keep_new, special_kind, written_in_place
from fer_video.io.names import check_name
from fer_video.messages import UsageError


def check_outputs(source_path: Path | None, outputs: list[Path], force: bool,
                   folder_output: Path | None = None) -> None:
    """Refuse to overwrite the input, or an existing output without --force, before any work.

    A folder of pictures cannot be written into itself, a folder inside it or one holding it, whatever
    the flags. A device or FIFO (``/dev/null``) is written into, never replaced, so it needs no --force.
    """
    for path, what in ([(source_path, "input")] if source_path is not None else []) + [(o, "output") for o in outputs]:
        check_name(path, what)
    seen = set()
    source = source_path.resolve() if source_path is not None else None
    for output in outputs:
        resolved = output.resolve()
        if source is not None and source.is_dir() and (resolved == source or source in resolved.parents
                                                       or resolved in source.parents):
            where = "the input folder" if resolved == source else (
                "inside the input folder" if source in resolved.parents else "a folder holding the input folder")
            raise UsageError(f"output {output} is {where} {source_path}; "
                             "write the annotated pictures to a folder of their own")
        if source is not None and (resolved == source or (output.exists() and os.path.samefile(output, source))):
            raise UsageError(f"output {output} is the input file; choose another output path")
        holder = next((parent for parent in output.parents if parent.exists()), None)
        if holder is not None and not holder.is_dir():  # mkdir would say a raw "[Errno 17] File exists"
            raise UsageError(f"output {output} cannot be written: {holder} is a file, not a folder; "
                             "name an output in a folder")
        if resolved in seen:
            raise UsageError(f"{output} is named as two outputs; give each output its own path")
        seen.add(resolved)
        if output.is_dir() and output != folder_output:
            raise UsageError(f"output {output} is a folder; name a file (--force never replaces a folder)")
        if special_kind(output) is not None and not written_in_place(output):
            raise UsageError(f"output {output} is a {special_kind(output)}; name a file, a FIFO or /dev/null")
        if output.exists() and not force and not written_in_place(output):
            raise FileExistsError(f"output {output} already exists; pass --force to overwrite it")
        if not force and not output.exists():
            keep_new(output)  # one that appears during the run (another run's) is not replaced either
        elif force:
            keep_new(output, keep=False)


def is_device(path: Path) -> bool:
    """A character device such as ``/dev/null``: any output may be written into it, whatever its name."""
    return special_kind(path) == "character device"
