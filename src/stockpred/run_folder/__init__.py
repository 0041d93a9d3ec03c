"""Output folders: the one policy every writer follows (runs, backtests, models, tuning, universes).

A folder is stockpred's only if it carries stockpred's marker file (``.stockpred.json``),
which names the job kind and the entries stockpred wrote there; a universe folder from before
universes had that marker is known by its ``universe-run.json`` record. Hence:

- the folder is checked before any work: it must be new, or empty, or marked, and writable;
- a folder holding anything without the marker is refused, even with ``force``;
- a marked folder of the same kind of job is written again, replacing only the entries its
  marker lists; ``force`` lets a job replace a marked folder of another kind the same way;
- an entry the job would write that is there but not listed is the user's: refused;
- stockpred's temporaries are named ``.stockpred-tmp-*`` / ``.stockpred-old-*``; no other
  hidden entry is ever touched.

Files are built in a temporary folder inside the target and moved into place at the end, so a
failed or interrupted job leaves the folder as it was: :func:`output_folder` is the one writer
every command uses, with one temporary folder a write (a folder written inside it, such as a
run's model, is part of that write). A commit marks the entries it moves as stockpred's before
moving them, so even a killed commit leaves nothing that looks like the user's, and
:func:`finished` tells a finished folder from one whose commit was cut short. A job holds an
exclusive lock on the target (``flock`` on the folder itself, so nothing is written for it)
from before its work until the move (:func:`reserve`): a second writer is refused at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal

from stockpred.exceptions import ConfigError
from stockpred.run_folder.paths import (
    TMP_PREFIX,
    check_writable,
    first_missing,
    made_folder,
    remove_empty,
    umask,
)
from stockpred.run_folder.paths import check_output_file as check_output_file
from stockpred.run_folder.paths import side_file as side_file

Kind = Literal["run", "train", "backtest", "model", "tune", "universe", "scorecard"]
MARKER = ".stockpred.json"
OLD_PREFIX = ".stockpred-old-"
LEGACY_LOCK = ".stockpred.lock"  # the (empty) lock file universe runs kept until 0.1.0
UNIVERSE_RECORD = "universe-run.json"  # a universe's config; alone, the marker of older ones

# The names each kind of job may write: checked against the folder before any work.
KNOWN_ENTRIES: dict[str, frozenset[str]] = {
    "run": frozenset(
        [
            "model",
            "metrics.json",
            "forecast.csv",
            "predictions.csv",
            "report.html",
            "data.json",
            "stamp.json",
        ]
    ),
    "backtest": frozenset(["backtest.csv", "summary.json", "report.html", "ray.log"]),
    "model": frozenset(
        [
            "weights.safetensors",
            "config.json",
            "scaler.json",
            "fingerprint.json",
            "state.json",
            "manifest.json",
        ]
    ),
    "tune": frozenset(["best.toml", "trials.csv", "test.csv", "tuning.html", "ray.log"]),
    "universe": frozenset(
        f"{UNIVERSE_RECORD} leaderboard.csv universe.json failed.csv index.html ray.log global_lstm".split()
    ),
}


def read_marker(folder: Path) -> dict[str, object] | None:
    """The marker of a folder stockpred wrote, or None."""
    try:
        data = json.loads((Path(folder) / MARKER).read_text())
    except FileNotFoundError:
        data = _legacy_universe_marker(Path(folder))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "kind" in data else None


def _legacy_universe_marker(folder: Path) -> dict[str, object] | None:
    """A universe folder written before it had a marker: its record stood for one."""
    try:
        record = json.loads((folder / UNIVERSE_RECORD).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or "config_sha" not in record:
        return None
    return {"kind": "universe", "files": sorted(KNOWN_ENTRIES["universe"])}


def write_marker(
    folder: Path, kind: Kind, files: Iterable[str], *, unfinished: bool = False
) -> None:
    """Mark ``folder`` as stockpred's, listing the entries stockpred wrote (atomically);
    ``unfinished`` while a commit moves them in."""
    document: dict[str, object] = {"kind": kind, "files": sorted(files)}
    if unfinished:
        document["unfinished"] = True
    text = json.dumps(document, indent=2)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=folder)
    os.fchmod(fd, 0o666 & ~umask())
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, folder / MARKER)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def finished(folder: Path) -> bool:
    """Whether ``folder`` holds a write stockpred finished (its commit was not cut short)."""
    marker = read_marker(folder)
    return marker is not None and not marker.get("unfinished", False)


def is_temporary(name: str) -> bool:
    """An entry only stockpred names so: a job's temporary, or an old universe lock."""
    return name.startswith((TMP_PREFIX, OLD_PREFIX)) or name == LEGACY_LOCK


