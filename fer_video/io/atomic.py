"""Outputs appear under their final name only once complete: write beside, then rename.

Each run writes under a name of its own (its process id and a random tag), so two runs naming
the same output never share a half-written file. An output that was not there when the run
started and no ``--force`` was given (:func:`keep_new`) is published without replacing: if another
run published it meanwhile, that one is kept and this one refused. With ``--force`` the last wins.
A character device or a FIFO (``/dev/null``, a named pipe) is written into directly and never
renamed over: replacing it with a regular file would destroy it.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

_PARTIAL = re.compile(r"^\.(?P<stem>.*)\.(?P<pid>\d+)-[0-9a-f]{8}\.partial(?P<suffix>.*)$")
# Endings that name a kind of file as a whole: Keras saves weights only to a name ending in
# .weights.h5, so a partial file must end in it too.
COMPOUND_SUFFIXES = (".weights.h5", ".card.toml", ".tar.gz")
NAME_MAX = 255
"""The longest file name, in bytes, of Linux's and macOS's usual file systems."""
_PARTIAL_PARTS = b"..4294967295-0123abcd.partial"  # what a partial name adds, with the longest process id


def split_suffix(name: str) -> tuple[str, str]:
    """A file name's stem and the ending that says its kind (``.weights.h5`` whole, else the last)."""
    for suffix in COMPOUND_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    path = Path(name)
    return path.stem, path.suffix


def special_kind(path: Path) -> str | None:
    """What ``path`` is when it exists and is neither a regular file nor a folder, else ``None``."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    for test, kind in ((stat.S_ISCHR, "character device"), (stat.S_ISFIFO, "FIFO"),
                       (stat.S_ISSOCK, "socket"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return kind
    return None


def written_in_place(path: Path) -> bool:
    """A character device or FIFO: written straight into, with no temporary file and no rename."""
    return special_kind(path) in ("character device", "FIFO")


def partial_path(path: Path) -> Path:
    """Where ``path`` is written while in progress: a name of this run's own in the same folder
    (so the rename is atomic), or ``path`` itself when it is a device or FIFO."""
    path = Path(path)
    if written_in_place(path):
        return path
    stem, suffix = partial_stem(path.name)
    return path.with_name(f".{stem}.{os.getpid()}-{secrets.token_hex(4)}.partial{suffix}")


def partial_stem(name: str) -> tuple[str, str]:
    """The stem and ending of ``name``'s partial names: the stem cut short, and told apart by a hash of
    it, where the partial name would pass the file system's limit of 255 bytes (a long name that fits)."""
    stem, suffix = split_suffix(name)
    room = NAME_MAX - len(_PARTIAL_PARTS) - len(os.fsencode(suffix))
    encoded = os.fsencode(stem)
    if len(encoded) <= room:
        return stem, suffix
    digest = hashlib.sha1(encoded).hexdigest()[:8]
    return f"{os.fsdecode(encoded[: max(room - 9, 0)]).encode('utf-8', 'ignore').decode()}~{digest}", suffix


_KEPT_NEW: set[str] = set()


def keep_new(final: Path, keep: bool = True) -> None:
    """``final`` was checked absent with no ``--force``: publishing it must not replace what appears meanwhile.

    ``keep=False`` (checked with ``--force``) lifts that again, for a process that writes one output twice
    (``Timeline.to_csv`` from Python, the second time with ``force=True``)."""
    if keep:
        _KEPT_NEW.add(os.path.abspath(final))
    else:
        _KEPT_NEW.discard(os.path.abspath(final))


def publish(partial: Path, final: Path) -> None:
    """Give the finished ``partial`` its final name in one step (nothing to do for a device); for an
    output under :func:`keep_new`, a ``FileExistsError`` instead of replacing a file that appeared."""
    if Path(partial) == Path(final):
        return
    if os.path.abspath(final) not in _KEPT_NEW:
        os.replace(partial, final)
        return
    try:
        os.link(partial, final)  # fails if final exists, with no moment in which it could be replaced
    except FileExistsError:
        raise _appeared(final) from None
    except OSError:  # a file system without hard links (FAT, some network shares): check, then rename
        if os.path.lexists(final):
            raise _appeared(final) from None
        os.replace(partial, final)
    else:
        os.unlink(partial)
    _KEPT_NEW.discard(os.path.abspath(final))  # published: what this process writes there next is a new decision


def naming(error: OSError, path: Path) -> OSError:
    """``error`` with ``path`` as its file: a write to a full disk names none, and the user needs to know which."""
    if error.filename is not None:
        return error
    return type(error)(error.errno, error.strerror or str(error), str(path))


def _appeared(final: Path) -> FileExistsError:
    return FileExistsError(f"output {final} appeared while this run was writing it (another run's?); it is kept "
                           "and this run's copy discarded: pass --force to replace it")


def discard(partial: Path, final: Path) -> None:
    """Remove an unfinished ``partial``; never the device or FIFO it may have been written into. One
    never made is no error, even where unlink says so (a read-only file system: "[Errno 30]")."""
    if Path(partial) != Path(final) and os.path.lexists(partial):
        Path(partial).unlink(missing_ok=True)


def clean_stale(path: Path) -> list[Path]:
    """Remove the partial files (or folders) a killed run (``kill -9``) left for output ``path``, and
    for any output in ``path`` when it is a folder; a run still alive keeps its own. Returns what was removed."""
    path = Path(path)
    removed = _clean(path.parent, path)
    return removed + _clean(path, None) if path.is_dir() else removed


def _clean(folder: Path, final: Path | None) -> list[Path]:
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL.match(entry.name)
        if match is None or entry.is_symlink() or not (entry.is_file() or entry.is_dir()):
            continue
        if final is not None and (match["stem"], match["suffix"]) != partial_stem(final.name):
            continue
        if _alive(int(match["pid"])):
            continue
        if entry.is_dir():
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            Path(entry.path).unlink(missing_ok=True)
        removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class AtomicFile:
    """One output file for a sink: written at ``path``, it takes its ``final`` name at :meth:`publish`.

    What a plugin's sink needs to keep fer-video's promise that outputs appear only when
    complete: write to ``path``, call ``publish()`` from ``close`` and ``discard()`` from
    ``discard``. Partial files that a killed earlier run left for the same name are removed.
    """

    def __init__(self, final: Path | str) -> None:
        self.final = Path(final)
        clean_stale(self.final)
        self.path = partial_path(self.final)

    def publish(self) -> None:
        """The complete file, under its final name (in one step)."""
        publish(self.path, self.final)

    def discard(self) -> None:
        """Remove the unfinished file; never the device or FIFO it may have been written into."""
        discard(self.path, self.final)
