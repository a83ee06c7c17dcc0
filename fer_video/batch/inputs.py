"""Which videos a batch analyses, and where each one's outputs go.

Inputs are folders (searched recursively for video files), glob patterns and files, mixed. The
outputs mirror each video's path under the output folder, relative to the folder all the inputs
share, so two ``talk.mp4`` in two folders never write the same file.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from fer_video.io.atomic import special_kind
from fer_video.io.names import check_name

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg", ".wmv", ".flv",
                            ".ts", ".mts", ".m2ts", ".3gp"})
"""What a folder or a pattern is searched for (case-insensitive); a file named on its own is taken whatever its name."""
BATCH_FILES = frozenset({"summary", "index"})
"""The batch's own summary.csv and index.html: a video named so at the top keeps its extension."""


@dataclass(frozen=True)
class Video:
    """One input video and the name its outputs share under the output folder (without extension)."""

    path: Path
    name: str
    """``interviews/p01`` for ``.../interviews/p01.mp4``: the mirrored path, less the video's extension
    (kept, as in ``p01.mov``, when another video in the same folder has the same stem)."""

    def output(self, folder: Path, suffix: str) -> Path:
        """The output of this video with ``suffix`` (``.csv``, ``.mp4``, ...) under ``folder``."""
        return Path(folder) / f"{self.name}{suffix}"


@dataclass(frozen=True)
class Inputs:
    """The videos, sorted by their mirrored path, and the folders they were searched in."""

    videos: list[Video]
    folders: list[Path]
    """Folders given or searched by a pattern: outputs may go neither into them nor around them."""


def find_videos(arguments: list[str]) -> Inputs:
    """Expand folders, patterns and files into videos; a name that matches nothing is a ``FileNotFoundError``."""
    found: dict[str, Path] = {}  # by absolute path: a video named twice is analysed once
    bases: list[str] = []
    folders: list[Path] = []
    for text in arguments:
        path = Path(text)
        if path.is_dir():
            files = _videos_under(path)
            if not files:
                raise FileNotFoundError(f"input folder {text} holds no video ({', '.join(sorted(VIDEO_SUFFIXES))})")
            bases.append(os.path.abspath(path))
            folders.append(path)
        elif path.is_file():
            files = [path]
            bases.append(os.path.dirname(os.path.abspath(path)))
        elif glob.has_magic(text):
            files = []
            for match in sorted(glob.glob(text, recursive=True)):
                match_path = Path(match)
                if match_path.is_dir():
                    files += _videos_under(match_path)
                elif match_path.is_file() and match_path.suffix.lower() in VIDEO_SUFFIXES:
                    files.append(match_path)
            if not files:
                raise FileNotFoundError(f"input pattern {text!r} matches no video")
            base = Path(_literal_prefix(text))
            bases.append(os.path.abspath(base))
            folders.append(base)
        elif path.exists():
            from fer_video.messages import UsageError

            raise UsageError(f"input {text} is a {special_kind(path)}; a batch reads video files: save the stream "
                             "to a file first")
        else:
            raise FileNotFoundError(f"input {text} does not exist")
        for file in files:
            check_name(file)
            found.setdefault(os.path.abspath(file), file)
    common = os.path.commonpath(bases)
    relative = {key: Path(os.path.relpath(key, common)) for key in found}
    names = _unique_names(relative)
    videos = sorted((Video(path, names[key]) for key, path in found.items()), key=lambda video: video.name)
    return Inputs(videos, folders)


def _unique_names(relative: dict[str, Path]) -> dict[str, str]:
    """Each video's output name: its mirrored path less the extension, or with it where that name is
    another video's too or the batch's own file's; again until no two are the same (``a.mp4`` and ``a.mp4.mov``
    both keep theirs).
    Whole relative paths differ, so this ends, and every video gets outputs of its own."""
    whole: set[str] = set()
    while True:
        names = {key: (rel if key in whole else rel.with_suffix("")).as_posix() for key, rel in relative.items()}
        taken: dict[str, list[str]] = {}
        for key, name in names.items():
            taken.setdefault(name, []).append(key)
        clashing = {key for name, keys in taken.items() if len(keys) > 1 or name in BATCH_FILES for key in keys}
        clashing -= whole
        if not clashing:
            return names
        whole |= clashing


def _videos_under(folder: Path) -> list[Path]:
    """Video files anywhere under ``folder``, sorted; hidden files and folders (``.git``, partial files) skipped."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [Path(root) / name for name in sorted(names)  # a FIFO named .mp4 would never end
                  if not name.startswith(".") and Path(name).suffix.lower() in VIDEO_SUFFIXES
                  and (Path(root) / name).is_file()]
    return files


def _literal_prefix(pattern: str) -> str:
    """The folder a pattern searches in: its path up to the first part with a wildcard (``day1`` of ``day1/*.mp4``)."""
    parts = Path(pattern).parts
    literal = []
    for part in parts:
        if glob.has_magic(part):
            break
        literal.append(part)
    return str(Path(*literal)) if literal else "."


def check_output_folder(output: Path, inputs: Inputs) -> None:
    """Refuse an output folder that would put outputs into, inside or around an input folder, or beside a
    video given as a file: a batch never writes where its videos are (raises ``UsageError``, exit code 2)."""
    from fer_video.messages import UsageError

    check_name(output, "output")
    if output.exists() and not output.is_dir():
        raise UsageError(f"output {output} is a file; batch writes into a folder: name a new or empty one")
    target = Path(os.path.realpath(output))  # real paths: a symlink to an input folder leads into it
    for folder in inputs.folders:
        source = Path(os.path.realpath(folder))
        if target == source or source in target.parents or target in source.parents:
            where = ("the input folder" if target == source else
                     "inside the input folder" if source in target.parents else "a folder holding the input folder")
            raise UsageError(f"output {output} is {where} {folder}; write the batch's outputs to a folder of their own")
    for video in inputs.videos:
        if Path(os.path.realpath(video.output(output, ".csv"))).parent == Path(os.path.realpath(video.path)).parent:
            raise UsageError(f"output {output} would put {video.path}'s outputs beside it; "
                             "write the batch's outputs to a folder of their own")
