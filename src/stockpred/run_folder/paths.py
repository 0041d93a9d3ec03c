"""Paths a job writes: refused before any work when they cannot be written, and the folders
made for them removed again if the job fails. The output-folder policy builds on these."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stockpred.exceptions import ConfigError

TMP_PREFIX = ".stockpred-tmp-"  # every temporary stockpred writes is named so (and hidden)


def check_writable(target: Path) -> None:
    """Refuse now, not after the work, a path whose folder this process cannot write."""
    target = Path(target)
    existing = next(p for p in (target, *target.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise ConfigError(f"{target} cannot be made: {existing} is a file, not a folder")
    if not os.access(
        existing, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids
    ):
        raise ConfigError(
            f"{existing} cannot be written (permission denied or read-only); "
            "choose a folder you can write"
        )


def check_output_file(path: Path) -> None:
    """Refuse, before any work, an output file that cannot be written (one line)."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"out={path} is a folder; name the file to write")
    check_writable(path.parent)


def first_missing(target: Path) -> Path | None:
    """The outermost folder that ``mkdir(parents=True)`` of ``target`` would make."""
    missing = None
    for path in (target, *target.parents):
        if path.exists():
            return missing
        missing = path
    return missing


def remove_empty(folder: Path, made: Path) -> None:
    """``folder`` and its parents up to ``made``, each only while empty."""
    for path in (folder, *folder.parents):
        if not path.is_relative_to(made):
            return
        try:
            path.rmdir()
        except OSError:
            return


@contextmanager
def made_folder(folder: Path) -> Iterator[Path]:
    """``folder`` made with its parents for a file written into it; the folders made here
    are removed again, while empty, if the block fails."""
    folder = Path(folder).absolute()
    made = first_missing(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield folder
    except BaseException:
        if made is not None:
            remove_empty(folder, made)
        raise


def umask() -> int:
    """The process's umask, which the files stockpred writes follow."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def side_file(out: Path, name: str) -> Iterator[Path]:
    """Where a file the job writes before its folder (Ray's log) waits beside ``out``, named
    as stockpred's temporary; the job moves it in, and it is removed if the job fails."""
    out = Path(out).absolute()
    path = out.parent / f"{TMP_PREFIX}{out.name}.{name}"
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
