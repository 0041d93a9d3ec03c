"""The universe's --out folder: one writer at a time, one config per folder, no stale temps."""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stockpred.artifacts import write_text_atomic
from stockpred.cluster.session import RAY_LOG
from stockpred.exceptions import ConfigError

LOCK = ".stockpred.lock"
RUN_RECORD = "universe-run.json"


@contextmanager
def locked_out(out: Path, record: dict[str, Any]) -> Iterator[Path]:
    """Hold ``out`` for this run: refuse a second writer and a folder from another config.

    The lock is an advisory ``flock`` on a file inside ``out``: the kernel drops it when
    the process dies, however it dies, so a killed run never leaves ``out`` locked.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    handle = (out / LOCK).open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"another stockpred run is writing to {out}; wait for it to finish or "
                "choose another --out"
            ) from None
        _refuse_other_config(out, record)
        remove_stale_temporaries(out)
        write_text_atomic(out / RUN_RECORD, json.dumps(record, indent=2, sort_keys=True))
        yield out
        remove_stale_temporaries(out)  # a worker killed mid-ticker could not remove its own
    finally:
        handle.close()


def _refuse_other_config(out: Path, record: dict[str, Any]) -> None:
    """A folder holding another run's results would mix two experiments in one leaderboard."""
    existing = out / RUN_RECORD
    # Ray's log may be there first: --backend ray starts Ray before the run takes the folder.
    visible = [p for p in out.iterdir() if not p.name.startswith(".") and p.name != RAY_LOG]
    if not existing.is_file():
        if visible:
            raise ConfigError(
                f"{out} already holds files that are not a stockpred universe run; "
                "choose an empty or new --out"
            )
        return
    try:
        before = json.loads(existing.read_text())
    except (OSError, ValueError):
        before = {}
    if before.get("config_sha") != record["config_sha"]:
        changed = sorted(
            k
            for k in set(before.get("settings", {})) | set(record["settings"])
            if before.get("settings", {}).get(k) != record["settings"].get(k)
        )
        raise ConfigError(
            f"{out} holds a universe run with another config (differs in "
            f"{', '.join(changed[:6]) or 'its record'}); use another --out or delete that folder"
        )


def remove_stale_temporaries(out: Path) -> None:
    """Hidden half-written folders a killed run left behind (never a complete ticker)."""
    for path in out.iterdir():
        if path.name.startswith(".") and path.name != LOCK and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".") and path.name != LOCK and path.is_file():
            path.unlink(missing_ok=True)
