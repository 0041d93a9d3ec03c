"""Output folders stockpred may write: new ones, or ones it wrote itself for the same job.

A folder stockpred writes holds a marker file (``.stockpred.json``) naming the job kind and
the entries it wrote. Writing into an existing folder is allowed only when it is empty or its
marker names the same kind; anything else is refused unless ``force``, and even then only the
entries stockpred writes are replaced: nothing stockpred did not write is ever deleted.

Files are built in a hidden temporary folder inside the target and moved into place at the
end, so a failed or interrupted job leaves the folder as it was. A job holds an exclusive
lock on the target from before its work until the move (:func:`reserve`), so a second
process writing the same folder is refused at once and two jobs never mix.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

from stockpred.exceptions import ConfigError

Kind = Literal["run", "train", "backtest", "leaderboard", "model", "tune", "scorecard"]
MARKER = ".stockpred.json"
_TMP_PREFIX = ".stockpred-tmp-"
_OLD_PREFIX = ".stockpred-old-"

# What each job writes; a folder of these names and nothing else, written before markers
# existed, is recognised as stockpred's own.
KNOWN_ENTRIES: dict[str, frozenset[str]] = {
    "run": frozenset({"model", "metrics.json", "forecast.csv", "report.html", "data.json"}),
    "backtest": frozenset({"backtest.csv", "summary.json", "report.html"}),
    "model": frozenset(
        {
            "weights.safetensors",
            "config.json",
            "scaler.json",
            "fingerprint.json",
            "state.json",
            "manifest.json",
        }
    ),
}


def read_marker(folder: Path) -> dict[str, object] | None:
    """The marker of a folder stockpred wrote, or None."""
    try:
        data = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "kind" in data else None


def _user_entries(folder: Path) -> set[str]:
    """Entries of an existing folder, leaving out stockpred's own bookkeeping."""
    return {
        p.name
        for p in folder.iterdir()
        if p.name != MARKER and not p.name.startswith((_TMP_PREFIX, _OLD_PREFIX))
    }


def _owned_entries(folder: Path, kind: Kind) -> set[str] | None:
    """Entries stockpred wrote there for ``kind``; None when the folder is not such a folder."""
    entries = _user_entries(folder)
    if not entries:
        return set()
    marker = read_marker(folder)
    known = KNOWN_ENTRIES.get(_family(kind), frozenset())
    if marker is not None:
        if _family(str(marker["kind"])) != _family(kind):
            return None
        files = marker.get("files")
        listed = {str(f) for f in files} if isinstance(files, list) else set()
        return (listed | known) & entries
    return entries if entries <= known else None


def _family(kind: str) -> str:
    """A train folder is a run folder without the evaluation: either may replace the other."""
    return "run" if kind == "train" else kind


def check_output(target: Path, kind: Kind, *, force: bool = False) -> None:
    """Refuse, before any work, an output path stockpred may not write (one line)."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ConfigError(f"out={target} is a file, not a folder; choose a folder to write")
    if not target.exists() or force:
        return
    if _owned_entries(target, kind) is None:
        marker = read_marker(target)
        what = f"a stockpred {marker['kind']} folder" if marker else "files stockpred did not write"
        raise ConfigError(
            f"out={target} holds {what}; choose a new folder (or pass force=True to write "
            f"stockpred's {kind} files into it, keeping everything else)"
        )


def _lock(folder: Path) -> int:
    """An exclusive lock on the folder (released when the process ends, however it ends)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError(
            f"out={folder} is being written by another stockpred process; wait for it to "
            "finish or choose another folder"
        ) from None
    return fd


# Folders this process holds the lock of (real path -> descriptor): a job reserves its
# folder before training and writes it at the end without locking it against itself.
_HELD: dict[str, int] = {}


@contextmanager
def reserve(target: Path, kind: Kind, *, force: bool = False) -> Iterator[Path]:
    """Check and lock ``target`` for the whole job, so a second writer is refused at once.

    A folder made here is removed again if the job fails or is interrupted.
    """
    target = Path(target)
    check_output(target, kind, force=force)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(target)
    fd = None if key in _HELD else _lock(target)
    if fd is not None:
        _HELD[key] = fd
    try:
        check_output(target, kind, force=force)  # another process may have written it meanwhile
        yield target
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        if fd is not None:
            del _HELD[key]
            os.close(fd)


@contextmanager
def output_folder(target: Path, kind: Kind, *, force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder; on success its entries replace stockpred's in ``target``."""
    with reserve(target, kind, force=force) as folder:
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=folder))
        try:
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; outputs should look like any other
            yield tmp
            _commit(folder, tmp, kind, _owned_entries(folder, kind) or set())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _commit(target: Path, tmp: Path, kind: Kind, previous: set[str]) -> None:
    """Move the new entries into place; stockpred's previous entries go, nothing else does."""
    new = {p.name for p in tmp.iterdir()}
    old = Path(tempfile.mkdtemp(prefix=_OLD_PREFIX, dir=target))
    moved: list[str] = []
    try:
        for name in sorted(previous | (new & _user_entries(target))):
            with suppress(FileNotFoundError):
                (target / name).rename(old / name)
        for name in sorted(new):
            (tmp / name).rename(target / name)
            moved.append(name)
        marker = {"kind": kind, "files": sorted(new)}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2))
        os.replace(tmp / MARKER, target / MARKER)
    except BaseException:
        for name in moved:  # half a commit is worse than none: take the new entries out again
            (target / name).rename(tmp / name)
        _restore(target, old)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _restore(target: Path, old: Path) -> None:
    """Put the previous entries back where a failed commit had not yet replaced them."""
    for entry in old.iterdir():
        if not (target / entry.name).exists():
            entry.rename(target / entry.name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