def _entries(folder: Path) -> set[str]:
    """Entries of an existing folder, leaving out stockpred's marker and temporaries."""
    return {p.name for p in folder.iterdir() if p.name != MARKER and not is_temporary(p.name)}


def _listed(marker: dict[str, object] | None) -> set[str]:
    """The entries a marker lists as stockpred's."""
    files = marker.get("files") if marker else None
    return {str(f) for f in files} if isinstance(files, list) else set()


def _owned(folder: Path, marker: dict[str, object] | None) -> set[str]:
    """The entries there that the marker lists: the only ones a job may replace."""
    return _listed(marker) & _entries(folder)


def _family(kind: str) -> str:
    """A train folder is a run folder without the evaluation: either may replace the other."""
    return "run" if kind == "train" else kind


def check_output(target: Path, kind: Kind, *, force: bool = False) -> None:
    """Refuse, before any work, an output folder stockpred may not write (one line)."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ConfigError(f"out={target} is a file, not a folder; choose a folder to write")
    check_writable(target)
    if not target.exists() or not _entries(target):
        return
    marker = read_marker(target)
    if marker is None:
        raise ConfigError(
            f"out={target} already holds files stockpred did not write (it has no {MARKER}); "
            "choose an empty or new folder"
        )
    if _family(str(marker["kind"])) != _family(kind) and not force:
        hint = f" (or pass force=True to replace its stockpred files with the {kind} files)"
        raise ConfigError(
            f"out={target} holds a stockpred {marker['kind']} folder; choose a new folder"
            + ("" if kind == "universe" else hint)  # a universe run has no force
        )
    _refuse_clashes(target, KNOWN_ENTRIES.get(_family(kind), frozenset()), marker)


def _refuse_clashes(target: Path, names: Iterable[str], marker: dict[str, object] | None) -> None:
    """Entries the job would write that are there but not stockpred's: the user's own."""
    clashes = (set(names) & _entries(target)) - _owned(target, marker)
    if clashes:
        raise ConfigError(
            f"out={target} holds {', '.join(sorted(clashes))}, which stockpred did not write; "
            "move it elsewhere or choose an empty or new folder"
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


def _unmake(target: Path, made: Path) -> None:
    """Remove the folder made for a failed job, then each parent made for it while empty
    (another job may have put its own folder there meanwhile)."""
    shutil.rmtree(target, ignore_errors=True)
    remove_empty(target.parent, made)


def _keep_nothing(folder: Path) -> bool:
    """A failed single job leaves no trace: all of it or nothing."""
    return False


@contextmanager
def reserve(
    target: Path,
    kind: Kind,
    *,
    force: bool = False,
    keep: Callable[[Path], bool] = _keep_nothing,
) -> Iterator[Path]:
    """Check and lock ``target`` for the whole job, so a second writer is refused at once.

    The folders made here are removed again if the job fails or is interrupted, unless
    ``keep(target)`` says what is there by then is worth keeping (a universe's finished
    tickers). A first holder removes the temporaries a killed job left.
    """
    target = Path(target)
    check_output(target, kind, force=force)
    made = first_missing(target.absolute())
    target.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(target)
    fd: int | None = None
    try:
        if key not in _HELD:
            fd = _HELD[key] = _lock(target)
        check_output(target, kind, force=force)  # another process may have written it meanwhile
        if fd is not None:
            remove_stale_temporaries(target)
        yield target
    except BaseException:
        if made is not None and not keep(target):
            _unmake(target.absolute(), made)
        raise
    finally:
        if fd is not None:
            del _HELD[key]
            os.close(fd)


def remove_stale_temporaries(folder: Path) -> None:
    """Temporaries a killed job left in a folder this process holds; nothing else."""
    for path in Path(folder).iterdir():
        if not is_temporary(path.name):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name != LEGACY_LOCK or path.stat().st_size == 0:
            path.unlink(missing_ok=True)


# The temporary folders of this process's writes in progress (real paths).
_WRITING: list[str] = []


@contextmanager
def output_folder(
    target: Path, kind: Kind, *, force: bool = False, update: bool = False
) -> Iterator[Path]:
    """Yield an empty temporary folder; on success its entries replace stockpred's in ``target``
    (with ``update``, only their namesakes: a universe's files beside its tickers).

    A ``target`` inside another write's temporary folder is part of that write: it is made
    and marked there, and moves into place with the rest (no second temporary).
    """
    if _within_a_write(target):
        with _part_of_a_write(Path(target), kind) as part:
            yield part
        return
    if not Path(target).exists():
        with _new_folder(Path(target), kind) as tmp:
            yield tmp
        return
    with reserve(target, kind, force=force) as folder, _temporary(folder, TMP_PREFIX) as tmp:
        yield tmp
        _commit(folder, tmp, kind, update)


@contextmanager
def _new_folder(target: Path, kind: Kind) -> Iterator[Path]:
    """A folder not there yet is built beside its place and renamed into it, marked: it
    exists only once complete (a universe's ticker folders), whatever stops the job."""
    check_output(target, kind)
    with (
        made_folder(target.parent) as parent,
        _temporary(parent, f"{TMP_PREFIX}{target.name}.") as tmp,
    ):
        yield tmp
        write_marker(tmp, kind, _entries(tmp))
        _rename_new(tmp, target)


@contextmanager
def _temporary(parent: Path, prefix: str) -> Iterator[Path]:
    """A write's empty temporary folder in ``parent``, removed when the write ends, however."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    _WRITING.append(os.path.realpath(tmp))
    try:
        tmp.chmod(0o777 & ~umask())  # mkdtemp makes 0700; outputs should look like any other
        yield tmp
    finally:
        _WRITING.remove(os.path.realpath(tmp))
        shutil.rmtree(tmp, ignore_errors=True)


def _rename_new(tmp: Path, target: Path) -> None:
    """Rename the new folder into place, unless another process wrote it meanwhile."""
    try:
        tmp.rename(target)
    except OSError as exc:
        if not target.is_dir() or not _entries(target):
            raise
        raise ConfigError(
            f"out={target} was written by another stockpred process meanwhile; "
            "choose another folder"
        ) from exc


def _within_a_write(target: Path) -> bool:
    """Whether ``target`` lies in the temporary folder of a write this process has open."""
    path = os.path.realpath(target)
    return any(os.path.commonpath([path, tmp]) == tmp for tmp in _WRITING)


@contextmanager
def _part_of_a_write(target: Path, kind: Kind) -> Iterator[Path]:
    """``target`` made inside a write in progress, marked with what was written into it."""
    check_output(target, kind)
    target.mkdir(parents=True, exist_ok=True)
    yield target
    write_marker(target, kind, _entries(target))


def _commit(target: Path, tmp: Path, kind: Kind, update: bool = False) -> None:
    """Move the new entries into place; the marker's previous entries go (with ``update``,
    only those the new ones replace), nothing else does."""
    new = {p.name for p in tmp.iterdir()}
    marker = read_marker(target)
    _refuse_clashes(target, new, marker)
    previous = _owned(target, marker) & new if update else _owned(target, marker)
    listed = (_listed(marker) | new) if update else new
    before = (target / MARKER).read_bytes() if (target / MARKER).is_file() else None
    old = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=target))
    moved: list[str] = []
    try:
        write_marker(target, kind, listed | previous, unfinished=True)  # a kill leaves them ours
        for name in sorted(previous):
            with suppress(FileNotFoundError):
                (target / name).rename(old / name)
        for name in sorted(new):
            (tmp / name).rename(target / name)
            moved.append(name)
        write_marker(target, kind, listed)
    except BaseException:
        for name in moved:  # half a commit is worse than none: take the new entries out again
            (target / name).rename(tmp / name)
        _restore(target, old, before)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _restore(target: Path, old: Path, marker: bytes | None) -> None:
    """Put the previous entries and marker back where a failed commit had replaced them."""
    for entry in old.iterdir():
        if not (target / entry.name).exists():
            entry.rename(target / entry.name)
    if marker is None:
        (target / MARKER).unlink(missing_ok=True)
    else:
        (target / MARKER).write_bytes(marker)
