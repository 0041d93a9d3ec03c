"""The universe's --out folder, under the one folder policy of :mod:`stockpred.run_folder`.

A universe folder is marked (kind ``universe``) when the run takes it, before any ticker is
written, so an interrupted run can be resumed; one config per folder (``universe-run.json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from stockpred.artifacts import to_json
from stockpred.cluster.session import RAY_LOG
from stockpred.exceptions import ConfigError
from stockpred.run_folder import (
    KNOWN_ENTRIES,
    MARKER,
    UNIVERSE_RECORD,
    is_temporary,
    output_folder,
    remove_stale_temporaries,
    reserve,
    write_marker,
)

if TYPE_CHECKING:
    from stockpred.universe.options import RunRecord

RUN_RECORD = UNIVERSE_RECORD
_BOOKKEEPING = frozenset({MARKER, RUN_RECORD, RAY_LOG})


@contextmanager
def locked_out(out: Path, record: RunRecord) -> Iterator[Path]:
    """Hold ``out`` for this run: refuse a second writer and a folder from another config.

    The lock is an advisory ``flock`` on the folder: the kernel drops it when the process
    dies, however it dies, so a killed run never leaves ``out`` locked. A folder made here
    that holds no result when the run fails is removed again.
    """
    with reserve(out, "universe", keep=has_results) as folder:
        _refuse_other_config(folder, record)
        write_marker(folder, "universe", KNOWN_ENTRIES["universe"])
        with output_folder(folder, "universe", update=True) as tmp:  # the one folder writer
            (tmp / RUN_RECORD).write_text(json.dumps(to_json(record), indent=2, sort_keys=True))
        yield folder
        remove_stale_temporaries(folder)  # a worker killed mid-ticker could not remove its own


def has_results(out: Path) -> bool:
    """Whether a universe folder holds anything but its own bookkeeping (a ticker, a file)."""
    return any(p.name not in _BOOKKEEPING and not is_temporary(p.name) for p in out.iterdir())


def _refuse_other_config(out: Path, record: RunRecord) -> None:
    """A folder holding another run's results would mix two experiments in one leaderboard."""
    existing = out / RUN_RECORD
    if not existing.is_file():
        return
    try:
        before = json.loads(existing.read_text())
    except (OSError, ValueError):
        before = {}
    if before.get("config_sha") != record.config_sha:
        changed = sorted(
            k
            for k in set(before.get("settings", {})) | set(record.settings)
            if before.get("settings", {}).get(k) != record.settings.get(k)
        )
        raise ConfigError(
            f"{out} holds a universe run with another config (differs in "
            f"{', '.join(changed[:6]) or 'its record'}); use another --out or delete that folder"
        )
